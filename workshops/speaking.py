"""Workshops and the speaker workflow: a workshop's leaders submit its details as an
``events.Submission``; acceptance writes the accepted version into the workshop.

Connected in WorkshopsConfig.ready() (events cannot import workshops).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.utils.translation import gettext as _

from events.models import Submission
from events.speaking import services as speaking
from events.speaking.signals import submission_accepted, submission_withdrawn

from .models import Workshop


@receiver(submission_accepted, dispatch_uid="workshops_submission_accepted")
def on_submission_accepted(sender, submission, version, **kwargs):
    """The workshop takes the accepted title and summary; its leaders become its
    facilitators. A title another workshop of the edition has refuses the accept."""
    workshop = (
        Workshop.objects.select_for_update().filter(submission=submission).first()
    )
    if workshop is None:
        return
    clash = (
        Workshop.objects.filter(edition_id=workshop.edition_id, title=version.title)
        .exclude(pk=workshop.pk)
        .exists()
    )
    if clash:
        raise ValidationError(
            _(
                "Another workshop of this edition is called “%(title)s”: ask the "
                "leaders for another title."
            )
            % {"title": version.title}
        )
    workshop.title = version.title
    workshop.summary = version.summary
    workshop.save(update_fields=["title", "summary"])
    workshop.facilitators.add(
        *submission.speaker_links.values_list("speaker_id", flat=True)
    )


@receiver(submission_withdrawn, dispatch_uid="workshops_submission_withdrawn")
def on_submission_withdrawn(sender, submission, **kwargs):
    """Withdrawn leaders are no longer the workshop's facilitators."""
    workshop = Workshop.objects.filter(submission=submission).first()
    if workshop is not None:
        workshop.facilitators.remove(
            *submission.speaker_links.values_list("speaker_id", flat=True)
        )


@transaction.atomic
def workshop_speaker_item_open(*, workshop: Workshop, actor=None) -> Submission:
    """Open the speaker item of a workshop (to invite its leaders), once."""
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if workshop.submission_id:
        raise ValidationError(_("This workshop already has a speaker item."))
    submission = speaking.submission_create(
        edition=workshop.edition,
        kind=Submission.Kind.WORKSHOP,
        working_title=workshop.title,
        actor=actor,
    )
    workshop.submission = submission
    workshop.save(update_fields=["submission"])
    return submission
