"""No two agenda sessions may overlap in the same room: a PostgreSQL exclusion
constraint (btree_gist). On any other database this migration does nothing; there
AgendaSession.clean() and the services are the guard."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """
    ALTER TABLE events_agendasession
    ADD CONSTRAINT session_room_no_overlap
    EXCLUDE USING gist (
        room_id WITH =,
        tstzrange(starts_at, ends_at, '[)') WITH &&
    ) WHERE (room_id IS NOT NULL)
    """,
]
DROP = [
    "ALTER TABLE events_agendasession DROP CONSTRAINT IF EXISTS "
    "session_room_no_overlap",
]


class PostgreSQLOnlySQL(migrations.RunSQL):
    """RunSQL that runs only on PostgreSQL."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def create_version_row(apps, schema_editor):
    PublicPagesVersion = apps.get_model("events", "PublicPagesVersion")
    PublicPagesVersion.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0002_public_pages_version"),
    ]

    operations = [
        PostgreSQLOnlySQL(sql=CREATE, reverse_sql=DROP),
        migrations.RunPython(create_version_row, migrations.RunPython.noop),
    ]
