"""Badge receivers: connected from DelegatesConfig.ready().

A registration that becomes confirmed gets its badge row from the status change itself
(``services.transitions._transition`` writes it in its one round trip, and the badge is
rendered after commit, with no email of its own: the confirmation points to My SOCEX);
here, one that stops being confirmed loses its check-in; a profile edit re-renders the
badges of that person's confirmed registrations (the content hash skips those whose
printed text did not change),
emailed only when an organiser made the edit (``changed_by_organiser``, set by the
admin).
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from ..models import Profile, Registration
from ..signals import registration_status_changed
from . import tasks  # noqa: F401  (registers the Celery tasks with the worker)
from .services import badge_schedule_render, check_in_undo


@receiver(registration_status_changed, dispatch_uid="badges_undo_check_in")
def undo_check_in_when_unconfirmed(
    sender, registration, from_status, to_status, **kwargs
):
    """A registration that stops being confirmed is no longer checked in."""
    if from_status == Registration.Status.CONFIRMED and to_status != from_status:
        check_in_undo(registration=registration)


@receiver(post_save, sender=Profile, dispatch_uid="badges_on_profile_save")
def rerender_badges_for_profile(sender, instance, created, raw=False, **kwargs):
    if raw or created:
        return
    notify = getattr(instance, "changed_by_organiser", False)
    for registration in Registration.objects.filter(
        user_id=instance.user_id, status=Registration.Status.CONFIRMED
    ):
        badge_schedule_render(registration=registration, notify=notify)
