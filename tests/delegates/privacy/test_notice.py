"""The privacy notice states the periods the settings hold."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _retention_text(client) -> str:
    page = client.get(reverse("privacy")).content.decode()
    section = page.split('id="retention"', 1)[1].split("<h2", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", "", section).split())


def test_notice_states_the_default_periods(client, settings):
    text = _retention_text(client)
    assert (
        f"deleted {settings.PRIVACY_BADGE_FILES_DAYS_AFTER_EVENT} days after the "
        "conference ends" in text
    )
    assert f"kept for {settings.PRIVACY_REGISTRATION_YEARS} years after" in text


def test_notice_follows_changed_settings(client, settings):
    settings.PRIVACY_BADGE_FILES_DAYS_AFTER_EVENT = 3
    settings.PRIVACY_SIGN_IN_SHEETS_DAYS_AFTER_EVENT = 45
    settings.PRIVACY_REGISTRATION_YEARS = 1
    settings.OUTBOX_BODY_RETENTION_DAYS = 9
    text = _retention_text(client)
    assert "print runs are deleted 3 days after the conference ends" in text
    assert "sign-in sheets are deleted 45 days after the conference ends" in text
    assert "kept for 1 year after the last conference" in text
    assert "attachments, are deleted 9 days after they were written" in text
    assert "two years" not in text
