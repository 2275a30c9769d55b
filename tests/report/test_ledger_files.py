"""The results ledger: rows, refusals, collection from executed notebooks, and the regression check."""

from __future__ import annotations

import json

import nbformat
import pandas as pd
import pytest

from helpers.analysis import blots
from helpers.core.hashing import sha256_of
from helpers.data.validate import load_table
from helpers.report.ledger import LEDGER_COLUMNS, LEDGER_KEY, ResultsLedger
from helpers.report.ledger.files import (
    Difference,
    Tolerance,
    TolerancePolicy,
    collect_results,
    compare_ledgers,
    format_differences,
    incomplete_rows,
    load_tolerances,
    main,
    read_ledger,
    write_ledger_csv,
)
from helpers.stats.intervals import format_number


def test_report_records_every_field():
    ledger = ResultsLedger("ch", glue=False)
    ledger.report("x", 0.5, ci=(0.25, 0.75), n=12, n_unit="mice", unit="ratio", method="OLS", description="d")
    row = ledger.table().iloc[0]
    assert (row["chapter"], row["key"], row["value"], row["ci_low"], row["ci_high"], row["n"]) == (
        "ch", "x", 0.5, 0.25, 0.75, 12)


FULL = dict(n=3, n_unit="mice", unit="ratio", method="OLS", description="d")


def test_duplicate_or_non_finite_results_are_refused():
    ledger = ResultsLedger("ch", glue=False)
    ledger.report("x", 1.0, **FULL)
    with pytest.raises(ValueError, match="reported twice"):
        ledger.report("x", 2.0, **FULL)
    with pytest.raises(ValueError, match="not a finite number"):
        ledger.report("y", float("nan"), **FULL)


@pytest.mark.parametrize("dropped", ["n", "n_unit", "unit", "method", "description"])
def test_a_result_without_its_n_unit_or_method_is_refused(dropped):
    ledger = ResultsLedger("ch", glue=False)
    with pytest.raises(ValueError, match=f"lacks {dropped}"):
        ledger.report("x", 1.0, **{k: v for k, v in FULL.items() if k != dropped})


def test_a_chapter_parameter_needs_no_n():
    ledger = ResultsLedger("ch", glue=False)
    row = ledger.report("target", 80, unit="%", method="parameter", description="target power")
    assert row.n is None


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


# --- The book's ledger and the regression check ---------------------------------------



def human_ledger(data_source, normalization="loading_control", alpha=0.05) -> pd.DataFrame:
    """The region ratios of the human TBK1 chapter as ledger rows (its analysis, without the notebook)."""
    lanes = blots.add_log_ratio(load_table("human_blot", data_source), normalization)
    params = json.dumps({"alpha": alpha, "data_source": "data", "normalization": normalization}, sort_keys=True)
    files = json.dumps({"human_blot.csv": sha256_of(data_source / "human_blot.csv")})
    rows = []
    for region in sorted(lanes["region"].unique()):
        effect = blots.fit_region_effect(lanes, region, alpha=alpha).as_dict()
        rows.append({"chapter": "human_tbk1", "key": f"ratio_{region}", "value": effect["ratio"],
                     "ci_low": effect["ratio_ci_low"], "ci_high": effect["ratio_ci_high"], "ci_level": 1 - alpha,
                     "n": effect["n_units"], "n_unit": "donors", "unit": "ratio", "method": "OLS",
                     "description": region, "page": "chapters/human_tbk1",
                     "data_source": "simulated example data (seed 20231204)", "data_files": files,
                     "parameters": params, "commit": "abc"})
    return pd.DataFrame(rows, columns=LEDGER_COLUMNS).astype({"n": "Int64"})


@pytest.fixture(scope="module")
def reference_ledger():
    from helpers.core.paths import DATA_DIR

    return human_ledger(DATA_DIR)


def test_ledger_csv_round_trips_bit_for_bit(tmp_path, reference_ledger):
    write_ledger_csv(reference_ledger, tmp_path / "r.csv")
    back = read_ledger(tmp_path / "r.csv")
    assert back["value"].tolist() == reference_ledger["value"].tolist()
    assert back["n"].tolist() == reference_ledger["n"].tolist()
    assert compare_ledgers(reference_ledger, back) == []


def test_an_unchanged_rebuild_passes(reference_ledger):
    from helpers.core.paths import DATA_DIR

    rebuilt = human_ledger(DATA_DIR)
    diffs = compare_ledgers(reference_ledger, rebuilt)
    assert diffs == []
    assert format_differences(diffs, reference_ledger, rebuilt).startswith("No differences: all 3 results")


def test_a_changed_model_choice_fails_with_a_readable_diff(reference_ledger):
    from helpers.core.paths import DATA_DIR

    rebuilt = human_ledger(DATA_DIR, normalization="total_protein")
    diffs = compare_ledgers(reference_ledger, rebuilt)
    assert {d.key for d in diffs} == set(reference_ledger["key"])
    report = format_differences(diffs, reference_ledger, rebuilt)
    assert "human_tbk1" in report and "ratio_lumbar_spinal_cord" in report and "value" in report
    assert "parameter normalization: loading_control -> total_protein" in report
    first = next(d for d in diffs if d.column == "value")
    ref = reference_ledger.set_index("key").loc[first.key, "value"]
    assert first.abs_change == pytest.approx(first.new - ref)
    assert first.rel_change == pytest.approx((first.new - ref) / abs(ref))


def test_a_changed_data_value_fails_and_names_the_file(data_copy, reference_ledger):
    table = pd.read_csv(data_copy / "human_blot.csv")
    row = table.index[(table["region"] == "motor_cortex") & (table["group"] == "sALS")][0]
    table.loc[row, "ptbk1"] *= 3
    table.to_csv(data_copy / "human_blot.csv", index=False)
    rebuilt = human_ledger(data_copy)
    diffs = compare_ledgers(reference_ledger, rebuilt)
    assert {d.key for d in diffs} == {"ratio_motor_cortex"}
    report = format_differences(diffs, reference_ledger, rebuilt)
    old = reference_ledger.loc[0, "data_files"]
    assert f"data file human_blot.csv: {json.loads(old)['human_blot.csv'][:12]} -> " in report


def test_missing_and_new_results_are_reported(reference_ledger):
    rebuilt = reference_ledger.copy()
    rebuilt.loc[0, "key"] = "renamed"
    diffs = compare_ledgers(reference_ledger, rebuilt)
    kinds = {(d.kind, d.key) for d in diffs}
    assert kinds == {("missing", reference_ledger.loc[0, "key"]), ("new", "renamed")}
    report = format_differences(diffs, reference_ledger, rebuilt)
    assert "MISSING" in report and "NEW" in report


def test_n_must_match_exactly(reference_ledger):
    rebuilt = reference_ledger.copy()
    rebuilt.loc[1, "n"] = rebuilt.loc[1, "n"] + 1
    assert [(d.key, d.column) for d in compare_ledgers(reference_ledger, rebuilt)] == [
        (reference_ledger.loc[1, "key"], "n")]


def test_tolerance_is_relative_with_an_absolute_floor():
    tol = Tolerance(rel=1e-6, abs=1e-9)
    assert tol.allows(1.0, 1.0 + 0.9e-6) and not tol.allows(1.0, 1.0 + 1.1e-6)
    assert tol.allows(0.0, 0.9e-9) and not tol.allows(0.0, 1.1e-9)
    assert tol.allows(float("nan"), float("nan")) and not tol.allows(float("nan"), 1.0)


def test_per_key_overrides_loosen_only_their_results(tmp_path, reference_ledger):
    spec = tmp_path / "tol.yml"
    spec.write_text("default: {rel: 1.0e-6}\noverrides:\n  'human_tbk1:ratio_motor_*': {rel: 0.5}\n")
    policy = load_tolerances(spec)
    assert policy.for_result("human_tbk1", "ratio_motor_cortex").rel == 0.5
    assert policy.for_result("human_tbk1", "ratio_occipital_cortex").rel == 1e-6
    rebuilt = reference_ledger.copy()
    rebuilt[["value", "ci_low", "ci_high"]] *= 1.01
    assert {d.key for d in compare_ledgers(reference_ledger, rebuilt, policy)} == {
        "ratio_lumbar_spinal_cord", "ratio_occipital_cortex"}
    spec.write_text("overrides:\n  ratio_motor_cortex: {rel: 0.5}\n")
    with pytest.raises(ValueError, match="chapter:key"):
        load_tolerances(spec)


def test_the_committed_tolerance_file_is_valid():
    from helpers.report.ledger.files import TOLERANCE_FILE

    assert load_tolerances(TOLERANCE_FILE).default == Tolerance(rel=1e-6, abs=1e-9)


def test_incomplete_rows_are_listed(reference_ledger):
    assert incomplete_rows(reference_ledger) == []
    broken = reference_ledger.copy()
    broken.loc[0, "method"] = ""
    broken.loc[1, "ci_level"] = float("nan")
    problems = incomplete_rows(broken)
    assert len(problems) == 2 and "method" in problems[0] and "partly filled" in problems[1]


def test_check_and_update_commands(tmp_path, capsys, reference_ledger):
    from helpers.core.paths import DATA_DIR

    ref, new = tmp_path / "ref.csv", tmp_path / "new.csv"
    write_ledger_csv(reference_ledger, ref)
    write_ledger_csv(reference_ledger, new)
    assert main(["check", "--new", str(new), "--reference", str(ref)]) == 0
    write_ledger_csv(human_ledger(DATA_DIR, alpha=0.1), new)
    assert main(["check", "--new", str(new), "--reference", str(ref)]) == 1
    assert "ci_low" in capsys.readouterr().out
    assert main(["update", "--new", str(new), "--reference", str(ref)]) == 0
    out = capsys.readouterr().out
    assert out.index("difference(s) from the reference") < out.index(f"wrote 3 results to {ref}")
    assert main(["check", "--new", str(new), "--reference", str(ref)]) == 0


def test_difference_without_numbers_has_no_change():
    assert Difference("c", "k", "missing", reference=1.0).abs_change is None
    assert TolerancePolicy().for_result("c", "k") == Tolerance()
