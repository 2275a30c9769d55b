"""The book's table of contents and its notebooks: the one ToC walker, cell sources and page titles."""

from __future__ import annotations

import json
import re
from pathlib import Path

from helpers.core.files import load_yaml
from helpers.core.paths import ROOT, TOC_FILE

#: Suffixes a page named in the ToC may have (the ToC may name it with or without one).
PAGE_SUFFIXES = (".ipynb", ".md", ".rst")


def toc_files(toc_path: Path = TOC_FILE) -> list[str]:
    """Return every file named in ``_toc.yml`` (the root first, without suffix), in book order."""
    toc = load_yaml(Path(toc_path).read_text(encoding="utf-8"))
    files = [str(toc["root"])]

    def walk(entries: list) -> None:
        for entry in entries or []:
            if "file" in entry:
                files.append(str(entry["file"]))
            walk(entry.get("sections", []))
            walk(entry.get("chapters", []))

    walk(toc.get("parts", []))
    walk(toc.get("chapters", []))
    return [str(Path(f).with_suffix("")) if Path(f).suffix in PAGE_SUFFIXES else f for f in files]


def chapter_docnames(root: Path = ROOT) -> list[str]:
    """Return the docnames (e.g. ``chapters/human_tbk1``) of the ToC's notebooks, in book order."""
    return [d for d in toc_files(Path(root) / "_toc.yml") if (Path(root) / f"{d}.ipynb").is_file()]


def chapter_notebooks(root: Path = ROOT) -> list[Path]:
    """Return the chapter notebooks listed in the table of contents."""
    return [Path(root) / f"{d}.ipynb" for d in chapter_docnames(root)]


def chapter_docname(chapter: str, root: Path = ROOT) -> str:
    """Return the docname of notebook *chapter* (its stem) in the ToC; ``chapters/<chapter>`` if absent."""
    toc = Path(root) / "_toc.yml"
    if toc.is_file():
        for doc in toc_files(toc):
            if Path(doc).name == chapter:
                return doc
    return f"chapters/{chapter}"


def cell_source(cell: dict) -> str:
    """Return a cell's source as one string (notebook JSON may hold a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def notebook_bytes(nb: dict) -> bytes:
    """Return the canonical bytes of a notebook (sorted keys, so equal notebooks are equal files)."""
    return (json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def first_heading(texts, default: str) -> str:
    """Return the first level-one Markdown heading in *texts*, else *default*.

    >>> first_heading(["no heading", "# Title here\\n\\ntext"], "x")
    'Title here'
    """
    for text in texts:
        match = re.search(r"^#\s+(.+?)\s*$", text, flags=re.MULTILINE)
        if match:
            return match.group(1)
    return default


def notebook_title(source, default: str | None = None) -> str:
    """Return the title of a page: a notebook (dict or path) or a Markdown file; *default* or the stem."""
    if isinstance(source, dict):
        texts = [cell_source(c) for c in source.get("cells", []) if c.get("cell_type") == "markdown"]
        return first_heading(texts, default or "")
    path = Path(source)
    if path.suffix == ".ipynb":
        return notebook_title(json.loads(path.read_text(encoding="utf-8")), default or path.stem)
    return first_heading([path.read_text(encoding="utf-8")], default or path.stem)


def toc_chapters(root: Path = ROOT) -> list[tuple[str, str]]:
    """Return ``(docname, title)`` of every chapter notebook listed in ``_toc.yml``, in order."""
    return [(doc, notebook_title(Path(root) / f"{doc}.ipynb")) for doc in chapter_docnames(root)]
