"""Where a lab's tables come from: a folder of files or one Excel workbook.

A *data source* is either a folder holding ``<table>.csv`` (or ``<table>.parquet``)
files, or an ``.xlsx`` workbook whose sheets are named like the tables. This
module answers which of the book's tables a source holds; reading and checking
them is :mod:`helpers.data.validate`'s job.
"""

from __future__ import annotations

from pathlib import Path

from helpers.data.tables import TABLE_MODULES, example_specs, get_specs

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
    names = list(TABLE_MODULES)  # the registry's names, without importing the table modules
    if is_workbook(source):
        sheets = set(workbook_sheets(source)) if source.is_file() else set()
        return [n for n in names if n in sheets]
    return [n for n in names if table_file(source, n) is not None]


def describe_source(source: str | Path) -> str:
    """Return how a source is named in messages: the folder or workbook as given."""
    return str(Path(source))


def table_label(source: str | Path, name: str) -> str:
    """Return how table *name* of *source* is named in messages.

    >>> table_label("lab.xlsx", "human_blot")
    'lab.xlsx, sheet human_blot'
    >>> table_label("data", "human_blot")
    'data/human_blot.csv'
    """
    if is_workbook(source):
        return f"{Path(source)}, sheet {name}"
    found = table_file(source, name)
    return str(found if found is not None else Path(source) / get_specs()[name].filename)


def absent_tables(source: str | Path) -> list[str]:
    """Return the book's tables that *source* does not hold, in registry order."""
    present = set(tables_present(source))
    return [n for n in example_specs() if n not in present]


def source_problem(source: str | Path) -> str | None:
    """Return what is wrong with *source* as a whole (missing, not a folder or workbook, no known table), or None.

    >>> source_problem("no/such/folder")
    'a folder of data tables or an .xlsx workbook (no/such/folder does not exist)'
    """
    source = Path(source)
    known = ", ".join(s.filename for s in get_specs().values())
    if not source.exists():
        return f"a folder of data tables or an .xlsx workbook ({source} does not exist)"
    if is_workbook(source):
        if not source.is_file():
            return "an .xlsx workbook file"
        if not tables_present(source):
            return f"at least one sheet named like a table ({', '.join(get_specs())}); the workbook has none"
        return None
    if not source.is_dir():
        return "a folder of data tables or an .xlsx workbook"
    if not tables_present(source):
        what = "the folder is empty" if not any(source.iterdir()) else "none of its files is a table of the book"
        return f"at least one of the book's tables ({known}); {what}"
    return None
