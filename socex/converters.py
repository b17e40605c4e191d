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


class TokenConverter(_RegexConverter):
    """A link's secret token (``secrets.token_urlsafe(32)``: 43 URL-safe characters)."""

    regex = r"[-A-Za-z0-9_]{43}"


register_converter(SlugConverter, "short_slug")
register_converter(TokenConverter, "token")
register_converter(ReferenceConverter, "reference")
