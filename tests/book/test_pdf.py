"""The PDF of the book (`make test-pdf`; not part of `make test`: the LaTeX run adds minutes).

The PDF is built by :func:`helpers.build.pdf.build_pdf` from the staged, executed
book of the session's HTML build. Its text (``pdftotext``) must hold every
chapter's title, the simulated-data banner, glued numbers with the values of the
results ledger, the ledger page and the bibliography; its images (``pdfimages``)
the book's figures; and pages turned into PNG (``pdftoppm``) must show something.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from helpers.build.citation import toc_chapters

pytestmark = [pytest.mark.slow, pytest.mark.pdf]


@pytest.fixture(scope="module")
def book_pdf(built_book: Path) -> Path:
    from helpers.build.pdf import build_pdf

    return build_pdf(built_book, html=False)


@pytest.fixture(scope="module")
def pdf_text(book_pdf: Path) -> str:
    text = subprocess.run(["pdftotext", "-layout", str(book_pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return re.sub(r"\s+", " ", text.replace("\u2212", "-"))


def test_the_pdf_is_written_where_make_pdf_says(book_pdf, built_book):
    assert book_pdf == built_book / "pdf" / "book.pdf"
    assert book_pdf.read_bytes()[:5] == b"%PDF-"


def test_every_chapter_is_in_the_pdf(pdf_text):
    missing = [title for _, title in toc_chapters() if re.sub(r"\s+", " ", title) not in pdf_text]
    assert missing == [], f"chapters missing from the PDF: {missing}"


def test_banner_ledger_bibliography_and_glued_numbers_are_in_the_pdf(pdf_text, built_book):
    assert pdf_text.count("Simulated example data") >= len(toc_chapters()) - 1  # all but the real-data chapter
    assert "Real measurements" in pdf_text
    assert "Results ledger" in pdf_text
    assert "Watanabe" in pdf_text and "Proceedings of the National Academy of Sciences" in pdf_text
    results = pd.read_csv(built_book / "html" / "results.csv").set_index(["chapter", "key"])
    row = results.loc[("human_tbk1", "featured_ratio")]
    assert f"{row['value']:.2f} (95% CI {row['ci_low']:.2f} to" in pdf_text


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
