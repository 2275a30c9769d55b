"""The built book in a real browser (headless Chromium, offline), and proof that the check can fail.

``helpers.engine.browser.check_site`` opens every page with no network: no console
error, every figure loads and has alt text, no traceback visible, math typeset
by the book's own MathJax, every glued number shown, every internal link and
anchor resolves, and the search page finds "TBK1". A copy of the book with one
page broken on purpose must be reported.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from helpers.engine.browser import Issue, check_site, list_pages, static_external_resources
from helpers.engine.html_assets import unique_scripts
from helpers.report.figure_alt import describe_figure

browser = [pytest.mark.slow, pytest.mark.browser]


def _marks(func):
    for mark in browser:
        func = mark(func)
    return func


@pytest.fixture(scope="module")
def site_issues(built_book: Path) -> list[Issue]:
    return check_site(built_book / "html")


@_marks
def test_every_page_works_in_a_real_browser_offline(site_issues, built_book):
    assert site_issues == [], "\n".join(map(str, site_issues))
    shots = sorted((built_book / "html" / "_screenshots").glob("*.png"))
    assert len(shots) == 2 and all(p.stat().st_size > 10_000 for p in shots)


@_marks
def test_no_page_needs_the_network(built_book):
    html = built_book / "html"
    for page in list_pages(html):
        assert static_external_resources((html / page).read_text(encoding="utf-8")) == [], page
    assert (html / "_static" / "mathjax" / "tex-chtml.js").is_file()
    own = (html / "chapters" / "own_data.html").read_text(encoding="utf-8")
    assert 'class="math' in own and 'src="../_static/mathjax/tex-chtml.js' in own


def _break(page: Path) -> None:
    """Inject a traceback, a missing image, an image without alt, a CDN script and a dead link."""
    text = page.read_text(encoding="utf-8")
    injected = (
        '<div class="cell_output docutils container"><div class="output traceback highlight-ipythontb">'
        "<pre>Traceback (most recent call last):\n  File x\nKeyError: 'ptbk1'</pre></div></div>"
        '<img alt="a figure that is gone" src="../_images/gone.png">'
        '<img src="../_static/images/logo_binder.svg">'
        '<script src="https://cdn.example.org/lib.js"></script>'
        '<a href="no_such_page.html">dead link</a> <a href="#no-such-anchor">dead anchor</a>'
    )
    text = text.replace("</main>", injected + "</main>", 1)
    # The glued numbers of the prose disappear: replace every pasted number by a dash.
    text = re.sub(r'(<span class="pasted-text">)[^<]*(</span>)', r"\1–\2", text)
    page.write_text(text, encoding="utf-8")


@_marks
def test_the_check_reports_a_page_broken_on_purpose(built_book, tmp_path):
    copy = tmp_path / "html"
    shutil.copytree(built_book / "html", copy, ignore=shutil.ignore_patterns("_screenshots"))
    page = "chapters/own_data.html"
    _break(copy / page)
    (copy / "search.html").unlink()
    issues = check_site(copy, pages=[page], screenshots=())
    kinds = {i.kind for i in issues if i.page == page}
    assert {"error output visible", "error text visible", "image does not load", "image without alt text",
            "external resource in the HTML", "broken internal link", "link to a missing anchor",
            "glued number not shown"} <= kinds, "\n".join(map(str, issues))
    assert any(i.kind == "missing page" and i.page == "search.html" for i in issues)


def test_unique_scripts_drops_the_repeated_inline_script():
    from sphinx.builders.html._assets import _JavaScript

    body = 'const THEBE_JS_URL = "x"'
    scripts = [_JavaScript(None, body=body), _JavaScript("a.js"), _JavaScript("", body=body)]
    assert unique_scripts(scripts) == scripts[:2]


def test_figure_alt_text_comes_from_titles_and_is_empty_without_one():
    import matplotlib.pyplot as plt

    from helpers.report.plots import mark_simulated

    fig, ax = plt.subplots()
    assert describe_figure(fig) == ""
    ax.set(title="Puncta per cell", xlabel="genotype", ylabel="puncta")
    mark_simulated(fig)
    assert describe_figure(fig) == ("Figure: Puncta per cell (puncta against genotype). "
                                    "Computed from simulated example data.")
    fig.alt_text = "A written description."
    assert describe_figure(fig) == "A written description."
    plt.close(fig)


# --------------------------------------------------------------------------- layout at two widths
@pytest.fixture(scope="module")
def layout_issues(built_book: Path) -> list[Issue]:
    from helpers.engine.browser import check_site_layout

    return check_site_layout(built_book / "html")


@_marks
def test_no_page_scrolls_sideways_at_1280_or_390_px(layout_issues):
    """No body scrolls sideways, no figure or unscrolled table is wider than the column, no 0..n index, no clipped code."""
    assert layout_issues == [], "\n".join(map(str, layout_issues))


def _widen(page: Path) -> None:
    """Inject a figure wider than any column, a bare wide table with a 0..n index and a clipping code block."""
    cells = "".join(f"<td>column {i} with a long value</td>" for i in range(14))
    rows = "".join(f"<tr><th>{i}</th>{cells}</tr>" for i in range(3))
    injected = (
        '<img alt="too wide" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" style="width:2400px;max-width:none">'
        f'<table style="max-width:none"><tbody>{rows}</tbody></table>'
        '<pre style="overflow-x:hidden;white-space:pre">' + "x = 1  # " + "a very long code line " * 40 + "</pre>"
    )
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("</article>", injected + "</article>", 1), encoding="utf-8")


@_marks
def test_the_layout_check_reports_a_page_widened_on_purpose(built_book, tmp_path):
    from helpers.engine.browser import check_site_layout

    copy = tmp_path / "html"
    shutil.copytree(built_book / "html", copy, ignore=shutil.ignore_patterns("_screenshots", "_images"))
    page = "chapters/own_data.html"
    _widen(copy / page)
    issues = check_site_layout(copy, widths=(390,), pages=[page])
    kinds = {i.kind for i in issues}
    assert {"page scrolls sideways", "wider than the text column", "positional index column",
            "code line clipped"} <= kinds, "\n".join(map(str, issues))


# --------------------------------------------------------------------------- no placeholder addresses
PLACEHOLDER_HOST = re.compile(r"(^|\.)(example\.(org|com|net)|invalid|test|localhost|your[-_a-z]*\.[a-z]+)$")
URL = re.compile(r"""(?:href|src|content)=["'](https?://[^"'#?]+)""")


def cited_data_sources() -> set[str]:
    """The source addresses the bundled real data cite (``data/real/*/datapackage.yaml``): others' repositories."""
    import yaml

    from helpers.core.paths import DATA_DIR

    return {str(s.get("path", "")).rstrip("/").lower() for package in (DATA_DIR / "real").glob("*/datapackage.yaml")
            for s in (yaml.safe_load(package.read_text(encoding="utf-8")) or {}).get("sources") or []}


def placeholder_urls(html_dir: Path, repository: str) -> list[str]:
    """Return ``page: url`` for every URL of the book on a placeholder host or a repository that is not the book's.

    The repositories the bundled real data were published in are cited on purpose and allowed.
    """
    from urllib.parse import urlsplit

    found = []
    cited = cited_data_sources()
    own = repository.rstrip("/").lower()
    for path in sorted(html_dir.rglob("*.html")):
        for url in URL.findall(path.read_text(encoding="utf-8")):
            parts = urlsplit(url)
            host = parts.hostname or ""
            bad = bool(PLACEHOLDER_HOST.search(host))
            if url.rstrip("/").lower() in cited:
                continue
            if host in ("github.com", "gitlab.com", "mybinder.org", "colab.research.google.com") or \
                    host.endswith(".github.io"):
                # A repository, a launch button or a Pages address of this book must be the configured one.
                bad = bad or not own or (own.split("//")[1].split("/", 1)[1] not in url.lower())
            if bad:
                found.append(f"{path.relative_to(html_dir)}: {url}")
    return found


@pytest.mark.slow
def test_no_url_of_the_built_book_points_to_a_placeholder(built_book, tmp_path):
    from helpers.engine.citation import published_urls, read_config

    repository, _ = published_urls(read_config())
    html = built_book / "html"
    assert placeholder_urls(html, repository) == []
    if not repository:  # unpublished: no launch or repository button, and the cite box says so
        page = (html / "chapters" / "human_tbk1.html").read_text(encoding="utf-8")
        assert "not published yet" in page
        assert "mybinder.org" not in page and "colab.research.google.com" not in page
    # The check itself finds a placeholder hub and a repository that is not the book's.
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "p.html").write_text('<a href="https://hub.example.org/hub/user-redirect/git-pull?repo=x">hub</a>'
                                  '<a href="https://github.com/someone/not-this-book">repo</a>', encoding="utf-8")
    assert len(placeholder_urls(probe, "https://github.com/lab/book")) == 2


# --------------------------------------------------------------------------- accessibility (axe-core)
@pytest.fixture(scope="module")
def axe_violations(built_book: Path):
    from helpers.engine.browser import check_site_accessibility

    return check_site_accessibility(built_book / "html")


@_marks
def test_axe_core_finds_no_violation_on_any_page_at_1280_or_390_px(axe_violations):
    """axe-core's WCAG A/AA and best-practice rules, the experimental ones too: none violated, whatever the impact."""
    serious = [v for v in axe_violations if v.impact in ("critical", "serious")]
    assert serious == [], "\n".join(map(str, serious))
    assert axe_violations == [], "\n".join(map(str, axe_violations))


@_marks
def test_the_accessibility_check_reports_a_page_broken_on_purpose(built_book, tmp_path):
    from helpers.engine.browser import check_site_accessibility

    copy = tmp_path / "html"
    shutil.copytree(built_book / "html", copy, ignore=shutil.ignore_patterns("_screenshots", "_images"))
    page = "chapters/own_data.html"
    injected = ('<div role="list"><a href="#top">a link where a list item belongs</a></div>'
                '<button aria-label="Close">Search the book</button>'
                '<div role="region" aria-label="table"><table><tr><td>1</td></tr></table></div>'
                '<div role="region" aria-label="table"><table><tr><td>2</td></tr></table></div>')
    text = (copy / page).read_text(encoding="utf-8")
    (copy / page).write_text(text.replace("</article>", injected + "</article>", 1), encoding="utf-8")
    found = {(v.rule, v.impact) for v in check_site_accessibility(copy, widths=(390,), pages=[page])}
    assert {("aria-required-children", "critical"), ("label-content-name-mismatch", "serious"),
            ("landmark-unique", "moderate")} <= found, found
