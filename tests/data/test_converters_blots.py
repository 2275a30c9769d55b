"""Image Lab and Image Studio / Empiria exports as the programs write them, and the crashes they used to cause.

The reconstructions in ``fixtures/converters`` (side-by-side lanes, Lanes
table with title lines and thousands separators, a semicolon export with
decimal commas, an Empiria table with ``Background`` and no ``Lane``) hold
the same numbers as the plain exports, so every variant must give the same
band volumes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.data.converters import convert_blot, main, read_image_lab, read_image_studio

FIXTURES = Path(__file__).parent / "fixtures" / "converters"
PTBK1 = {2: 15234.5, 3: 9876.25, 4: 14420.0, 5: 8012.75}  # Adj. Vol. (Int) of pTBK1, membrane A
GAPDH = {2: 40110.0, 3: 38950.5, 4: 41200.25, 5: 39500.0}
TOTAL = {2: 65012.0, 3: 63980.5, 4: 66100.0, 5: 64420.25}  # stain-free lanes


@pytest.fixture
def fx(tmp_path: Path) -> Path:
    target = tmp_path / "fx"
    shutil.copytree(FIXTURES, target, ignore=shutil.ignore_patterns("real"))
    return target


def _by_lane(bands: pd.DataFrame, band: str) -> dict:
    return {int(k): v for k, v in bands[bands["band"] == band].set_index("lane")["signal"].items()}


@pytest.mark.parametrize("name", ["imagelab_LSC-1_membraneA.csv", "imagelab_side_by_side.csv", "imagelab_semicolon.csv"])
def test_every_image_lab_layout_gives_the_same_band_volumes(name):
    bands, problems = read_image_lab(FIXTURES / name)
    assert problems == []
    assert _by_lane(bands, "pTBK1") == PTBK1 and _by_lane(bands, "GAPDH") == GAPDH


def test_side_by_side_blocks_and_locale_numbers_are_reported_as_corrections():
    notes = [str(n) for n in read_image_lab(FIXTURES / "imagelab_side_by_side.csv").notes]
    assert any("5 lanes side by side read as blocks" in n for n in notes)
    notes = [str(n) for n in read_image_lab(FIXTURES / "imagelab_semicolon.csv").notes]
    assert any("'15234,5': decimal comma read as a decimal point in 8 cell(s) (read as 15234.5)" in n for n in notes)


def test_lanes_table_after_title_lines_with_thousands_separators():
    result = read_image_lab(FIXTURES / "imagelab_lanes_table.csv")
    assert result.problems == [] and _by_lane(result.table, "total") == TOTAL
    notes = "\n".join(map(str, result.notes))
    assert "row 4: 2 line(s) above the header skipped" in notes  # the empty line is not counted
    assert "'65,012': thousands separators removed in 4 cell(s) (read as 65012)" in notes


def test_xlsx_export_is_read(tmp_path):
    frame = pd.read_csv(FIXTURES / "imagelab_LSC-1_membraneA.csv", dtype=str)
    path = tmp_path / "membraneA.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame([["Image Lab export"]]).to_excel(writer, header=False, index=False)
        frame.to_excel(writer, startrow=2, index=False)
    bands, problems = read_image_lab(path)
    assert problems == [] and _by_lane(bands, "pTBK1") == PTBK1


def test_all_variants_convert_to_the_same_blot_table():
    plain, problems = convert_blot(FIXTURES / "blot_exports.csv", FIXTURES / "human_lanes.csv")
    assert problems == []
    variants, problems = convert_blot(FIXTURES / "blot_exports_variants.csv", FIXTURES / "human_lanes.csv",
                                      shapes_sheet=FIXTURES / "empiria_shapes.csv")
    assert problems == []
    pd.testing.assert_frame_equal(plain.drop(columns="ptbk1_loading"), variants.drop(columns="ptbk1_loading"))
    assert variants["ptbk1_loading"].astype(float).tolist() == list(GAPDH.values())
    assert variants["ptbk1_total_protein"].astype(float).tolist() == list(TOTAL.values())
    assert variants["tbk1"].astype(float).tolist() == [12500.0, 12950.5, 11875.25, 13010.0]


def test_image_lab_without_adjusted_volume_is_a_problem_not_a_key_error(fx):
    path = fx / "imagelab_LSC-1_membraneA.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns="Adj. Vol. (Int)")
    frame.to_csv(path, index=False)
    table, problems = convert_blot(fx / "blot_exports.csv", fx / "human_lanes.csv")
    assert table is None
    (problem,) = problems
    assert str(problem) == (f"{path}, row 1: expected the background-adjusted volume column 'Adj. Volume (Int)' or "
                            "'Adj. Vol. (Int)' (found only Volume (Int), which includes the background); add it to the "
                            "analysis table before exporting")


def test_image_studio_without_lane_is_a_problem_not_a_key_error(fx):
    sheet = fx / "blot_exports_variants.csv"
    table, problems = convert_blot(sheet, fx / "human_lanes.csv")  # no shapes sheet
    assert table is None
    (problem,) = problems
    assert problem.file.endswith("empiria_LSC-1_membraneB.txt") and "or the lane of each shape name in a shapes " \
        "sheet (--shapes with file, shape, lane, band)" in problem.expected


def test_empiria_background_column_is_cross_checked(fx):
    path = fx / "empiria_LSC-1_membraneB.txt"
    path.write_text(path.read_text().replace("\t12500.0\t15500.0\t", "\t25000.0\t15500.0\t"))  # a doubled Signal
    _, problems = read_image_studio(path, shapes=pd.read_csv(fx / "empiria_shapes.csv", dtype=str))
    (problem,) = problems
    assert problem.row == 2 and problem.column == "Signal" and problem.expected.startswith("Total - Background x Area = 12500 (between ")


def test_a_cross_check_that_cannot_run_is_a_problem(fx):
    path = fx / "imagestudio_LSC-1_membraneB.txt"
    path.write_text(path.read_text().replace("\tBkgnd.\t", "\tBkg\t"))
    _, problems = read_image_studio(path)
    (problem,) = problems
    assert "to check Signal = Total - background x Area (missing: 'Bkgnd.' or 'Background')" in problem.expected


def test_negative_or_unreadable_volumes_name_the_unit(fx):
    path = fx / "imagelab_LSC-1_membraneA.csv"
    path.write_text(path.read_text().replace(",15234.5,", ",-15.5,").replace(",9876.25,", ",9876 Int,"))
    _, problems = read_image_lab(path)
    assert [(p.row, p.value) for p in problems] == [(6, "9876 Int"), (4, "-15.5")]
    assert problems[1].expected == ("a background-adjusted volume between 0 and 1e+15 Int (negative: the background "
                                    "region is brighter than the band)")


@pytest.mark.parametrize("breakage", ["side_by_side_no_titles", "empty", "binary", "not_a_table"])
def test_malformed_blot_exports_give_problem_lists_on_the_command_line(fx, tmp_path, capsys, breakage):
    path = fx / "imagelab_side_by_side.csv"
    if breakage == "side_by_side_no_titles":
        lines = path.read_text().splitlines()
        path.write_text("\n".join(lines[2:]) + "\n")  # blocks without 'Lane N' titles
    elif breakage == "empty":
        path.write_text("")
    elif breakage == "binary":
        path.write_bytes(b"PK\x03\x04garbage")
    else:
        path.write_text("Some title\nno header here\n")
    code = main(["blot", "--exports", str(fx / "blot_exports_variants.csv"), "--lanes", str(fx / "human_lanes.csv"),
                 "--shapes", str(fx / "empiria_shapes.csv"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and "problem(s); nothing written" in err and "Traceback" not in err
    assert str(path) in err and not (tmp_path / "out").exists()
