"""The plan of a build (helpers.engine.plan): made once, from one reading of parameters.yml.

Fast: nothing executes. The tiny book's chapters declare book tables (alpha needs
``human_blot``; beta ``mouse_blot`` and ``pla_cells``; gamma one of ``human_blot``,
``pla_cells``), and alpha reads ``data_source``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from helpers.engine import parameters as P
from helpers.engine import plan as plan_module
from helpers.engine.book import Book
from helpers.engine.plan import BookPlan, ChapterPlan, DataSource, make_plan


@pytest.fixture
def root(tiny, tmp_path) -> Path:
    return tiny.with_tables(tmp_path / "book")


@pytest.fixture
def plain(tiny, tmp_path) -> Path:
    """The tiny book whose chapters declare no tables (every chapter is built from any source)."""
    return tiny.make(tmp_path / "plain")


def lab(folder: Path, *files: str) -> Path:
    folder.mkdir()
    for name in files:
        (folder / name).write_text("x\n1\n")
    return folder


def test_parameters_yml_is_read_once_per_plan(root, tmp_path, monkeypatch):
    """Every step reads the plan: the declarations file is opened once, by read_declarations."""
    reads: list[Path] = []
    real = P.load_yaml

    def counting(path):
        reads.append(Path(path))
        return real(path)

    monkeypatch.setattr(P, "load_yaml", counting)
    make_plan(Book(root=root, data_source=lab(tmp_path / "lab", "human_blot.csv"), variant=None))
    assert reads.count(root / "chapters" / "parameters.yml") == 1
    assert set(reads) <= {root / "chapters" / "parameters.yml", root / "chapters" / "variants.yml"}


def test_the_plan_of_a_tiny_book_has_its_chapters_tables_and_data_source(root, tmp_path):
    source = lab(tmp_path / "lab", "human_blot.csv", "notes.txt")
    plan = make_plan(Book(root=root, data_source=source))
    assert isinstance(plan, BookPlan) and all(isinstance(c, ChapterPlan) for c in plan.chapters)
    assert [c.name for c in plan.chapters] == ["alpha", "beta", "gamma"]
    assert [c.docname for c in plan.chapters] == ["chapters/alpha", "chapters/beta", "chapters/gamma"]
    assert plan.data_source == DataSource(source.resolve(), "folder", default=False)
    assert plan.tables == ("human_blot",)
    assert {c.name: c.missing for c in plan.chapters} == {"alpha": (), "beta": ("mouse_blot", "pla_cells"),
                                                           "gamma": ()}
    assert [c.name for c in plan.built] == ["alpha", "gamma"] and [c.name for c in plan.skipped] == ["beta"]
    assert plan.chapter("beta").needs == {"required": ["mouse_blot", "pla_cells"], "optional": []}
    alpha = plan.chapter("alpha")
    # the build's data source is decided once: injected into the chapter, and recorded as what it reads
    assert alpha.parameters["data_source"] == str(source.resolve()) and alpha.data_source == source.resolve()
    assert source.resolve() in alpha.data_roots and plan.data_source.files() == sorted(source.iterdir())


def test_the_plan_and_its_chapters_are_frozen(plain):
    plan = make_plan(Book(root=plain))
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.chapters[0].missing = ("human_blot",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.tables = None
    with pytest.raises(KeyError):
        plan.chapter("delta")


def test_the_default_data_source_is_the_books_own_folder(plain):
    plan = make_plan(Book(root=plain))
    assert plan.data_source.default and plan.data_source.kind == "folder" and plan.tables is None
    assert plan.data_source.path == plain / "data" and plan.chapter("alpha").data_source == plain / "data"
    assert plan.chapter("alpha").parameters["data_source"] == "data"  # the notebook's default, not rewritten


@pytest.mark.parametrize("name, kind", [("lab.xlsx", "workbook"), ("datapackage.yaml", "descriptor"),
                                        ("nowhere", "absent")])
def test_the_kind_of_data_source_is_decided_once(tmp_path, name, kind):
    path = tmp_path / name
    if kind == "workbook":
        path.write_bytes(b"")
    elif kind == "descriptor":
        path.write_text(yaml.safe_dump({"name": "x"}))
    source = DataSource.of(path)
    assert source.kind == kind and source.files() == ([] if kind == "absent" else [path])


def test_command_line_options_are_typed_by_the_declarations_in_the_plan(plain):
    plan = make_plan(Book(root=plain, options=("alpha.scale=2.5", "beta.label=3")))
    assert plan.chapter("alpha").parameters["scale"] == 2.5
    assert plan.chapter("beta").parameters["label"] == "3"  # a string stays a string
    with pytest.raises(P.ParameterError, match="expected chapter.parameter=value"):
        make_plan(Book(root=plain, options=("alpha-scale",)))


def test_a_bundled_chapter_reads_its_own_folder_whatever_the_data_source(root, tmp_path, monkeypatch):
    """The data a chapter reads comes from the plan; a `bundled: true` data_source is not replaced."""
    text = (root / "chapters" / "parameters.yml").read_text()
    declarations = yaml.safe_load(text)
    declarations["alpha"]["parameters"]["data_source"]["bundled"] = True
    (root / "chapters" / "parameters.yml").write_text(yaml.safe_dump(declarations))
    source = lab(tmp_path / "lab", "human_blot.csv")
    alpha = make_plan(Book(root=root, data_source=source)).chapter("alpha")
    assert alpha.parameters["data_source"] == "data" and alpha.data_source == root / "data"
    assert plan_module.DATA_PARAMETER == "data_source"
