"""The delegates' answer to the speaker workflow's slides hook: was this user
checked in at that edition? Connected in DelegatesConfig.ready()."""

from django.dispatch import receiver

from events.speaking.signals import slides_attendee_check

from .badges.models import CheckIn


@receiver(slides_attendee_check, dispatch_uid="delegates_slides_attendee_check")
def attended(sender, user, edition, **kwargs) -> bool:
    return CheckIn.objects.filter(
        registration__user=user, registration__edition=edition
    ).exists()
