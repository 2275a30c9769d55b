"""Staging (helpers.build.stage): the book as it will be rendered, from cached notebooks and today's prose.

Fast: nothing executes and nothing renders. The cached notebooks are the source notebooks with
an output and papermill's injected cell added by hand, as an execution would leave them.
"""

from __future__ import annotations

import json

import pytest
import yaml

from helpers.build import cache, stage
from helpers.build.book import Book, ChapterRun
from helpers.build.selection import select_chapters
from helpers.core.hashing import Hasher, sha256_bytes, sha256_text

#: The data file the tiny chapters read, in the data folder of the staged book.
A_CSV = b"x\n4\n"


def code(source: str, tags=(), cell_id=None, outputs=()) -> dict:
    cell = {"cell_type": "code", "metadata": {"tags": list(tags)} if tags else {}, "source": source,
            "outputs": list(outputs), "execution_count": None}
    return {**cell, "id": cell_id} if cell_id else cell


def markdown(source: str, cell_id=None) -> dict:
    cell = {"cell_type": "markdown", "metadata": {}, "source": source}
    return {**cell, "id": cell_id} if cell_id else cell


def printed(text: str) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": text}


# --------------------------------------------------------------------------- merging prose into executed notebooks


@pytest.mark.parametrize("ids", [True, False])
def test_merging_keeps_the_outputs_and_takes_todays_prose(ids):
    i = (lambda name: name) if ids else (lambda name: None)
    source = {"cells": [markdown("# Title, reworded", i("m1")), code("x = 1", ["parameters"], i("p")),
                        markdown("Now reworded.", i("m2")), code("print(x)", cell_id=i("c"))]}
    executed = {"metadata": {"papermill": {}},
                "cells": [markdown("# Title", i("m1")), code("x = 1", ["parameters"], i("p")),
                          code("x = 2", ["injected-parameters"], "inj"), markdown("Old prose.", i("m2")),
                          code("print(x)", cell_id=i("c"), outputs=[printed("2\n")])]}
    merged = stage.merge_markdown(source, executed)
    assert [c["source"] for c in merged["cells"]] == ["# Title, reworded", "x = 1", "x = 2", "Now reworded.", "print(x)"]
    assert merged["cells"][4]["outputs"] == [printed("2\n")]
    assert merged["metadata"] == {"papermill": {}}


def test_merging_pairs_by_order_when_the_ids_changed():
    source = {"cells": [markdown("New.", "a1"), code("print(1)", cell_id="a2")]}
    executed = {"cells": [markdown("Old.", "b1"), code("print(1)", cell_id="b2", outputs=[printed("1\n")])]}
    merged = stage.merge_markdown(source, executed)
    assert [c["source"] for c in merged["cells"]] == ["New.", "print(1)"]
    assert merged["cells"][1]["outputs"] == [printed("1\n")]


def test_merging_refuses_an_executed_notebook_with_other_code_cells():
    source = {"cells": [code("a"), code("b")]}
    with pytest.raises(ValueError, match="code cells do not match"):
        stage.merge_markdown(source, {"cells": [code("a")]})


# --------------------------------------------------------------------------- the staged book


def cache_as_executed(book: Book, chapter, data_files: dict) -> None:
    """Put *chapter* in the cache as papermill would have left it: an injected cell, an output."""
    chapter.key = cache.static_key(book, chapter, cache.environment_key(book))
    nb = json.loads(json.dumps(chapter.notebook))
    position = next(i for i, c in enumerate(nb["cells"]) if "parameters" in c["metadata"].get("tags", []))
    nb["cells"].insert(position + 1, code("# Parameters\nscale = 1.0\n", ["injected-parameters"], "injected"))
    nb["cells"][-1]["outputs"] = [printed(f"{chapter.name} ran\n")]
    executed = book.root / "executed.ipynb"
    executed.write_text(json.dumps(nb))
    chapter.entry = cache.store(book, chapter, executed, {"data_files": data_files})


@pytest.fixture
def staged_book(tiny, tmp_path) -> tuple[Book, list, list, dict]:
    """The tiny book (chapters declaring tables) on a folder holding human_blot only: beta is not built."""
    root = tiny.with_tables(tmp_path / "book")
    lab = tmp_path / "lab"
    lab.mkdir()
    (lab / "human_blot.csv").write_text("x\n4\n")
    (lab / "a.csv").write_bytes(A_CSV)
    book = Book(root=root, data_source=lab)
    chapters = book.chapters()
    select_chapters(book, chapters)
    built = [c for c in chapters if not c.skipped]
    skipped = [c for c in chapters if c.skipped]
    for c in built:
        cache_as_executed(book, c, {"a.csv": sha256_bytes(A_CSV)})
    return book, built, skipped, stage.stage_sources(book, built, Hasher(), skipped)


def test_the_staged_book_has_its_pages_config_and_one_stub(staged_book):
    book, built, skipped, staged = staged_book
    assert [c.name for c in built] == ["alpha", "gamma"] and [c.name for c in skipped] == ["beta"]
    assert sorted(staged) == ["_config.yml", "_toc.yml", "chapters/alpha.ipynb", "chapters/beta.md",
                              "chapters/gamma.ipynb", "intro.md"]
    config = yaml.safe_load(staged["_config.yml"])
    assert config["execute"]["execute_notebooks"] == "off"  # the engine executed; Jupyter Book renders
    assert config["title"] == "Tiny book"
    toc = yaml.safe_load(staged["_toc.yml"])
    assert toc["chapters"][-1] == {"file": stage.STATUS_DOC}
    assert "Not built from this data: needs `mouse_blot.csv`, `pla_cells.csv`." in staged["chapters/beta.md"].decode()


def test_every_page_says_what_it_was_built_from(staged_book):
    book, built, _, staged = staged_book
    intro = staged["intro.md"].decode()
    assert intro.startswith("# Tiny book\n\nThe introduction.\n")
    dataset = sha256_text(*(f"{p.name}:{sha256_bytes(p.read_bytes())}" for p in book.data_source_files()))
    assert f"built from the data folder `{book.data_folder}` (dataset SHA-256 `{dataset[:16]}`)" in intro
    assert "{doc}`beta </chapters/beta>`: needs `mouse_blot.csv`, `pla_cells.csv`" in intro  # the landing page
    alpha = json.loads(staged["chapters/alpha.ipynb"])
    note = alpha["cells"][1]
    assert note["id"] == "helpers-book-built-from" and alpha["cells"][0]["source"][0].startswith("# Alpha")
    assert f"**Parameters:** `data_source = '{book.data_folder}'`, `scale = 1.0`" in note["source"]
    assert f"| `a.csv` | `{sha256_bytes(A_CSV)}` |" in note["source"]
    assert alpha["cells"][-1]["outputs"] == [printed("alpha ran\n")]
    assert any("injected-parameters" in c["metadata"].get("tags", []) for c in alpha["cells"])


def test_a_prose_edit_is_staged_without_executing_again(staged_book):
    book, built, skipped, _ = staged_book
    path = book.root / "chapters" / "gamma.ipynb"
    nb = json.loads(path.read_text())
    nb["cells"][0]["source"] = "# Gamma\n\nFreshly reworded."
    path.write_text(json.dumps(nb))
    gamma = next(c for c in book.chapters() if c.name == "gamma")
    gamma.key = cache.static_key(book, gamma, cache.environment_key(book))
    gamma.entry = cache.lookup(book, gamma, Hasher())
    assert gamma.entry is not None  # still cached
    staged = stage.stage_sources(book, [built[0], gamma], Hasher(), skipped)
    cells = json.loads(staged["chapters/gamma.ipynb"])["cells"]
    assert cells[0]["source"] == "# Gamma\n\nFreshly reworded."
    assert cells[-1]["outputs"] == [printed("gamma ran\n")]


def test_the_status_page_lists_every_chapter_and_data_file(staged_book):
    book, built, skipped, _ = staged_book
    runs = [ChapterRun("alpha", "executed", 1.25, executed_at="2026-01-01T00:00:00+00:00",
                       data_files={"a.csv": "x"}),
            ChapterRun("beta", "not built", 0.0, message="needs `mouse_blot.csv`"),
            ChapterRun("gamma", "cached", 0.5, executed_at="2026-01-01T00:00:00+00:00")]
    chapters = sorted([*built, *skipped], key=lambda c: c.name)
    page = stage.status_page(book, runs, chapters, Hasher(), "0123456789abcdef")
    assert page.startswith("# Execution status\n")
    assert "from commit `0123456789abcdef`" in page and "from commit `0123456789ab`" in page  # web, PDF
    assert "| {doc}`alpha </chapters/alpha>` | executed | 1.2 |" in page  # 1.25 s shown to a tenth
    assert "| {doc}`beta </chapters/beta>` | not built: needs `mouse_blot.csv` | 0.0 |" in page
    assert "| {doc}`gamma </chapters/gamma>` | cached | 0.5 |" in page
    files = {p.name: sha256_bytes(p.read_bytes()) for p in book.data_source_files()}
    assert f"| `a.csv` | `{files['a.csv']}` | alpha |" in page
    assert f"| `human_blot.csv` | `{files['human_blot.csv']}` | - |" in page  # read by no chapter


def test_assets_beside_the_chapters_are_staged_and_sources_are_not(staged_book):
    book, built, skipped, _ = staged_book
    (book.root / "chapters" / "diagram.png").write_bytes(b"png")
    (book.root / "chapters" / "notes.py").write_text("x = 1\n")
    (book.root / "_static").mkdir()
    (book.root / "_static" / "style.css").write_text("p {}")
    staged = stage.stage_sources(book, built, Hasher(), skipped)
    assert staged["chapters/diagram.png"] == b"png" and staged["_static/style.css"] == b"p {}"
    assert "chapters/notes.py" not in staged and "chapters/parameters.yml" not in staged
