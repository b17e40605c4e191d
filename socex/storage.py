"""Private file storage: badges, badge print runs and sign-in sheets.

These files hold delegates' names and check-in codes, so they never live under
``MEDIA_ROOT`` (which is served at ``MEDIA_URL``). Only our own views hand them out,
after checking who is asking.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files under ``PRIVATE_MEDIA_ROOT``, which have no public URL."""

    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no public URL: serve them through a view.")


_private = PrivateStorage()


def private_storage() -> PrivateStorage:
    """The storage for private files (a callable, so migrations name it, not a path)."""
    return _private
