"""Converters from instrument exports: end to end on sample files written in each format.

The fixtures in ``tests/data/fixtures/converters`` imitate the four exports (Image
Lab lane and band table, Image Studio shapes table, Fiji Analyze Particles
summary, CellProfiler per-object table) with known numbers; the converted
tables must pass the schema and hold exactly those numbers.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.core.paths import ROOT
from helpers.data.converters import (
    ConversionError,
    convert_blot,
    convert_pla_cellprofiler,
    convert_pla_fiji,
    main,
    read_image_lab,
    read_image_studio,
    unassigned_lanes,
    write_table,
    write_templates,
)
from helpers.data.tables import example_specs as get_specs  # the simulated example tables
from helpers.data.validate import load_table, validate_report

FIXTURES = Path(__file__).parent / "fixtures" / "converters"


@pytest.fixture
def fx(tmp_path: Path) -> Path:
    """A writable copy of the fixtures (some tests break them)."""
    target = tmp_path / "fx"
    shutil.copytree(FIXTURES, target)
    return target


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}


def test_image_lab_export_is_read_with_labels_and_adjusted_volume():
    bands, problems = read_image_lab(FIXTURES / "imagelab_LSC-1_membraneA.csv")
    assert problems == []
    ptbk1 = bands[bands["band"] == "pTBK1"].set_index("lane")["signal"]
    assert ptbk1.to_dict() == {2: 15234.5, 3: 9876.25, 4: 14420.0, 5: 8012.75}
    assert len(bands[bands["lane"] == 1]) == 2  # the ladder lane is read, and skipped later


def test_image_studio_export_checks_signal_identity(fx):
    bands, problems = read_image_studio(fx / "imagestudio_LSC-1_membraneB.txt")
    assert problems == []
    assert set(bands["channel"]) == {"700", "800"}
    path = fx / "imagestudio_LSC-1_membraneB.txt"
    lines = path.read_text().splitlines()
    cells = lines[1].split("\t")
    cells[4] = "99999"  # Signal no longer equals Total - Bkgnd. x Area
    lines[1] = "\t".join(cells)
    path.write_text("\n".join(lines) + "\n")
    _, problems = read_image_studio(path)
    assert len(problems) == 1 and problems[0].column == "Signal" and problems[0].row == 2
    assert "Total - Bkgnd. x Area = 12500" in str(problems[0])


def test_blot_conversion_end_to_end(tmp_path):
    before = _digests(FIXTURES)
    table, problems = convert_blot(FIXTURES / "blot_exports.csv", FIXTURES / "human_lanes.csv", "human_blot")
    assert problems == []
    path = write_table(table, "human_blot", tmp_path)
    loaded = load_table("human_blot", tmp_path)
    assert list(loaded["donor_id"]) == ["D01", "D02", "D03", "D04"]
    assert list(loaded["lane"]) == [2, 3, 4, 5]
    assert list(loaded["ptbk1"]) == [15234.5, 9876.25, 14420.0, 8012.75]
    assert list(loaded["tbk1_loading"]) == [27300.5, 26980.0, 27750.0, 27010.25]
    assert list(loaded["ptbk1_total_protein"]) == [65012.0, 63980.5, 66100.0, 64420.25]
    assert list(loaded["tbk1_total_protein"]) == [54600.0, 53990.5, 55120.25, 54010.0]
    assert loaded["pmi_hours"].tolist() == [6.5, 9.0, 12.25, 4.0]
    assert unassigned_lanes(FIXTURES / "blot_exports.csv", FIXTURES / "human_lanes.csv") == [("LSC-1", 1)]
    assert path.name == "human_blot.csv" and _digests(FIXTURES) == before


def test_blot_conversion_lists_every_missing_band(fx):
    sheet = fx / "blot_exports.csv"
    lines = sheet.read_text().splitlines()
    sheet.write_text("\n".join(line.replace(",GAPDH,700,", ",GAPHD,700,") for line in lines) + "\n")
    lanes = fx / "human_lanes.csv"
    lanes.write_text(lanes.read_text() + "LSC-1,6,D05,control,60,F,5,lumbar_spinal_cord\n")
    table, problems = convert_blot(sheet, lanes, "human_blot")
    text = "\n".join(map(str, problems))
    assert table is None
    assert "blot_exports.csv, row 6, column 'band': found 'GAPHD'; expected a band of that name" in text


def test_blot_lane_without_measurement_is_reported(fx):
    lanes = fx / "human_lanes.csv"
    lanes.write_text(lanes.read_text() + "LSC-1,6,D05,control,60,F,5,lumbar_spinal_cord\n")
    table, problems = convert_blot(fx / "blot_exports.csv", lanes, "human_blot")
    assert table is None
    assert sum("gel LSC-1 lane 6" in str(p) for p in problems) == 6  # every band column of that lane
    assert all(p.row == 6 for p in problems)


def test_blot_values_outside_the_schema_are_reported(fx):
    lanes = fx / "human_lanes.csv"
    lanes.write_text(lanes.read_text().replace("D02,sALS", "D02,ALS"))
    table, problems = convert_blot(fx / "blot_exports.csv", lanes, "human_blot")
    assert table is None
    assert any(p.column == "group" and p.value == "ALS" and p.row == 3 for p in problems)


def test_fiji_summary_conversion_end_to_end(tmp_path):
    table, problems = convert_pla_fiji(FIXTURES / "fiji_summary.csv", FIXTURES / "fiji_images.csv")
    assert problems == []
    write_table(table, "pla_cells", tmp_path)
    loaded = load_table("pla_cells", tmp_path)
    assert loaded["puncta"].tolist() == [18, 22, 5, 9, 11, 0]
    assert loaded["cell_area_um2"].tolist() == [1061.7, 1039.8, 212.4, 987.5, 1120.0, 198.25]
    assert loaded.groupby("mouse_id")["genotype"].first().to_dict() == {"M001": "WT", "M002": "SOD1_G85R_Sigmar1_KO"}


def test_fiji_slice_missing_from_the_sheet_is_reported(fx):
    summary = fx / "fiji_summary.csv"
    summary.write_text(summary.read_text() + "7,M003-SC-VP1-01.tif,4,1.68,0.42,0.168,190\n")
    table, problems = convert_pla_fiji(summary, fx / "fiji_images.csv")
    assert table is None
    (problem,) = problems
    assert problem.row == 8 and problem.column == "Slice" and problem.value == "M003-SC-VP1-01.tif"


def test_cellprofiler_conversion_end_to_end(tmp_path):
    result = convert_pla_cellprofiler(FIXTURES / "cellprofiler_Cells.csv", FIXTURES / "cellprofiler_images.csv",
                                      cell_type_column="Classify_ChAT_high")
    table, problems = result
    assert problems == []
    write_table(table, "pla_cells", tmp_path)
    loaded = load_table("pla_cells", tmp_path)
    assert loaded["puncta"].tolist() == [17, 21, 4, 8, 1]  # Children_PLADots_Count of the export
    # AreaShape_Area is in pixels; 0.5 um pixels -> area x 0.25 um^2
    assert loaded["cell_area_um2"].tolist() == [4250 * 0.25, 3980 * 0.25, 820 * 0.25, 4100 * 0.25, 790 * 0.25]
    # Classify_ChAT_high: 1 = motor neuron, 0 = other
    assert loaded["cell_type"].tolist() == ["motor_neuron", "motor_neuron", "other", "motor_neuron", "other"]
    assert loaded["cell_id"].tolist()[:2] == ["M001-SC-IS1-i1-c1", "M001-SC-IS1-i1-c2"]
    # image 3 has no cells: CellProfiler wrote no rows, Image.csv counts 0 -> zero cells and a note
    assert any("no Cells in this image (Image.csv counts 0): 0 cells" in str(n) for n in result.notes)


def test_cellprofiler_never_takes_a_segmentation_child_as_the_count(fx):
    cells = fx / "cellprofiler_Cells.csv"
    text = cells.read_text().splitlines()
    text[0] += ",Children_Nuclei_Count"
    cells.write_text("\n".join([text[0]] + [line + ",1" for line in text[1:]]) + "\n")
    result = convert_pla_cellprofiler(cells, fx / "cellprofiler_images.csv", cell_type_column="Classify_ChAT_high")
    assert result.problems == [] and result.table["puncta"].tolist() == ["17", "21", "4", "8", "1"]
    text[0] += ",Children_Spots_Count"  # a second possible dot count: ambiguous
    cells.write_text("\n".join([text[0]] + [line + ",1,3" for line in text[1:]]) + "\n")
    table, problems = convert_pla_cellprofiler(cells, fx / "cellprofiler_images.csv", cell_type_column="Classify_ChAT_high")
    (problem,) = problems
    assert table is None and "named with --count-column; candidates: Children_PLADots_Count, 1 in 1 of 5 rows; " \
        "Children_Nuclei_Count (segmentation child), 1 in 5 of 5 rows; Children_Spots_Count, 1 in 0 of 5 rows" in str(problem)
    table, problems = convert_pla_cellprofiler(cells, fx / "cellprofiler_images.csv", count_column="Children_Spots_Count",
                                               cell_type_column="Classify_ChAT_high")
    assert problems == [] and table["puncta"].tolist() == ["3"] * 5


def test_command_line_writes_only_valid_tables_and_never_overwrites(tmp_path, capsys):
    args = ["blot", "--exports", str(FIXTURES / "blot_exports.csv"), "--lanes", str(FIXTURES / "human_lanes.csv"),
            "--table", "human_blot", "--out", str(tmp_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "gel LSC-1 lane 1 is not in the lane sheet" in out and "matches the human_blot schema" in out
    first = (tmp_path / "human_blot.csv").read_bytes()
    assert main(args) == 1 and "exists" in capsys.readouterr().err
    assert main([*args, "--force"]) == 0 and (tmp_path / "human_blot.csv").read_bytes() == first
    bad = tmp_path / "bad"
    assert main(["pla-fiji", "--summary", str(FIXTURES / "fiji_summary.csv"), "--samples",
                 str(FIXTURES / "human_lanes.csv"), "--out", str(bad)]) == 1
    assert "column named 'Slice'" in capsys.readouterr().err and not (bad / "pla_cells.csv").exists()


def test_write_table_refuses_a_table_that_does_not_validate(tmp_path):
    table, _ = convert_pla_fiji(FIXTURES / "fiji_summary.csv", FIXTURES / "fiji_images.csv")
    table.loc[0, "puncta"] = "-1"
    with pytest.raises(ConversionError, match="column 'puncta': found '-1'"):
        write_table(table, "pla_cells", tmp_path)
    assert not (tmp_path / "pla_cells.csv").exists()


def test_templates_are_current_and_valid(tmp_path):
    """templates/ equals what the specs generate today (run `make templates` after changing a spec)."""
    written = write_templates(tmp_path)
    for path in written:
        shipped = ROOT / "templates" / path.name
        assert shipped.is_file() and shipped.read_bytes() == path.read_bytes(), f"templates/{path.name} is stale"
    assert validate_report(tmp_path).ok
    for spec in get_specs().values():
        frame = pd.read_csv(tmp_path / spec.filename)
        assert list(frame.columns) == spec.column_names and len(frame) == 1


def _three_significant(x: float) -> str:
    """A number as Image Studio shows it: three significant digits, no exponent (367000, 36.6, 0.123)."""
    from math import floor, log10

    digits = 2 - floor(log10(abs(x)))
    value = round(x, digits)
    return f"{value:.{max(digits, 0)}f}"


def _image_studio_rows(rng, n: int) -> list[dict]:
    """Shapes whose true values satisfy Signal = Total - Bkgnd. x Area exactly, shown rounded to 3 digits."""
    rows = []
    for i in range(n):
        area = int(rng.integers(800, 20000))
        bkgnd = float(rng.uniform(0.5, 80))
        signal = float(rng.uniform(1e3, 2e6))
        total = signal + bkgnd * area
        rows.append({"Lane": i % 12 + 1, "Name": f"B{i}", "Signal": signal, "Total": total, "Area": area,
                     "Bkgnd.": bkgnd})
    return rows


def _write_image_studio(rows: list[dict], path: Path, shown=_three_significant) -> Path:
    lines = ["Image Name\tChannel\tLane\tName\tSignal\tTotal\tArea\tBkgnd.\tType"]
    for r in rows:
        cells = [shown(r[c]) if not isinstance(r[c], str) else r[c] for c in ("Signal", "Total", "Area", "Bkgnd.")]
        lines.append("\t".join(["gel 1", "800", str(r["Lane"]), r["Name"], *cells, "Western"]))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_image_studio_rows_exact_to_their_rounding_pass_and_inconsistent_ones_do_not(tmp_path):
    """190 shapes exact before rounding, shown to three significant digits as Image Studio shows them
    (Signal 367000, Total 567000, Bkgnd. 36.6, Area 5460): every one passes; a check with a tolerance of
    1e-3 x Total (the former one) refuses many of them. Rows really inconsistent are still refused."""
    import numpy as np

    from helpers.data.converters.imagestudio import half_unit

    rng = np.random.default_rng(22)
    rows = _image_studio_rows(rng, 190)
    bands, problems = read_image_studio(_write_image_studio(rows, tmp_path / "exact.txt"))
    assert problems == [] and len(bands) == 190
    shown = pd.DataFrame([{c: float(_three_significant(r[c])) for c in ("Signal", "Total", "Area", "Bkgnd.")}
                          for r in rows])
    former = (shown["Signal"] - (shown["Total"] - shown["Bkgnd."] * shown["Area"])).abs() > 1e-3 * shown["Total"]
    assert former.sum() > 20  # what the fixed tolerance refused

    # Really inconsistent: a doubled Signal, a Signal off by more than the rounding allows, Total and Signal swapped.
    bad = [dict(rows[0], Signal=2 * rows[0]["Signal"]), dict(rows[1], Signal=rows[1]["Signal"] * 1.05),
           dict(rows[2], Signal=rows[2]["Total"], Total=rows[2]["Signal"])]
    _, problems = read_image_studio(_write_image_studio(bad + rows[3:10], tmp_path / "bad.txt"))
    assert [p.row for p in problems] == [2, 3, 4] and {p.column for p in problems} == {"Signal"}
    assert "with the rounding of the digits shown" in str(problems[0])

    # At the edge: Total 201234.5 +- 0.05, Bkgnd. 99.75 +- 0.005, Area 1001 +- 0.5 allow Signal in
    # [201234.45 - 99.755 x 1001.5, 201234.55 - 99.745 x 1000.5] = [101329.8175, 101439.6775]; a shown
    # Signal passes when its own interval (+- 0.05) meets that one.
    assert half_unit("100000", shown=3) == 500 and half_unit("100000", shown=4) == 50 and half_unit("367000") == 500
    edge = [{"Lane": k + 1, "Name": name, "Signal": signal, "Total": "201234.5", "Area": "1001", "Bkgnd.": "99.75"}
            for k, (name, signal) in enumerate([("A", "101330.5"), ("B", "101329.5"), ("C", "101439.5"),
                                                 ("D", "101440.5")])]
    _, problems = read_image_studio(_write_image_studio(edge, tmp_path / "edge.txt"))
    assert [p.row for p in problems] == [3, 5]
