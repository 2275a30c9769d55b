"""Which chapters a data source can build: the ``tables`` each chapter declares, and a page for the others.

``chapters/parameters.yml`` declares per chapter ``tables: {required: [...], optional: [...]}``.
A chapter is built when every required table is present and, if it has only optional
ones, at least one of them is; a chapter that declares neither is always built. The
tables a source holds come from :func:`helpers.data.sources.tables_present`, asked
once by the plan (:mod:`helpers.engine.plan`); a source that holds none of the book's
tables is an error (:class:`DataProblems`), raised before anything executes. A chapter
that is not built appears in the book as one short page (:func:`not_built_page`)
saying which tables, with which columns, it needs.
"""

from __future__ import annotations

from helpers.engine.book import display_path

#: Where the table templates live in the repository (``make templates`` writes them).
TEMPLATES_DIR = "templates"


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


def table_description(name: str) -> str:
    """One line naming a table's file, its columns and its template, e.g. for a not-built page."""
    from helpers.data.tables import get_specs

    spec = get_specs()[name]
    columns = ", ".join(f"`{c}`" for c in spec.column_names)
    return f"`{spec.filename}` — columns {columns}; template `{TEMPLATES_DIR}/{spec.filename}`"


def missing_text(chapter) -> str:
    """``needs `a.csv`` or ``needs one of `a.csv`, `b.csv``` for a chapter that is not built."""
    from helpers.data.tables import get_specs

    if chapter.design_note and not chapter.missing:
        return chapter.design_note
    specs = get_specs()
    files = ", ".join(f"`{specs[t].filename}`" for t in chapter.missing)
    only_optional = chapter.needs is not None and not chapter.needs.get("required") and len(chapter.missing) > 1
    return f"needs {'one of ' if only_optional else ''}{files}"


def not_built_page(plan, chapter, title: str) -> str:
    """The Markdown page that stands in for a *chapter* of *plan* the data source cannot build."""
    source = display_path(plan.data_source.path, plan.book.root)
    if chapter.design_note and not chapter.missing:
        return "\n".join([f"# {title}", "", ":::{admonition} Not built from this data", ":class: warning",
                          f"Not built from this data (`{source}`): {chapter.design_note}.", ":::", ""])
    lines = [f"# {title}", "", ":::{admonition} Not built from this data", ":class: warning",
             f"Not built from this data: {missing_text(chapter)}. The data source `{source}` does not hold it.",
             "", *(f"- {table_description(t)}" for t in chapter.missing), "",
             "Add the table (same header as the template) and build again; "
             "see *Bring your own data* for what each column means.", ":::", ""]
    return "\n".join(lines)
