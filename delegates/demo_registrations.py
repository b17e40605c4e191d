"""Demo registrations: fill the Economic Crime Conference 2027 (400 places) with
delegates from varied organisations and countries, about 30 on the waiting list and a
dozen awaiting approval, and trust the usual domains for both 2027 editions.

Idempotent and quick: users, addresses, profiles, registrations and their first status
change are bulk-created (one shared password hash, no emails), then the edition's seats
counter is recounted. The demo delegate registers through the real service.
"""

import datetime as dt
import itertools

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from events.models import Edition
from socex.demo import DEMO_ACCOUNTS

from . import services
from .models import (
    EditionSeats,
    Profile,
    Registration,
    RegistrationStatusChange,
    TrustedDomain,
    User,
)

ECONOMIC = "economic-crime-2027"
# The demo registrations arrive over this long before the load.
DEMO_REGISTRATION_SPREAD = dt.timedelta(days=42)
EDITIONS_2027 = ["strategic-2027", ECONOMIC]
TRUSTED_DOMAINS = [
    "police.uk",
    "pnn.police.uk",
    "nca.gov.uk",
    "gov.uk",
    "hmrc.gov.uk",
    "sfo.gov.uk",
    "cps.gov.uk",
]
CONFIRMED, WAITLISTED, PENDING = 400, 30, 12

T = Profile.OrganisationType
# (organisation, type, email domain, country): trusted domains first.
ORGANISATIONS = [
    ("Metropolitan Police Service", T.UK_POLICE, "met.police.uk", "United Kingdom"),
    ("West Midlands Police", T.UK_POLICE, "west-midlands.police.uk", "United Kingdom"),
    ("Greater Manchester Police", T.UK_POLICE, "gmp.police.uk", "United Kingdom"),
    ("Police Scotland", T.UK_POLICE, "scotland.police.uk", "United Kingdom"),
    (
        "Police Service of Northern Ireland",
        T.UK_POLICE,
        "psni.police.uk",
        "United Kingdom",
    ),
    ("Thames Valley Police", T.UK_POLICE, "thamesvalley.police.uk", "United Kingdom"),
    ("Merseyside Police", T.UK_POLICE, "merseyside.police.uk", "United Kingdom"),
    ("West Yorkshire Police", T.UK_POLICE, "westyorkshire.police.uk", "United Kingdom"),
    ("Dyfed-Powys Police", T.UK_POLICE, "dyfed-powys.police.uk", "United Kingdom"),
    ("City of London Police", T.UK_POLICE, "cityoflondon.police.uk", "United Kingdom"),
    ("North West ROCU (TITAN)", T.ROCU, "nwrocu.pnn.police.uk", "United Kingdom"),
    (
        "Eastern Region Special Operations Unit",
        T.ROCU,
        "ersou.pnn.police.uk",
        "United Kingdom",
    ),
    ("South East ROCU", T.ROCU, "serocu.pnn.police.uk", "United Kingdom"),
    ("National Crime Agency", T.NCA, "nca.gov.uk", "United Kingdom"),
    ("HM Revenue and Customs", T.HMRC, "hmrc.gov.uk", "United Kingdom"),
    ("Serious Fraud Office", T.SFO, "sfo.gov.uk", "United Kingdom"),
    ("Crown Prosecution Service", T.CPS, "cps.gov.uk", "United Kingdom"),
    ("Home Office", T.GOVERNMENT, "homeoffice.gov.uk", "United Kingdom"),
    ("Insolvency Service", T.GOVERNMENT, "insolvency.gov.uk", "United Kingdom"),
]
UNTRUSTED = [
    ("An Garda Síochána", T.INTERNATIONAL, "garda.ie", "Ireland"),
    ("Europol", T.INTERNATIONAL, "europol.europa.eu", "Netherlands"),
    ("Federal Bureau of Investigation", T.INTERNATIONAL, "fbi.gov", "United States"),
    ("Australian Federal Police", T.INTERNATIONAL, "afp.gov.au", "Australia"),
    ("Royal Canadian Mounted Police", T.INTERNATIONAL, "rcmp-grc.gc.ca", "Canada"),
    ("Bundeskriminalamt", T.INTERNATIONAL, "bka.bund.de", "Germany"),
    ("Politie", T.INTERNATIONAL, "politie.nl", "Netherlands"),
    ("UK Finance", T.INDUSTRY, "ukfinance.org.uk", "United Kingdom"),
    ("Barclays Financial Crime", T.INDUSTRY, "barclays.example", "United Kingdom"),
    ("University of Portsmouth", T.ACADEMIA, "port.ac.uk", "United Kingdom"),
]
FIRST = [
    "Aisha",
    "Ben",
    "Chloe",
    "Daniel",
    "Emma",
    "Farhan",
    "Grace",
    "Harry",
    "Isla",
    "Jack",
    "Kavya",
    "Liam",
    "Megan",
    "Niamh",
    "Oliver",
    "Priya",
    "Rhys",
    "Sophie",
    "Tom",
    "Uma",
    "Victoria",
    "William",
    "Yusuf",
    "Zara",
    "Ciarán",
    "Eilidh",
    "Gareth",
    "Hannah",
    "Kwame",
    "Lucy",
    "Mohammed",
    "Nadia",
]
LAST = [
    "Ahmed",
    "Brown",
    "Campbell",
    "Davies",
    "Evans",
    "Fraser",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "MacDonald",
    "Nowak",
    "O'Brien",
    "Patel",
    "Quinn",
    "Roberts",
    "Singh",
    "Thomas",
    "Walsh",
    "Williams",
    "Wright",
    "Young",
    "Okafor",
    "Murphy",
    "Kowalski",
    "Chen",
]
RANKS = ["DC", "DS", "DI", "DCI", "Mr", "Ms", "Dr", "Supt", "PC", "Mrs"]
JOBS = [
    "Financial Investigator",
    "Detective Constable, Economic Crime Unit",
    "Fraud Investigator",
    "Intelligence Analyst",
    "Asset Recovery Lead",
    "Cyber Crime Investigator",
    "Senior Investigating Officer",
    "Money Laundering Reporting Officer",
]
DIETS = [
    "",
    "",
    "",
    "",
    "",
    "",
    "Vegetarian",
    "Vegan",
    "Halal",
    "Gluten free",
    "Kosher",
    "Nut allergy",
]
ACCESS = ["Step-free access please", "Hearing loop", "Reserved seat near the front"]


def _people():
    """Deterministic delegates: (email, profile fields, trusted?) in a fixed order."""
    for n in itertools.count(1):
        first = FIRST[n % len(FIRST)]
        last = LAST[(n * 5 + n // len(FIRST)) % len(LAST)]
        trusted = n <= CONFIRMED - 1 + WAITLISTED
        pool = ORGANISATIONS if trusted else UNTRUSTED
        organisation, kind, domain, country = pool[n % len(pool)]
        local = f"{first}.{last}".lower().replace("'", "").replace("á", "a")
        yield (
            f"{local}.{n:03d}@{domain}",
            {
                "title_rank": RANKS[n % len(RANKS)],
                "first_name": first,
                "last_name": last,
                "job_title": JOBS[n % len(JOBS)],
                "organisation": organisation,
                "organisation_type": kind,
                "country": country,
                "dietary_requirements": DIETS[n % len(DIETS)],
                "accessibility_requirements": ACCESS[n % 3] if n % 37 == 0 else "",
            },
        )


def _trust_domains() -> list[Edition]:
    editions = list(Edition.objects.filter(slug__in=EDITIONS_2027))
    for edition in editions:
        TrustedDomain.objects.bulk_create(
            [TrustedDomain(edition=edition, domain=d) for d in TRUSTED_DOMAINS],
            ignore_conflicts=True,
        )
    return editions


def _demo_delegate(edition: Edition) -> None:
    user = User.objects.filter(email=DEMO_ACCOUNTS["delegate"]).first()
    if user is None or Registration.objects.filter(edition=edition, user=user).exists():
        return
    organiser = User.objects.filter(email=DEMO_ACCOUNTS["organiser"]).first()
    services.registration_create(
        edition=edition, user=user, consent_terms=True, actor=organiser
    )


def _waitlist_into_the_past(edition: Edition) -> None:
    """Repair demo data loaded by an earlier version, whose waiters joined "in the
    future" and so queued behind anyone registering later: move them, in order,
    just before the earliest waiter in the past."""
    now = timezone.now()
    queue = Registration.objects.filter(
        edition=edition, status=Registration.Status.WAITLISTED
    )
    future = list(queue.filter(waitlisted_at__gt=now).order_by("waitlisted_at", "id"))
    if not future:
        return
    earliest = queue.filter(waitlisted_at__lte=now).order_by("waitlisted_at").first()
    base = min(now, earliest.waitlisted_at) if earliest else now
    for index, registration in enumerate(future):
        registration.waitlisted_at = base - dt.timedelta(seconds=len(future) - index)
    Registration.objects.bulk_update(future, ["waitlisted_at"])


def load(*, stdout) -> None:
    editions = _trust_domains()
    edition = next((e for e in editions if e.slug == ECONOMIC), None)
    if edition is None:
        stdout.write("No economic-crime-2027 edition: demo registrations skipped.")
        return
    _demo_delegate(edition)
    _waitlist_into_the_past(edition)

    total = CONFIRMED - 1 + WAITLISTED + PENDING
    people = list(itertools.islice(_people(), total))
    emails = [email for email, _fields in people]
    existing = set(
        User.objects.filter(email__in=emails).values_list("email", flat=True)
    )
    password = make_password("socex-demo-delegate")  # hashed once, shared
    now = timezone.now()
    new_users = [
        User(
            email=email,
            password=password,
            first_name=fields["first_name"],
            last_name=fields["last_name"],
        )
        for email, fields in people
        if email not in existing
    ]
    User.objects.bulk_create(new_users, batch_size=500)
    users = {u.email: u for u in User.objects.filter(email__in=emails)}
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user=users[email], email=email, verified=True, primary=True)
            for email in emails
            if email not in existing
        ],
        batch_size=500,
        ignore_conflicts=True,
    )
    Profile.objects.bulk_create(
        [
            Profile(user=users[email], **fields)
            for email, fields in people
            if email not in existing
        ],
        batch_size=500,
        ignore_conflicts=True,
    )

    registered = set(
        Registration.objects.filter(edition=edition).values_list("user_id", flat=True)
    )
    with transaction.atomic():
        services.waitlist_promote(edition=edition)  # creates and locks the seats row
        seats = EditionSeats.objects.select_for_update().get(edition=edition)
        number = max(
            seats.last_number,
            Registration.objects.filter(edition=edition).aggregate(n=Max("number"))["n"]
            or 0,
        )
        new = []
        for index, (email, _fields) in enumerate(people):
            user = users[email]
            if user.pk in registered:
                continue
            if index < CONFIRMED - 1:
                status = Registration.Status.CONFIRMED
            elif index < CONFIRMED - 1 + WAITLISTED:
                status = Registration.Status.WAITLISTED
            else:
                status = Registration.Status.PENDING
            number += 1
            new.append(
                Registration(
                    edition=edition,
                    user=user,
                    status=status,
                    number=number,
                    reference=f"{edition.series.code}{edition.year % 100:02d}-"
                    f"{number:04d}",
                    consent_terms=True,
                    consented_at=now,
                    confirmed_at=now if status == "confirmed" else None,
                    # In the past, in order: anyone registering after the demo
                    # load joins the list behind the demo waiters.
                    waitlisted_at=(
                        now - dt.timedelta(seconds=len(people) - index)
                        if status == "waitlisted"
                        else None
                    ),
                )
            )
        Registration.objects.bulk_create(new, batch_size=500)
        # Arrived over the six weeks before the load, in order (the dashboard's
        # registrations chart); created_at is set on insert, so set it after.
        for index, registration in enumerate(new):
            registration.created_at = now - DEMO_REGISTRATION_SPREAD * (
                (len(new) - index) / len(new)
            )
        Registration.objects.bulk_update(new, ["created_at"], batch_size=500)
        RegistrationStatusChange.objects.bulk_create(
            [
                RegistrationStatusChange(
                    registration=r,
                    from_status="",
                    to_status=r.status,
                    reason="Demo data",
                )
                for r in new
            ],
            batch_size=500,
        )
        confirmed = Registration.objects.filter(
            edition=edition,
            category=Registration.Category.DELEGATE,
            status=Registration.Status.CONFIRMED,
        ).count()
        seats.last_number = number
        seats.capacity = max(edition.capacity, confirmed)
        seats.confirmed = confirmed
        seats.save()
    counts = dict(
        Registration.objects.filter(edition=edition)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    stdout.write(f"Demo registrations for {edition.slug}: {counts}")
