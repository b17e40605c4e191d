"""Every change to a delegate's profile or registration happens here.

By domain: ``profiles`` (the delegate's details), ``registrations`` (a registration's
life), ``transitions`` (the one status change and the waiting list, with every effect
it has in this app and the apps above), ``seats`` (locks and the places counter),
``editions`` (what an edition's changes mean for its registrations), ``emails`` and
``substitutions`` (a place passed to a colleague).

Capacity rule: any change that may confirm or free a delegate place first locks the
edition row, then its ``EditionSeats`` row (always in that order, so two transactions
never deadlock), re-reads the state under the lock, and keeps ``EditionSeats.confirmed``
in step; the seats row's check constraint is the database's last word on overbooking.
Each status change writes a ``RegistrationStatusChange``, sends
``registration_status_changed`` and queues the delegate's email, all in the same
transaction.
"""

from .editions import edition_capacity_apply, trusted_domains_copy, waitlist_promote
from .emails import joining_instructions_queue, registration_confirmation_resend
from .profiles import PROFILE_FIELDS, profile_save
from .registrations import (
    decline_reason_clean,
    registration_approve,
    registration_cancel,
    registration_create,
    registration_decline,
    registration_waitlist,
)
from .substitutions import (
    substitution_accept,
    substitution_approve,
    substitution_cancel,
    substitution_decline,
    substitution_nominate,
)

__all__ = [
    "PROFILE_FIELDS",
    "decline_reason_clean",
    "edition_capacity_apply",
    "joining_instructions_queue",
    "profile_save",
    "registration_approve",
    "registration_cancel",
    "registration_confirmation_resend",
    "registration_create",
    "registration_decline",
    "registration_waitlist",
    "substitution_accept",
    "substitution_approve",
    "substitution_cancel",
    "substitution_decline",
    "substitution_nominate",
    "trusted_domains_copy",
    "waitlist_promote",
]
