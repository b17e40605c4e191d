"""The agenda-change digest: a published session or workshop run changed time, room
or title; the people it concerns get one email per person gathering the changes of a
few minutes, never one per field edit.

``agenda_change_record`` writes a row in the transaction of the change (sessions
through ``events.signals.agenda_session_changed``, answered in
``delegates/receivers.py``; runs and workshops from ``workshops/changes.py``).
``agenda_digests_send`` (every minute, Celery beat) takes the editions whose changes
have been quiet for ``AGENDA_DIGEST_DELAY`` seconds (or waited
``AGENDA_DIGEST_MAX_WAIT``), locks their rows, queues one outbox email per person and
marks the rows digested in one transaction: a duplicated task finds nothing left,
and each email's idempotency key (the gathering's first change and the address) is
unique in the outbox.
"""

import hashlib
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from events.models import Edition
from socex.mail.models import OutboxEmail
from socex.mail.services import email_queue_many

from ..models import Registration
from . import selectors
from .models import AgendaChange

TEMPLATE = "agenda_changed"

__all__ = ["AgendaChange", "agenda_change_record", "agenda_digests_send"]


@transaction.atomic
def agenda_change_record(
    *, edition: Edition, kind: str, object_id: int, title: str, changes: list[dict]
) -> AgendaChange:
    """Record that a published session or run changed (``changes``: dicts with
    ``field``, ``label``, ``old``, ``new``). Sends nothing now: the digest does."""
    return AgendaChange.objects.create(
        edition=edition, kind=kind, object_id=object_id, title=title, changes=changes
    )


def _merged(changes: Sequence[AgendaChange]) -> dict[tuple[str, int], dict]:
    """Per session or run: its latest title and, per field, the first old value and
    the last new one; a field changed back is left out, and so is an item with
    nothing left."""
    items: dict[tuple[str, int], dict] = {}
    for change in changes:
        item = items.setdefault(
            (change.kind, change.object_id), {"title": change.title, "fields": {}}
        )
        item["title"] = change.title
        for field in change.changes:
            entry = item["fields"].setdefault(
                field["field"], {"label": field["label"], "old": field["old"]}
            )
            entry["new"] = field["new"]
    for key in list(items):
        fields = {
            name: entry
            for name, entry in items[key]["fields"].items()
            if entry["old"] != entry["new"]
        }
        if fields:
            items[key]["fields"] = fields
        else:
            del items[key]
    return items


def _audience(
    edition: Edition, items: dict[tuple[str, int], dict]
) -> dict[tuple[str, int], list[selectors.Recipient]]:
    """Who each changed item concerns: for a session, the edition's confirmed
    delegates and its speakers; for a run, its attendees and facilitators."""
    confirmed = None
    audience = {}
    for kind, object_id in items:
        if kind == AgendaChange.Kind.SESSION:
            if confirmed is None:
                confirmed = selectors.audience_recipients(
                    edition=edition, audience="confirmed"
                )
            speakers = selectors.user_recipients(
                edition=edition,
                user_ids=selectors.session_speaker_user_ids(session_ids=[object_id]),
            )
            audience[(kind, object_id)] = [*confirmed, *speakers]
        else:
            answer = selectors.hook_answer(edition, "workshop_run", object_id)
            attendees = selectors.registration_recipients(
                Registration.objects.filter(
                    edition=edition,
                    pk__in=answer["registration_ids"],
                    status=Registration.Status.CONFIRMED,
                )
            )
            speakers = selectors.user_recipients(
                edition=edition, user_ids=answer["speaker_user_ids"]
            )
            audience[(kind, object_id)] = [*attendees, *speakers]
    return audience


def _key(first_change: int, email: str) -> str:
    digest = hashlib.sha256(email.lower().encode()).hexdigest()[:24]
    return f"delegates.agenda-digest:{first_change}:{digest}"


@transaction.atomic
def _digest_edition(*, edition_id: int, now) -> int:
    changes = list(
        AgendaChange.objects.select_for_update()
        .filter(edition_id=edition_id, digested_at__isnull=True, created_at__lte=now)
        .order_by("pk")
    )
    if not changes:
        return 0  # another run took them
    edition = Edition.objects.select_related("venue").get(pk=edition_id)
    items = _merged(changes)
    people: dict[str, tuple[selectors.Recipient, list[dict]]] = {}
    for key, recipients in _audience(edition, items).items():
        for recipient in selectors.unique_recipients(recipients):
            person = people.setdefault(recipient.email.lower(), (recipient, []))
            person[1].append(items[key])
    first = changes[0].pk
    keys = {email: _key(first, email) for email in people}
    taken = set(
        OutboxEmail.objects.filter(key__in=keys.values()).values_list("key", flat=True)
    )
    emails = []
    for email, (recipient, person_items) in people.items():
        if keys[email] in taken:
            continue
        context = {
            "site_url": settings.SITE_URL,
            "edition": edition,
            "name": recipient.name,
            "items": person_items,
            "agenda_url": settings.SITE_URL
            + (
                reverse("delegates:agenda", args=[recipient.reference])
                if recipient.reference
                else edition.get_absolute_url() + "agenda/"
            ),
        }
        emails.append(
            {
                "to": recipient.email,
                "subject": " ".join(
                    render_to_string(f"emails/{TEMPLATE}.subject.txt", context).split()
                ),
                "body_text": render_to_string(f"emails/{TEMPLATE}.txt", context),
                "body_html": render_to_string(f"emails/{TEMPLATE}.html", context),
                "key": keys[email],
            }
        )
    email_queue_many(emails=emails, template=TEMPLATE)
    AgendaChange.objects.filter(pk__in=[c.pk for c in changes]).update(
        digested_at=now, digest_key=first, recipients=len(emails)
    )
    return len(emails)


def agenda_digests_send(*, now=None) -> int:
    """Queue the digests that are due; returns how many emails. Due: an edition
    whose latest undigested change is ``AGENDA_DIGEST_DELAY`` seconds old, or whose
    oldest has waited ``AGENDA_DIGEST_MAX_WAIT`` (an agenda edited for an hour is
    told about every half hour, not never)."""
    now = now or timezone.now()
    quiet = now - timedelta(seconds=float(settings.AGENDA_DIGEST_DELAY))
    waited = now - timedelta(seconds=float(settings.AGENDA_DIGEST_MAX_WAIT))
    due = (
        AgendaChange.objects.filter(digested_at__isnull=True)
        .order_by()
        .values("edition_id")
        .annotate(last=Max("created_at"), first=Min("created_at"))
        .filter(Q(last__lte=quiet) | Q(first__lte=waited))
        .values_list("edition_id", flat=True)
    )
    return sum(
        _digest_edition(edition_id=edition_id, now=now)
        for edition_id in sorted(set(due))
    )
