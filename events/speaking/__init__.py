"""Speakers' own side of the programme: invitations, the speaker portal at /speak/,
the submission workflow with its versions, reviews, reminders and slides.

Models live in ``events.speaking.models`` (imported by ``events.models``, so they
belong to the events app); writes in ``services``, reads in ``selectors``.
"""
