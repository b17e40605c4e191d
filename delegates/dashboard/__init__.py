"""The edition dashboard in the admin: an edition at a glance (the admin's home shows
the current editions' cards; each edition has its own page). Workshops adds its
figures through the ``collect_edition_dashboard`` hook (``delegates.signals``)."""
