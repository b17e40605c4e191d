"""What an edition's changes mean for its registrations: capacity, the waiting
list, and the trusted domains a copy inherits."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from events.models import Edition

from ..models import Registration, TrustedDomain, User
from .emails import EmailDrafts
from .seats import _lock_edition, _places_now
from .transitions import _promote


@transaction.atomic
def edition_capacity_apply(*, edition: Edition) -> list[Registration]:
    """React to a saved change of ``edition.capacity``: refuse a capacity below the
    confirmed delegates (rolling back the caller's save), else fill new places from
    the waiting list in order (each promotion with the effects of a status change)."""
    locked, seats = _lock_edition(edition.pk)
    if locked.capacity < seats.confirmed:
        raise ValidationError(
            _(
                "%(edition)s already has %(confirmed)d confirmed delegates, so its "
                "capacity cannot be %(capacity)d. Cancel or decline registrations "
                "first, or choose a capacity of at least %(confirmed)d."
            )
            % {
                "edition": locked.title,
                "confirmed": seats.confirmed,
                "capacity": locked.capacity,
            }
        )
    return _promote(locked, seats)


@transaction.atomic
def waitlist_promote(
    *, edition: Edition, actor: User | None = None
) -> list[Registration]:
    """Fill free places from the waiting list, in order; returns those promoted.
    Their emails are drafted before the lock."""
    drafts = EmailDrafts().add_promotions(edition, places=_places_now(edition).places)
    edition, seats = _lock_edition(edition.pk)
    return _promote(edition, seats, actor=actor, drafts=drafts)


@transaction.atomic
def trusted_domains_copy(*, source: Edition, target: Edition) -> int:
    """Give ``target`` the trusted email domains of ``source`` (those it lacks);
    returns how many were added."""
    have = set(
        TrustedDomain.objects.filter(edition=target).values_list("domain", flat=True)
    )
    added = TrustedDomain.objects.bulk_create(
        [
            TrustedDomain(edition=target, domain=domain)
            for domain in TrustedDomain.objects.filter(edition=source)
            .order_by("domain")
            .values_list("domain", flat=True)
            if domain not in have
        ]
    )
    return len(added)
