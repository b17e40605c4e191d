"""The delegates' answers to the speaker workflow: was this user checked in at that
edition (the slides hook)? Each download of the speakers' exports goes into the
personal-data access audit, and "Download my data" holds the person's speaker
profile and items. Connected in DelegatesConfig.ready()."""

from django.db.models import Prefetch
from django.dispatch import receiver

from events.models import Speaker, SubmissionSpeaker, SubmissionVersion
from events.speaking import signals as speaking
from events.speaking.signals import slides_attendee_check

from .badges.models import CheckIn
from .privacy import services as privacy
from .privacy.signals import personal_data_collect

EXPORT_KINDS = {
    speaking.EXPORT_AV_CSV: privacy.Kind.SPEAKER_AV_CSV,
    speaking.EXPORT_AV_PDF: privacy.Kind.SPEAKER_AV_PDF,
    speaking.EXPORT_ARRIVALS_CSV: privacy.Kind.SPEAKER_ARRIVALS,
}


@receiver(slides_attendee_check, dispatch_uid="delegates_slides_attendee_check")
def attended(sender, user, edition, **kwargs) -> bool:
    return CheckIn.objects.filter(
        registration__user=user, registration__edition=edition
    ).exists()


@receiver(speaking.speaker_data_exported, dispatch_uid="delegates_speaker_export_audit")
def speaker_export_audited(sender, request, export, edition, rows, **kwargs) -> None:
    privacy.personal_data_access_record(
        kind=EXPORT_KINDS[export], request=request, edition=edition, rows=rows
    )


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


DETAIL_FIELDS = [
    "title",
    "summary",
    "abstract",
    "format",
    "needs_projector",
    "microphones",
    "needs_internet",
    "av_notes",
    "accessibility_notes",
    "consent_recording",
    "consent_slides",
]


def _speaker_item(link: SubmissionSpeaker) -> dict:
    submission = link.submission
    return {
        "item": submission.working_title,
        "kind": submission.kind,
        "edition": submission.edition.title,
        "state": submission.state,
        "lead": link.is_lead,
        "arrival_date": _iso(link.arrival_date),
        "dietary_needs": link.dietary_needs,
        "access_needs": link.access_needs,
        "details": {name: getattr(submission, name) for name in DETAIL_FIELDS},
        "organisers_comment": submission.review_comment,
        "slides_uploaded_at": _iso(submission.slides_uploaded_at),
        "confirmed_at": _iso(submission.confirmed_at),
        "versions": [
            {
                "number": version.number,
                "submitted_at": _iso(version.submitted_at),
                "accepted": version.pk == submission.accepted_version_id,
                **{name: getattr(version, name) for name in DETAIL_FIELDS},
            }
            for version in submission.versions.all()
        ],
    }


@receiver(personal_data_collect, dispatch_uid="delegates_speaker_personal_data")
def collect_speaker_data(sender, *, user, **kwargs) -> dict:
    """The person's speaker profile and every item they speak at or lead, with each
    submitted version (never the organisers' reviews or internal notes), in three
    queries."""
    speaker = Speaker.objects.filter(user=user).first()
    if speaker is None:
        return {"speaker": None, "speaker_items": []}
    links = (
        SubmissionSpeaker.objects.filter(speaker=speaker)
        .select_related("submission__edition")
        .prefetch_related(
            Prefetch(
                "submission__versions",
                queryset=SubmissionVersion.objects.order_by("number"),
            )
        )
        .order_by("submission__edition__start_date", "submission_id")
    )
    return {
        "speaker": {
            "display_name": speaker.display_name,
            "post_nominals": speaker.post_nominals,
            "role": speaker.role,
            "organisation": speaker.organisation,
            "bio": speaker.bio,
            "has_photo": bool(speaker.photo),
            "may_be_named": speaker.may_be_named,
            "public_name": speaker.public_name,
        },
        "speaker_items": [_speaker_item(link) for link in links],
    }
