"""Raw values on the built pages: what a reader must never see.

:func:`raw_values` reads every page of a built book as a reader sees it (the
article, without code cells, code blocks and scripts) and lists every value
printed raw: ``None`` as a value (``seed=None``), ``nan``, ``inf``, ``<NA>``, a
Python tuple of long floats, a table cell that is one of these or ``∞``, and a
column headed ``index`` (pandas' name for an index it reset). The patterns are
:data:`helpers.report.values.RAW_VALUE`, :data:`~helpers.report.values.RAW_CELLS`
and :data:`~helpers.report.values.RAW_HEADERS`; the formatting helpers of
:mod:`helpers.report.values` are what keeps them off the page.

Run it with ``python -m helpers check-values _build/html``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from helpers.report.values import RAW_CELLS, RAW_HEADERS, RAW_VALUE

#: Folders of a built book that hold no page a reader reads.
SKIP_DIRS = ("_static", "_sources", "_images", "_downloads", "_screenshots")
#: What on a page is code, not a value shown to a reader.
CODE_SELECTORS = ("div.cell_input", "pre", "div.highlight", "script", "style", "noscript", "a.headerlink")


@dataclass(frozen=True)
class RawValue:
    """One raw value on one page, with the text around it."""

    page: str
    kind: str
    context: str

    def __str__(self) -> str:
        return f"{self.page}: {self.kind}: …{self.context}…"


def _reader_view(html: str):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    root = soup.find("main") or soup.body or soup
    for selector in CODE_SELECTORS:
        for element in root.select(selector):
            element.decompose()
    return root


def page_raw_values(html: str, page: str = "") -> list[RawValue]:
    """Return every raw value in one page's HTML.

    >>> found = page_raw_values('<main><p>seed=None, CI (0.27328820276043814, inf)</p><pre>x = None</pre>'
    ...                         '<table><tr><th>index</th><td>nan</td></tr></table></main>')
    >>> sorted({(v.kind, n) for n in [1] for v in found})
    [('index header', 1), ('raw table cell', 1), ('raw value', 1)]
    >>> len([v for v in found if v.kind == "raw value"])  # None, the tuple, inf, and the cell's nan
    4
    """
    root = _reader_view(html)
    found = []
    text = " ".join(root.get_text(" ").split())
    for match in RAW_VALUE.finditer(text):
        found.append(RawValue(page, "raw value", text[max(0, match.start() - 60):match.end() + 30]))
    for cell in root.find_all(["td", "th"]):
        value = cell.get_text(" ", strip=True)
        if cell.name == "td" and value in RAW_CELLS or cell.name == "th" and value in RAW_CELLS - {"index"}:
            found.append(RawValue(page, "raw table cell", value))
        if cell.name == "th" and value in RAW_HEADERS:
            row = cell.find_parent("tr")
            found.append(RawValue(page, "index header", row.get_text(" | ", strip=True)[:120] if row else value))
    return found


def list_pages(html_dir: Path) -> list[str]:
    """Every page of a built book, relative to *html_dir*."""
    return [p.relative_to(html_dir).as_posix() for p in sorted(Path(html_dir).rglob("*.html"))
            if not p.relative_to(html_dir).as_posix().startswith(SKIP_DIRS)]


def raw_values(html_dir: str | Path) -> list[RawValue]:
    """Return every raw value on every page of the built book in *html_dir*."""
    html_dir = Path(html_dir)
    found = []
    for page in list_pages(html_dir):
        found += page_raw_values((html_dir / page).read_text(encoding="utf-8"), page)
    return found


def main(argv: list[str] | None = None) -> int:
    """Command line: list every raw value of a built book; exit 1 if there is any."""
    parser = argparse.ArgumentParser(prog="python -m helpers check-values", description=__doc__.splitlines()[0])
    parser.add_argument("html_dir", nargs="?", default="_build/html")
    args = parser.parse_args(argv)
    found = raw_values(args.html_dir)
    for value in found:
        print(value, file=sys.stderr)
    print(f"{len(list_pages(Path(args.html_dir)))} pages checked; {len(found)} raw value(s)")
    return 1 if found else 0

