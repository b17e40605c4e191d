"""Hooks the privacy package defines, answered by higher apps (workshops).

``personal_data_collect``: sent when a person downloads their data, with ``user``
(sender ``User``); each receiver returns a dict of sections (name -> JSON-ready
value) for the file, e.g. workshops returns the person's choices, preferences and
allocations. Called once per download.

``personal_data_erase``: sent inside the erasure transaction, before the person's
future registrations are cancelled, with ``user`` and ``registration_ids``; each
receiver removes the copies of the person it holds outside the rows kept for counts
(workshops: sign-in sheet files naming them) and returns how many it removed.

``retention_collect``: sent by the retention run with ``today`` (a date); each
receiver returns a list of ``retention.RetentionStep`` for the data it keeps, e.g.
workshops returns its sign-in sheets of editions ended long enough ago.
"""

from django.dispatch import Signal

personal_data_collect = Signal()
personal_data_erase = Signal()
retention_collect = Signal()
