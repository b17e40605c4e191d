"""Signals the delegates app sends, so that higher apps (workshops) can react or
contribute; a higher app connects its receivers in its ``AppConfig.ready()``.

Notifications:

``registration_status_changed``: sent inside the transaction of every status change,
with ``registration``, ``from_status`` and ``to_status`` (e.g. a cancellation frees
workshop seats; a confirmation after the workshop deadline opens a 72-hour window).
``services.transitions._transition`` lists every receiver's effect.

Hooks (each receiver returns its part of the answer):

``collect_agenda_items``: sent when building a delegate's personal agenda (.ics and
dashboard), with ``registration``; each receiver returns a list of dicts with keys
``starts_at``, ``ends_at``, ``title``, ``location``, ``description``, ``uid``.

``collect_badge_workshops``: sent when badges are rendered or a badge is scanned at
the door, once for many, with ``registrations`` (a list); each receiver returns a
dict {registration id: [rows]}, a row being a dict with keys ``starts_at``,
``ends_at`` (aware datetimes), ``title`` and ``room`` (strings, ``room`` may be "").
A receiver answers in a fixed number of queries however many registrations it is
given (a 400-badge print job asks per chunk, not per badge). Gathered by
``badges.selectors.badge_workshops``.

``collect_dashboard_panels``: sent once per My SOCEX page, with ``request`` and
``registrations`` (the user's, as shown); each receiver returns a dict
{registration id: HTML} of the panel shown in that registration's card, already
rendered (a safe string, as ``render_to_string`` returns; a plain string is
escaped). It should not cost more queries than the panels it shows. Gathered by
``selectors.dashboard_panels``.

``collect_edition_dashboard`` (bulk): sent once per edition dashboard in the admin,
with ``edition``; each receiver returns a dict of the figures it adds. Workshops
answers ``{"workshop_runs": [row, ...]}``, a row being a dict with keys ``workshop``,
``block``, ``room`` (strings, ``room`` may be ""), ``starts_at`` (aware datetime),
``capacity``, ``seats_taken`` and ``room_capacity`` (ints, ``room_capacity`` may
be None). A receiver answers in a fixed number of queries however many delegates
the edition has. Gathered by ``delegates.dashboard.selectors.edition_dashboard``.
"""

from django.dispatch import Signal

registration_status_changed = Signal()
collect_agenda_items = Signal()
collect_badge_workshops = Signal()
collect_dashboard_panels = Signal()
collect_edition_dashboard = Signal()
