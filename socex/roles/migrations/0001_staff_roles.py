from django.db import migrations


def sync(apps, schema_editor):
    from socex.roles.services import roles_sync

    # Not strict: permissions of models made by later migrations (the workshop
    # proposals' review and decide) come with the sync after migrate.
    roles_sync(apps=apps, using=schema_editor.connection.alias, strict=False)


class Migration(migrations.Migration):
    """The staff groups, after every model and custom permission they name exists."""

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("account", "0009_emailaddress_unique_primary_email"),
        ("events", "0005_upload_images"),
        ("delegates", "0008_staff_permissions"),
        ("workshops", "0003_allocate_permission"),
        ("mail", "0002_message_id_claims_secrets"),
        ("privacy", "0001_initial"),
    ]

    # Reversing keeps the groups: people may belong to them.
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
