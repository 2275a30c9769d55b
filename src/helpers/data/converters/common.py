"""What every converter shares: problems, reading text or .xlsx exports, numbers, ranges, finishing.

An export is read as rows of text cells numbered as in the file (the first
line is row 1; in a workbook, the sheet's row number). Comma-, semicolon- and
tab-separated text in UTF-8, UTF-16 or Windows-1252 with any line ends, and
the first sheet of an ``.xlsx`` workbook, are read. The header is the first row
holding every required column (any of its documented alternative names); rows
above it (titles, dates, image names that some programs write first) are
skipped and reported as a note.

Numbers are parsed with the conventions of the file, and each deviation from
plain ``1234.5`` is reported as a correction, once per column: thousands
separators (``"15,234"``), decimal commas in semicolon-separated exports from a
non-English Excel (``1,5``), or both (``15.234,5``).
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.data.tables import TableSpec
from helpers.data.validate import Correction, Problem, check_frame

#: A required column: one name, or a tuple of documented alternative names.
Wanted = str | tuple[str, ...]


class ConversionError(ValueError):
    """An export or sample sheet cannot be converted; lists every problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the input:\n  " + "\n  ".join(map(str, problems)))


class Conversion(tuple):
    """``(table, problems)``, as every converter returns, with the ``notes`` (corrections, warnings) attached.

    Unpacks like the pair it is (``table, problems = convert_...``); ``.notes``
    lists what was corrected or is worth knowing (a pixel size read as metres,
    an image without cells) and never stops a conversion.
    """

    def __new__(cls, table, problems, notes=()):
        obj = super().__new__(cls, (table, list(problems)))
        obj.notes = list(notes)
        return obj

    @property
    def table(self):
        return self[0]

    @property
    def problems(self) -> list[Problem]:
        return self[1]


@dataclass
class Export:
    """An export read as text: the table under the header, and what was found on the way."""

    frame: pd.DataFrame | None
    problems: list[Problem] = field(default_factory=list)
    notes: list[Correction] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # first alternative -> name used in the file
    decimal: str = "."
    header_row: int | None = None


def names_of(wanted: Wanted) -> tuple[str, ...]:
    return (wanted,) if isinstance(wanted, str) else tuple(wanted)


def pick_name(columns, wanted: Wanted) -> str | None:
    """Return the first of the alternative names of *wanted* that is among *columns*."""
    return next((n for n in names_of(wanted) if n in columns), None)


def spelled(wanted: Wanted) -> str:
    return " or ".join(repr(n) for n in names_of(wanted))


# --------------------------------------------------------------------------- reading rows


def _decode(raw: bytes, name: str, notes: list[Correction]) -> str:
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):
            return raw.decode(codec).lstrip("\ufeff")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        notes.append(Correction(name, None, None, None, "not UTF-8: read as Windows-1252 (Latin-1)"))
        return raw.decode("cp1252")


def read_rows(path: Path) -> tuple[list[tuple[int, list[str]]] | None, str, list[Problem], list[Correction]]:
    """Read *path* as rows of stripped text cells; return (rows, delimiter, problems, notes).

    ``rows`` holds ``(row number in the file, cells)`` for every non-empty row;
    ``delimiter`` is ``"xlsx"`` for a workbook.
    """
    name = str(path)
    notes: list[Correction] = []
    if not path.is_file():
        return None, ",", [Problem(name, None, None, None, "the export file to exist")], notes
    raw = path.read_bytes()
    if raw.startswith(b"PK\x03\x04") or path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_workbook(path, notes)
    if not raw.strip():
        return None, ",", [Problem(name, None, None, None, "an export with a header and data rows (file is empty)")], notes
    text = _decode(raw, name, notes)
    lines = text.splitlines()
    sample = [line for line in lines[:200] if line.strip()]
    tabs, semis = sum(line.count("\t") for line in sample), sum(line.count(";") for line in sample)
    commas = sum(line.count(",") for line in sample)
    delimiter = "\t" if tabs and tabs >= max(semis, 1) else (";" if semis > commas else ",")
    rows = []
    try:
        for number, cells in enumerate(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter), start=1):
            if any(c.strip() for c in cells):
                rows.append((number, [c.strip() for c in cells]))
    except csv.Error as err:
        return None, delimiter, [Problem(name, None, None, None, f"well-formed delimited text ({err})")], notes
    if delimiter == ";":
        notes.append(Correction(name, None, None, None,
                                "semicolon-separated (a non-English Excel): decimal commas read as decimal points"))
    return rows, delimiter, [], notes


def _read_workbook(path: Path, notes: list[Correction]) -> tuple[list | None, str, list[Problem], list[Correction]]:
    name = str(path)
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=str, engine="openpyxl")
    except ImportError:
        return None, "xlsx", [Problem(name, None, None, None, "openpyxl installed, to read .xlsx workbooks")], notes
    except Exception as err:  # noqa: BLE001 - any unreadable workbook is a problem, not a traceback
        return None, "xlsx", [Problem(name, None, None, None, f"a readable .xlsx workbook ({type(err).__name__}: {err})")], notes
    if not sheets:
        return None, "xlsx", [Problem(name, None, None, None, "a workbook with at least one sheet")], notes
    title, sheet = next(iter(sheets.items()))
    if len(sheets) > 1:
        notes.append(Correction(name, None, None, title, f"first of {len(sheets)} sheets read"))
    rows = []
    for index, values in sheet.iterrows():
        cells = ["" if pd.isna(v) else str(v).strip() for v in values]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            rows.append((int(index) + 1, cells))
    return rows, "xlsx", [], notes


def find_header(rows: list[tuple[int, list[str]]], required: tuple[Wanted, ...]) -> int | None:
    """Return the position in *rows* of the first row holding every required column."""
    for position, (_, cells) in enumerate(rows):
        if all(pick_name(cells, w) for w in required):
            return position
    return None


def read_export(path: str | Path, required: tuple[Wanted, ...], what: str = "export",
                allow_repeats: bool = False) -> Export:
    """Read an export whose header holds every *required* column (alternatives allowed).

    The frame holds text cells indexed by the row number in the file. A header
    naming a column twice is a problem unless *allow_repeats* (the caller then
    reads blocks from ``Export.frame`` by position).
    """
    path = Path(path)
    name = str(path)
    rows, delimiter, problems, notes = read_rows(path)
    if rows is None:
        return Export(None, problems, notes)
    position = find_header(rows, required)
    if position is None:
        wanted = "; ".join(spelled(w) for w in required)
        return Export(None, [Problem(name, None, None, None, f"a header row of an {what} with the columns {wanted}")],
                      notes)
    header_row, header = rows[position]
    if position:
        notes.append(Correction(name, header_row, None, None, f"{position} line(s) above the header skipped"))
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated and not allow_repeats:
        return Export(None, [Problem(name, header_row, repeated[0], ", ".join(repeated),
                                     "each column name once in the header")], notes)
    width = len(header)
    body, index = [], []
    for number, cells in rows[position + 1 :]:
        body.append((cells + [""] * width)[:width])
        index.append(number)
    frame = pd.DataFrame(body, columns=header, index=pd.Index(index, name="file_row"), dtype=object)
    names = {names_of(w)[0]: pick_name(header, w) for w in required}
    return Export(frame, [], notes, names, "," if delimiter == ";" else ".", header_row)


# --------------------------------------------------------------------------- numbers and ranges

_THOUSANDS = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?")
_DECIMAL_COMMA = re.compile(r"[-+]?\d*,\d+")
_BOTH = re.compile(r"[-+]?\d{1,3}(\.\d{3})+,\d+")


def numbers(frame: pd.DataFrame, column: str, name: str, expected: str, notes: list[Correction],
            decimal: str = ".", allow_empty: bool = False) -> tuple[pd.Series, list[Problem]]:
    """Parse *column* as numbers; report cells that are not one, note locale corrections once per column.

    *decimal* is ``","`` for semicolon-separated exports (decimal commas);
    otherwise ``"15,234"`` is read as a number with thousands separators.
    """
    text = frame[column].astype(str).str.strip()
    cleaned = text.str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    fixed = pd.Series(False, index=frame.index)
    if decimal == ",":
        both = cleaned.str.fullmatch(_BOTH.pattern)
        comma = cleaned.str.fullmatch(_DECIMAL_COMMA.pattern)
        fixed = both | comma
        cleaned = cleaned.where(~both, cleaned.str.replace(".", "", regex=False))
        cleaned = cleaned.where(~fixed, cleaned.str.replace(",", ".", regex=False))
        action = "decimal comma read as a decimal point"
    else:
        fixed = cleaned.str.fullmatch(_THOUSANDS.pattern)
        cleaned = cleaned.where(~fixed, cleaned.str.replace(",", "", regex=False))
        action = "thousands separators removed"
    values = pd.to_numeric(cleaned.where(~cleaned.str.lower().isin({"", "nan", "n/a", "na"})), errors="coerce")
    if fixed.any():
        first = fixed.idxmax()
        notes.append(Correction(name, int(first), column, text[first],
                                f"{action} in {int(fixed.sum())} cell(s) (read as {values[first]:g})"))
    finite = values.map(lambda v: pd.notna(v) and math.isfinite(v))
    bad = ~finite & ~(allow_empty & (text == ""))
    problems = [Problem(name, int(i), column, text[i], expected) for i in frame.index[bad]]
    return values, problems


def out_of_range(values: pd.Series, name: str, column: str, low: float, high: float, what: str, unit: str,
                 shown: pd.Series | None = None, hint: str = "") -> list[Problem]:
    """Problems for finite *values* outside [low, high] (*unit* stated), one per row."""
    shown = values if shown is None else shown
    off = values.notna() & ((values < low) | (values > high))
    return [Problem(name, int(i), column, f"{shown[i]:g}" if not isinstance(shown[i], str) else shown[i],
                    f"{what} between {low:g} and {high:g} {unit}{hint}") for i in values.index[off]]


# --------------------------------------------------------------------------- sample sheets and the result


def read_sheet(path: Path, required: tuple[str, ...], what: str = "sample sheet") -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a sample sheet written by the user (plain CSV, checked like a book table)."""
    from helpers.data.validate import read_text_table

    frame, problems, _ = read_text_table(Path(path))
    if frame is None:
        return None, problems
    missing = [c for c in required if c not in frame.columns]
    problems += [Problem(str(path), 1, c, None, f"a column named '{c}' in the {what}") for c in missing]
    return (None if missing else frame), problems


def finish(frame: pd.DataFrame, spec: TableSpec, name: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Put *frame* in the book's format (text cells, spec column order) and check it against the schema.

    The levels of factor columns are those of the study described beside the
    sample sheet *name* (a ``datapackage.yaml`` in its folder), else the example study's.
    """
    from helpers.data.study import study_of

    spec = study_of(Path(name).parent).spec(spec.name)
    text = frame[spec.column_names].copy()
    for col in spec.columns:
        if col.kind == "float":
            text[col.name] = text[col.name].map(lambda v: format(float(v), ".10g") if not isinstance(v, str) else v)
        text[col.name] = text[col.name].astype(str)
    table, problems = check_frame(text, spec, f"{name} (converted {spec.filename})")
    return (text.reset_index(drop=True) if table is not None else None), problems
