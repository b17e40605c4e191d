"""Messages to delegates: drafts, placeholders, audiences, test sends, sending once,
counts from the outbox rows linked by the message's group, resending the failed."""

import pytest
from django.core.exceptions import ValidationError

from delegates.messages import selectors, services
from delegates.messages.models import Message
from delegates.models import Registration
from events.models import Edition
from socex.mail.models import OutboxEmail
from tests.factories.accounts import UserFactory
from tests.factories.delegates import RegistrationFactory
from tests.factories.events import (
    AgendaSessionFactory,
    EditionFactory,
    SessionSpeakerFactory,
    SpeakerFactory,
)
from tests.factories.workshops import workshop_grid
from workshops.models import WorkshopChoice

pytestmark = pytest.mark.django_db

BODY = "Dear {name},\n\nYour reference is {reference} for {edition} at {venue}."


def draft(edition, organiser, **kwargs):
    fields = {
        "audience": Message.Audience.CONFIRMED,
        "subject": "Parking at {venue}",
        "body": BODY,
        **kwargs,
    }
    return services.message_create(edition=edition, sender=organiser, **fields)


def test_message_create_saves_a_draft_and_sends_nothing(
    edition, organiser, delegates, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = draft(edition, organiser)

    assert message.status == Message.Status.DRAFT
    assert OutboxEmail.objects.count() == 0
    assert mailoutbox == []


def test_message_create_unknown_placeholder_is_refused_naming_it(
    edition, organiser, delegates
):
    with pytest.raises(ValidationError) as error:
        draft(edition, organiser, body="Dear {first_name}, see you {name}.")

    assert "{first_name} is not a placeholder" in " ".join(
        error.value.message_dict["body"]
    )
    assert Message.objects.count() == 0


def test_message_create_unknown_placeholder_in_subject_is_refused(
    edition, organiser, delegates
):
    with pytest.raises(ValidationError) as error:
        draft(edition, organiser, subject="News for {Name}")

    assert "{Name}" in " ".join(error.value.message_dict["subject"])
    assert Message.objects.count() == 0


def test_message_create_empty_audience_is_refused(edition, organiser, delegates):
    with pytest.raises(ValidationError) as error:
        draft(edition, organiser, audience=Message.Audience.CHECKED_IN)

    assert "No one is in “Checked in”" in " ".join(error.value.message_dict["audience"])
    assert Message.objects.count() == 0


def test_message_create_run_of_another_edition_is_refused(
    edition, organiser, delegates
):
    other_run = workshop_grid(EditionFactory(), blocks=1, per_block=1)[0][0]

    with pytest.raises(ValidationError) as error:
        draft(
            edition,
            organiser,
            audience=Message.Audience.WORKSHOP_RUN,
            run_id=other_run.pk,
        )

    assert "Choose a workshop run of" in " ".join(error.value.message_dict["run_id"])
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    ("audience", "group"),
    [
        (Message.Audience.CONFIRMED, "confirmed"),
        (Message.Audience.WAITLISTED, "waitlisted"),
        (Message.Audience.PENDING, "pending"),
    ],
)
def test_audience_by_status(edition, delegates, audience, group):
    RegistrationFactory(edition=EditionFactory())  # another edition's delegate

    recipients = selectors.audience_recipients(edition=edition, audience=audience)

    assert sorted(r.email for r in recipients) == sorted(
        r.user.email for r in delegates[group]
    )


def test_audience_checked_in(edition, delegates):
    from delegates.badges.models import CheckIn  # noqa: PLC0415  (one test needs it)

    arrived = delegates["confirmed"][1]
    CheckIn.objects.create(registration=arrived, checked_in_at=edition.created_at)

    recipients = selectors.audience_recipients(
        edition=edition, audience=Message.Audience.CHECKED_IN
    )

    assert [r.reference for r in recipients] == [arrived.reference]


def test_audience_workshop_run_is_its_attendees(edition, delegates):
    run, other = workshop_grid(edition, blocks=1, per_block=2)[0]
    attendee = delegates["confirmed"][0]
    WorkshopChoice.objects.create(
        registration=attendee, run=run, block=run.block, workshop=run.workshop
    )
    WorkshopChoice.objects.create(
        registration=delegates["confirmed"][1],
        run=other,
        block=other.block,
        workshop=other.workshop,
    )

    recipients = selectors.audience_recipients(
        edition=edition, audience=Message.Audience.WORKSHOP_RUN, run_id=run.pk
    )

    assert [r.email for r in recipients] == [attendee.user.email]


def test_audience_speakers_are_session_speakers_and_facilitators_with_accounts(
    edition, delegates
):
    session_speaker = SpeakerFactory(user=UserFactory(email="dcs@nca.gov.uk"))
    SessionSpeakerFactory(
        session=AgendaSessionFactory(edition=edition), speaker=session_speaker
    )
    SessionSpeakerFactory(
        session=AgendaSessionFactory(edition=edition), speaker=SpeakerFactory()
    )  # no account: cannot be written to
    run = workshop_grid(edition, blocks=1, per_block=1)[0][0]
    facilitator = SpeakerFactory(user=UserFactory(email="trainer@fca.org.uk"))
    run.workshop.facilitators.add(facilitator)

    recipients = selectors.audience_recipients(
        edition=edition, audience=Message.Audience.SPEAKERS
    )

    assert sorted(r.email for r in recipients) == [
        "dcs@nca.gov.uk",
        "trainer@fca.org.uk",
    ]


def test_audience_selection_keeps_to_the_edition(edition, delegates):
    chosen = delegates["waitlisted"][0]
    elsewhere = RegistrationFactory(edition=EditionFactory())

    recipients = selectors.audience_recipients(
        edition=edition,
        audience=Message.Audience.SELECTION,
        registration_ids=[chosen.pk, elsewhere.pk],
    )

    assert [r.reference for r in recipients] == [chosen.reference]


def test_message_preview_fills_the_placeholders_for_one_recipient(
    edition, organiser, delegates
):
    message = draft(edition, organiser)
    sam = delegates["confirmed"][0]

    recipient, subject, text, html = services.message_preview(message=message)

    assert recipient.email == sam.user.email
    assert subject == f"Parking at {edition.venue.name}, {edition.venue.town}"
    assert "Dear Sam Patel," in text
    assert f"Your reference is {sam.reference} for Economic Crime 2027" in text
    assert "<p>Dear Sam Patel,</p>" in html


def test_message_preview_escapes_values_in_html(edition, organiser, delegates):
    sam = delegates["confirmed"][0].user.profile
    sam.first_name = "<b>Sam</b>"
    sam.save()
    message = draft(edition, organiser, body="Hello {name} <script>")

    _recipient, _subject, text, html = services.message_preview(message=message)

    assert "Hello <b>Sam</b> Patel <script>" in text
    assert "Hello &lt;b&gt;Sam&lt;/b&gt; Patel &lt;script&gt;" in html
    assert "<script>" not in html


def test_message_test_send_goes_to_the_organiser_only(
    edition, organiser, delegates, mailoutbox, django_capture_on_commit_callbacks
):
    message = draft(edition, organiser)

    with django_capture_on_commit_callbacks(execute=True):
        services.message_test_send(message=message, user=organiser)

    assert [m.to for m in mailoutbox] == [[organiser.email]]
    assert mailoutbox[0].subject.startswith("[Test] Parking at")
    assert "Dear Sam Patel," in mailoutbox[0].body
    message.refresh_from_db()
    assert message.status == Message.Status.DRAFT
    assert message.test_sent_at is not None
    assert OutboxEmail.objects.filter(group=message.outbox_group).count() == 0


def test_message_send_queues_one_row_per_recipient_in_its_group(
    edition, organiser, delegates, mailoutbox, django_capture_on_commit_callbacks
):
    message = draft(edition, organiser)

    with django_capture_on_commit_callbacks(execute=True):
        count = services.message_send(message=message, actor=organiser)

    assert count == 3
    rows = OutboxEmail.objects.filter(group=message.outbox_group)
    assert sorted(rows.values_list("to", flat=True)) == sorted(
        r.user.email for r in delegates["confirmed"]
    )
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        rows.values_list("to", flat=True)
    )
    by_to = {m.to[0]: m for m in mailoutbox}
    for registration in delegates["confirmed"]:
        sent = by_to[registration.user.email]
        assert f"Your reference is {registration.reference}" in sent.body
        assert sent.alternatives[0].mimetype == "text/html"
    message.refresh_from_db()
    assert (message.status, message.recipients, message.sender) == (
        Message.Status.SENT,
        3,
        organiser,
    )


def test_message_send_twice_sends_once(
    edition, organiser, delegates, mailoutbox, django_capture_on_commit_callbacks
):
    message = draft(edition, organiser)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(message=message, actor=organiser)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError) as error,
    ):
        services.message_send(message=message, actor=organiser)

    assert error.value.code == "already_sent"
    assert "was not sent again" in error.value.messages[0]
    assert callbacks == []
    assert OutboxEmail.objects.count() == 3
    assert len(mailoutbox) == 3


def test_message_send_audience_emptied_since_the_draft_is_refused(
    edition, organiser, delegates
):
    message = draft(edition, organiser, audience=Message.Audience.WAITLISTED)
    Registration.objects.filter(status=Registration.Status.WAITLISTED).update(
        status=Registration.Status.CANCELLED
    )

    with pytest.raises(ValidationError, match="No one is in"):
        services.message_send(message=message, actor=organiser)

    message.refresh_from_db()
    assert message.status == Message.Status.DRAFT
    assert OutboxEmail.objects.count() == 0


def test_message_update_of_a_sent_message_is_refused(
    edition, organiser, delegates, django_capture_on_commit_callbacks
):
    message = draft(edition, organiser)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(message=message, actor=organiser)

    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.message_update(
            message=message,
            subject="Changed",
            body="Changed",
            audience=Message.Audience.CONFIRMED,
        )

    message.refresh_from_db()
    assert message.subject == "Parking at {venue}"


def test_with_counts_come_from_the_linked_outbox_rows(
    edition, organiser, delegates, django_capture_on_commit_callbacks
):
    message = draft(edition, organiser)
    services.message_send(message=message, actor=organiser)  # not delivered yet
    rows = list(OutboxEmail.objects.filter(group=message.outbox_group).order_by("pk"))
    OutboxEmail.objects.filter(pk=rows[0].pk).update(status=OutboxEmail.Status.SENT)
    OutboxEmail.objects.filter(pk=rows[1].pk).update(status=OutboxEmail.Status.FAILED)
    # Another email to the same address, outside the message, is not counted.
    OutboxEmail.objects.create(
        to=rows[0].to,
        subject="Other",
        body_text="x",
        next_attempt_at=rows[0].created_at,
    )

    counted = selectors.with_counts(Message.objects.filter(pk=message.pk)).get()

    assert (counted.sent_count, counted.pending_count, counted.failed_count) == (
        1,
        1,
        1,
    )


def test_message_resend_failed_queues_only_this_messages_failed(
    edition, organiser, delegates, mailoutbox, django_capture_on_commit_callbacks
):
    message = draft(edition, organiser)
    services.message_send(message=message, actor=organiser)
    failed = OutboxEmail.objects.filter(group=message.outbox_group).order_by("pk")[0]
    OutboxEmail.objects.filter(group=message.outbox_group).update(
        status=OutboxEmail.Status.SENT
    )
    OutboxEmail.objects.filter(pk=failed.pk).update(status=OutboxEmail.Status.FAILED)
    elsewhere = OutboxEmail.objects.create(
        to="x@police.uk",
        subject="Other",
        body_text="x",
        status=OutboxEmail.Status.FAILED,
        next_attempt_at=failed.created_at,
    )

    with django_capture_on_commit_callbacks(execute=True):
        queued, refused = services.message_resend_failed(message=message)

    assert (queued, refused) == (1, 0)
    assert [m.to for m in mailoutbox] == [[failed.to]]
    elsewhere.refresh_from_db()
    assert elsewhere.status == OutboxEmail.Status.FAILED


def test_message_draft_of_an_archived_edition_still_reaches_its_audience(
    edition, organiser, delegates
):
    Edition.objects.filter(pk=edition.pk).update(status=Edition.Status.ARCHIVED)
    edition.refresh_from_db()

    message = draft(edition, organiser)

    assert len(selectors.message_recipients(message=message)) == 3
