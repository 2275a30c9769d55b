"""Check a built HTML book in a real browser (headless Chromium), offline.

:func:`check_site` serves an HTML folder on a local port, opens every page in
Debian's Chromium through Selenium and ``chromedriver`` (no browser download)
with every host but 127.0.0.1 unresolvable, so the book must work with no
network, and lists every issue it finds:

* a console error (``SEVERE`` entry of the browser log);
* a resource (script, style sheet, font, image) requested from another host;
* an image that does not load (``naturalWidth`` 0) or has no alt text (an
  alt equal to the file name, as Sphinx writes when none is given, counts as none);
* visible error output: a traceback, an error or stderr output cell, a
  docutils system message;
* math that MathJax did not typeset;
* a glued number that is not shown: every ``{glue:text}`` / ``{glue:md}`` role
  in a page's source must appear in the page's prose with the value of the
  book's results table (``results.csv``);
* a link to a page or anchor of the book that does not exist;
* a search for "TBK1" on ``search.html`` that finds nothing.

:func:`check_layout` opens every page again at a desktop (1280 px) and a phone
(390 px) width and reports a page body that scrolls sideways, a figure wider
than the text column, a table wider than the column outside a scrolling
container, a table showing a 0..n positional index and a code block that clips
its lines.

:func:`check_site_accessibility` runs axe-core (installed from npm by ``make
browser-deps``, pinned there; no CDN) inside Chromium on every page at both
widths: every rule of WCAG 2.x A and AA and best practice, the experimental ones
too, the AAA ones off as in axe-core's default. Each :class:`Violation` names
the rule, its impact and the elements.

It saves screenshots of two pages into ``<html>/_screenshots``. Run it on a
built book with ``python -m helpers check-site _build/html`` (``--axe-only``:
only axe-core, with the count of violations per width and impact).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from helpers.core.paths import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SKIP_DIRS = ("_static", "_sources", "_images", "_downloads", "_screenshots")
ERROR_SELECTORS = (".output.traceback", ".output.error", ".output.stderr", "div.stderr", ".system-message",
                   ".problematic")
ERROR_TEXTS = ("Traceback (most recent call last)", "SyntaxError:", "NameError:", "KeyError:", "ValueError:")
LABEL_SUFFIX = "_label"
GLUE_ROLE = re.compile(r"\{glue(?::(text|md))?\}`([^`:]+)(?::([^`]*))?`")


@dataclass(frozen=True)
class Issue:
    """One thing wrong with a page as a reader sees it."""

    page: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.page}: {self.kind}: {self.detail}"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def serve(html_dir: Path):
    """Serve *html_dir* on a free local port; yield the base URL (ending with '/')."""
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def chromium(offline: bool = True, width: int = 1280, height: int = 1000):
    """Start headless Chromium through chromedriver; with *offline*, only 127.0.0.1 resolves."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="book-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(arg)
    if offline:
        options.add_argument("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def list_pages(html_dir: Path) -> list[str]:
    """Return every HTML page of the book, relative to *html_dir* (POSIX paths)."""
    pages = []
    for path in sorted(Path(html_dir).rglob("*.html")):
        rel = path.relative_to(html_dir).as_posix()
        if not rel.startswith(SKIP_DIRS):
            pages.append(rel)
    return pages


def static_external_resources(html: str) -> list[str]:
    """Return URLs of other hosts that the page's HTML loads (scripts, style sheets, images, fonts).

    Links (``<a href>``) to other sites are fine: following them needs the
    network, reading the page does not.

    >>> static_external_resources('<script src="https://cdn.x/mathjax.js"></script><a href="https://a.b">x</a>')
    ['https://cdn.x/mathjax.js']
    """
    found = re.findall(r"<(?:script|img|iframe|source|video|audio)\b[^>]*\bsrc=\"((?:https?:)?//[^\"]+)\"", html)
    found += [m.group(2) for m in re.finditer(r"<link\b([^>]*)\bhref=\"((?:https?:)?//[^\"]+)\"", html)
              if not re.search(r"rel=\"(?:canonical|alternate|author|license|me)\"", m.group(0))]
    found += re.findall(r"@import\s+url\(['\"]?((?:https?:)?//[^)'\"]+)", html)
    return found


def _wait_ready(driver, timeout: float = 20.0) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(lambda d: d.execute_script("return document.readyState") == "complete")
    driver.set_script_timeout(timeout)
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "const mj = window.MathJax;"
        "if (mj && mj.startup && mj.startup.promise) { mj.startup.promise.then(() => done(true), () => done(false)); }"
        "else { done(true); }"
    )


_PAGE_STATE_JS = r"""
const main = document.querySelector('main') || document.body;
const images = Array.from(document.images).map(img => ({
  src: img.getAttribute('src') || '', alt: (img.getAttribute('alt') || '').trim(),
  loaded: img.complete && img.naturalWidth > 0, width: img.naturalWidth}));
const errors = [];
for (const sel of arguments[0]) {
  for (const el of document.querySelectorAll(sel)) {
    if (el.offsetParent !== null || el.getClientRects().length) errors.push(sel + ': ' + el.innerText.slice(0, 160));
  }
}
const clone = main.cloneNode(true);
for (const el of clone.querySelectorAll('.cell_output, .cell_input, table, pre, .admonition, nav, script, style'))
  el.remove();
const links = Array.from(document.querySelectorAll('a[href]')).map(a => a.href);
const resources = performance.getEntriesByType('resource').map(r => r.name);
return {images, errors, prose: clone.innerText, text: document.body.innerText, links, resources,
        math: document.querySelectorAll('div.math, span.math').length,
        typeset: document.querySelectorAll('mjx-container').length,
        mathErrors: document.querySelectorAll('mjx-merror').length,
        ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id)};
"""


def _is_file_name_alt(alt: str, src: str) -> bool:
    name = src.rsplit("/", 1)[-1]
    return not alt or alt == src or alt.endswith(name) or bool(re.search(r"\.(png|jpe?g|svg|gif)$", alt, re.I))


def _number_candidates(value: float, fmt: str | None, digits: range = range(0, 5)) -> set[str]:
    if fmt:
        try:
            return {format(value, fmt)}
        except ValueError:
            pass
    return {f"{value:.{d}f}" for d in digits} | {str(value)}


def glue_expectations(source: Path, results: dict[tuple[str, str], dict], chapter: str) -> list[tuple[str, set[str]]]:
    """Return (glue key, acceptable texts) for every glue role in a page's source notebook.

    ``{glue:text}`key:fmt``` must show ``format(value, fmt)``; ``{glue:md}`key_text```
    the value followed by its confidence interval, at any number of decimals;
    ``{glue:md}`key_summary``` the value of ``key`` in a sentence. Keys ending in
    ``_label`` glue names (a protein, a genotype), not numbers, and are not checked.
    """
    nb = json.loads(source.read_text(encoding="utf-8"))
    expectations = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for _role, key, fmt in GLUE_ROLE.findall(text):
            if key.endswith(LABEL_SUFFIX):  # a name (protein, genotype), not a number
                continue
            base = key
            for suffix in ("_text", "_summary"):
                if key.endswith(suffix) and (chapter, key) not in results:
                    base = key[: -len(suffix)]
            row = results.get((chapter, base))
            if row is None:
                expectations.append((key, set()))
                continue
            values = _number_candidates(float(row["value"]), fmt or None)
            if key.endswith("_text") and base != key and row.get("ci_low") not in (None, ""):
                lo, hi = float(row["ci_low"]), float(row["ci_high"])
                values = {f"{v} ({round(100 * float(row['ci_level'] or 0.95))}% CI {lo:.{d}f} to {hi:.{d}f})"
                          for d in range(0, 5) for v in [f"{float(row['value']):.{d}f}"]}
            expectations.append((key, values))
    return expectations


def _normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2212", "-").replace("\u00a0", " "))


def read_results(html_dir: Path) -> dict[tuple[str, str], dict]:
    """Return the book's results table (``results.csv``) keyed by (chapter, key)."""
    import csv

    path = Path(html_dir) / "results.csv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {(r["chapter"], r["key"]): r for r in csv.DictReader(handle)}


def check_page(driver, base: str, html_dir: Path, page: str, results: dict) -> list[Issue]:
    """Open one page and return its issues (see the module docstring)."""
    issues: list[Issue] = []
    driver.get_log("browser")  # drop entries of earlier pages
    driver.get(base + page)
    _wait_ready(driver)
    state = driver.execute_script(_PAGE_STATE_JS, list(ERROR_SELECTORS))
    html = (html_dir / page).read_text(encoding="utf-8")
    asks_icon = bool(re.search(r'rel="(?:shortcut )?icon"', html))
    for entry in driver.get_log("browser"):
        if "/favicon.ico " in entry.get("message", "") and not asks_icon:
            continue  # the browser's own request for a site icon, not the page's
        if entry.get("level") == "SEVERE":
            issues.append(Issue(page, "console error", entry.get("message", "")[:300]))
    for url in static_external_resources(html):
        issues.append(Issue(page, "external resource in the HTML", url))
    for url in state["resources"]:
        if not url.startswith(base) and not url.startswith(("data:", "blob:")):
            issues.append(Issue(page, "resource requested from another host", url))
    for img in state["images"]:
        if not img["loaded"]:
            issues.append(Issue(page, "image does not load", img["src"]))
        if _is_file_name_alt(img["alt"], img["src"]):
            issues.append(Issue(page, "image without alt text", f"{img['src']} (alt={img['alt']!r})"))
    issues += [Issue(page, "error output visible", e) for e in state["errors"]]
    for marker in ERROR_TEXTS:
        if marker in state["text"]:
            issues.append(Issue(page, "error text visible", marker))
    if state["math"] and (state["typeset"] < state["math"] or state["mathErrors"]):
        issues.append(Issue(page, "math not typeset",
                            f"{state['math']} math elements, {state['typeset']} typeset, {state['mathErrors']} errors"))
    issues += _check_links(page, base, html_dir, state)
    issues += _check_glue(page, html_dir, results, state["prose"])
    return issues


def _check_links(page: str, base: str, html_dir: Path, state: dict) -> list[Issue]:
    issues = []
    ids_cache: dict[str, set[str]] = {page: set(state["ids"])}
    for href in state["links"]:
        if not href.startswith(base):
            continue
        parts = urlsplit(href)
        rel = unquote(parts.path[len(urlsplit(base).path):]) or "index.html"
        if rel.endswith("/"):
            rel += "index.html"
        target = html_dir / rel
        if not target.is_file():
            issues.append(Issue(page, "broken internal link", href[len(base):]))
            continue
        if parts.fragment and rel.endswith(".html"):
            if rel not in ids_cache:
                ids_cache[rel] = set(re.findall(r'\bid="([^"]+)"', target.read_text(encoding="utf-8")))
            if unquote(parts.fragment) not in ids_cache[rel]:
                issues.append(Issue(page, "link to a missing anchor", href[len(base):]))
    return issues


def _check_glue(page: str, html_dir: Path, results: dict, prose: str) -> list[Issue]:
    source = html_dir / "_sources" / (page[: -len(".html")] + ".ipynb")
    if not source.is_file():
        return []
    chapter = Path(page).stem
    text = _normalize(prose)
    issues = []
    for key, candidates in glue_expectations(source, results, chapter):
        if not candidates:
            issues.append(Issue(page, "glued number missing from results.csv", key))
        elif not any(_normalize(c) in text for c in candidates):
            issues.append(Issue(page, "glued number not shown", f"{key} (expected one of {sorted(candidates)[:3]})"))
    return issues


def check_search(driver, base: str, query: str = "TBK1", timeout: float = 20.0) -> list[Issue]:
    """Search the book for *query* on ``search.html``; an issue if nothing is found."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{base}search.html?q={query}")
    _wait_ready(driver)
    count_js = "return document.querySelectorAll('#search-results li, ul.search li').length"
    try:
        WebDriverWait(driver, timeout).until(lambda d: d.execute_script(count_js) > 0)
    except TimeoutException:
        return [Issue("search.html", "search finds nothing", f"q={query}")]
    return []


#: The widths (CSS pixels) every page is checked at: a laptop and a phone.
LAYOUT_WIDTHS = (1280, 390)

_LAYOUT_JS = r"""
const doc = document.documentElement;
const view = doc.clientWidth;
const out = {overflow: Math.max(doc.scrollWidth, document.body.scrollWidth) - view, offenders: [], wide: [],
             index: [], clipped: []};
const column = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
const col = column.getBoundingClientRect();
const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
  (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : '');
const scrolls = el => { for (let e = el.parentElement; e && e !== column; e = e.parentElement) {
  const o = getComputedStyle(e).overflowX; if ((o === 'auto' || o === 'scroll') && e.clientWidth <= col.width + 1)
    return true; } return false; };
if (out.overflow > 0) {
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > view + 1 && getComputedStyle(el).position !== 'fixed' && !scrolls(el))
      out.offenders.push(name(el) + ' right edge ' + Math.round(r.right) + ' px');
    if (out.offenders.length >= 5) break;
  }
}
for (const img of column.querySelectorAll('img')) {
  const r = img.getBoundingClientRect();
  if (r.width > col.width + 1 || r.right > col.right + 1)
    out.wide.push((img.getAttribute('src') || '') + ' ' + Math.round(r.width) + ' px in a ' +
                  Math.round(col.width) + ' px column');
}
for (const table of column.querySelectorAll('table')) {
  const r = table.getBoundingClientRect();
  if (r.width > col.width + 1 && !scrolls(table))
    out.wide.push('table ' + name(table) + ' ' + Math.round(r.width) + ' px, not in a scrolling container');
  const rows = Array.from(table.querySelectorAll('tbody tr'));
  if (rows.length >= 2 && rows.every((row, i) => row.cells.length > 1 && row.cells[0].innerText.trim() === String(i)))
    out.index.push(name(table) + ': first column is 0..' + (rows.length - 1));
}
for (const pre of column.querySelectorAll('pre')) {
  const o = getComputedStyle(pre).overflowX;
  if ((o === 'hidden' || o === 'clip') && pre.scrollWidth > pre.clientWidth + 1)
    out.clipped.push(pre.innerText.split('\n').find(l => l.length > 40) || pre.innerText.slice(0, 60));
}
return out;
"""


def check_layout(driver, base: str, page: str, width: int) -> list[Issue]:
    """Open *page* at *width* CSS pixels; return the issues of a page that does not fit (module docstring)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600})
    driver.get(base + page)
    _wait_ready(driver)
    state = driver.execute_script(_LAYOUT_JS)
    issues = []
    where = f"{page} @{width}px"
    if state["overflow"] > 1:
        issues.append(Issue(where, "page scrolls sideways",
                            f"{state['overflow']} px too wide: {'; '.join(state['offenders']) or 'unknown element'}"))
    issues += [Issue(where, "wider than the text column", w) for w in state["wide"]]
    issues += [Issue(where, "positional index column", t) for t in state["index"]]
    issues += [Issue(where, "code line clipped", c[:120]) for c in state["clipped"]]
    return issues


def check_site_layout(html_dir: str | Path, widths: tuple[int, ...] = LAYOUT_WIDTHS,
                      pages: list[str] | None = None) -> list[Issue]:
    """Open every page of the book at every width of *widths*; return every layout issue."""
    html_dir = Path(html_dir).resolve()
    issues: list[Issue] = []
    with serve(html_dir) as base, chromium(offline=True) as driver:
        for width in widths:
            for page in pages or list_pages(html_dir):
                issues += check_layout(driver, base, page, width)
    return issues


def check_site(html_dir: str | Path, screenshots: tuple[str, ...] = ("intro.html", "chapters/human_tbk1.html"),
               offline: bool = True, pages: list[str] | None = None) -> list[Issue]:
    """Open every page of the book in headless Chromium and return every issue found.

    Screenshots of the pages in *screenshots* (those that exist) are saved in
    ``<html_dir>/_screenshots``.
    """
    html_dir = Path(html_dir).resolve()
    results = read_results(html_dir)
    issues: list[Issue] = []
    shots = html_dir / "_screenshots"
    with serve(html_dir) as base, chromium(offline=offline) as driver:
        for page in pages or list_pages(html_dir):
            issues += check_page(driver, base, html_dir, page, results)
            if page in screenshots:
                shots.mkdir(exist_ok=True)
                driver.save_screenshot(str(shots / (page.replace("/", "_")[: -len(".html")] + ".png")))
        if (html_dir / "search.html").is_file():
            issues += check_search(driver, base)
        else:
            issues.append(Issue("search.html", "missing page", "the book has no search page"))
    return issues


# --------------------------------------------------------------------------- accessibility (axe-core)
#: axe-core's ``axe.min.js``, installed from npm by ``make browser-deps`` (pinned there); ``AXE_CORE_JS`` overrides.
AXE_CORE_JS = ROOT / ".venv" / "node" / "node_modules" / "axe-core" / "axe.min.js"
#: The impacts axe-core gives a violation, worst first.
AXE_IMPACTS = ("critical", "serious", "moderate", "minor")

_AXE_RUN_JS = r"""
const done = arguments[arguments.length - 1];
// Every rule of WCAG A and AA and best practice, the experimental ones too (label-content-name-mismatch is
// one); the AAA rules (enhanced contrast) stay off, as in axe-core's default.
const aaa = tags => tags.some(t => /^wcag\d*aaa$/.test(t));
const rules = Object.fromEntries(axe.getRules().map(r => [r.ruleId, {enabled: !aaa(r.tags)}]));
axe.run(document, {resultTypes: ['violations'], rules}).then(
  r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                    targets: v.nodes.map(n => n.target.join(' '))}))),
  e => done({error: String(e)}));
"""


def axe_source() -> str:
    """Return the text of axe-core's ``axe.min.js`` (``AXE_CORE_JS`` environment variable, else the npm install)."""
    path = Path(os.environ.get("AXE_CORE_JS") or AXE_CORE_JS)
    if not path.is_file():
        raise FileNotFoundError(f"axe-core is not installed at {path}: run `make browser-deps` "
                                "(it installs the pinned axe-core from npm)")
    return path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Violation:
    """One axe-core rule violated on one page at one width, with the elements it names."""

    page: str
    width: int
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        shown = ", ".join(self.targets[:3]) + (f" (+{len(self.targets) - 3})" if len(self.targets) > 3 else "")
        return f"{self.page} @{self.width}px: {self.impact}: {self.rule} ({self.help}): {shown}"


def check_accessibility(driver, base: str, page: str, width: int, axe_js: str) -> list[Violation]:
    """Open *page* at *width* CSS pixels, run axe-core in it (every rule but WCAG AAA's, experimental ones too);
    return the violations."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600})
    driver.get(base + page)
    _wait_ready(driver)
    driver.set_script_timeout(120)
    driver.execute_script(axe_js)
    found = driver.execute_async_script(_AXE_RUN_JS)
    if isinstance(found, dict):
        raise RuntimeError(f"axe-core failed on {page}: {found['error']}")
    return [Violation(page, width, v["id"], v["impact"] or "minor", v["help"], tuple(v["targets"])) for v in found]


def check_site_accessibility(html_dir: str | Path, widths: tuple[int, ...] = LAYOUT_WIDTHS,
                             pages: list[str] | None = None) -> list[Violation]:
    """Run axe-core on every page of the book at every width of *widths*; return every violation."""
    html_dir = Path(html_dir).resolve()
    axe_js = axe_source()
    found: list[Violation] = []
    with serve(html_dir) as base, chromium(offline=True) as driver:
        for width in widths:
            for page in pages or list_pages(html_dir):
                found += check_accessibility(driver, base, page, width, axe_js)
    return found


def impact_counts(violations: list[Violation]) -> dict[tuple[int, str], int]:
    """Return ``{(width, impact): number of elements}`` (axe-core counts a violation once per element named).

    >>> impact_counts([Violation("p", 390, "region", "moderate", "", ("a", "b"))])[(390, "moderate")]
    2
    """
    counts: dict[tuple[int, str], int] = {}
    for v in violations:
        counts[(v.width, v.impact)] = counts.get((v.width, v.impact), 0) + len(v.targets)
    return counts


def main(argv: list[str] | None = None) -> int:
    """Command line: check a built book; print every issue; exit 1 if any."""
    parser = argparse.ArgumentParser(prog="python -m helpers check-site", description=__doc__.splitlines()[0])
    parser.add_argument("html_dir", nargs="?", default="_build/html")
    parser.add_argument("--online", action="store_true", help="let the browser reach other hosts")
    parser.add_argument("--axe-only", action="store_true", help="only run axe-core (every page at 1280 and 390 px)")
    args = parser.parse_args(argv)
    violations = check_site_accessibility(args.html_dir)
    issues = [] if args.axe_only else check_site(args.html_dir, offline=not args.online) + check_site_layout(args.html_dir)
    for item in [*violations, *issues]:
        print(item, file=sys.stderr)
    for (width, impact), count in sorted(impact_counts(violations).items()):
        print(f"axe-core @{width}px: {count} {impact}")
    issues += [v for v in violations if v.impact in ("critical", "serious")]
    print(f"{len(list_pages(Path(args.html_dir)))} pages checked; {len(issues)} issue(s)")
    return 1 if issues else 0

