"""The plan of a build (helpers.engine.book): chapters in book order, their checked parameters, the output folder.

Fast: nothing executes. The tiny book is ``tests/engine/conftest.py``'s; ``tests/engine/test_build.py``
checks the same plan end to end, with kernels.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from helpers.core.hashing import sha256_text
from helpers.engine.book import Book, DataProblems, check_injection
from helpers.engine.parameters import ParameterError
from helpers.engine.plan import DataSource, make_plan

DEFAULTS = {"alpha": {"data_source": "data", "scale": 1.0},
            "beta": {"data_source": "data", "label": "plain"},
            "gamma": {"data_source": "data", "mode": "a", "repeats": None}}


@pytest.fixture
def root(tiny, tmp_path) -> Path:
    return tiny.make(tmp_path / "book")


def plan(root: Path, **kwargs) -> dict:
    """``{chapter: parameters}`` of the book's plan."""
    return {c.name: c.parameters for c in make_plan(Book(root=root, **kwargs)).chapters}


def test_the_chapters_of_the_toc_in_book_order_with_their_defaults(root):
    chapters = make_plan(Book(root=root)).chapters
    assert [(c.name, c.docname, c.source) for c in chapters] == [
        (n, f"chapters/{n}", root / "chapters" / f"{n}.ipynb") for n in ("alpha", "beta", "gamma")]
    assert {c.name: c.parameters for c in chapters} == DEFAULTS
    assert not any(c.skipped for c in chapters)


def test_the_toc_decides_which_chapters_and_in_what_order(root):
    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: chapters/gamma\n"
                                   "  - file: chapters/alpha\n")
    assert list(plan(root)) == ["gamma", "alpha"]


def test_a_variant_then_the_command_line_override_the_defaults(root):
    assert plan(root, variant="mode_b")["gamma"]["mode"] == "b"
    assert plan(root, variant="mode_b", overrides={"gamma": {"mode": "a", "repeats": 3}})["gamma"] == {
        "data_source": "data", "mode": "a", "repeats": 3}
    assert plan(root, overrides={"beta": {"label": "x"}}) == {**DEFAULTS, "beta": {"data_source": "data", "label": "x"}}


def test_a_data_source_becomes_every_chapters_data_source_unless_bundled(root, tmp_path):
    lab = tmp_path / "lab"
    lab.mkdir()
    assert {name: p["data_source"] for name, p in plan(root, data_source=lab).items()} == dict.fromkeys(DEFAULTS, str(lab))
    assert plan(root, data_source=root / "data") == DEFAULTS  # the default folder, named: the default book
    text = (root / "chapters" / "parameters.yml").read_text()
    (root / "chapters" / "parameters.yml").write_text(
        text.replace("beta:\n  parameters:\n    data_source: {type: path}", "beta:\n  parameters:\n"
                     "    data_source: {type: path, bundled: true}", 1))
    assert plan(root, data_source=lab)["beta"]["data_source"] == "data"  # a chapter with its own data keeps them


def test_every_parameter_problem_is_reported_at_once_before_anything_runs(root):
    with pytest.raises(ParameterError) as err:
        plan(root, overrides={"alpha": {"scale": 11}, "gamma": {"mode": "c"}, "delta": {"x": 1}})
    text = str(err.value)
    assert len(err.value.problems) == 3
    assert "alpha" in text and "between 0 and 10" in text
    assert "gamma" in text and "one of 'a', 'b'" in text
    assert "delta" in text and "does not list" in text


def test_an_undeclared_parameter_in_a_notebook_is_refused(root):
    text = (root / "chapters" / "parameters.yml").read_text()
    (root / "chapters" / "parameters.yml").write_text(text.replace("    label: {type: str}\n", "", 1))
    with pytest.raises(ParameterError, match="chapter 'beta': parameter\\(s\\) label in its parameters cell are not"):
        plan(root)


def test_injection_refuses_a_value_papermill_cannot_write_as_a_literal(root):
    chapters = make_plan(Book(root=root)).chapters
    check_injection(chapters)  # the defaults are literals
    broken = replace(chapters[0], parameters={**chapters[0].parameters, "scale": float("nan")})
    with pytest.raises(ParameterError, match="alpha"):
        check_injection([broken, *chapters[1:]])


@pytest.mark.parametrize("variant, data, expected", [
    (None, False, "_build"),
    (None, True, "_build/data/lab-{tag}"),
    ("mode_b", False, "_build/variants/mode_b"),
    ("mode_b", True, "_build/variants/mode_b+data-lab-{tag}"),
])
def test_each_data_source_and_variant_has_its_own_output_folder(root, tmp_path, variant, data, expected):
    lab = tmp_path / "lab"
    lab.mkdir()
    book = Book(root=root, variant=variant, data_source=lab if data else None)
    tag = sha256_text(str(lab.resolve()))[:8]
    assert book.out_dir == root / expected.format(tag=tag)
    assert book.html_dir == book.out_dir / "html" and book.assembled == book.out_dir / ".assembled"
    assert book.cache_dir == root / "_build" / ".cache"  # one cache for every variant
    assert book.data_source == (lab.resolve() if data else root / "data")
    assert book.uses_default_data is not data


def test_the_data_source_files_of_a_folder_and_of_a_workbook(root, tmp_path):
    assert DataSource.of(root / "data").files() == [root / "data" / "a.csv", root / "data" / "b.csv"]
    workbook = tmp_path / "lab.xlsx"
    workbook.write_bytes(b"")
    assert DataSource.of(workbook).kind == "workbook" and DataSource.of(workbook).files() == [workbook]
    assert DataSource.of(tmp_path / "nowhere").kind == "absent" and DataSource.of(tmp_path / "nowhere").files() == []


def test_an_unusable_study_description_is_a_data_problem(root):
    (root / "data" / "datapackage.yaml").write_text("name: [unclosed\n")
    with pytest.raises(DataProblems, match="datapackage.yaml"):
        make_plan(Book(root=root))
