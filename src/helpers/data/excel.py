"""Read the book's tables from an Excel workbook (``.xlsx``), one sheet per table.

A sheet named like a table (``human_blot``, ``pla_cells``, ...) holds that table:
the header in its first non-empty row, one row per record below. The workbook is
opened read-only with openpyxl and never written. Each cell is turned into the
text the CSV reader would have seen (:func:`read_sheet`) and checked by the same
schema (:func:`helpers.data.checks.check_frame`), so a workbook and a folder of CSV
files give the same table; every problem is named by *workbook, sheet, cell in A1
notation and column* (``lab.xlsx, sheet human_blot, cell I14 (column 'ptbk1')``).

What Excel really holds is handled explicitly:

* numbers stored as text are read as numbers (noted);
* percent-formatted cells are read as their stored value (``85%`` is ``0.85``; noted);
* date-formatted cells in a number or identifier column are a problem (Excel turned
  the entry into a date);
* formula cells give their cached value; a formula without one is a problem;
* error cells (``#DIV/0!``, ``#N/A``, ...) are a problem in any column;
* empty rows and columns (trailing ones included) are skipped; hidden sheets are
  read (noted); sheets that are not tables are ignored (noted).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from helpers.data.cells import Cells, Locator, column_letter
from helpers.data.problems import Correction, Problem
from helpers.data.tables import TableSpec, get_specs

#: Excel's error values, as openpyxl returns them.
EXCEL_ERRORS = ("#DIV/0!", "#VALUE!", "#N/A", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!")


@dataclass(frozen=True)
class SheetData:
    """The raw cells of one sheet: values, formulas and number formats, row by row."""

    title: str
    hidden: bool
    rows: tuple[tuple, ...]  # (value, data_type, number_format) per cell


class UnreadableWorkbook(ValueError):
    """A workbook that cannot be opened; the message says what was expected."""


class workbook_errors:  # noqa: N801 - used as a context manager, like contextlib's
    """Turn the errors of opening a damaged or forbidden workbook into :class:`UnreadableWorkbook`."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def __enter__(self):
        return self

    def __exit__(self, kind, error, trace) -> bool:
        import zipfile

        if error is None or isinstance(error, UnreadableWorkbook):
            return False
        if isinstance(error, PermissionError):
            raise UnreadableWorkbook("a workbook the validator may read (permission denied: make it readable to "
                                     "this user, e.g. chmod a+r)") from error
        if isinstance(error, zipfile.BadZipFile) or not _is_zip(self.path):
            raise UnreadableWorkbook("an .xlsx workbook (this file is not one: an .xlsx file is a zip archive; "
                                     "save the workbook again from Excel as 'Excel Workbook (.xlsx)')") from error
        if isinstance(error, Exception):
            raise UnreadableWorkbook(f"an .xlsx workbook that opens (it is damaged: {type(error).__name__}: "
                                     f"{str(error)[:120]}; save it again from Excel)") from error
        return False


def _is_zip(path: Path) -> bool:
    import zipfile

    try:
        return zipfile.is_zipfile(path)
    except OSError:
        return False


def _stamp(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path.resolve()), stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=4)
def _read_book(stamp: tuple[str, int, int]) -> dict[str, SheetData]:
    """Read every sheet's cells once (cached on path, modification time and size)."""
    from openpyxl import load_workbook

    book = load_workbook(stamp[0], read_only=True, data_only=True)
    try:
        sheets = {}
        for ws in book.worksheets:
            rows = tuple(tuple((c.value, getattr(c, "data_type", "n"), getattr(c, "number_format", "General"))
                               for c in row) for row in ws.iter_rows())
            sheets[ws.title] = SheetData(ws.title, ws.sheet_state != "visible", rows)
        return sheets
    finally:
        book.close()


@lru_cache(maxsize=4)
def _formulas(stamp: tuple[str, int, int], sheet: str) -> dict[tuple[int, int], str]:
    """Return ``{(row, column): formula}`` of one sheet (read only when a cached value is missing)."""
    from openpyxl import load_workbook

    book = load_workbook(stamp[0], read_only=True, data_only=False)
    try:
        found = {}
        for r, row in enumerate(book[sheet].iter_rows(), start=1):
            for c, cell in enumerate(row, start=1):
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    found[(r, c)] = cell.value
        return found
    finally:
        book.close()


def read_workbook(path: str | Path) -> dict[str, SheetData]:
    """Return the cells of every sheet of workbook *path* (the file is opened read-only).

    Raises :class:`UnreadableWorkbook` (one sentence) when it cannot be read.
    """
    with workbook_errors(path):
        return _read_book(_stamp(Path(path)))


def workbook_notes(path: str | Path) -> list[Correction]:
    """Return notes on the workbook as a whole: sheets that are not tables, hidden table sheets."""
    path = Path(path)
    names = set(get_specs())
    notes = []
    for title, sheet in read_workbook(path).items():
        if title not in names:
            notes.append(Correction(f"{path}, sheet {title}", None, None, None,
                                    "not one of the book's tables: sheet ignored"))
        elif sheet.hidden:
            notes.append(Correction(f"{path}, sheet {title}", None, None, None,
                                    "the sheet is hidden in Excel; read like the others"))
    return notes


def _is_date(value, number_format: str) -> bool:
    return isinstance(value, dt.datetime | dt.date | dt.time)


def _number_text(value: float | int) -> str:
    """Return the text of a stored number as the CSV reader would see it (shortest round trip)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _trim(rows: tuple[tuple, ...]) -> tuple[int, list[tuple[int, tuple]], list[int]]:
    """Return (header row number, [(row number, cells) of non-empty rows], empty rows skipped inside)."""
    numbered = [(r, row) for r, row in enumerate(rows, start=1)
                if any(v is not None and not (isinstance(v, str) and not v.strip()) for v, _, _ in row)]
    if not numbered:
        return 0, [], []
    present = {r for r, _ in numbered}
    inner_empty = [r for r in range(numbered[0][0], numbered[-1][0]) if r not in present]
    return numbered[0][0], numbered, inner_empty


def sheet_frame(path: str | Path, sheet: str, spec: TableSpec
                ) -> tuple[pd.DataFrame | None, dict[str, int], list[Problem], list[Correction], dict]:
    """Turn sheet *sheet* into text cells indexed by Excel row number.

    Returns (frame, {column name: 1-based column index}, problems, corrections,
    overrides) where *overrides* maps ``(row, column)`` to the expectation that
    replaces the schema's for that cell (dates, error values, formulas without
    a cached value).
    """
    path = Path(path)
    label = f"{path}, sheet {sheet}"
    data = read_workbook(path)[sheet]
    header_row, rows, inner_empty = _trim(data.rows)
    corrections = [Correction(label, r, None, None, "empty row skipped") for r in inner_empty]
    if not rows:
        return None, {}, [Problem(label, None, None, None, "a header row and at least one data row "
                                      "(the sheet is empty)")], corrections, {}
    header_cells = rows[0][1]
    width = max(len(row) for _, row in rows)
    columns: dict[str, int] = {}
    problems: list[Problem] = []
    for c in range(1, width + 1):
        value = header_cells[c - 1][0] if c <= len(header_cells) else None
        name = "" if value is None else str(value).strip()
        used = any(c <= len(row) and row[c - 1][0] not in (None, "") for _, row in rows[1:])
        if not name:
            if used:
                problems.append(Problem(label, header_row, None, None, f"a name for column {c} of the header",
                                            cell=f"{column_letter(c)}{header_row}"))
            continue  # trailing or unused empty columns are skipped
        if name in columns:
            problems.append(Problem(label, header_row, name, name, "each column name once in the header",
                                        cell=f"{column_letter(c)}{header_row}"))
            continue
        if name != value:
            corrections.append(Correction(label, header_row, name, value, "spaces around the column name removed",
                                              cell=f"{column_letter(c)}{header_row}"))
        columns[name] = c
    if len(rows) == 1:
        return None, columns, problems + [Problem(label, header_row + 1, None, None,
                                                      "at least one data row (the sheet has only a header)")], corrections, {}
    overrides: dict[tuple[int, str], tuple[str, str]] = {}
    missing_value: list[tuple[int, int, str]] = []
    body, index = [], []
    for r, row in rows[1:]:
        cells = []
        for name, c in columns.items():
            value, kind, number_format = row[c - 1] if c <= len(row) else (None, "n", "General")
            col = spec.column(name) if name in spec.column_names else None
            text, note, override = _cell_text(value, kind, number_format, col)
            if value is None:
                missing_value.append((r, c, name))
            if note:
                corrections.append(Correction(label, r, name, text, note, cell=f"{column_letter(c)}{r}"))
            if override:
                overrides[(r, name)] = override
            cells.append(text)
        body.append(cells)
        index.append(r)
    if missing_value:
        formulas = _formulas(_stamp(path), sheet)
        for r, c, name in missing_value:
            if (r, c) in formulas:
                overrides[(r, name)] = (formulas[(r, c)], "a value (the cell holds a formula with no saved result: "
                                        "open the workbook in Excel and save it, or paste the values)")
    frame = pd.DataFrame(body, columns=list(columns), index=pd.Index(index, name="file_row"), dtype=object)
    frame.attrs["header_row"] = header_row
    return frame, columns, problems, corrections, overrides


def _cell_text(value, kind: str, number_format: str, col) -> tuple[str, str | None, tuple[str, str] | None]:
    """Return (text, note or None, (shown value, expectation) override or None) of one cell."""
    numeric = col is not None and col.kind in ("int", "float")
    if value is None:
        return "", None, None
    if kind == "e" or (isinstance(value, str) and value.strip() in EXCEL_ERRORS):
        return str(value), None, (str(value), "a value, not an Excel error (fix the formula or enter the value)")
    if _is_date(value, number_format):
        shown = value.isoformat() if hasattr(value, "isoformat") else str(value)
        what = "a number" if numeric else "text"
        return shown, None, (shown, f"{what}, not a date (the cell is formatted as a date: format the column "
                             f"as {'Number' if numeric else 'Text'} and enter the value again)")
    if isinstance(value, bool | int | float):
        text = _number_text(value)
        if "%" in str(number_format) and numeric:
            return text, f"formatted as a percentage: read as its stored value {text}", None
        return text, None, None
    text = str(value)
    stripped = text.strip()
    note = "spaces around the value removed" if stripped != text else None
    if numeric and stripped and _parses(stripped):
        note = "number stored as text: read as the number"
    return stripped, note, None


def _parses(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def read_sheet(path: str | Path, name: str, spec: TableSpec) -> Cells:
    """Read table *name* from its sheet of workbook *path* as text cells, named by sheet and A1 cell.

    Returns :class:`~helpers.data.cells.Cells` like
    :func:`helpers.data.readers.read_file` does for a file: the frame is
    indexed by Excel row, and its locator gives the checks' problems the
    sheet's header row and cell, and leaves out what they would say about a
    cell this reader explained itself (a date, an Excel error, a formula
    without a saved result).
    """
    path = Path(path)
    label = f"{path}, sheet {name}"
    if not path.is_file():
        return Cells(None, [Problem(str(path), None, None, None, "the workbook to exist")], [], Locator(str(path)))
    if name not in read_workbook(path):
        return Cells(None, [Problem(str(path), None, None, None, f"a sheet named {name!r}")], [], Locator(str(path)))
    frame, columns, problems, corrections, overrides = sheet_frame(path, name, spec)
    if frame is None:
        return Cells(None, problems, corrections, Locator(label))
    explained = {(row, column): Problem(label, row, column, shown, expected,
                                        cell=f"{column_letter(columns[column])}{row}")
                 for (row, column), (shown, expected) in overrides.items() if column in spec.column_names}
    locator = Locator(label, columns, frame.attrs["header_row"], frozenset(explained))
    return Cells(frame, problems + list(explained.values()), corrections, locator)
