"""Delegates in the admin: people (accounts, profiles, trusted domains, seats) and
registrations (actions calling the services, exports, the catering summary).

The badges admin is imported last, after the events and delegates admins are
registered, so its print actions can be added to EditionAdmin and RegistrationAdmin
without the events app knowing about badges; the messages admin adds "Write to
selected" to RegistrationAdmin the same way.
"""

from . import people, registrations, substitutions

# isort: split
from ..badges import admin as badges_admin
from ..messages import admin as messages_admin

__all__ = [
    "badges_admin",
    "messages_admin",
    "people",
    "registrations",
    "substitutions",
]
