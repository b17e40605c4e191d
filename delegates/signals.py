"""Signals the delegates app sends, so that higher apps (workshops) can react.

``registration_status_changed``: sent inside the transaction of every status change,
with ``registration``, ``from_status`` and ``to_status`` (e.g. a cancellation frees
workshop seats; a confirmation after the workshop deadline opens a 72-hour window).

``collect_agenda_items``: sent when building a delegate's personal agenda (.ics and
dashboard), with ``registration``; each receiver returns a list of dicts with keys
``starts_at``, ``ends_at``, ``title``, ``location``, ``description``, ``uid``.
"""

from django.dispatch import Signal

registration_status_changed = Signal()
collect_agenda_items = Signal()
