"""Demo data shared helpers: the accounts every later app's demo data builds on."""

DEMO_PASSWORD = "socex-demo-2027"

DEMO_ACCOUNTS = {
    "organiser": "organiser@socex.example",
    "delegate": "delegate@police.uk",
    "speaker": "speaker@nca.gov.uk",
}
