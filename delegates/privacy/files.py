"""Private files (badges, print runs, sign-in sheets) removed after commit.

Deleting a file cannot be rolled back, so the rows are cleared in the transaction and
the files go once it commits: a rolled-back purge leaves both in place.
"""

import logging
from collections.abc import Iterable

from django.db import transaction

from socex.mail.models import OutboxEmail
from socex.storage import private_storage

logger = logging.getLogger(__name__)


def private_files_delete_on_commit(names: Iterable[str]) -> int:
    """Delete the named private files once the current transaction commits.

    Returns how many names were scheduled; a file already gone is no error.
    """
    names = sorted({name for name in names if name})
    if not names:
        return 0

    def _delete() -> None:
        storage = private_storage()
        for name in names:
            try:
                storage.delete(name)
            except OSError:
                logger.warning("Could not delete private file %s", name)

    transaction.on_commit(_delete)
    return len(names)


def private_files_in_queued_emails() -> set[str]:
    """Private files still attached to an email not yet sent (they must stay until
    it goes)."""
    names = set()
    rows = OutboxEmail.objects.filter(
        status__in=[OutboxEmail.Status.QUEUED, OutboxEmail.Status.SENDING]
    ).values_list("attachments", flat=True)
    for attachments in rows:
        for attachment in attachments or []:
            if attachment.get("storage") == "private" and attachment.get(
                "storage_path"
            ):
                names.add(attachment["storage_path"])
    return names


def badge_file_superseded_discard(*, name: str) -> bool:
    """A badge was rendered anew: delete its previous file after commit unless an
    unsent email still attaches it (the retention run takes it later). Returns
    whether it was scheduled."""
    if not name or name in private_files_in_queued_emails():
        return False
    return bool(private_files_delete_on_commit([name]))
