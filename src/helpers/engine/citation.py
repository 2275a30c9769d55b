"""How to cite the book and each chapter, from one source: ``CITATION.cff``.

``CITATION.cff`` holds the book's title, authors, version and release date; its
address comes from ONE setting, ``repository.url`` in ``_config.yml`` (the
published address is GitHub Pages of that repository unless ``html.baseurl``
names another, :func:`published_urls`). While the setting is empty the book is
*unpublished*: the cite box says so and no URL is made up. From these this module derives

* the "Cite this chapter" text of every chapter: an APA-style reference
  (:func:`apa_citation`) and a BibTeX ``@misc`` entry (:func:`bibtex_entry`, valid
  in biber's data model and in BibTeX's standard styles), with RIS
  (:func:`ris_record`) and CSL-JSON (:func:`csl_item`) downloads beside it
  (:func:`citation_files`);
* the metadata reference managers read from a chapter page: Highwire Press
  ``citation_*`` meta tags (:func:`highwire_tags`, what Zotero's and Google
  Scholar's translators read) and schema.org JSON-LD (:func:`json_ld`);
* the Zenodo deposit metadata ``.zenodo.json`` (:func:`zenodo_metadata`), which
  lists every chapter of ``_toc.yml`` as a part of the book (relation ``hasPart``).

Every citation of a release carries ONE date, the release date (``date-released``
of ``CITATION.cff``); the day a page was computed is provenance, shown in its
*Reproduce this chapter* box, not part of the reference.

``python -m helpers zenodo`` copies the repository setting into ``CITATION.cff``
(``repository-code``, ``url``) and rewrites ``.zenodo.json`` after a chapter was
added or either file changed; ``--check`` only reports whether both are current.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from helpers.core.paths import CITATION_FILE, CONFIG_FILE, ROOT
from helpers.engine.notebooks import toc_chapters

ZENODO_FILE = ROOT / ".zenodo.json"
#: What the cite box says about the address of a book whose repository setting is empty.
UNPUBLISHED_NOTE = ("This book is not published yet: it has no public address. Cite it once "
                    "`repository.url` in `_config.yml` names its public repository.")


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

    @property
    def published(self) -> bool:
        """True when the book has a public repository and address."""
        return bool(self.repository and self.url)


@dataclass(frozen=True)
class ChapterCitation:
    """What identifies one rendered chapter: its page, title and commit (its date is the book's release)."""

    chapter: str
    docname: str
    title: str
    commit: str


def published_urls(config: dict) -> tuple[str, str]:
    """Return ``(repository URL, published book URL)`` from a ``_config.yml`` mapping ("" when unset).

    >>> published_urls({"repository": {"url": "https://github.com/lab/book/"}})
    ('https://github.com/lab/book', 'https://lab.github.io/book')
    >>> published_urls({"repository": {"url": ""}})
    ('', '')
    >>> published_urls({"repository": {"url": "https://gitlab.com/lab/book"}, "html": {"baseurl": "https://b.org/"}})
    ('https://gitlab.com/lab/book', 'https://b.org')
    """
    repository = str(((config or {}).get("repository") or {}).get("url") or "").strip().rstrip("/")
    base = str(((config or {}).get("html") or {}).get("baseurl") or "").strip().rstrip("/")
    if not repository:
        return "", ""
    if not base:
        match = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?", repository)
        if match:
            owner, name = match.groups()
            base = f"https://{owner.lower()}.github.io" + ("" if name.lower() == f"{owner.lower()}.github.io"
                                                            else f"/{name}")
    return repository, base


def read_config(root: Path = ROOT) -> dict:
    """Return the book's ``_config.yml`` as a mapping (empty if there is none)."""
    path = Path(root) / CONFIG_FILE.name
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {} if path.is_file() else {}


def load_book_meta(path: Path = CITATION_FILE, config: dict | None = None) -> BookMeta:
    """Read ``CITATION.cff`` and the repository setting of ``_config.yml`` into a :class:`BookMeta`.

    *config* (a ``_config.yml`` mapping) defaults to the ``_config.yml`` next to *path*.
    """
    cff = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    repository, url = published_urls(read_config(Path(path).parent) if config is None else config)
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
        url=url,
        repository=repository,
        license=cff.get("license", ""),
        keywords=tuple(cff.get("keywords", [])),
        doi=cff.get("doi", ""),
    )


def chapter_url(meta: BookMeta, docname: str) -> str:
    """Return the stable URL of a page of the published book ("" while the book is unpublished).

    >>> meta = BookMeta("T", "1", "2026-01-01", (), "https://x.org/book", "", "")
    >>> chapter_url(meta, "chapters/a")
    'https://x.org/book/chapters/a.html'
    """
    return f"{meta.url}/{docname}.html" if meta.url else ""


def source_url(meta: BookMeta, path: str, commit: str) -> str:
    """Return the URL of a source file at *commit* (or on the default branch if the tree was dirty); "" if unpublished."""
    if not meta.repository:
        return ""
    ref = commit if re.fullmatch(r"[0-9a-f]{7,40}", commit or "") else "main"
    return f"{meta.repository}/blob/{ref}/{path}"


def repository_markdown(meta: BookMeta) -> str:
    """Return "repository" as Markdown: a link when the book has a public repository, plain text otherwise."""
    return f"[repository]({meta.repository})" if meta.repository else "repository"


def source_markdown(meta: BookMeta, path: str, commit: str) -> str:
    """Return the "source notebook" reference: a link to it at *commit*, or its path in a clone."""
    url = source_url(meta, path, commit)
    return f"[source notebook]({url})" if url else f"source notebook (`{path}` in a clone)"


def _apa_authors(authors: tuple[Author, ...]) -> str:
    names = [a.apa() for a in authors]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + ", & " + names[-1]


def _sentence(text: str) -> str:
    """End *text* with a period unless it already ends with terminal punctuation (APA: no "?.").

    >>> _sentence("What do the blots say?"), _sentence("Lord, S. J."), _sentence("Title")
    ('What do the blots say?', 'Lord, S. J.', 'Title.')
    """
    text = text.rstrip()
    return text if text.endswith((".", "?", "!")) else text + "."


def release_year(meta: BookMeta) -> str:
    """Return the year of the book's release (``date-released``)."""
    return meta.date_released[:4]


def apa_citation(meta: BookMeta, chapter: ChapterCitation) -> str:
    """Return an APA-style reference to one chapter (Markdown: the book title in italics).

    >>> meta = BookMeta("Book", "0.1.0", "2026-11-22", (Author(name="The Lab"),), "https://x.org/b", "", "")
    >>> apa_citation(meta, ChapterCitation("c", "chapters/c", "What do the blots say?", ""))
    'The Lab. (2026). What do the blots say? In *Book* (Version 0.1.0). https://x.org/b/chapters/c.html'
    """
    commit = f", commit {chapter.commit[:12]}" if chapter.commit else ""
    where = chapter_url(meta, chapter.docname) or "Unpublished."
    return (
        f"{_sentence(_apa_authors(meta.authors))} ({release_year(meta)}). {_sentence(chapter.title)} "
        f"In *{meta.title}* (Version {meta.version}{commit}). {where}"
    )


#: What each download of a chapter's citation is called, by file suffix.
CITATION_FORMATS = {".bib": "BibTeX", ".ris": "RIS", ".csl.json": "CSL-JSON"}


def citation_file_names(chapter: str) -> dict[str, str]:
    """Return ``{format name: file name}`` of a chapter's citation downloads (beside its page).

    >>> citation_file_names("human_tbk1")["RIS"]
    'human_tbk1.ris'
    """
    return {name: f"{chapter}{suffix}" for suffix, name in CITATION_FORMATS.items()}


def cite_markdown(meta: BookMeta, chapter: ChapterCitation) -> str:
    """Return the body of a chapter's cite box: the note on an unpublished book, the APA text, the BibTeX,
    and links to the BibTeX, RIS and CSL-JSON files that :func:`citation_files` writes beside the page."""
    url = chapter_url(meta, chapter.docname)
    apa = apa_citation(meta, chapter)
    apa = apa.replace(url, f"<{url}>") if url else apa
    note = "" if meta.published else f"{UNPUBLISHED_NOTE}\n\n"
    links = " · ".join(f'<a href="{file}" download>{name}</a>'
                       for name, file in citation_file_names(chapter.chapter).items())
    # An HTML block: the web page links the files; the PDF, which has no files beside it, leaves it out.
    return (f"{note}{apa}\n\n```bibtex\n{bibtex_entry(meta, chapter)}\n```\n\n"
            f'<p class="cite-downloads">This citation for a reference manager: {links}</p>\n')


def data_cite_markdown(citation: str, url: str = "", licence: str = "") -> str:
    """Return the paragraph a cite box adds for a chapter computed from published data (empty if *citation* is).

    >>> data_cite_markdown("Doe J. (2025). Data. J 1: 2", "https://doi.org/10.1/x", "CC-BY-4.0").split(". ")[0]
    '\\n\\n**Cite the data as well.** This chapter reanalyses published measurements: Doe J'
    """
    if not citation:
        return ""
    return (f"\n\n**Cite the data as well.** This chapter reanalyses published measurements: {citation}."
            + (f" <{url}>" if url else "") + (f" Data licence: {licence}." if licence else ""))


_BIBTEX_SPECIAL = str.maketrans({c: "\\" + c for c in "&%$#_"})
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


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


def _provenance_note(meta: BookMeta, chapter: ChapterCitation) -> str:
    note = "" if chapter_url(meta, chapter.docname) else "Not yet published. "
    note += f"Executed notebook chapters/{chapter.chapter}.ipynb"
    return note + (f", commit {chapter.commit}" if chapter.commit else "")


def bibtex_entry(meta: BookMeta, chapter: ChapterCitation) -> str:
    """Return a BibTeX ``@misc`` entry for one chapter.

    ``@misc`` is the one type that biber's data model (biblatex) and BibTeX's
    standard styles (``plain``, ``apalike``, ...) both accept with these fields
    and no warning: ``howpublished`` names the book and its version (what the
    standard styles print), ``version``, ``date`` and ``url`` are biblatex's
    fields (BibTeX ignores them silently), ``year`` and ``month`` BibTeX's.
    The date is the release date of ``CITATION.cff``.
    """
    year, month = int(meta.date_released[:4]), int(meta.date_released[5:7])
    fields = [
        ("author", " and ".join(a.bibtex() for a in meta.authors)),
        ("title", "{" + _bibtex_text(chapter.title) + "}"),
        ("howpublished", f"Chapter of \\emph{{{_bibtex_text(meta.title)}}}, version {_bibtex_text(meta.version)}"),
        ("version", _bibtex_text(meta.version)),
        ("date", meta.date_released),
        ("year", str(year)),
        ("month", _MONTHS[month - 1]),
    ]
    if chapter_url(meta, chapter.docname):
        fields.append(("url", chapter_url(meta, chapter.docname)))
    if meta.doi:
        fields.append(("doi", meta.doi))
    fields.append(("note", _bibtex_text(_provenance_note(meta, chapter))))
    body = ",\n".join(f"  {name} = {value}" if name == "month" else f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{bibtex_key(meta, chapter.chapter)},\n{body}\n}}"


def _date_parts(date: str) -> list[int]:
    return [int(part) for part in date.split("-")]


def csl_item(meta: BookMeta, chapter: ChapterCitation) -> dict:
    """Return the chapter as a CSL-JSON item (type ``chapter``; an entity author is a ``literal`` name)."""
    item = {
        "id": bibtex_key(meta, chapter.chapter),
        "type": "chapter",
        "title": chapter.title,
        "container-title": meta.title,
        "author": [{"literal": a.name} if a.is_entity else {"family": a.family, "given": a.given}
                   for a in meta.authors],
        "issued": {"date-parts": [_date_parts(meta.date_released)]},
        "version": meta.version,
        "note": _provenance_note(meta, chapter),
    }
    if chapter_url(meta, chapter.docname):
        item["URL"] = chapter_url(meta, chapter.docname)
    if meta.doi:
        item["DOI"] = meta.doi
    return item


def ris_record(meta: BookMeta, chapter: ChapterCitation) -> str:
    """Return the chapter as one RIS record (``TY  - CHAP``; an entity author has no comma, so it stays one name)."""
    lines = [("TY", "CHAP")]
    lines += [("AU", a.name if a.is_entity else f"{a.family}, {a.given}".rstrip(", ")) for a in meta.authors]
    lines += [("TI", chapter.title), ("T2", meta.title), ("PY", release_year(meta)),
              ("DA", meta.date_released.replace("-", "/")), ("ET", f"Version {meta.version}")]
    if chapter_url(meta, chapter.docname):
        lines.append(("UR", chapter_url(meta, chapter.docname)))
    if meta.doi:
        lines.append(("DO", meta.doi))
    lines += [("N1", _provenance_note(meta, chapter)), ("ER", "")]
    return "".join(f"{tag}  - {value}".rstrip() + "\n" for tag, value in lines)


def citation_files(meta: BookMeta, chapter: ChapterCitation) -> dict[str, str]:
    """Return ``{file name: text}`` of a chapter's citation downloads: BibTeX, RIS and CSL-JSON."""
    names = citation_file_names(chapter.chapter)
    return {
        names["BibTeX"]: bibtex_entry(meta, chapter) + "\n",
        names["RIS"]: ris_record(meta, chapter),
        names["CSL-JSON"]: json.dumps([csl_item(meta, chapter)], indent=2, ensure_ascii=False) + "\n",
    }


def highwire_tags(meta: BookMeta, chapter: ChapterCitation) -> list[tuple[str, str]]:
    """Return the ``<meta name content>`` pairs of a chapter page that Zotero and Google Scholar read.

    Highwire Press tags: ``citation_book_title`` makes Zotero's Embedded Metadata
    translator save the page as a book section. The date is the release date.
    """
    tags = [("citation_title", chapter.title), *(("citation_author", a.display()) for a in meta.authors),
            ("citation_book_title", meta.title), ("citation_publication_date", meta.date_released.replace("-", "/")),
            ("citation_date", meta.date_released.replace("-", "/")),
            ("citation_publisher", ", ".join(a.display() for a in meta.authors)),
            ("citation_version", meta.version), ("citation_language", "en")]
    tags += [("citation_keywords", keyword) for keyword in meta.keywords]
    if chapter_url(meta, chapter.docname):
        tags.append(("citation_public_url", chapter_url(meta, chapter.docname)))
    if meta.doi:
        tags.append(("citation_doi", meta.doi))
    return tags


def json_ld(meta: BookMeta, chapter: ChapterCitation) -> dict:
    """Return the chapter as schema.org JSON-LD: a ``Chapter`` that is part of a ``Book``."""
    authors = [{"@type": "Organization", "name": a.name} if a.is_entity else
               {"@type": "Person", "familyName": a.family, "givenName": a.given, "name": a.display(),
                **({"@id": a.orcid} if a.orcid else {})} for a in meta.authors]
    book = {"@type": "Book", "name": meta.title, "author": authors, "version": meta.version,
            "datePublished": meta.date_released}
    if meta.license:
        book["license"] = f"https://spdx.org/licenses/{meta.license}"
    if meta.url:
        book["url"] = meta.url
    if meta.repository:
        book["codeRepository"] = meta.repository
    data = {"@context": "https://schema.org", "@type": "Chapter", "name": chapter.title, "author": authors,
            "isPartOf": book, "datePublished": meta.date_released, "version": meta.version,
            "inLanguage": "en", "keywords": list(meta.keywords)}
    if chapter_url(meta, chapter.docname):
        data["url"] = chapter_url(meta, chapter.docname)
    if meta.doi:
        data["identifier"] = f"https://doi.org/{meta.doi}"
    return data


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
        for doc, _ in chapters if meta.url
    ]
    if meta.repository:
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


def expected_cff(root: Path = ROOT) -> str:
    """Return ``CITATION.cff`` with ``repository-code`` and ``url`` set from ``_config.yml`` (removed while unset)."""
    path = Path(root) / CITATION_FILE.name
    text = path.read_text(encoding="utf-8")
    repository, url = published_urls(read_config(root))
    text = re.sub(r"^(repository-code|url):.*\n", "", text, flags=re.MULTILINE)
    lines = "".join(f'{key}: "{value}"\n' for key, value in (("repository-code", repository), ("url", url)) if value)
    return re.sub(r"^(license:.*\n)", lambda m: m.group(1) + lines, text, count=1, flags=re.MULTILINE)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m helpers zenodo [--check]``."""
    parser = argparse.ArgumentParser(prog="python -m helpers zenodo", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    z = sub.add_parser("zenodo", help="write .zenodo.json from CITATION.cff, _toc.yml and references.bib")
    z.add_argument("--check", action="store_true", help="only report whether .zenodo.json is current")
    args = parser.parse_args(argv)
    cff = expected_cff()
    if args.check:
        stale = [name for name, current, wanted in (
            ("CITATION.cff", CITATION_FILE.read_text(encoding="utf-8"), cff),
            (".zenodo.json", ZENODO_FILE.read_text(encoding="utf-8") if ZENODO_FILE.is_file() else "",
             json.dumps(expected_zenodo(), indent=2, ensure_ascii=False) + "\n")) if current != wanted]
        if stale:
            print(f"{' and '.join(stale)} out of date; run: .venv/bin/python -m helpers zenodo")
            return 1
        print("CITATION.cff and .zenodo.json are current")
        return 0
    CITATION_FILE.write_text(cff, encoding="utf-8")
    text = json.dumps(expected_zenodo(), indent=2, ensure_ascii=False) + "\n"
    ZENODO_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {CITATION_FILE.relative_to(ROOT)} and {ZENODO_FILE.relative_to(ROOT)}")
    return 0

