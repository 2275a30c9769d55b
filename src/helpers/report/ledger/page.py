"""The book's ledger as published: one row per reported number with its provenance, in the HTML.

After rendering, the engine hands over every built chapter as an :class:`ExecutedChapter`;
:func:`write_ledger` reads each executed notebook's results table
(:func:`helpers.report.ledger.files.read_notebook_results`) and the provenance record
the engine stored in its metadata (key :data:`MARK`), and writes ``results.csv``,
``results.json`` and the table of the *Results ledger* page (``chapters/ledger.md``),
which holds a placeholder until then. Nothing here imports the engine: what only
the engine knows (the record of a notebook it did not annotate) is passed in.
"""

from __future__ import annotations

import html
import json
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pandas as pd

from helpers.core.paths import ROOT
from helpers.report.ledger.files import incomplete_rows, read_notebook_results, write_ledger_csv
from helpers.report.ledger.record import LEDGER_COLUMNS, LEDGER_KEY
from helpers.report.values import format_parameter

#: Metadata key of the provenance the engine adds to an executed notebook (outputs, footer cell, record).
MARK = "mam_tbk1_provenance"
#: Docname of the Results ledger page and the markers around its table.
LEDGER_PAGE = "chapters/ledger"
LEDGER_START = "<!-- results-ledger:start -->"
LEDGER_END = "<!-- results-ledger:end -->"


@dataclass(frozen=True)
class ExecutedChapter:
    """One chapter of a built book, as the ledger reads it: its executed notebook and what it ran with."""

    chapter: str
    docname: str  # its page, e.g. chapters/human_tbk1
    notebook: Path  # the executed (annotated) notebook its page was rendered from
    parameters: dict = field(default_factory=dict)
    data_files: dict = field(default_factory=dict)  # {file name: sha256} the engine recorded
    commit: str = ""
    data_source: Path | None = None  # the data it read (None: its record says)


def relative_paths(parameters: dict, root: Path = ROOT) -> dict:
    """*parameters* with every absolute path inside the repository written relative to it.

    So a record is the same on every clone.

    >>> relative_paths({"data_source": str(ROOT / "data"), "alpha": 0.05, "note": "/elsewhere/x"})
    {'data_source': 'data', 'alpha': 0.05, 'note': '/elsewhere/x'}
    """
    def relative(value):
        if not isinstance(value, str) or not Path(value).is_absolute():
            return value
        try:
            return Path(value).resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            return value

    return {k: relative(v) for k, v in parameters.items()}


def short_commit(commit: str) -> str:
    """Return the first 12 characters of a commit, keeping a ``-dirty`` marker.

    >>> short_commit("0123456789abcdef0123-dirty")
    '0123456789ab-dirty'
    """
    commit = str(commit or "")
    return commit[:12] + ("-dirty" if commit.endswith("-dirty") else "")


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


def ledger_frame(runs: list[ExecutedChapter], derive_record: Callable | None = None) -> pd.DataFrame:
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
        if not record and derive_record is not None:  # not annotated: derive the record from the notebook
            record = derive_record(nb, run)
        params = relative_paths({**record.get("parameters", {}), **run.parameters})
        described = record.get("data_source", "")  # the record's sentence saying what the data are
        provenance = {
            "page": record.get("docname") or run.docname,
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
            f"<td><code>{_cell(short_commit(row['commit']))}</code></td></tr>"
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


def write_ledger(runs: list[ExecutedChapter], html_dir: Path, derive_record: Callable | None = None) -> None:
    """Write the book's ledger into *html_dir*: ``results.csv``, ``results.json`` and the ledger page's table.

    Parameters
    ----------
    runs : list of ExecutedChapter
        One per built chapter.
    derive_record : callable, optional
        ``derive_record(notebook, run)``: the provenance record of a notebook that
        carries none (the engine passes :func:`helpers.engine.provenance.run_record`).
    html_dir : Path
        The rendered HTML folder.
    """
    html_dir = Path(html_dir)
    frame = ledger_frame(runs, derive_record)
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
