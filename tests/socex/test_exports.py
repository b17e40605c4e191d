import csv
import io

from socex.exports import csv_response, spreadsheet_safe


def test_spreadsheet_safe_quotes_cells_that_start_like_formulas():
    assert (
        spreadsheet_safe('=HYPERLINK("http://evil")') == '\'=HYPERLINK("http://evil")'
    )
    assert spreadsheet_safe("+44 20 7946 0000") == "'+44 20 7946 0000"
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_safe("West Midlands Police") == "West Midlands Police"
    assert spreadsheet_safe(None) == ""
    assert spreadsheet_safe(42) == "42"


def test_csv_response_is_an_excel_friendly_attachment():
    response = csv_response(
        filename="delegates.csv",
        header=["Name", "Organisation"],
        rows=[["Zoë Ångström", "=cmd|' /C calc'!A0"]],
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="delegates.csv"'
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [["Name", "Organisation"], ["Zoë Ångström", "'=cmd|' /C calc'!A0"]]
