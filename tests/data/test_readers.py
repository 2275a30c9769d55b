"""Columnar readers: Parquet and CSV copies read alike, and a broken large file gives a short report."""

from __future__ import annotations

import shutil

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from helpers.core.paths import DATA_DIR
from helpers.data.readers import MAX_SHOWN
from helpers.data.validate import check_table, read_text_table


def _parquet_copy(csv_path, folder):
    """Write the CSV's cells, typed as pyarrow infers them, as <table>.parquet in *folder*."""
    out = folder / csv_path.with_suffix(".parquet").name
    pq.write_table(pacsv.read_csv(csv_path), out)
    return out


def test_parquet_and_csv_copies_give_identical_tables(tmp_path):
    for name in ("pla_cells", "human_blot", "mouse_blot"):
        _parquet_copy(DATA_DIR / f"{name}.csv", tmp_path)
        from_csv, problems_csv = check_table(name, DATA_DIR)
        from_parquet, problems_parquet = check_table(name, tmp_path)
        assert problems_csv == problems_parquet == []
        pd.testing.assert_frame_equal(from_csv, from_parquet)


def test_parquet_and_csv_copies_give_identical_messages(tmp_path):
    cells = pd.read_csv(DATA_DIR / "pla_cells.csv")
    cells.loc[[4, 9], "puncta"] = -3
    cells.loc[7, "genotype"] = "sod1_g85r"
    (tmp_path / "csv").mkdir()
    (tmp_path / "parquet").mkdir()
    cells.to_csv(tmp_path / "csv" / "pla_cells.csv", index=False)
    pq.write_table(pa.Table.from_pandas(cells, preserve_index=False), tmp_path / "parquet" / "pla_cells.parquet")
    _, csv_problems = check_table("pla_cells", tmp_path / "csv")
    _, parquet_problems = check_table("pla_cells", tmp_path / "parquet")
    strip = [(p.row, p.column, p.value, p.expected) for p in csv_problems]
    assert strip == [(p.row, p.column, p.value, p.expected) for p in parquet_problems]
    assert (6, "puncta", "-3", "a whole number of at least 0") in strip  # frame row 4 = file row 6
    assert any(p[1] == "genotype" and p[0] == 9 and "did you mean 'SOD1_G85R'" in p[3] for p in strip)


def test_broken_large_file_gives_a_bounded_report(tmp_path):
    cells = pd.read_csv(DATA_DIR / "pla_cells.csv")
    big = pd.concat([cells] * 13, ignore_index=True)  # 209,924 rows
    big["cell_id"] = big["cell_id"] + "-r" + (big.index // len(cells)).astype(str)
    big["puncta"] = big["puncta"].astype(str)
    big.loc[big.index % 5 == 0, "puncta"] = "12 puncta"
    big.to_csv(tmp_path / "pla_cells.csv", index=False)
    table, problems = check_table("pla_cells", tmp_path)
    assert table is None
    bad = (big.index % 5 == 0).sum()
    assert len(problems) == MAX_SHOWN
    assert [p.row for p in problems] == [2 + 5 * k for k in range(MAX_SHOWN)]
    assert problems[-1].more == bad - MAX_SHOWN
    assert f"and {bad - MAX_SHOWN:,} more rows with the same problem" in str(problems[-1])
    assert "a number without a unit" in problems[0].expected


def test_odd_csv_still_gets_the_careful_reader(tmp_path):
    shutil.copy(DATA_DIR / "human_blot.csv", tmp_path / "human_blot.csv")
    text = (tmp_path / "human_blot.csv").read_text()
    lines = text.splitlines()
    (tmp_path / "human_blot.csv").write_text("\n".join(lines[:3] + ["", ",,,"] + lines[3:]) + "\n")
    frame, problems, corrections = read_text_table(tmp_path / "human_blot.csv")
    assert problems == []
    assert [c.row for c in corrections if c.action == "empty line skipped"] == [4, 5]
    assert list(frame.index[:3]) == [2, 3, 6]
    assert check_table("human_blot", tmp_path)[1] == []


def test_a_million_cells_validate_in_seconds_and_aggregate_to_the_example_sums_times_the_copies(tmp_path):
    import time

    from helpers.data.aggregate import aggregate_pla_sections
    from helpers.data.validate import load_table, validate_report
    from helpers.engine.bench_scale import write_cells

    example = load_table("pla_cells", DATA_DIR)
    copies = 1_000_000 // len(example)
    write_cells(copies * len(example), tmp_path)  # whole copies of the example table, new cell ids
    start = time.perf_counter()
    report = validate_report(tmp_path, ["pla_cells"])
    seconds = time.perf_counter() - start
    assert report.ok and report.rows == {"pla_cells": copies * len(example)}
    # 2.9 s measured here (make bench-scale); a validator looping over rows in Python took 43 s
    assert seconds < 30, f"validating {copies * len(example):,} rows took {seconds:.1f} s"
    big = aggregate_pla_sections(load_table("pla_cells", tmp_path))
    small = aggregate_pla_sections(example)
    assert big[["section_id", "cell_type"]].equals(small[["section_id", "cell_type"]])
    for column in ("n_cells", "puncta", "puncta_sq"):
        assert (big[column] == copies * small[column]).all()
