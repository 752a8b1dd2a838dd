"""Writing rows to CSV (UTF-8 with a BOM, so Excel reads Arabic) or XLSX (right to left for Arabic).

A cell that a spreadsheet would run as a formula (=, +, -, @ …) is written with a leading apostrophe,
except numbers and phone numbers such as +966501234567.
"""
import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER_LIKE = re.compile(r"^[+-]?[\d\s.,]+$")

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def safe(value):
    """A cell value a spreadsheet shows as text, never runs."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal, date, datetime)):
        return value
    text = str(value)
    if text.startswith(FORMULA_START) and not NUMBER_LIKE.match(text):
        return "'" + text
    return text


def to_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe(h) for h in headers])
    for row in rows:
        writer.writerow([_plain(safe(v)) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _plain(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence], title: str, rtl: bool) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.sheet_view.rightToLeft = rtl
    bold = Font(bold=True)
    from openpyxl.cell import WriteOnlyCell

    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=safe(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_xlsx_value(safe(v)) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # shown in Riyadh time already; Excel has no time zones
    if isinstance(value, Decimal):
        return float(value)
    return value


def _sheet_title(title: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", title).strip()
    return (cleaned or "Sheet")[:31]
