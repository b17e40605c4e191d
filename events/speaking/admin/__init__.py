"""The organisers' side of the speaker workflow: the programme view per edition
(every item, its state, last change and what is missing, filterable), the review page
with the version diff, invitations, AV and arrival lists, deadlines and reminders.

Every decision goes through ``events.speaking.services``; accepting needs
``events.accept_submission`` (organisers), reviewing ``events.review_submission``.

Split by subject: ``submissions`` (the programme view and review), ``exports`` (AV and
arrivals lists), ``invitations`` (invitations, deadlines, reminders).
"""

from . import exports, invitations, submissions  # noqa: F401  (registers the admins)
