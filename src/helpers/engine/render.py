"""Rendering and publishing: Jupyter Book on the assembled sources, then an atomic swap of ``<out>/html``.

If the assembled sources (and the package's Sphinx extensions, the output folder and
the commit) are those of the published book, nothing is rendered: a no-op rebuild
takes about a second. Otherwise ``jupyter-book build -W -n --keep-going`` renders
them incrementally; the results ledger is written into the new HTML and the
HTML replaces the published one only after every step succeeded, so a failing or
killed build leaves the last good book intact.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from helpers.core.files import atomic_write
from helpers.core.hashing import package_fingerprint, sha256_bytes, sha256_text
from helpers.engine.book import Book, ChapterRun, RenderFailed, write_if_changed
from helpers.engine.html_assets import THEME_TEMPLATES

#: Page suffixes Sphinx reads: a docname assembled with one of them must not keep a stale other.
DOC_SUFFIXES = (".ipynb", ".md", ".rst")


def book_fingerprint(book: Book, digests: dict[str, str], commit: str) -> str:
    """Hash of everything the published pages depend on.

    Besides the assembled sources (*digests*: ``{relative path: SHA-256}``), the pages depend on the Sphinx extensions and page
    annotations of this package (:mod:`helpers.engine.html_assets`,
    :mod:`helpers.engine.provenance`), on its theme templates (``helpers/engine/theme``)
    and name the commit they were built from.
    """
    templates = sorted(THEME_TEMPLATES.glob("*.html"))
    return sha256_text(*(f"{k}\x00{v}" for k, v in sorted(digests.items())),
                       *(f"{p.name}\x00{sha256_bytes(p.read_bytes())}" for p in templates),
                       str(book.html_dir), package_fingerprint(), str(commit))


def is_published(book: Book, fingerprint: str) -> bool:
    """True if the published book was rendered from exactly *fingerprint* and is still there."""
    published = book.out_dir / ".published.json"
    last = json.loads(published.read_text()) if published.is_file() else {}
    return last.get("fingerprint") == fingerprint and book.html_dir.is_dir()


def write_assembled(folder: Path, assembled: dict[str, bytes]) -> None:
    """Write the assembled files (unchanged ones keep their mtimes); drop a page's stale other suffix."""
    for rel, data in assembled.items():
        write_if_changed(folder / rel, data)
        path = Path(rel)
        if path.suffix in DOC_SUFFIXES and path.parent.as_posix() != "_build":
            for other in DOC_SUFFIXES:
                if other != path.suffix and path.with_suffix(other).as_posix() not in assembled:
                    (folder / path.with_suffix(other)).unlink(missing_ok=True)


def render_book(folder: Path, full: bool = False) -> None:
    """Run Jupyter Book on the assembled sources, warnings as errors (incrementally unless *full*)."""
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(folder), "--builder", "html", "-W", "-n", "--keep-going", *(["--all"] if full else [])]
    marker = folder / ".rendering"
    if marker.exists():  # an earlier render was interrupted: start Sphinx from scratch
        shutil.rmtree(folder / "_build", ignore_errors=True)
    marker.write_text("", encoding="utf-8")
    proc = subprocess.run(cmd, cwd=folder, capture_output=True, text=True)
    if proc.returncode != 0:
        shutil.rmtree(folder / "_build", ignore_errors=True)  # so the next render repeats every warning
        marker.unlink(missing_ok=True)
        sys.stderr.write(proc.stdout[-8000:] + proc.stderr[-8000:])
        raise RenderFailed(f"jupyter-book build failed (exit {proc.returncode}); see the log above")
    marker.unlink(missing_ok=True)


def publish(new_html: Path, html_dir: Path) -> None:
    """Replace *html_dir* with *new_html* in as close to one step as the file system allows."""
    html_dir.parent.mkdir(parents=True, exist_ok=True)
    old = html_dir.with_name(f".{html_dir.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if html_dir.exists():
        os.rename(html_dir, old)
    os.rename(new_html, html_dir)
    shutil.rmtree(old, ignore_errors=True)


def prune_unreferenced_images(html_dir: Path) -> list[str]:
    """Remove the files of ``_images/`` that no page of *html_dir* references; return their names.

    Sphinx renders incrementally and never deletes: the figure of a chapter
    whose numbers changed stays in ``_images`` beside the new one. A published
    book holds only the figures its pages show.
    """
    images = html_dir / "_images"
    if not images.is_dir():
        return []
    text = "\n".join(page.read_text(encoding="utf-8", errors="replace") for page in html_dir.rglob("*.html"))
    stale = sorted(p.name for p in images.iterdir() if p.is_file() and f"_images/{p.name}" not in text)
    for name in stale:
        (images / name).unlink()
    return stale


def publish_book(book: Book, plan, runs: list[ChapterRun], ledger, fingerprint: str, commit: str) -> None:
    """Copy the rendered HTML, write the results ledger into it (*ledger* hook), publish it atomically.

    *runs* are the built chapters' runs, each with the assembled notebook its page was
    rendered from. *ledger* (or None) is called as ``ledger(chapters, html_dir)`` with one
    :class:`helpers.report.ledger.page.ExecutedChapter` per run. Then remember *fingerprint*
    and copy every executed notebook to ``<out>/executed/<chapter>.ipynb``.
    """
    new_html = book.out_dir / ".html.new"
    shutil.rmtree(new_html, ignore_errors=True)
    shutil.copytree(book.assembled / "_build" / "html", new_html)
    prune_unreferenced_images(new_html)
    if ledger is not None:
        from helpers.report.ledger.page import ExecutedChapter  # pandas: paid only when publishing

        chapters = [plan.chapter(r.chapter) for r in runs]
        ledger([ExecutedChapter(r.chapter, c.docname, r.notebook, r.parameters, r.data_files, commit, c.data_source)
                for r, c in zip(runs, chapters, strict=True)], new_html)
    publish(new_html, book.html_dir)
    atomic_write(book.out_dir / ".published.json", json.dumps({"fingerprint": fingerprint, "commit": commit}).encode())
    executed_dir = book.out_dir / "executed"
    shutil.rmtree(executed_dir, ignore_errors=True)
    executed_dir.mkdir(parents=True, exist_ok=True)
    for run in runs:
        shutil.copy2(run.notebook, executed_dir / f"{run.chapter}.ipynb")


@contextlib.contextmanager
def locked(path: Path):
    """Hold an exclusive lock on *path* (one build per output folder at a time)."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
