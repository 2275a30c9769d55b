"""What a check of a data file finds: problems (errors) and corrections (notes), each with its place.

Every reader and check of the data layer (CSV, Parquet and workbook sheets alike)
reports through these two types, so a message always names the file (or workbook
and sheet), the row as numbered in the file (or the sheet's cell in A1 notation),
the column, the value found and what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Problems (or corrections) listed per column and kind; the others are counted.
MAX_SHOWN = 20
#: Longest value printed whole in a message; a longer one is cut and its length given.
MAX_VALUE_SHOWN = 60


def shown(value) -> str:
    """Return *value* as a message prints it: quoted, cut to :data:`MAX_VALUE_SHOWN` characters.

    >>> shown("sALS")
    "'sALS'"
    >>> shown("x" * 5000)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' (5,000 characters)"
    """
    text = str(value)
    if len(text) <= MAX_VALUE_SHOWN:
        return repr(text) if isinstance(value, str) else repr(value)
    return f"{text[:MAX_VALUE_SHOWN]!r}"[:-1] + f"…' ({len(text):,} characters)"


def plain(value) -> str:
    """Return *value* as text inside a sentence: whole when short, cut like :func:`shown` when long.

    >>> plain("D06"), plain("y" * 100)[-19:]
    ('D06', "…' (100 characters)")
    """
    text = str(value)
    return text if len(text) <= MAX_VALUE_SHOWN else shown(text)


def _where(file: str, row: int | None, column: str | None, cell: str | None = None) -> str:
    """Return "file, row N, column 'c'" (or "file, cell C7 (column 'c')" in a sheet) with the parts that are known.

    >>> _where("data/human_blot.csv", 14, "ptbk1"), _where("lab.xlsx, sheet human_blot", 14, "ptbk1", "I14")
    ("data/human_blot.csv, row 14, column 'ptbk1'", "lab.xlsx, sheet human_blot, cell I14 (column 'ptbk1')")
    """
    if cell:
        return f"{file}, cell {cell}" + (f" (column '{column}')" if column else "")
    parts = [file] + ([f"row {row}"] if row is not None else []) + ([f"column '{column}'"] if column else [])
    return ", ".join(parts)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a data file (or a workbook's sheet: then *cell* is its A1 address)."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    expected: str
    more: int = 0  # further rows of the same column with the same problem, not listed
    cell: str | None = None

    def __str__(self) -> str:
        got = "" if self.value is None else f"found {shown(self.value)}; "
        tail = f" — and {self.more:,} more rows with the same problem" if self.more else ""
        return f"{_where(self.file, self.row, self.column, self.cell)}: {got}expected {self.expected}{tail}"


@dataclass(frozen=True)
class Correction:
    """A harmless deviation corrected in memory (the file itself is never changed)."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    action: str
    cell: str | None = None

    def __str__(self) -> str:
        got = "" if self.value is None else f"{shown(self.value)}: "
        return f"{_where(self.file, self.row, self.column, self.cell)}: {got}{self.action}"
