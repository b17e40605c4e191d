"""The composer, its buttons and the history in the admin, as each role."""

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.urls import reverse

from delegates.messages import services
from delegates.messages.models import Message
from socex.mail.models import OutboxEmail
from socex.roles.definitions import ORGANISER, VETTING, VIEWER
from tests.factories.accounts import UserFactory
from tests.factories.delegates import RegistrationFactory
from tests.factories.events import EditionFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:delegates_message_add")
HISTORY = reverse("admin:delegates_message_changelist")


def staff(role: str):
    user = UserFactory(is_staff=True)
    user.groups.set([Group.objects.get(name=role)])
    return user


@pytest.fixture
def organiser_client(client):
    user = staff(ORGANISER)
    client.force_login(user)
    client.user = user
    return client


def compose(client, edition, **fields):
    data = {
        "edition": edition.pk,
        "audience": Message.Audience.CONFIRMED,
        "run_id": "",
        "registration_ids": "",
        "subject": "Parking",
        "body": "Dear {name}, park in the east car park.",
        **fields,
    }
    return client.post(ADD, data)


def sent_draft(edition, user):
    return services.message_create(
        edition=edition,
        sender=user,
        audience=Message.Audience.CONFIRMED,
        subject="Parking",
        body="Dear {name}",
    )


def test_compose_saves_a_draft_and_opens_its_preview(
    organiser_client, edition, delegates
):
    response = compose(organiser_client, edition)

    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:delegates_message_change", args=[message.pk]
    )
    page = organiser_client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "Dear Sam Patel, park in the east car park." in text
    assert "Send to 3 people" in text
    assert "Send a test to me" in text


def test_compose_unknown_placeholder_shows_the_error_and_saves_nothing(
    organiser_client, edition, delegates
):
    response = compose(organiser_client, edition, body="Dear {firstname}")

    assert response.status_code == 200
    assert "{firstname} is not a placeholder" in response.content.decode()
    assert Message.objects.count() == 0


def test_compose_empty_audience_shows_the_error_and_saves_nothing(
    organiser_client, edition, delegates
):
    response = compose(organiser_client, edition, audience=Message.Audience.CHECKED_IN)

    assert response.status_code == 200
    assert "there is no one to write to" in response.content.decode()
    assert Message.objects.count() == 0


def test_compose_forged_selection_is_refused(organiser_client, edition, delegates):
    response = compose(
        organiser_client,
        edition,
        audience=Message.Audience.SELECTION,
        registration_ids="1,\x00,99999999999999999999999",
    )

    assert response.status_code == 200
    assert "The selection was not valid" in response.content.decode()
    assert Message.objects.count() == 0


def test_test_send_then_send_then_history_shows_counts(
    organiser_client, edition, delegates, mailoutbox, django_capture_on_commit_callbacks
):
    compose(organiser_client, edition)
    message = Message.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        organiser_client.post(
            reverse("admin:delegates_message_test", args=[message.pk])
        )
    assert [m.to for m in mailoutbox] == [[organiser_client.user.email]]

    with django_capture_on_commit_callbacks(execute=True):
        response = organiser_client.post(
            reverse("admin:delegates_message_send", args=[message.pk])
        )
        again = organiser_client.post(
            reverse("admin:delegates_message_send", args=[message.pk]), follow=True
        )

    assert response["Location"] == HISTORY
    assert "was not sent again" in again.content.decode()
    assert len(mailoutbox) == 1 + 3
    history = organiser_client.get(HISTORY).content.decode()
    assert re.search(r'<td class="field-sent_count[^"]*"[^>]*>\s*3\s*</td>', history)
    assert re.search(r'<td class="field-failed_count[^"]*"[^>]*>\s*0\s*</td>', history)


def test_resend_failed_button(
    organiser_client, edition, delegates, mailoutbox, django_capture_on_commit_callbacks
):
    message = sent_draft(edition, organiser_client.user)
    services.message_send(message=message, actor=organiser_client.user)
    OutboxEmail.objects.filter(group=message.outbox_group).update(
        status=OutboxEmail.Status.FAILED
    )
    page = organiser_client.get(
        reverse("admin:delegates_message_change", args=[message.pk])
    )
    assert "Resend the failed" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        organiser_client.post(
            reverse("admin:delegates_message_resend_failed", args=[message.pk])
        )

    assert len(mailoutbox) == 3
    assert not OutboxEmail.objects.filter(status=OutboxEmail.Status.FAILED).exists()


@pytest.mark.parametrize("role", [VETTING, VIEWER])
def test_roles_that_may_not_send_are_refused_and_nothing_changes(
    client, role, edition, delegates, organiser, django_capture_on_commit_callbacks
):
    message = sent_draft(edition, organiser)
    client.force_login(staff(role))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        responses = [
            client.post(reverse(f"admin:delegates_message_{name}", args=[message.pk]))
            for name in ("test", "send", "resend_failed")
        ]
        added = compose(client, edition)

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert added.status_code == 403
    assert callbacks == []
    assert OutboxEmail.objects.count() == 0
    assert Message.objects.get().status == Message.Status.DRAFT


def test_viewer_reads_the_history_without_buttons(
    client, edition, delegates, organiser
):
    message = sent_draft(edition, organiser)
    client.force_login(staff(VIEWER))

    assert client.get(HISTORY).status_code == 200
    page = client.get(reverse("admin:delegates_message_change", args=[message.pk]))
    assert page.status_code == 200
    assert "Send to" not in page.content.decode()


def test_send_by_get_is_not_allowed(organiser_client, edition, delegates):
    message = sent_draft(edition, organiser_client.user)

    response = organiser_client.get(
        reverse("admin:delegates_message_send", args=[message.pk])
    )

    assert response.status_code == 405
    assert OutboxEmail.objects.count() == 0


def test_send_of_a_forged_id_is_404(organiser_client):
    for value in ("99999", "1%00", "9" * 30):
        response = organiser_client.post(f"/admin/delegates/message/{value}/send/")
        assert response.status_code == 404


def test_write_to_selected_opens_the_composer_with_the_selection(
    organiser_client, edition, delegates
):
    chosen = [delegates["confirmed"][0], delegates["pending"][0]]

    response = organiser_client.post(
        reverse("admin:delegates_registration_changelist"),
        {
            "action": "write_to_selected",
            "index": "0",
            ACTION_CHECKBOX_NAME: [r.pk for r in chosen],
        },
    )

    assert response.status_code == 302
    composer = organiser_client.get(response["Location"])
    text = composer.content.decode()
    ids = ",".join(str(r.pk) for r in sorted(chosen, key=lambda r: r.pk))
    assert f'value="{ids}"' in text
    sent = compose(
        organiser_client,
        edition,
        audience=Message.Audience.SELECTION,
        registration_ids=ids,
    )
    assert sent.status_code == 302
    assert Message.objects.get().registration_ids == sorted(r.pk for r in chosen)


def test_write_to_selected_across_editions_is_refused(
    organiser_client, edition, delegates
):
    elsewhere = RegistrationFactory(edition=EditionFactory())

    response = organiser_client.post(
        reverse("admin:delegates_registration_changelist"),
        {
            "action": "write_to_selected",
            "index": "0",
            ACTION_CHECKBOX_NAME: [delegates["confirmed"][0].pk, elsewhere.pk],
        },
        follow=True,
    )

    assert "Select registrations of one edition" in response.content.decode()


@pytest.mark.parametrize("messages", [1, 12])
def test_history_query_count_is_fixed(
    organiser_client, edition, delegates, messages, django_assert_max_num_queries
):
    for _ in range(messages):
        services.message_send(
            message=sent_draft(edition, organiser_client.user),
            actor=organiser_client.user,
        )

    with django_assert_max_num_queries(14):
        response = organiser_client.get(HISTORY)

    assert response.status_code == 200
    cells = re.findall(r'class="field-sent_count[ "]', response.content.decode())
    assert len(cells) == messages


def test_sent_messages_cannot_be_deleted_drafts_can(
    organiser_client, edition, delegates
):
    sent = sent_draft(edition, organiser_client.user)
    services.message_send(message=sent, actor=organiser_client.user)
    draft = sent_draft(edition, organiser_client.user)

    listed = organiser_client.get(HISTORY)
    refused = organiser_client.post(
        reverse("admin:delegates_message_delete", args=[sent.pk]), {"post": "yes"}
    )
    deleted = organiser_client.post(
        reverse("admin:delegates_message_delete", args=[draft.pk]), {"post": "yes"}
    )

    assert "delete_selected" not in listed.content.decode()
    assert refused.status_code == 403
    assert deleted.status_code == 302
    assert list(Message.objects.values_list("pk", flat=True)) == [sent.pk]
