"""Registration exports name each delegate's workshops (``workshops.hooks``
answering ``collect_registration_workshops``), in a fixed number of queries, and
the export is still recorded as a personal-data access."""

import csv
import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from openpyxl import load_workbook

from delegates import selectors as delegate_selectors
from delegates.models import Registration
from delegates.privacy.models import PersonalDataAccess
from tests.factories.delegates import RegistrationFactory
from tests.workshops.helpers import first_of_each, seat
from workshops import services

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:delegates_registration_changelist"
COLUMN = [title for _key, title in delegate_selectors.EXPORT_COLUMNS].index("Workshops")


def _export(client, action, registrations):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, ACTION_CHECKBOX_NAME: [r.pk for r in registrations]},
    )


def test_csv_export_lists_each_delegates_workshops(staff_client, edition, grid):
    chosen = seat(edition, grid, 1)[0]
    without = RegistrationFactory(edition=edition)
    response = _export(staff_client, "export_csv", [chosen, without])
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_reference = {row[0]: row for row in rows[1:]}
    cell = by_reference[chosen.reference][COLUMN]
    titles = [run.workshop.title for run in [block[0] for block in grid]]
    assert [part.split(" ", 2)[2].rsplit(" (", 1)[0] for part in cell.split("; ")] == (
        titles
    )
    assert grid[0][0].room.name in cell
    assert by_reference[without.reference][COLUMN] == ""
    assert PersonalDataAccess.objects.filter(kind="export_csv").exists()


def test_xlsx_export_lists_workshops(staff_client, edition, grid):
    chosen = seat(edition, grid, 1)[0]
    response = _export(staff_client, "export_xlsx", [chosen])
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, row = [[cell.value for cell in r] for r in sheet.iter_rows()][:2]
    assert header[COLUMN] == "Workshops"
    assert grid[0][0].workshop.title in row[COLUMN]
    assert PersonalDataAccess.objects.filter(kind="export_xlsx").exists()


@pytest.mark.parametrize("count", [1, 15])
def test_export_rows_queries_do_not_grow(
    edition, grid, count, django_assert_num_queries
):
    for registration in [RegistrationFactory(edition=edition) for _ in range(count)]:
        services.workshop_choices_set(
            registration=registration, run_ids=first_of_each(grid)
        )
    queryset = Registration.objects.filter(edition=edition)
    with django_assert_num_queries(2):  # the registrations, then their workshops
        rows = delegate_selectors.export_rows(queryset=queryset)
    assert len(rows) == count
    assert all(row[COLUMN].count(";") == 3 for row in rows)
