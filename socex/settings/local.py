"""Local development: the embedded default (SQLite, eager tasks, emails as files)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
