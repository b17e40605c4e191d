from django.core.management.base import BaseCommand

from socex.mail.services import outbox_purge_bodies, outbox_sweep


class Command(BaseCommand):
    help = (
        "Queue outbox emails that are due (retries, rows the broker lost, stale "
        "claims) and purge bodies past retention. Celery beat does this when a broker "
        "is configured; run it from cron in the embedded (eager) mode."
    )

    def handle(self, *args, **options):
        queued = outbox_sweep()
        purged = outbox_purge_bodies()
        self.stdout.write(f"queued={queued} purged={purged}")
