"""The registration emails' templates (queued by delegates/services/emails.py)."""

import pytest

from tests.factories.delegates import RegistrationFactory

pytestmark = pytest.mark.django_db


def test_plain_text_event_details_put_a_multiline_address_on_one_line():
    from django.template.loader import render_to_string

    registration = RegistrationFactory()
    venue = registration.edition.venue
    venue.address = "University Park\nBeeston Lane"
    text = render_to_string(
        "emails/_event_details.txt",
        {"edition": registration.edition, "venue": venue, "registration": registration},
    )
    assert "{{" not in text and "}}" not in text
    assert (
        f"Venue:     {venue.name}, University Park, Beeston Lane, {venue.town} "
        f"{venue.postcode}" in text
    )
