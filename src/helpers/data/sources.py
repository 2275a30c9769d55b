"""Where a lab's tables come from: a folder of files, one Excel workbook, or a study descriptor.

A *data source* is a folder holding ``<table>.csv`` (or ``<table>.parquet``)
files, an ``.xlsx`` workbook whose sheets are named like the tables, or a study
descriptor (``datapackage.yaml``, :mod:`helpers.data.study`, or a folder holding
one) whose resources name the tables' files — or the sheets of one workbook.

:func:`open_source` looks at a data source once and returns a
:class:`DataSource`: what kind it is, its descriptor, the workbook its sheets
are read from (if any) and the file of every table it holds. Reading a table
(:mod:`helpers.data.readers`, :mod:`helpers.data.excel`) and checking it
(:mod:`helpers.data.checks`) start from there; :mod:`helpers.data.validate`
composes the steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from helpers.data.tables import TABLE_MODULES, example_specs, get_specs

#: File suffixes a table may have in a folder, in order of preference.
TABLE_SUFFIXES = (".csv", ".parquet")
WORKBOOK_SUFFIXES = (".xlsx",)


@dataclass(frozen=True, eq=False)
class DataSource:
    """A data source, looked at once: its kind, its descriptor, where its tables are and which it holds.

    >>> from helpers.core.paths import DATA_DIR
    >>> source = open_source(DATA_DIR)
    >>> source.kind, source.tables[:2], source.label("human_blot").endswith("human_blot.csv")
    ('descriptor', ('human_blot', 'mouse_blot'), True)
    """

    #: The source as the user named it (a folder, a workbook or a descriptor).
    path: Path
    #: ``"folder"``, ``"workbook"`` or ``"descriptor"`` (a descriptor file, or a folder holding one).
    kind: str
    #: The study description read with the source, or None.
    descriptor: Path | None
    #: The workbook whose sheets hold the tables: the source itself, or the one workbook a descriptor names.
    workbook: Path | None
    #: ``{table: file}`` of every book table the source holds, in the registry's order (a sheet's file is
    #: its workbook).
    files: Mapping[str, Path]

    @property
    def tables(self) -> tuple[str, ...]:
        """The book's tables the source holds, in registry order."""
        return tuple(self.files)

    @property
    def root(self) -> Path:
        """Where the tables are read from: the workbook, else the source (a folder or a descriptor)."""
        return self.workbook or self.path

    @cached_property
    def study(self):
        """The source's study (:func:`helpers.data.study.study_of`); raises ``StudyError`` if unusable."""
        from helpers.data.study import study_of

        return study_of(self.path)

    def file(self, name: str) -> Path:
        """Return the file table *name* is read from: its own, or where the book expects it when absent."""
        if self.workbook is not None:
            return self.workbook
        return self.files.get(name) or self.path / get_specs()[name].filename

    def label(self, name: str) -> str:
        """Return how table *name* is named in messages: its file, or the workbook and its sheet."""
        if self.workbook is not None:
            return f"{self.workbook}, sheet {name}"
        return str(self.file(name))

    def short(self, name: str) -> str:
        """Name table *name* briefly inside a message: its file name, or its sheet."""
        return f"sheet {name}" if self.workbook is not None else get_specs()[name].filename


def open_source(data_source: str | Path | DataSource) -> DataSource:
    """Look at *data_source* once: decide its kind and find the tables it holds.

    A descriptor (or a folder holding one) whose resources are the sheets of one
    ``.xlsx`` workbook is read as that workbook; its study is still the
    descriptor's. A source that does not exist holds no table
    (:func:`source_problem` says what is wrong with it).
    """
    if isinstance(data_source, DataSource):
        return data_source
    from helpers.data.study import StudyError, find_descriptor, read_study

    path = Path(data_source)
    if is_workbook(path):
        return DataSource(path, "workbook", find_descriptor(path), path, _sheets(path))
    descriptor = find_descriptor(path)
    if descriptor is None:
        return DataSource(path, "folder", None, None, _folder_files(path))
    try:
        declared = {t: r.path for t, r in read_study(descriptor).resources.items()}
    except StudyError:  # the validation report says why
        return DataSource(path, "descriptor", descriptor, None, _folder_files(path))
    named = set(declared.values())
    if len(named) == 1 and is_workbook(next(iter(named))):
        workbook = next(iter(named))
        return DataSource(path, "descriptor", descriptor, workbook, _sheets(workbook))
    files = {n: declared[n] for n in TABLE_MODULES if n in declared and _is_file(declared[n])}
    return DataSource(path, "descriptor", descriptor, None, files)


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a folder this user may not enter: source_problem says so
        return False


def _folder_files(folder: Path) -> dict[str, Path]:
    """Return ``{table: file}`` of the tables in *folder* (CSV preferred to Parquet)."""
    found = {}
    for name in TABLE_MODULES:  # the registry's names, without importing the table modules
        for suffix in TABLE_SUFFIXES:
            if _is_file(folder / f"{name}{suffix}"):
                found[name] = folder / f"{name}{suffix}"
                break
    return found


def _sheets(workbook: Path) -> dict[str, Path]:
    """Return ``{table: workbook}`` for the sheets of *workbook* named like a table (none if unreadable)."""
    from helpers.data.excel import UnreadableWorkbook

    try:
        sheets = set(workbook_sheets(workbook)) if workbook.is_file() else set()
    except UnreadableWorkbook:
        sheets = set()
    return {n: workbook for n in TABLE_MODULES if n in sheets}


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


def table_file(data_source: str | Path | DataSource, name: str) -> Path | None:
    """Return the file of table *name* in a folder or descriptor's source (CSV preferred), or None when absent."""
    source = open_source(data_source)
    return None if source.workbook is not None else source.files.get(name)


def misplaced_tables(data_source: str | Path | DataSource) -> list[tuple[str, str]]:
    """Return ``(path, expected)`` for what stands where a table should be but is not a readable file.

    A folder, a symbolic link that loops or leads nowhere, or a file named
    like a table but in other letter case (``Human_Blot.CSV``: read on macOS
    and Windows, not on Linux) each get their own sentence, so that a table
    is never silently "not in this source".

    >>> misplaced_tables("no/such/folder")
    []
    """
    source = open_source(data_source)
    folder = source.root
    if source.workbook is not None or not folder.is_dir():
        return []
    try:
        entries = {p.name: p for p in folder.iterdir()}
    except OSError:
        return []
    found = []
    for name in TABLE_MODULES:
        for suffix in TABLE_SUFFIXES:
            wanted = f"{name}{suffix}"
            path = folder / wanted
            if wanted in entries:
                if path.is_symlink() and not path.exists():
                    found.append((str(path), f"a table file ({wanted} is a symbolic link that leads nowhere or "
                                             "to itself; point it at the file or copy the file in)"))
                elif path.is_dir():
                    found.append((str(path), f"a table file ({wanted} is a folder; put the table's {suffix} "
                                             "file here instead)"))
                continue
            for other, other_path in entries.items():
                if other.lower() == wanted.lower() and other != wanted and name not in source.files:
                    found.append((str(other_path), f"the file name {wanted} (names are case-sensitive: "
                                                   f"rename {other} to {wanted})"))
    return found


def tables_present(data_source: str | Path | DataSource) -> list[str]:
    """Return the book's tables that *data_source* (folder, workbook or descriptor) holds, in registry order.

    >>> from helpers.core.paths import DATA_DIR
    >>> tables_present(DATA_DIR)[:2]
    ['human_blot', 'mouse_blot']
    """
    return list(open_source(data_source).tables)


def table_label(data_source: str | Path | DataSource, name: str) -> str:
    """Return how table *name* of *data_source* is named in messages.

    >>> table_label("lab.xlsx", "human_blot")
    'lab.xlsx, sheet human_blot'
    >>> table_label("data", "human_blot")
    'data/human_blot.csv'
    """
    return open_source(data_source).label(name)


def absent_tables(data_source: str | Path | DataSource) -> list[str]:
    """Return the book's tables that *data_source* does not hold, in registry order."""
    present = set(open_source(data_source).tables)
    return [n for n in example_specs() if n not in present]


def source_problem(data_source: str | Path | DataSource) -> str | None:
    """Return what is wrong with a source as a whole (missing, not a folder or workbook, no known table), or None.

    >>> source_problem("no/such/folder")
    'a folder of data tables or an .xlsx workbook (no/such/folder does not exist)'
    """
    source = open_source(data_source)
    path = source.path
    if not path.exists():
        return f"a folder of data tables or an .xlsx workbook ({path} does not exist)"
    if source.kind == "workbook":
        return _workbook_problem(source)
    if source.kind == "descriptor":
        from helpers.data.study import StudyError, read_study

        try:
            study = read_study(source.descriptor)
        except StudyError as err:
            return f"a usable study description: {err}"
        if not source.tables:
            listed = ", ".join(str(r.path) for r in study.resources.values())
            return f"at least one of the files its descriptor names ({listed}); none exists"
        return None
    if not path.is_dir():
        return "a folder of data tables, an .xlsx workbook or a datapackage.yaml study description"
    try:  # list the folder (needs r) and look up a name in it (needs x)
        any(path.iterdir())
        (path / TABLE_MODULES[0]).exists()
    except PermissionError:
        return ("a folder the validator may read (permission denied: make it readable to this user, "
                "e.g. chmod a+rx)")
    if not source.tables:
        if misplaced_tables(source):
            return None  # each misplaced table gets its own sentence
        known = ", ".join(s.filename for s in get_specs().values())
        what = "the folder is empty" if not any(path.iterdir()) else "none of its files is a table of the book"
        return f"at least one of the book's tables ({known}); {what}"
    return None


def _workbook_problem(source: DataSource) -> str | None:
    """Return what is wrong with a workbook source as a whole, or None."""
    path = source.path
    if not path.is_file():
        return "an .xlsx workbook file" + (" (this is a folder)" if path.is_dir() else "")
    if path.stat().st_size == 0:
        return "an .xlsx workbook (the file is empty)"
    from helpers.data.excel import UnreadableWorkbook, read_workbook

    try:
        workbook_sheets(path)
        read_workbook(path)
    except UnreadableWorkbook as err:
        return str(err)
    if not source.tables:
        return f"at least one sheet named like a table ({', '.join(get_specs())}); the workbook has none"
    return None
