"""Where a lab's tables come from: a folder of files, one Excel workbook, or a study descriptor.

A *data source* is either a folder holding ``<table>.csv`` (or ``<table>.parquet``)
files, an ``.xlsx`` workbook whose sheets are named like the tables, or a study
descriptor (``datapackage.yaml``, :mod:`helpers.data.study`) whose resources name
the tables' files; a folder with a descriptor reads its tables from the
descriptor's resources. This
module answers which of the book's tables a source holds; reading and checking
them is :mod:`helpers.data.validate`'s job.
"""

from __future__ import annotations

from pathlib import Path

from helpers.data.tables import TABLE_MODULES, example_specs, get_specs

#: File suffixes a table may have in a folder, in order of preference.
TABLE_SUFFIXES = (".csv", ".parquet")
WORKBOOK_SUFFIXES = (".xlsx",)


def reading_source(source: str | Path) -> Path:
    """Return where tables are read from: the workbook a descriptor's resources all name, else *source*.

    A descriptor (or a folder holding one) whose resources are the sheets of one
    ``.xlsx`` workbook is read as that workbook; its study is still the
    descriptor's (:func:`helpers.data.study.find_descriptor` finds it beside the workbook).
    """
    declared = declared_resources(source)
    if declared:
        files = {p for p in declared.values()}
        if len(files) == 1 and next(iter(files)).suffix.lower() in WORKBOOK_SUFFIXES:
            return next(iter(files))
    return Path(source)


def is_workbook(source: str | Path) -> bool:
    """True if *source* names an Excel workbook (by its suffix).

    >>> is_workbook("lab.xlsx"), is_workbook("data")
    (True, False)
    """
    return Path(source).suffix.lower() in WORKBOOK_SUFFIXES


def workbook_sheets(path: str | Path) -> list[str]:
    """Return the sheet names of a workbook, hidden ones included, without loading cell data.

    Raises :class:`helpers.data.excel.UnreadableWorkbook` (one sentence) when the file cannot be
    opened as a workbook: not readable to this user, not a zip archive, a
    damaged archive.
    """
    from openpyxl import load_workbook

    from helpers.data.excel import workbook_errors

    with workbook_errors(path):
        book = load_workbook(Path(path), read_only=True)
        try:
            return list(book.sheetnames)
        finally:
            book.close()


def declared_resources(source: str | Path) -> dict[str, Path] | None:
    """Return ``{table: file}`` named by the source's descriptor, or None when it has none.

    A descriptor that cannot be read gives None here; validation reports why.
    """
    from helpers.data.study import StudyError, find_descriptor, read_study

    descriptor = find_descriptor(source)
    if descriptor is None:
        return None
    try:
        study = read_study(descriptor)
    except StudyError:
        return None
    return {table: resource.path for table, resource in study.resources.items()}


def table_file(source: str | Path, name: str) -> Path | None:
    """Return the file of table *name* in folder *source* (CSV preferred), or None when absent.

    When the source has a descriptor, the file is the one its resource names.
    """
    declared = declared_resources(source)
    if declared is not None:
        path = declared.get(name)
        return path if path is not None and path.is_file() else None
    for suffix in TABLE_SUFFIXES:
        path = Path(source) / f"{name}{suffix}"
        try:
            if path.is_file():
                return path
        except OSError:  # a folder this user may not enter: source_problem says so
            return None
    return None


def misplaced_tables(source: str | Path) -> list[tuple[str, str]]:
    """Return ``(path, expected)`` for what stands where a table should be but is not a readable file.

    A folder, a symbolic link that loops or leads nowhere, or a file named
    like a table but in other letter case (``Human_Blot.CSV``: read on macOS
    and Windows, not on Linux) each get their own sentence, so that a table
    is never silently "not in this source".

    >>> misplaced_tables("no/such/folder")
    []
    """
    source = Path(source)
    if is_workbook(source) or not source.is_dir():
        return []
    try:
        entries = {p.name: p for p in source.iterdir()}
    except OSError:
        return []
    found = []
    for name in TABLE_MODULES:
        for suffix in TABLE_SUFFIXES:
            wanted = f"{name}{suffix}"
            path = source / wanted
            if wanted in entries:
                if path.is_symlink() and not path.exists():
                    found.append((str(path), f"a table file ({wanted} is a symbolic link that leads nowhere or "
                                             "to itself; point it at the file or copy the file in)"))
                elif path.is_dir():
                    found.append((str(path), f"a table file ({wanted} is a folder; put the table's {suffix} "
                                             "file here instead)"))
                continue
            for other, other_path in entries.items():
                if other.lower() == wanted.lower() and other != wanted and table_file(source, name) is None:
                    found.append((str(other_path), f"the file name {wanted} (names are case-sensitive: "
                                                   f"rename {other} to {wanted})"))
    return found


def tables_present(source: str | Path) -> list[str]:
    """Return the book's tables that *source* (folder or workbook) holds, in registry order.

    >>> from helpers.core.paths import DATA_DIR
    >>> tables_present(DATA_DIR)[:2]
    ['human_blot', 'mouse_blot']
    """
    source = reading_source(source)
    names = list(TABLE_MODULES)  # the registry's names, without importing the table modules
    if is_workbook(source):
        from helpers.data.excel import UnreadableWorkbook

        try:
            sheets = set(workbook_sheets(source)) if source.is_file() else set()
        except UnreadableWorkbook:
            sheets = set()
        return [n for n in names if n in sheets]
    return [n for n in names if table_file(source, n) is not None]


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
            return "an .xlsx workbook file" + (" (this is a folder)" if source.is_dir() else "")
        if source.stat().st_size == 0:
            return "an .xlsx workbook (the file is empty)"
        from helpers.data.excel import UnreadableWorkbook, read_workbook

        try:
            workbook_sheets(source)
            read_workbook(source)
        except UnreadableWorkbook as err:
            return str(err)
        if not tables_present(source):
            return f"at least one sheet named like a table ({', '.join(get_specs())}); the workbook has none"
        return None
    from helpers.data.study import StudyError, find_descriptor, read_study

    descriptor = find_descriptor(source)
    if descriptor is not None:
        try:
            study = read_study(descriptor)
        except StudyError as err:
            return f"a usable study description: {err}"
        if not tables_present(source):
            listed = ", ".join(str(r.path) for r in study.resources.values())
            return f"at least one of the files its descriptor names ({listed}); none exists"
        return None
    if not source.is_dir():
        return "a folder of data tables, an .xlsx workbook or a datapackage.yaml study description"
    try:  # list the folder (needs r) and look up a name in it (needs x)
        any(source.iterdir())
        (source / TABLE_MODULES[0]).exists()
    except PermissionError:
        return ("a folder the validator may read (permission denied: make it readable to this user, "
                "e.g. chmod a+rx)")
    if not tables_present(source):
        if misplaced_tables(source):
            return None  # each misplaced table gets its own sentence
        what = "the folder is empty" if not any(source.iterdir()) else "none of its files is a table of the book"
        return f"at least one of the book's tables ({known}); {what}"
    return None
