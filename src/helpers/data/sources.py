"""Where a lab's tables come from: a folder of files or one Excel workbook.

A *data source* is either a folder holding ``<table>.csv`` (or ``<table>.parquet``)
files, or an ``.xlsx`` workbook whose sheets are named like the tables. This
module answers which of the book's tables a source holds; reading and checking
them is :mod:`helpers.data.validate`'s job.
"""

from __future__ import annotations

from pathlib import Path

from helpers.data.tables import get_specs

#: File suffixes a table may have in a folder, in order of preference.
TABLE_SUFFIXES = (".csv", ".parquet")
WORKBOOK_SUFFIXES = (".xlsx",)


def is_workbook(source: str | Path) -> bool:
    """True if *source* names an Excel workbook (by its suffix).

    >>> is_workbook("lab.xlsx"), is_workbook("data")
    (True, False)
    """
    return Path(source).suffix.lower() in WORKBOOK_SUFFIXES


def workbook_sheets(path: str | Path) -> list[str]:
    """Return the sheet names of a workbook, hidden ones included, without loading cell data."""
    from openpyxl import load_workbook

    book = load_workbook(Path(path), read_only=True)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def table_file(source: str | Path, name: str) -> Path | None:
    """Return the file of table *name* in folder *source* (CSV preferred), or None when absent."""
    for suffix in TABLE_SUFFIXES:
        path = Path(source) / f"{name}{suffix}"
        if path.is_file():
            return path
    return None


def tables_present(source: str | Path) -> list[str]:
    """Return the book's tables that *source* (folder or workbook) holds, in registry order.

    >>> from helpers.core.paths import DATA_DIR
    >>> tables_present(DATA_DIR)[:2]
    ['human_blot', 'mouse_blot']
    """
    source = Path(source)
    names = list(get_specs())
    if is_workbook(source):
        sheets = set(workbook_sheets(source)) if source.is_file() else set()
        return [n for n in names if n in sheets]
    return [n for n in names if table_file(source, n) is not None]
