"""Outbox rows get a stable Message-ID, a claim, a secret flag and body removal.

Existing rows are backfilled with their own Message-ID before the column becomes
unique and required; rows left in the old flow keep working (queued stays queued).
"""

import uuid

from django.db import migrations, models

import socex.mail.models


def backfill_message_ids(apps, schema_editor):
    OutboxEmail = apps.get_model("mail", "OutboxEmail")
    batch = []
    for email in OutboxEmail.objects.filter(message_id__isnull=True).only("pk"):
        email.message_id = f"<{uuid.uuid4().hex}@backfill.socex.invalid>"
        batch.append(email)
        if len(batch) >= 500:
            OutboxEmail.objects.bulk_update(batch, ["message_id"])
            batch = []
    OutboxEmail.objects.bulk_update(batch, ["message_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxemail",
            name="message_id",
            field=models.CharField(max_length=250, null=True, editable=False),
        ),
        migrations.RunPython(backfill_message_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="outboxemail",
            name="message_id",
            field=models.CharField(
                default=socex.mail.models.new_message_id,
                editable=False,
                help_text="The Message-ID header, the same on every attempt.",
                max_length=250,
                unique=True,
            ),
        ),
        migrations.AddField(
            model_name="outboxemail",
            name="secret",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Carries a one-time link or code: the body is stored encrypted, "
                    "never shown, and removed once the email is sent."
                ),
            ),
        ),
        migrations.AddField(
            model_name="outboxemail",
            name="body_removed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="outboxemail",
            name="first_attempt_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="outboxemail",
            name="claimed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="outboxemail",
            name="claim",
            field=models.UUIDField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name="outboxemail",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("sending", "Sending"),
                    ("sent", "Sent"),
                    ("failed", "Failed"),
                ],
                db_index=True,
                default="queued",
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="outboxemail",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status", "sending"), _negated=True
                ) | models.Q(("claim__isnull", False)),
                name="mail_outboxemail_sending_has_claim",
            ),
        ),
    ]
