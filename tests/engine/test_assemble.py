"""Assembling (helpers.engine.assemble): the book as it will be rendered, from cached notebooks and today's prose.

Fast: nothing executes and nothing renders. The cached notebooks are the source notebooks with
an output and papermill's injected cell added by hand, as an execution would leave them.
"""

from __future__ import annotations

import json

import pytest
import yaml

from helpers.core.hashing import Hasher, sha256_bytes, sha256_text
from helpers.engine import assemble, cache
from helpers.engine.book import Book, ChapterRun
from helpers.engine.plan import BookPlan, ChapterPlan, make_plan

#: The data file the tiny chapters read, in the data folder of the assembled book.
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
    merged = assemble.merge_markdown(source, executed)
    assert [c["source"] for c in merged["cells"]] == ["# Title, reworded", "x = 1", "x = 2", "Now reworded.", "print(x)"]
    assert merged["cells"][4]["outputs"] == [printed("2\n")]
    assert merged["metadata"] == {"papermill": {}}


def test_merging_pairs_by_order_when_the_ids_changed():
    source = {"cells": [markdown("New.", "a1"), code("print(1)", cell_id="a2")]}
    executed = {"cells": [markdown("Old.", "b1"), code("print(1)", cell_id="b2", outputs=[printed("1\n")])]}
    merged = assemble.merge_markdown(source, executed)
    assert [c["source"] for c in merged["cells"]] == ["New.", "print(1)"]
    assert merged["cells"][1]["outputs"] == [printed("1\n")]


def test_merging_refuses_an_executed_notebook_with_other_code_cells():
    source = {"cells": [code("a"), code("b")]}
    with pytest.raises(ValueError, match="code cells do not match"):
        assemble.merge_markdown(source, {"cells": [code("a")]})


# --------------------------------------------------------------------------- the assembled book


def cache_as_executed(book: Book, chapter: ChapterPlan, data_files: dict) -> ChapterRun:
    """Put *chapter* in the cache as papermill would have left it (an injected cell, an output); return its run."""
    key = cache.static_key(book, chapter, cache.environment_key(book))
    nb = json.loads(json.dumps(chapter.notebook))
    position = next(i for i, c in enumerate(nb["cells"]) if "parameters" in c["metadata"].get("tags", []))
    nb["cells"].insert(position + 1, code("# Parameters\nscale = 1.0\n", ["injected-parameters"], "injected"))
    nb["cells"][-1]["outputs"] = [printed(f"{chapter.name} ran\n")]
    executed = book.root / "executed.ipynb"
    executed.write_text(json.dumps(nb))
    entry = cache.store(book, cache.CacheEntry(chapter.name, chapter.docname, key, chapter.parameters, {}, data_files,
                                               "2026-01-01T00:00:00+00:00", 1.0, ""), executed)
    return ChapterRun(chapter.name, "executed", 1.0, data_files=data_files, notebook=entry.notebook)


@pytest.fixture
def assembled_book(tiny, tmp_path) -> tuple[BookPlan, dict, dict]:
    """The tiny book (chapters declaring tables) on a folder holding human_blot only: beta is not built."""
    root = tiny.with_tables(tmp_path / "book")
    lab = tmp_path / "lab"
    lab.mkdir()
    (lab / "human_blot.csv").write_text("x\n4\n")
    (lab / "a.csv").write_bytes(A_CSV)
    plan = make_plan(Book(root=root, data_source=lab))
    runs = {c.name: cache_as_executed(plan.book, c, {"a.csv": sha256_bytes(A_CSV)}) for c in plan.built}
    return plan, runs, assemble.assemble(plan, runs, Hasher()).contents()


def test_the_assembled_book_has_its_pages_config_and_one_stub(assembled_book):
    plan, _, assembled = assembled_book
    assert [c.name for c in plan.built] == ["alpha", "gamma"] and [c.name for c in plan.skipped] == ["beta"]
    assert sorted(assembled) == ["_config.yml", "_toc.yml", "chapters/alpha.ipynb", "chapters/beta.md",
                                 "chapters/gamma.ipynb", "intro.md"]
    config = yaml.safe_load(assembled["_config.yml"])
    assert config["execute"]["execute_notebooks"] == "off"  # the engine executed; Jupyter Book renders
    assert config["title"] == "Tiny book"
    toc = yaml.safe_load(assembled["_toc.yml"])
    assert toc["chapters"][-1] == {"file": assemble.STATUS_DOC}
    assert "Not built from this data: needs `mouse_blot.csv`, `pla_cells.csv`." in assembled["chapters/beta.md"].decode()


def test_every_page_says_what_it_was_built_from(assembled_book):
    plan, _, assembled = assembled_book
    source = plan.data_source.path
    intro = assembled["intro.md"].decode()
    assert intro.startswith("# Tiny book\n\nThe introduction.\n")
    dataset = sha256_text(*(f"{p.name}:{sha256_bytes(p.read_bytes())}" for p in plan.data_source.files()))
    assert f"built from the data folder `{source}` (dataset SHA-256 `{dataset[:16]}`)" in intro
    assert "{doc}`beta </chapters/beta>`: needs `mouse_blot.csv`, `pla_cells.csv`" in intro  # the landing page
    alpha = json.loads(assembled["chapters/alpha.ipynb"])
    note = alpha["cells"][1]
    assert note["id"] == "helpers-book-built-from" and alpha["cells"][0]["source"][0].startswith("# Alpha")
    assert f"**Parameters:** `data_source = '{source}'`, `scale = 1.0`" in note["source"]
    assert f"| `a.csv` | `{sha256_bytes(A_CSV)}` |" in note["source"]
    assert alpha["cells"][-1]["outputs"] == [printed("alpha ran\n")]
    assert any("injected-parameters" in c["metadata"].get("tags", []) for c in alpha["cells"])


def test_a_prose_edit_is_assembled_without_executing_again(assembled_book):
    plan, runs, _ = assembled_book
    path = plan.book.root / "chapters" / "gamma.ipynb"
    nb = json.loads(path.read_text())
    nb["cells"][0]["source"] = "# Gamma\n\nFreshly reworded."
    path.write_text(json.dumps(nb))
    again = make_plan(plan.book)
    gamma = again.chapter("gamma")
    entry = cache.lookup(plan.book, gamma.docname, cache.static_key(plan.book, gamma, cache.environment_key(plan.book)),
                         Hasher())
    assert entry is not None and entry.notebook == runs["gamma"].notebook  # still cached
    assembled = assemble.assemble(again, runs, Hasher()).contents()
    cells = json.loads(assembled["chapters/gamma.ipynb"])["cells"]
    assert cells[0]["source"] == "# Gamma\n\nFreshly reworded."
    assert cells[-1]["outputs"] == [printed("gamma ran\n")]


def test_digests_follow_what_a_page_is_made_from_without_making_it(assembled_book, monkeypatch):
    plan, runs, assembled = assembled_book
    assembly = assemble.assemble(plan, runs, Hasher())
    assert assembly.contents() == assembled
    before = assembly.digests()
    assert sorted(before) == sorted(assembled)
    assert before["intro.md"] == sha256_bytes(assembled["intro.md"])  # a plain file: its bytes
    monkeypatch.setattr(assemble, "merge_markdown", lambda *a: pytest.fail("a digest made the page"))
    assert assemble.assemble(plan, runs, Hasher()).digests() == before  # a no-op: the same, nothing made
    executed = json.loads(runs["gamma"].notebook.read_text())
    executed["cells"][-1]["outputs"] = [printed("gamma ran again\n")]
    runs["gamma"].notebook.write_text(json.dumps(executed))  # another execution of gamma
    after = assemble.assemble(plan, runs, Hasher()).digests()
    assert [rel for rel in before if before[rel] != after[rel]] == ["chapters/gamma.ipynb"]


def test_the_status_page_lists_every_chapter_and_data_file(assembled_book):
    plan, _, _ = assembled_book
    runs = [ChapterRun("alpha", "executed", 1.25, executed_at="2026-01-01T00:00:00+00:00",
                       data_files={"a.csv": "x"}),
            ChapterRun("beta", "not built", 0.0, message="needs `mouse_blot.csv`"),
            ChapterRun("gamma", "cached", 0.5, executed_at="2026-01-01T00:00:00+00:00")]
    page = assemble.status_page(plan, runs, Hasher(), "0123456789abcdef")
    assert page.startswith("# Execution status\n")
    assert "from commit `0123456789abcdef`" in page and "from commit `0123456789ab`" in page  # web, PDF
    assert "| {doc}`alpha </chapters/alpha>` | executed | 1.2 |" in page  # 1.25 s shown to a tenth
    assert "| {doc}`beta </chapters/beta>` | not built: needs `mouse_blot.csv` | 0.0 |" in page
    assert "| {doc}`gamma </chapters/gamma>` | cached | 0.5 |" in page
    files = {p.name: sha256_bytes(p.read_bytes()) for p in plan.data_source.files()}
    assert f"| `a.csv` | `{files['a.csv']}` | alpha |" in page
    assert f"| `human_blot.csv` | `{files['human_blot.csv']}` | - |" in page  # read by no chapter


def test_assets_beside_the_chapters_are_assembled_and_sources_are_not(assembled_book):
    plan, runs, _ = assembled_book
    root = plan.book.root
    (root / "chapters" / "diagram.png").write_bytes(b"png")
    (root / "chapters" / "notes.py").write_text("x = 1\n")
    (root / "_static").mkdir()
    (root / "_static" / "style.css").write_text("p {}")
    assembled = assemble.assemble(plan, runs, Hasher()).contents()
    assert assembled["chapters/diagram.png"] == b"png" and assembled["_static/style.css"] == b"p {}"
    assert "chapters/notes.py" not in assembled and "chapters/parameters.yml" not in assembled
