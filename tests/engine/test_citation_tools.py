"""The book's citations as the tools of its readers read them.

Not string comparisons: every format goes through a real consumer. The chapter
BibTeX through biber's data model (biblatex) and BibTeX's standard styles;
``CITATION.cff`` through cffconvert and Citation.js; the chapter RIS and
CSL-JSON through Citation.js (Zotero's formats) and citeproc-py. ``make
citation-deps`` installs the tools (``make test`` does it first): biber and
BibTeX from Debian, cffconvert in its own venv, Citation.js from npm.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from pybtex.database import parse_string

from helpers.core.paths import CITATION_FILE, ROOT
from helpers.engine.citation import (
    ChapterCitation,
    bibtex_entry,
    citation_file_names,
    citation_files,
    csl_item,
    load_book_meta,
    ris_record,
)

NODE_MODULES = ROOT / ".venv" / "node" / "node_modules"
CFFCONVERT = ROOT / ".venv" / "cffconvert" / "bin" / "cffconvert"
PUBLISHED = {"repository": {"url": "https://github.com/Lab/mam-book"}}
UNPUBLISHED = {"repository": {"url": ""}}
CHAPTER = ChapterCitation("human_tbk1", "chapters/human_tbk1", "TBK1 activation in human ALS: what do the blots say?",
                          "0123456789abcdef0123456789abcdef01234567")
ENTITY = "The MAM–TBK1 analysis book authors"


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is not installed: run `make citation-deps`"
    return path


def _meta(config: dict):
    return load_book_meta(config=config)


# --------------------------------------------------------------------------- biber (biblatex)
def _biber_warnings(bib: str, tmp_path: Path) -> list[str]:
    source = tmp_path / "chapter.bib"
    source.write_text(bib, encoding="utf-8")
    proc = subprocess.run([_tool("biber"), "--tool", "--validate-datamodel", "--output-file",
                           str(tmp_path / "out.bib"), str(source)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return [line for line in (proc.stdout + proc.stderr).splitlines() if line.startswith(("WARN", "ERROR"))]


@pytest.mark.parametrize("config", [PUBLISHED, UNPUBLISHED], ids=["published", "unpublished"])
def test_chapter_bibtex_passes_bibers_data_model_without_a_warning(config, tmp_path):
    assert _biber_warnings(bibtex_entry(_meta(config), CHAPTER), tmp_path) == []


def test_biber_does_report_the_old_incollection_entry(tmp_path):
    """The check can fail: the entry the book used to write (``@incollection`` with ``howpublished``)."""
    old = ("@incollection{k,\n  author = {{The Lab}},\n  title = {T},\n  booktitle = {B},\n  year = {2026},\n"
           "  version = {0.1.0},\n  howpublished = {Unpublished}\n}\n")
    warnings = _biber_warnings(old, tmp_path)
    assert any("Invalid field 'version'" in w for w in warnings)
    assert any("Missing mandatory field 'editor'" in w for w in warnings)


# --------------------------------------------------------------------------- BibTeX's standard styles
def _bibtex(bib: str, style: str, tmp_path: Path) -> tuple[str, str]:
    (tmp_path / "chapter.bib").write_text(bib, encoding="utf-8")
    (tmp_path / "doc.aux").write_text(f"\\relax\n\\citation{{*}}\n\\bibdata{{chapter}}\n\\bibstyle{{{style}}}\n",
                                      encoding="utf-8")
    proc = subprocess.run([_tool("bibtex"), "doc"], capture_output=True, text=True, cwd=tmp_path)
    log = proc.stdout + (tmp_path / "doc.blg").read_text(encoding="utf-8", errors="replace")
    return log, (tmp_path / "doc.bbl").read_text(encoding="utf-8")


@pytest.mark.parametrize("style", ["plain", "unsrt", "alpha", "abbrv", "apalike"])
def test_standard_bibtex_styles_print_version_date_and_entity_without_a_warning(style, tmp_path):
    meta = _meta(PUBLISHED)
    log, bbl = _bibtex(bibtex_entry(meta, CHAPTER), style, tmp_path)
    assert "Warning" not in log and "error" not in log.lower(), log
    text = " ".join(bbl.split())
    assert f"version {meta.version}" in text and meta.date_released[:4] in text
    assert "{" + ENTITY + "}" in text  # the authors stay one name (no "A. authors")
    assert "what do the blots say?" in text


def test_pybtex_reads_the_authors_as_one_entity():
    entry = next(iter(parse_string(bibtex_entry(_meta(PUBLISHED), CHAPTER), "bibtex").entries.values()))
    (person,) = entry.persons["author"]
    assert person.first_names == [] and person.last_names == ["{" + ENTITY + "}"]


# --------------------------------------------------------------------------- CSL-JSON and RIS
def test_csl_json_is_rendered_by_citeproc_py():
    import citeproc
    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        CitationStylesStyle,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON

    meta = _meta(PUBLISHED)
    item = json.loads(citation_files(meta, CHAPTER)[citation_file_names("human_tbk1")["CSL-JSON"]])[0]
    assert item == csl_item(meta, CHAPTER)
    style_file = next((Path(citeproc.__file__).parent / "data" / "styles").glob("*.csl"))
    bibliography = CitationStylesBibliography(CitationStylesStyle(str(style_file), validate=False),
                                              CiteProcJSON([item]), formatter.plain)
    bibliography.register(Citation([CitationItem(item["id"])]))
    (text,) = [str(entry) for entry in bibliography.bibliography()]
    assert text.startswith(f"{ENTITY} ({meta.date_released[:4]})")
    assert CHAPTER.title in text and meta.title in text and "https://lab.github.io/mam-book/chapters/human_tbk1.html" in text


def _citation_js(script: str, *args: str) -> dict | list:
    assert (NODE_MODULES / "@citation-js" / "core").is_dir(), "Citation.js is not installed: run `make citation-deps`"
    prelude = ("const { Cite } = require('@citation-js/core');"
               "['software-formats', 'bibtex', 'csl', 'ris'].forEach(p => require('@citation-js/plugin-' + p));"
               "const fs = require('fs');")
    proc = subprocess.run([_tool("node"), "-e", prelude + script, *args], capture_output=True, text=True,
                          env={"NODE_PATH": str(NODE_MODULES), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


_READ = ("const out = process.argv.slice(1).map(f => { const c = new Cite(fs.readFileSync(f, 'utf8'));"
         " return {data: c.data, apa: c.format('bibliography', {format: 'text', template: 'apa'}),"
         " bibtex: c.format('bibtex')}; }); console.log(JSON.stringify(out));")


def test_the_ris_and_csl_downloads_are_read_by_citation_js(tmp_path):
    meta = _meta(PUBLISHED)
    files = citation_files(meta, CHAPTER)
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    names = citation_file_names("human_tbk1")
    ris, csl = _citation_js(_READ, str(tmp_path / names["RIS"]), str(tmp_path / names["CSL-JSON"]))
    for parsed in (ris, csl):
        (item,) = parsed["data"]
        assert item["type"] == "chapter" and item["author"] == [{"literal": ENTITY}]
        assert (item["title"], item["container-title"]) == (CHAPTER.title, meta.title)
        assert item["issued"]["date-parts"][0][0] == int(meta.date_released[:4])
        assert item["URL"] == "https://lab.github.io/mam-book/chapters/human_tbk1.html"
        assert f"(Version {meta.version})" in parsed["apa"] and "say? In " in parsed["apa"]
    assert ris_record(meta, CHAPTER).splitlines()[:2] == ["TY  - CHAP", f"AU  - {ENTITY}"]


# --------------------------------------------------------------------------- CITATION.cff
def _cffconvert(*args: str) -> str:
    assert CFFCONVERT.is_file(), "cffconvert is not installed: run `make citation-deps`"
    proc = subprocess.run([str(CFFCONVERT), "-i", str(CITATION_FILE), *args], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_citation_cff_is_valid_and_its_apa_and_ris_conversions_name_the_entity():
    cff = yaml.safe_load(CITATION_FILE.read_text(encoding="utf-8"))
    assert cff["authors"] == [{"name": ENTITY}]  # an entity, not given/family names
    assert "valid according to schema version 1.2.0" in _cffconvert("--validate")
    assert _cffconvert("-f", "apalike").startswith(f"{ENTITY} ({str(cff['date-released'])[:4]}). {cff['title']}")
    ris = _cffconvert("-f", "ris").splitlines()
    assert [line for line in ris if line.startswith("AU  - ")] == [f"AU  - {ENTITY}"]
    assert f"PY  - {str(cff['date-released'])[:4]}" in ris
    # cffconvert 2.0.0 (the latest release) writes an entity's name into BibTeX without the braces that keep it
    # one name (fixed upstream in 2023, not released); Citation.js, below, writes them.
    bib = _cffconvert("-f", "bibtex")
    assert ENTITY in bib and f"year = {{{str(cff['date-released'])[:4]}}}" in bib


def test_citation_js_reads_citation_cff_formats_it_and_braces_the_entity():
    """Citation.js crashed on the integer volume and issue of a reference (CFF allows strings: they are)."""
    cff = yaml.safe_load(CITATION_FILE.read_text(encoding="utf-8"))
    for reference in cff.get("references", []):
        assert all(isinstance(reference[k], str) for k in ("volume", "issue") if k in reference)
    (parsed,) = _citation_js(_READ, str(CITATION_FILE))
    book = parsed["data"][0]
    assert book["author"] == [{"literal": ENTITY}] and book["version"] == str(cff["version"])
    assert book["issued"]["date-parts"][0] == [int(p) for p in str(cff["date-released"]).split("-")]
    assert f"author = {{{{{ENTITY}}}}}" in parsed["bibtex"]
    assert "120(47)" in parsed["apa"]  # the first reference's volume and issue
    entry = next(iter(parse_string(parsed["bibtex"], "bibtex").entries.values()))
    assert entry.persons["author"][0].last_names == ["{" + ENTITY + "}"]
