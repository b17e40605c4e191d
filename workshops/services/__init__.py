"""Every change to workshops, seats, preferences and allocations happens here.

Callers use ``from workshops import services`` and ``services.<name>``; the code lives
by domain:

- ``seats``: the registration and run locks and the seat counters (how a save stays
  fast while hundreds of delegates contend for the same runs);
- ``choices``: a delegate's live choices, ranked preferences and late-choice window;
- ``organiser``: runs added, moved, resized and deleted by hand, and delegates moved;
- ``allocations``: the exact allocation from ranked preferences and its publication;
- ``sheets``: the PDF sign-in sheets (rendered by a Celery task);
- ``copying``: the workshops part of duplicating an edition;
- ``proposals``: proposals answering a call, blind reviews, acceptance.
"""

from .allocations import allocation_publish, allocation_run
from .choices import (
    LATE_WINDOW,
    choice_window_open,
    workshop_choices_pass,
    workshop_choices_release,
    workshop_choices_set,
    workshop_preferences_set,
)
from .copying import workshops_copy
from .organiser import (
    UNCHANGED,
    workshop_choice_move,
    workshop_run_capacity_set,
    workshop_run_capacity_validate,
    workshop_run_create,
    workshop_run_delete,
    workshop_run_delete_validate,
    workshop_run_update,
    workshop_runs_rooms_move,
)
from .proposals import (
    co_leaders_parse,
    co_leaders_text,
    proposal_accept,
    proposal_decline,
    proposal_review,
    proposal_submit,
    proposal_update,
)
from .sheets import (
    edition_sign_in_sheets_render,
    edition_sign_in_sheets_request,
    sign_in_sheet_render,
    sign_in_sheet_request,
)

__all__ = [
    "UNCHANGED",
    "LATE_WINDOW",
    "allocation_publish",
    "allocation_run",
    "choice_window_open",
    "co_leaders_parse",
    "co_leaders_text",
    "proposal_accept",
    "proposal_decline",
    "proposal_review",
    "proposal_submit",
    "proposal_update",
    "edition_sign_in_sheets_render",
    "edition_sign_in_sheets_request",
    "sign_in_sheet_render",
    "sign_in_sheet_request",
    "workshop_choice_move",
    "workshop_choices_pass",
    "workshop_choices_release",
    "workshop_choices_set",
    "workshop_preferences_set",
    "workshop_run_capacity_set",
    "workshop_run_capacity_validate",
    "workshop_run_create",
    "workshop_run_delete",
    "workshop_run_delete_validate",
    "workshop_run_update",
    "workshop_runs_rooms_move",
    "workshops_copy",
]
