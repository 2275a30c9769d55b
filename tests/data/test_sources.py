"""Any subset of tables: which tables a folder holds, validation of what is there, notes on what is not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers.core.paths import CHAPTERS_DIR, DATA_DIR
from helpers.data.sources import absent_tables, source_problem, table_label, tables_present
from helpers.data.tables import TABLE_MODULES, example_specs, get_spec, get_specs
from helpers.data.validate import load_present_tables, main, validate_report


def folder_with(tmp_path: Path, *names: str) -> Path:
    """A folder holding only the example tables *names*."""
    folder = tmp_path / "lab"
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(DATA_DIR / get_spec(name).filename, folder)
    return folder


def test_table_names_are_their_module_names():
    # tables_present lists TABLE_MODULES without importing them; the specs must agree
    assert list(get_specs()) == list(TABLE_MODULES)
    assert all(get_spec(name).filename.startswith(name + ".") for name in TABLE_MODULES)


def test_only_the_human_blot_table_validates(tmp_path, capsys):
    folder = folder_with(tmp_path, "human_blot")
    report = validate_report(folder)
    assert report.ok and report.tables == ["human_blot"]
    assert report.absent == ["mouse_blot", "pla_cells", "mam_fraction", "arsenite_motor", "arsenite_cells",
                             "disease_course"]
    assert main([str(folder)]) == 0
    out = capsys.readouterr().out
    assert "note: not in this source (chapters that need them are not built): mouse_blot, pla_cells" in out


@pytest.mark.parametrize("name", list(example_specs()))
def test_each_single_table_validates(name, tmp_path):
    report = validate_report(folder_with(tmp_path, name))
    assert report.ok, report.text()
    assert tables_present(tmp_path / "lab") == [name]


def test_cross_table_checks_run_on_what_is_present(tmp_path):
    """pla_cells has a genotype of its own; mouse_blot and pla_cells together must agree."""
    folder = folder_with(tmp_path, "mouse_blot", "pla_cells")
    lines = (folder / "pla_cells.csv").read_text().splitlines()
    first = lines[1].split(",")
    first[1] = "SOD1_G85R" if first[1] != "SOD1_G85R" else "WT"
    mouse = first[0]
    lines = [lines[0]] + [",".join([c[0], first[1], *c[2:]]) if c[0] == mouse else ",".join(c)
                          for c in (line.split(",") for line in lines[1:])]
    (folder / "pla_cells.csv").write_text("\n".join(lines) + "\n")
    problems = [str(p) for p in validate_report(folder).problems]
    assert len(problems) == 1 and "the genotype of mouse_id " + mouse in problems[0]


def test_empty_folder_and_unknown_files_are_errors(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    known = ", ".join(s.filename for s in get_specs().values())
    assert [str(p) for p in validate_report(empty).problems] == [
        f"{empty}: expected at least one of the book's tables ({known}); the folder is empty"]
    (empty / "notes.txt").write_text("x")
    assert source_problem(empty) == f"at least one of the book's tables ({known}); none of its files is a table of the book"
    assert main([str(empty)]) == 1


def test_explicit_table_that_is_absent_is_a_problem(tmp_path):
    folder = folder_with(tmp_path, "human_blot")
    problems = [str(p) for p in validate_report(folder, ["mouse_blot"]).problems]
    assert problems == [f"{folder / 'mouse_blot.csv'}: expected the file to exist"]


def test_load_present_tables_and_labels(tmp_path):
    folder = folder_with(tmp_path, "human_blot", "pla_cells")
    tables = load_present_tables(["human_blot", "mouse_blot", "pla_cells"], folder)
    assert list(tables) == ["human_blot", "pla_cells"]
    assert absent_tables(folder)[0] == "mouse_blot"
    assert table_label(folder, "human_blot") == str(folder / "human_blot.csv")
    assert table_label("lab.xlsx", "pla_cells") == "lab.xlsx, sheet pla_cells"


def test_plausibility_notes_name_row_and_column(tmp_path):
    folder = folder_with(tmp_path, "human_blot", "arsenite_motor")
    lines = (folder / "human_blot.csv").read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("ptbk1")] = "1e308"
    lines[1] = ",".join(cells)
    donor = cells[0]
    rows = [i for i, line in enumerate(lines) if line.split(",")[0] == donor]
    for i in rows:  # age 109 and PMI 0 on every lane of the donor (constant within donor)
        c = lines[i].split(",")
        c[header.index("age_years")], c[header.index("pmi_hours")] = "109", "0"
        lines[i] = ",".join(c)
    (folder / "human_blot.csv").write_text("\n".join(lines) + "\n")
    report = validate_report(folder)
    assert report.ok  # warnings, not errors
    shown = [str(w) for w in report.warnings]
    where = str(folder / "human_blot.csv")
    assert shown[0] == (f"{where}, row 2, column 'age_years': 109 years is beyond the age of almost every autopsy "
                        "donor; check the entry")
    assert shown[1] == (f"{where}, row 2, column 'pmi_hours': 0 hours: a post-mortem interval of zero is not "
                        "possible for autopsy tissue (missing value entered as 0?)")
    assert shown[2] == (f"{where}, row 2, column 'ptbk1': 1e+308 is larger than any densitometry export (above "
                        "1e+09 AU); check the unit or a mangled number")
    assert len(shown) == 2 * len(rows) + 1
    assert "implausible value(s) (warnings, not errors; please check)" in report.text()


def _manifest() -> dict:
    import yaml

    return yaml.safe_load((CHAPTERS_DIR / "parameters.yml").read_text())


def single_table_chapters() -> list[tuple[str, str]]:
    """(table, chapter) pairs: chapters whose required tables are exactly that one table."""
    pairs = []
    for chapter, entry in _manifest().items():
        required = entry.get("tables", {}).get("required", [])
        if len(required) == 1:
            pairs.append((required[0], chapter))
    return pairs


def test_manifest_names_known_tables():
    known = set(get_specs())
    for chapter, entry in _manifest().items():
        tables = entry["tables"]
        assert set(tables["required"]) | set(tables["optional"]) <= known, chapter


@pytest.mark.slow
@pytest.mark.parametrize("table,chapter", [("human_blot", "human_tbk1")])
def test_single_table_executes_its_chapter(table, chapter, tmp_path):
    import papermill as pm

    folder = folder_with(tmp_path, table)
    pm.execute_notebook(str(CHAPTERS_DIR / f"{chapter}.ipynb"), str(tmp_path / "out.ipynb"),
                        parameters={"data_source": str(folder)}, kernel_name="python3", progress_bar=False,
                        cwd=str(CHAPTERS_DIR))
