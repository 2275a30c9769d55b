"""Citation metadata: the chapter BibTeX parses and agrees with CITATION.cff; .zenodo.json and the literature."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
import yaml
from pybtex.database import parse_string

from helpers.core.paths import CITATION_FILE, ROOT
from helpers.engine.citation import (
    Author,
    ChapterCitation,
    apa_citation,
    bibtex_entry,
    bibtex_key,
    chapter_url,
    cite_markdown,
    expected_zenodo,
    load_book_meta,
    source_markdown,
    toc_chapters,
    zenodo_metadata,
)

CHAPTER = ChapterCitation("human_tbk1", "chapters/human_tbk1", "TBK1 activation in human ALS tissue & more_x",
                          "0123456789abcdef0123456789abcdef01234567")
CITE_ROLE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")


def _cff():
    return yaml.safe_load(CITATION_FILE.read_text(encoding="utf-8"))


def _person_names(entry) -> list[str]:
    """Render pybtex persons as 'Given Family' (an entity is one braced last name)."""
    names = []
    for person in entry.persons["author"]:
        parts = person.first_names + person.middle_names + person.prelast_names + person.last_names
        names.append(" ".join(parts).replace("{", "").replace("}", ""))
    return names


def test_chapter_bibtex_parses_and_agrees_with_citation_cff():
    meta = load_book_meta()
    data = parse_string(bibtex_entry(meta, CHAPTER), "bibtex")
    entry = data.entries[bibtex_key(meta, "human_tbk1")]
    cff = _cff()
    assert entry.type == "misc"
    assert entry.fields["howpublished"] == f"Chapter of \\emph{{{cff['title']}}}, version {cff['version']}"
    assert entry.fields["version"] == str(cff["version"])
    assert entry.fields["title"] == "{TBK1 activation in human ALS tissue \\& more\\_x}"
    expected = [a.get("name") or f"{a['given-names']} {a['family-names']}" for a in cff["authors"]]
    assert _person_names(entry) == expected
    assert entry.fields.get("url", "") == chapter_url(meta, "chapters/human_tbk1")
    # one date: the release date of CITATION.cff
    released = str(cff["date-released"])
    assert (entry.fields["date"], entry.fields["year"]) == (released, released[:4])
    assert CHAPTER.commit in entry.fields["note"]


PUBLISHED = {"repository": {"url": "https://github.com/Lab/mam-book"}}


def test_one_repository_setting_gives_every_address():
    meta = load_book_meta(config=PUBLISHED)
    assert (meta.repository, meta.url, meta.published) == ("https://github.com/Lab/mam-book",
                                                           "https://lab.github.io/mam-book", True)
    entry = parse_string(bibtex_entry(meta, CHAPTER), "bibtex").entries[bibtex_key(meta, "human_tbk1")]
    assert entry.fields["url"] == "https://lab.github.io/mam-book/chapters/human_tbk1.html"
    box = cite_markdown(meta, CHAPTER)
    assert "<https://lab.github.io/mam-book/chapters/human_tbk1.html>" in box and "not published" not in box
    assert source_markdown(meta, "chapters/x.ipynb", CHAPTER.commit) == (
        f"[source notebook](https://github.com/Lab/mam-book/blob/{CHAPTER.commit}/chapters/x.ipynb)")


def test_an_unpublished_book_says_so_and_invents_no_address():
    meta = load_book_meta(config={"repository": {"url": ""}})
    assert (meta.repository, meta.url, meta.published) == ("", "", False)
    box = cite_markdown(meta, CHAPTER)
    assert "not published yet" in box and "http" not in box
    entry = parse_string(bibtex_entry(meta, CHAPTER), "bibtex").entries[bibtex_key(meta, "human_tbk1")]
    assert "url" not in entry.fields and entry.fields["note"].startswith("Not yet published.")
    assert source_markdown(meta, "chapters/x.ipynb", CHAPTER.commit) == "source notebook (`chapters/x.ipynb` in a clone)"
    assert zenodo_metadata(meta, [("chapters/a", "A")])["related_identifiers"] == []


def test_citation_cff_carries_the_repository_setting():
    from helpers.engine.citation import expected_cff, published_urls, read_config

    assert CITATION_FILE.read_text(encoding="utf-8") == expected_cff(), "run: .venv/bin/python -m helpers zenodo"
    repository, url = published_urls(read_config())
    cff = _cff()
    assert (cff.get("repository-code", ""), cff.get("url", "")) == (repository, url)


def test_person_authors_are_split_into_family_and_given(tmp_path):
    cff = _cff()
    cff["authors"] = [{"family-names": "Lord", "given-names": "Samuel J."},
                      {"family-names": "Fritz-Laylin", "given-names": "Lillian K."}]
    path = tmp_path / "CITATION.cff"
    path.write_text(yaml.safe_dump(cff, allow_unicode=True), encoding="utf-8")
    meta = load_book_meta(path)
    entry = next(iter(parse_string(bibtex_entry(meta, CHAPTER), "bibtex").entries.values()))
    assert [p.last_names for p in entry.persons["author"]] == [["Lord"], ["Fritz-Laylin"]]
    assert apa_citation(meta, CHAPTER).startswith("Lord, S. J., & Fritz-Laylin, L. K. (2026). ")


def test_apa_citation_names_authors_year_title_book_version_and_url():
    meta = load_book_meta()
    text = apa_citation(meta, CHAPTER)
    year = meta.date_released[:4]
    assert text.startswith(f"{meta.authors[0].apa()}. ({year}). {CHAPTER.title}. In *{meta.title}* ")
    assert f"(Version {meta.version}, commit {CHAPTER.commit[:12]})" in text
    assert text.endswith(chapter_url(meta, CHAPTER.docname))


def test_a_title_ending_in_a_question_mark_gets_no_period():
    meta = load_book_meta()
    question = ChapterCitation("c", "chapters/c", "TBK1 activation: what do the blots say?", "")
    text = apa_citation(meta, question)
    assert "say? In *" in text and "?." not in text
    box = cite_markdown(meta, question)
    assert "?**.**" not in box and "?." not in box.split("```")[0]


def test_author_formats():
    person = Author(family="Kaplan", given="Edward L.")
    assert (person.apa(), person.bibtex(), person.display()) == ("Kaplan, E. L.", "Kaplan, Edward L.", "Edward L. Kaplan")
    entity = Author(name="The Lab")
    assert (entity.apa(), entity.bibtex(), entity.display()) == ("The Lab", "{The Lab}", "The Lab")


def test_zenodo_json_is_current_and_lists_every_chapter_as_a_part():
    current = json.loads((ROOT / ".zenodo.json").read_text(encoding="utf-8"))
    assert current == expected_zenodo(), "run: .venv/bin/python -m helpers zenodo"
    cff = _cff()
    assert (current["title"], current["version"], current["license"]) == (cff["title"], cff["version"], cff["license"])
    assert [c["name"] for c in current["creators"]] == [a.get("name") or f"{a['family-names']}, {a['given-names']}"
                                                         for a in cff["authors"]]
    parts = [r["identifier"] for r in current["related_identifiers"] if r["relation"] == "hasPart"]
    meta = load_book_meta()
    assert parts == [chapter_url(meta, doc) for doc, _ in toc_chapters() if meta.published]
    assert len(parts) >= 1 or not meta.published  # an unpublished book has no chapter addresses yet
    assert all(f"<li>{title}</li>" in current["description"] for _, title in toc_chapters())


def _bib_entries():
    from pybtex.database import parse_file

    return parse_file(str(ROOT / "references.bib"), bib_format="bibtex").entries


def _cited_keys() -> dict[str, set[str]]:
    """Every key cited with {cite}, {cite:p}, {cite:t} ... in the book's Markdown, by file."""
    cited: dict[str, set[str]] = {}
    pages = [p for p in ROOT.glob("*.md") if p.name not in ("README.md", "CONTRIBUTING.md")]
    for path in [*pages, *(ROOT / "chapters").glob("*.md")]:
        texts = [path.read_text(encoding="utf-8")]
        cited[path.name] = {k.strip() for t in texts for m in CITE_ROLE.findall(t) for k in m.split(",")}
    for path in (ROOT / "chapters").glob("*.ipynb"):
        nb = nbformat.read(str(path), as_version=4)
        texts = [c.source for c in nb.cells if c.cell_type == "markdown"]
        cited[path.name] = {k.strip() for t in texts for m in CITE_ROLE.findall(t) for k in m.split(",")}
    return cited


def test_every_cited_key_is_in_references_bib_with_a_doi():
    entries = _bib_entries()
    cited = _cited_keys()
    assert cited["intro.md"], "intro.md cites nothing"
    for page, keys in cited.items():
        for key in keys:
            assert key in entries, f"{page} cites {key!r}, which references.bib lacks"
            assert "doi" in entries[key].fields, f"{key} has no doi"


@pytest.mark.parametrize("key", sorted(_bib_entries()))
def test_every_reference_has_a_well_formed_doi(key):
    entry = _bib_entries()[key]
    assert re.fullmatch(r"10\.\d{4,9}/\S+", entry.fields.get("doi", "")), f"{key}: bad or missing doi"
    assert entry.fields["title"] and entry.fields["year"] and entry.persons["author"]


def test_the_works_named_in_the_domain_brief_are_in_the_bibliography():
    dois = {e.fields["doi"].lower() for e in _bib_entries().values()}
    for doi in ("10.1073/pnas.2315347120", "10.15252/emmm.201606403", "10.1083/jcb.202001064",
                "10.1186/1471-2202-11-5", "10.3233/jnd-140068", "10.1371/journal.pone.0020582"):
        assert doi in dois


def test_bibliography_page_and_config_are_wired():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["bibtex_bibfiles"] == ["references.bib"]
    assert {"binderhub_url", "colab_url"} <= set(config["launch_buttons"])
    assert "jupyterhub_url" not in config["launch_buttons"]  # no institution's hub: no placeholder
    assert "```{bibliography}" in Path(ROOT / "chapters" / "bibliography.md").read_text(encoding="utf-8")
