"""Writes of the speaker workflow: every state change of a speaker item, its
invitations, the speaker's profile, slides and the deadline reminders. Callers use
``from events.speaking import services``; the code lives by domain in ``common``,
``invitations``, ``items`` and ``reminders``.

States: invited -> draft -> submitted -> accepted, or changes_requested ->
resubmitted -> accepted; accepted -> confirmed; any -> withdrawn. After acceptance
the details are locked until an organiser reopens them or asks for a change.
"""

from .common import PROFILE_FIELDS, REQUIRED_FOR_SUBMIT, REVIEWABLE
from .invitations import (
    invitation_claim,
    invitation_create,
    invitation_is_for,
    invitation_refusal,
    invitation_resend,
    invitation_revoke,
    speaker_for_user,
)
from .items import (
    session_publish,
    speaker_profile_save,
    submission_accept,
    submission_confirm,
    submission_copresenters_lock,
    submission_create,
    submission_details_save,
    submission_reopen,
    submission_request_changes,
    submission_slides_upload,
    submission_submit,
    submission_withdraw,
)
from .reminders import speaker_reminders_send

__all__ = [
    "PROFILE_FIELDS",
    "REQUIRED_FOR_SUBMIT",
    "REVIEWABLE",
    "invitation_claim",
    "invitation_is_for",
    "invitation_create",
    "invitation_refusal",
    "invitation_resend",
    "invitation_revoke",
    "session_publish",
    "speaker_for_user",
    "speaker_profile_save",
    "speaker_reminders_send",
    "submission_accept",
    "submission_confirm",
    "submission_copresenters_lock",
    "submission_create",
    "submission_details_save",
    "submission_reopen",
    "submission_request_changes",
    "submission_slides_upload",
    "submission_submit",
    "submission_withdraw",
]
