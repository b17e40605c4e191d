"""Organisers' admin: live fill, attendance lists (CSV, PDF sign-in sheets), moves,
capacity changes, allocation from ranked preferences. Every change calls a service.

Each module registers its model admins; importing them here registers them all when
Django's admin autodiscovery imports ``workshops.admin``.
"""

from . import allocations, audit, choices, programme, proposals, runs

__all__ = ["allocations", "audit", "choices", "programme", "proposals", "runs"]
