"""The PDF of the book (`make test-pdf`; not part of `make test`: the LaTeX run adds minutes).

The PDF is built by :func:`helpers.engine.pdf.build_pdf` from the assembled, executed
book of the session's HTML build, and read as a reader reads it:

* its outline (the bookmarks a PDF viewer shows, read with pypdf) holds the
  Introduction, then each part of ``_toc.yml`` in order with its chapters,
  numbered 1, 2, ... as chapters, then the appendices (``latex_appendices`` and
  the execution status) lettered A, B, ..., then the bibliography; every
  chapter starts on a page of its own;
* its text (``pdftotext``) holds every chapter's title, the simulated-data
  banner, glued numbers with the values of the results ledger, every key of
  the ledger on the ledger's own pages, and the bibliography with every
  citation resolved; no stretch of it is broken one word per line;
* its images (``pdfimages``) are the book's figures, and pages turned into PNG
  (``pdftoppm``) show something.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.core.paths import ROOT
from helpers.engine.assemble import STATUS_DOC
from helpers.engine.citation import toc_chapters
from helpers.engine.notebooks import notebook_title

pytestmark = [pytest.mark.slow, pytest.mark.pdf]

#: A label LaTeX puts before a part, chapter or appendix title in the outline ("IV ", "12 ", "B ").
LABEL = re.compile(r"^(?:[IVXLC]+|\d+|[A-Z])\s+")
#: More one-word lines in a row than this is text broken word by word (a table or a line set too narrow).
MAX_ONE_WORD_RUN = 5


@pytest.fixture(scope="module")
def book_pdf(built_book: Path) -> Path:
    from helpers.engine.pdf import build_pdf

    return build_pdf(built_book, html=False)


def pdftotext(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    pages = (["-f", str(first)] if first else []) + (["-l", str(last)] if last else [])
    return subprocess.run(["pdftotext", "-layout", *pages, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture(scope="module")
def pdf_text(book_pdf: Path) -> str:
    return re.sub(r"\s+", " ", pdftotext(book_pdf).replace("\u2212", "-"))


@pytest.fixture(scope="module")
def outline(book_pdf: Path) -> list[tuple[int, str, int]]:
    """``(level, title, first page)`` of every bookmark of the PDF, in order (level 0: the outermost)."""
    from pypdf import PdfReader

    reader = PdfReader(book_pdf)
    entries = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                entries.append((level, re.sub(r"\s+", " ", item.title).strip(),
                                reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    return entries


def page_title(docname: str) -> str:
    for suffix in (".ipynb", ".md"):
        if (ROOT / f"{docname}{suffix}").is_file():
            return re.sub(r"\s+", " ", notebook_title(ROOT / f"{docname}{suffix}"))
    return docname


def expected_book() -> tuple[list[tuple[str, list[str]]], list[str]]:
    """``([(part caption, [chapter titles])], [appendix titles])`` as ``_toc.yml`` and ``_config.yml`` say.

    The pages in ``latex_appendices`` (and the execution status the build adds) are
    appendices; the page holding the bibliography directive is the bibliography
    at the end; a part left without chapters is not a part of the PDF.
    """
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    appendices = [*config["sphinx"]["config"]["latex_appendices"], STATUS_DOC]
    parts = []
    for part in toc["parts"]:
        titles = []
        for entry in part["chapters"]:
            source = ROOT / f"{entry['file']}.md"
            if entry["file"] in appendices or (source.is_file() and "{bibliography}" in source.read_text()):
                continue
            titles.append(page_title(entry["file"]))
        if titles:
            parts.append((part["caption"], titles))
    return parts, ["Execution status" if doc == STATUS_DOC else page_title(doc) for doc in appendices]


def test_the_pdf_is_written_where_make_pdf_says(book_pdf, built_book):
    assert book_pdf == built_book / "pdf" / "book.pdf"
    assert book_pdf.read_bytes()[:5] == b"%PDF-"


def test_the_outline_has_the_parts_and_chapters_of_the_toc_in_order(outline):
    parts, appendices = expected_book()
    expected = [(0, "Introduction")]
    for caption, chapters in parts:
        expected += [(0, caption)] + [(1, title) for title in chapters]
    expected += [(0, "Appendices")] + [(1, title) for title in appendices] + [(0, "Bibliography")]
    # the outline's parts and chapters (the Introduction's sections sit at the chapters' level, below it)
    chapters = [(level, LABEL.sub("", title)) for level, title, _ in outline
                if level == 0 or (level == 1 and LABEL.match(title))]
    assert chapters == expected


def test_chapters_are_numbered_as_chapters_and_appendices_lettered(outline):
    parts, appendices = expected_book()
    chapters = [title for _, titles in parts for title in titles]
    labels = {LABEL.sub("", title): title[: len(title) - len(LABEL.sub("", title))].strip()
              for level, title, _ in outline if level == 1}
    assert [labels[title] for title in chapters] == [str(i) for i in range(1, len(chapters) + 1)]
    assert [labels[title] for title in appendices] == [chr(ord("A") + i) for i in range(len(appendices))]
    assert not [title for _, title, _ in outline if re.match(r"^\d+\.\d+ ", title) and LABEL.sub("", title)
                in chapters], "a chapter of the book is numbered as a section"
    # the landing page's sections are sections of the unnumbered Introduction, not chapters
    intro = next(i for i, (level, title, _) in enumerate(outline) if level == 0 and title == "Introduction")
    sections = [title for level, title, _ in outline[intro + 1:intro + 6] if level == 1]
    assert "The question" in sections and all(not LABEL.match(title) for title in sections)


def test_every_chapter_starts_on_a_page_of_its_own(outline, book_pdf):
    """Parts and chapters come in page order, and the next one starts a page or more after each chapter."""
    from pypdf import PdfReader

    pages = len(PdfReader(book_pdf).pages)
    top = [(level, title, page) for level, title, page in outline if level == 0 or (level == 1 and LABEL.match(title))]
    assert [page for *_, page in top] == sorted(page for *_, page in top)
    for (level, title, page), (*_, following) in zip(top, [*top[1:], (0, "end", pages + 1)], strict=True):
        if level == 1:
            assert following > page, f"chapter {title} (page {page}) has no page of its own"


def test_every_chapter_is_in_the_pdf(pdf_text):
    missing = [title for _, title in toc_chapters() if re.sub(r"\s+", " ", title) not in pdf_text]
    assert missing == [], f"chapters missing from the PDF: {missing}"


def test_the_ledger_is_a_table_of_every_key_in_its_appendix(book_pdf, outline, built_book):
    ledger = next(i for i, (level, title, _) in enumerate(outline) if LABEL.sub("", title) == "Results ledger")
    first = outline[ledger][2]
    last = next(page for level, _, page in outline[ledger + 1:] if level <= 1) - 1
    text = pdftotext(book_pdf, first, last).replace("\u2212", "-")
    results = pd.read_csv(built_book / "html" / "results.csv")
    missing = [key for key in results["key"] if not re.search(rf"(?<![\w]){re.escape(key)}(?![\w])", text)]
    assert "ratio_lumbar_spinal_cord" in set(results["key"])
    assert missing == [], f"ledger keys not in the ledger's pages {first}-{last}: {missing[:10]}"
    assert f"{len(results)} results from {results['chapter'].nunique()} chapters" in re.sub(r"\s+", " ", text)
    row = results.set_index("key").loc["ratio_lumbar_spinal_cord"]
    line = next(line for line in text.splitlines() if re.search(r"\bratio_lumbar_spinal_cord\b", line))
    assert f"{row['value']:.4g}" in line and f"{row['ci_low']:.4g} to {row['ci_high']:.4g}" in line
    assert f"{int(row['n'])} {row['n_unit']}" in line


def test_banner_bibliography_and_glued_numbers_are_in_the_pdf(pdf_text, built_book, book_pdf):
    assert pdf_text.count("Simulated example data") >= len(toc_chapters()) - 1  # all but the real-data chapter
    assert "Real measurements" in pdf_text
    assert "Watanabe" in pdf_text and "Proceedings of the National Academy of Sciences" in pdf_text
    results = pd.read_csv(built_book / "html" / "results.csv").set_index(["chapter", "key"])
    row = results.loc[("human_tbk1", "featured_ratio")]
    assert f"{row['value']:.2f} (95% CI {row['ci_low']:.2f} to" in pdf_text
    log = (built_book / ".pdf-assembled" / "_build" / "latex" / "book.log").read_text(errors="replace")
    unresolved = re.findall(r"(?:Citation|Reference) `([^']+)' on page \d+ undefined", log)
    assert unresolved == [], f"unresolved citations or references in the PDF: {sorted(set(unresolved))[:10]}"


def test_no_text_is_broken_one_word_per_line(book_pdf):
    """Read with its layout, no page has more than a handful of one-word lines in a row."""
    text = pdftotext(book_pdf)
    worst = []
    for number, page in enumerate(text.split("\f"), start=1):
        run = []
        for line in page.splitlines():
            if not line.strip():
                continue
            if len(line.split()) == 1:
                run.append(line.strip())
                continue
            if len(run) > MAX_ONE_WORD_RUN:
                worst.append((number, run))
            run = []
        if len(run) > MAX_ONE_WORD_RUN:
            worst.append((number, run))
    assert worst == [], f"text broken one word per line: {[(page, run[:8]) for page, run in worst[:5]]}"


def test_figures_and_tables_are_in_the_pdf(book_pdf, pdf_text):
    listing = subprocess.run(["pdfimages", "-list", str(book_pdf)], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    assert len(listing) >= 20, f"only {len(listing)} images in the PDF"
    assert "ratio ci low" in pdf_text or "ratio_ci_low" in pdf_text  # a chapter table, in its plain LaTeX form


def test_pages_render_to_images(book_pdf, tmp_path):
    """The first pages carry dark text, and the page of the first figure carries colour."""
    from PIL import Image

    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "6", str(book_pdf), str(tmp_path / "page")],
                   check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 6
    inked = [Image.open(p).convert("L").getextrema()[0] < 100 for p in pages]
    assert sum(inked) >= 4, "most rendered pages show no text"
    listing = subprocess.run(["pdfimages", "-list", str(book_pdf)], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    first = int(listing[0].split()[0])
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(first), "-l", str(first), str(book_pdf),
                    str(tmp_path / "figure")], check=True)
    (figure_page,) = tmp_path.glob("figure*.png")
    import numpy as np

    hsv = np.asarray(Image.open(figure_page).convert("HSV"))
    coloured = int(((hsv[..., 1] > 80) & (hsv[..., 2] > 60)).sum())
    assert coloured > 200, f"page {first} shows no coloured figure"
