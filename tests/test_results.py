"""The results ledger: rows, refusals, and collection from executed notebooks."""

from __future__ import annotations

import json

import nbformat
import pytest

from helpers.results import LEDGER_KEY, ResultsLedger, collect_results, format_number


def test_report_records_every_field():
    ledger = ResultsLedger("ch", glue=False)
    ledger.report("x", 0.5, ci=(0.25, 0.75), n=12, n_unit="mice", unit="ratio", method="OLS")
    row = ledger.table().iloc[0]
    assert (row["chapter"], row["key"], row["value"], row["ci_low"], row["ci_high"], row["n"]) == (
        "ch", "x", 0.5, 0.25, 0.75, 12)


def test_duplicate_or_non_finite_results_are_refused():
    ledger = ResultsLedger("ch", glue=False)
    ledger.report("x", 1.0)
    with pytest.raises(ValueError, match="reported twice"):
        ledger.report("x", 2.0)
    with pytest.raises(ValueError, match="not a finite number"):
        ledger.report("y", float("nan"))


def test_format_number_uses_true_minus():
    assert format_number(-1.234, 1) == "\u22121.2"


def test_collect_results_reads_glued_ledger(tmp_path):
    rows = [{"chapter": "c", "key": "k", "value": 2.0, "ci_low": 1.0, "ci_high": 3.0, "ci_level": 0.95,
             "n": 5, "n_unit": "mice", "unit": "", "method": "m", "description": "d"}]
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output(
        "display_data", data={"application/papermill.record/text/plain": repr(json.dumps(rows))},
        metadata={"scrapbook": {"name": LEDGER_KEY, "mime_prefix": "application/papermill.record/"}})]
    nb.cells.append(cell)
    path = tmp_path / "c.ipynb"
    nbformat.write(nb, str(path))
    table = collect_results([path])
    assert table.loc[0, "value"] == 2.0 and table.loc[0, "n"] == 5
