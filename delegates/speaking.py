"""The delegates' answers to the speaker workflow: was this user checked in at that
edition (the slides hook)? And each download of the speakers' exports goes into the
personal-data access audit. Connected in DelegatesConfig.ready()."""

from django.dispatch import receiver

from events.speaking import signals as speaking
from events.speaking.signals import slides_attendee_check

from .badges.models import CheckIn
from .privacy import services as privacy

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
