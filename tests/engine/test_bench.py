"""The benchmark's bookkeeping: which chapters a build executed, which read a table, and its verdicts."""

from __future__ import annotations

import json

from helpers.engine import bench


def figures(noop_runs: list[float], cold_ratio: float = 0.41) -> dict:
    """Figures as :func:`bench.run_bench` returns them, with the verdicts computed as it computes them."""
    noop = sorted(noop_runs)[len(noop_runs) // 2]
    f = {"jb_force_s": 200.0, "engine_cold_s": 200.0 * cold_ratio, "cold_ratio": cold_ratio, "jb_cache_noop_s": 8.0,
         "engine_noop_s": noop, "engine_noop_runs_s": noop_runs, "bytecode_cached": True, "noop_ratio": noop / 8.0,
         "table_changed": "arsenite_cells.csv", "readers_of_table": ["a", "b"], "engine_one_table_s": 30.0,
         "one_table_executed": ["a", "b"], "cold_executed": ["a", "b", "c"], "exit_codes": {"engine_cold": 0}}
    f["accept"] = {"cold_ratio_ok": cold_ratio <= bench.COLD_RATIO_MAX, "noop_ok": noop <= bench.NOOP_SECONDS_MAX,
                   "one_table_exact": True, "all_builds_succeeded": True}
    return f


def test_the_issue_targets_are_the_verdicts():
    assert (bench.COLD_RATIO_MAX, bench.NOOP_SECONDS_MAX, bench.NOOP_RUNS) == (0.43, 0.5, 3)


def test_the_report_shows_the_median_no_op_and_each_verdict():
    text = bench.report(figures([0.62, 0.41, 0.44]))
    assert "0.44s" in text and "[0.62, 0.41, 0.44] s (median shown)" in text
    no_op = next(line for line in text.splitlines() if line.startswith("(b)"))
    assert no_op.split()[-7:] == ["8.0s", "0.44s", "0.06", "PASS", "(<=", "0.5", "s)"]
    assert "FAIL (<= 0.5 s)" in bench.report(figures([0.6, 0.7, 0.55]))
    assert "FAIL (<= 0.43)" in bench.report(figures([0.3, 0.3, 0.3], cold_ratio=0.5))


def test_executed_chapters_are_read_from_the_engine_output():
    output = "[book] executed chapters/mam_pla\n[book] cached chapters/x\n[book] executed chapters/alpha\n"
    assert bench.executed_chapters(output) == ["alpha", "mam_pla"]


def test_readers_of_each_file_come_from_the_cache_entries(tmp_path):
    for folder, chapter, files in (("k1", "alpha", ["a.csv", "b.csv"]), ("k2", "beta", ["a.csv"])):
        (tmp_path / folder).mkdir()
        entry = {"chapter": chapter, "data_files": dict.fromkeys(files, "digest")}
        (tmp_path / folder / "entry.json").write_text(json.dumps(entry))
    assert bench.readers_by_file(tmp_path) == {"a.csv": ["alpha", "beta"], "b.csv": ["alpha"]}
