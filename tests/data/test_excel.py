"""Excel workbooks as a data source: the template, a round trip, and every quirk named by sheet and A1 cell."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from helpers.core.hashing import sha256_of
from helpers.core.paths import CHAPTERS_DIR, DATA_DIR
from helpers.data.tables import example_specs, get_spec
from helpers.data.templates import write_workbook_template
from helpers.data.validate import DataValidationError, load_table, validate_report

ROUND_TRIP = ("human_blot", "mouse_blot", "arsenite_cells", "disease_course")


def fill_template(template: Path, out: Path, tables) -> Path:
    """Fill the template: drop the example row and the sheets not in *tables*, write the example CSV rows."""
    book = load_workbook(template)
    for name in example_specs():
        sheet = book[name]
        if name not in tables:
            book.remove(sheet)
            continue
        sheet.delete_rows(2)
        spec = get_spec(name)
        frame = pd.read_csv(DATA_DIR / spec.filename, dtype=str, keep_default_na=False)
        kinds = [spec.column(c).kind for c in frame.columns]
        for row in frame.itertuples(index=False):
            sheet.append([int(v) if k == "int" else float(v) if k == "float" else v
                          for v, k in zip(row, kinds, strict=True)])
    book.save(out)
    return out


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return write_workbook_template(tmp_path_factory.mktemp("templates"))


@pytest.fixture(scope="module")
def lab_book(template, tmp_path_factory) -> Path:
    return fill_template(template, tmp_path_factory.mktemp("lab") / "lab.xlsx", ROUND_TRIP)


def test_template_has_a_sheet_per_table_with_validations(template):
    from helpers.core.paths import DATA_DIR
    from helpers.data.study import study_of

    book = load_workbook(template)
    specs = example_specs()  # the bundled real tables have no template sheet
    assert book.sheetnames == ["README", *specs]
    for name in specs:
        spec = study_of(DATA_DIR).spec(name)  # the drop-downs offer the example study's levels
        sheet = book[name]
        assert [c.value for c in sheet[1]] == spec.column_names
        assert sheet.max_row == 2  # header and one example row
        validations = sheet.data_validations.dataValidation
        assert len(validations) == len(spec.columns)
        lists = {v.formula1.strip('"') for v in validations if v.type == "list"}
        assert lists == {",".join(c.allowed) for c in spec.columns if c.allowed is not None}
    readme = book["README"]
    rows = [r for r in readme.iter_rows(min_row=2, values_only=True) if r[1]]
    assert len(rows) == sum(len(s.columns) for s in specs.values())
    assert ("human_blot", "pmi_hours", "float", "hours") == rows[4][:4]


def test_template_example_rows_validate(template):
    report = validate_report(template)
    assert report.ok, report.text()
    assert [str(c) for c in report.corrections] == [f"{template}, sheet README: not one of the book's tables: sheet ignored"]


def test_round_trip_gives_the_csv_tables(lab_book):
    for name in ROUND_TRIP:
        pd.testing.assert_frame_equal(load_table(name, lab_book), load_table(name, DATA_DIR))
    report = validate_report(lab_book)
    assert report.ok and report.absent == ["pla_cells", "mam_fraction", "arsenite_motor"]


@pytest.fixture
def quirky(lab_book, tmp_path) -> Path:
    book = load_workbook(lab_book)
    sheet = book["human_blot"]
    sheet["I14"] = "n.d."
    sheet["E3"] = "10.9"  # a number stored as text
    sheet["E4"].number_format = "0%"  # percent-formatted
    sheet["G5"] = dt.datetime(2024, 3, 1)  # an identifier Excel turned into a date
    sheet["J6"] = "=1/0"  # formula without a cached value
    sheet["K7"] = "#N/A"
    sheet["B8"] = "#DIV/0!"
    for col in range(1, 20):  # trailing empty rows, and a formatted but empty trailing column
        sheet.cell(row=200, column=col).number_format = "0.00"
    sheet.sheet_state = "hidden"
    book.active = 1
    book.create_sheet("notes")["A1"] = "free text"
    out = tmp_path / "quirky.xlsx"
    book.save(out)
    return out


def test_every_quirk_is_named_by_sheet_and_cell(quirky):
    before = sha256_of(quirky)
    report = validate_report(quirky)
    where = f"{quirky}, sheet human_blot"
    assert [str(p) for p in report.problems] == [
        f"{where}, cell G5 (column 'gel_id'): found '2024-03-01T00:00:00'; expected text, not a date (the cell is "
        "formatted as a date: format the column as Text and enter the value again)",
        f"{where}, cell J6 (column 'ptbk1_loading'): found '=1/0'; expected a value (the cell holds a formula "
        "with no saved result: open the workbook in Excel and save it, or paste the values)",
        f"{where}, cell K7 (column 'tbk1'): found '#N/A'; expected a value, not an Excel error (fix the formula "
        "or enter the value)",
        f"{where}, cell B8 (column 'group'): found '#DIV/0!'; expected a value, not an Excel error (fix the "
        "formula or enter the value)",
        f"{where}, cell I14 (column 'ptbk1'): found 'n.d.'; expected a finite number greater than 0",
    ]
    notes = [str(c) for c in report.corrections]
    assert f"{where}: the sheet is hidden in Excel; read like the others" in notes
    assert f"{quirky}, sheet notes: not one of the book's tables: sheet ignored" in notes
    assert f"{where}, cell E3 (column 'pmi_hours'): '10.9': number stored as text: read as the number" in notes
    assert f"{where}, cell E4 (column 'pmi_hours'): '8.2': formatted as a percentage: read as its stored value 8.2" in notes
    with pytest.raises(DataValidationError, match=re.escape(f"{where}, cell I14 (column 'ptbk1')")):
        load_table("human_blot", quirky)
    assert sha256_of(quirky) == before  # never modified


def test_formula_with_a_cached_value_is_read(lab_book, tmp_path):
    """A formula cell counts by its saved result (patched into the sheet XML, as Excel saves it)."""
    out = tmp_path / "formula.xlsx"
    member = f"xl/worksheets/sheet{load_workbook(lab_book).sheetnames.index('human_blot') + 1}.xml"
    with zipfile.ZipFile(lab_book) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == member:
                data = re.sub(rb'<c r="E2"([^>]*)><v>([^<]*)</v></c>', rb'<c r="E2"\1><f>4.8*1</f><v>\2</v></c>', data)
            dst.writestr(item, data)
    assert load_workbook(out)["human_blot"]["E2"].value == "=4.8*1"
    pd.testing.assert_frame_equal(load_table("human_blot", out), load_table("human_blot", DATA_DIR))


def test_empty_sheet_and_missing_workbook(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "human_blot"
    book.save(tmp_path / "empty.xlsx")
    assert [str(p) for p in validate_report(tmp_path / "empty.xlsx").problems] == [
        f"{tmp_path / 'empty.xlsx'}, sheet human_blot: expected a header row and at least one data row (the sheet is empty)"]
    assert [str(p) for p in validate_report(tmp_path / "none.xlsx").problems] == [
        f"{tmp_path / 'none.xlsx'}: expected a folder of data tables or an .xlsx workbook "
        f"({tmp_path / 'none.xlsx'} does not exist)"]


def _ledger(notebook: Path) -> dict[str, tuple]:
    from helpers.report.ledger.files import read_notebook_results

    return {r["key"]: (r["value"], r["ci_low"], r["ci_high"]) for r in read_notebook_results(notebook)}


@pytest.mark.slow
@pytest.mark.parametrize("chapter,table", [("human_tbk1", "human_blot"), ("disease_course", "disease_course")])
def test_chapter_from_workbook_gives_the_csv_ledger(chapter, table, lab_book, tmp_path):
    import papermill as pm

    folder = tmp_path / "csv"
    folder.mkdir()
    shutil.copy(DATA_DIR / get_spec(table).filename, folder)
    runs = {}
    for label, source in (("csv", folder), ("xlsx", lab_book)):
        out = tmp_path / f"{chapter}_{label}.ipynb"
        pm.execute_notebook(str(CHAPTERS_DIR / f"{chapter}.ipynb"), str(out), parameters={"data_source": str(source)},
                            kernel_name="python3", progress_bar=False, cwd=str(CHAPTERS_DIR))
        runs[label] = _ledger(out)
    assert runs["csv"] and runs["csv"] == runs["xlsx"]


def test_a_sheet_reports_with_the_one_problem_type_and_counts_the_rest(lab_book, tmp_path):
    """A column wrong in every row: the first MAX_SHOWN cells named, the last counting the others, as for a CSV."""
    from helpers.data.problems import Correction, Problem
    from helpers.data.readers import MAX_SHOWN

    book = load_workbook(lab_book)
    sheet = book["human_blot"]
    rows = sheet.max_row - 1
    for r in range(2, sheet.max_row + 1):
        sheet[f"I{r}"] = "n.d."
    sheet.insert_rows(5)  # an empty row inside the table
    out = tmp_path / "nd.xlsx"
    book.save(out)
    report = validate_report(out)
    where = f"{out}, sheet human_blot"
    assert all(type(p) is Problem for p in report.problems)
    assert all(type(c) is Correction for c in report.corrections)
    ptbk1 = [p for p in report.problems if p.column == "ptbk1"]
    assert len(ptbk1) == MAX_SHOWN
    assert [p.cell for p in ptbk1[:4]] == ["I2", "I3", "I4", "I6"]  # row 5 is the empty one
    assert str(ptbk1[-1]) == (f"{where}, cell I{MAX_SHOWN + 2} (column 'ptbk1'): found 'n.d.'; expected a finite "
                              f"number greater than 0 — and {rows - MAX_SHOWN:,} more rows with the same problem")
    assert f"{where}, row 5: empty row skipped" in [str(c) for c in report.corrections]
