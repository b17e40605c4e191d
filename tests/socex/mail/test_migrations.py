"""The outbox migration applies on a database that already holds emails."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("mail", "0001_initial")]
AFTER = [("mail", "0002_message_id_claims_secrets")]


def test_existing_rows_get_their_own_message_id():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("mail", "OutboxEmail")
    for n in range(3):
        old.objects.create(
            to=f"o{n}@police.uk",
            subject="Old",
            body_text="x",
            status="queued" if n else "sent",
            next_attempt_at=timezone.now(),
        )
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("mail", "OutboxEmail")
    ids = list(new.objects.values_list("message_id", flat=True))
    assert len(ids) == 3
    assert len(set(ids)) == 3
    assert all(i.startswith("<") and i.endswith(">") for i in ids)
    assert sorted(new.objects.values_list("status", flat=True)) == [
        "queued",
        "queued",
        "sent",
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
