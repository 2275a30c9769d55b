"""Chapters that combine tables, run on the subset a lab has.

A combining chapter (synthesis, robustness, design, arsenite challenge) loads
its optional tables in one call, ``tables = chapter.optional_tables(USES)``
(:class:`OptionalTables`: the tables present, read and checked, with the
"left out" note shown), guards each section with
``if tables.section("The ...", "pla_cells"):`` (a skipped section shows
:func:`skipped_markdown`, one sentence) and, before publishing its ledger,
calls ``tables.glue_not_computed(ledger, needs)``. The lower-level steps stay
usable on their own: :func:`present_flags` says which tables the data source
holds, :func:`show_skipped` shows the sentence, and :func:`glue_not_computed`:
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
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pandas as pd

from helpers.core.paths import ROOT
from helpers.data.sources import tables_present
from helpers.data.tables import get_specs

#: A glue role in MyST Markdown: role type, key, format.
GLUE_ROLE = re.compile(r"\{glue(?::(text|md))?\}`([^`:]+)(?::([^`]*))?`")
#: What stands in the place of a number that was not computed, after the first of a paragraph.
PLACEHOLDER = "—"
#: What stands in the place of a number missing although the tables it needs are present.
NO_ESTIMATE = "not computed (these data give no estimate)"


def present_flags(source: str | Path, tables) -> dict[str, bool]:
    """Return, for each of *tables*, whether the data source (folder or workbook) holds it.

    >>> from helpers.core.paths import DATA_DIR
    >>> present_flags(DATA_DIR, ["human_blot", "pla_cells"])
    {'human_blot': True, 'pla_cells': True}
    """
    held = set(tables_present(source))
    return {name: name in held for name in tables}


def left_out_markdown(wanted: dict[str, str], present) -> str:
    """Return a short note naming the tables a combining chapter left out (empty text when none).

    *wanted* maps table name to what the chapter does with it.

    >>> left_out_markdown({"human_blot": "the human strata"}, []).splitlines()[0]
    ':::{admonition} Left out: not in this data'
    """
    missing = [(name, what) for name, what in wanted.items() if name not in set(present)]
    if not missing:
        return ""
    lines = "\n".join(f"- `{name}` is not in this data, so {what} is left out." for name, what in missing)
    return f":::{{admonition}} Left out: not in this data\n:class: note\n{lines}\n:::\n"


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


def glue_not_computed(ledger, needs: Mapping[str, list[str] | str], notebook: str | Path | None = None,
                      *, glue: bool = True, said=()) -> dict[str, str]:
    """Glue a text for every number the chapter's Markdown references but the ledger does not hold.

    Parameters
    ----------
    ledger : ResultsLedger
        The chapter's ledger (its ``chapter`` names the notebook ``chapters/<chapter>.ipynb``).
    needs : dict
        Key prefix -> the tables the numbers of that prefix need (the longest
        matching prefix wins), or the text to glue in their place. A missing
        number whose key matches no prefix is left missing, so a mistyped key
        still fails the build.
    notebook : path, optional
        The chapter's source notebook (default ``chapters/<chapter>.ipynb``).
    glue : bool
        Glue the texts (off in tests run outside a kernel).
    said : iterable of str
        Glue keys the chapter glued itself, in words (e.g. "more than 1000
        (out of reach)"): left alone, so no key is glued twice.

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
    reported, said = {r.key for r in ledger.results}, set(said)
    glued: dict[str, str] = {}
    seen: set[tuple] = set()
    for paragraph, role, key, _fmt in glue_roles(notebook):
        base = key[: -len("_text")] if key.endswith("_text") else key
        if base in reported or key in reported or key.endswith("_label") or key in glued or key in said:
            continue
        prefixes = [p for p in needs if base.startswith(p)]
        if not prefixes:
            continue
        if role != "md" or not key.endswith("_text"):
            raise ValueError(f"{notebook.name}: the number {base!r} may not be computed, so reference it as "
                             f"{{glue:md}}`{base}_text`, not with {{glue:{role}}}")
        need = needs[max(prefixes, key=len)]
        tables = need if isinstance(need, str) else tuple(need)
        first = need if isinstance(need, str) else not_computed_text(tables)
        glued[key] = PLACEHOLDER if (paragraph, tables) in seen else first
        seen.add((paragraph, tables))
    if glue and glued:
        from IPython.display import Markdown
        from myst_nb import glue as myst_glue

        for key, text in glued.items():
            myst_glue(key, Markdown(text), display=False)
    return glued


class OptionalTables(Mapping):
    """The optional tables of a combining chapter: those present, loaded; the others left out.

    A read-only mapping from table name to its table (read and checked against
    its schema, then given to the table's *prepare* function, if any); an absent
    table is not a key, and ``tables.get(name)`` is None. Made by
    :meth:`helpers.report.chapter.Chapter.optional_tables`.

    Parameters
    ----------
    uses : dict
        Table name -> what the chapter does with it (for the "left out" note).
    loaded : dict
        Table name -> table, for the tables the data source holds.
    """

    def __init__(self, uses: Mapping[str, str], loaded: Mapping[str, pd.DataFrame]):
        self.uses = dict(uses)
        self._loaded = {name: loaded[name] for name in self.uses if name in loaded}

    @classmethod
    def load(cls, source: str | Path, uses: Mapping[str, str],
             prepare: Mapping[str, Callable[[pd.DataFrame], pd.DataFrame]] | None = None) -> OptionalTables:
        """Read and check every table of *uses* that *source* (folder or workbook) holds.

        A table that is present but broken raises
        :class:`helpers.data.validate.DataValidationError`, as in any chapter.
        """
        from helpers.data.validate import load_present_tables

        prepare = prepare or {}
        unknown = set(prepare) - set(uses)
        if unknown:
            raise ValueError(f"prepare names {', '.join(sorted(unknown))}, not among the tables used "
                             f"({', '.join(uses)})")
        loaded = load_present_tables(list(uses), source)
        return cls(uses, {name: prepare[name](table) if name in prepare else table for name, table in loaded.items()})

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded)

    def __len__(self) -> int:
        return len(self._loaded)

    @property
    def present(self) -> dict[str, bool]:
        """Table name -> whether the data hold it (every table of ``uses``)."""
        return {name: name in self._loaded for name in self.uses}

    @property
    def absent(self) -> list[str]:
        """The tables of ``uses`` the data do not hold, in the order of ``uses``."""
        return [name for name in self.uses if name not in self._loaded]

    def left_out_markdown(self) -> str:
        """The note naming the tables left out and what goes with them (empty text when none)."""
        return left_out_markdown(self.uses, list(self._loaded))

    def section(self, title: str, tables) -> bool:
        """Return True when any of *tables* is present; otherwise show that section *title* is skipped.

        >>> tables = OptionalTables({"human_blot": "h", "pla_cells": "p"}, {"pla_cells": pd.DataFrame()})
        >>> tables.section("The PLA power analysis", "pla_cells")
        True
        """
        tables = [tables] if isinstance(tables, str) else list(tables)
        unknown = set(tables) - set(self.uses)
        if unknown:
            raise KeyError(f"section {title!r} needs {', '.join(sorted(unknown))}, not among the tables used "
                           f"({', '.join(self.uses)})")
        if any(name in self._loaded for name in tables):
            return True
        show_skipped(title, tables)
        return False

    def missing_needs(self, needs: Mapping[str, list[str]]) -> dict[str, list[str] | str]:
        """Name, for each key prefix, the tables it needs that are absent (or :data:`NO_ESTIMATE` when none is).

        >>> tables = OptionalTables({"human_blot": "h", "pla_cells": "p"}, {"pla_cells": pd.DataFrame()})
        >>> tables.missing_needs({"h_": ["human_blot"], "p_": ["pla_cells"], "hp_": ["human_blot", "pla_cells"]})
        {'h_': ['human_blot'], 'p_': 'not computed (these data give no estimate)', 'hp_': ['human_blot']}
        """
        absent = {prefix: [t for t in names if t not in self._loaded] for prefix, names in needs.items()}
        return {prefix: names or NO_ESTIMATE for prefix, names in absent.items()}

    def glue_not_computed(self, ledger, needs: Mapping[str, list[str]], notebook: str | Path | None = None,
                          *, glue: bool = True, said=()) -> dict[str, str]:
        """:func:`glue_not_computed`, naming only the absent tables (:meth:`missing_needs`).

        A number missing although its tables are present (a pool too small to
        form, a contrast the data lack) is glued as :data:`NO_ESTIMATE` rather
        than blamed on a table that is there.
        """
        return glue_not_computed(ledger, self.missing_needs(needs), notebook, glue=glue, said=set(said))
