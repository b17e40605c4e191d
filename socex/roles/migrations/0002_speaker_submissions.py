from django.db import migrations


def sync(apps, schema_editor):
    from socex.roles.services import roles_sync

    roles_sync(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    """Speaker items: reviewers review, the programme team invites, organisers accept."""

    dependencies = [
        ("roles", "0001_staff_roles"),
        ("events", "0006_speaker_submissions"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
