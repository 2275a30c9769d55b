"""Chapters that combine tables, run on the subset a lab has.

A combining chapter (synthesis, robustness, design, arsenite challenge) asks
:func:`present_flags` which of its tables the data source holds, guards each
section with that flag (a skipped section shows :func:`skipped_markdown`, one
sentence) and, before publishing its ledger, calls :func:`glue_not_computed`:
every number its Markdown references but did not compute is glued as a short
text, so the page says "not computed" instead of failing the build on a missing
glue key. Such numbers are never in the ledger.

A number that may be absent must be referenced as ``{glue:md}`key_text```
(a text can stand in its place); ``{glue:text}`key:.2f``` needs a number and
is refused by :func:`glue_not_computed` when the number is absent.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from helpers.core.paths import ROOT
from helpers.data.sources import tables_present
from helpers.data.tables import get_specs

#: A glue role in MyST Markdown: role type, key, format.
GLUE_ROLE = re.compile(r"\{glue(?::(text|md))?\}`([^`:]+)(?::([^`]*))?`")
#: What stands in the place of a number that was not computed, after the first of a paragraph.
PLACEHOLDER = "—"


def present_flags(source: str | Path, tables) -> dict[str, bool]:
    """Return, for each of *tables*, whether the data source (folder or workbook) holds it.

    >>> from helpers.core.paths import DATA_DIR
    >>> present_flags(DATA_DIR, ["human_blot", "pla_cells"])
    {'human_blot': True, 'pla_cells': True}
    """
    held = set(tables_present(source))
    return {name: name in held for name in tables}


def table_files(tables, joiner: str = "and") -> str:
    """Return the file names of *tables* joined for a sentence.

    >>> table_files(["human_blot", "mouse_blot"])
    '`human_blot.csv` and `mouse_blot.csv`'
    """
    names = [f"`{get_specs()[t].filename}`" for t in tables]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" {joiner} " + names[-1]


def skipped_markdown(section: str, tables) -> str:
    """Return the one sentence a skipped section shows (it needs any one of *tables*).

    >>> skipped_markdown("The PLA power analysis", ["pla_cells"])
    '*The PLA power analysis is skipped: it needs `pla_cells.csv`, which is not in this data.*'
    >>> skipped_markdown("The blot analysis", ["mouse_blot", "human_blot"])
    '*The blot analysis is skipped: it needs `mouse_blot.csv` or `human_blot.csv`, neither of which is in this data.*'
    """
    tables = [tables] if isinstance(tables, str) else list(tables)
    which = "which is not" if len(tables) == 1 else "neither of which is"
    return f"*{section} is skipped: it needs {table_files(tables, 'or')}, {which} in this data.*"


def show_skipped(section: str, tables) -> None:
    """Display :func:`skipped_markdown` under the current cell."""
    from IPython.display import Markdown, display

    display(Markdown(skipped_markdown(section, tables)))


def glue_roles(notebook: str | Path) -> list[tuple[tuple[int, int], str, str, str]]:
    """Return ((Markdown cell, paragraph), role, key, format) of every glue role of *notebook*, in order."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    roles = []
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "markdown":
            continue
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for number, paragraph in enumerate(re.split(r"\n\s*\n", text)):
            roles += [((index, number), role or "text", key, fmt) for role, key, fmt in GLUE_ROLE.findall(paragraph)]
    return roles


def not_computed_text(tables) -> str:
    """Return the text glued in place of the first number of a paragraph that was not computed.

    >>> not_computed_text(["mouse_blot"])
    'not computed (needs `mouse_blot.csv`)'
    """
    return f"not computed (needs {table_files(tables)})"


def glue_not_computed(ledger, needs: dict[str, list[str]], notebook: str | Path | None = None,
                      *, glue: bool = True) -> dict[str, str]:
    """Glue a text for every number the chapter's Markdown references but the ledger does not hold.

    Parameters
    ----------
    ledger : ResultsLedger
        The chapter's ledger (its ``chapter`` names the notebook ``chapters/<chapter>.ipynb``).
    needs : dict
        Key prefix -> the tables the numbers of that prefix need (the longest
        matching prefix wins). A missing number whose key matches no prefix is
        left missing, so a mistyped key still fails the build.
    notebook : path, optional
        The chapter's source notebook (default ``chapters/<chapter>.ipynb``).
    glue : bool
        Glue the texts (off in tests run outside a kernel).

    Returns
    -------
    dict
        Glue key -> the text glued: ``not computed (needs ...)`` for the first
        missing number of a paragraph (per set of tables needed), a dash for the others.

    Raises
    ------
    ValueError
        When a missing number is referenced with ``{glue:text}`` (a formatted
        number, which no text can replace): reference it as ``{glue:md}`key_text```.
    """
    notebook = Path(notebook) if notebook is not None else ROOT / "chapters" / f"{ledger.chapter}.ipynb"
    reported = {r.key for r in ledger.results}
    glued: dict[str, str] = {}
    seen: set[tuple] = set()
    for paragraph, role, key, _fmt in glue_roles(notebook):
        base = key[: -len("_text")] if key.endswith("_text") else key
        if base in reported or key in reported or key.endswith("_label") or key in glued:
            continue
        prefixes = [p for p in needs if base.startswith(p)]
        if not prefixes:
            continue
        if role != "md" or not key.endswith("_text"):
            raise ValueError(f"{notebook.name}: the number {base!r} may not be computed, so reference it as "
                             f"{{glue:md}}`{base}_text`, not with {{glue:{role}}}")
        tables = tuple(needs[max(prefixes, key=len)])
        glued[key] = PLACEHOLDER if (paragraph, tables) in seen else not_computed_text(tables)
        seen.add((paragraph, tables))
    if glue and glued:
        from IPython.display import Markdown
        from myst_nb import glue as myst_glue

        for key, text in glued.items():
            myst_glue(key, Markdown(text), display=False)
    return glued
