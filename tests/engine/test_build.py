"""The build engine (helpers.engine.build) on a tiny temporary book: exactly the chapters whose inputs changed re-run.

The tiny book (``tests/engine/conftest.py``) has three chapters that each start a
kernel in about a second. A warm copy (every chapter executed once) is built once per session; each test
copies it, changes one input and asserts which chapters executed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from helpers.core.hashing import Hasher, sha256_bytes
from helpers.engine import assemble, cache
from helpers.engine import build as B
from helpers.engine.book import Book, ChapterFailed, ChapterRun
from helpers.engine.notebooks import cell_source
from helpers.engine.parameters import ParameterError
from helpers.engine.plan import make_plan

pytestmark = pytest.mark.slow

#: The tiny chapters import nothing heavy: the kernel zygote only preloads the kernel itself.
TINY_PRELOAD = ("IPython", "ipykernel.kernelapp")


def run(root: Path, **kwargs) -> B.BuildResult:
    """Build the tiny book in *root* (no schema validation: its tables are not the book's)."""
    kwargs.setdefault("render", False)
    kwargs.setdefault("preload", TINY_PRELOAD)
    overrides = kwargs.pop("parameters", {})
    return B.build(Book(root=root, packages={"tinyhelp": root / "src" / "tinyhelp"}, validate=False,
                        overrides=overrides, **kwargs))


@pytest.fixture(scope="session")
def warm_book(tmp_path_factory, tiny) -> Path:
    """The tiny book with every chapter executed once (cache under its _build)."""
    root = tiny.make(tmp_path_factory.mktemp("warm") / "book")
    result = run(root)
    assert result.executed == ["alpha", "beta", "gamma"]
    return root


@pytest.fixture
def book(warm_book, tmp_path) -> Path:
    """A private copy of the warm book (same cache, other place: the cache must still hit)."""
    return Path(shutil.copytree(warm_book, tmp_path / "book", symlinks=True))


def edit_notebook(path: Path, change) -> None:
    nb = nbformat.read(str(path), as_version=4)
    change(nb)
    nbformat.write(nb, str(path))


def test_nothing_changed_nothing_runs_even_after_moving_the_book(book):
    assert run(book).executed == []


def test_code_cell_edit_reruns_only_that_chapter(book):
    edit_notebook(book / "chapters" / "alpha.ipynb",
                  lambda nb: setattr(nb.cells[-1], "source", nb.cells[-1].source + "\nprint('more')"))
    result = run(book)
    assert result.executed == ["alpha"] and result.cached == ["beta", "gamma"]


def test_markdown_edit_reruns_nothing_but_the_staged_page_has_the_new_prose(book):
    edit_notebook(book / "chapters" / "beta.ipynb",
                  lambda nb: setattr(nb.cells[0], "source", "# Beta\n\nRewritten prose, no new numbers."))
    b = Book(root=book, packages={"tinyhelp": book / "src" / "tinyhelp"}, preload=TINY_PRELOAD)
    plan = make_plan(b)
    hasher = Hasher()
    runs = {}
    for c in plan.chapters:
        entry = cache.lookup(b, c.docname, cache.static_key(b, c, cache.environment_key(b)), hasher)
        assert entry is not None, "a Markdown edit must not invalidate the cache"
        runs[c.name] = ChapterRun(c.name, "cached", entry.seconds, data_files=entry.data_files, notebook=entry.notebook)
    assembled = json.loads(assemble.assemble(plan, runs, hasher).contents()["chapters/beta.ipynb"])
    sources = [cell_source(c) for c in assembled["cells"]]
    assert "# Beta\n\nRewritten prose, no new numbers." in sources
    outputs = [o.get("text", "") for c in assembled["cells"] for o in c.get("outputs", [])]
    assert any("label is plain" in "".join(t) for t in outputs), "the cached outputs are kept"
    assert run(book).executed == []


def test_parameter_change_reruns_only_that_chapter(book):
    result = run(book, parameters={"gamma": {"mode": "b"}})
    assert result.executed == ["gamma"]
    assert run(book, variant="mode_b").executed == []  # the same parameters through a variant: cached
    assert run(book).executed == []  # and the default entry was kept


def test_changed_data_file_reruns_exactly_its_readers(book):
    (book / "data" / "a.csv").write_text("x\n1\n5\n")
    assert run(book).executed == ["alpha"]
    (book / "data" / "b.csv").write_text("y\n4\n")
    assert run(book).executed == ["beta", "gamma"]
    (book / "data" / "unread.csv").write_text("z\n1\n")
    assert run(book).executed == []


def test_helper_module_change_reruns_its_transitive_importers(book):
    (book / "src" / "tinyhelp" / "util.py").write_text("FACTOR = 2\n")  # imported by core, imported by alpha
    assert run(book).executed == ["alpha"]
    (book / "src" / "tinyhelp" / "other.py").write_text("GREETING = 'hi'\n")
    assert run(book).executed == ["gamma"]
    (book / "src" / "tinyhelp" / "plugin.py").write_text("OFFSET = 1\n")  # reached through importlib only
    assert run(book).executed == ["alpha"]
    (book / "src" / "tinyhelp" / "unused.py").write_text("X = 1\n")
    assert run(book).executed == []


def test_plain_kernels_record_the_same_dependencies(book):
    assert run(book, zygote=False).executed == ["alpha", "beta", "gamma"]  # another kernel set-up: new keys
    (book / "data" / "a.csv").write_text("x\n1\n5\n")
    (book / "src" / "tinyhelp" / "other.py").write_text("GREETING = 'hi'\n")
    assert run(book, zygote=False).executed == ["alpha", "gamma"]


def test_environment_change_reruns_everything(book):
    (book / "requirements.txt").write_text("tinydep==1.1\n")
    assert run(book).executed == ["alpha", "beta", "gamma"]


def test_a_failed_chapter_is_reported_and_never_cached(book):
    edit_notebook(book / "chapters" / "beta.ipynb",
                  lambda nb: nb.cells.append(new_code_cell("raise ValueError('broken on purpose')")))
    (book / "data" / "b.csv").write_text("y\n9\n")  # gamma must re-run too, and is cached despite beta failing
    with pytest.raises(ChapterFailed, match="(?s)beta.*broken on purpose"):
        run(book)
    entries = list((book / "_build" / ".cache" / "chapters__beta").glob("*.json"))
    keys = {json.loads(p.read_text())["key"] for p in entries}
    b = Book(root=book, packages={"tinyhelp": book / "src" / "tinyhelp"}, preload=TINY_PRELOAD)
    beta = make_plan(b).chapter("beta")
    assert cache.static_key(b, beta, cache.environment_key(b)) not in keys
    with pytest.raises(ChapterFailed):
        run(book)  # still failing: executed again, not served from a cache
    edit_notebook(book / "chapters" / "beta.ipynb", lambda nb: nb.cells.pop())
    assert run(book).executed == ["beta"]


@pytest.mark.parametrize(
    "overrides, words",
    [
        ({"alpha": {"scael": 2.0}}, ["alpha", "scael", "declared parameters: data_source, scale"]),
        ({"alpha": {"scale": "2"}}, ["alpha", "scale", "a number between 0 and 10"]),
        ({"alpha": {"scale": 11}}, ["alpha", "scale", "between 0 and 10"]),
        ({"gamma": {"mode": "c"}}, ["gamma", "mode", "one of 'a', 'b'"]),
        ({"gamma": {"repeats": True}}, ["gamma", "repeats", "an integer >= 1, or null"]),
        ({"delta": {"x": 1}}, ["delta", "does not list"]),
    ],
)
def test_parameter_errors_fail_before_any_execution(book, overrides, words):
    cache_before = sorted(p.name for p in (book / "_build" / ".cache").rglob("*"))
    with pytest.raises(ParameterError) as err:
        run(book, parameters=overrides)
    for word in words:
        assert word in str(err.value)
    assert "nothing executed" in str(err.value)
    assert sorted(p.name for p in (book / "_build" / ".cache").rglob("*")) == cache_before


def test_unknown_variant_names_the_known_ones(book):
    with pytest.raises(ParameterError, match="unknown variant 'nope'.*mode_b"):
        run(book, variant="nope")


def test_a_malicious_string_parameter_is_data_not_code(book, tmp_path):
    evil = f"__import__('os').system('touch {tmp_path}/pwned')"
    for text in (evil, f'"; {evil}; "', f"\\\"\n{evil}\n#"):
        result = run(book, parameters={"beta": {"label": text}})
        assert result.executed == ["beta"]
        assert not (tmp_path / "pwned").exists()
        b = Book(root=book, packages={"tinyhelp": book / "src" / "tinyhelp"}, preload=TINY_PRELOAD)
        printed = "".join(
            "".join(o.get("text", "")) for c in _cached_notebook(b, "beta", {"label": text})["cells"]
            for o in c.get("outputs", []))
        assert f"label is {text}" in printed


def _cached_notebook(b: Book, name: str, overrides: dict) -> dict:
    b.overrides = {name: overrides}
    chapter = make_plan(b).chapter(name)
    key = cache.static_key(b, chapter, cache.environment_key(b))
    return json.loads(cache.entry_paths(b, chapter.docname, key)[1].read_text())


def test_a_killed_build_leaves_the_cache_consistent_and_the_book_intact(book):
    first = run(book, render=True)
    assert first.rendered and (book / "_build" / "html" / "chapters" / "alpha.html").is_file()
    index_before = (book / "_build" / "html" / "chapters" / "alpha.html").read_bytes()
    edit_notebook(book / "chapters" / "alpha.ipynb",
                  lambda nb: nb.cells.append(new_code_cell("import time\ntime.sleep(60)")))
    (book / "data" / "b.csv").write_text("y\n7\n")  # beta and gamma finish quickly; alpha is killed
    script = (f"from helpers.engine import build as B; B.build(B.Book(root={str(book)!r}, validate=False, "
              f"preload={TINY_PRELOAD!r}, packages={{'tinyhelp': {str(book / 'src' / 'tinyhelp')!r}}}))")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    seen = ""
    deadline = time.time() + 60
    while time.time() < deadline and seen.count("executed chapters/") < 2:
        seen += proc.stdout.readline()
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert "executed chapters/beta" in seen and "executed chapters/gamma" in seen, seen
    for entry in (book / "_build" / ".cache").glob("chapters__*/*.json"):
        data = json.loads(entry.read_text())
        notebook = entry.with_suffix(".ipynb")
        assert sha256_bytes(notebook.read_bytes()) == data["notebook_sha256"]
    assert (book / "_build" / "html" / "chapters" / "alpha.html").read_bytes() == index_before
    edit_notebook(book / "chapters" / "alpha.ipynb", lambda nb: nb.cells.pop())
    result = run(book)
    assert result.executed == []  # alpha's code is back as cached; beta and gamma were cached before the kill


def test_render_noop_variant_and_provenance(book, tmp_path):
    first = run(book, render=True)
    html = book / "_build" / "html"
    page = (html / "chapters" / "beta.html").read_text()
    assert "Built from" in page and sha256_bytes((book / "data" / "b.csv").read_bytes()) in page
    text = re.sub(r"<[^>]+>", "", page)
    assert "label = 'plain'" in text and "data_source = 'data'" in text
    status = (html / "execution_status.html").read_text()
    for name in ("alpha", "beta", "gamma"):
        assert name in status
    assert first.rendered
    start = time.perf_counter()
    again = run(book, render=True)
    assert not again.rendered and again.executed == [] and time.perf_counter() - start < 3
    # prose-only edit: re-rendered, not re-executed
    edit_notebook(book / "chapters" / "gamma.ipynb",
                  lambda nb: setattr(nb.cells[0], "source", "# Gamma\n\nFreshly reworded."))
    prose = run(book, render=True)
    assert prose.rendered and prose.executed == []
    assert "Freshly reworded." in (html / "chapters" / "gamma.html").read_text()
    # a second data folder: its own book, the default one untouched
    before = {p: p.read_bytes() for p in html.rglob("*.html")}
    other = tmp_path / "lab_tables"
    shutil.copytree(book / "data", other)
    (other / "a.csv").write_text("x\n10\n")
    variant = run(book, data_source=other, render=True)
    assert variant.executed == ["alpha", "beta", "gamma"]  # data_source is a parameter of each
    assert variant.html_dir != html and variant.html_dir.parent.parent == book / "_build" / "data"
    assert sha256_bytes((other / "a.csv").read_bytes()) in (variant.html_dir / "chapters" / "alpha.html").read_text()
    assert "alpha total 10" in (variant.html_dir / "chapters" / "alpha.html").read_text()
    assert {p: p.read_bytes() for p in html.rglob("*.html")} == before
    named = run(book, variant="mode_b", render=True)
    assert named.html_dir == book / "_build" / "variants" / "mode_b" / "html" and named.executed == ["gamma"]


# --------------------------------------------------------------------------- any subset of tables (issue 12)

def test_a_one_table_folder_builds_its_chapters_and_a_page_for_the_others(tmp_path, tiny):
    book = tiny.with_tables(tmp_path / "book")
    lab = tmp_path / "lab"
    lab.mkdir()
    (lab / "human_blot.csv").write_text("x\n4\n")  # the tiny chapters read a.csv and b.csv as their data
    (lab / "a.csv").write_text("x\n4\n")
    (lab / "b.csv").write_text("y\n3\n")
    result = run(book, data_source=lab, render=True)  # returns normally: `make book` exits 0
    assert result.executed == ["alpha", "gamma"] and result.not_built == ["beta"] and result.rendered
    html = result.html_dir
    stub = re.sub(r"<[^>]+>", "", (html / "chapters" / "beta.html").read_text())
    assert "Not built from this data: needs mouse_blot.csv, pla_cells.csv" in stub
    from helpers.data.tables import get_specs

    for table in ("mouse_blot", "pla_cells"):
        spec = get_specs()[table]
        assert f"templates/{spec.filename}" in stub
        assert all(column in stub for column in spec.column_names)
    assert "label is" not in stub  # beta did not execute
    landing = re.sub(r"<[^>]+>", "", (html / "intro.html").read_text())
    assert "Not built from this data" in landing and "beta" in landing and "mouse_blot.csv" in landing
    status = re.sub(r"<[^>]+>", "", (html / "execution_status.html").read_text())
    assert "not built: needs mouse_blot.csv, pla_cells.csv" in status
    assert "alpha total 4" in (html / "chapters" / "alpha.html").read_text()
    # the same folder with pla_cells too: gamma and alpha are cached, beta still lacks mouse_blot
    (lab / "pla_cells.csv").write_text("z\n1\n")
    again = run(book, data_source=lab)
    assert again.not_built == ["beta"] and again.executed == []
    (lab / "mouse_blot.csv").write_text("z\n1\n")
    assert run(book, data_source=lab, render=True).executed == ["beta"]


def test_a_folder_with_only_optional_tables_builds_the_chapter_that_can_use_one(tmp_path, tiny):
    book = tiny.with_tables(tmp_path / "book")
    lab = tmp_path / "lab"
    lab.mkdir()
    (lab / "pla_cells.csv").write_text("z\n1\n")
    (lab / "b.csv").write_text("y\n3\n")
    result = run(book, data_source=lab)
    assert result.executed == ["gamma"] and result.not_built == ["alpha", "beta"]


@pytest.mark.parametrize("make", [lambda p: p.mkdir(), lambda p: (p.mkdir(), (p / "notes.txt").write_text("x")),
                                  lambda p: None])
def test_an_empty_or_foreign_data_folder_is_an_error_before_anything_executes(tmp_path, make, tiny):
    book = tiny.with_tables(tmp_path / "book")
    lab = tmp_path / "lab"
    make(lab)
    with pytest.raises(B.DataProblems) as err:
        run(book, data_source=lab)
    text = str(err.value)
    assert "nothing executed" in text and "lab: the data source" in text
    assert ("holds none of the book's tables" in text) == lab.exists()
    assert "human_blot.csv" in text and "pla_cells.csv" in text and ".xlsx workbook" in text
    assert not (book / "_build" / ".cache").exists()


def test_a_design_refusal_is_the_last_line_without_a_traceback(book, capsys, monkeypatch):
    message = ("mouse_blot.csv: genotype 'WT' has no mouse at stage onset; the comparison needs both genotypes "
               "— add WT mice or choose another stage.")
    edit_notebook(book / "chapters" / "beta.ipynb", lambda nb: nb.cells.append(new_code_cell(
        f"class DesignError(ValueError):\n    pass\n\ndef check():\n    raise DesignError({message!r})\n\ncheck()")))
    with pytest.raises(ChapterFailed) as err:
        run(book)
    text = str(err.value)
    assert text.splitlines()[-1] == message
    assert "Traceback" not in text and "check()" not in text and "---" not in text
    monkeypatch.setattr(B, "build", lambda *a, **k: (_ for _ in ()).throw(err.value))
    assert B.main(["build", "--root", str(book)]) == 1
    assert capsys.readouterr().err.rstrip("\n").splitlines()[-1] == message


def test_publishing_drops_figures_no_page_shows(tmp_path):
    from helpers.engine.render import prune_unreferenced_images

    html = tmp_path / "html"
    (html / "_images").mkdir(parents=True)
    (html / "chapters").mkdir()
    for name in ("shown.png", "old_run.png", "also_shown.svg"):
        (html / "_images" / name).write_bytes(b"x")
    (html / "chapters" / "a.html").write_text('<img src="../_images/shown.png">', encoding="utf-8")
    (html / "index.html").write_text('<img src="_images/also_shown.svg">', encoding="utf-8")
    assert prune_unreferenced_images(html) == ["old_run.png"]
    assert sorted(p.name for p in (html / "_images").iterdir()) == ["also_shown.svg", "shown.png"]
    assert prune_unreferenced_images(tmp_path / "nothing") == []
