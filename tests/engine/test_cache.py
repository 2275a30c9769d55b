"""The execution cache (helpers.engine.cache): what its keys depend on, and nothing else.

Fast: nothing executes. An "executed" notebook is the source notebook itself, stored with
the dependencies a kernel would have recorded (its read log, written here by hand).
``tests/engine/test_build.py`` checks the same with real kernels.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from helpers.core.hashing import Hasher, sha256_bytes
from helpers.engine import cache
from helpers.engine.book import Book
from helpers.engine.plan import ChapterPlan, make_plan

PACKAGE = ("src", "tinyhelp")


@pytest.fixture
def root(tiny, tmp_path) -> Path:
    return tiny.make(tmp_path / "book")


def book_of(root: Path, **kwargs) -> Book:
    return Book(root=root, packages={"tinyhelp": root.joinpath(*PACKAGE)}, **kwargs)


def chapter(book: Book, name: str = "alpha") -> ChapterPlan:
    return make_plan(book).chapter(name)


def key(root: Path, name: str = "alpha", **kwargs) -> str:
    """The static key of chapter *name* of the book at *root*."""
    book = book_of(root, **kwargs)
    return cache.static_key(book, chapter(book, name), cache.environment_key(book))


def edit_cells(root: Path, name: str, change) -> None:
    path = root / "chapters" / f"{name}.ipynb"
    nb = json.loads(path.read_text())
    change(nb["cells"])
    path.write_text(json.dumps(nb))


def write_log(root: Path, log: Path, files: list[str], modules: list[str]) -> Path:
    """A kernel's read log: what it read, as absolute paths, after its ``start`` line."""
    lines = [f"start\t{os.getpid()}"] + [f"file\t{root / f}" for f in files] + [f"module\t{root / m}" for m in modules]
    log.write_text("\n".join(lines) + "\n")
    return log


def store(book: Book, ch: ChapterPlan, deps: dict) -> cache.CacheEntry:
    """Cache *ch* as if executed now, with dependencies *deps*; return its entry."""
    key = cache.static_key(book, ch, cache.environment_key(book))
    executed = book.root / "executed.ipynb"
    executed.write_text(json.dumps(ch.notebook))
    return cache.store(book, cache.CacheEntry(ch.name, ch.docname, key, ch.parameters, deps, {},
                                              "2026-01-01T00:00:00+00:00", 1.0, ""), executed)


# --------------------------------------------------------------------------- the static key


def test_the_static_key_depends_on_code_parameters_and_environment_only(root, tmp_path):
    before = key(root)
    assert key(root) == before  # the same inputs, the same key
    moved = Path(shutil.copytree(root, tmp_path / "elsewhere"))
    assert key(moved) == before  # a moved book keeps its cache
    edit_cells(root, "alpha", lambda cells: cells[0].update(source="# Alpha\n\nNew prose."))
    assert key(root) == before  # Markdown re-renders, never re-executes
    edit_cells(root, "alpha", lambda cells: cells[1]["metadata"].update(tags=["parameters", "hide-input"]))
    assert key(root) == before  # a tag that only changes how a cell renders
    assert key(root, "beta", overrides={"alpha": {"scale": 2.0}}) == key(root, "beta")  # another chapter's

    (root / "lab").mkdir()
    changed = {
        "parameter": key(root, overrides={"alpha": {"scale": 2.0}}),
        "data source": key(root, data_source=root / "lab"),  # a parameter too: every chapter's data_source
    }
    edit_cells(root, "alpha", lambda cells: cells[-1].update(source="".join(cells[-1]["source"]) + "\nprint(1)"))
    changed["code"] = key(root)
    edit_cells(root, "alpha", lambda cells: cells[-1]["metadata"].update(tags=["raises-exception"]))
    changed["execution tag"] = key(root)
    (root / "requirements.txt").write_text("tinydep==1.1\n")
    changed["environment"] = key(root)
    assert before not in changed.values()
    assert len(set(changed.values())) == len(changed), changed  # each change gives a key of its own


def test_the_environment_key_follows_the_pins_and_the_kernel_set_up(root, monkeypatch):
    monkeypatch.delenv("HELPERS_BOOK_NO_ZYGOTE", raising=False)
    keys = {
        "zygote": cache.environment_key(book_of(root)),
        "plain kernels": cache.environment_key(book_of(root, zygote=False)),
        "other preload": cache.environment_key(book_of(root, preload=("IPython",))),
    }
    assert len(set(keys.values())) == 3
    assert cache.environment_key(book_of(root, zygote=False, preload=("IPython",))) == keys["plain kernels"]
    (root / "requirements.txt").write_text("tinydep==1.1\n")
    assert cache.environment_key(book_of(root)) != keys["zygote"]


# --------------------------------------------------------------------------- what a chapter read


def test_the_read_log_becomes_relative_paths_with_their_hashes(root, tmp_path):
    book = book_of(root)
    outside = tmp_path / "lab.csv"
    outside.write_text("x\n1\n")
    log = write_log(root, tmp_path / "alpha.reads", ["data/a.csv"], ["src/tinyhelp/core.py", "src/tinyhelp/util.py"])
    with log.open("a") as handle:
        handle.write(f"file\t{outside}\nnoise without a tab\n")
    deps = cache.read_log(book, log, Hasher())
    digest = {p: sha256_bytes((root / p).read_bytes()) for p in ("data/a.csv", "src/tinyhelp/core.py",
                                                                  "src/tinyhelp/util.py")}
    assert deps == {"files": {"data/a.csv": digest["data/a.csv"], str(outside): sha256_bytes(b"x\n1\n")},
                    "modules": {m: digest[m] for m in ("src/tinyhelp/core.py", "src/tinyhelp/util.py")}}
    assert cache.data_file_names(book, chapter(book), deps) == {"a.csv": digest["data/a.csv"],
                                                                str(outside): sha256_bytes(b"x\n1\n")}


def test_a_log_without_its_start_line_is_no_record(root, tmp_path):
    log = tmp_path / "alpha.reads"
    log.write_text(f"file\t{root / 'data' / 'a.csv'}\n")  # the kernel died before it started recording
    assert cache.read_log(book_of(root), log, Hasher()) is None
    assert cache.read_log(book_of(root), tmp_path / "absent.reads", Hasher()) is None


# --------------------------------------------------------------------------- lookup


@pytest.fixture
def cached(root, tmp_path) -> Book:
    """The tiny book with alpha cached: it read data/a.csv and imported tinyhelp.core and tinyhelp.util."""
    book = book_of(root)
    log = write_log(root, tmp_path / "alpha.reads", ["data/a.csv"], ["src/tinyhelp/core.py", "src/tinyhelp/util.py"])
    store(book, chapter(book), cache.read_log(book, log, Hasher()))
    return book


def hit(book: Book, name: str = "alpha", **kwargs) -> bool:
    """Would a new build (a fresh hasher, like every build) serve chapter *name* from the cache?"""
    book = book_of(book.root, **kwargs)
    ch = chapter(book, name)
    return cache.lookup(book, ch.docname, cache.static_key(book, ch, cache.environment_key(book)), Hasher()) is not None


def test_an_entry_is_served_while_everything_it_read_is_unchanged(cached):
    root = cached.root
    assert hit(cached)
    assert not hit(cached, "beta")  # never executed
    (root / "data" / "b.csv").write_text("y\n9\n")  # a file alpha did not read
    (root / "src" / "tinyhelp" / "other.py").write_text("GREETING = 'hi'\n")  # a module it did not import
    (root / "src" / "tinyhelp" / "new.py").write_text("X = 1\n")
    assert hit(cached)


@pytest.mark.parametrize("path, content", [
    ("data/a.csv", "x\n1\n5\n"),  # a data file it read
    ("src/tinyhelp/util.py", "FACTOR = 2\n"),  # a module it imported (through another)
    ("src/tinyhelp/core.py", None),  # a module it imported, deleted
])
def test_a_changed_data_file_or_helper_source_misses_until_restored(cached, path, content):
    target = cached.root / path
    original = target.read_bytes()
    if content is None:
        target.unlink()
    else:
        target.write_text(content)
    assert not hit(cached)
    target.write_bytes(original)  # the content counts, not the time stamp
    assert hit(cached)


def test_another_parameter_value_has_its_own_entry(cached):
    assert not hit(cached, overrides={"alpha": {"scale": 2.0}})
    assert hit(cached)  # the default's entry is still there


def test_a_damaged_or_outdated_entry_is_a_miss(cached, monkeypatch):
    ch = chapter(cached)
    entry_path, nb_path = cache.entry_paths(cached, ch.docname, cache.static_key(cached, ch, cache.environment_key(cached)))
    assert entry_path.parent == cached.cache_dir / "chapters__alpha" and nb_path.suffix == ".ipynb"
    monkeypatch.setattr(cache, "ENGINE_VERSION", "old")
    assert not hit(cached)  # written by another engine version
    monkeypatch.undo()
    nb_path.write_text(nb_path.read_text() + " ")
    assert not hit(cached)  # the notebook is not the one the entry was written for
    entry_path.write_text("{")
    assert not hit(cached)


def test_prune_keeps_the_newest_entries(tmp_path):
    for i in range(5):
        for suffix in (".json", ".ipynb"):
            path = tmp_path / f"k{i}{suffix}"
            path.write_text("{}")
            os.utime(path, (1_000_000 + i, 1_000_000 + i))
    cache.prune(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k3.ipynb", "k3.json", "k4.ipynb", "k4.json"]


def test_timings_are_remembered_per_chapter(root):
    book = book_of(root)
    assert cache.timing_hints(book) == {}
    cache.record_timings(book, {"chapters/alpha": 1.234})
    cache.record_timings(book, {"chapters/beta": 2.0})
    assert cache.timing_hints(book) == {"chapters/alpha": 1.23, "chapters/beta": 2.0}
