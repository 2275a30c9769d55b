"""Read data tables and check them against their schema, at the boundary.

Every problem names the file, the row as numbered in the file (the header is
row 1), the column, the offending value and what was expected. Files are only
read, never written. All problems of all tables are collected before anything
is reported, so one run lists everything that needs fixing.

A few harmless deviations are **corrected in memory and reported** as notes
(never written back to the file):

* a UTF-8 byte-order mark (Excel's "CSV UTF-8") is ignored;
* empty lines, and lines holding only commas (empty spreadsheet rows), are skipped;
* spaces around a header name or a value are removed (``" sALS "`` is ``sALS``).

Quoted values (``"12.5"``) and Windows line ends are plain CSV and are read as
such. Everything else that deviates is a problem: another encoding, another
delimiter, decimal commas, units written into numeric cells, missing, extra or
duplicated columns, values outside their allowed set or bounds, duplicated
keys, a unit (donor, mouse) whose attributes change between rows or tables,
and units whose defining attribute (a mouse's genotype) is given nowhere.

Run ``python -m helpers validate DATA_DIR`` (or ``make validate DATA=dir``) to
check a whole data directory; it lists every problem and exits non-zero if
there is any.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.data.problems import Correction, Problem, plain, shown
from helpers.data.readers import MAX_SHOWN
from helpers.data.sources import (
    is_workbook,
    misplaced_tables,
    source_problem,
    table_label,
    tables_present,
)
from helpers.data.tables import TableSpec, example_specs, get_spec, get_specs

#: Columns that identify a unit shared between tables, and the attribute that
#: defines the unit's group. A unit that appears in a table lacking that
#: attribute must get it from another table of the same folder.
UNIT_ATTRIBUTES: dict[str, str] = {"mouse_id": "genotype", "donor_id": "group"}


@dataclass
class ValidationReport:
    """Everything found in a data directory: problems (errors) and corrections (notes)."""

    data_source: str
    tables: list[str]
    problems: list[Problem] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    #: The book's tables the source does not hold (a note, not a problem).
    absent: list[str] = field(default_factory=list)
    #: Plausibility notes: values valid by the schema that no instrument produces.
    warnings: list = field(default_factory=list)
    #: The study the tables were checked against (:mod:`helpers.data.study`), once it is known.
    study: object = None
    #: Said when the source has no study description and the example study's design is assumed.
    study_note: str | None = None

    @property
    def ok(self) -> bool:
        """True when no problem was found (corrections alone are fine)."""
        return not self.problems

    def to_frame(self) -> pd.DataFrame:
        """Return one row per problem and correction (kind, file, row, column, value, expected)."""
        rows = [
            {"kind": "problem", "file": Path(p.file).name, "row": p.row, "column": p.column,
             "value": p.value, "expected or done": p.expected}
            for p in self.problems
        ] + [
            {"kind": "corrected", "file": Path(c.file).name, "row": c.row, "column": c.column,
             "value": c.value, "expected or done": c.action}
            for c in self.corrections
        ]
        frame = pd.DataFrame(rows, columns=["kind", "file", "row", "column", "value", "expected or done"])
        return frame.astype({"row": "Int64"})

    def text(self) -> str:
        """Return the report as console text: every problem, then every correction."""
        lines = []
        if self.problems:
            lines.append(f"{len(self.problems)} problem(s) in {self.data_source}:")
            lines += [f"  {p}" for p in self.problems]
        else:
            lines.append(f"{self.data_source}: every table matches its schema ({', '.join(self.tables)}).")
        if self.corrections:
            lines.append(f"{len(self.corrections)} correction(s) made in memory (files unchanged):")
            lines += [f"  note: {c}" for c in self.corrections]
        if self.warnings:
            lines.append(f"{len(self.warnings)} implausible value(s) (warnings, not errors; please check):")
            lines += [f"  warning: {w}" for w in self.warnings]
        if self.study_note:
            lines.append(f"note: {self.study_note}")
        if self.absent:
            lines.append("note: not in this source (chapters that need them are not built): "
                         + ", ".join(self.absent))
        return "\n".join(lines)


class DataValidationError(ValueError):
    """Raised when a data table does not satisfy its schema; lists every problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n  ".join(str(p) for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s) in the data:\n  {shown}{more}")


# --------------------------------------------------------------------------- reading


def _decode(raw: bytes, name: str) -> tuple[str | None, list[Problem], list[Correction]]:
    """Decode file bytes as UTF-8; name the encoding problem when they are not."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [Problem(name, None, None, None,
                              "UTF-8 text (this file is UTF-16, as Excel's 'Unicode Text' writes; "
                              "save it as 'CSV UTF-8')")], []
    if raw.startswith(b"PK\x03\x04"):
        return None, [Problem(name, None, None, None,
                              "a CSV text file (this is a zip archive, e.g. an Excel .xlsx workbook; "
                              "save it as 'CSV UTF-8')")], []
    if b"\x00" in raw:
        if raw.count(b"\x00") > len(raw) // 4:  # every other byte: UTF-16 (or a binary file)
            return None, [Problem(name, None, None, None,
                                  "UTF-8 text (the file holds NUL bytes: binary or UTF-16 without a "
                                  "byte-order mark)")], []
        return None, _nul_problems(raw, name), []
    corrections = []
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
        corrections.append(Correction(name, 1, None, None, "UTF-8 byte-order mark ignored"))
    try:
        return raw.decode("utf-8"), [], corrections
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        guess = raw[err.start : err.start + 1].decode("cp1252", errors="replace")
        return None, [Problem(name, line, None, f"byte 0x{raw[err.start]:02x}",
                              f"UTF-8 text (the byte reads as {guess!r} in Latin-1/Windows-1252: "
                              "save the file as 'CSV UTF-8')")], corrections


def _nul_problems(raw: bytes, name: str) -> list[Problem]:
    """Name the rows (and columns) holding a NUL byte; the header's cells name the columns."""
    header = next(csv.reader([raw.split(b"\n", 1)[0].decode("utf-8", errors="replace").rstrip("\r")]), [])
    lines = raw.split(b"\n")
    found = []
    for number, line in enumerate(lines, start=1):
        if b"\x00" not in line:
            continue
        before = line[: line.index(b"\x00")]
        k = before.count(b",")
        column = header[k].strip() if number > 1 and k < len(header) else None
        found.append(Problem(name, number, column, None,
                             "text without NUL bytes (a NUL byte, 0x00, is in this row: the file was damaged "
                             "or saved by a program that writes binary; remove it or export the table again)"))
    return found[:MAX_SHOWN]


def _quote_problem(text: str, start: int, stopped: int, name: str, err: csv.Error) -> Problem:
    """Say where a quote that CSV cannot close was opened: the first line of the record it broke."""
    lines = text.splitlines()
    line = lines[start - 1] if 0 < start <= len(lines) else ""
    header = next(csv.reader([lines[0]]), []) if lines else []
    column = None
    quote = line.find('"')
    if quote >= 0 and start > 1:
        k = line[:quote].count(",")
        column = header[k].strip() if k < len(header) else None
    total = text.count("\n") + (0 if text.endswith("\n") else 1)
    runs = "the end of the file" if stopped >= total else f"row {stopped}"
    detail = str(err)
    return Problem(name, start, column, line[:60] if line else None,
                   f"a closing quote for the quote opened on this row (the quoted value runs on to {runs}: "
                   f"{detail}); remove the stray quote or close it")


def _sniff_delimiter(header: str) -> str | None:
    """Return ';' or a tab when the header line is clearly split by it and not by commas."""
    for delimiter, _label in ((";", "semicolon"), ("\t", "tab")):
        if header.count(delimiter) >= 1 and header.count(",") == 0:
            return delimiter
    return None


def read_text_table(path: Path) -> tuple[pd.DataFrame | None, list[Problem], list[Correction]]:
    """Read *path* as a table of stripped text cells; return (frame, problems, corrections).

    The frame's index is the row number in the file (header = 1). The frame is
    ``None`` when the file cannot be read as a table at all. A ``.parquet``
    file, and well-formed CSV, are read by the columnar readers of
    :mod:`helpers.data.readers`; any other CSV line by line, so that what is
    wrong with it is named exactly.
    """
    from helpers.data import readers

    path = Path(path)
    name = str(path)
    if path.suffix.lower() == ".parquet":
        return readers.read_parquet_cells(path)
    if not path.is_file():
        return None, [Problem(name, None, None, None, "the file to exist")], []
    try:
        fast = readers.read_csv_cells(path) if path.stat().st_size else None
        if fast is not None:
            return fast
        raw = path.read_bytes()
    except PermissionError:
        return None, [Problem(name, None, None, None, readers.UNREADABLE_FILE)], []
    except OSError as err:
        return None, [Problem(name, None, None, None, f"a file that can be read ({err.strerror or err})")], []
    if not raw.strip():
        return None, [Problem(name, None, None, None, "a header row and at least one data row (file is empty)")], []
    text, problems, corrections = _decode(raw, name)
    if text is None:
        return None, problems, corrections
    first_line = text.lstrip("\r\n").splitlines()[0]
    delimiter = _sniff_delimiter(first_line)
    if delimiter is not None:
        label = "semicolons" if delimiter == ";" else "tabs"
        return None, [Problem(name, 1, None, first_line[:60],
                              f"comma-separated values (the header is split by {label}; save as CSV "
                              "with commas between cells and decimal points in numbers)")], corrections
    records: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        start = 1
        for cells in reader:
            records.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as err:
        return None, [_quote_problem(text, start, reader.line_num, name, err)], corrections
    rows = []
    for line, cells in records:
        if not cells or all(not c.strip() for c in cells):
            corrections.append(Correction(name, line, None, None, "empty line skipped"))
            continue
        rows.append((line, cells))
    if not rows:
        return None, [Problem(name, None, None, None, "a header row and at least one data row (file is empty)")], corrections
    header_line, header = rows[0]
    stripped = [h.strip() for h in header]
    for col, (old, new) in enumerate(zip(header, stripped, strict=True)):
        if old != new:
            corrections.append(Correction(name, header_line, new, old, "spaces around the column name removed"))
        if not new:
            problems.append(Problem(name, header_line, None, old, f"a name for column {col + 1} of the header"))
    if len(set(stripped)) != len(stripped):
        dups = sorted({h for h in stripped if stripped.count(h) > 1})
        problems.append(Problem(name, header_line, dups[0], ", ".join(dups), "each column name once in the header"))
    if problems:
        return None, problems, corrections
    body = []
    index = []
    ends = [line for line, _ in rows[2:]] + [None]
    for (line, cells), following in zip(rows[1:], ends[: len(rows) - 1], strict=False):
        if len(cells) != len(stripped):
            hint = " (a decimal comma, or a comma inside an unquoted text?)" if len(cells) > len(stripped) else ""
            if any("\n" in c or "\r" in c for c in cells):
                last = (following - 1) if following else text.count("\n") + 1
                hint = (f" (a quote opened on this row closes only on row {last}: check the quotes of this row)"
                        if last > line else hint)
            problems.append(Problem(name, line, None, f"{len(cells)} cells",
                                    f"{len(stripped)} cells like the header{hint}"))
            continue
        body.append(cells)
        index.append(line)
    if not body and not problems:
        return None, [Problem(name, header_line + 1, None, None, "at least one data row (file has only a header)")], corrections
    frame = pd.DataFrame(body, columns=stripped, index=pd.Index(index, name="file_row"), dtype=object)
    for col in stripped:
        padded = frame[col] != frame[col].str.strip()
        for idx in frame.index[padded][:MAX_SHOWN]:
            corrections.append(Correction(name, int(idx), col, frame.at[idx, col], "spaces around the value removed"))
        frame[col] = frame[col].str.strip()
    # Rows with a wrong number of cells are reported above; the others are still checked.
    return frame, problems, corrections


# --------------------------------------------------------------------------- checking

def _check_header(frame: pd.DataFrame, spec: TableSpec, name: str) -> list[Problem]:
    header = [str(c) for c in frame.columns]
    problems = []
    lowered = {h.lower(): h for h in header}
    for col in spec.column_names:
        if col not in header:
            hint = f" (the header has {lowered[col.lower()]!r})" if col.lower() in lowered else ""
            problems.append(Problem(name, 1, col, None, f"a column named '{col}' in the header{hint}"))
    for col in header:
        if col not in spec.column_names:
            problems.append(Problem(name, 1, col, None, "only the columns " + ", ".join(spec.column_names)))
    return problems


def check_frame(frame: pd.DataFrame, spec: TableSpec, name: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Parse and validate a table of text cells against *spec*; return (table, problems).

    *frame* holds text cells (Python or Arrow strings); its index is the row
    number in the file (as :func:`read_text_table` returns it). Columns present
    are checked even when others are missing or extra, so every problem is
    found in one pass. Every check is vectorised (:mod:`helpers.data.checks`)
    and lists at most a bounded number of rows per column and problem, with a
    count of the others.
    """
    from helpers.data import checks

    problems = _check_header(frame, spec, name)
    rows = np.asarray(frame.index, dtype=np.int64)
    texts = {c: checks.text_array(frame[c]) for c in frame.columns if c in spec.column_names}
    encoded = checks.ColumnCodes(texts)  # each column hashed once, for all the checks below
    large = len(frame) > checks.LARGE_TABLE_ROWS
    parsed, unreadable = {}, {}
    for col in spec.columns:
        if col.name not in texts:
            continue
        values, unreadable[col.name], found = checks.check_column(texts[col.name], col, rows, name)
        problems += found
        if col.kind in ("int", "float"):
            encoded.numbers[col.name] = values  # keys and unit attributes compare as numbers
        if not problems:
            parsed[col.name] = checks.to_column(texts[col.name], values, col.kind, large,
                                                encoded.of(col.name) if large and col.kind == "str" else None)
    if all(k in texts for k in spec.key):
        problems += checks.check_keys(texts, spec, rows, name, encoded)
    problems += checks.check_constant_within(texts, spec, rows, name, unreadable, encoded)
    if not problems:
        problems += checks.check_row_rules(parsed, texts, spec, rows, name)
    problems = sorted(set(problems), key=lambda p: (p.row or 0, p.column or "", p.expected))
    if problems:
        return None, problems
    return pd.DataFrame({c: parsed[c] for c in spec.column_names}, copy=False), []


def drop_unmade(frame: pd.DataFrame, spec: TableSpec, name: str) -> tuple[pd.DataFrame, list[Correction]]:
    """Drop the empty columns of measurements the study did not make; say so in a note.

    A lab whose study leaves out a measurement (a loading control of a two-colour
    blot, a motor measure it does not take) may still keep the book's column,
    empty, in its file. A column of such a measurement that holds values is left
    in place, for the header check to report.
    """
    book = get_spec(spec.name)
    unmade = [c for c in book.optional_columns if c not in spec.column_names and c in frame.columns]
    empty = [c for c in unmade if not frame[c].astype(str).str.strip().ne("").any()]
    notes = [Correction(name, 1, c, None, "empty column of a measurement the study did not make: ignored")
             for c in empty]
    return (frame.drop(columns=empty) if empty else frame), notes


def inspect_table(name: str, data_source: str | Path) -> tuple[pd.DataFrame | None, pd.DataFrame | None, list[Problem], list[Correction]]:
    """Read and check table *name*; return (parsed table, text cells, problems, corrections).

    The levels of its factor columns are those the source's study declares
    (:func:`helpers.data.study.study_of`).
    """
    from helpers.data.sources import table_file
    from helpers.data.study import study_of

    spec = study_of(data_source).spec(name)

    path = table_file(data_source, name) or Path(data_source) / spec.filename  # .csv, else .parquet
    frame, problems, corrections = read_text_table(path)
    if frame is None:
        return None, None, problems, corrections
    frame, dropped = drop_unmade(frame, spec, str(path))
    corrections += dropped
    table, more = check_frame(frame, spec, str(path))
    problems = sorted(set(problems + more), key=lambda p: (p.row or 0, p.column or "", p.expected))
    return (None if problems else table), frame, problems, corrections


def check_table(name: str, data_source: str | Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read table *name* from *data_source*; return (table or None, list of problems)."""
    table, _, problems, _ = inspect_table(name, data_source)
    return table, problems


def load_table(name: str, data_source: str | Path) -> pd.DataFrame:
    """Read and validate table *name* from *data_source*.

    Parameters
    ----------
    name : str
        Table name, e.g. ``"human_blot"`` (see :mod:`helpers.data.tables`).
    data_source : str or Path
        Folder holding the table's file, or an ``.xlsx`` workbook with a sheet
        named *name* (problems then name the sheet and the A1 cell).

    Returns
    -------
    DataFrame
        The table with columns parsed to their declared types (corrections of
        the module docstring applied in memory; the file is never changed).

    Raises
    ------
    DataValidationError
        Listing every problem with file, row, column, value and expectation.
    """
    table, _, problems, _ = inspect_source_table(name, data_source)
    if problems:
        raise DataValidationError(problems)
    return table


def load_present_tables(names: list[str], data_source: str | Path) -> dict[str, pd.DataFrame]:
    """Load those of tables *names* that the folder or workbook holds; absent ones are left out.

    A chapter that combines tables calls this and says on the page what it left
    out (:func:`helpers.report.chapter.left_out_markdown`); a table that is
    present but broken still raises :class:`DataValidationError`.
    """
    present = set(tables_present(data_source))
    return {name: load_table(name, data_source) for name in names if name in present}


# --------------------------------------------------------------------------- documentation


def schema_markdown(spec: TableSpec) -> str:
    """Return the columns of *spec* as a Markdown table (name, type, unit, valid values, meaning).

    >>> from helpers.data.tables import get_spec
    >>> schema_markdown(get_spec("human_blot")).splitlines()[0]
    '| column | type | unit | valid values | meaning |'
    """
    lines = ["| column | type | unit | valid values | meaning |", "| --- | --- | --- | --- | --- |"]
    for col in spec.columns:
        cells = [f"`{col.name}`", col.kind, col.unit, col.expectation(), col.description]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- across tables


def _short(source: Path, table: str) -> str:
    """Name a table briefly inside a message: its file name, or its sheet of a workbook."""
    return f"sheet {table}" if is_workbook(source) else get_specs()[table].filename


def _unit_attributes(spec: TableSpec, unit: str) -> tuple[str, ...]:
    """The columns of *spec* that describe one *unit*: its ``constant_within``, or every column of a table
    with one row per unit (``disease_course``: a mouse's genotype and sex)."""
    if tuple(spec.key) == (unit,):
        return tuple(c for c in spec.column_names if c != unit)
    return tuple(spec.constant_within.get(unit, ()))


def _value(spec: TableSpec, column: str, text):
    """Return a cell as it compares: a number column's cell as its number (``77`` = ``77.0``), text as text."""
    if column in spec.column_names and spec.column(column).kind in ("int", "float"):
        try:
            return float(text)
        except (TypeError, ValueError):
            return text
    return text


def check_across_tables(frames: dict[str, pd.DataFrame], data_source: Path) -> list[Problem]:
    """Check units shared between tables (see :data:`UNIT_ATTRIBUTES`).

    For every unit column (``mouse_id``, ``donor_id``): a unit's attributes
    that two tables both record (genotype, sex, ...) must agree, and a unit in
    a table that lacks the defining attribute (a mouse's genotype) must have it
    in another table of the folder.
    """
    specs = get_specs()
    problems: list[Problem] = []
    for unit, attribute in UNIT_ATTRIBUTES.items():
        holders = {t: f for t, f in frames.items() if unit in f.columns}
        known: dict[str, tuple[str, str, dict]] = {}
        for table, frame in holders.items():
            attrs = [c for c in _unit_attributes(specs[table], unit) if c in frame.columns]
            for idx, row in frame.drop_duplicates(unit).iterrows():
                values = {a: row[a] for a in attrs}
                if row[unit] not in known:
                    known[row[unit]] = (table, idx, values)
                    continue
                first_table, first_row, first_values = known[row[unit]]
                for a, v in values.items():
                    if a in first_values and _value(specs[table], a, first_values[a]) != _value(specs[table], a, v):
                        problems.append(Problem(
                            table_label(data_source, table), int(idx), a, v,
                            f"the {a} of {unit} {plain(row[unit])} given in {_short(data_source, first_table)} "
                            f"row {first_row} ({shown(first_values[a])})"))
                    elif a not in first_values:
                        first_values[a] = v
        for table, frame in holders.items():
            if attribute in frame.columns:
                continue
            have = {u for t, f in holders.items() if attribute in f.columns for u in f[unit]}
            sources = [_short(data_source, t) for t, f in holders.items() if attribute in f.columns]
            for idx, row in frame.drop_duplicates(unit).iterrows():
                if row[unit] not in have:
                    where = ", ".join(sources) if sources else "no table of this folder has one"
                    problems.append(Problem(
                        table_label(data_source, table), int(idx), unit, row[unit],
                        f"a {unit} whose {attribute} is known (not found in {where})"))
    return problems


def inspect_source_table(name: str, source: str | Path):
    """Read and check table *name* from a folder, a workbook or a descriptor; see :func:`inspect_table`."""
    from helpers.data.sources import reading_source

    source = reading_source(source)
    if is_workbook(source):
        from helpers.data.excel import inspect_sheet

        return inspect_sheet(name, source, check_frame)
    return inspect_table(name, source)


def validate_report(data_source: str | Path, tables: list[str] | None = None) -> ValidationReport:
    """Check the tables of a folder or workbook (or only *tables*) and the units they share.

    Only the tables present are checked (and across each other); the book's
    other tables are listed in ``report.absent`` as a note. A source that does
    not exist or holds none of the book's tables is a problem. Plausibility
    notes (values no instrument produces) are in ``report.warnings``.
    """
    from helpers.data.plausibility import check_plausibility

    data_source = Path(data_source)
    source_error = None if tables else source_problem(data_source)
    if tables is None and source_error is None:
        names = tables_present(data_source)
    else:
        names = list(tables or [])
    report = ValidationReport(str(data_source), names)
    if source_error is not None:
        report.problems.append(Problem(str(data_source), None, None, None, source_error))
        return report
    from helpers.data.study import StudyError, study_of

    try:
        study = study_of(data_source)
    except StudyError as err:
        report.problems.append(Problem(str(data_source), None, None, None, f"a usable study description: {err}"))
        return report
    report.study = study
    if not study.declared:
        report.study_note = (
            "no study description (datapackage.yaml) found: the example study's levels and reference "
            "levels are assumed; `make describe DATA=...` drafts one from your tables")
    from helpers.data.sources import reading_source

    data_source = reading_source(data_source)
    report.absent = [n for n in example_specs() if n not in names] if tables is None else []
    report.problems += [Problem(path, None, None, None, expected) for path, expected in misplaced_tables(data_source)]
    if is_workbook(data_source):
        from helpers.data.excel import workbook_notes

        report.corrections += workbook_notes(data_source)
    frames = {}
    for name in names:
        table, frame, problems, corrections = inspect_source_table(name, data_source)
        report.problems += problems
        report.corrections += corrections
        if frame is not None:
            frames[name] = frame
            report.rows[name] = len(frame)
        if table is not None:
            report.warnings += check_plausibility(name, table, frame, table_label(data_source, name))
    report.problems += check_across_tables(frames, data_source)
    return report


def validate_directory(data_source: str | Path, tables: list[str] | None = None) -> list[Problem]:
    """Check every table (or *tables*) present in a folder or workbook; return all problems."""
    return validate_report(data_source, tables).problems


def main(argv: list[str] | None = None) -> int:
    """Command line: validate a data directory, print every problem, exit 1 if any."""
    parser = argparse.ArgumentParser(prog="python -m helpers validate", description=__doc__.splitlines()[0])
    parser.add_argument("data_source", help="folder holding the tables (CSV), or an .xlsx workbook")
    parser.add_argument("--table", action="append", help="only this table (repeatable)")
    args = parser.parse_args(argv)
    unknown = [t for t in args.table or [] if t not in get_specs()]
    if unknown:
        print(f"unknown table(s) {', '.join(unknown)}; known: {', '.join(get_specs())}", file=sys.stderr)
        return 2
    report = validate_report(args.data_source, args.table)
    print(report.text(), file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1

