"""Provenance of the book's numbers and pages (issue 6 extends this module).

The build engine calls :func:`annotate_notebook` on every executed chapter and
:func:`write_ledger` once with every chapter's run record.
"""

from __future__ import annotations

import json
from pathlib import Path

from .results import collect_results


def annotate_notebook(path: Path, *, chapter: str, parameters: dict, data_dir: Path, commit: str) -> None:
    """Add provenance to an executed chapter notebook in place (currently nothing is added)."""
    return None


def write_ledger(runs: list[dict], html_dir: Path) -> None:
    """Write ``results.csv`` and ``results.json`` into *html_dir* from the executed notebooks.

    Parameters
    ----------
    runs : list of dict
        One per chapter: ``chapter``, ``executed_notebook`` (Path), ``parameters``
        (dict), ``data_files`` ({file name: sha256}), ``commit`` (str).
    """
    results = collect_results([Path(r["executed_notebook"]) for r in runs])
    results.to_csv(html_dir / "results.csv", index=False, lineterminator="\n")
    (html_dir / "results.json").write_text(
        json.dumps(results.to_dict(orient="records"), indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
