"""Schemas at the boundary: every bad input names file, row, column and expectation."""

from __future__ import annotations

import hashlib

import pytest

from helpers.data.validate import DataValidationError, load_table, main, validate_directory


def test_shipped_data_is_valid():
    from helpers.core.paths import DATA_DIR

    assert validate_directory(DATA_DIR) == []


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "expected"),
    [
        ("human_blot", 5, "ptbk1", "-120.5", "greater than 0"),
        ("human_blot", 7, "tbk1_loading", "0", "greater than 0"),
        ("human_blot", 9, "group", "ALS", "one of control, sALS"),
        ("human_blot", 3, "age_years", "250", "between 18 and 110"),
        ("human_blot", 4, "pmi_hours", "abc", "finite number"),
        ("human_blot", 6, "ptbk1", "inf", "greater than 0"),
        ("mouse_blot", 10, "genotype", "SOD1_G93A", "one of WT, Sigmar1_KO"),
        ("mouse_blot", 12, "tissue", "liver", "one of spinal_cord"),
        ("mouse_blot", 20, "lane", "2.5", "whole number"),
    ],
)
def test_bad_value_is_reported_with_file_row_column(data_copy, table, row, column, value, expected, edit_cell):
    path = data_copy / f"{table}.csv"
    edit_cell(path, row, column, value)
    before = hashlib.sha256(path.read_bytes()).digest()
    with pytest.raises(DataValidationError) as err:
        load_table(table, data_copy)
    message = str(err.value)
    assert f"{table}.csv, row {row}, column '{column}'" in message
    assert repr(value) in message
    assert expected in message
    assert hashlib.sha256(path.read_bytes()).digest() == before, "validation must not modify the file"


def test_missing_column_is_reported(data_copy):
    path = data_copy / "human_blot.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(",".join(line.split(",")[:-1]) for line in lines) + "\n")
    problems = validate_directory(data_copy, ["human_blot"])
    assert any(p.column == "tbk1_total_protein" and p.row == 1 and "column named" in p.expected for p in problems)


def test_duplicate_key_and_inconsistent_donor(data_copy):
    path = data_copy / "human_blot.csv"
    lines = path.read_text().splitlines()
    lines.append(lines[1])  # the same donor x region again
    path.write_text("\n".join(lines) + "\n")
    problems = validate_directory(data_copy, ["human_blot"])
    assert any("unique donor_id + region" in p.expected and p.row == len(lines) for p in problems)


def test_every_problem_is_listed_not_only_the_first(data_copy, capsys, edit_cell):
    edit_cell(data_copy / "human_blot.csv", 5, "ptbk1", "-1")
    edit_cell(data_copy / "mouse_blot.csv", 8, "genotype", "KO")
    assert main([str(data_copy)]) == 1
    err = capsys.readouterr().err
    assert "human_blot.csv, row 5, column 'ptbk1'" in err
    assert "mouse_blot.csv, row 8, column 'genotype'" in err


def test_empty_and_header_only_files(data_copy):
    (data_copy / "human_blot.csv").write_text("")
    header = (data_copy / "mouse_blot.csv").read_text().splitlines()[0]
    (data_copy / "mouse_blot.csv").write_text(header + "\n")
    problems = validate_directory(data_copy)
    assert any("empty" in p.expected and p.file.endswith("human_blot.csv") for p in problems)
    assert any("only a header" in p.expected and p.file.endswith("mouse_blot.csv") for p in problems)


def test_report_results_count_tables_rows_problems_and_corrections_over_the_rows_checked():
    from helpers.data.problems import Correction, Problem
    from helpers.data.validate import ValidationReport

    report = ValidationReport("lab", ["a", "b"], rows={"a": 10, "b": 4},
                              problems=[Problem("a.csv", 2, "x", "?", "a number")] * 3,
                              corrections=[Correction("b.csv", 1, "y", " z", "space removed")])
    table = report.results().set_index("key")
    assert table.index.tolist() == ["n_tables", "n_rows", "n_problems", "n_corrections"]
    assert table["value"].tolist() == [2, 14, 3, 1]
    assert set(table["n"]) == {14} and set(table["n_unit"]) == {"rows"} and set(table["digits"]) == {0}
    assert table["unit"].tolist() == ["tables", "rows", "problems", "notes"]
    assert set(table["method"]) == {"helpers.data.validate.validate_report"}
