"""Assembling: the book's sources as they will be rendered, in ``<out>/.assembled`` (execution off).

The assembled book holds the executed notebooks with today's Markdown (a prose edit
re-renders without re-executing), a "Built from" note on every page, a short page
for each chapter the data source cannot build (:mod:`helpers.engine.selection`)
and an *Execution status* appendix. :func:`assemble` returns the assembled book as an
:class:`Assembly` (the executed pages as recipes, so a no-op rebuild can compare digests
without serialising a notebook); its :meth:`Assembly.contents` are the files as
``{relative path: bytes}``, which :mod:`helpers.engine.render` writes and renders.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from helpers.core.files import load_yaml
from helpers.core.hashing import Hasher, sha256_bytes, sha256_text
from helpers.engine.book import ChapterRun, display_path
from helpers.engine.notebooks import notebook_bytes, notebook_title, toc_files
from helpers.engine.plan import BookPlan, ChapterPlan
from helpers.engine.selection import missing_text, not_built_page
from helpers.report.values import format_parameter

#: Book sources copied into the assembling folder besides the notebooks and the pages listed in the TOC.
BOOK_FILES = ("_config.yml", "_toc.yml", "intro.md", "references.bib", "CITATION.cff")
BOOK_DIRS = ("_static", "_templates", "images", "figures")
#: Docname of the generated execution-status page (assembled only, never in the repository).
STATUS_DOC = "execution_status"


def merge_markdown(source: dict, executed: dict, by_id: bool = True) -> dict:
    """Return the executed notebook with the current source's Markdown (and cell metadata).

    Code cells are paired with the source's by cell id (by order when the source
    has no ids); cells the execution added (papermill's injected parameters,
    provenance footers) stay after the cell they followed.
    """
    src_cells = source.get("cells", [])
    with_ids = by_id and all(c.get("id") for c in src_cells)
    src_ids = {c["id"] for c in src_cells} if with_ids else set()
    n_code = sum(c.get("cell_type") == "code" for c in src_cells)
    pairs: dict[int, dict] = {}  # index of a source code cell -> executed cell
    extras: dict[int, list] = {}  # index of the source cell an added cell follows (-1: start)
    src_index = {c.get("id"): i for i, c in enumerate(src_cells)} if with_ids else {}
    code_positions = [i for i, c in enumerate(src_cells) if c.get("cell_type") == "code"]
    anchor, consumed = -1, 0
    for cell in executed.get("cells", []):
        added = "injected-parameters" in cell.get("metadata", {}).get("tags", [])
        if with_ids and not added:
            if cell.get("id") in src_ids:
                anchor = src_index[cell["id"]]
                if cell.get("cell_type") == "code":
                    pairs[anchor] = cell
                continue
            added = cell.get("cell_type") == "code"
        elif not added and cell.get("cell_type") == "code":
            if consumed < n_code:
                anchor = code_positions[consumed]
                pairs[anchor] = cell
                consumed += 1
                continue
            added = True
        if added:
            extras.setdefault(anchor, []).append(cell)
    if len(pairs) != n_code:  # ids changed (e.g. a regenerated notebook with the same code): pair by order
        if with_ids:
            return merge_markdown(source, executed, by_id=False)
        raise ValueError("the executed notebook's code cells do not match the source's")
    cells = list(extras.get(-1, []))
    for i, cell in enumerate(src_cells):
        if cell.get("cell_type") == "code":
            ran = pairs[i]
            metadata = dict(cell.get("metadata", {}))
            if "papermill" in ran.get("metadata", {}):
                metadata["papermill"] = ran["metadata"]["papermill"]
            cells.append({**ran, "metadata": metadata})
        else:
            cells.append(cell)
        cells += extras.get(i, [])
    return {**executed, "cells": cells}


def md_code(text: str) -> str:
    """Make *text* safe inside inline code in a Markdown table."""
    return text.replace("`", "'").replace("|", "\\|")


def provenance_note(plan: BookPlan, chapter: ChapterPlan, data_files: dict) -> dict:
    """A Markdown cell saying which data (with checksums) and parameters the page was built from.

    The folder is the data the plan decided the chapter reads (a chapter with bundled data
    reads its own whatever the build's data source is).
    """
    book = plan.book
    folder = display_path(chapter.data_source, book.root)
    rows = "\n".join(f"| `{name}` | `{digest}` |" for name, digest in sorted(data_files.items()))
    table = ("| file read | SHA-256 |\n| --- | --- |\n" + rows) if rows else "This page read no data file."
    values = ", ".join(f"`{md_code(format_parameter(k, v, ' = ', literal=True))}`" for k, v in chapter.parameters.items()) or "none"
    text = (f":::{{admonition}} Built from: data `{folder}`, variant `{book.variant or 'default'}`\n"
            ":class: note dropdown\n"
            f"**Parameters:** {values}\n\n{table}\n\n"
            f"How every chapter ran: {{doc}}`execution status </{STATUS_DOC}>`.\n:::")
    return {"cell_type": "markdown", "id": "helpers-book-built-from", "metadata": {}, "source": text}


def data_summary(plan: BookPlan, hasher: Hasher) -> tuple[dict, str]:
    """``{file: sha256}`` of the data source and one hash of them all."""
    files = {p.name: hasher(p) for p in plan.data_source.files()}
    return files, sha256_text(*(f"{k}:{v}" for k, v in files.items()))


def page_note(plan: BookPlan, dataset_hash: str) -> str:
    """The note added to the end of every Markdown page of the assembled book."""
    folder = display_path(plan.data_source.path, plan.book.root)
    return (f"\n\n```{{note}}\nThis book was built from the data folder `{folder}` "
            f"(dataset SHA-256 `{dataset_hash[:16]}`), variant `{plan.book.variant or 'default'}`; "
            f"{{doc}}`execution status </{STATUS_DOC}>` lists every chapter's parameters and data checksums.\n```\n")


def not_built_list(plan: BookPlan) -> str:
    """The note on the landing page naming the chapters this data source could not build ('' if none)."""
    if not plan.skipped:
        return ""
    items = "\n".join(f"- {{doc}}`{c.name} </{c.docname}>`: {missing_text(c)}" for c in plan.skipped)
    return (f"\n\n```{{admonition}} Not built from this data\n:class: warning\n"
            f"The data source `{display_path(plan.data_source.path, plan.book.root)}` lacks the tables these chapters "
            f"need; each appears as a short page saying what to add.\n\n{items}\n```\n")


def assembled_config(assembled: dict, root: Path) -> None:
    """Assemble ``_config.yml`` with execution off (and its bibliography) and ``_toc.yml`` with the status page."""
    config = load_yaml(assembled["_config.yml"].decode("utf-8"))
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    assembled["_config.yml"] = yaml.safe_dump(config, sort_keys=False, allow_unicode=True).encode("utf-8")
    for bib in config.get("bibtex_bibfiles", []) or []:
        if (root / bib).is_file():
            assembled[bib] = (root / bib).read_bytes()
    toc = load_yaml(assembled["_toc.yml"].decode("utf-8"))
    if "parts" in toc:
        toc["parts"].append({"caption": "Build", "chapters": [{"file": STATUS_DOC}]})
    else:
        toc.setdefault("chapters", []).append({"file": STATUS_DOC})
    assembled["_toc.yml"] = yaml.safe_dump(toc, sort_keys=False, allow_unicode=True).encode("utf-8")


@dataclass(frozen=True)
class ExecutedPage:
    """An executed chapter's page, made only when the book renders: the chapter as the book holds it,
    the executed notebook it renders from, and its *Built from* note."""

    source: dict
    executed: Path
    note: dict

    def digest(self) -> str:
        """SHA-256 of what the page is made from (the code making it is in the package fingerprint)."""
        return sha256_text(sha256_bytes(self.executed.read_bytes()),
                           json.dumps(self.source, sort_keys=True), json.dumps(self.note, sort_keys=True))

    def content(self) -> bytes:
        """The page: the executed notebook with the book's Markdown and the note after the title."""
        nb = merge_markdown(self.source, json.loads(self.executed.read_text(encoding="utf-8")))
        position = next((i + 1 for i, c in enumerate(nb["cells"]) if c.get("cell_type") == "markdown"), 0)
        nb["cells"].insert(position, self.note)
        return notebook_bytes(nb)


@dataclass(frozen=True)
class Assembly:
    """The assembled book: files as bytes, executed chapters as :class:`ExecutedPage` recipes."""

    files: dict[str, bytes]
    pages: dict[str, ExecutedPage]

    def digests(self) -> dict[str, str]:
        """``{relative path: SHA-256}`` of every file, a page's from what it is made of."""
        digests = {rel: sha256_bytes(data) for rel, data in self.files.items()}
        return digests | {rel: page.digest() for rel, page in self.pages.items()}

    def contents(self) -> dict[str, bytes]:
        """``{relative path: bytes}`` of every file, pages made."""
        return self.files | {rel: page.content() for rel, page in self.pages.items()}


def assemble(plan: BookPlan, runs: dict[str, ChapterRun], hasher: Hasher) -> Assembly:
    """The assembled book: pages, config, executed chapters (as recipes), stubs.

    *runs* holds the run of every chapter the plan builds, each with the executed
    notebook it rendered from (its cache entry's).
    """
    root = plan.book.root
    chapters, skipped = plan.built, plan.skipped
    assembled = {name: (root / name).read_bytes() for name in BOOK_FILES if (root / name).is_file()}
    assembled_config(assembled, root)
    _, dataset_hash = data_summary(plan, hasher)
    notebooks = {c.docname for c in [*chapters, *skipped]}
    docs = toc_files(root / "_toc.yml")
    for doc in docs:
        if doc in notebooks:
            continue
        for suffix in (".md", ".ipynb", ".rst"):
            if (root / f"{doc}{suffix}").is_file():
                data = (root / f"{doc}{suffix}").read_bytes()
                if suffix == ".md":
                    landing = not_built_list(plan) if doc == docs[0] else ""
                    data += (landing + page_note(plan, dataset_hash)).encode("utf-8")
                assembled[f"{doc}{suffix}"] = data
                break
    for folder in {Path(c.docname).parent for c in chapters} | {Path("chapters")}:
        src = root / folder
        for path in src.iterdir() if src.is_dir() else []:  # figures and other assets next to the chapters
            if path.is_file() and path.suffix not in (".ipynb", ".md", ".yml", ".py") and not path.name.startswith("."):
                assembled[(folder / path.name).as_posix()] = path.read_bytes()
    for name in BOOK_DIRS:
        for path in sorted((root / name).rglob("*")) if (root / name).is_dir() else []:
            if path.is_file():
                assembled[path.relative_to(root).as_posix()] = path.read_bytes()
    pages = {f"{c.docname}.ipynb": ExecutedPage(c.notebook, runs[c.name].notebook,
                                                provenance_note(plan, c, runs[c.name].data_files)) for c in chapters}
    for chapter in skipped:
        title = notebook_title(chapter.notebook, chapter.name)
        assembled[f"{chapter.docname}.md"] = not_built_page(plan, chapter, title).encode("utf-8")
    return Assembly(assembled, pages)


def status_page(plan: BookPlan, runs: list[ChapterRun], hasher: Hasher, commit: str) -> str:
    """The Markdown of the execution-status appendix (every chapter of *plan*, built or not).

    The web page lists every parameter and full checksums; the PDF (``{only} latex``)
    a short table that fits the text width: short checksums and commit, the
    parameters left to each chapter's *Built from* note.
    """
    files, dataset_hash = data_summary(plan, hasher)
    chapters = plan.chapters
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    by_name = {r.chapter: r for r in runs}
    folder = display_path(plan.data_source.path, plan.book.root)
    variant = plan.book.variant or "default"
    statuses = {c.name: (f"not built: {by_name[c.name].message}" if by_name[c.name].status == "not built"
                         else by_name[c.name].status) for c in chapters}
    cached = ("A chapter is *cached* when nothing it depends on changed since it executed (code cells, "
              "parameters, data files it read, helper modules it imported, the pinned environment); "
              "*not built* when the data source lacks the tables it needs.")
    lines = [
        "# Execution status", "",
        "```{only} html",
        f"Built {now} by `python -m helpers book` from commit `{commit or 'unknown'}`, "
        f"variant `{variant}`, data folder `{folder}` (dataset SHA-256 `{dataset_hash}`).", cached,
        "```", "",
        "```{only} latex",
        f"Built {now} by `python -m helpers book` from commit `{(commit or 'unknown')[:12]}`, "
        f"variant `{variant}`, data folder `{folder}` (dataset SHA-256 `{dataset_hash[:16]}`; the full "
        "checksums are on the web page of this appendix).", cached,
        "```", "",
        "```{only} html",
        "| chapter | status | time (s) | executed at (UTC) | parameters |", "| --- | --- | --- | --- | --- |",
    ]
    for chapter in chapters:
        run = by_name[chapter.name]
        values = "<br>".join(f"`{md_code(format_parameter(k, v, ' = ', literal=True))}`" for k, v in chapter.parameters.items()) or "none"
        lines.append(f"| {{doc}}`{chapter.name} </{chapter.docname}>` | {statuses[chapter.name]} | {run.seconds:.1f} | "
                     f"{run.executed_at} | {values} |")
    lines += ["```", "", "```{only} latex",
              "| chapter | status | time (s) | executed at (UTC) |", "| --- | --- | --: | --- |"]
    for chapter in chapters:
        run = by_name[chapter.name]
        lines.append(f"| {{doc}}`{chapter.name} </{chapter.docname}>` | {statuses[chapter.name]} | {run.seconds:.1f} | "
                     f"{str(run.executed_at).replace('T', ' ').replace('+00:00', '')} |")
    lines += ["", "The parameters each chapter ran with are in its *Built from* note.", "```", ""]
    readers = {name: ", ".join(c.name for c in chapters if name in by_name[c.name].data_files) for name in files}
    lines += ["## Data files", "", "```{only} html", "| file | SHA-256 | read by |", "| --- | --- | --- |"]
    lines += [f"| `{name}` | `{digest}` | {readers[name] or '-'} |" for name, digest in files.items()]
    # the PDF: fixed column widths, so that a file name and a checksum are never squeezed off the page
    lines += ["```", "", "````{only} latex", "```{list-table}", ":header-rows: 1", ":widths: 30 22 48", "",
              "* - file", "  - SHA-256 (first 16 digits)", "  - read by"]
    for name, digest in files.items():
        lines += [f"* - `{name}`", f"  - `{digest[:16]}`", f"  - {readers[name] or 'none'}"]
    lines += ["```", "````", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
