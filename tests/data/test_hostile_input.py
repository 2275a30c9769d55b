"""The faults the fuzzer found (tests/data/test_fuzz.py), each pinned by a test with its exact answer.

Before the fix each of these gave a traceback, a silent acceptance, a message
pointing nowhere or a near-hang; the closing note of issue 22 lists them.
"""

from __future__ import annotations

import shutil
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest

from helpers.core.paths import DATA_DIR
from helpers.data.validate import DataValidationError, load_table, validate_report


def _copy(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for name in names:
        shutil.copy(DATA_DIR / f"{name}.csv", folder / f"{name}.csv")
    return folder


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def _write(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n")


def _problems(folder) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing may leak (numpy's cast warning did)
        return [str(p) for p in validate_report(folder).problems]


def test_a_key_written_10_and_10_0_is_the_same_key(tmp_path):
    folder = _copy(tmp_path, "arsenite_motor")
    lines = _lines(folder / "arsenite_motor.csv")
    cells = lines[1].split(",")  # A001, week 0
    cells[4] = "0.0"
    _write(folder / "arsenite_motor.csv", lines + [",".join(cells)])
    (problem,) = _problems(folder)
    assert f"arsenite_motor.csv, row {len(lines) + 1}, column 'week': found 'A001 / 0.0'" in problem
    assert "a unique mouse_id + week" in problem


def test_a_donor_age_written_77_and_77_0_and_077_is_one_age(tmp_path):
    folder = _copy(tmp_path, "human_blot")
    table = pd.read_csv(folder / "human_blot.csv", dtype=str, keep_default_na=False)
    donor = table["donor_id"].value_counts().index[0]
    rows = table.index[table["donor_id"] == donor]
    age = table.loc[rows[0], "age_years"]
    for k, written in zip(rows[1:], (f"{age}.0", f"0{age}", f"{age}e0"), strict=False):
        table.loc[k, "age_years"] = written
    table.to_csv(folder / "human_blot.csv", index=False)
    assert _problems(folder) == []
    assert set(load_table("human_blot", folder).loc[lambda t: t["donor_id"] == donor, "age_years"]) == {int(age)}


def test_an_identifier_007_stays_text_and_differs_from_7(tmp_path):
    folder = _copy(tmp_path, "disease_course")
    lines = _lines(folder / "disease_course.csv")
    lines[1] = "007," + lines[1].split(",", 1)[1]
    lines[2] = "7," + lines[2].split(",", 1)[1]
    _write(folder / "disease_course.csv", lines)
    assert _problems(folder) == []
    assert list(load_table("disease_course", folder)["mouse_id"][:2]) == ["007", "7"]


@pytest.mark.parametrize("value", ["1.7976931348623157e308", "99999999999999999999999", "-1e300", "9007199254740993"])
def test_an_integer_beyond_2_53_is_refused_before_any_cast(tmp_path, value):
    folder = _copy(tmp_path, "pla_cells")
    lines = _lines(folder / "pla_cells.csv")
    cells = lines[5].split(",")
    cells[9] = value
    lines[5] = ",".join(cells)
    _write(folder / "pla_cells.csv", lines)
    problems = _problems(folder)
    assert any(f"pla_cells.csv, row 6, column 'puncta': found '{value}'" in p and "9,007,199,254,740,991" in p
               for p in problems), problems
    with pytest.raises(DataValidationError):
        load_table("pla_cells", folder)


def test_an_unbalanced_quote_is_reported_where_it_opened(tmp_path):
    folder = _copy(tmp_path, "arsenite_motor")
    lines = _lines(folder / "arsenite_motor.csv")
    lines[152] = lines[152].replace(",", ',"', 1)  # row 153: the quote opens before the genotype
    _write(folder / "arsenite_motor.csv", lines)
    (problem,) = _problems(folder)
    assert "arsenite_motor.csv, row 153, column 'genotype'" in problem
    assert "a closing quote for the quote opened on this row" in problem


def test_a_nul_byte_is_reported_with_its_row_and_column(tmp_path):
    folder = _copy(tmp_path, "human_blot")
    raw = (folder / "human_blot.csv").read_bytes().split(b"\n")
    first, rest = raw[20].split(b",", 1)
    raw[20] = first + b",\x00" + rest  # a NUL at the start of the second cell (group) of row 21
    (folder / "human_blot.csv").write_bytes(b"\n".join(raw))
    (problem,) = _problems(folder)
    assert "human_blot.csv, row 21, column 'group': expected text without NUL bytes" in problem


def test_twenty_cells_of_32767_characters_are_refused_quickly_and_printed_short(tmp_path):
    folder = _copy(tmp_path, "pla_cells")
    lines = _lines(folder / "pla_cells.csv")
    long = "1" + "abcde" * 6553 + "!"  # the shape that made the unit hint's regular expression quadratic
    for k in range(1, 21):
        cells = lines[k].split(",")
        cells[9] = long
        lines[k] = ",".join(cells)
    _write(folder / "pla_cells.csv", lines)
    start = time.perf_counter()
    report = validate_report(folder)
    assert time.perf_counter() - start < 20  # 78 s before (3.6 s a cell)
    shown = [str(p) for p in report.problems if p.column == "puncta"]
    assert len(shown) == 20 and all(len(s) < 400 for s in shown)
    assert "(32,767 characters)" in shown[0] and "(the cell holds 32,767 characters)" in shown[0]


@pytest.mark.parametrize("error", ["#REF!", "#DIV/0!", "#N/A"])
def test_excel_error_values_are_not_identifiers(tmp_path, error):
    folder = _copy(tmp_path, "arsenite_cells")
    lines = _lines(folder / "arsenite_cells.csv")
    lines[3] = error + "," + lines[3].split(",", 1)[1]
    _write(folder / "arsenite_cells.csv", lines)
    problems = _problems(folder)
    assert any(f"arsenite_cells.csv, row 4, column 'culture_id': found '{error}'" in p and "not an Excel error" in p
               for p in problems), problems


def test_a_mouse_reused_in_disease_course_with_another_sex_is_refused(tmp_path):
    folder = _copy(tmp_path, "arsenite_motor", "disease_course")
    motor = pd.read_csv(folder / "arsenite_motor.csv", dtype=str, keep_default_na=False)
    mouse, sex = motor.loc[0, "mouse_id"], motor.loc[0, "sex"]
    lines = _lines(folder / "disease_course.csv")
    cells = lines[1].split(",")
    cells[0], cells[2] = mouse, "F" if sex == "M" else "M"
    lines[1] = ",".join(cells)
    _write(folder / "disease_course.csv", lines)
    problems = _problems(folder)
    assert any("disease_course.csv, row 2, column 'sex'" in p and f"the sex of mouse_id {mouse} given in "
               "arsenite_motor.csv row 2" in p for p in problems), problems


@pytest.mark.parametrize("what", ["folder", "symlink loop", "wrong case"])
def test_what_stands_where_a_table_should_be_gets_its_own_sentence(tmp_path, what):
    folder = _copy(tmp_path, "human_blot", "arsenite_cells")
    path = folder / "human_blot.csv"
    if what == "folder":
        path.unlink()
        path.mkdir()
        expected = f"{path}: expected a table file (human_blot.csv is a folder"
    elif what == "symlink loop":
        path.unlink()
        path.symlink_to("human_blot.csv")
        expected = f"{path}: expected a table file (human_blot.csv is a symbolic link that leads nowhere or to itself"
    else:
        path.rename(folder / "Human_Blot.CSV")
        expected = (f"{folder / 'Human_Blot.CSV'}: expected the file name human_blot.csv (names are case-sensitive: "
                    "rename Human_Blot.CSV to human_blot.csv)")
    problems = _problems(folder)
    assert any(p.startswith(expected) for p in problems), problems


def test_a_workbook_that_is_not_a_zip_file_is_named(tmp_path):
    book = tmp_path / "lab.xlsx"
    book.write_text("donor_id,group\nD01,sALS\n")
    assert _problems(book) == [f"{book}: expected an .xlsx workbook (this file is not one: an .xlsx file is a zip "
                               "archive; save the workbook again from Excel as 'Excel Workbook (.xlsx)')"]


def test_a_mam_fraction_table_without_the_mam_fraction_is_refused_in_one_sentence(tmp_path):
    from helpers.analysis import mam_fraction
    from helpers.analysis.design import DesignError

    folder = _copy(tmp_path, "mam_fraction")
    table = pd.read_csv(folder / "mam_fraction.csv", dtype=str, keep_default_na=False)
    table[table["fraction"] != "MAM"].to_csv(folder / "mam_fraction.csv", index=False)
    lanes = load_table("mam_fraction", folder)
    with pytest.raises(DesignError) as refused:
        mam_fraction.mam_enrichment(lanes, "MAM", "homogenate")
    message = str(refused.value)
    assert message.startswith("mam_fraction.csv, column 'fraction': the MAM enrichment (MAM over homogenate) needs "
                              "lanes of 'MAM', the study's MAM fraction, but no sample has one (present: homogenate ")
    assert message.endswith("and the reference fraction (the factor's reference).")
    assert message.count(". ") == 0  # one sentence
