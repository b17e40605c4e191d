"""Path converters for every URL that carries a slug or a registration reference.

Django's ``str`` converter takes anything but a slash (a NUL byte, which PostgreSQL
refuses in a query, non-ASCII text, a megabyte of it) and ``slug`` has no length
limit. These take only the ASCII characters their values are made of, up to the
longest value the database holds, so anything else is a 404 before any view or query
runs. Registered once, here; each ``urls.py`` imports this module.
"""

from django.urls import register_converter

# The longest slug of the events models (Venue and Speaker hold 160 characters).
SLUG_MAX_LENGTH = 160
# Registration.reference, e.g. ECC27-0444 (series code, year, number).
REFERENCE_MAX_LENGTH = 20


class _RegexConverter:
    regex = ""

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


class SlugConverter(_RegexConverter):
    """An ASCII slug (letters, digits, hyphens, underscores), 1 to 160 characters."""

    regex = rf"[-a-zA-Z0-9_]{{1,{SLUG_MAX_LENGTH}}}"


class ReferenceConverter(_RegexConverter):
    """A registration reference such as ECC27-0444: ASCII letters, digits, hyphens."""

    regex = rf"[-A-Za-z0-9]{{1,{REFERENCE_MAX_LENGTH}}}"


class FileNameConverter(_RegexConverter):
    """A stored file's own name (no folder): ASCII letters, digits, ``-``, ``_`` and
    one dot before a short extension, e.g. ``3f2a….jpg``."""

    regex = r"[-a-zA-Z0-9_]{1,100}\.[a-z0-9]{1,5}"


class TokenConverter(_RegexConverter):
    """A secret from an emailed link (speaker invitations, substitutions): URL-safe
    base64."""

    regex = r"[-A-Za-z0-9_]{20,64}"


register_converter(SlugConverter, "short_slug")
register_converter(FileNameConverter, "file_name")
register_converter(ReferenceConverter, "reference")
register_converter(TokenConverter, "token")
