"""Read an uploaded customer list (xlsx or csv) into a header row and data rows.

xlsx is read with openpyxl in read-only, values-only mode, so 50,000 rows stream
through in little memory. Two things that mode hides are looked for separately:

- Formula cells: the value shown is the one Excel cached when it last saved the file.
  A formula without a cached value (a file written by a script, never opened in
  Excel) would read as an empty cell; such cells are errors, found by a second
  read-only pass that is made only when the sheet holds formulas at all.
- Merged cells: read-only mode does not expose merged ranges, so the sheet's XML is
  scanned for them. A merged range over data rows leaves every cell but its first
  empty; rather than guess (fill down? leave empty?), each such cell is an error
  asking to unmerge and fill it.

Anything that is not a readable xlsx or csv, an empty file or one over
NETBILL_IMPORT_MAX_BYTES is refused with a clear message (ImportFileError).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from netbill.core.exceptions import BusinessRuleError

__all__ = ["ImportFileError", "Table", "max_bytes", "read_table", "too_big"]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MERGE_RE = re.compile(rb'<mergeCell[^>]*\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


class ImportFileError(BusinessRuleError):
    """The file cannot be read as a customer list."""


def max_bytes() -> int:
    return int(getattr(settings, "NETBILL_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def too_big(size: int) -> str | None:
    """The message for a file of `size` bytes over the limit, or None."""
    from django.template.defaultfilters import filesizeformat

    limit = max_bytes()
    if size <= limit:
        return None
    return _("The file is %(size)s; the limit is %(limit)s.") % {
        "size": filesizeformat(size),
        "limit": filesizeformat(limit),
    }


@dataclass
class Table:
    """The header cells, the data rows (lists of cell values, padded to the header's
    width), their row numbers in the sheet, and errors found on cells while reading
    (sheet row → column index → message)."""

    headers: list[str]
    rows: list[list]
    row_numbers: list[int]
    cell_errors: dict[int, dict[int, str]] = field(default_factory=dict)


def _column_index(letters: bytes) -> int:
    n = 0
    for c in letters:
        n = n * 26 + (c - 64)
    return n - 1


def _cell_text(value) -> str:
    return "" if value is None else " ".join(str(value).split())


def _blank(row) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def read_table(data: bytes, filename: str) -> Table:
    """The first sheet of an xlsx, or a csv (UTF-8, with or without BOM)."""
    message = too_big(len(data))
    if message:
        raise ImportFileError(message)
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    name = (filename or "").lower()
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        if not name.endswith(".xlsx"):
            raise ImportFileError(_("Upload an .xlsx or .csv file."))
        table = _read_xlsx(data)
    elif name.endswith(".csv"):
        table = _read_csv(data)
    else:
        raise ImportFileError(
            _("Upload an .xlsx or .csv file (old .xls files: save them as .xlsx first).")
        )
    if not any(h for h in table.headers):
        raise ImportFileError(_("The first row must hold the column headers."))
    if not table.rows:
        raise ImportFileError(_("The file has headers but no customers."))
    return table


def _read_csv(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("Save the csv as UTF-8 (Excel: “CSV UTF-8”).")) from exc
    if "\x00" in text:
        raise ImportFileError(_("This is not a csv file."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        all_rows = list(reader)
    except csv.Error as exc:
        raise ImportFileError(_("The csv file is broken: %(error)s") % {"error": exc}) from exc
    return _table(enumerate(all_rows, start=1), {})


def _table(numbered_rows, cell_errors) -> Table:
    headers = None
    rows, numbers = [], []
    for number, row in numbered_rows:
        row = list(row)
        if headers is None:
            if _blank(row):
                continue
            headers = [_cell_text(v) for v in row]
            while headers and not headers[-1]:
                headers.pop()
            continue
        if _blank(row):
            continue
        width = len(headers)
        row = (row + [None] * width)[:width]
        rows.append([v.strip() if isinstance(v, str) else v for v in row])
        numbers.append(number)
    if headers is None:
        raise ImportFileError(_("The file is empty."))
    kept = set(numbers)
    return Table(
        headers=headers,
        rows=rows,
        row_numbers=numbers,
        cell_errors={r: e for r, e in cell_errors.items() if r in kept},
    )


def _read_xlsx(data: bytes) -> Table:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise ImportFileError(
            _("The file cannot be read as an Excel workbook (.xlsx); is it damaged?")
        ) from exc
    try:
        if not book.worksheets:
            raise ImportFileError(_("The workbook has no sheet."))
        sheet = book.worksheets[0]
        sheet_xml = getattr(sheet, "_worksheet_path", None)
        try:
            values = [list(r) for r in sheet.iter_rows(values_only=True)]
        except Exception as exc:  # noqa: BLE001
            raise ImportFileError(
                _("The file cannot be read as an Excel workbook (.xlsx); is it damaged?")
            ) from exc
    finally:
        book.close()
    cell_errors: dict[int, dict[int, str]] = {}
    merged, has_formulas = _scan_sheet_xml(data, sheet_xml)
    for col1, row1, col2, row2 in merged:
        for r in range(row1, row2 + 1):
            for c in range(col1, col2 + 1):
                if (r, c) != (row1, col1):
                    cell_errors.setdefault(r, {})[c] = _(
                        "Part of merged cells: unmerge them and fill every cell."
                    )
    if has_formulas:
        for r, c in _formulas_without_value(data, values):
            cell_errors.setdefault(r, {})[c] = _(
                "A formula without a saved value: open the file in Excel, save it, and "
                "upload it again (or paste the values)."
            )
    return _table(enumerate(values, start=1), cell_errors)


def _scan_sheet_xml(data: bytes, path: str | None):
    """Merged ranges (0-based columns, 1-based rows) and whether any formula is there,
    by scanning the first sheet's XML in chunks (it may be large)."""
    if not path:
        return [], True
    merged, has_formulas, tail = [], False, b""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(path.lstrip("/")) as xml:
            while chunk := xml.read(1 << 20):
                window = tail + chunk
                if not has_formulas and (b"<f>" in window or b"<f " in window):
                    has_formulas = True
                tail = window[-256:]
                if b"<mergeCell" in window:
                    merged.extend(MERGE_RE.findall(window))
    except (KeyError, zipfile.BadZipFile):
        return [], True
    ranges = set()
    for c1, r1, c2, r2 in merged:
        c2, r2 = c2 or c1, r2 or r1
        ranges.add((_column_index(c1), int(r1), _column_index(c2), int(r2)))
    return sorted(ranges), has_formulas


def _formulas_without_value(data: bytes, values):
    """Cells that hold a formula but read as empty (no cached value)."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        sheet = book.worksheets[0]
        for r, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cached = values[r - 1] if r - 1 < len(values) else []
            for c, value in enumerate(row):
                formula = isinstance(value, str) and value.startswith("=")
                if formula and (c >= len(cached) or cached[c] is None):
                    yield r, c
    finally:
        book.close()
