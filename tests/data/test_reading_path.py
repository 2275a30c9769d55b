"""One reading path: a data source is looked at once, then read by the reader of its format, then checked.

The path a table takes through the data layer is traced (``sys.setprofile``):
from :func:`helpers.data.validate.load_table`, the steps are the source
(:mod:`helpers.data.sources`), one reader (:mod:`helpers.data.readers` or
:mod:`helpers.data.excel`) and the checks (:mod:`helpers.data.checks`), each
entered once and in this order; the kind of source is decided at one place.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from openpyxl import Workbook

from helpers.core.paths import DATA_DIR
from helpers.data.cells import Locator
from helpers.data.problems import Correction, Problem
from helpers.data.readers import write_parquet
from helpers.data.sources import DataSource, open_source
from helpers.data.validate import DataValidationError, load_table, read_table, validate_report

#: The steps of a table's path, and the modules they share (the cells a reader hands on, the findings' types).
STEPS = ("sources", "readers", "excel", "checks")
SHARED = ("cells", "problems", "study", "tables")


def write_workbook(path: Path, tables: dict[str, pd.DataFrame]) -> Path:
    """Write *tables* as sheets of a workbook, every cell as text (as a lab's pasted values are)."""
    book = Workbook()
    book.remove(book.active)
    for name, frame in tables.items():
        sheet = book.create_sheet(name)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append(list(row))
    book.save(path)
    return path


def example(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / f"{name}.csv", dtype=str, keep_default_na=False)


def trace(call) -> tuple[list[str], set[tuple[str, str]], list[str]]:
    """Run *call*; return what it passes through.

    (the steps the composer, :mod:`helpers.data.validate`, calls, in order, repeats merged; the calls from one
    module of the data layer to another that is not shared vocabulary; who asked ``is_workbook``).
    """
    composed: list[str] = []
    crossings: set[tuple[str, str]] = set()
    asked: list[str] = []

    def module_of(frame) -> str:
        name = frame.f_globals.get("__name__", "") if frame is not None else ""
        return name.removeprefix("helpers.data.").split(".")[0] if name.startswith("helpers.data.") else ""

    def profile(frame, event, _arg):
        if event != "call":
            return
        callee, caller = module_of(frame), module_of(frame.f_back)
        if frame.f_code.co_name == "is_workbook" and callee == "sources":
            asked.append(frame.f_back.f_code.co_name)
        if caller == "validate" and callee in STEPS and (not composed or composed[-1] != callee):
            composed.append(callee)
        if caller and callee and caller != callee and caller != "validate" and callee not in SHARED:
            crossings.add((caller, callee))

    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    return composed, crossings, asked


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[str, Path]:
    """The example human_blot table as a CSV folder, a Parquet folder, a workbook and a descriptor's workbook."""
    root = tmp_path_factory.mktemp("sources")
    (root / "csv").mkdir()
    shutil.copy(DATA_DIR / "human_blot.csv", root / "csv")
    (root / "parquet").mkdir()
    write_parquet(pd.read_csv(DATA_DIR / "human_blot.csv"), root / "parquet" / "human_blot.parquet")
    write_workbook(root / "lab.xlsx", {"human_blot": example("human_blot")})
    (root / "described").mkdir()
    write_workbook(root / "described" / "lab_book.xlsx", {"human_blot": example("human_blot")})
    descriptor = yaml.safe_load((DATA_DIR / "datapackage.yaml").read_text(encoding="utf-8"))
    descriptor["resources"] = [dict(r, path="lab_book.xlsx") for r in descriptor["resources"]
                               if r["name"] == "human_blot"]
    design = next(v for v in descriptor.values() if isinstance(v, dict) and "tables" in v)
    design["tables"] = {t: facts for t, facts in design["tables"].items() if t == "human_blot"}
    (root / "described" / "datapackage.yaml").write_text(yaml.safe_dump(descriptor, sort_keys=False), encoding="utf-8")
    return {"csv": root / "csv", "parquet": root / "parquet", "xlsx": root / "lab.xlsx",
            "descriptor": root / "described", "example": DATA_DIR}


@pytest.mark.parametrize(("form", "reader"), [("csv", "readers"), ("parquet", "readers"), ("xlsx", "excel"),
                                              ("descriptor", "excel"), ("example", "readers")])
def test_a_table_goes_from_source_to_reader_to_checks_once(sources, form, reader):
    expected = load_table("human_blot", DATA_DIR)
    loaded = {}
    steps, crossings, asked = trace(lambda: loaded.setdefault("table", load_table("human_blot", sources[form])))
    assert steps == ["sources", reader, "checks"]
    # no step calls back into the composer or into a later step; a workbook's sheets are listed when it is opened
    assert crossings <= {("sources", "excel")}, crossings
    assert asked and set(asked) == {"open_source"}  # the kind of source is decided once, where it is opened
    pd.testing.assert_frame_equal(loaded["table"], expected)


def test_opening_a_source_decides_its_kind_and_finds_its_tables(sources, tmp_path):
    folder = open_source(sources["csv"])
    assert (folder.kind, folder.workbook, folder.tables) == ("folder", None, ("human_blot",))
    assert folder.file("human_blot") == sources["csv"] / "human_blot.csv"
    assert folder.file("mouse_blot") == sources["csv"] / "mouse_blot.csv"  # where the book expects it
    assert folder.label("human_blot") == str(sources["csv"] / "human_blot.csv")
    assert folder.short("human_blot") == "human_blot.csv"
    assert open_source(sources["parquet"]).file("human_blot").suffix == ".parquet"
    book = open_source(sources["xlsx"])
    assert (book.kind, book.workbook, book.tables) == ("workbook", sources["xlsx"], ("human_blot",))
    assert book.label("human_blot") == f"{sources['xlsx']}, sheet human_blot"
    assert book.short("human_blot") == "sheet human_blot"
    described = open_source(sources["descriptor"])
    assert described.kind == "descriptor" and described.descriptor == sources["descriptor"] / "datapackage.yaml"
    assert described.workbook == sources["descriptor"] / "lab_book.xlsx" and described.tables == ("human_blot",)
    assert open_source(described) is described  # an opened source is passed on as it is
    example_source = open_source(DATA_DIR)
    assert example_source.kind == "descriptor" and example_source.tables[:2] == ("human_blot", "mouse_blot")
    nowhere = open_source(tmp_path / "no_such_folder")
    assert (nowhere.kind, nowhere.tables) == ("folder", ())


def test_an_opened_source_is_frozen(sources):
    source = open_source(sources["csv"])
    assert isinstance(source, DataSource)
    with pytest.raises(AttributeError):
        source.kind = "workbook"


def test_a_sheet_locator_names_the_header_row_and_the_a1_cell_and_leaves_out_what_the_reader_said():
    label = "lab.xlsx, sheet human_blot"
    sheet = Locator(label, columns={"group": 2, "ptbk1": 9}, header_row=3, explained=frozenset({(7, "group")}))
    found = [Problem(label, 1, "group", None, "a column named 'group' in the header"),
             Problem(label, 14, "ptbk1", "n.d.", "a finite number"),
             Problem(label, 7, "group", "#N/A", "one of ..."),
             Correction(label, 1, "ptbk1", None, "ignored")]
    assert [str(p) for p in sheet.place(found)] == [
        "lab.xlsx, sheet human_blot, cell B3 (column 'group'): expected a column named 'group' in the header",
        "lab.xlsx, sheet human_blot, cell I14 (column 'ptbk1'): found 'n.d.'; expected a finite number",
        "lab.xlsx, sheet human_blot, cell I3 (column 'ptbk1'): ignored",
    ]
    file = Locator("data/human_blot.csv")
    assert file.place(found) == found  # a file's rows and columns are named as the checks found them


def test_an_excel_error_in_a_level_column_is_one_problem_at_its_cell(tmp_path):
    """Found by the fuzz test: the sheet's own explanation replaces the check's, and nothing breaks."""
    table = example("pla_cells")
    table.loc[3, "stage"] = "#REF!"
    book = write_workbook(tmp_path / "cells.xlsx", {"pla_cells": table})
    report = validate_report(book)
    assert [str(p) for p in report.problems] == [
        f"{book}, sheet pla_cells, cell C5 (column 'stage'): found '#REF!'; expected a value, not an Excel error "
        "(fix the formula or enter the value)"]
    with pytest.raises(DataValidationError, match="cell C5"):
        load_table("pla_cells", book)


def test_a_checked_table_keeps_its_text_cells_and_its_findings(sources):
    checked = read_table(open_source(sources["xlsx"]), "human_blot")
    assert checked.problems == [] and checked.table is not None
    assert len(checked.cells) == len(checked.table) == len(example("human_blot"))
    assert checked.cells.index[0] == 2  # Excel rows: the header is row 1
    assert any("number stored as text" in str(c) for c in checked.corrections)


def test_a_sheet_may_keep_the_empty_column_of_a_measurement_the_study_did_not_make(tmp_path):
    """As a CSV file may: the one path drops it with a note, named by its header cell."""
    from helpers.data.describe import main as describe_main

    dropped = ("ptbk1_loading", "tbk1_loading", "ptbk1_total_protein", "tbk1_total_protein")
    table = example("human_blot")
    table[list(dropped)] = ""
    book = write_workbook(tmp_path / "licor.xlsx", {"human_blot": table})
    assert describe_main([str(book)]) == 0  # the study: a two-colour blot, no loading control
    report = validate_report(book)
    assert report.ok, report.text()
    letters = {c: chr(ord("A") + list(table.columns).index(c)) for c in dropped}
    assert [str(c) for c in report.corrections if "did not make" in str(c)] == [
        f"{book}, sheet human_blot, cell {letters[c]}1 (column '{c}'): empty column of a measurement the study "
        "did not make: ignored" for c in dropped]
    assert not set(dropped) & set(load_table("human_blot", book).columns)
