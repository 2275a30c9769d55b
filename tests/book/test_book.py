"""The built book: pages exist, no error output, numbers glued, results table published."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from helpers.engine.notebooks import chapter_notebooks

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
    from helpers.report.ledger.files import (
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
        assert "Cite this chapter" in shown and "@misc{" in shown, name
        assert "Reproduce this chapter" in shown and f"papermill chapters/{name}.ipynb" in shown, name
        figures = len(re.findall(r'<img[^>]+src="\.\./_images/', text))
        assert text.count("Provenance of this figure") == figures, name


def test_every_published_figure_file_is_shown_on_a_page(built_book):
    html_dir = built_book / "html"
    text = "\n".join(p.read_text(encoding="utf-8") for p in html_dir.rglob("*.html"))
    files = sorted(p.name for p in (html_dir / "_images").iterdir())
    assert len(files) >= 12
    assert [name for name in files if f"_images/{name}" not in text] == []


def test_no_page_shows_a_raw_value(built_book, tmp_path):
    """No None, nan, inf, <NA>, Python tuple or "index" header on any page; and the scan finds them when there."""
    import shutil

    from helpers.engine.page_values import raw_values

    html_dir = built_book / "html"
    assert raw_values(html_dir) == [], "\n".join(map(str, raw_values(html_dir)))
    copy = tmp_path / "html"
    shutil.copytree(html_dir, copy, ignore=shutil.ignore_patterns("_images", "_static", "_downloads", "_sources"))
    page = copy / "chapters" / "own_data.html"
    injected = ("<p>parameters seed=None · interval (0.2732882027604383, inf)</p>"
                "<table><thead><tr><th>index</th><th>n</th></tr></thead><tbody><tr><td>3</td><td>&lt;NA&gt;</td></tr>"
                "</tbody></table>")
    page.write_text(page.read_text(encoding="utf-8").replace("</main>", injected + "</main>", 1), encoding="utf-8")
    kinds = {(v.page, v.kind) for v in raw_values(copy)}
    assert kinds == {("chapters/own_data.html", k) for k in ("raw value", "raw table cell", "index header")}


def test_every_chapter_page_is_citable_by_a_reference_manager(built_book):
    """Highwire tags and JSON-LD in the head (Zotero, Google Scholar), the citation files beside the page."""
    import json

    from helpers.engine.citation import citation_file_names, load_book_meta

    meta = load_book_meta()
    for name, page in _pages(built_book / "html").items():
        text = page.read_text(encoding="utf-8")
        head = text.split("</head>", 1)[0]
        tags = dict(re.findall(r'<meta name="(citation_[a-z_]+)" content="([^"]*)"', head))
        assert tags["citation_book_title"] == html.escape(meta.title, quote=True), name
        assert tags["citation_publication_date"] == meta.date_released.replace("-", "/"), name
        assert tags["citation_version"] == meta.version and tags["citation_title"], name
        data = json.loads(head.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0])
        assert data["@type"] == "Chapter" and data["datePublished"] == meta.date_released, name
        for file in citation_file_names(name).values():
            assert (page.parent / file).is_file() and f'href="{file}" download' in text, (name, file)
