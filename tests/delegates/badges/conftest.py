import io

import pytest
from pypdf import PdfReader

from delegates.badges.services import badge_ensure
from delegates.models import Registration
from tests.factories.accounts import StaffFactory
from tests.factories.delegates import ProfileFactory, RegistrationFactory
from tests.factories.events import EditionFactory
from workshops.models import WorkshopChoice


@pytest.fixture
def badge_edition(db):
    return EditionFactory(title="Economic Crime Conference 2027", capacity=400)


@pytest.fixture
def make_registration(badge_edition):
    """A confirmed registration with a profile and a badge row (so a token)."""

    def make(*, edition=None, status=Registration.Status.CONFIRMED, **profile):
        user = ProfileFactory(**profile).user
        registration = RegistrationFactory(
            edition=edition or badge_edition, user=user, status=status
        )
        badge_ensure(registration=registration)
        return registration

    return make


@pytest.fixture
def organiser(db):
    return StaffFactory()


def choose(registration, run) -> WorkshopChoice:
    """Give a delegate a seat in a workshop run (fixture set-up, not the service)."""
    return WorkshopChoice.objects.create(
        registration=registration, run=run, block=run.block, workshop=run.workshop
    )


def pdf_text(data: bytes) -> list[str]:
    """Each page's text with runs of whitespace (line breaks) as single spaces."""
    return [
        " ".join(page.extract_text().split())
        for page in PdfReader(io.BytesIO(data)).pages
    ]


def shown_text_states(data: bytes) -> list[list[tuple[float, str]]]:
    """Per page, each text-showing operator's character spacing (``Tc``, which PDF
    keeps in the graphics state from one text object to the next) and the text it
    shows, as pypdf reads the content stream."""
    from pypdf.generic import ContentStream  # noqa: PLC0415  only these tests

    reader = PdfReader(io.BytesIO(data))
    pages = []
    for page in reader.pages:
        shows, char_space, stack = [], 0.0, []
        stream = ContentStream(page.get_contents(), reader)
        for operands, operator in stream.operations:
            if operator == b"q":
                stack.append(char_space)
            elif operator == b"Q" and stack:
                char_space = stack.pop()
            elif operator == b"Tc":
                char_space = float(operands[0])
            elif operator in (b"Tj", b"TJ", b"'", b'"'):
                shows.append((char_space, repr(operands[-1])))
        pages.append(shows)
    return pages
