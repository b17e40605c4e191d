"""Where speakers' photos live: private storage, served only through
``events.views.speaker_photo``, which refuses the photo of a speaker who may not be
named. A direct ``/media/`` URL never reaches them (they are not under
``MEDIA_ROOT``), and the URL the site hands out is the view's."""

from django.urls import reverse

from socex.storage import PrivateStorage

PHOTOS_UNDER = "speakers/"


class SpeakerPhotoStorage(PrivateStorage):
    """Private files whose URL is the checking view's, so ``speaker.photo.url``
    keeps working in every template."""

    def url(self, name):
        return reverse(
            "events:speaker_photo", kwargs={"name": name.removeprefix(PHOTOS_UNDER)}
        )


_photos = SpeakerPhotoStorage()


def speaker_photo_storage() -> SpeakerPhotoStorage:
    """The storage of speakers' photos (a callable, so migrations name it)."""
    return _photos
