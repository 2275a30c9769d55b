"""Fiji Analyze Particles summaries as labs save them: CSV, tab text with CRLF, stacks; Results tables refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.data.converters import convert_pla_fiji, main

FIXTURES = Path(__file__).parent / "fixtures" / "converters"
COUNTS = ["18", "22", "5", "9", "11", "0"]  # the Count column of fiji_summary.csv


@pytest.mark.parametrize("summary", ["fiji_summary.csv", "fiji_summary_tab.txt"])
def test_summary_as_csv_or_tab_text_gives_the_counts(summary):
    table, problems = convert_pla_fiji(FIXTURES / summary, FIXTURES / "fiji_images.csv")
    assert problems == [] and table["puncta"].tolist() == COUNTS
    assert table["cell_area_um2"].astype(float).tolist() == [1061.7, 1039.8, 212.4, 987.5, 1120.0, 198.25]
    assert (FIXTURES / "fiji_summary_tab.txt").read_bytes().count(b"\r\n") == 7


def test_stack_with_repeated_slice_names_is_explained_in_one_sentence():
    table, problems = convert_pla_fiji(FIXTURES / "fiji_stack_summary.csv", FIXTURES / "fiji_images.csv")
    (problem,) = problems
    assert table is None and "\n" not in str(problem)
    assert str(problem) == (
        f"{FIXTURES / 'fiji_stack_summary.csv'}, row 2, column 'Slice': found 'M001-SC-VP1-stack.tif'; expected one "
        "name per image, but 'M001-SC-VP1-stack.tif' names 6 rows (rows 2 to 7), as Fiji writes for a stack whose "
        "slices have no labels: add a 'slice_number' column (1 to 6, in stack order) to fiji_images.csv")


def test_stack_converts_with_slice_numbers_in_the_sheet():
    result = convert_pla_fiji(FIXTURES / "fiji_stack_summary.csv", FIXTURES / "fiji_stack_images.csv")
    assert result.problems == [] and result.table["puncta"].tolist() == COUNTS
    assert any("told apart by the sheet's slice_number" in str(n) for n in result.notes)


def test_results_table_is_refused_with_a_pointer_to_the_summary(tmp_path, capsys):
    assert main(["pla-fiji", "--summary", str(FIXTURES / "fiji_results.csv"), "--samples",
                 str(FIXTURES / "fiji_images.csv"), "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "this is a Results table with one row per particle; tick 'Summarize' and save the Summary window" in err


def test_counts_and_areas_are_range_checked(tmp_path):
    summary = tmp_path / "summary.csv"
    summary.write_text((FIXTURES / "fiji_summary.csv").read_text().replace(",18,", ",-3,").replace(",22,", ",2.5,"))
    sheet = tmp_path / "images.csv"
    sheet.write_text((FIXTURES / "fiji_images.csv").read_text().replace(",1061.7\n", ",0.0010617\n"))
    _, problems = convert_pla_fiji(summary, sheet)
    assert [(p.file, p.row, p.column, p.value) for p in problems] == [
        (str(summary), 2, "Count", "-3"), (str(summary), 3, "Count", "2.5"), (str(sheet), 2, "cell_area_um2", "0.0010617")]
    assert problems[2].expected == "a cell area between 1 and 100000 µm²"
