"""PDF sign-in sheets rendered by a real worker (``workshops.services.sheets``)."""

import pytest

from tests.factories.events import EditionFactory
from tests.factories.workshops import (
    workshop_grid,
)
from tests.workshops.helpers import seat
from workshops import services
from workshops.models import (
    SignInSheet,
)

pytestmark = pytest.mark.django_db


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_sign_in_sheet_rendered_by_real_worker(celery_redis_worker):
    import time

    edition = EditionFactory()
    grid = workshop_grid(edition)
    seat(edition, grid, 1)
    services.sign_in_sheet_request(run=grid[0][0])
    deadline = time.monotonic() + 60
    sheet = SignInSheet.objects.get(run=grid[0][0])
    working = (SignInSheet.Status.PENDING, SignInSheet.Status.RENDERING)
    while sheet.status in working and time.monotonic() < deadline:
        time.sleep(0.2)
        sheet.refresh_from_db()
    assert sheet.status == SignInSheet.Status.READY
    with sheet.file.open("rb") as fh:
        assert fh.read(5) == b"%PDF-"
