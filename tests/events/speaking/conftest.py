import datetime as dt
import re

import pytest
from django.core import mail

from events.models import AgendaSession, Submission
from events.speaking import services
from socex.mail import crypto
from socex.mail.models import OutboxEmail
from tests.factories.accounts import UserFactory
from tests.factories.events import AgendaSessionFactory, EditionFactory

LINK = re.compile(r"/speak/invitations/([-A-Za-z0-9_]+)/")


def token_sent_to(email: str) -> str:
    """The invitation secret in the last email queued to ``email`` (decrypted, as
    only the outbox's sender can)."""
    row = OutboxEmail.objects.filter(to=email).order_by("-pk").first()
    if row.body_text.startswith(crypto.PREFIX):
        return LINK.search(crypto.decrypt(row.body_text)).group(1)
    # Already sent (its body removed from the outbox): read the message delivered.
    sent = [m for m in mail.outbox if m.to == [email]]
    return LINK.search(sent[-1].body).group(1)


@pytest.fixture
def edition(db):
    return EditionFactory()


@pytest.fixture
def session(edition):
    return AgendaSessionFactory(edition=edition, title="Working title: organised crime")


@pytest.fixture
def make_item(session):
    """An item of ``session``'s edition, invited and claimed by a new user (or the
    given one); returns (submission, user)."""

    def make(user=None, *, session=session, kind=Submission.Kind.PLENARY):
        submission = services.submission_create(
            edition=session.edition,
            kind=kind,
            session=session if kind != Submission.Kind.WORKSHOP else None,
            working_title=session.title,
        )
        user = user or UserFactory()
        services.invitation_create(
            submission=submission, name="Jo Bloggs", email=user.email
        )
        submission = services.invitation_claim(
            token=token_sent_to(user.email), user=user
        )
        return submission, user

    return make


@pytest.fixture
def make_items(make_item):
    """``count`` items of one edition, each in its own hour (for query counts);
    ``user`` speaks at all of them when given. Returns the first item."""

    def make(count: int, user=None):
        first, _user = make_item(user)
        for n in range(count - 1):
            session = AgendaSession.objects.create(
                edition=first.edition,
                kind=AgendaSession.Kind.PANEL,
                title=f"Panel {n}",
                starts_at=first.session.starts_at + dt.timedelta(hours=n + 1),
                ends_at=first.session.starts_at + dt.timedelta(hours=n + 2),
            )
            make_item(user, session=session)
        return first

    return make


DETAILS = {
    "title": "Following the money",
    "summary": "How financial investigation dismantles networks.",
    "abstract": "A case study of a three-year operation.",
    "format": Submission.Format.TALK_QA,
}


@pytest.fixture
def submitted(make_item):
    """A submitted item: (submission, user)."""
    submission, user = make_item()
    services.submission_details_save(submission=submission, user=user, data=DETAILS)
    services.submission_submit(submission=submission, user=user)
    submission.refresh_from_db()
    return submission, user
