"""Speakers' photos move to private storage, served only through a view that refuses
the photo of a speaker who may not be named (events.views.speaker_photo)."""

import os
import shutil

from django.conf import settings
from django.db import migrations

import events.storage
import socex.images


def photos_to_private(apps, schema_editor):
    """Move each stored photo from MEDIA_ROOT to PRIVATE_MEDIA_ROOT (same name), so
    no old /media/ URL serves it any more."""
    Speaker = apps.get_model("events", "Speaker")
    for name in Speaker.objects.exclude(photo="").values_list("photo", flat=True):
        source = os.path.join(settings.MEDIA_ROOT, name)
        target = os.path.join(settings.PRIVATE_MEDIA_ROOT, name)
        if os.path.isfile(source) and not os.path.exists(target):
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.move(source, target)


def photos_to_public(apps, schema_editor):
    Speaker = apps.get_model("events", "Speaker")
    for name in Speaker.objects.exclude(photo="").values_list("photo", flat=True):
        source = os.path.join(settings.PRIVATE_MEDIA_ROOT, name)
        target = os.path.join(settings.MEDIA_ROOT, name)
        if os.path.isfile(source) and not os.path.exists(target):
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.move(source, target)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0005_upload_images"),
    ]

    operations = [
        migrations.AlterField(
            model_name="speaker",
            name="photo",
            field=socex.images.ImageUploadField(
                blank=True,
                storage=events.storage.speaker_photo_storage,
                upload_to="speakers/",
            ),
        ),
        migrations.RunPython(photos_to_private, photos_to_public, elidable=True),
    ]
