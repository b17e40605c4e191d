"""Load the demo data: idempotent, so running it twice changes nothing."""

from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from socex.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

# Each app contributes a ``demo.load(stdout)`` in the order the apps stack.
LOADERS = [
    "delegates.demo",
    "events.demo",
    "delegates.demo_registrations",
    "workshops.demo",
    "delegates.badges.demo",
]


class Command(BaseCommand):
    help = "Create demo accounts, editions, registrations and workshops (idempotent)."

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            # Demo accounts have a published password: never on a real site.
            raise CommandError(
                "load_demo refuses to run under production settings: the demo "
                "accounts' password is public. Use it on a local copy only."
            )
        for module_name in LOADERS:
            try:
                module = import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                continue
            with transaction.atomic():
                module.load(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Log in with:"))
        for role, email in DEMO_ACCOUNTS.items():
            self.stdout.write(f"  {role:<10} {email}  password: {DEMO_PASSWORD}")
