"""Elective workshops: time blocks, workshops and their runs, delegates' choices,
ranked preferences, allocations, proposals, sign-in sheets and the organisers'
audit trail. The models live in modules by subject; import them from here."""

from .choices import (
    Allocation,
    AllocationAssignment,
    ChoiceWindow,
    WorkshopAuditEntry,
    WorkshopChoice,
    WorkshopPreference,
)
from .programme import TimeBlock, Workshop, WorkshopRun, WorkshopSettings
from .proposals import ProposalReview, WorkshopCall, WorkshopProposal
from .sheets import EditionSignInSheets, SignInSheet

__all__ = [
    "WorkshopSettings",
    "TimeBlock",
    "Workshop",
    "WorkshopRun",
    "WorkshopChoice",
    "WorkshopPreference",
    "ChoiceWindow",
    "Allocation",
    "AllocationAssignment",
    "WorkshopAuditEntry",
    "WorkshopCall",
    "WorkshopProposal",
    "ProposalReview",
    "SignInSheet",
    "EditionSignInSheets",
]
