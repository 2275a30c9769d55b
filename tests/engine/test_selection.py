"""Which chapters a data source builds (helpers.engine.selection): the tables each declares, and a page for the others.

Fast: nothing executes. The tiny book's chapters declare (``tests/engine/conftest.py``):
alpha needs ``human_blot``; beta needs ``mouse_blot`` and ``pla_cells``; gamma either
``human_blot`` or ``pla_cells``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from helpers.data.tables import get_specs
from helpers.engine.book import Book, DataProblems
from helpers.engine.parameters import ParameterError, read_declarations
from helpers.engine.plan import make_plan
from helpers.engine.selection import missing_text, not_built_page


@pytest.fixture
def root(tiny, tmp_path) -> Path:
    return tiny.with_tables(tmp_path / "book")


def lab_with(folder: Path, *tables: str) -> Path:
    """A data folder holding the files of *tables* (selection looks at names, not contents)."""
    folder.mkdir()
    for table in tables:
        (folder / get_specs()[table].filename).write_text("x\n1\n")
    return folder


def select(root: Path, lab: Path) -> tuple[list[str] | None, dict[str, list[str]]]:
    """The tables the source holds and ``{chapter: tables it lacks}``."""
    plan = make_plan(Book(root=root, data_source=lab))
    present = list(plan.tables) if plan.tables is not None else None
    return present, {c.name: list(c.missing) for c in plan.chapters}


@pytest.mark.parametrize("tables, missing", [
    (["human_blot"], {"alpha": [], "beta": ["mouse_blot", "pla_cells"], "gamma": []}),
    (["pla_cells"], {"alpha": ["human_blot"], "beta": ["mouse_blot"], "gamma": []}),
    (["mouse_blot"], {"alpha": ["human_blot"], "beta": ["pla_cells"], "gamma": ["human_blot", "pla_cells"]}),
    (["human_blot", "mouse_blot", "pla_cells"], {"alpha": [], "beta": [], "gamma": []}),
])
def test_a_chapter_is_built_when_its_required_tables_or_one_optional_table_are_present(root, tmp_path, tables, missing):
    present, found = select(root, lab_with(tmp_path / "lab", *tables))
    assert present == [t for t in get_specs() if t in tables]  # in the registry's order
    assert found == missing


def test_a_workbook_holds_the_tables_of_its_sheets(root, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "pla_cells"
    book.create_sheet("notes")
    book.save(tmp_path / "lab.xlsx")
    present, found = select(root, tmp_path / "lab.xlsx")
    assert present == ["pla_cells"] and found["gamma"] == [] and found["alpha"] == ["human_blot"]


@pytest.mark.parametrize("files", [[], ["notes.txt"], None])
def test_a_source_without_any_table_of_the_book_is_refused_before_anything_runs(root, tmp_path, files):
    lab = tmp_path / "lab"
    if files is not None:
        lab.mkdir()
        for name in files:
            (lab / name).write_text("x")
    with pytest.raises(DataProblems) as err:
        select(root, lab)
    text = str(err.value)
    assert ("holds none of the book's tables" if files is not None else "does not exist") in text
    assert all(spec.filename in text for spec in get_specs().values()) and ".xlsx workbook" in text


def test_a_book_whose_chapters_declare_no_tables_builds_them_all(tiny, tmp_path):
    root = tiny.make(tmp_path / "book")
    present, found = select(root, lab_with(tmp_path / "lab"))  # even an empty folder: nothing is declared
    assert present is None and found == {"alpha": [], "beta": [], "gamma": []}


def test_the_declarations_are_read_and_a_wrong_one_is_named(root):
    assert read_declarations(root / "chapters" / "parameters.yml").tables == {
        "alpha": {"required": ["human_blot"], "optional": []},
        "beta": {"required": ["mouse_blot", "pla_cells"], "optional": []},
        "gamma": {"required": [], "optional": ["human_blot", "pla_cells"]}}
    text = (root / "chapters" / "parameters.yml").read_text().replace("{required: [human_blot]", "{needed: [human_blot]")
    (root / "chapters" / "parameters.yml").write_text(text)
    with pytest.raises(ParameterError, match="parameters.yml: chapter 'alpha': `tables` takes `required` and "
                                             "`optional` lists \\(found needed\\)"):
        read_declarations(root / "chapters" / "parameters.yml")


def test_the_page_of_a_chapter_not_built_says_what_to_add(root, tmp_path):
    lab = lab_with(tmp_path / "lab", "human_blot")
    plan = make_plan(Book(root=root, data_source=lab))
    beta = plan.chapter("beta")
    assert missing_text(beta) == "needs `mouse_blot.csv`, `pla_cells.csv`"
    page = not_built_page(plan, beta, "Beta")
    assert page.startswith("# Beta\n\n:::{admonition} Not built from this data\n")
    assert f"The data source `{lab}` does not hold it." in page
    for table in ("mouse_blot", "pla_cells"):
        spec = get_specs()[table]
        line = next(line for line in page.splitlines() if line.startswith(f"- `{spec.filename}`"))
        assert line.endswith(f"template `templates/{spec.filename}`")
        assert all(f"`{column}`" in line for column in spec.column_names)
    # only optional tables, none present: any one would do
    gamma = replace(plan.chapter("gamma"), missing=("human_blot", "pla_cells"))
    assert missing_text(gamma) == "needs one of `human_blot.csv`, `pla_cells.csv`"
