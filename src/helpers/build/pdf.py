"""The book as one PDF: Jupyter Book's LaTeX builder on the executed book of the last HTML build.

``python -m helpers pdf`` (what ``make pdf`` runs):

1. builds the HTML book first (cached: nothing re-executes when nothing
   changed, :mod:`helpers.build.engine`), so its staging folder
   ``<out>/.stage`` holds every chapter as an executed notebook with today's
   prose, the provenance notes, the results ledger and the execution status page;
2. copies that staged book (without its ``_build``) to ``<out>/.pdf-stage`` and
   runs ``jupyter-book build --builder pdflatex`` there. The engine is XeLaTeX
   (``latex.latex_engine`` in ``_config.yml``), which typesets the book's
   Unicode (µ, –, ≥) directly; figures are the notebooks' own PNG outputs, tables
   their plain LaTeX form (:mod:`helpers.report.tables`), glued numbers and the
   bibliography come through myst-nb and sphinxcontrib-bibtex as on the web;
3. writes ``<out>/pdf/book.pdf`` atomically.

The TeX tools come from Debian (``make pdf-deps``); :func:`missing_tools` names
what is missing.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

from helpers.core.paths import BUILD_DIR

#: Programs the LaTeX build needs, and the Debian package that ships each.
TOOLS = {"xelatex": "texlive-xetex", "latexmk": "latexmk", "pdftotext": "poppler-utils", "make": "make"}
#: Name of the PDF that Jupyter Book's LaTeX builder writes.
BOOK_PDF = "book.pdf"


def missing_tools() -> list[str]:
    """Return the Debian packages of the TeX tools that are not on PATH."""
    return sorted({package for tool, package in TOOLS.items() if shutil.which(tool) is None})


def stage_for_pdf(stage: Path, target: Path) -> Path:
    """Copy the staged HTML book *stage* (without its ``_build``) into *target*; return *target*."""
    stage, target = Path(stage), Path(target)
    if not (stage / "_config.yml").is_file():
        raise FileNotFoundError(f"{stage} holds no staged book; build the HTML book first (make book)")
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(stage, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("_build", ".doctrees"))
    return target


def render_pdf(book_dir: Path) -> Path:
    """Run Jupyter Book's LaTeX builder in *book_dir*; return the PDF it wrote."""
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(book_dir), "--builder", "pdflatex"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    pdf = Path(book_dir) / "_build" / "latex" / BOOK_PDF
    if proc.returncode != 0 or not pdf.is_file():
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-40:])
        log = Path(book_dir) / "_build" / "latex" / "book.log"
        raise RuntimeError(f"the LaTeX build failed (exit {proc.returncode}); see {log}\n{tail}")
    return pdf


def build_pdf(out_dir: Path = BUILD_DIR, *, html: bool = True) -> Path:
    """Build (or reuse) the HTML book in *out_dir*, then its PDF; return ``<out_dir>/pdf/book.pdf``."""
    missing = missing_tools()
    if missing:
        raise RuntimeError("the PDF needs TeX tools that are not installed: "
                           f"{', '.join(missing)} (run: make pdf-deps)")
    out_dir = Path(out_dir)
    if html:
        from helpers.build.engine import build

        build(None, out_dir=out_dir)
    book_dir = stage_for_pdf(out_dir / ".stage", out_dir / ".pdf-stage")
    pdf = render_pdf(book_dir)
    target = out_dir / "pdf" / BOOK_PDF
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".pdf.part")
    shutil.copy2(pdf, partial)
    partial.replace(target)
    return target


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m helpers pdf [--out _build] [--no-html]``."""
    parser = argparse.ArgumentParser(prog="python -m helpers pdf", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(BUILD_DIR), help="build folder holding .stage (default: _build)")
    parser.add_argument("--no-html", action="store_true", help="reuse the last HTML build's stage as it is")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        target = build_pdf(Path(args.out), html=not args.no_html)
    except (RuntimeError, FileNotFoundError) as error:
        print(error, file=sys.stderr)
        return 1
    print(f"wrote {target} in {time.perf_counter() - start:.0f} s")
    return 0
