from django.core.management.base import BaseCommand

from socex.roles.services import roles_sync


class Command(BaseCommand):
    help = (
        "Create the staff groups (Organiser, Vetting, Programme, Reviewer, Check-in, "
        "Viewer) and set their permissions to those in socex/roles/definitions.py."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")

    def handle(self, *args, database, **options):
        for role, count in roles_sync(using=database).items():
            self.stdout.write(f"{role}: {count} permissions")
