"""``manage.py privacy_retention [--dry-run]``: the retention run the beat schedules."""

from django.core.management.base import BaseCommand

from delegates.privacy.retention import retention_apply


class Command(BaseCommand):
    help = (
        "Delete badge files, print runs and sign-in sheets of past editions and "
        "anonymise people with no recent registration, as the PRIVACY_* settings "
        "say. With --dry-run, list what would go and change nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List what would be deleted or anonymised; change nothing.",
        )

    def handle(self, *args, dry_run: bool = False, **options):
        results = retention_apply(dry_run=dry_run)
        verb = "would remove" if dry_run else "removed"
        for step, removed in results:
            count = step.count if dry_run else removed
            self.stdout.write(f"{step.kind}: {verb} {count} — {step.description}")
            for item in step.items:
                self.stdout.write(f"  {item}")
        if dry_run:
            self.stdout.write("Dry run: nothing was deleted.")
