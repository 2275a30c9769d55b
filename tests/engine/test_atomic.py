"""Atomic publish: a build killed while executing or while rendering leaves the last good book intact.

On a copy of the repository with a short table of contents, a first build
publishes a book. A second build is killed (SIGKILL to its whole process
group: engine, kernels, Sphinx) while a chapter executes, a third while
Jupyter Book renders. After each kill every file of the published HTML is
byte-identical to before and the cache holds only complete entries. A last
build then publishes the change correctly.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell

from helpers.core.paths import ROOT

pytestmark = pytest.mark.slow

TOC = """format: jb-book
root: intro
parts:
  - caption: Copy
    chapters:
      - file: chapters/own_data
      - file: chapters/ledger
      - file: chapters/bibliography
"""
BUILD = ("import sys; from pathlib import Path; from helpers.engine.build import Book, build; "
         "build(Book(root=Path(sys.argv[1]), out_dir=Path(sys.argv[2])))")


def _copy_repo(target: Path) -> Path:
    target.mkdir()
    for name in ("_config.yml", "intro.md", "references.bib", "CITATION.cff", "requirements.txt"):
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, target / name)
    for name in ("chapters", "data", "_static", "_templates"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, target / name)
    (target / "_toc.yml").write_text(TOC, encoding="utf-8")
    return target


def _manifest(html: Path) -> dict[str, str]:
    return {p.relative_to(html).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(html.rglob("*")) if p.is_file()}


def _start(repo: Path, out: Path, log: Path) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen([sys.executable, "-c", BUILD, str(repo), str(out)], stdout=handle,
                            stderr=subprocess.STDOUT, cwd=repo, start_new_session=True)


def _kill_when(proc: subprocess.Popen, log: Path, marker: str, delay: float, timeout: float = 300) -> None:
    """Wait for *marker* in the build log, wait *delay* seconds more, then kill the whole process group."""
    deadline = time.monotonic() + timeout
    while marker not in log.read_text():
        assert proc.poll() is None, f"build ended before {marker!r}:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"no {marker!r} in the build log"
        time.sleep(0.2)
    time.sleep(delay)
    assert proc.poll() is None, f"build finished before it could be killed:\n{log.read_text()}"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)


def _edit_own_data(repo: Path, *, sleep: bool, marker: str) -> None:
    path = repo / "chapters" / "own_data.ipynb"
    nb = nbformat.read(str(ROOT / "chapters" / "own_data.ipynb"), as_version=4)
    nb.cells.insert(1, new_markdown_cell(f"Edited copy: {marker}."))
    if sleep:
        nb.cells.insert(len(nb.cells) - 1, new_code_cell("import time\ntime.sleep(120)"))
    nbformat.write(nb, str(path))


def _assert_cache_consistent(cache: Path) -> None:
    for path in cache.rglob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))  # a half-written entry would not parse
    for path in cache.rglob("*.ipynb"):
        nbformat.read(str(path), as_version=4)


def test_killed_builds_leave_the_published_book_intact(tmp_path):
    repo = _copy_repo(tmp_path / "repo")
    out = tmp_path / "out"
    html = out / "html"
    first = subprocess.run([sys.executable, "-c", BUILD, str(repo), str(out)], capture_output=True, text=True,
                           cwd=repo)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    good = _manifest(html)
    assert "chapters/own_data.html" in good and "results.csv" in good

    # Killed while a chapter executes (the chapter sleeps, so the kill lands mid-execution).
    _edit_own_data(repo, sleep=True, marker="MARKER-ONE")
    proc = _start(repo, out, tmp_path / "killed_exec.log")
    _kill_when(proc, tmp_path / "killed_exec.log", "running  chapters/own_data", delay=3.0)
    assert _manifest(html) == good, "a build killed during execution changed the published book"
    _assert_cache_consistent(repo / "_build" / ".cache")

    # Killed while Jupyter Book renders (execution is cached: same code as the first build).
    _edit_own_data(repo, sleep=False, marker="MARKER-TWO")
    proc = _start(repo, out, tmp_path / "killed_render.log")
    _kill_when(proc, tmp_path / "killed_render.log", "rendering with jupyter-book", delay=2.0)
    assert _manifest(html) == good, "a build killed during rendering changed the published book"
    _assert_cache_consistent(repo / "_build" / ".cache")

    # The next build is correct: it publishes the edited page, complete.
    last = subprocess.run([sys.executable, "-c", BUILD, str(repo), str(out)], capture_output=True, text=True,
                          cwd=repo)
    assert last.returncode == 0, last.stdout[-3000:] + last.stderr[-3000:]
    page = (html / "chapters" / "own_data.html").read_text(encoding="utf-8")
    assert "MARKER-TWO" in page and "MARKER-ONE" not in page
    assert set(good) - {p for p in good if p.startswith(("_images/", "_sources/", "_static/"))} <= set(_manifest(html))
    assert "own_data" in (html / "results.csv").read_text(encoding="utf-8")
