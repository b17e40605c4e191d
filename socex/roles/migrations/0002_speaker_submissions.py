from django.db import migrations


def sync(apps, schema_editor):
    from socex.roles.services import roles_sync

    # Not strict, like 0001: permissions of models made by later migrations come
    # with the strict sync after every migrate.
    roles_sync(apps=apps, using=schema_editor.connection.alias, strict=False)


class Migration(migrations.Migration):
    """Speaker items: reviewers review, the programme team invites, organisers accept."""

    dependencies = [
        ("roles", "0001_staff_roles"),
        ("events", "0008_speaker_submissions"),
        ("workshops", "0007_workshop_submission"),
        ("delegates", "0010_messages_agenda_changes"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
