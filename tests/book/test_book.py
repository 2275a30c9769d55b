"""The built book: pages exist, no error output, numbers glued, results table published."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from helpers.build.notebooks import chapter_notebooks

pytestmark = pytest.mark.slow


def _pages(html):
    return {nb.stem: html / "chapters" / f"{nb.stem}.html" for nb in chapter_notebooks()}


def test_every_chapter_page_and_the_index_exist(built_book):
    html = built_book / "html"
    assert (html / "index.html").is_file() and (html / "intro.html").is_file()
    for name, page in _pages(html).items():
        assert page.is_file(), f"no page for {name}"


def test_no_page_shows_a_traceback_or_error(built_book):
    for page in (built_book / "html").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for marker in ("Traceback (most recent call last)", 'class="output traceback"', "output_stderr",
                       "Error: ", "glue key", "not found"):
            assert marker not in text, f"{page.name} contains {marker!r}"


def test_every_chapter_shows_the_data_banner_and_its_glued_numbers(built_book):
    results = pd.read_csv(built_book / "html" / "results.csv")
    for name, page in _pages(built_book / "html").items():
        text = page.read_text(encoding="utf-8")
        chapter = results[results["chapter"] == name]
        assert len(chapter) > 0, f"{name} reported no results"
        if set(chapter["data"]) == {"real"}:  # the bundled published measurements (data/real/)
            figures = re.findall(r'<img [^>]*alt="([^"]*)"[^>]*src="[^"]*_images/', text)
            assert "Real measurements" in text and "Simulated example data" not in text, name
            assert "Cite the data as well" in text and "CC BY-SA 4.0" in text, name
            assert figures and all("real measurements" in alt and "simulated" not in alt.lower()
                                   for alt in figures), f"{name}: a figure lacks its source line"
            continue
        assert set(chapter["data"]) == {"simulated"}, name
        assert "Simulated example data" in text, f"{name} lacks the banner"
        # Every figure of the page says so too (its stamp, described in its alt text).
        figures = re.findall(r'<img [^>]*alt="([^"]*)"[^>]*src="[^"]*_images/', text)
        assert all("simulated example data" in alt.lower() for alt in figures), f"{name}: a figure lacks the stamp"


def test_glued_values_appear_in_the_prose(built_book):
    results = pd.read_csv(built_book / "html" / "results.csv").set_index(["chapter", "key"])
    text = re.sub(r"<[^>]+>", "", (built_book / "html" / "chapters" / "human_tbk1.html").read_text())
    value = results.loc[("human_tbk1", "featured_ratio"), "value"]
    low = results.loc[("human_tbk1", "featured_ratio"), "ci_low"]
    assert f"{value:.2f} (95% CI {low:.2f} to" in text


def test_results_table_is_published_with_every_column(built_book):
    results = pd.read_csv(built_book / "html" / "results.csv")
    json_results = pd.read_json(built_book / "html" / "results.json")
    assert len(results) == len(json_results) > 0
    for col in ("chapter", "key", "value", "ci_low", "ci_high", "n", "unit", "method"):
        assert col in results.columns


def test_the_built_book_reproduces_the_committed_reference_ledger(built_book):
    """`make check-results` inside `make test`: every number of a clean build matches the reference."""
    from helpers.build.ledger_io import (
        REFERENCE_FILE,
        TOLERANCE_FILE,
        compare_ledgers,
        format_differences,
        incomplete_rows,
        load_tolerances,
        read_ledger,
    )

    new = read_ledger(built_book / "html" / "results.csv")
    reference = read_ledger(REFERENCE_FILE)
    diffs = compare_ledgers(reference, new, load_tolerances(TOLERANCE_FILE))
    assert diffs == [], format_differences(diffs, reference, new)
    assert incomplete_rows(new) == []
    assert set(new["chapter"]) == {nb.stem for nb in chapter_notebooks()}


def test_every_chapter_page_has_cite_and_reproduce_boxes_and_figure_provenance(built_book):
    for name, page in _pages(built_book / "html").items():
        text = page.read_text(encoding="utf-8")
        shown = html.unescape(re.sub(r"<[^>]+>", "", text))
        assert "Cite this chapter" in shown and "@incollection{" in shown, name
        assert "Reproduce this chapter" in shown and f"papermill chapters/{name}.ipynb" in shown, name
        figures = len(re.findall(r'<img[^>]+src="\.\./_images/', text))
        assert text.count("Provenance of this figure") == figures, name


def test_every_published_figure_file_is_shown_on_a_page(built_book):
    html_dir = built_book / "html"
    text = "\n".join(p.read_text(encoding="utf-8") for p in html_dir.rglob("*.html"))
    files = sorted(p.name for p in (html_dir / "_images").iterdir())
    assert len(files) >= 12
    assert [name for name in files if f"_images/{name}" not in text] == []
