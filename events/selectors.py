"""Reads shared by the public pages, the feeds and the admin."""

import itertools
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from events.models import (
    AgendaSession,
    Edition,
    EditionPartner,
    Series,
    SessionSpeaker,
    Speaker,
    Submission,
    Venue,
)
from events.signals import (
    collect_edition_links,
    collect_edition_programme,
    collect_edition_speakers,
    collect_speaker_appearances,
)
from socex.db import compiled_query, model_columns, model_from_row

PUBLIC_STATUSES = (Edition.Status.PUBLISHED, Edition.Status.ARCHIVED)


def editions_visible(*, user=None) -> QuerySet[Edition]:
    """Editions a user may see: public ones, and drafts too for staff."""
    editions = Edition.objects.select_related("series", "venue")
    if user is not None and user.is_active and user.is_staff:
        return editions
    return editions.filter(status__in=PUBLIC_STATUSES)


@compiled_query(warm=[{"slug": ""}])
def _edition_row(*, slug):
    return (
        Edition.objects.filter(slug=slug)
        .exclude(status=Edition.Status.DRAFT)
        .values(
            *model_columns(Edition),
            *model_columns(Series, "series__"),
            *model_columns(Venue, "venue__"),
        )
    )


def edition_get_not_draft(*, slug: str) -> Edition:
    """The edition at ``slug`` unless a draft, with its series and venue, or 404:
    one query compiled once per process (the registration form's, a burst's
    first read)."""
    rows = _edition_row(slug=slug)
    if not rows:
        raise Http404("No such edition")
    edition = model_from_row(Edition, rows[0])
    for name, model in (("series", Series), ("venue", Venue)):
        Edition._meta.get_field(name).set_cached_value(
            edition, model_from_row(model, rows[0], f"{name}__")
        )
    return edition


def edition_get(*, slug: str, user=None) -> Edition:
    """The edition at ``slug``, or 404 (drafts are 404 for everyone but staff)."""
    edition = editions_visible(user=user).filter(slug=slug).first()
    if edition is None:
        raise Http404("No such edition")
    return edition


def sessions_for(*, edition: Edition) -> QuerySet[AgendaSession]:
    """The edition's agenda in time order, with rooms and ordered speakers."""
    return (
        AgendaSession.objects.filter(edition=edition)
        .select_related("room")
        .prefetch_related(
            Prefetch(
                "sessionspeaker_set",
                queryset=SessionSpeaker.objects.select_related("speaker").order_by(
                    "order", "id"
                ),
                to_attr="speaker_links",
            )
        )
        .order_by("starts_at", "room__name", "id")
    )


@dataclass
class Slot:
    starts_at: object
    ends_at: object
    sessions: list = field(default_factory=list)


@dataclass
class Day:
    date: object
    slots: list = field(default_factory=list)


def agenda_days(*, sessions: list[AgendaSession]) -> list[Day]:
    """Group sessions by local day, then by start time (parallel sessions share a
    slot), ready for a timeline that stacks on a phone."""
    days = []
    local = timezone.localtime
    for date, day_sessions in itertools.groupby(
        sessions, key=lambda s: local(s.starts_at).date()
    ):
        day = Day(date=date)
        for starts_at, slot_sessions in itertools.groupby(
            day_sessions, key=lambda s: s.starts_at
        ):
            slot_sessions = list(slot_sessions)
            day.slots.append(
                Slot(
                    starts_at=starts_at,
                    ends_at=max(s.ends_at for s in slot_sessions),
                    sessions=slot_sessions,
                )
            )
        days.append(day)
    return days


def _answers(signal, **kwargs) -> list:
    """Every receiver's list of answers to a hook, in one list."""
    return [
        item
        for _receiver, items in signal.send(sender=Edition, **kwargs)
        for item in items
    ]


def edition_links(*, edition: Edition) -> list[dict]:
    """The extra tabs of an edition's public pages (e.g. its workshops), no query."""
    return _answers(collect_edition_links, edition=edition)


def edition_programme_sections(*, edition: Edition) -> list[SafeString]:
    """The HTML sections other apps add to the edition page (e.g. its workshops)."""
    # bandit: the receivers return their own autoescaping templates' output.
    return [
        mark_safe(html)  # noqa: S308 # nosec B308 B703
        for html in _answers(collect_edition_programme, edition=edition)
    ]


def speakers_for(
    *, sessions: list[AgendaSession], edition: Edition | None = None
) -> list[Speaker]:
    """The distinct speakers of these sessions (and, given ``edition``, those other
    apps add, such as workshop leaders), named ones first by name, with the unnamed
    ("to be confirmed") last."""
    seen = {}
    for session in sessions:
        for link in session.speaker_links:
            seen.setdefault(link.speaker_id, link.speaker)
    if edition is not None:
        for speaker in _answers(collect_edition_speakers, edition=edition):
            seen.setdefault(speaker.pk, speaker)
    return sorted(
        seen.values(), key=lambda s: (not s.may_be_named, s.display_name.lower())
    )


def partners_for(*, edition: Edition) -> list[EditionPartner]:
    return list(
        EditionPartner.objects.filter(edition=edition)
        .select_related("partner")
        .order_by("order", "id")
    )


@dataclass
class SeriesOverview:
    series: Series
    next_edition: Edition | None
    past_editions: list


def home_overview(*, user=None) -> list[SeriesOverview]:
    """For each series: its next edition (not yet ended) and its past editions."""
    today = timezone.localdate()
    series_list = list(Series.objects.all())
    editions = list(editions_visible(user=user).order_by("start_date"))
    overview = []
    for series in series_list:
        own = [e for e in editions if e.series_id == series.pk]
        upcoming = [
            e
            for e in own
            if e.end_date >= today and e.status != Edition.Status.ARCHIVED
        ]
        past = [e for e in own if e not in upcoming]
        overview.append(
            SeriesOverview(
                series=series,
                next_edition=upcoming[0] if upcoming else None,
                past_editions=list(reversed(past)),
            )
        )
    return overview


def venue_get(*, slug: str, user=None) -> Venue:
    """A venue, public once one of its editions is public (staff see all)."""
    venue = Venue.objects.filter(slug=slug).prefetch_related("rooms").first()
    if venue is None:
        raise Http404("No such venue")
    if not editions_visible(user=user).filter(venue=venue).exists():
        raise Http404("No such venue")
    return venue


def speaker_get(
    *, slug: str, user=None
) -> tuple[Speaker, list[AgendaSession], list[dict]]:
    """A named speaker, their sessions in visible editions and what else they lead
    there (workshops, from ``collect_speaker_appearances``), or 404.

    A speaker who may not be named has no public page (the slug would name them).
    """
    speaker = Speaker.objects.filter(slug=slug).first()
    staff = user is not None and user.is_active and user.is_staff
    if speaker is None or (not speaker.may_be_named and not staff):
        raise Http404("No such speaker")
    visible = editions_visible(user=user)
    sessions = list(
        AgendaSession.objects.filter(speakers=speaker, edition__in=visible)
        .select_related("edition", "room")
        .order_by("-starts_at")
    )
    appearances = _answers(
        collect_speaker_appearances, speaker=speaker, editions=visible
    )
    if not sessions and not appearances and not staff:
        raise Http404("No such speaker")
    return speaker, sessions, appearances


def speaker_photo_get(*, name: str, user=None) -> Speaker:
    """The speaker whose photo is stored as ``name``, if the user may see it: anyone
    for a speaker who may be named, only staff who may view speakers and the speaker
    themself otherwise; else 404 (the same answer as a photo that does not exist)."""
    speaker = Speaker.objects.filter(photo=name).exclude(photo="").first()
    if speaker is None:
        raise Http404("No such photo")
    if speaker.may_be_named:
        return speaker
    if user is not None and user.is_active:
        if user.is_staff and user.has_perm("events.view_speaker"):
            return speaker
        if speaker.user_id is not None and speaker.user_id == user.pk:
            return speaker
    raise Http404("No such photo")


# Sessions that need a named speaker on the programme.
SPEAKER_SESSION_KINDS = (
    AgendaSession.Kind.KEYNOTE,
    AgendaSession.Kind.PLENARY,
    AgendaSession.Kind.PANEL,
)


@dataclass
class SpeakerDetailsMissing:
    """What the programme still lacks about its speakers."""

    sessions_without_speakers: list[AgendaSession]
    speakers_without_bio: list[Speaker]
    speakers_without_photo: list[Speaker]
    items_awaiting_speakers: list = field(default_factory=list)

    @property
    def total(self) -> int:
        """Items to chase: each session without a speaker, each missing detail."""
        return (
            len(self.sessions_without_speakers)
            + len(self.speakers_without_bio)
            + len(self.speakers_without_photo)
            + len(self.items_awaiting_speakers)
        )


def speaker_details_missing(edition: Edition) -> SpeakerDetailsMissing:
    """Keynotes, plenaries and panels of ``edition`` without a speaker, its speakers
    without a biography or a photo, and the speaker items whose details the speakers
    still owe (invited, in draft, or asked for changes): three queries."""
    sessions = list(
        AgendaSession.objects.filter(
            edition=edition, kind__in=SPEAKER_SESSION_KINDS, speakers__isnull=True
        ).order_by("starts_at", "id")
    )
    speakers = list(
        Speaker.objects.filter(sessions__edition=edition)
        .filter(Q(bio="") | Q(photo=""))
        .distinct()
        .order_by("display_name", "id")
    )
    return SpeakerDetailsMissing(
        sessions_without_speakers=sessions,
        speakers_without_bio=[speaker for speaker in speakers if not speaker.bio],
        speakers_without_photo=[speaker for speaker in speakers if not speaker.photo],
        items_awaiting_speakers=list(
            Submission.objects.filter(
                edition=edition,
                state__in=(
                    Submission.State.INVITED,
                    Submission.State.DRAFT,
                    Submission.State.CHANGES_REQUESTED,
                ),
            ).order_by("working_title", "id")
        ),
    )
