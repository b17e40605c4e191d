from django.db import migrations


def sync(apps, schema_editor):
    from socex.roles.services import roles_sync  # noqa: PLC0415  the historical apps

    roles_sync(apps=apps, using=schema_editor.connection.alias, strict=False)


class Migration(migrations.Migration):
    """The roles gain the substitutions: Vetting views and approves them, Organiser
    (``delegates.*``) nominates for a delegate too."""

    dependencies = [
        ("roles", "0002_speaker_submissions"),
        ("delegates", "0011_substitutions"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
