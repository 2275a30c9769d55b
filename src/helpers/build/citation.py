"""How to cite the book and each chapter, from one source: ``CITATION.cff``.

``CITATION.cff`` holds the book's title, authors, version, release date and URL.
From it this module derives

* the "Cite this chapter" text of every chapter: an APA-style reference
  (:func:`apa_citation`) and a BibTeX ``@incollection`` entry (:func:`bibtex_entry`);
* the Zenodo deposit metadata ``.zenodo.json`` (:func:`zenodo_metadata`), which
  lists every chapter of ``_toc.yml`` as a part of the book (relation ``hasPart``).

``python -m helpers zenodo`` rewrites ``.zenodo.json`` after a chapter was
added or ``CITATION.cff`` changed; ``--check`` only reports whether it is current.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from helpers.build.notebooks import toc_chapters
from helpers.core.paths import CITATION_FILE, ROOT

ZENODO_FILE = ROOT / ".zenodo.json"


@dataclass(frozen=True)
class Author:
    """One author: a person (``family``, ``given``) or an entity (``name`` only)."""

    family: str = ""
    given: str = ""
    name: str = ""
    orcid: str = ""
    affiliation: str = ""

    @property
    def is_entity(self) -> bool:
        return not self.family

    def apa(self) -> str:
        """Return the name as APA writes it: ``Family, G. N.`` or the entity's name.

        >>> Author(family="Lord", given="Samuel J.").apa()
        'Lord, S. J.'
        """
        if self.is_entity:
            return self.name
        initials = " ".join(f"{part[0]}." for part in re.split(r"[\s.]+", self.given) if part)
        return f"{self.family}, {initials}" if initials else self.family

    def bibtex(self) -> str:
        """Return the name for a BibTeX author list (an entity is braced, so it is not split).

        >>> Author(name="The Lab").bibtex()
        '{The Lab}'
        """
        if self.is_entity:
            return "{" + self.name + "}"
        return f"{self.family}, {self.given}" if self.given else self.family

    def display(self) -> str:
        """Return ``Given Family`` (or the entity's name), as pybtex renders it."""
        return self.name if self.is_entity else " ".join(p for p in (self.given, self.family) if p)


@dataclass(frozen=True)
class BookMeta:
    """The book's citation metadata, read from ``CITATION.cff``."""

    title: str
    version: str
    date_released: str
    authors: tuple[Author, ...]
    url: str
    repository: str
    license: str
    keywords: tuple[str, ...] = ()
    doi: str = ""


@dataclass(frozen=True)
class ChapterCitation:
    """What identifies one rendered chapter: its page, title, date and commit."""

    chapter: str
    docname: str
    title: str
    date: str
    commit: str


def load_book_meta(path: Path = CITATION_FILE) -> BookMeta:
    """Read ``CITATION.cff`` into a :class:`BookMeta`."""
    cff = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    authors = tuple(
        Author(
            family=a.get("family-names", ""),
            given=a.get("given-names", ""),
            name=a.get("name", ""),
            orcid=a.get("orcid", ""),
            affiliation=a.get("affiliation", ""),
        )
        for a in cff["authors"]
    )
    return BookMeta(
        title=cff["title"],
        version=str(cff["version"]),
        date_released=str(cff["date-released"]),
        authors=authors,
        url=cff["url"].rstrip("/"),
        repository=cff["repository-code"].rstrip("/"),
        license=cff.get("license", ""),
        keywords=tuple(cff.get("keywords", [])),
        doi=cff.get("doi", ""),
    )


def chapter_url(meta: BookMeta, docname: str) -> str:
    """Return the stable URL of a page of the published book.

    >>> meta = BookMeta("T", "1", "2026-01-01", (), "https://x.org/book", "", "")
    >>> chapter_url(meta, "chapters/a")
    'https://x.org/book/chapters/a.html'
    """
    return f"{meta.url}/{docname}.html"


def source_url(meta: BookMeta, path: str, commit: str) -> str:
    """Return the URL of a source file at *commit* (or on the default branch if the tree was dirty)."""
    ref = commit if re.fullmatch(r"[0-9a-f]{7,40}", commit or "") else "main"
    return f"{meta.repository}/blob/{ref}/{path}"


def _apa_authors(authors: tuple[Author, ...]) -> str:
    names = [a.apa() for a in authors]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + ", & " + names[-1]


def apa_citation(meta: BookMeta, chapter: ChapterCitation) -> str:
    """Return an APA-style reference to one chapter (Markdown: the book title in italics)."""
    authors = _apa_authors(meta.authors)
    if not authors.endswith("."):
        authors += "."
    year = chapter.date[:4]
    commit = f", commit {chapter.commit[:12]}" if chapter.commit else ""
    return (
        f"{authors} ({year}). {chapter.title}. In *{meta.title}* "
        f"(Version {meta.version}{commit}). {chapter_url(meta, chapter.docname)}"
    )


_BIBTEX_SPECIAL = str.maketrans({c: "\\" + c for c in "&%$#_"})


def _bibtex_text(text: str) -> str:
    """Escape the characters BibTeX treats as special, and braces."""
    text = text.replace("{", "").replace("}", "")
    return text.translate(_BIBTEX_SPECIAL)


def bibtex_key(meta: BookMeta, chapter: str) -> str:
    """Return the citation key of a chapter: book slug, chapter and version.

    >>> meta = BookMeta("T", "0.1.0", "2026-01-01", (), "https://x.org", "", "")
    >>> bibtex_key(meta, "human_tbk1")
    'mamtbk1book:human_tbk1:v0.1.0'
    """
    return f"mamtbk1book:{chapter}:v{meta.version}"


def bibtex_entry(meta: BookMeta, chapter: ChapterCitation) -> str:
    """Return a BibTeX ``@incollection`` entry for one chapter."""
    fields = [
        ("author", " and ".join(a.bibtex() for a in meta.authors)),
        ("title", "{" + _bibtex_text(chapter.title) + "}"),
        ("booktitle", "{" + _bibtex_text(meta.title) + "}"),
        ("year", chapter.date[:4]),
        ("date", chapter.date),
        ("version", meta.version),
        ("url", chapter_url(meta, chapter.docname)),
    ]
    if meta.doi:
        fields.append(("doi", meta.doi))
    note = f"Executed notebook chapters/{chapter.chapter}.ipynb"
    if chapter.commit:
        note += f", commit {chapter.commit}"
    fields.append(("note", _bibtex_text(note)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@incollection{{{bibtex_key(meta, chapter.chapter)},\n{body}\n}}"


def zenodo_metadata(meta: BookMeta, chapters: list[tuple[str, str]], references: list[str] = ()) -> dict:
    """Return the ``.zenodo.json`` deposit metadata: the book, its chapters as parts, its literature."""
    creators = []
    for a in meta.authors:
        creator = {"name": a.name if a.is_entity else f"{a.family}, {a.given}".rstrip(", ")}
        if a.orcid:
            creator["orcid"] = a.orcid.removeprefix("https://orcid.org/")
        if a.affiliation:
            creator["affiliation"] = a.affiliation
        creators.append(creator)
    related = [
        {"identifier": chapter_url(meta, doc), "relation": "hasPart", "resource_type": "publication-section",
         "scheme": "url"}
        for doc, _ in chapters
    ]
    related.append({"identifier": meta.repository, "relation": "isSupplementedBy", "scheme": "url"})
    related += [{"identifier": doi, "relation": "references", "scheme": "doi"} for doi in references]
    chapter_list = "".join(f"<li>{title}</li>" for _, title in chapters)
    return {
        "title": meta.title,
        "upload_type": "publication",
        "publication_type": "book",
        "version": meta.version,
        "publication_date": meta.date_released,
        "creators": creators,
        "description": (
            "An open, reproducible analysis book built with Jupyter Book and papermill. "
            "Its example data are simulated by the project's own code; nothing in it is a "
            f"finding about patients or mice. Chapters:<ul>{chapter_list}</ul>"
        ),
        "license": meta.license,
        "keywords": list(meta.keywords),
        "related_identifiers": related,
    }


def bib_dois(bib_file: Path = ROOT / "references.bib") -> list[str]:
    """Return the DOIs of ``references.bib``, in file order."""
    from pybtex.database import parse_file

    data = parse_file(str(bib_file), bib_format="bibtex")
    return [e.fields["doi"] for e in data.entries.values() if "doi" in e.fields]


def expected_zenodo(root: Path = ROOT) -> dict:
    """Return what ``.zenodo.json`` should hold for the current ``CITATION.cff`` and ``_toc.yml``."""
    bib = root / "references.bib"
    return zenodo_metadata(
        load_book_meta(root / CITATION_FILE.name), toc_chapters(root), bib_dois(bib) if bib.is_file() else []
    )


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m helpers zenodo [--check]``."""
    parser = argparse.ArgumentParser(prog="python -m helpers zenodo", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    z = sub.add_parser("zenodo", help="write .zenodo.json from CITATION.cff, _toc.yml and references.bib")
    z.add_argument("--check", action="store_true", help="only report whether .zenodo.json is current")
    args = parser.parse_args(argv)
    text = json.dumps(expected_zenodo(), indent=2, ensure_ascii=False) + "\n"
    current = ZENODO_FILE.read_text(encoding="utf-8") if ZENODO_FILE.is_file() else ""
    if args.check:
        if current != text:
            print(".zenodo.json is out of date; run: .venv/bin/python -m helpers zenodo")
            return 1
        print(".zenodo.json is current")
        return 0
    ZENODO_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {ZENODO_FILE.relative_to(ROOT)}")
    return 0

