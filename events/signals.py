"""Signals the events app sends, so that higher apps can react without being imported.

``edition_duplicated``: sent by the "Duplicate for next year" service inside its
transaction, with ``source`` (the original edition), ``copy`` (the new draft) and
``session_map`` ({original AgendaSession id: copied AgendaSession}).

``edition_capacity_changed``: sent inside the transaction that saved an edition whose
delegate capacity changed, with ``edition``, ``old_capacity`` and ``new_capacity``.
"""

from django.dispatch import Signal

edition_duplicated = Signal()
edition_capacity_changed = Signal()

# Hook: sent by ``AgendaSession.clean`` with ``room_id``, ``starts_at``, ``ends_at``
# and ``session`` (the session checked, maybe unsaved); each receiver returns a list
# of dicts with keys ``title``, ``starts_at``, ``ends_at``: what else the room holds
# in that time (``workshops.hooks``: its runs, not those of ``session``'s own block).
collect_room_bookings = Signal()

# Hook: sent by ``services.edition_venue_plan`` with ``edition`` and ``venue``;
# each receiver returns a list of dicts with keys ``kind``, ``title``,
# ``starts_at`` and ``room`` (a ``Room`` not at ``venue``): what it holds of the
# edition at rooms of another venue (``workshops.hooks``: the runs).
collect_room_uses = Signal()

# Sent by ``services.edition_venue_change`` inside its transaction, after the
# sessions moved, with ``edition`` (at its new venue), ``room_map`` ({old room id:
# new Room or None}) and ``actor``; a receiver moves what it holds at those rooms
# and raises ValidationError to refuse (the whole change rolls back).
edition_rooms_moved = Signal()
