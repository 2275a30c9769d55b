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
    * the same record in the notebook metadata (key :data:`MARK`), which
      :func:`write_ledger` reads.

    It only adds outputs to code cells and one code cell at the end (no Markdown
    cell is added or changed), and it first removes what an earlier call added, so
    it can be called again on a cached notebook (for instance with a new commit).

:func:`write_ledger`
    once after rendering, with every chapter's run record. It writes the book's
    ledger — one row per reported number with its provenance — as ``results.csv``
    and ``results.json`` into the HTML folder and fills the table of the *Results
    ledger* page (``chapters/ledger.md``), which holds a placeholder until then.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import posixpath
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pandas as pd
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
from helpers.engine.ledger_io import incomplete_rows, read_notebook_results, write_ledger_csv
from helpers.engine.notebooks import chapter_docname, notebook_title
from helpers.engine.parameters import default_parameters, literal_assignments
from helpers.report.ledger import LEDGER_COLUMNS, LEDGER_KEY
from helpers.report.values import format_parameter

#: Metadata key marking everything :func:`annotate_notebook` adds (outputs, the footer cell, the record).
MARK = "mam_tbk1_provenance"
#: Docname of the Results ledger page and the markers around its table.
LEDGER_PAGE = "chapters/ledger"
LEDGER_START = "<!-- results-ledger:start -->"
LEDGER_END = "<!-- results-ledger:end -->"
FIGURE_TYPES = ("image/png", "image/svg+xml", "image/jpeg")
FOOTER_SOURCE = "# Added by the book's build (helpers.engine.provenance): how to reproduce and cite this chapter."


# --- What a chapter run used ----------------------------------------------------------


@dataclass(frozen=True)
class ExecutedChapter:
    """One chapter of a built book, as the ledger reads it: its executed notebook and what it ran with."""

    chapter: str
    notebook: Path  # the executed (annotated) notebook its page was rendered from
    parameters: dict = field(default_factory=dict)
    data_files: dict = field(default_factory=dict)  # {file name: sha256} the engine recorded
    commit: str = ""
    data_source: Path | None = None  # the data it read (None: its record says)


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


def relative_paths(parameters: dict) -> dict:
    """*parameters* with every absolute path inside the repository written relative to it.

    >>> from helpers.core.paths import ROOT
    >>> relative_paths({"data_source": str(ROOT / "data"), "alpha": 0.05, "note": "/elsewhere/x"})
    {'data_source': 'data', 'alpha': 0.05, 'note': '/elsewhere/x'}
    """
    return {k: display_path(v) if isinstance(v, str) and Path(v).is_absolute() else v for k, v in parameters.items()}


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


def _short_commit(commit: str) -> str:
    """Return the first 12 characters of a commit, keeping a ``-dirty`` marker.

    >>> _short_commit("0123456789abcdef0123-dirty")
    '0123456789ab-dirty'
    """
    commit = str(commit or "")
    return commit[:12] + ("-dirty" if commit.endswith("-dirty") else "")


def provenance_line(kind: str, cell_number: int, record: dict) -> str:
    """Return the compact Markdown line shown under one figure or table."""
    notebook = f"{record['chapter']}.ipynb"
    data = ", ".join(f"{_code(name)} {_code(sha[:12])}" for name, sha in record["data_files"].items()) or "none"
    params = ", ".join(_code(format_parameter(k, v)) for k, v in record["parameters"].items()) or "none"
    commit = _code(_short_commit(record["commit"])) if record["commit"] else "unknown"
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


# --- The book's ledger ----------------------------------------------------------------


def read_record(path: Path) -> dict:
    """Return the provenance record :func:`annotate_notebook` stored in a notebook ({} if none)."""
    return dict(nbformat.read(str(path), as_version=4).metadata.get(MARK, {}))


def unledgered_glue(path: Path) -> list[str]:
    """Return the names of numbers glued in a notebook that its results ledger does not list."""
    nb = nbformat.read(str(path), as_version=4)
    keys = {r["key"] for r in read_notebook_results(path)}
    missing = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if not name or name == LEDGER_KEY or name.endswith("_text") or name in keys:
                continue
            text = output.get("data", {}).get("application/papermill.record/text/plain", "")
            try:
                float(text)
            except ValueError:
                continue
            missing.append(name)
    return missing


def data_kind(data_source: str) -> str:
    """Return ``simulated``, ``real`` or ``user`` from a record's data-source text (records older than ``data``).

    >>> data_kind("simulated example data (seed 1)"), data_kind("real measurements (data/real/x; CC-BY-4.0)")
    ('simulated', 'real')
    """
    for kind, start in (("simulated", "simulated"), ("real", "real measurements")):
        if data_source.startswith(start):
            return kind
    return "user"


def ledger_frame(runs: list[ExecutedChapter]) -> pd.DataFrame:
    """Return the book's ledger: every reported number of every run, with its provenance.

    The run's own ``parameters`` and ``data_files`` take precedence (the engine knows
    the files a chapter actually read); what the run leaves empty, and the commit the
    numbers were computed at, come from the record :func:`annotate_notebook` stored
    (or, for a notebook that was not annotated, from the same record derived now).
    """
    rows = []
    for run in runs:
        path = Path(run.notebook)
        nb = nbformat.read(str(path), as_version=4)
        record = dict(nb.metadata.get(MARK, {}))
        if not record:  # not annotated: derive the same record from the executed notebook
            record = run_record(nb, chapter=run.chapter, parameters=run.parameters, data_source=run.data_source,
                                commit=run.commit, data_files=run.data_files or None)
        params = relative_paths({**record.get("parameters", {}), **run.parameters})
        described = record.get("data_source", "")  # the record's sentence saying what the data are
        provenance = {
            "page": record.get("docname") or chapter_docname(run.chapter),
            "data_source": described,
            "data_files": json.dumps(run.data_files or record.get("data_files", {}), sort_keys=True),
            "parameters": json.dumps(params, sort_keys=True),
            # the commit the numbers were computed at (a cached chapter keeps its own)
            "commit": record.get("commit") or run.commit,
            "data": record.get("data") or data_kind(described),
        }
        rows += [{**result, **provenance} for result in read_notebook_results(path)]
    frame = pd.DataFrame(rows, columns=LEDGER_COLUMNS)
    return frame.astype({"n": "Int64"})


def _cell(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return f"{value:.4g}".replace("-", "\u2212")
    return html.escape(str(value))


def ledger_table_html(frame: pd.DataFrame, page: str = LEDGER_PAGE) -> str:
    """Return the ledger as an HTML table for the Results ledger page (links relative to *page*)."""
    here = posixpath.dirname(page)
    head = ("<tr><th>Chapter</th><th>Key</th><th>Value</th><th>CI</th><th>n</th><th>Unit</th>"
            "<th>Method</th><th>Description</th><th>Data</th><th>Parameters</th><th>Commit</th></tr>")
    body = []
    for row in frame.to_dict(orient="records"):
        link = posixpath.relpath(f"{row['page']}.html", here or ".")
        ci = ""
        if _cell(row["ci_low"]):
            ci = f"{_cell(row['ci_low'])} to {_cell(row['ci_high'])} ({round(100 * row['ci_level'])}%)"
        n = "" if row["n"] is pd.NA or row["n"] is None else f"{row['n']} {_cell(row['n_unit'])}"
        files = json.loads(row["data_files"] or "{}")
        data = "<br>".join(f"{html.escape(k)} <code>{v[:12]}</code>" for k, v in files.items())
        params = "<br>".join(html.escape(format_parameter(k, v))
                             for k, v in json.loads(row["parameters"] or "{}").items())
        body.append(
            f"<tr><td><a href=\"{link}\">{_cell(row['chapter'])}</a></td><td><code>{_cell(row['key'])}</code></td>"
            f"<td>{_cell(row['value'])}</td><td>{ci}</td><td>{n}</td><td>{_cell(row['unit'])}</td>"
            f"<td>{_cell(row['method'])}</td><td>{_cell(row['description'])}</td>"
            f"<td>{_cell(row['data_source'])}<br>{data}</td><td>{params}</td>"
            f"<td><code>{_cell(_short_commit(row['commit']))}</code></td></tr>"
        )
    return (f"<p>{len(frame)} results from {frame['chapter'].nunique()} chapters.</p>\n"
            "<div class=\"ledger-scroll\" role=\"region\" tabindex=\"0\" "
            "aria-label=\"Results ledger: every number the chapters report\" style=\"overflow-x:auto\">\n"
            f"<table class=\"table results-ledger\">\n<thead>{head}</thead>\n<tbody>\n"
            + "\n".join(body) + "\n</tbody>\n</table>\n</div>")


def fill_ledger_page(html_dir: Path, frame: pd.DataFrame, page: str = LEDGER_PAGE) -> bool:
    """Put the ledger table into the rendered Results ledger page; return False if the book has no such page."""
    target = Path(html_dir) / f"{page}.html"
    if not target.is_file():
        return False
    text = target.read_text(encoding="utf-8")
    start, end = text.find(LEDGER_START), text.find(LEDGER_END)
    if start < 0 or end < start:
        raise RuntimeError(f"{target} lacks the ledger markers {LEDGER_START} ... {LEDGER_END}")
    filled = text[: start + len(LEDGER_START)] + "\n" + ledger_table_html(frame, page) + "\n" + text[end:]
    target.write_text(filled, encoding="utf-8")
    return True


def write_ledger(runs: list[ExecutedChapter], html_dir: Path) -> None:
    """Write the book's ledger into *html_dir*: ``results.csv``, ``results.json`` and the ledger page's table.

    Parameters
    ----------
    runs : list of ExecutedChapter
        One per built chapter.
    html_dir : Path
        The rendered HTML folder.
    """
    html_dir = Path(html_dir)
    frame = ledger_frame(runs)
    write_ledger_csv(frame, html_dir / "results.csv")
    records = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    for record in records:
        record["data_files"] = json.loads(record["data_files"] or "{}")
        record["parameters"] = json.loads(record["parameters"] or "{}")
    (html_dir / "results.json").write_text(json.dumps(records, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                                           encoding="utf-8")
    fill_ledger_page(html_dir, frame)
    for problem in incomplete_rows(frame):
        print(f"[ledger] incomplete: {problem}", flush=True)
    for run in runs:
        for name in unledgered_glue(Path(run.notebook)):
            print(f"[ledger] {run.chapter}: glued number {name!r} is not in the results ledger", flush=True)
