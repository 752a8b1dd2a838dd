"""Reading an uploaded sheet: CSV (UTF-8, or Windows Arabic cp1256) or XLSX, header row first."""
import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from flask_babel import lazy_gettext as _l

FORMATS = {".csv": "csv", ".xlsx": "xlsx"}


class SheetError(ValueError):
    """The file cannot be read as a sheet; the message is shown to the person."""


def detect_format(filename: str, head: bytes) -> str:
    fmt = FORMATS.get(Path(filename or "").suffix.lower())
    if fmt == "xlsx" and not head.startswith(b"PK"):
        fmt = None
    if fmt is None:
        raise SheetError(_l("Upload a CSV file or an Excel workbook (.xlsx)."))
    return fmt


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an ID number or a mobile Excel stored as a number
    return str(value).strip()


def _csv_text(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1256"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SheetError(_l("The file is not readable text (save it as CSV UTF-8)."))


def rows(path: Path, fmt: str) -> Iterator[list[str]]:
    """Every row of the first sheet as text cells, the header row first; blank rows included (numbering)."""
    if fmt == "csv":
        text = _csv_text(path)
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        for row in csv.reader(io.StringIO(text), dialect):
            yield [_cell(v) for v in row]
        return
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise SheetError(_l("The workbook cannot be read: save it again as .xlsx.")) from exc
    try:
        for row in book.worksheets[0].iter_rows(values_only=True):
            yield [_cell(v) for v in row]
    finally:
        book.close()


def header_and_count(path: Path, fmt: str) -> tuple[list[str], int]:
    """The header row and the number of data rows (blank rows at the end not counted)."""
    iterator = rows(path, fmt)
    header = next(iterator, None)
    if not header or not any(header):
        raise SheetError(_l("The first row must hold the column names."))
    count = last = 0
    for row in iterator:
        count += 1
        if any(row):
            last = count
    if not last:
        raise SheetError(_l("The sheet has no rows under its column names."))
    return header, last
