"""A status email's draft is rendered once per kind of person and filled in per
person (``delegates.services.emails._rendered_for``): the same email, byte for
byte, as rendering it for that person, whatever their name holds."""

import copy

import pytest
from django.test.signals import template_rendered

from delegates.models import Registration
from delegates.services import emails
from delegates.services.emails import STATUS_EMAILS, _email_context, email_draft
from socex.mail.services import email_render
from tests.factories.accounts import UserFactory
from tests.factories.delegates import ProfileFactory
from tests.factories.events import EditionFactory

pytestmark = pytest.mark.django_db

Status = Registration.Status
TEMPLATES = [*STATUS_EMAILS.values(), emails.PROMOTED]
NAMES = ['O\'Brien <script>alert("x")</script> & Co', "Siân  Llŷr", "socexDraftEmail"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    emails._rendered.clear()
    yield
    emails._rendered.clear()


@pytest.fixture
def renders():
    """The email templates rendered (their names), as they are."""
    seen = []

    def note(sender, template, **kwargs):
        if template.name and template.name.startswith("emails/registration_"):
            seen.append(template.name)

    template_rendered.connect(note)
    yield seen
    template_rendered.disconnect(note)


def _new(edition, *, first_name=None, email=None) -> Registration:
    """An unsaved registration (no reference yet) of a person with that name."""
    if first_name is None:
        user = UserFactory(**({"email": email} if email else {}))
    else:
        user = ProfileFactory(first_name=first_name).user
    return Registration(edition=edition, user=user, category="delegate")


def _rendered_directly(registration, draft, *, template, reason=""):
    shown = copy.copy(registration)
    shown.reference = draft.reference_slot or registration.reference
    context = _email_context(shown, reason=reason, position=draft.position_slot or None)
    return email_render(template=template, context=context)


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_draft_is_the_email_rendered_for_the_person(template, renders):
    edition = EditionFactory(title='Crime & "Fraud" <2027>')
    reason = "Not eligible: <b>sorry</b> & goodbye." if "declined" in template else ""
    people = [_new(edition, first_name=name) for name in NAMES]
    people.append(_new(edition, email="no.profile+<x>@police.uk"))

    for registration in people:
        draft = email_draft(registration, template=template, reason=reason)
        assert (draft.subject, draft.body_text, draft.body_html) == (
            _rendered_directly(registration, draft, template=template, reason=reason)
        )
        assert draft.to == registration.user.email

    # The drafts: one render of each part for those with a profile, one for
    # the one without (the rest of ``renders`` is this test's own rendering).
    drafted = len(renders) - 3 * len(people)
    if reason:  # the change's own words: rendered per person, not kept
        assert drafted == 3 * len(people)
        assert emails._rendered == {}
    else:
        assert drafted == 2 * 3 * 2  # two stand-ins, three parts, two kinds


def test_the_name_is_escaped_in_html_only(renders):
    edition = EditionFactory()
    draft = email_draft(
        _new(edition, first_name="A&B <i>"), template="registration_confirmed"
    )

    assert "Dear A&amp;B &lt;i&gt;," in draft.body_html
    assert "Dear A&B <i>," in draft.body_text


def test_an_edit_of_the_edition_or_its_venue_renders_afresh():
    edition = EditionFactory()
    first = email_draft(
        _new(edition, first_name="Ann"), template="registration_confirmed"
    )
    edition.venue.name = "The Other Hall"
    edition.venue.save()
    second = email_draft(
        _new(edition, first_name="Bob"), template="registration_confirmed"
    )
    edition.title = "Renamed Conference"
    edition.save()
    third = email_draft(
        _new(edition, first_name="Cat"), template="registration_confirmed"
    )

    assert "The Other Hall" not in first.body_text
    assert "The Other Hall" in second.body_text
    assert "Renamed Conference" in third.subject
    assert len(emails._rendered) == 3


def _confirmed_templates(settings, tmp_path, *, subject, text, html) -> None:
    """The confirmation email's three parts, replaced by these for the test."""
    folder = tmp_path / "emails"
    folder.mkdir()
    for part, source in (("subject.txt", subject), ("txt", text), ("html", html)):
        (folder / f"registration_confirmed.{part}").write_text(source)
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]


def test_a_template_showing_more_of_the_person_is_rendered_per_person(
    settings, tmp_path, caplog
):
    _confirmed_templates(
        settings,
        tmp_path,
        subject="Hello {{ profile.first_name }}",
        text="{% autoescape off %}{{ profile.last_name }}{% endautoescape %}",
        html="<p>{{ profile.organisation }}</p>",
    )
    edition = EditionFactory()
    registration = _new(edition, first_name="Ann")

    draft = email_draft(registration, template="registration_confirmed")

    profile = registration.user.profile
    assert draft.body_text == profile.last_name
    assert draft.body_html == f"<p>{profile.organisation}</p>"
    assert "rendered per person" in caplog.text


@pytest.mark.parametrize(
    "text",
    [
        "{{ profile.first_name|lower }}",
        "{{ profile.first_name|capfirst }}",
        "{{ profile.first_name }} {{ profile.last_name|upper }}",
    ],
)
def test_a_template_transforming_the_person_is_rendered_per_person(
    settings, tmp_path, text
):
    _confirmed_templates(
        settings, tmp_path, subject="Hi", text=text, html="<p>Hello</p>"
    )
    edition = EditionFactory()

    for name in ("ann", "BOB"):
        registration = _new(edition, first_name=name)
        draft = email_draft(registration, template="registration_confirmed")
        profile = registration.user.profile
        expected = {
            "{{ profile.first_name|lower }}": name.lower(),
            "{{ profile.first_name|capfirst }}": name[0].upper() + name[1:],
        }.get(text, f"{name} {profile.last_name.upper()}")
        assert draft.body_text == expected

    assert list(emails._rendered.values()) == [None]


def test_a_template_the_stand_in_cannot_render_is_rendered_per_person(
    settings, tmp_path
):
    _confirmed_templates(
        settings,
        tmp_path,
        subject="Hi",
        text="{% url 'delegates:register' slug=user.pk %}",
        html="<p>Hello</p>",
    )
    edition = EditionFactory()

    registration = _new(edition, first_name="Ann")

    # The stand-in has no id to reverse with; the person does.
    draft = email_draft(registration, template="registration_confirmed")

    assert draft.body_text == f"/my/register/{registration.user.pk}/"
    assert list(emails._rendered.values()) == [None]


def test_with_debug_each_draft_is_rendered(settings):
    settings.DEBUG = True
    edition = EditionFactory()

    draft = email_draft(
        _new(edition, first_name="Ann"), template="registration_confirmed"
    )

    assert "Dear Ann," in draft.body_text
    assert emails._rendered == {}
