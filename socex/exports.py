"""Spreadsheet exports shared by every app: CSV downloads safe to open in Excel.

Delegates type their own names and organisations, so a cell that starts like a formula
(``=``, ``+``, ``-``, ``@``) is prefixed with a quote before it reaches a spreadsheet
(CSV injection).
"""

import csv
from collections.abc import Iterable

from django.http import HttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str:
    """``value`` as text that a spreadsheet shows and never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_response(
    *, filename: str, header: Iterable[str], rows: Iterable[Iterable]
) -> HttpResponse:
    """A CSV attachment (UTF-8 with a byte-order mark, so Excel reads names right)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    return response
