"""Signals of the speaker workflow, for apps above events.

``submission_accepted``: sent inside the transaction of ``submission_accept`` with
``submission`` and ``version`` (the accepted ``SubmissionVersion``), after the agenda
session (if any) took the accepted details. The workshops app copies them into the
workshop linked to the submission (title, summary, facilitators).

``submission_withdrawn``: sent inside the transaction of ``submission_withdraw`` with
``submission``; the workshops app takes the withdrawn speakers off the workshop.

``slides_attendee_check`` (hook): asked by the slides download with ``user`` and
``edition``; a receiver returns True when the user was checked in at that edition
(the delegates app answers).

``speaker_data_exported``: sent by the organisers' speaker exports (the AV needs
CSV and PDF, the arrivals, dietary and access CSV) before the file is returned, with
``request``, ``export`` (one of ``EXPORT_*`` below), ``edition`` and ``rows``. They
hold speakers' personal data: the delegates app records each download in its
personal-data access audit (``delegates.privacy.PersonalDataAccess``).
"""

from django.dispatch import Signal

submission_accepted = Signal()
submission_withdrawn = Signal()
slides_attendee_check = Signal()
speaker_data_exported = Signal()

EXPORT_AV_CSV = "av_csv"
EXPORT_AV_PDF = "av_pdf"
EXPORT_ARRIVALS_CSV = "arrivals_csv"
