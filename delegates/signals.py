"""Signals the delegates app sends, so that higher apps (workshops) can react or
contribute; a higher app connects its receivers in its ``AppConfig.ready()``.

Notifications:

``registration_status_changed``: sent inside the transaction of every status change,
with ``registration``, ``from_status`` and ``to_status`` (e.g. a cancellation frees
workshop seats; a confirmation after the workshop deadline opens a 72-hour window).
``services.transitions._transition`` lists every receiver's effect. It also carries
``prepared``: a dict the same change filled in before it took the edition's lock
(see ``registration_change_prepare``), or ``{}``.

``registration_substituted``: sent inside the transaction that passes a place to a
colleague (``services.substitutions``), after both status changes, with
``registration`` (the old one, now ``substituted``), ``new_registration`` (the
colleague's, confirmed), ``pass_workshops`` and ``actor``. The old registration's
``registration_status_changed`` to ``substituted`` is sent too, but receivers leave
its workshop seats to this signal (``workshops.receivers`` moves them to the new
registration, or releases them).

Hooks (each receiver returns its part of the answer):

``registration_change_prepare``: sent by a new registration before it takes the
edition's lock, with ``edition`` and ``prepared`` (a dict). A receiver that would
read something under the lock in ``registration_status_changed`` may read it now
and store it in ``prepared`` under a key of its own; it then reads it back from the
``prepared`` that signal carries, and reads it itself when the key is missing. What
it stores must not be something the lock decides (it is read as last committed).

``collect_agenda_items``: sent when building a delegate's personal agenda (.ics and
dashboard), with ``registration``; each receiver returns a list of dicts with keys
``starts_at``, ``ends_at``, ``title``, ``location``, ``description``, ``uid`` and
``sequence`` (raised on each change, so calendars replace the entry).

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

``collect_message_audiences``: sent when an organiser composes a message, with
``editions`` (a list); each receiver returns a list of dicts with keys
``edition_id``, ``run_id`` and ``label``: the workshop runs whose attendees can be
written to, in one query for all editions. Gathered by
``messages.selectors.run_audiences``.

``collect_message_recipients``: sent with ``edition``, ``audience`` (``"workshop_run"``
or ``"speakers"``) and ``run_id``; each receiver returns a dict with
``registration_ids`` (for a run: its attendees) and ``speaker_user_ids`` (for a run:
its workshop's facilitators; for ``"speakers"``: every facilitator of the edition's
published workshops) that have an account. Used by messages to delegates and by the
agenda-change digest (``messages.selectors``).
``collect_registration_workshops``: sent once per export, with ``registrations`` (a
list); each receiver returns a dict {registration id: text} naming the workshops
each holds, in time order (one line for a spreadsheet cell), in a fixed number of
queries. Gathered by ``selectors.export_rows``.

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
registration_change_prepare = Signal()
collect_agenda_items = Signal()
collect_badge_workshops = Signal()
collect_dashboard_panels = Signal()
collect_message_audiences = Signal()
collect_message_recipients = Signal()
registration_substituted = Signal()
collect_registration_workshops = Signal()
collect_edition_dashboard = Signal()
