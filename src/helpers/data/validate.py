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

A table takes one path, each step visited once: the source is opened
(:func:`helpers.data.sources.open_source`: folder, workbook or descriptor,
its kind decided there), read by the reader of its format
(:func:`helpers.data.readers.read_file` for CSV and Parquet,
:func:`helpers.data.excel.read_sheet` for a sheet), each giving text cells
and the locator that names a cell, then checked
(:func:`helpers.data.checks.check_frame`). :func:`read_table` composes them.

Run ``python -m helpers validate DATA_DIR`` (or ``make validate DATA=dir``) to
check a whole data directory; it lists every problem and exits non-zero if
there is any.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.data.cells import Cells
from helpers.data.checks import check_frame, drop_unmade, sorted_problems
from helpers.data.problems import Correction, Problem, plain, shown
from helpers.data.readers import read_file, read_text_table
from helpers.data.sources import DataSource, misplaced_tables, open_source, source_problem
from helpers.data.tables import TableSpec, example_specs, get_specs

#: What this module gives its callers besides its own functions (the types of a check's findings, the
#: reader of a file and the check of a frame of text cells, as the converters use them).
__all__ = ["Correction", "Problem", "check_frame", "read_text_table", "CheckedTable", "ValidationReport",
           "DataValidationError", "read_cells", "read_table", "check_table", "load_table", "load_present_tables",
           "schema_markdown", "check_across_tables", "validate_report", "validate_directory", "main"]

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

    def results(self) -> pd.DataFrame:
        """Return what was checked and found as a results table (``ResultsLedger.record``), one count a row.

        ``n_tables`` (tables read), ``n_rows`` (their data rows), ``n_problems``
        and ``n_corrections`` (deviations corrected in memory), each over the
        rows checked.

        >>> report = ValidationReport("d", ["a", "b"], rows={"a": 3, "b": 5})
        >>> report.results()[["key", "value", "n", "unit"]].values.tolist()
        [['n_tables', 2, 8, 'tables'], ['n_rows', 8, 8, 'rows'], ['n_problems', 0, 8, 'problems'], \
['n_corrections', 0, 8, 'notes']]
        """
        n_rows = sum(self.rows.values())
        rows = [("n_tables", len(self.rows), "tables", "tables checked"),
                ("n_rows", n_rows, "rows", "data rows checked in all tables"),
                ("n_problems", len(self.problems), "problems", "problems found in the data folder"),
                ("n_corrections", len(self.corrections), "notes", "deviations corrected in memory (files unchanged)")]
        return pd.DataFrame([{"key": key, "value": value, "n": n_rows, "n_unit": "rows", "unit": unit,
                              "method": "helpers.data.validate.validate_report", "description": description,
                              "digits": 0} for key, value, unit, description in rows])

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


# --------------------------------------------------------------------------- one table: source -> reader -> checks


@dataclass(frozen=True)
class CheckedTable:
    """One table read and checked: the parsed table (None if any problem), its text cells and the findings."""

    table: pd.DataFrame | None
    cells: pd.DataFrame | None
    problems: list[Problem]
    corrections: list[Correction]


def read_table(source: DataSource, name: str) -> CheckedTable:
    """Read table *name* from *source* with the reader of its format, then check it against its schema.

    The schema is the one the source's study declares
    (:func:`helpers.data.study.study_of`): its levels, and the measurements it
    made. Every problem names the file (or workbook and sheet), the row (or A1
    cell), the column and what was expected.
    """
    spec = source.study.spec(name)
    read = read_cells(source, name, spec)
    if read.frame is None:
        return CheckedTable(None, None, read.problems, read.corrections)
    frame, dropped = drop_unmade(read.frame, spec, read.locator)
    table, found = check_frame(frame, spec, read.locator)
    problems = sorted_problems(read.problems + found)
    return CheckedTable(None if problems else table, frame, problems, read.corrections + dropped)


def read_cells(source: DataSource, name: str, spec: TableSpec) -> Cells:
    """Read the text cells of table *name*: a sheet of the source's workbook, else its CSV or Parquet file."""
    if source.workbook is not None:
        from helpers.data.excel import read_sheet

        return read_sheet(source.workbook, name, spec)
    return read_file(source.file(name))


def check_table(name: str, data_source: str | Path | DataSource) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read table *name* from *data_source*; return (table or None, list of problems)."""
    checked = read_table(open_source(data_source), name)
    return checked.table, checked.problems


def load_table(name: str, data_source: str | Path | DataSource) -> pd.DataFrame:
    """Read and validate table *name* from *data_source*.

    Parameters
    ----------
    name : str
        Table name, e.g. ``"human_blot"`` (see :mod:`helpers.data.tables`).
    data_source : str, Path or DataSource
        Folder holding the table's file, an ``.xlsx`` workbook with a sheet
        named *name* (problems then name the sheet and the A1 cell), or a study
        descriptor naming the table's file or sheet.

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
    checked = read_table(open_source(data_source), name)
    if checked.problems:
        raise DataValidationError(checked.problems)
    return checked.table


def load_present_tables(names: list[str], data_source: str | Path | DataSource) -> dict[str, pd.DataFrame]:
    """Load those of tables *names* that the folder or workbook holds; absent ones are left out.

    A chapter that combines tables calls this and says on the page what it left
    out (:func:`helpers.report.chapter.left_out_markdown`); a table that is
    present but broken still raises :class:`DataValidationError`.
    """
    source = open_source(data_source)
    return {name: load_table(name, source) for name in names if name in source.tables}


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


def check_across_tables(frames: dict[str, pd.DataFrame], source: DataSource) -> list[Problem]:
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
                            source.label(table), int(idx), a, v,
                            f"the {a} of {unit} {plain(row[unit])} given in {source.short(first_table)} "
                            f"row {first_row} ({shown(first_values[a])})"))
                    elif a not in first_values:
                        first_values[a] = v
        for table, frame in holders.items():
            if attribute in frame.columns:
                continue
            have = {u for t, f in holders.items() if attribute in f.columns for u in f[unit]}
            sources = [source.short(t) for t, f in holders.items() if attribute in f.columns]
            for idx, row in frame.drop_duplicates(unit).iterrows():
                if row[unit] not in have:
                    where = ", ".join(sources) if sources else "no table of this folder has one"
                    problems.append(Problem(
                        source.label(table), int(idx), unit, row[unit],
                        f"a {unit} whose {attribute} is known (not found in {where})"))
    return problems


def validate_report(data_source: str | Path | DataSource, tables: list[str] | None = None) -> ValidationReport:
    """Check the tables of a folder, workbook or descriptor (or only *tables*) and the units they share.

    Only the tables present are checked (and across each other); the book's
    other tables are listed in ``report.absent`` as a note. A source that does
    not exist or holds none of the book's tables is a problem. Plausibility
    notes (values no instrument produces) are in ``report.warnings``.
    """
    from helpers.data.plausibility import check_plausibility
    from helpers.data.study import StudyError

    source = open_source(data_source)
    source_error = None if tables else source_problem(source)
    names = list(source.tables) if tables is None and source_error is None else list(tables or [])
    report = ValidationReport(str(source.path), names)
    if source_error is not None:
        report.problems.append(Problem(str(source.path), None, None, None, source_error))
        return report
    try:
        report.study = source.study
    except StudyError as err:
        report.problems.append(Problem(str(source.path), None, None, None, f"a usable study description: {err}"))
        return report
    if not report.study.declared:
        report.study_note = (
            "no study description (datapackage.yaml) found: the example study's levels and reference "
            "levels are assumed; `make describe DATA=...` drafts one from your tables")
    report.absent = [n for n in example_specs() if n not in names] if tables is None else []
    report.problems += [Problem(path, None, None, None, expected) for path, expected in misplaced_tables(source)]
    if source.workbook is not None:
        from helpers.data.excel import workbook_notes

        report.corrections += workbook_notes(source.workbook)
    frames = {}
    for name in names:
        checked = read_table(source, name)
        report.problems += checked.problems
        report.corrections += checked.corrections
        if checked.cells is not None:
            frames[name] = checked.cells
            report.rows[name] = len(checked.cells)
        if checked.table is not None:
            report.warnings += check_plausibility(name, checked.table, checked.cells, source.label(name))
    report.problems += check_across_tables(frames, source)
    return report


def validate_directory(data_source: str | Path | DataSource, tables: list[str] | None = None) -> list[Problem]:
    """Check every table (or *tables*) present in a folder or workbook; return all problems."""
    return validate_report(data_source, tables).problems


def main(argv: list[str] | None = None) -> int:
    """Command line: validate a data directory, print every problem, exit 1 if any."""
    parser = argparse.ArgumentParser(prog="python -m helpers validate", description=__doc__.splitlines()[0])
    parser.add_argument("data_source", help="folder holding the tables (CSV or Parquet), an .xlsx workbook, "
                        "or a datapackage.yaml study description")
    parser.add_argument("--table", action="append", help="only this table (repeatable)")
    args = parser.parse_args(argv)
    unknown = [t for t in args.table or [] if t not in get_specs()]
    if unknown:
        print(f"unknown table(s) {', '.join(unknown)}; known: {', '.join(get_specs())}", file=sys.stderr)
        return 2
    report = validate_report(args.data_source, args.table)
    print(report.text(), file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1

