"""The agenda-change digest: changes of a published session or run are gathered and
told once per person, with the calendar entries' SEQUENCE raised under the same UID."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone
from icalendar import Calendar

from delegates import ics
from delegates.messages import digest
from delegates.messages.models import AgendaChange
from delegates.selectors import registration_agenda_items
from events import services as events_services
from events.ics import calendar_bytes, session_uid
from events.models import AgendaSession, Edition
from events.selectors import sessions_for
from socex.mail.models import OutboxEmail
from tests.factories.accounts import UserFactory
from tests.factories.events import (
    AgendaSessionFactory,
    RoomFactory,
    SessionSpeakerFactory,
    SpeakerFactory,
)
from tests.factories.workshops import workshop_grid
from workshops.models import WorkshopChoice, WorkshopRun

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("delegates"),
]

LATER = dt.timedelta(minutes=10)


@pytest.fixture
def session(edition):
    session = AgendaSessionFactory(edition=edition, title="Follow the money")
    speaker = SpeakerFactory(user=UserFactory(email="dcs@nca.gov.uk"))
    SessionSpeakerFactory(session=session, speaker=speaker)
    return AgendaSession.objects.get(pk=session.pk)


def edit(session_id, **fields):
    """An organiser's save: the session loaded afresh, changed, saved by the service."""
    session = AgendaSession.objects.get(pk=session_id)
    for name, value in fields.items():
        setattr(session, name, value)
    events_services.agenda_session_save(session=session)
    return session


def send_digests(mailoutbox, capture, now=None):
    with capture(execute=True):
        count = digest.agenda_digests_send(now=now or timezone.now() + LATER)
    return count


def test_three_edits_make_one_email_per_person(
    session, delegates, mailoutbox, django_capture_on_commit_callbacks
):
    room = RoomFactory(venue=session.edition.venue, name="Avon Suite")
    edit(
        session.pk,
        starts_at=session.starts_at + dt.timedelta(minutes=30),
        ends_at=session.ends_at + dt.timedelta(minutes=30),
    )
    edit(session.pk, room=room)
    edit(session.pk, title="Following the money")

    sent = send_digests(mailoutbox, django_capture_on_commit_callbacks)

    people = sorted([r.user.email for r in delegates["confirmed"]] + ["dcs@nca.gov.uk"])
    assert sent == 4
    assert sorted(m.to[0] for m in mailoutbox) == people
    body = mailoutbox[0].body
    assert "Following the money" in body
    assert "Time:" in body and "09:00–10:00 -> " in body and "09:30–10:30" in body
    assert "Room:" in body and "-> Avon Suite" in body
    assert "Title: Follow the money -> Following the money" in body
    assert AgendaChange.objects.filter(digested_at__isnull=True).count() == 0


def test_digest_waits_while_the_agenda_is_being_edited(
    session, mailoutbox, django_capture_on_commit_callbacks
):
    edit(session.pk, title="Following the money")

    sent = send_digests(
        mailoutbox, django_capture_on_commit_callbacks, now=timezone.now()
    )

    assert sent == 0
    assert mailoutbox == []
    assert AgendaChange.objects.filter(digested_at__isnull=True).count() == 1


@override_settings(AGENDA_DIGEST_MAX_WAIT=60)
def test_digest_goes_out_after_the_longest_wait_even_while_edits_go_on(
    session, mailoutbox, django_capture_on_commit_callbacks
):
    edit(session.pk, title="Following the money")
    AgendaChange.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))
    edit(session.pk, title="Follow the money, again")

    sent = send_digests(
        mailoutbox, django_capture_on_commit_callbacks, now=timezone.now()
    )

    assert sent == 4
    assert "Follow the money -> Follow the money, again" in mailoutbox[0].body


def test_duplicated_digest_task_sends_once(
    session, mailoutbox, django_capture_on_commit_callbacks
):
    edit(session.pk, title="Following the money")

    first = send_digests(mailoutbox, django_capture_on_commit_callbacks)
    second = send_digests(mailoutbox, django_capture_on_commit_callbacks)

    assert (first, second) == (4, 0)
    assert len(mailoutbox) == 4


def test_digest_rows_left_undigested_are_not_sent_twice_by_key(
    session, mailoutbox, django_capture_on_commit_callbacks
):
    """Even if the rows were somehow offered again, the outbox key refuses a second
    email per person for the same gathering."""
    edit(session.pk, title="Following the money")
    send_digests(mailoutbox, django_capture_on_commit_callbacks)
    AgendaChange.objects.update(digested_at=None)

    again = send_digests(mailoutbox, django_capture_on_commit_callbacks)

    assert again == 0
    assert len(mailoutbox) == 4
    assert OutboxEmail.objects.count() == 4


def test_change_back_tells_no_one(
    session, mailoutbox, django_capture_on_commit_callbacks
):
    edit(session.pk, title="Following the money")
    edit(session.pk, title="Follow the money")

    assert send_digests(mailoutbox, django_capture_on_commit_callbacks) == 0
    assert mailoutbox == []


def test_description_change_is_not_an_agenda_change(session):
    edit(session.pk, description="Now with case studies.")

    assert AgendaChange.objects.count() == 0
    assert AgendaSession.objects.get(pk=session.pk).sequence == 0


def test_draft_edition_changes_tell_no_one(session):
    Edition.objects.filter(pk=session.edition_id).update(status=Edition.Status.DRAFT)

    edit(session.pk, title="Following the money")

    assert AgendaChange.objects.count() == 0
    assert AgendaSession.objects.get(pk=session.pk).sequence == 0


def test_session_change_raises_sequence_with_the_same_uid(session, delegates):
    registration = delegates["confirmed"][0]

    def vevent(content: bytes):
        events = [
            c
            for c in Calendar.from_ical(content).walk("VEVENT")
            if str(c["UID"]) == session_uid(session)
        ]
        assert len(events) == 1
        return events[0]

    before = vevent(
        ics.agenda_calendar(
            registration=registration,
            items=registration_agenda_items(registration=registration),
        )
    )
    edit(session.pk, title="Following the money")
    edit(
        session.pk,
        starts_at=session.starts_at + dt.timedelta(hours=1),
        ends_at=session.ends_at + dt.timedelta(hours=1),
    )
    after = vevent(
        ics.agenda_calendar(
            registration=registration,
            items=registration_agenda_items(registration=registration),
        )
    )
    public = vevent(
        calendar_bytes(
            edition=session.edition,
            sessions=sessions_for(edition=session.edition),
            name="Agenda",
        )
    )

    assert (int(before["SEQUENCE"]), int(after["SEQUENCE"])) == (0, 2)
    assert str(after["SUMMARY"]) == "Following the money"
    assert int(public["SEQUENCE"]) == 2


@pytest.fixture
def run_with_attendee(edition, delegates):
    run = workshop_grid(edition, blocks=2, per_block=1)[0][0]
    attendee = delegates["confirmed"][0]
    WorkshopChoice.objects.create(
        registration=attendee, run=run, block=run.block, workshop=run.workshop
    )
    run.workshop.facilitators.add(
        SpeakerFactory(user=UserFactory(email="trainer@fca.org.uk"))
    )
    return WorkshopRun.objects.get(pk=run.pk), attendee


def test_run_room_change_tells_its_attendees_and_facilitators(
    run_with_attendee, mailoutbox, django_capture_on_commit_callbacks
):
    run, attendee = run_with_attendee
    room = RoomFactory(venue=run.workshop.edition.venue, name="Shakespeare Room")
    run.room = room
    run.save()

    send_digests(mailoutbox, django_capture_on_commit_callbacks)

    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [attendee.user.email, "trainer@fca.org.uk"]
    )
    assert "Room:" in mailoutbox[0].body
    assert "-> Shakespeare Room" in mailoutbox[0].body
    run.refresh_from_db()
    assert run.sequence == 1


def test_run_sequence_reaches_the_personal_calendar(run_with_attendee):
    run, attendee = run_with_attendee
    uid = f"workshop-run-{run.pk}-reg-{attendee.pk}@socex"
    run.workshop.title = "Crypto tracing, advanced"
    run.workshop.save()

    content = ics.agenda_calendar(
        registration=attendee,
        items=registration_agenda_items(registration=attendee),
    )

    event = next(
        c for c in Calendar.from_ical(content).walk("VEVENT") if str(c["UID"]) == uid
    )
    assert int(event["SEQUENCE"]) == 1
    assert "Crypto tracing, advanced" in str(event["SUMMARY"])
    assert AgendaChange.objects.get().kind == AgendaChange.Kind.RUN


def test_unpublished_workshop_changes_tell_no_one(run_with_attendee):
    run, _attendee = run_with_attendee
    run.workshop.published = False
    run.workshop.save()
    run = WorkshopRun.objects.get(pk=run.pk)
    run.room = RoomFactory(venue=run.workshop.edition.venue)
    run.save()

    assert AgendaChange.objects.count() == 0
    assert WorkshopRun.objects.get(pk=run.pk).sequence == 0
