"""CellProfiler converter on a real CellProfiler 4 run (``fixtures/converters/real``) and on layouts built from it.

Known answers come from the source columns themselves: ``puncta`` must equal
the chosen ``Children_*_Count`` cell by cell, ``cell_area_um2`` must equal
``AreaShape_Area`` x (pixel size in µm)^2.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.data.converters import convert_pla_cellprofiler, main
from helpers.data.validate import check_table, load_table, validate_report

FIXTURES = Path(__file__).parent / "fixtures" / "converters"
REAL = FIXTURES / "real"
SHEET = FIXTURES / "real_A01-1_images.csv"
PIXEL_UM = 5.979760809567617e-07 * 1e6  # Metadata_ImageResolutionX of A01-1-Image.csv, metres -> µm


@pytest.fixture(scope="module")
def cells() -> pd.DataFrame:
    return pd.read_csv(REAL / "A01-1-Cells.csv")


def test_real_cells_table_is_not_converted_into_one_punctum_per_cell():
    table, problems = convert_pla_cellprofiler(REAL / "A01-1-Cells.csv", SHEET)
    (problem,) = problems
    assert table is None and problem.row == 1
    assert str(problem) == (f"{REAL / 'A01-1-Cells.csv'}, row 1: expected the column counting PLA dots per cell, named "
                            "with --count-column; candidates: Children_Cytoplasm_Count (segmentation child), "
                            "1 in 89 of 89 rows")


def test_real_nuclei_table_lists_both_segmentation_children():
    _, problems = convert_pla_cellprofiler(REAL / "A01-1-Nuclei.csv", SHEET)
    assert "candidates: Children_Cells_Count (segmentation child), 1 in 89 of 89 rows; Children_Cytoplasm_Count " \
           "(segmentation child), 1 in 89 of 89 rows" in str(problems[0])


def test_real_cells_with_a_named_count_column_convert_to_the_source_values(cells, tmp_path, capsys):
    result = convert_pla_cellprofiler(REAL / "A01-1-Cells.csv", SHEET, count_column="Children_Cytoplasm_Count")
    assert result.problems == []
    notes = "\n".join(map(str, result.notes))
    assert "read as metres (as CellProfiler's Image.csv writes) and converted to 0.597976 µm" in notes
    assert "segmentation child: check that these are dots" in notes
    table = result.table
    assert len(table) == 89
    assert table["puncta"].astype(int).tolist() == cells["Children_Cytoplasm_Count"].tolist()
    assert table["cell_area_um2"].astype(float).tolist() == pytest.approx((cells["AreaShape_Area"] * PIXEL_UM**2).tolist())
    assert table["cell_id"].iloc[0] == "M001-SC-VP1-A01-1-c1"
    # the command line writes it, and the one-table folder passes `make validate DATA=folder`
    out = tmp_path / "out"
    assert main(["pla-cellprofiler", "--objects", str(REAL / "A01-1-Cells.csv"), "--samples", str(SHEET),
                 "--count-column", "Children_Cytoplasm_Count", "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert validate_report(out, tables=["pla_cells"]).ok and check_table("pla_cells", out)[1] == []
    assert load_table("pla_cells", out)["puncta"].sum() == cells["Children_Cytoplasm_Count"].sum()


def test_command_line_asks_for_the_count_column(tmp_path, capsys):
    assert main(["pla-cellprofiler", "--objects", str(REAL / "A01-1-Cells.csv"), "--samples", str(SHEET),
                 "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "1 problem(s); nothing written" in err and "--count-column; candidates: Children_Cytoplasm_Count" in err
    assert not (tmp_path / "pla_cells.csv").exists()


def _sheet(path: Path, rows: list[dict]) -> Path:
    base = pd.read_csv(SHEET, dtype=str).iloc[0].to_dict()
    pd.DataFrame([{**base, **r} for r in rows]).to_csv(path, index=False)
    return path


def _split_run(tmp_path: Path, cells: pd.DataFrame) -> tuple[Path, Path]:
    """The real run cut into two runs (sites 1 and 2), each with its Image.csv; ImageNumber restarts at 1."""
    image = pd.read_csv(REAL / "A01-1-Image.csv", dtype=str)
    raw = pd.read_csv(REAL / "A01-1-Cells.csv", dtype=str)
    for site, part in ((1, raw.iloc[:40]), (2, raw.iloc[40:])):
        part = part.assign(ObjectNumber=[str(i) for i in range(1, len(part) + 1)])
        part.to_csv(tmp_path / f"A01-{site}-Cells.csv", index=False)
        image.assign(Metadata_Site=str(site), Count_Cells=str(len(part))).to_csv(tmp_path / f"A01-{site}-Image.csv",
                                                                                   index=False)
    return tmp_path / "A01-1-Cells.csv", tmp_path / "A01-2-Cells.csv"


def test_several_runs_are_joined_through_image_metadata(cells, tmp_path):
    first, second = _split_run(tmp_path, cells)
    sheet = _sheet(tmp_path / "images.csv", [{"Metadata_Site": "1", "section_id": "M001-SC-VP1"},
                                             {"Metadata_Site": "2", "section_id": "M001-SC-VP2"}])
    table, problems = convert_pla_cellprofiler([first, second], sheet, count_column="Children_Cytoplasm_Count")
    assert problems == []
    assert table["cell_area_um2"].astype(float).tolist() == pytest.approx((cells["AreaShape_Area"] * PIXEL_UM**2).tolist())
    assert table["section_id"].value_counts().to_dict() == {"M001-SC-VP2": 49, "M001-SC-VP1": 40}
    assert table["cell_id"].is_unique and table["cell_id"].iloc[40] == "M001-SC-VP2-A01-2-c1"
    # a bare ImageNumber cannot tell the two runs apart
    by_number = tmp_path / "by_number.csv"
    pd.read_csv(sheet, dtype=str).drop(columns=["Metadata_Well", "Metadata_Site"]).assign(ImageNumber="1").to_csv(
        by_number, index=False)
    _, problems = convert_pla_cellprofiler([first, second], by_number, count_column="Children_Cytoplasm_Count")
    assert "since ImageNumber restarts at 1 in each of the several object files" in str(problems[0])


@pytest.mark.parametrize(("count", "verdict"), [("0", "note"), ("5", "problem")])
def test_an_image_without_rows_is_zero_cells_unless_image_csv_counts_some(cells, tmp_path, count, verdict):
    shutil.copy(REAL / "A01-1-Cells.csv", tmp_path / "A01-1-Cells.csv")
    image = pd.read_csv(REAL / "A01-1-Image.csv", dtype=str)
    second = image.assign(ImageNumber="2", Metadata_Site="2", Count_Cells=count)
    pd.concat([image, second]).to_csv(tmp_path / "A01-1-Image.csv", index=False)
    sheet = _sheet(tmp_path / "images.csv", [{"Metadata_Site": "1"}, {"Metadata_Site": "2"}])
    result = convert_pla_cellprofiler(tmp_path / "A01-1-Cells.csv", sheet, count_column="Children_Cytoplasm_Count")
    if verdict == "note":
        assert result.problems == [] and len(result.table) == 89
        assert any(n.row == 3 and n.action == "no Cells in this image (Image.csv counts 0): 0 cells" for n in result.notes)
    else:
        (problem,) = result.problems
        assert problem.row == 3 and problem.value == "A01, 2"
        assert problem.expected == "the cells of this image in the object table (Image.csv counts 5 Cells)"


def test_combined_file_with_a_two_line_header(cells, tmp_path):
    nuclei = pd.read_csv(REAL / "A01-1-Nuclei.csv", dtype=str)
    raw = pd.read_csv(REAL / "A01-1-Cells.csv", dtype=str)
    features = ["AreaShape_Area", "Children_Cytoplasm_Count"]
    path = tmp_path / "A01-1-Object.csv"
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["Image", "Cells"] + ["Cells"] * 2 + ["Nuclei"] * 3)
        out.writerow(["ImageNumber", "ObjectNumber", *features, "AreaShape_Area", "Children_Cells_Count",
                      "Children_Cytoplasm_Count"])
        for i in range(len(raw)):
            out.writerow([raw.at[i, "ImageNumber"], raw.at[i, "ObjectNumber"], *raw.loc[i, features],
                          *nuclei.loc[i, ["AreaShape_Area", "Children_Cells_Count", "Children_Cytoplasm_Count"]]])
    shutil.copy(REAL / "A01-1-Image.csv", tmp_path / "A01-1-Image.csv")
    table, problems = convert_pla_cellprofiler(path, SHEET)
    assert table is None and "found 'Cells, Nuclei'; expected the object whose rows are the cells, named with " \
                             "--object" in str(problems[0])
    table, problems = convert_pla_cellprofiler(path, SHEET, object_name="Cells", count_column="Children_Cytoplasm_Count")
    assert problems == []
    assert table["cell_area_um2"].astype(float).tolist() == pytest.approx((cells["AreaShape_Area"] * PIXEL_UM**2).tolist())
    # the Nuclei block of the same rows: its own areas
    table, problems = convert_pla_cellprofiler(path, SHEET, object_name="Nuclei", count_column="Children_Cells_Count")
    assert problems == [] and table["cell_area_um2"].astype(float).sum() == pytest.approx(83165 * PIXEL_UM**2)


@pytest.mark.parametrize(("pixel", "expected"), [
    ("0.005", "a pixel size in µm between 0.01 and 100 µm (or in metres, 1e-08 to 0.0001 m)"),
    ("0,6", "the pixel size in µm (a number)"),
])
def test_implausible_pixel_sizes_are_refused_with_the_unit(tmp_path, pixel, expected):
    sheet = _sheet(tmp_path / "images.csv", [{"pixel_size_um": pixel}])
    _, problems = convert_pla_cellprofiler(REAL / "A01-1-Cells.csv", sheet, count_column="Children_Cytoplasm_Count")
    (problem,) = problems
    assert problem.column == "pixel_size_um" and problem.row == 2 and problem.expected == expected


def test_cell_areas_outside_their_range_are_refused(tmp_path):
    sheet = _sheet(tmp_path / "images.csv", [{"pixel_size_um": "20"}])  # 6170 px x 400 µm² = 2.5e6 µm²
    _, problems = convert_pla_cellprofiler(REAL / "A01-1-Cells.csv", sheet, count_column="Children_Cytoplasm_Count")
    assert len(problems) == 89
    assert problems[0].row == 2 and problems[0].column == "AreaShape_Area" and problems[0].value == "6170"
    assert "a cell area between 1 and 100000 µm² once multiplied by the squared pixel size (20 µm): got 2.468e+06 µm²" \
        in str(problems[0])


def test_classify_column_must_hold_flags_and_must_exist(fx_cp):
    cells, images = fx_cp
    table, problems = convert_pla_cellprofiler(cells, images, cell_type_column="Classify_Motor")
    assert table is None and "Classify_* columns: Classify_ChAT_high" in str(problems[0])
    cells.write_text(cells.read_text().replace(",0.61,17,0.42,100.5,80.25,1", ",0.61,17,0.42,100.5,80.25,yes"))
    _, problems = convert_pla_cellprofiler(cells, images, cell_type_column="Classify_ChAT_high")
    (problem,) = problems
    assert problem.row == 2 and problem.value == "yes" and problem.expected == "a CellProfiler class flag, 0 or 1"


@pytest.fixture
def fx_cp(tmp_path: Path) -> tuple[Path, Path]:
    for name in ("cellprofiler_Cells.csv", "cellprofiler_Image.csv", "cellprofiler_images.csv"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    return tmp_path / "cellprofiler_Cells.csv", tmp_path / "cellprofiler_images.csv"


@pytest.mark.parametrize("content", [
    "ImageNumber,ObjectNumber,AreaShape_Area,AreaShape_Area,Children_PLA_Count\n1,1,5,5,2\n",  # repeated feature
    "Area,Mean\n1,2\n",  # not an object table
    "",  # empty file
])
def test_malformed_object_tables_give_problems_not_tracebacks(tmp_path, content):
    path = tmp_path / "Cells.csv"
    path.write_text(content)
    table, problems = convert_pla_cellprofiler(path, SHEET, count_column="Children_PLA_Count")
    assert table is None and len(problems) == 1 and problems[0].file == str(path)
