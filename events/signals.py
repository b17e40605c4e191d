"""Signals the events app sends, so that higher apps can react without being imported.

``edition_duplicated``: sent by the "Duplicate for next year" service inside its
transaction, with ``source`` (the original edition), ``copy`` (the new draft) and
``session_map`` ({original AgendaSession id: copied AgendaSession}).

``edition_capacity_changed``: sent inside the transaction that saved an edition whose
delegate capacity changed, with ``edition``, ``old_capacity`` and ``new_capacity``.

``agenda_session_changed``: sent inside the transaction that saved a session of a
published edition whose time, room or title changed (``events/changes.py``, which
also raised its ``sequence``), with ``session`` and ``changes`` (a list of dicts
``field``, ``label``, ``old``, ``new``, the values as people read them).
"""

from django.dispatch import Signal

edition_duplicated = Signal()
edition_capacity_changed = Signal()

# Hooks: signals whose receivers return their part of a public page, so events shows
# what a higher app holds (the workshops) without importing it. Each is asked through
# a selector in ``events.selectors`` that gathers the answers.

# ``collect_edition_links``: sent with ``edition`` for the tabs of an edition's public
# pages; each receiver returns a list of ``{"label", "url"}`` and runs no query (the
# tabs are drawn on every request).
collect_edition_links = Signal()

# ``collect_edition_programme``: sent with ``edition`` when the edition page's
# programme is rendered (once per data version, into the cached fragment); each
# receiver returns a list of HTML sections, in a fixed number of queries.
collect_edition_programme = Signal()

# ``collect_edition_speakers``: sent with ``edition``; each receiver returns the
# speakers the edition shows beyond its agenda sessions (workshop leaders), in a
# fixed number of queries.
collect_edition_speakers = Signal()

# ``collect_speaker_appearances``: sent with ``speaker`` and ``editions`` (the
# editions the visitor may see); each receiver returns a list of
# ``{"title", "url", "edition", "starts_at"}`` for the speaker's public page.
collect_speaker_appearances = Signal()
agenda_session_changed = Signal()
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
