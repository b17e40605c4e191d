"""The delegate's emails about a registration: status news, resends, joining
instructions. Queued through the outbox, so they leave only after commit.

Status emails are drafted before the edition lock is taken (``EmailDrafts``): the
templates and the calendar file are rendered then, for every status the change can
end in, with slots for the only things the lock decides (a new registration's
reference, a waiting-list position). Under the lock a draft is filled in by string
replacement and written to the outbox in the same transaction as the status change;
only a change nobody could foresee (the waiting list moved meanwhile, the edition
was edited) is rendered there.
"""

import copy
import datetime as dt
import logging
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from events.models import Edition
from socex.mail.services import (
    attachment_from_bytes,
    email_queue,
    email_queue_message,
    email_render,
)

from .. import ics, selectors
from ..models import Profile, Registration

logger = logging.getLogger(__name__)

Status = Registration.Status

# The email each new status sends; promotions from the waiting list get their own.
STATUS_EMAILS = {
    Status.PENDING: "registration_received",
    Status.CONFIRMED: "registration_confirmed",
    Status.WAITLISTED: "registration_waitlisted",
    Status.DECLINED: "registration_declined",
    Status.CANCELLED: "registration_cancelled",
    Status.SUBSTITUTED: "registration_substituted",
}
PROMOTED = "registration_promoted"
# The emails that carry the event's calendar file.
WITH_CALENDAR = ("registration_confirmed", PROMOTED)


def _email_context(registration: Registration, **extra) -> dict:
    edition = registration.edition
    return {
        "registration": registration,
        "edition": edition,
        "venue": edition.venue,
        "user": registration.user,
        "profile": getattr(registration.user, "profile", None),
        "dashboard_url": settings.SITE_URL + reverse("delegates:dashboard"),
        "edition_url": settings.SITE_URL + edition.get_absolute_url(),
        **extra,
    }


def _calendar_name(edition: Edition) -> str:
    return f"{edition.slug}.ics"


def _event_attachment(registration: Registration) -> dict:
    edition = registration.edition
    return attachment_from_bytes(
        _calendar_name(edition),
        ics.edition_calendar(edition=edition, registration=registration),
        "text/calendar",
    )


def _edition_shown(edition: Edition) -> tuple:
    """What a status email shows of the edition and its venue: a draft made from an
    edition read before the lock is good only while these are unchanged."""
    venue = edition.venue
    return (
        edition.pk,
        edition.title,
        edition.slug,
        edition.start_date,
        edition.end_date,
        venue and (venue.pk, venue.name, venue.address, venue.town, venue.postcode),
    )


# iCalendar content lines are folded at 75 octets (RFC 5545 3.1): a slot is filled in
# on the unfolded text, which is then folded again.
_FOLD = re.compile(r"\r\n[ \t]")
_ICS_LINE_OCTETS = 75


def _fold(line: str) -> str:
    parts, current, size = [], [], 0
    for char in line:
        octets = len(char.encode())
        if current and size + octets > _ICS_LINE_OCTETS:
            parts.append("".join(current))
            current, size = [" "], 1  # a continuation line starts with a space
        current.append(char)
        size += octets
    parts.append("".join(current))
    return "\r\n".join(parts)


def _fold_apart(calendar: str, slots) -> str:
    """``calendar`` folded with each of ``slots`` alone on a continuation line (a
    fold may fall between any two characters): a value of up to 74 octets put in
    its place by plain replacement, as the database does (``EmailDraft.
    filled_sql``), leaves every line within 75 octets."""
    slots = [slot for slot in slots if slot]
    if not slots:
        return calendar
    split = re.compile("(" + "|".join(map(re.escape, slots)) + ")")
    lines = []
    for line in _FOLD.sub("", calendar).split("\r\n"):
        pieces = split.split(line)
        folded = [_fold(pieces[0])] if pieces[0] else []
        for index, piece in enumerate(pieces[1:]):
            if piece:
                folded.append(" " + piece if index % 2 == 0 else _fold(" " + piece))
        lines.append("\r\n".join(folded))
    return "\r\n".join(lines)


def _fill_calendar(calendar: str, values: dict[str, str]) -> bytes:
    text = _FOLD.sub("", calendar)
    for slot, value in values.items():
        text = text.replace(slot, value)
    return "\r\n".join(_fold(line) for line in text.split("\r\n")).encode()


# A new registration's calendar file is the same for every delegate of an edition
# but for the reference and the stamp: made once per edition as its emails show it
# (``_edition_shown``), with this slot (as long as a draft's) for the reference, and
# stamped anew for each draft.
_CALENDAR_SLOT = "SOCEX" + "0" * 16 + "REFERENCE"
_DTSTAMP = re.compile(r"^DTSTAMP:\d{8}T\d{6}Z\r$", re.M)
_slotted_calendars: dict[tuple, str] = {}


def _slotted_calendar(edition: Edition) -> str:
    key = (_edition_shown(edition), settings.SITE_URL, edition.get_absolute_url())
    calendar = _slotted_calendars.get(key)
    if calendar is None:
        if len(_slotted_calendars) >= 64:
            _slotted_calendars.clear()
        calendar = _slotted_calendars[key] = _fold_apart(
            ics.edition_calendar(
                edition=edition, registration=Registration(reference=_CALENDAR_SLOT)
            ).decode(),
            [_CALENDAR_SLOT],
        )
    stamp = timezone.now().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return _DTSTAMP.sub(f"DTSTAMP:{stamp}\r", calendar, count=1)


@dataclass
class EmailDraft:
    """One status email rendered ahead of the lock, with its slots still to fill."""

    user_id: int
    template: str
    reason: str
    to: str
    edition: tuple
    subject: str
    body_text: str
    body_html: str
    calendar: str  # the .ics text, "" for an email without one
    calendar_name: str
    reference_slot: str  # "" when the reference was known when drafting
    position_slot: str  # "" for an email that shows no waiting-list position

    def fits(self, registration: Registration, *, template: str, reason: str) -> bool:
        return (
            self.template == template
            and self.reason == reason
            and self.to == registration.user.email
            and self.edition == _edition_shown(registration.edition)
        )

    def filled_sql(self, *, reference: str, position: str) -> dict:
        """The outbox fields that hold slots, as SQL expressions filling them in
        the statement that writes the row (``socex.db.insert_select``):
        ``reference`` and ``position`` name the values (SQL, e.g. columns of the
        statement's source). The same text as ``filled``."""
        slots = [
            (slot, value)
            for slot, value in (
                (self.reference_slot, reference),
                (self.position_slot, f"coalesce(({position})::text, '')"),
            )
            if slot
        ]

        def replaced(text: str) -> tuple[str, list]:
            sql, params = "%s", [text]
            for slot, value in slots:
                sql = f"replace({sql}, %s, {value})"
                params.append(slot)
            return sql, params

        # The SQL is this method's own and the caller's column names; every text
        # and slot is a parameter.
        subject, subject_params = replaced(self.subject)
        fields = {
            "subject": RawSQL(f"left({subject}, 250)", subject_params),  # nosec B611
            "body_text": RawSQL(*replaced(self.body_text)),  # nosec B611
            "body_html": RawSQL(*replaced(self.body_html)),  # nosec B611
            "attachments": RawSQL("'[]'::jsonb", []),  # nosec B611
        }
        if self.calendar:
            calendar, calendar_params = replaced(self.calendar)
            # Base64 as Python writes it: the database's breaks lines every 76.
            fields["attachments"] = RawSQL(  # nosec B611  texts are parameters
                "jsonb_build_array(jsonb_build_object('filename', %s::text, "
                "'mimetype', 'text/calendar', 'content_b64', translate(encode("
                f"convert_to({calendar}, 'UTF8'), 'base64'), E'\\n', '')))",
                [self.calendar_name, *calendar_params],
            )
        return fields

    def filled(self, registration: Registration) -> dict:
        """The outbox fields, the slots filled in for ``registration`` (locked)."""
        values = {}
        if self.reference_slot:
            values[self.reference_slot] = registration.reference
        if self.position_slot:
            position = selectors.waitlist_position(registration=registration)
            values[self.position_slot] = str(position or "")
        subject, body_text, body_html = self.subject, self.body_text, self.body_html
        for slot, value in values.items():
            subject = subject.replace(slot, value)
            body_text = body_text.replace(slot, value)
            body_html = body_html.replace(slot, value)
        attachments = []
        if self.calendar:
            attachments.append(
                attachment_from_bytes(
                    self.calendar_name,
                    _fill_calendar(self.calendar, values),
                    "text/calendar",
                )
            )
        return {
            "template": self.template,
            "to": self.to,
            "subject": subject,
            "body_text": body_text,
            "body_html": body_html,
            "attachments": attachments,
        }


def email_draft(
    registration: Registration, *, template: str, reason: str = ""
) -> EmailDraft:
    """Render ``template`` for ``registration`` (saved, or about to be created) now,
    leaving slots for its reference (if it has none yet) and waiting-list position
    (for the waiting-list email). Run it before taking the lock.

    A template is rendered once per process for each kind of person
    (``_rendered_for``), the person's name and email filled in per draft."""
    nonce = secrets.token_hex(8).upper()
    shown = copy.copy(registration)
    reference_slot = ""
    if not registration.reference:
        reference_slot = shown.reference = f"SOCEX{nonce}REFERENCE"
    position_slot = ""
    if template == STATUS_EMAILS[Status.WAITLISTED]:
        position_slot = f"SOCEX{nonce}POSITION"
    person = _DraftPerson.of(registration)
    # With DEBUG (templates read afresh on each render) each draft is rendered.
    rendered = (
        None
        if settings.DEBUG
        else _rendered_for(registration, template=template, reason=reason)
    )
    if rendered is not None:
        subject, body_text, body_html = rendered.filled(
            person,
            reference=shown.reference,
            position=position_slot,
        )
    else:
        context = _email_context(shown, reason=reason, position=position_slot or None)
        subject, body_text, body_html = email_render(template=template, context=context)
    calendar = ""
    if template in WITH_CALENDAR and reference_slot:
        calendar = _slotted_calendar(registration.edition).replace(
            _CALENDAR_SLOT, reference_slot
        )
    elif template in WITH_CALENDAR:
        calendar = ics.edition_calendar(
            edition=registration.edition, registration=shown
        ).decode()
    return EmailDraft(
        user_id=registration.user_id,
        template=template,
        reason=reason,
        to=registration.user.email,
        edition=_edition_shown(registration.edition),
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        calendar=calendar,
        calendar_name=_calendar_name(registration.edition),
        reference_slot=reference_slot,
        position_slot=position_slot,
    )


# A status email rendered once per process for everyone it goes to alike (same
# template, language, edition, series and venue as stored, status, category, whether
# a profile exists; no free-text reason), the person's values left as slots: a burst
# of registrations renders each template once, not once per person. The slots are in
# mixed case, starting lower, so a filter that changes case (upper, lower, title,
# capfirst) shows as a part that does not treat the value as is; the person's other
# fields differ between the two stand-ins (texts, numbers, dates, flags, choices), so a
# template that shows one is rendered per person. What this cannot see is a template
# that only branches on a value both stand-ins share (a text that is never empty):
# the status templates are held to their direct rendering by
# tests/delegates/test_email_drafts.py.
_FIRST_NAME_SLOT = "socexDraftFirstName"
_EMAIL_SLOT = "socexDraftEmail"
_REFERENCE_SLOT = "socexDraftReference"
_POSITION_SLOT = "socexDraftPosition"
# Every other text of the person, in the stand-in: a template that shows one is
# rendered per person (_rendered_for finds it in the output).
_UNSLOTTED = "socexDraftUnslotted"
# Characters HTML escapes: the second stand-in's values end with them, so that
# whether a part escapes each value is read off the output, not assumed.
_ESCAPED = "<&\"'"
_DRAFT_SLOTS = re.compile(
    "|".join((_FIRST_NAME_SLOT, _EMAIL_SLOT, _REFERENCE_SLOT, _POSITION_SLOT))
)


@dataclass(frozen=True)
class _DraftPerson:
    first_name: str | None  # None: no profile
    email: str

    @classmethod
    def of(cls, registration: Registration) -> "_DraftPerson":
        user = registration.user
        profile = getattr(user, "profile", None)
        return cls(
            first_name=None if profile is None else profile.first_name,
            email=user.email,
        )


@dataclass(frozen=True)
class _Rendered:
    """Subject, text and HTML with the person's slots, and for each part whether
    it shows them HTML-escaped."""

    parts: tuple[str, str, str]
    escaped: tuple[bool, bool, bool]

    def filled(
        self, person: _DraftPerson, *, reference: str, position: str
    ) -> tuple[str, str, str]:
        values = {
            _FIRST_NAME_SLOT: person.first_name or "",
            _EMAIL_SLOT: person.email,
            _REFERENCE_SLOT: reference,
            _POSITION_SLOT: position,
        }
        shown = {slot: escape(value) for slot, value in values.items()}
        # One pass: a value that holds a slot's text is left as it is.
        subject, body_text, body_html = (
            _DRAFT_SLOTS.sub(
                lambda match, escaped=escaped: (shown if escaped else values)[
                    match.group()
                ],
                part,
            )
            for part, escaped in zip(self.parts, self.escaped, strict=True)
        )
        return " ".join(subject.split()), body_text, body_html


_rendered: dict[tuple, _Rendered | None] = {}


def _stored(instance) -> tuple:
    return instance and tuple(
        getattr(instance, field.attname) for field in instance._meta.concrete_fields
    )


def _stand_in(
    registration: Registration,
    *,
    first_name: str,
    email: str,
    unslotted: str,
    variant: int,
) -> Registration:
    """A registration like ``registration`` (its edition, category and status)
    for a person made of slots: ``first_name`` and ``email``; every other text
    ``unslotted``; every number, date, flag and choice a value of ``variant``'s
    (two variants differ in each), so a template that shows one renders the two
    apart."""

    def values(model) -> dict:
        made = {}
        for field in model._meta.concrete_fields:
            if field.is_relation or field.primary_key and field.attname != "id":
                continue
            value = _stand_in_value(field, unslotted=unslotted, variant=variant)
            if value is not None:
                made[field.attname] = value
        return made

    user_model = registration.user._meta.model  # request.user is a lazy object
    user = user_model(**{**values(user_model), "email": email})
    if getattr(registration.user, "profile", None) is not None:
        user.profile = Profile(**{**values(Profile), "first_name": first_name})
        user.profile.user = user
    return Registration(
        **{
            **values(Registration),
            "edition": registration.edition,
            "user": user,
            "category": registration.category,
            "status": registration.status,
            "reference": _REFERENCE_SLOT,
        }
    )


def _stand_in_value(field, *, unslotted: str, variant: int):
    if field.choices:
        choices = [key for key, _label in field.flatchoices]
        return choices[variant % len(choices)] if choices else None
    if isinstance(field, models.CharField | models.TextField):
        return unslotted
    if isinstance(field, models.BooleanField):
        return bool(variant)
    if isinstance(field, models.DateTimeField):
        return dt.datetime(2001 + variant, 1 + variant, 1 + variant, tzinfo=dt.UTC)
    if isinstance(field, models.DateField):
        return dt.date(2001 + variant, 1 + variant, 1 + variant)
    if isinstance(field, models.IntegerField):
        return 900_000_001 + variant
    return None


def _rendered_for(
    registration: Registration, *, template: str, reason: str
) -> _Rendered | None:
    """``template`` for ``registration``'s kind of person, rendered once per
    process (and kind), with slots for the person's name, email, reference and
    waiting-list position; None when it cannot be: a part shows more of the
    person, or treats a value otherwise than by showing it."""
    if reason:
        return None  # a reason is the change's own: nobody else's email has it
    edition = registration.edition
    key = (
        template,
        get_language(),
        settings.SITE_URL,
        _stored(edition),
        _stored(edition.series),
        _stored(edition.venue),
        registration.category,
        registration.status,
        getattr(registration.user, "profile", None) is None,
    )
    try:
        return _rendered[key]
    except KeyError:
        pass
    position = _POSITION_SLOT if template == STATUS_EMAILS[Status.WAITLISTED] else None
    renders = []
    try:
        for variant, suffix in enumerate(("", _ESCAPED)):
            shown = _stand_in(
                registration,
                first_name=_FIRST_NAME_SLOT + suffix,
                email=_EMAIL_SLOT + suffix,
                unslotted=_UNSLOTTED + suffix,
                variant=variant,
            )
            context = _email_context(shown, reason="", position=position)
            renders.append(email_render(template=template, context=context))
    except Exception:  # a template the stand-in cannot render: render per person
        logger.warning(
            "Email %s: no draft for a kind of person", template, exc_info=True
        )
        renders = []
    plain, marked = renders or (None, None)
    rendered = None
    unslotted = _UNSLOTTED.casefold()
    if plain and not any(unslotted in part.casefold() for part in plain):
        escaped = []
        for part, expected in zip(plain, marked, strict=True):
            modes = [
                mode
                for mode in (False, True)
                if _with(part, _ESCAPED, escape_values=mode) == expected
            ]
            escaped.append(modes[0] if modes else None)
        if None not in escaped:
            rendered = _Rendered(parts=plain, escaped=tuple(escaped))
    if rendered is None:
        logger.info("Email %s is rendered per person", template)
    if len(_rendered) >= 64:
        _rendered.clear()
    _rendered[key] = rendered
    return rendered


def _with(part: str, suffix: str, *, escape_values: bool) -> str:
    """``part`` as the stand-in whose slotted values end with ``suffix`` would
    render it, if the part shows each value as is (or HTML-escaped)."""
    for slot in (_FIRST_NAME_SLOT, _EMAIL_SLOT):
        value = slot + suffix
        part = part.replace(slot, escape(value) if escape_values else value)
    return part


class EmailDrafts:
    """The status emails drafted for one locked change, by person and template (a
    person has one registration per edition, and a change locks one edition)."""

    def __init__(self) -> None:
        self._drafts: dict[tuple[int, str], EmailDraft] = {}

    def __len__(self) -> int:
        return len(self._drafts)

    def add(
        self, registration: Registration, *, templates, reason: str = ""
    ) -> "EmailDrafts":
        for template in templates:
            draft = email_draft(registration, template=template, reason=reason)
            self._drafts[(draft.user_id, template)] = draft
        return self

    def add_statuses(
        self, registration: Registration, *, statuses, reason: str = ""
    ) -> "EmailDrafts":
        """Draft the email of each status in ``statuses`` the change may end in."""
        return self.add(
            registration,
            templates=[STATUS_EMAILS[status] for status in statuses],
            reason=reason,
        )

    def add_promotions(
        self,
        edition: Edition,
        *,
        places: int,
        exclude: Registration | None = None,
    ) -> "EmailDrafts":
        """Draft the promotion email of the first ``places`` in the waiting list, as
        it stands now (read without a lock)."""
        if places <= 0:
            return self
        queue = selectors.waitlist_queue(edition=edition).select_related(
            "user__profile"
        )
        if exclude is not None:
            queue = queue.exclude(pk=exclude.pk)
        reason = str(PROMOTION_REASON)
        for registration in queue[:places]:
            registration.edition = edition
            self.add(registration, templates=[PROMOTED], reason=reason)
        return self

    def take(
        self, registration: Registration, *, template: str, reason: str
    ) -> EmailDraft | None:
        draft = self._drafts.pop((registration.user_id, template), None)
        if draft is not None and draft.fits(
            registration, template=template, reason=reason
        ):
            return draft
        return None


PROMOTION_REASON = _("A place became available.")


def _queue_status_email(
    registration: Registration,
    *,
    template: str,
    key: str | None,
    reason: str = "",
    drafts: EmailDrafts | None = None,
) -> None:
    draft = None
    if drafts is not None:
        draft = drafts.take(registration, template=template, reason=reason)
    if draft is not None:
        email_queue_message(**draft.filled(registration), key=key)
        return
    if drafts is not None:
        # Drafting missed this one (the waiting list or the edition changed between
        # drafting and the lock): correct, but rendered while the lock is held.
        logger.info(
            "Email %s for registration %s rendered under the edition lock",
            template,
            registration.pk,
        )
    attachments = []
    if template in WITH_CALENDAR:
        attachments.append(_event_attachment(registration))
    position = None
    if registration.status == Status.WAITLISTED:
        position = selectors.waitlist_position(registration=registration)
    email_queue(
        to=registration.user.email,
        template=template,
        context=_email_context(registration, reason=reason, position=position),
        attachments=attachments,
        key=key,
    )


@transaction.atomic
def registration_confirmation_resend(*, registration: Registration) -> None:
    """Queue the confirmation email (with its calendar file) again."""
    registration = Registration.objects.select_related(
        "edition__series", "edition__venue", "user__profile"
    ).get(pk=registration.pk)
    if registration.status != Status.CONFIRMED:
        raise ValidationError(
            _("%(reference)s is not confirmed, so there is no confirmation to resend.")
            % {"reference": registration.reference}
        )
    _queue_status_email(registration, template="registration_confirmed", key=None)


@transaction.atomic
def joining_instructions_queue(*, today: dt.date | None = None) -> int:
    """Queue joining instructions to everyone confirmed for an edition starting
    within a week; each registration receives them once. Returns how many queued."""
    today = today or timezone.localdate()
    registrations = (
        Registration.objects.filter(
            status=Status.CONFIRMED,
            edition__status=Edition.Status.PUBLISHED,
            edition__start_date__gt=today,
            edition__start_date__lte=today + dt.timedelta(days=7),
        )
        .select_related("edition__series", "edition__venue", "user__profile")
        .order_by("id")
    )
    queued = 0
    for registration in registrations:
        email = email_queue(
            to=registration.user.email,
            template="registration_joining",
            context=_email_context(registration),
            key=f"registration-joining-{registration.pk}",
        )
        queued += email is not None
    return queued
