"""Read data tables and check them against their schema, at the boundary.

Every problem names the file, the row as numbered in the file (the header is
row 1), the column, the offending value and what was expected. Files are only
read, never written.

Run ``python -m helpers.validate DATA_DIR`` (or ``make validate DATA=dir``) to
check a whole data directory; it lists every problem and exits non-zero if
there is any.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from .tables import TableSpec, get_spec, get_specs


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a data file."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    expected: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        got = "" if self.value is None else f"found {self.value!r}; "
        return f"{', '.join(where)}: {got}expected {self.expected}"


class DataValidationError(ValueError):
    """Raised when a data table does not satisfy its schema; lists every problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n  ".join(str(p) for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s) in the data:\n  {shown}{more}")


def _file_row(index: object) -> int | None:
    """Map a 0-based data-frame index to the row number in the file (header = 1)."""
    try:
        return int(index) + 2
    except (TypeError, ValueError):
        return None


def read_raw(path: Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read *path* as text cells (no type guessing) and report file-level problems."""
    name = str(path)
    if not path.is_file():
        return None, [Problem(name, None, None, None, "the file to exist")]
    raw = path.read_bytes()
    if not raw.strip():
        return None, [Problem(name, None, None, None, "a header row and at least one data row (file is empty)")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return None, [Problem(name, None, None, None, f"UTF-8 text (byte {err.start} is not valid UTF-8)")]
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8", skipinitialspace=False
        )
    except (pd.errors.ParserError, ValueError) as err:
        return None, [Problem(name, None, None, None, f"comma-separated values ({err})")]
    if text.startswith("\ufeff"):
        return None, [Problem(name, 1, None, None, "UTF-8 without a byte-order mark")]
    if frame.empty:
        return None, [Problem(name, 2, None, None, "at least one data row (file has only a header)")]
    return frame, []


def _parse_columns(frame: pd.DataFrame, spec: TableSpec, name: str) -> tuple[pd.DataFrame, list[Problem], set]:
    """Convert text cells to the declared types; report cells that cannot be converted."""
    problems: list[Problem] = []
    bad_cells: set[tuple[int, str]] = set()
    parsed = pd.DataFrame(index=frame.index)
    for col in spec.columns:
        if col.name not in frame.columns:
            continue
        text = frame[col.name].str.strip()
        if col.kind == "str":
            parsed[col.name] = text
            continue
        numbers = pd.to_numeric(text, errors="coerce")
        if col.kind == "int":
            not_whole = numbers.notna() & (numbers != numbers.round())
            numbers = numbers.mask(not_whole)
        for idx in frame.index[numbers.isna()]:
            value = frame.at[idx, col.name]
            problems.append(Problem(name, _file_row(idx), col.name, value, col.expectation()))
            bad_cells.add((idx, col.name))
        parsed[col.name] = numbers.astype("Int64") if col.kind == "int" else numbers.astype(float)
    return parsed, problems, bad_cells


def check_frame(frame: pd.DataFrame, spec: TableSpec, name: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Parse and validate a table of text cells against *spec*; return (table, problems)."""
    problems: list[Problem] = []
    header = [str(c) for c in frame.columns]
    for col in spec.column_names:
        if col not in header:
            problems.append(Problem(name, 1, col, None, f"a column named '{col}' in the header"))
    for col in header:
        if col not in spec.column_names:
            problems.append(
                Problem(name, 1, col, None, "only the columns " + ", ".join(spec.column_names))
            )
    if len(set(header)) != len(header):
        problems.append(Problem(name, 1, None, None, "each column name once in the header"))
    if problems:
        return None, problems
    parsed, problems, bad_cells = _parse_columns(frame, spec, name)
    try:
        spec.pandera_schema().validate(parsed, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        for case in cases.itertuples(index=False):
            idx = case.index
            if (idx, case.column) in bad_cells:
                continue
            column = case.column if isinstance(case.column, str) else None
            expected = spec.column(column).expectation() if column in spec.column_names else str(case.check)
            value = None if idx is None or column is None else str(frame.at[idx, column])
            problems.append(Problem(name, _file_row(idx), column, value, expected))
    problems.extend(_check_keys(frame, spec, name))
    problems.extend(_check_constant_within(frame, spec, name))
    problems = sorted(set(problems), key=lambda p: (p.row or 0, p.column or ""))
    return (None if problems else parsed), problems


def _check_keys(frame: pd.DataFrame, spec: TableSpec, name: str) -> list[Problem]:
    dup = frame.duplicated(list(spec.key), keep="first")
    key_text = " + ".join(spec.key)
    return [
        Problem(
            name,
            _file_row(idx),
            spec.key[-1],
            " / ".join(str(frame.at[idx, k]) for k in spec.key),
            f"a unique {key_text} (this combination already appears earlier)",
        )
        for idx in frame.index[dup]
    ]


def _check_constant_within(frame: pd.DataFrame, spec: TableSpec, name: str) -> list[Problem]:
    problems = []
    for unit, columns in spec.constant_within.items():
        for col in columns:
            first = frame.groupby(unit, sort=False)[col].transform("first")
            for idx in frame.index[frame[col] != first]:
                problems.append(
                    Problem(
                        name,
                        _file_row(idx),
                        col,
                        str(frame.at[idx, col]),
                        f"the same {col} on every row of {unit} {frame.at[idx, unit]} "
                        f"(an earlier row has {first[idx]!r})",
                    )
                )
    return problems


def check_table(name: str, data_dir: str | Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read table *name* from *data_dir*; return (table or None, list of problems)."""
    spec = get_spec(name)
    path = Path(data_dir) / spec.filename
    frame, problems = read_raw(path)
    if frame is None:
        return None, problems
    return check_frame(frame, spec, str(path))


def load_table(name: str, data_dir: str | Path) -> pd.DataFrame:
    """Read and validate table *name* from *data_dir*.

    Parameters
    ----------
    name : str
        Table name, e.g. ``"human_blot"`` (see :mod:`helpers.tables`).
    data_dir : str or Path
        Directory holding the table's CSV file.

    Returns
    -------
    DataFrame
        The table with columns parsed to their declared types.

    Raises
    ------
    DataValidationError
        Listing every problem with file, row, column, value and expectation.
    """
    table, problems = check_table(name, data_dir)
    if problems:
        raise DataValidationError(problems)
    return table


def validate_directory(data_dir: str | Path, tables: list[str] | None = None) -> list[Problem]:
    """Check every table (or *tables*) present in *data_dir*; return all problems."""
    problems: list[Problem] = []
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        return [Problem(str(data_dir), None, None, None, "a directory of data tables")]
    for name in tables or list(get_specs()):
        problems.extend(check_table(name, data_dir)[1])
    return problems


def main(argv: list[str] | None = None) -> int:
    """Command line: validate a data directory, print every problem, exit 1 if any."""
    parser = argparse.ArgumentParser(prog="python -m helpers.validate", description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", help="directory holding the CSV tables")
    parser.add_argument("--table", action="append", help="only this table (repeatable)")
    args = parser.parse_args(argv)
    problems = validate_directory(args.data_dir, args.table)
    if problems:
        print(f"{len(problems)} problem(s) in {args.data_dir}:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"{args.data_dir}: every table matches its schema.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
