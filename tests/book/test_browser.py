"""The built book in a real browser (headless Chromium, offline), and proof that the check can fail.

``helpers.build.browser.check_site`` opens every page with no network: no console
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

from helpers.build.browser import Issue, check_site, list_pages, static_external_resources
from helpers.build.html_assets import unique_scripts
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
