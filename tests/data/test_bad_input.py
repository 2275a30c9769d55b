"""Malformed input: every case gives a clear message (or a reported correction), never a traceback.

Each case corrupts a copy of one shipped table in a way a lab's export really
does (another delimiter, decimal commas, units in cells, Latin-1, a BOM, ...),
then checks that

* the validator returns (no exception escapes from pandas or pyarrow),
* the expected problem is listed with file, row, column, value and expectation,
  or, for a documented correction, a note is reported and the table loads,
* ``load_table`` raises only :class:`DataValidationError`,
* every file of the folder is byte-identical afterwards.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers.data.tables import get_spec
from helpers.data.validate import DataValidationError, load_table, main, validate_report


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _write(path: Path, lines: list[str], end: str = "\n") -> None:
    path.write_bytes((end.join(lines) + end).encode("utf-8"))


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell (row numbered as in the file, header = 1) by plain text editing."""
    lines = _lines(path)
    header = lines[0].split(",")
    cells = lines[row - 1].split(",")
    cells[header.index(column)] = value
    lines[row - 1] = ",".join(cells)
    _write(path, lines)


def drop_column(path: Path, column: str) -> None:
    lines = _lines(path)
    i = lines[0].split(",").index(column)
    _write(path, [",".join(c for j, c in enumerate(line.split(",")) if j != i) for line in lines])


def rename_column(path: Path, old: str, new: str) -> None:
    lines = _lines(path)
    lines[0] = ",".join(new if c == old else c for c in lines[0].split(","))
    _write(path, lines)


def cell(path: Path, row: int, column: str) -> str:
    lines = _lines(path)
    return lines[row - 1].split(",")[lines[0].split(",").index(column)]


@dataclass
class Case:
    """One malformed input: what to do to the folder and what the report must say."""

    table: str
    corrupt: Callable[[Path], None]
    expect: tuple[str, ...]
    corrected: bool = False  # a documented correction: reported as a note, the table still loads


def _semicolons(d: Path) -> None:
    p = d / "human_blot.csv"
    _write(p, [line.replace(",", ";").replace(".", ",") for line in _lines(p)])


def _tabs(d: Path) -> None:
    p = d / "human_blot.csv"
    _write(p, [line.replace(",", "\t") for line in _lines(p)])


def _encode(d: Path, codec: str, *, bom: bool = False) -> None:
    p = d / "human_blot.csv"
    text = p.read_text(encoding="utf-8").replace("D05,", "Dé05,")
    p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(codec))


def _append_row_copy(d: Path, table: str, src_row: int) -> None:
    p = d / f"{table}.csv"
    lines = _lines(p)
    _write(p, [*lines, lines[src_row - 1]])


def _mouse_without_genotype(d: Path) -> None:
    """PLA cells keep their mouse but the genotype column is gone and no mouse table knows the mouse."""
    drop_column(d / "pla_cells.csv", "genotype")
    blot = d / "mouse_blot.csv"
    _write(blot, [line for line in _lines(blot) if not line.startswith("M001,")])


def _pla_genotype_disagrees(d: Path) -> None:
    p = d / "pla_cells.csv"
    _write(p, [line.replace("M001,WT,", "M001,Sigmar1_KO,", 1) for line in _lines(p)])


def _excel_rows(d: Path) -> None:
    p = d / "human_blot.csv"
    _write(p, [*_lines(p), ",,,,,,,,,,,,,", ",,,,,,,,,,,,,"])


def _padded(d: Path) -> None:
    p = d / "human_blot.csv"
    lines = _lines(p)
    cells = lines[2].split(",")
    cells[1] = f"  {cells[1]} "
    cells[8] = f" {cells[8]}"
    lines[2] = ",".join(cells)
    lines[0] = lines[0].replace("group", " group")
    _write(p, lines)


def _quoted_numbers(d: Path) -> None:
    p = d / "human_blot.csv"
    _write(p, [line if i == 0 else ",".join(f'"{c}"' for c in line.split(",")) for i, line in enumerate(_lines(p))])


def _donor_age_changes(d: Path) -> None:
    p = d / "human_blot.csv"
    lines = _lines(p)
    donor = lines[1].split(",")[0]
    row = next(i for i, line in enumerate(lines) if i > 1 and line.startswith(donor + ",")) + 1
    set_cell(p, row, "age_years", str(int(cell(p, row, "age_years")) + 1))


def _swap_columns_order(d: Path) -> None:
    p = d / "arsenite_cells.csv"
    lines = [line.split(",") for line in _lines(p)]
    _write(p, [",".join([c[1], c[0], *c[2:]]) for c in lines])


def _short_row(d: Path) -> None:
    p = d / "human_blot.csv"
    lines = _lines(p)
    lines[5] = ",".join(lines[5].split(",")[:-2])
    _write(p, lines)


CASES: dict[str, Case] = {
    "missing column": Case("human_blot", lambda d: drop_column(d / "human_blot.csv", "tbk1_loading"),
                           ("human_blot.csv, row 1, column 'tbk1_loading'", "a column named 'tbk1_loading'")),
    "extra column": Case("arsenite_cells", lambda d: _write(
        d / "arsenite_cells.csv", [line + (",note" if i == 0 else ",x") for i, line in
                                   enumerate(_lines(d / "arsenite_cells.csv"))]),
        ("arsenite_cells.csv, row 1, column 'note'", "only the columns culture_id, genotype")),
    "column name in other case": Case("human_blot", lambda d: rename_column(d / "human_blot.csv", "ptbk1", "PTBK1"),
                                      ("column 'ptbk1'", "(the header has 'PTBK1')")),
    "duplicated header name": Case("human_blot", lambda d: rename_column(d / "human_blot.csv", "lane", "gel_id"),
                                   ("row 1, column 'gel_id'", "each column name once")),
    "text in an integer column": Case("mouse_blot", lambda d: set_cell(d / "mouse_blot.csv", 4, "lane", "three"),
                                      ("mouse_blot.csv, row 4, column 'lane': found 'three'", "a whole number")),
    "fraction in an integer column": Case("pla_cells", lambda d: set_cell(d / "pla_cells.csv", 9, "puncta", "12.5"),
                                          ("pla_cells.csv, row 9, column 'puncta': found '12.5'", "a whole number")),
    "negative intensity": Case("human_blot", lambda d: set_cell(d / "human_blot.csv", 5, "ptbk1", "-120.5"),
                               ("row 5, column 'ptbk1': found '-120.5'", "greater than 0")),
    "infinite intensity": Case("mouse_blot", lambda d: set_cell(d / "mouse_blot.csv", 6, "tbk1", "inf"),
                               ("row 6, column 'tbk1': found 'inf'", "a finite number greater than 0")),
    "NaN intensity": Case("human_blot", lambda d: set_cell(d / "human_blot.csv", 6, "tbk1", "NaN"),
                          ("row 6, column 'tbk1': found 'NaN'", "a finite number")),
    "zero loading control": Case("human_blot", lambda d: set_cell(d / "human_blot.csv", 7, "ptbk1_loading", "0"),
                                 ("row 7, column 'ptbk1_loading': found '0'", "greater than 0")),
    "empty numeric cell": Case("mam_fraction", lambda d: set_cell(d / "mam_fraction.csv", 3, "signal", ""),
                               ("row 3, column 'signal': found ''", "(the cell is empty)")),
    "duplicated key": Case("human_blot", lambda d: _append_row_copy(d, "human_blot", 2),
                           ("row 68, column 'region'", "a unique donor_id + region")),
    "duplicated cell id": Case("pla_cells", lambda d: _append_row_copy(d, "pla_cells", 3),
                               ("row 16150, column 'cell_id'", "a unique cell_id")),
    "unknown factor level": Case("human_blot", lambda d: set_cell(d / "human_blot.csv", 9, "group", "ALS"),
                                 ("row 9, column 'group': found 'ALS'", "one of control, sALS")),
    "factor level in other case": Case("human_blot", lambda d: set_cell(d / "human_blot.csv", 9, "group", "sals"),
                                       ("found 'sals'", "did you mean 'sALS'?")),
    "unit in a numeric cell (hours)": Case("human_blot", lambda d: set_cell(d / "human_blot.csv", 4, "pmi_hours", "12 h"),
                                           ("row 4, column 'pmi_hours': found '12 h'", "a number without a unit",
                                            "hours, is implied")),
    "unit in a numeric cell (kDa)": Case("mouse_blot", lambda d: set_cell(d / "mouse_blot.csv", 3, "ptbk1", "3.5 kDa"),
                                         ("found '3.5 kDa'", "a number without a unit")),
    "empty file": Case("human_blot", lambda d: (d / "human_blot.csv").write_bytes(b""), ("file is empty",)),
    "header only": Case("human_blot", lambda d: _write(d / "human_blot.csv", _lines(d / "human_blot.csv")[:1]),
                        ("row 2", "file has only a header")),
    "semicolon delimiter with decimal commas": Case("human_blot", _semicolons,
                                                    ("human_blot.csv, row 1", "split by semicolons")),
    "tab delimiter": Case("human_blot", _tabs, ("split by tabs",)),
    "unquoted decimal comma": Case("human_blot", lambda d: set_cell(d / "human_blot.csv", 3, "pmi_hours", "4,8"),
                                   ("row 3: found '15 cells'", "14 cells like the header (a decimal comma")),
    "quoted decimal comma": Case("human_blot", lambda d: set_cell(d / "human_blot.csv", 3, "pmi_hours", '"4,8"'),
                                 ("row 3, column 'pmi_hours': found '4,8'", "use a decimal point")),
    "thousands separator": Case("human_blot", lambda d: set_cell(d / "human_blot.csv", 3, "ptbk1", '"17,202.4"'),
                                ("found '17,202.4'", "no thousands separators")),
    "Excel error value": Case("arsenite_cells", lambda d: set_cell(d / "arsenite_cells.csv", 5, "viability", "#DIV/0!"),
                              ("row 5, column 'viability': found '#DIV/0!'", "Excel error value")),
    "Unicode minus sign": Case("mouse_blot", lambda d: set_cell(d / "mouse_blot.csv", 5, "tbk1", "\u2212500"),
                               ("found '\u2212500'", "write the minus sign as '-'")),
    "Latin-1 encoding": Case("human_blot", lambda d: _encode(d, "latin-1"),
                             ("human_blot.csv, row 2: found 'byte 0xe9'", "Latin-1/Windows-1252")),
    "UTF-16 encoding": Case("human_blot", lambda d: _encode(d, "utf-16"), ("this file is UTF-16",)),
    "Excel workbook renamed to .csv": Case("human_blot", lambda d: (d / "human_blot.csv").write_bytes(
        b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40), ("zip archive", ".xlsx")),
    "unterminated quote": Case("human_blot", lambda d: set_cell(d / "human_blot.csv", 10, "donor_id", '"D99'),
                               ("human_blot.csv, row 10, column 'donor_id'", "a closing quote for the quote opened on this row"),),
    "row with missing cells": Case("human_blot", _short_row, ("row 6: found '12 cells'", "14 cells like the header")),
    "empty genotype of a PLA mouse": Case("pla_cells", lambda d: set_cell(d / "pla_cells.csv", 2, "genotype", ""),
                                          ("pla_cells.csv, row 2, column 'genotype': found ''", "one of WT")),
    "PLA mouse with no genotype anywhere": Case("pla_cells+mouse_blot", _mouse_without_genotype,
                                                ("pla_cells.csv, row 2, column 'mouse_id': found 'M001'",
                                                 "a mouse_id whose genotype is known")),
    "PLA genotype contradicts the blot table": Case("pla_cells+mouse_blot", _pla_genotype_disagrees,
                                                    ("column 'genotype': found 'WT'", "given in pla_cells.csv")),
    "impossible age": Case("human_blot", lambda d: set_cell(d / "human_blot.csv", 3, "age_years", "250"),
                           ("row 3, column 'age_years': found '250'", "between 18 and 110")),
    "impossible day of onset": Case("disease_course", lambda d: set_cell(d / "disease_course.csv", 4, "onset_day", "-3"),
                                    ("row 4, column 'onset_day': found '-3'", "between 0 and 1500")),
    "censoring flag 2": Case("disease_course", lambda d: set_cell(d / "disease_course.csv", 3, "onset_observed", "2"),
                             ("row 3, column 'onset_observed': found '2'", "between 0 and 1")),
    "censoring flag as a word": Case("disease_course", lambda d: set_cell(d / "disease_course.csv", 3,
                                                                         "end_stage_observed", "yes"),
                                     ("column 'end_stage_observed': found 'yes'", "a whole number")),
    "donor covariate changes between lanes": Case("human_blot", _donor_age_changes,
                                                  ("column 'age_years'", "the same age_years on every row of donor_id")),
    "lane number out of range": Case("mouse_blot", lambda d: set_cell(d / "mouse_blot.csv", 2, "lane", "31"),
                                     ("found '31'", "between 1 and 30")),
    "negative dose": Case("arsenite_cells", lambda d: set_cell(d / "arsenite_cells.csv", 2, "dose_um", "-1"),
                          ("row 2, column 'dose_um': found '-1'", "of at least 0")),
    "missing file": Case("human_blot", lambda d: (d / "human_blot.csv").unlink(), ("the file to exist",)),
    # Documented corrections: reported as notes, the table still loads.
    "byte-order mark": Case("human_blot", lambda d: _encode(d, "utf-8", bom=True), ("byte-order mark ignored",),
                            corrected=True),
    "whitespace-padded values and header": Case("human_blot", _padded,
                                                ("row 3, column 'group': '  sALS '", "spaces around the value removed",
                                                 "row 1, column 'group': ' group'"), corrected=True),
    "trailing empty lines": Case("human_blot", lambda d: _write(d / "human_blot.csv", [*_lines(d / "human_blot.csv"),
                                                                                     "", "", ""]),
                                 ("row 68: empty line skipped",), corrected=True),
    "empty spreadsheet rows": Case("human_blot", _excel_rows, ("row 68: empty line skipped",), corrected=True),
    "Windows line ends": Case("human_blot", lambda d: _write(d / "human_blot.csv", _lines(d / "human_blot.csv"),
                                                             end="\r\n"), (), corrected=True),
    "quoted numbers": Case("human_blot", _quoted_numbers, (), corrected=True),
    "columns in another order": Case("arsenite_cells", _swap_columns_order, (), corrected=True),
}


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_at_least_thirty_distinct_malformed_inputs():
    assert sum(not c.corrected for c in CASES.values()) >= 30


@pytest.mark.parametrize("label", list(CASES))
def test_malformed_input_gives_a_clear_message(label, data_copy, capsys):
    case = CASES[label]
    tables = case.table.split("+")
    case.corrupt(data_copy)
    before = _digests(data_copy)
    report = validate_report(data_copy, tables)
    after_report = _digests(data_copy)
    listed = [str(p) for p in report.problems] if not case.corrected else [str(c) for c in report.corrections]
    text = "\n".join(listed)
    for fragment in case.expect:
        assert fragment in text, f"{label}: {fragment!r} not in\n{report.text()}"
    if case.corrected:
        assert report.ok, f"{label} should load after a reported correction:\n{report.text()}"
        table = load_table(tables[0], data_copy)
        assert len(table) > 0 and list(table.columns) == get_spec(tables[0]).column_names
    else:
        assert not report.ok
        if len(tables) == 1:  # a cross-table problem only shows when the folder is checked
            with pytest.raises(DataValidationError) as err:
                load_table(tables[0], data_copy)
            assert case.expect[0] in str(err.value)
        assert main([str(data_copy), *sum((["--table", t] for t in tables), [])]) == 1
        assert case.expect[0] in capsys.readouterr().err
    assert _digests(data_copy) == before == after_report, "validation must never modify a file"


def test_every_problem_of_a_folder_is_listed_at_once(data_copy, capsys):
    """Several broken tables: the command lists all of them and exits non-zero."""
    for label in ("negative intensity", "unknown factor level", "censoring flag 2", "Excel error value",
                  "empty genotype of a PLA mouse"):
        CASES[label].corrupt(data_copy)
    (data_copy / "mouse_blot.csv").write_bytes(b"mouse_id;genotype\n")
    assert main([str(data_copy)]) == 1
    err = capsys.readouterr().err
    for fragment in ("human_blot.csv, row 5, column 'ptbk1'", "human_blot.csv, row 9, column 'group'",
                     "disease_course.csv, row 3, column 'onset_observed'", "arsenite_cells.csv, row 5",
                     "pla_cells.csv, row 2, column 'genotype'", "mouse_blot.csv, row 1", "problem(s) in"):
        assert fragment in err


def test_messages_follow_the_documented_format(data_copy):
    set_cell(data_copy / "human_blot.csv", 5, "ptbk1", "-1")
    (problem,) = validate_report(data_copy, ["human_blot"]).problems
    assert str(problem) == (
        f"{data_copy / 'human_blot.csv'}, row 5, column 'ptbk1': found '-1'; expected a finite number greater than 0"
    )


def test_report_as_a_table_has_one_row_per_finding(data_copy):
    CASES["whitespace-padded values and header"].corrupt(data_copy)
    set_cell(data_copy / "human_blot.csv", 5, "ptbk1", "-1")
    frame = validate_report(data_copy, ["human_blot"]).to_frame()
    assert list(frame.columns) == ["kind", "file", "row", "column", "value", "expected or done"]
    assert (frame["kind"] == "problem").sum() == 1
    assert (frame["kind"] == "corrected").sum() == 3
