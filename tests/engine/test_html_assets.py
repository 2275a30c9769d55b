"""The book's own fixes to its pages: accessible tables and bibliography, theme templates, citation metadata."""

from __future__ import annotations

import json
import re

import nbformat

from helpers.engine.citation import ChapterCitation, highwire_tags, load_book_meta
from helpers.engine.html_assets import (
    THEME_TEMPLATES,
    bibliography_list_items,
    chapter_citation,
    citation_head,
    label_table_regions,
)
from helpers.engine.provenance import MARK

REPORT_TABLE = ('<div class="table-scroll" role="region" tabindex="0" aria-label="Table of genotype, ratio">'
                '<table><thead><tr><th>genotype</th><th>ratio</th></tr></thead><tbody></tbody></table></div>')
THEME_TABLE = ('<div class="pst-scrollable-table-container"><table class="table"><caption><span class="caption-text">'
               'Data files</span></caption><thead><tr><th>file</th></tr></thead></table></div>')


def test_every_table_region_gets_a_label_unique_on_its_page():
    body = label_table_regions(REPORT_TABLE + REPORT_TABLE + THEME_TABLE)
    labels = re.findall(r'aria-label="([^"]*)"', body)
    assert labels == ["Table 1: genotype, ratio", "Table 2: genotype, ratio", "Table 3: Data files"]
    assert body.count('role="region"') == 3 and len(set(labels)) == 3


def test_bibliography_entries_are_list_items():
    body = '<div role="list" class="citation-list"><div class="citation" id="x" role="doc-biblioentry">A</div></div>'
    assert bibliography_list_items(body) == body.replace("doc-biblioentry", "listitem")


def test_the_theme_templates_name_buttons_by_what_they_show():
    search = (THEME_TEMPLATES / "search-button-field.html").read_text(encoding="utf-8")
    assert "aria-label" not in search.split("#}")[-1] and 'aria-hidden="true"><kbd' in search
    switch = (THEME_TEMPLATES / "theme-switcher.html").read_text(encoding="utf-8")
    assert " title=" not in switch.split("#}")[-1] and switch.count('aria-hidden="true"') == 3
    assert "<nav" in (THEME_TEMPLATES / "book-logo.html").read_text(encoding="utf-8")


def test_a_chapter_page_head_carries_highwire_tags_and_json_ld(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata[MARK] = {"chapter": "mini", "docname": "chapters/mini", "title": "A small chapter?",
                         "commit": "0123456789ab", "date": "2026-03-04"}
    path = tmp_path / "mini.ipynb"
    nbformat.write(nb, str(path))
    chapter = chapter_citation(path)
    assert chapter == ChapterCitation("mini", "chapters/mini", "A small chapter?", "0123456789ab")
    assert chapter_citation(tmp_path / "intro.md") is None
    meta = load_book_meta(config={"repository": {"url": "https://github.com/Lab/mam-book"}})
    head = citation_head(meta, chapter)
    tags = dict(re.findall(r'<meta name="(citation_[a-z_]+)" content="([^"]*)"', head))
    assert tags["citation_title"] == "A small chapter?" and tags["citation_book_title"] == meta.title
    assert tags["citation_publication_date"] == meta.date_released.replace("-", "/")  # the release, not 2026-03-04
    assert tags["citation_public_url"] == "https://lab.github.io/mam-book/chapters/mini.html"
    assert tags["citation_version"] == meta.version and tags["citation_author"] == meta.authors[0].display()
    data = json.loads(head.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0])
    assert data["@type"] == "Chapter" and data["isPartOf"]["@type"] == "Book"
    assert data["author"] == [{"@type": "Organization", "name": meta.authors[0].name}]
    assert data["datePublished"] == meta.date_released and data["url"] == tags["citation_public_url"]
    assert [n for n, _ in highwire_tags(meta, chapter)].count("citation_author") == len(meta.authors)


def test_a_theme_template_edit_renders_the_book_again(tmp_path, monkeypatch):
    """The no-op check of the renderer hashes the templates too (the package fingerprint covers *.py only)."""
    from types import SimpleNamespace

    from helpers.engine import render

    folder = tmp_path / "theme"
    folder.mkdir()
    (folder / "search-button-field.html").write_text("<button>Search</button>", encoding="utf-8")
    monkeypatch.setattr(render, "THEME_TEMPLATES", folder)
    book = SimpleNamespace(html_dir=tmp_path / "html")  # all the fingerprint reads of a Book
    before = render.book_fingerprint(book, {"intro.md": "x"}, "abc")
    (folder / "search-button-field.html").write_text("<button>Find</button>", encoding="utf-8")
    assert render.book_fingerprint(book, {"intro.md": "x"}, "abc") != before
