"""Reactions to other apps' signals: connected from DelegatesConfig.ready()."""

from django.dispatch import receiver
from django.utils import timezone

from events.signals import (
    agenda_session_changed,
    edition_capacity_changed,
    edition_duplicated,
)

from . import services
from .messages import digest
from .models import Registration, Substitution
from .signals import registration_status_changed


@receiver(edition_capacity_changed, dispatch_uid="delegates_promote_on_capacity")
def promote_on_capacity_change(sender, *, edition, old_capacity, new_capacity, **kw):
    """A rise in capacity fills the new places from the waiting list, in order; a
    capacity below the confirmed delegates raises ValidationError (the save rolls
    back)."""
    services.edition_capacity_apply(edition=edition)


@receiver(edition_duplicated, dispatch_uid="delegates_copy_trusted_domains")
def copy_trusted_domains(sender, *, source, copy, session_map, **kw):
    """Next year's edition vets against the same trusted domains."""
    services.trusted_domains_copy(source=source, target=copy)


@receiver(agenda_session_changed, dispatch_uid="delegates_agenda_session_changed")
def record_agenda_session_change(sender, *, session, changes, **kw):
    """A published session's time, room or title changed: the digest tells its
    edition's confirmed delegates and its speakers, a few minutes later."""
    digest.agenda_change_record(
        edition=session.edition,
        kind=digest.AgendaChange.Kind.SESSION,
        object_id=session.pk,
        title=session.title,
        changes=changes,
    )


@receiver(registration_status_changed, dispatch_uid="delegates_end_nominations")
def end_nominations(sender, *, registration, from_status, to_status, **kw):
    """A place that is no longer confirmed (cancelled, declined, waitlisted) cannot
    pass: its pending nomination is withdrawn, so the link says so."""
    if not from_status or to_status in (
        Registration.Status.CONFIRMED,
        Registration.Status.SUBSTITUTED,
    ):
        return  # a new registration has no nomination; a confirmed one keeps it
    Substitution.objects.filter(
        registration=registration, status__in=Substitution.PENDING
    ).update(
        status=Substitution.Status.CANCELLED,
        reason=str(Registration.Status(to_status).label),
        decided_at=timezone.now(),
    )
