"""Bad input in a URL (a NUL byte, an overlong value, non-ASCII text) is a 404 (or a
400), never a server error, on every URL of the project that takes a text value."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from tests.factories.accounts import StaffFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

BAD_VALUES = {
    "a NUL byte": "ECC27-0444%00",
    "an overlong value": "a" * 300,
    "non-ASCII text": "caf%C3%A9",
}
# Packages whose URLs the project includes but whose views it does not write: their
# answer to a value they do not know is theirs to choose (allauth shows a "bad link"
# page), so for them only a server error fails.
THIRD_PARTY_MODULES = ("allauth.",)
ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?:[^()\\]|\\.|\([^()]*\))*\)")


def _routes(patterns, prefix=""):
    """(template, parameters, third party) for every pattern with a text parameter;
    the template has ``{name}`` where each parameter goes. Admin's own are skipped."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            yield from _routes(entry.url_patterns, prefix + _template(entry.pattern))
            continue
        assert isinstance(entry, URLPattern)
        template = prefix + _template(entry.pattern)
        text = _text_parameters(entry.pattern)
        if text:
            module = getattr(entry.callback, "__module__", "")
            yield template, text, module.startswith(THIRD_PARTY_MODULES)


def _placeholder(match: re.Match) -> str:
    return "{" + match["name"] + "}"


def _template(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return ROUTE_PARAMETER.sub(_placeholder, str(pattern))
    assert isinstance(pattern, RegexPattern), pattern
    return REGEX_GROUP.sub(_placeholder, str(pattern).lstrip("^").rstrip("$"))


def _text_parameters(pattern) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return [
            m["name"]
            for m in ROUTE_PARAMETER.finditer(str(pattern))
            if m["converter"] != "int"
        ]
    return [m["name"] for m in REGEX_GROUP.finditer(str(pattern))]


def _all_parameters(template: str) -> list[str]:
    return re.findall(r"\{(\w+)\}", template)


ROUTES = list(_routes(get_resolver().url_patterns))


def test_routes_cover_every_text_parameter_of_the_project():
    templates = {template for template, _, _ in ROUTES}
    assert "/badges/{reference}.pdf" in {f"/{t}" for t in templates}
    assert "editions/{slug}/sessions/{pk}.ics" in templates
    assert "my/registrations/{reference}/cancel/" in templates
    assert "workshops/{reference}/choose/" in templates
    assert "checkin/{slug}/attendance.csv" in templates
    assert any(third_party for _, _, third_party in ROUTES)


@pytest.fixture(params=["delegate", "staff"])
def signed_in(request, client):
    user = UserFactory() if request.param == "delegate" else StaffFactory()
    client.force_login(user)
    client.raise_request_exception = False
    return client


def test_bad_values_in_urls_are_not_found(signed_in):
    answers = {}
    for template, text, third_party in ROUTES:
        for parameter in text:
            for label, bad in BAD_VALUES.items():
                values = {name: "1" for name in _all_parameters(template)}
                values[parameter] = bad
                path = "/" + template.format(**values)
                status = signed_in.get(path).status_code
                allowed = status < 500 if third_party else status in (400, 404)
                if not allowed:
                    answers[f"{path[:60]} ({parameter}: {label})"] = status
    assert answers == {}
