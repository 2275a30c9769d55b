"""Which chapters a data source can build: the ``tables`` each chapter declares, and a page for the others.

``chapters/parameters.yml`` declares per chapter ``tables: {required: [...], optional: [...]}``.
A chapter is built when every required table is present and, if it has only optional
ones, at least one of them is; a chapter that declares neither is always built. The
tables a source holds come from :func:`helpers.data.sources.tables_present`; a source
that holds none of the book's tables is an error (:class:`DataProblems`), raised
before anything executes. A chapter that is not built appears in the book as one
short page (:func:`not_built_page`) saying which tables, with which columns, it needs.
"""

from __future__ import annotations

from pathlib import Path

from helpers.build import parameters as P
from helpers.build.book import Book, Chapter, DataProblems, display_path

#: Where the table templates live in the repository (``make templates`` writes them).
TEMPLATES_DIR = "templates"


def load_table_needs(path: Path) -> dict[str, dict[str, list[str]]]:
    """Return ``{chapter: {"required": [...], "optional": [...]}}`` for the chapters that declare ``tables``."""
    needs = {}
    problems = []
    for chapter, entry in P.load_yaml(path).items():
        tables = (entry or {}).get("tables")
        if tables is None:
            continue
        unknown = set(tables) - {"required", "optional"} if isinstance(tables, dict) else {"(not a mapping)"}
        if unknown:
            problems.append(f"{Path(path).name}: chapter '{chapter}': `tables` takes `required` and `optional` "
                            f"lists (found {', '.join(sorted(unknown))})")
            continue
        needs[str(chapter)] = {k: [str(t) for t in tables.get(k) or []] for k in ("required", "optional")}
    if problems:
        raise P.ParameterError(problems)
    return needs


def missing_tables(needs: dict | None, present: set[str]) -> list[str]:
    """Return the tables whose absence stops a chapter (``[]``: it is built).

    For required tables, those absent; for a chapter with only optional ones and none
    present, all of them (any one would do).

    >>> missing_tables({"required": ["human_blot"], "optional": []}, {"mouse_blot"})
    ['human_blot']
    >>> missing_tables({"required": [], "optional": ["human_blot", "pla_cells"]}, {"pla_cells"})
    []
    >>> missing_tables({"required": [], "optional": ["human_blot", "pla_cells"]}, set())
    ['human_blot', 'pla_cells']
    >>> missing_tables({"required": [], "optional": []}, set())
    []
    """
    if not needs:
        return []
    absent = [t for t in needs["required"] if t not in present]
    if needs["required"] or not needs["optional"]:
        return absent
    return [] if any(t in present for t in needs["optional"]) else list(needs["optional"])


def select_chapters(book: Book, chapters: list[Chapter]) -> list[str] | None:
    """Mark in ``chapter.missing`` the tables the data source lacks; return the tables it holds.

    ``None`` (every chapter is built, every table validated) for a book whose chapters
    declare no tables.

    Raises :class:`DataProblems` when some chapter declares tables and the source holds
    none of the book's tables (an empty folder, a workbook without a table sheet).
    """
    needs = load_table_needs(book.parameters_file)
    if not any(needs.get(c.name, {}).get(k) for c in chapters for k in ("required", "optional")):
        return None  # a book without table declarations builds every chapter
    from helpers.data.sources import tables_present
    from helpers.data.tables import get_specs

    source = book.data_folder
    present = tables_present(source) if source.exists() else []
    if not present:
        expected = ", ".join(spec.filename for spec in get_specs().values())
        found = "does not exist" if not source.exists() else "holds none of the book's tables"
        raise DataProblems([f"{display_path(source, book.root)}: the data source {found}; expected at least one "
                            f"of {expected} (or an .xlsx workbook with sheets named like them)"])
    for chapter in chapters:
        chapter.missing = missing_tables(needs.get(chapter.name), set(present))
    return present


def table_description(name: str) -> str:
    """One line naming a table's file, its columns and its template, e.g. for a not-built page."""
    from helpers.data.tables import get_specs

    spec = get_specs()[name]
    columns = ", ".join(f"`{c}`" for c in spec.column_names)
    return f"`{spec.filename}` — columns {columns}; template `{TEMPLATES_DIR}/{spec.filename}`"


def missing_text(chapter: Chapter, needs: dict | None) -> str:
    """``needs `a.csv`` or ``needs one of `a.csv`, `b.csv``` for a chapter that is not built."""
    from helpers.data.tables import get_specs

    if chapter.design_note and not chapter.missing:
        return chapter.design_note
    specs = get_specs()
    files = ", ".join(f"`{specs[t].filename}`" for t in chapter.missing)
    only_optional = needs is not None and not needs.get("required") and len(chapter.missing) > 1
    return f"needs {'one of ' if only_optional else ''}{files}"


def not_built_page(book: Book, chapter: Chapter, title: str) -> str:
    """The Markdown page that stands in for a chapter the data source cannot build."""
    needs = load_table_needs(book.parameters_file).get(chapter.name)
    source = display_path(book.data_folder, book.root)
    if chapter.design_note and not chapter.missing:
        return "\n".join([f"# {title}", "", ":::{admonition} Not built from this data", ":class: warning",
                          f"Not built from this data (`{source}`): {chapter.design_note}.", ":::", ""])
    lines = [f"# {title}", "", ":::{admonition} Not built from this data", ":class: warning",
             f"Not built from this data: {missing_text(chapter, needs)}. The data source `{source}` does not hold it.",
             "", *(f"- {table_description(t)}" for t in chapter.missing), "",
             "Add the table (same header as the template) and build again; "
             "see *Bring your own data* for what each column means.", ":::", ""]
    return "\n".join(lines)
