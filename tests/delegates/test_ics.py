"""The delegate's personal calendar (delegates/ics.py)."""

import pytest
from django.urls import reverse

from tests.factories.delegates import RegistrationFactory
from tests.factories.events import AgendaSessionFactory

pytestmark = pytest.mark.django_db


def test_personal_and_public_calendars_share_session_uids(client):
    from icalendar import Calendar

    registration = RegistrationFactory()
    session = AgendaSessionFactory(edition=registration.edition, title="Keynote")
    client.force_login(registration.user)

    def uids(url):
        calendar = Calendar.from_ical(client.get(url).content)
        return {str(event["uid"]) for event in calendar.walk("VEVENT")}

    personal = uids(
        reverse("delegates:agenda_ics", kwargs={"reference": registration.reference})
    )
    public = uids(reverse("events:edition_ics", kwargs={"slug": session.edition.slug}))
    assert personal == public == {f"socex-session-{session.pk}@127.0.0.1"}
