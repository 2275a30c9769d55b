"""Provenance of the book's pages and numbers.

The build engine (:mod:`helpers.engine.build`) calls two functions:

:func:`annotate_notebook`
    once per executed chapter notebook, before it is cached or rendered. It adds,
    as Markdown outputs that Jupyter Book renders:

    * under every figure and every table, a compact *provenance line*: notebook and
      cell, data files with short SHA-256, parameters, commit, and a download link
      to the executed notebook the page was rendered from;
    * at the end of the chapter, a *Reproduce this chapter* box (the exact papermill
      command and parameters, the data checksums, the source and executed
      notebooks) and a *Cite this chapter* box (APA text and BibTeX, from
      ``CITATION.cff``; see :mod:`helpers.engine.citation`);
    * the same record in the notebook metadata (key
      :data:`helpers.report.ledger.page.MARK`), which the ledger reads.

    It only adds outputs to code cells and one code cell at the end (no Markdown
    cell is added or changed), and it first removes what an earlier call added, so
    it can be called again on a cached notebook (for instance with a new commit).

:func:`write_ledger`
    once after rendering, with every built chapter (an
    :class:`~helpers.report.ledger.page.ExecutedChapter`). The ledger's own code,
    :func:`helpers.report.ledger.page.write_ledger`, writes the book's ledger — one
    row per reported number with its provenance — as ``results.csv`` and
    ``results.json`` into the HTML folder and fills the table of the *Results
    ledger* page; this module adds the record of a notebook it did not annotate.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
from pathlib import Path

import nbformat
import yaml

from helpers.core.git import git_commit
from helpers.core.paths import resolve_data_source
from helpers.engine.book import display_path
from helpers.engine.citation import (
    ChapterCitation,
    cite_markdown,
    data_cite_markdown,
    load_book_meta,
    repository_markdown,
    source_markdown,
)
from helpers.engine.notebooks import chapter_docname, notebook_title
from helpers.engine.parameters import default_parameters, literal_assignments
from helpers.report.ledger import page
from helpers.report.ledger.page import (
    MARK,
    ExecutedChapter,
    relative_paths,
    short_commit,
)
from helpers.report.values import format_parameter

FIGURE_TYPES = ("image/png", "image/svg+xml", "image/jpeg")
FOOTER_SOURCE = "# Added by the book's build (helpers.engine.provenance): how to reproduce and cite this chapter."


# --- What a chapter run used ----------------------------------------------------------


INJECTED_HEADER = "# Parameters of this build (papermill injected them; they override the defaults above)"


def present_injected_parameters(nb: nbformat.NotebookNode) -> None:
    """Hide papermill's injected-parameters cell when it repeats the defaults; otherwise say what it is.

    The engine always injects every parameter, so a default build would show the
    parameters twice; a build with other values shows them once more, labelled.
    """
    defaults = default_parameters(nb)
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type != "code" or "injected-parameters" not in tags:
            continue
        lines = [line for line in cell.source.splitlines() if line.strip() not in ("# Parameters", INJECTED_HEADER)]
        body = "\n".join(lines)
        if literal_assignments(body, what="the injected parameters cell") == defaults:
            cell.metadata["tags"] = [*dict.fromkeys([*tags, "remove-cell"])]
        else:
            cell.metadata["tags"] = [t for t in tags if t != "remove-cell"]
            cell.source = f"{INJECTED_HEADER}\n{body}"


def parameters_ran_with(nb: nbformat.NotebookNode, given: dict) -> dict:
    """Return the parameters the chapter ran with: defaults, then papermill's injected values, then *given*.

    A path inside the repository is written relative to it, so the record is the same on
    every clone.
    """
    params = {**default_parameters(nb), **nb.metadata.get("papermill", {}).get("parameters", {}), **(given or {})}
    return relative_paths(params)


def tables_read(nb: nbformat.NotebookNode) -> list[str]:
    """Return the file names of the tables the notebook's code loads with ``load_table("name", ...)``."""
    from helpers.data.tables import get_specs

    specs = get_specs()
    names = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            names += re.findall(r"load_table\(\s*[\"'](\w+)[\"']", cell.source)
    return [specs[n].filename for n in dict.fromkeys(names) if n in specs]


def source_data_source(parameters: dict, data_source: Path | str | None) -> Path:
    """Return the folder the chapter read: a simulated dataset when ``seed`` is set, else *data_source*.

    *data_source* is what the engine's plan decided the chapter reads; ``None`` (a
    notebook annotated outside a build) takes the book's own ``data/``.
    """
    if parameters.get("seed") is not None:
        from helpers.data.simulate import example_data_source

        return example_data_source(int(parameters["seed"]))
    return resolve_data_source(data_source if data_source is not None else "data")


def data_checksums(folder: Path, filenames: list[str]) -> dict[str, str]:
    """Return ``{file name: sha256}`` of *filenames* in *folder* (every CSV there if none is named)."""
    from helpers.core.hashing import sha256_of

    folder = Path(folder)
    paths = [folder / f for f in filenames] if filenames else sorted(folder.glob("*.csv"))
    return {p.name: sha256_of(p) for p in paths if p.is_file()}


def run_record(nb: nbformat.NotebookNode, *, chapter: str, parameters: dict, data_source: Path | str | None,
               commit: str, data_files: dict | None = None) -> dict:
    """Return what identifies a chapter run: page, title, parameters, data (with checksums), commit, date."""
    from helpers.report.banner import declared_simulated, describe_data

    params = parameters_ran_with(nb, parameters)
    folder = source_data_source(params, data_source)
    info = describe_data(folder)
    if info["simulated"]:
        source = f"simulated example data (seed {info['seed']})"
    elif info.get("kind") == "real":
        source = f"real measurements ({display_path(folder)}; {info['real']['licence_name']})"
    elif declared_simulated(folder) is not None:  # e.g. a corpus design: simulated, not the example's truths
        source = f"user-supplied data declared simulated by its description ({display_path(folder)})"
    else:
        source = f"user-supplied data ({display_path(folder)})"
    end = nb.metadata.get("papermill", {}).get("end_time") or dt.datetime.now(dt.UTC).isoformat()
    return {
        "chapter": chapter,
        "docname": chapter_docname(chapter),
        "title": notebook_title(nb, chapter),
        "parameters": params,
        "data_source": source,
        "data": info.get("kind", "simulated" if info["simulated"] else "user"),
        "data_citation": (info.get("real") or {}).get("citation", ""),
        "data_citation_url": (info.get("real") or {}).get("citation_url", ""),
        "data_licence": (info.get("real") or {}).get("licence_name", ""),
        "data_files": dict(data_files) if data_files else data_checksums(folder, tables_read(nb)),
        "commit": commit or git_commit(),
        "date": str(end)[:10],
    }


# --- Annotating an executed notebook --------------------------------------------------


def _markdown_output(text: str, kind: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("display_data", data={"text/markdown": text, "text/plain": kind},
                                  metadata={MARK: kind})


def _is_marked(thing) -> bool:
    return MARK in thing.get("metadata", {})


def strip_annotations(nb: nbformat.NotebookNode) -> None:
    """Remove everything :func:`annotate_notebook` added (so annotating twice changes nothing)."""
    nb.cells = [c for c in nb.cells if not _is_marked(c)]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not _is_marked(o)]
    nb.metadata.pop(MARK, None)


def output_kind(output: dict) -> str | None:
    """Return ``"figure"`` or ``"table"`` for an output that shows one, else None.

    >>> output_kind({"output_type": "display_data", "data": {"image/png": "..."}})
    'figure'
    >>> output_kind({"output_type": "execute_result", "data": {"text/html": "<table></table>"}})
    'table'
    """
    if output.get("output_type") not in ("display_data", "execute_result"):
        return None
    data = output.get("data", {})
    if any(t in data for t in FIGURE_TYPES):
        return "figure"
    if "<table" in str(data.get("text/html", "")):
        return "table"
    return None


def _code(text) -> str:
    """Return *text* as inline code, safe for Markdown."""
    return "`" + str(text).replace("`", "'") + "`"


def provenance_line(kind: str, cell_number: int, record: dict) -> str:
    """Return the compact Markdown line shown under one figure or table."""
    notebook = f"{record['chapter']}.ipynb"
    data = ", ".join(f"{_code(name)} {_code(sha[:12])}" for name, sha in record["data_files"].items()) or "none"
    params = ", ".join(_code(format_parameter(k, v)) for k, v in record["parameters"].items()) or "none"
    commit = _code(short_commit(record["commit"])) if record["commit"] else "unknown"
    return (
        f"<small>Provenance of this {kind}: cell {cell_number} of the executed notebook "
        f"{{download}}`{notebook} <{notebook}>` · {record['data_source']}: {data} · "
        f"parameters {params} · commit {commit}</small>"
    )


def papermill_command(chapter: str, parameters: dict, docname: str | None = None) -> str:
    """Return the papermill command that executes *chapter* with exactly *parameters*.

    Strings are passed raw (``-r``) so they stay strings; numbers, booleans and None
    with ``-p``, which papermill parses back to the same value; anything else as YAML.

    >>> print(papermill_command("c", {"region": "motor cortex", "alpha": 0.05, "seed": None}))
    .venv/bin/papermill chapters/c.ipynb c.executed.ipynb \\
        -r region 'motor cortex' \\
        -p alpha 0.05 \\
        -p seed None
    """
    lines = [f".venv/bin/papermill {docname or 'chapters/' + chapter}.ipynb {chapter}.executed.ipynb"]
    for name, value in parameters.items():
        if isinstance(value, str):
            lines.append(f"-r {name} {shlex.quote(value)}")
        elif value is None or isinstance(value, bool | int | float):
            lines.append(f"-p {name} {value!r}")
        else:
            lines.append(f"-y {shlex.quote(yaml.safe_dump({name: value}, default_flow_style=True).strip())}")
    return " \\\n    ".join(lines)


def footer_markdown(record: dict, meta=None) -> str:
    """Return the Markdown of the chapter's last cell: the reproduce box and the cite box."""
    meta = meta or load_book_meta()
    commit = record["commit"]
    sha = commit.removesuffix("-dirty")
    notebook = f"{record['chapter']}.ipynb"
    checkout = (f"git checkout {sha[:12]}" if sha else "git checkout main")
    dirty_note = (" The working tree had uncommitted changes when the page was built, so the commit "
                  "is the nearest recorded state, not an exact one." if commit.endswith("-dirty") else "")
    rows = "\n".join(f"| `{name}` | `{digest}` |" for name, digest in record["data_files"].items())
    files = f"| data file | SHA-256 |\n| --- | --- |\n{rows}\n" if rows else "No data file was read.\n"
    source_link = source_markdown(meta, f"{record['docname']}.ipynb", sha)
    citation = ChapterCitation(record["chapter"], record["docname"], record["title"], commit)
    return f"""::::{{admonition}} Reproduce this chapter
:class: tip
This page was computed on {record['date']} from {record['data_source']}, at commit
`{commit or 'unknown'}`.{dirty_note} In a clone of the {repository_markdown(meta)}:

```bash
{checkout}
make setup
{papermill_command(record['chapter'], record['parameters'], record['docname'])}
```

{files}
Downloads: the {{download}}`executed notebook <{notebook}>` this page was rendered
from, and the {source_link} (without outputs) at that commit.
::::

::::{{admonition}} Cite this chapter
:class: note
{cite_markdown(meta, citation)}{data_cite_markdown(record.get("data_citation", "") if record.get("data") == "real" else "", record.get("data_citation_url", ""), record.get("data_licence", ""))}
::::
"""


def annotate_notebook(path: Path, *, chapter: str, parameters: dict, data_source: Path, commit: str,
                      data_files: dict | None = None) -> None:
    """Add provenance lines, the reproduce box and the cite box to an executed chapter notebook, in place.

    Parameters
    ----------
    path : Path
        The executed notebook (rewritten in place).
    chapter : str
        The chapter's name (the notebook's stem).
    parameters : dict
        Parameters passed to papermill (the defaults of the ``parameters`` cell and the
        values papermill injected are read from the notebook and completed by these).
    data_source : Path
        The data folder given to the build (a chapter whose ``seed`` is set reads a
        simulated dataset instead, and the record says so).
    commit : str
        The commit the build ran on (``-dirty`` suffix for uncommitted changes);
        empty means "ask git".
    data_files : dict, optional
        ``{file name: sha256}`` of the files the chapter read, when the engine
        recorded them; otherwise the tables named in ``load_table`` calls.
    """
    path = Path(path)
    nb = nbformat.read(str(path), as_version=4)
    strip_annotations(nb)
    present_injected_parameters(nb)
    record = run_record(nb, chapter=chapter, parameters=parameters, data_source=data_source, commit=commit,
                        data_files=data_files)
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in cell.outputs:
            outputs.append(output)
            kind = output_kind(output)
            if kind:
                outputs.append(_markdown_output(provenance_line(kind, number, record), "provenance"))
        cell.outputs = outputs
    # Jupyter Book skips cells without source, so the footer cell holds a comment.
    footer = nbformat.v4.new_code_cell(FOOTER_SOURCE)
    footer.id = "mam-tbk1-provenance-footer"  # fixed, so annotating twice writes the same file
    footer.metadata = {"tags": ["remove-input"], MARK: "footer"}
    footer.outputs = [_markdown_output(footer_markdown(record), "footer")]
    nb.cells.append(footer)
    nb.metadata[MARK] = record
    nbformat.write(nb, str(path))


# --- The book's ledger (helpers.report.ledger.page writes it) ---------------------------


def read_record(path: Path) -> dict:
    """Return the provenance record :func:`annotate_notebook` stored in a notebook ({} if none)."""
    return dict(nbformat.read(str(path), as_version=4).metadata.get(MARK, {}))


def write_ledger(runs: list[ExecutedChapter], html_dir: Path) -> None:
    """Write the book's ledger into *html_dir* (:func:`helpers.report.ledger.page.write_ledger`).

    A notebook that was not annotated gets the record :func:`run_record` derives from it.
    """
    page.write_ledger(runs, html_dir, derive_record=derived_record)


def derived_record(nb: nbformat.NotebookNode, run: ExecutedChapter) -> dict:
    return run_record(nb, chapter=run.chapter, parameters=run.parameters, data_source=run.data_source,
                      commit=run.commit, data_files=run.data_files or None)
