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
agenda_session_changed = Signal()
