"""Sphinx extension for the book's HTML assets: math offline, and a clean browser console.

**Math offline.**
Jupyter Book 1.x (through ``sphinx.ext.mathjax``) loads MathJax 3 from a CDN by
default; a book opened offline, or behind a firewall, then shows raw TeX. This
extension points ``mathjax_path`` at ``_static/mathjax/tex-chtml.js`` and copies
MathJax 3 (from the pinned PyPI package ``django-static-mathjax``, which ships
the official ``es5`` build) into the HTML output: the combined TeX-to-CHTML
component, the TeX extensions it may autoload, the accessibility and menu
components and the web fonts. The speech-rule engine (``sre``, loaded only when
a reader turns on the speech explorer in the MathJax menu) is left out to keep
the book small.

**Each inline script once.** With Sphinx 7.4, sphinx-thebe and
sphinx-togglebutton register their inline configuration scripts twice (once in
the registry, once on the already initialised builder), so every page
declared ``const THEBE_JS_URL`` twice and the browser reported a SyntaxError.
Exact duplicates are dropped from each page's script list.

**Figure alt text.** Every image of a notebook page gets the alt text stored
with its output by :func:`helpers.report.figure_alt.enable_alt_text` (matched by the
SHA-256 of the image bytes, which myst-nb uses as the file name). Images
without one keep Sphinx's default (the file name), which the browser test
reports as missing.

**A theme mode from the start.** pydata-sphinx-theme logs a console error on a
reader's first visit when no colour mode is configured; ``default_mode`` is set
to ``auto`` (the value the theme falls back to anyway) unless the book sets one.

**No button to a repository that does not exist.** While ``repository.url`` in
``_config.yml`` is empty (the book is unpublished, see
:mod:`helpers.engine.citation`), the repository, issues and edit buttons and the
Binder, JupyterHub and Colab launch buttons are switched off
(:func:`hide_unpublished_buttons`); Jupyter Book would otherwise point them at its
own default repository.

**Pages that fit.** :data:`LAYOUT_CSS` (written as ``_static/book-layout.css``
and linked from every page) keeps figures inside the text column, wraps long
code lines instead of clipping them, and gives wide tables
(:mod:`helpers.report.tables`) a scrolling container with shadows at the edges
that still hide columns; the browser test checks the pages at 1280 and 390 px.

**Accessible pages.** axe-core, run on every page at 1280 and 390 px by the
browser test (:func:`helpers.engine.browser.check_site_accessibility`), finds no
violation of its rules (the experimental ones too). The fixes are the book's own:

* the theme's search field and colour-mode buttons, and the sidebar's book title,
  come from the templates in ``helpers/engine/theme`` (searched before the theme's):
  the search button is named by the word it shows, the mode icons are decorative,
  and the title sits in a navigation landmark;
* every table's scrolling wrapper is a region named after the table, unique on
  its page: "Table 2: genotype, stage, n mice, ratio, …" or its caption
  (:func:`label_table_regions`);
* the bibliography's entries are list items of its list (docutils marks them with
  the deprecated ``doc-biblioentry`` role, which a ``role="list"`` may not hold).

**Citable pages.** Every chapter page carries, in its ``<head>``, the Highwire
Press ``citation_*`` meta tags that Zotero's and Google Scholar's translators read
and a schema.org JSON-LD description, and has its citation as BibTeX, RIS and
CSL-JSON files beside it (linked from its *Cite this chapter* box), all from
:mod:`helpers.engine.citation` and the provenance record of its executed notebook.

Enabled in ``_config.yml``::

    sphinx:
      extra_extensions: [helpers.engine.html_assets]
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

#: Path of the MathJax script, relative to the HTML output's ``_static`` folder.
MATHJAX_PATH = "mathjax/tex-chtml.js"
#: What of MathJax's ``es5`` folder is copied (files and folders).
MATHJAX_PARTS = ("tex-chtml.js", "input/tex/extensions", "output/chtml/fonts/woff-v2", "a11y", "ui", "adaptors")


#: File name of the book's layout style sheet in ``_static``.
LAYOUT_CSS_FILE = "book-layout.css"
#: The book's layout rules (see the module docstring).
LAYOUT_CSS = """/* helpers.engine.html_assets: pages that fit at any width */
.bd-article img, .cell_output img { max-width: 100%; height: auto; }
div.cell_input pre, div.highlight pre, .cell_output pre {
  white-space: pre-wrap; overflow-wrap: anywhere; word-break: normal;
}
.bd-article code.literal, .bd-article code.literal span.pre {
  white-space: pre-wrap; overflow-wrap: anywhere;
}
.book-table { max-width: 100%; margin: 0.5em 0 1em; }
.book-table .table-scroll {
  overflow-x: auto; max-width: 100%;
  background:
    linear-gradient(to right, var(--pst-color-background, #fff) 30%, rgba(255, 255, 255, 0)) left / 2em 100% no-repeat local,
    linear-gradient(to left, var(--pst-color-background, #fff) 30%, rgba(255, 255, 255, 0)) right / 2em 100% no-repeat local,
    radial-gradient(farthest-side at 0 50%, rgba(0, 0, 0, .25), rgba(0, 0, 0, 0)) left / 0.8em 100% no-repeat scroll,
    radial-gradient(farthest-side at 100% 50%, rgba(0, 0, 0, .25), rgba(0, 0, 0, 0)) right / 0.8em 100% no-repeat scroll;
}
.book-table table { margin: 0; }
.book-table td, .book-table th { white-space: nowrap; padding: 0.2em 0.6em; }
.table-scroll-cue { font-size: 0.8em; color: var(--pst-color-text-muted, #555); margin: 0 0 0.2em; }
.bd-article table.table, .bd-article .pasted-inline table { max-width: 100%; }
.bd-article .table-wrapper, .cell_output .output.text_html { overflow-x: auto; max-width: 100%; }
"""


#: The book's own theme templates (they override the theme's files of the same name).
THEME_TEMPLATES = Path(__file__).resolve().parent / "theme"
#: The primary sidebar: sphinx-book-theme's, with the book title inside a landmark (``book-logo.html``).
SIDEBAR = ["book-logo.html", "icon-links.html", "search-button-field.html", "sbt-sidebar-nav.html"]
#: How many column names a table region's label lists before "…".
LABEL_COLUMNS = 4

_TABLE_WRAPPER = re.compile(
    r'<div class="(?:table-scroll"[^>]*?\brole="region"[^>]*|pst-scrollable-table-container"[^>]*)>')
_TAG = re.compile(r"<[^>]+>")


def _text(fragment: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


def table_label(table_html: str) -> str:
    """Return what names a table: its caption, else its first column headers.

    >>> table_label('<table><thead><tr><th>genotype</th><th>n mice</th></tr></thead></table>')
    'genotype, n mice'
    >>> table_label('<table><caption><span>Per-mouse means</span></caption><tr><th>a</th></tr></table>')
    'Per-mouse means'
    """
    caption = re.search(r"<caption\b[^>]*>(.*?)</caption>", table_html, re.S)
    if caption and _text(caption.group(1)):
        return _text(caption.group(1))
    head = re.search(r"<thead\b.*?</thead>", table_html, re.S)
    cells = [_text(c) for c in re.findall(r"<th\b[^>]*>(.*?)</th>", head.group(0) if head else table_html, re.S)]
    cells = [c for c in cells if c]
    more = ", …" if len(cells) > LABEL_COLUMNS else ""
    return ", ".join(cells[:LABEL_COLUMNS]) + more if cells else "no column headers"


def label_table_regions(body: str) -> str:
    """Name every table's scrolling wrapper on a page, uniquely: ``Table <i>: <caption or columns>``.

    The report layer's wrappers (``div.table-scroll``, :mod:`helpers.report.tables`)
    are already regions; the theme's ``div.pst-scrollable-table-container`` (Markdown
    tables, which the theme makes focusable when they scroll) become regions too.

    >>> body = ('<div class="table-scroll" role="region" tabindex="0" aria-label="table"><table>'
    ...         '<thead><tr><th>a</th></tr></thead></table></div>'
    ...         '<div class="pst-scrollable-table-container"><table><thead><tr><th>a</th></tr></thead></table></div>')
    >>> [m for m in re.findall(r'aria-label="([^"]*)"', label_table_regions(body))]
    ['Table 1: a', 'Table 2: a']
    """
    out, last, number = [], 0, 0
    for match in _TABLE_WRAPPER.finditer(body):
        end = body.find("</table>", match.end())
        if end < 0:
            continue
        number += 1
        label = html.escape(f"Table {number}: {table_label(body[match.end():end])}", quote=True)
        tag = match.group(0)
        if 'role="region"' in tag:
            tag = re.sub(r'\saria-label="[^"]*"', "", tag)
            tag = tag[:-1] + f' aria-label="{label}">'
        else:
            tag = tag[:-1] + f' role="region" aria-label="{label}">'
        out += [body[last:match.start()], tag]
        last = match.end()
    return "".join(out) + body[last:]


def bibliography_list_items(body: str) -> str:
    """Make the entries of a bibliography (``role="list"``) list items, as ARIA requires.

    >>> bibliography_list_items('<div role="list"><div class="citation" role="doc-biblioentry">x</div></div>')
    '<div role="list"><div class="citation" role="listitem">x</div></div>'
    """
    return body.replace('role="doc-biblioentry"', 'role="listitem"')


def _accessible_body(app, pagename, templatename, context, doctree) -> None:
    if "body" in context:
        context["body"] = bibliography_list_items(label_table_regions(context["body"]))


def chapter_citation(source: Path):
    """Return the :class:`~helpers.engine.citation.ChapterCitation` of an executed chapter notebook (None if it
    carries no provenance record, e.g. a Markdown page)."""
    from helpers.engine.citation import ChapterCitation
    from helpers.engine.provenance import MARK

    if Path(source).suffix != ".ipynb" or not Path(source).is_file():
        return None
    record = json.loads(Path(source).read_text(encoding="utf-8")).get("metadata", {}).get(MARK)
    if not record:
        return None
    return ChapterCitation(record["chapter"], record["docname"], record["title"], record.get("commit", ""))


def citation_head(meta, chapter) -> str:
    """Return the ``<head>`` markup of a chapter page: Highwire meta tags and schema.org JSON-LD."""
    from helpers.engine.citation import highwire_tags, json_ld

    tags = "".join(f'<meta name="{name}" content="{html.escape(value, quote=True)}" />\n'
                   for name, value in highwire_tags(meta, chapter))
    data = json.dumps(json_ld(meta, chapter), ensure_ascii=False, indent=1).replace("</", "<\\/")
    return f'{tags}<script type="application/ld+json">\n{data}\n</script>\n'


def _citable_page(app, pagename, templatename, context, doctree) -> None:
    from helpers.engine.citation import citation_files, load_book_meta

    chapter = chapter_citation(Path(app.env.doc2path(pagename))) if pagename in app.env.all_docs else None
    if chapter is None:
        return
    meta = load_book_meta()
    context["metatags"] = context.get("metatags", "") + citation_head(meta, chapter)
    folder = Path(app.outdir) / Path(pagename).parent
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in citation_files(meta, chapter).items():
        (folder / name).write_text(text, encoding="utf-8")


def _use_book_templates(app, config) -> None:
    config.templates_path = [str(THEME_TEMPLATES), *(config.templates_path or [])]
    if not config.html_sidebars:
        config.html_sidebars = {"**": SIDEBAR}


def mathjax_source() -> Path:
    """Return the ``es5`` folder of the installed MathJax 3 distribution."""
    import mathjax  # the package django-static-mathjax

    return Path(mathjax.__file__).resolve().parent / "static" / "mathjax" / "es5"


def copy_mathjax(static_dir: Path) -> Path:
    """Copy the parts of MathJax the book needs into *static_dir*/mathjax; return that folder."""
    source = mathjax_source()
    target = Path(static_dir) / "mathjax"
    for part in MATHJAX_PARTS:
        src = source / part
        if src.is_dir():
            shutil.copytree(src, target / part, dirs_exist_ok=True)
        else:
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target / part)
    return target


def hide_unpublished_buttons(options: dict) -> dict:
    """Return sphinx-book-theme *options*: every repository and launch button off when no repository is set,
    the repository button on when one is.

    >>> hide_unpublished_buttons({"repository_url": "", "use_repository_button": True,
    ...                           "launch_buttons": {"binderhub_url": "https://mybinder.org"}})["launch_buttons"]
    {}
    >>> hide_unpublished_buttons({"repository_url": "https://github.com/a/b", "use_repository_button": False})
    {'repository_url': 'https://github.com/a/b', 'use_repository_button': True}
    """
    options = dict(options or {})
    url = str(options.get("repository_url") or "").strip()
    if url and "executablebooks/jupyter-book" not in url:  # Jupyter Book's own default is not ours
        options["use_repository_button"] = True  # the URL alone turns it on (see _config.yml)
        return options
    options["repository_url"] = ""
    for key in ("use_repository_button", "use_issues_button", "use_edit_page_button", "use_source_button"):
        options[key] = False
    options["launch_buttons"] = {}
    return options


def _hide_buttons(app, config) -> None:
    config.html_theme_options = hide_unpublished_buttons(config.html_theme_options)


def _use_local_mathjax(app, config) -> None:
    config.mathjax_path = MATHJAX_PATH
    config.html_context = {"default_mode": "auto", **(config.html_context or {})}


def unique_scripts(scripts: list) -> list:
    """Return *scripts* without repeats (same file, or same inline body, and same attributes), order kept.

    An inline script is registered once with the file name ``None`` and once
    with ``""``; both count as the same script.

    >>> unique_scripts(["a.js", "b.js", "a.js"])
    ['a.js', 'b.js']
    """
    seen, kept = set(), []
    for script in scripts:
        name = getattr(script, "filename", script) or ""
        attributes = tuple(sorted((k, str(v)) for k, v in getattr(script, "attributes", {}).items()))
        if (str(name), attributes) not in seen:
            seen.add((str(name), attributes))
            kept.append(script)
    return kept


def _dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    if "script_files" in context:
        context["script_files"] = unique_scripts(context["script_files"])


def _copy_on_finish(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        copy_mathjax(Path(app.outdir) / "_static")
        (Path(app.outdir) / "_static" / LAYOUT_CSS_FILE).write_text(LAYOUT_CSS, encoding="utf-8")


def _figure_alt_text(app, doctree) -> None:
    import json

    from docutils import nodes

    from helpers.report.figure_alt import alt_by_image_hash

    source = Path(app.env.doc2path(app.env.docname))
    if source.suffix != ".ipynb" or not source.is_file():
        return
    alts = alt_by_image_hash(json.loads(source.read_text(encoding="utf-8")))
    for image in doctree.findall(nodes.image):
        stem = Path(image.get("uri", "")).stem
        if stem in alts and not image.get("alt"):
            image["alt"] = alts[stem]


def setup(app):
    """Register the extension with Sphinx."""
    app.setup_extension("sphinx.ext.mathjax")
    app.connect("config-inited", _use_local_mathjax)
    app.connect("config-inited", _hide_buttons)
    app.add_css_file(LAYOUT_CSS_FILE)
    app.connect("build-finished", _copy_on_finish)
    app.connect("config-inited", _use_book_templates)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("html-page-context", _accessible_body)
    app.connect("html-page-context", _citable_page)
    app.connect("doctree-read", _figure_alt_text)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
