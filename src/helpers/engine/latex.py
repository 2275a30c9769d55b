"""The book's structure in the PDF: a Sphinx extension that acts in the LaTeX builder only.

Sphinx's LaTeX builder inlines every toctree of the root page where it stands.
Jupyter Book puts the toctrees of ``_toc.yml`` at the end of the landing page,
so without help the landing page's sections become chapters and every chapter
of the book a section of the landing page's last one, and the parts'
captions are lost. :class:`BookStructure` rearranges the assembled document
before it is written, with Sphinx's own settings where they exist:

* the landing page becomes front matter: an unnumbered *Introduction* chapter
  whose sections (The question, What the data are, ...) stay its unnumbered
  sections, listed in the contents;
* each captioned toctree (a part of ``_toc.yml``) becomes ``\\part{caption}``
  and its pages numbered chapters, each with its own running header;
* the pages listed in Sphinx's ``latex_appendices`` (the results ledger, the
  execution status) are taken out of their part, which Sphinx then appends
  after ``\\appendix``; they are preceded by an *Appendices* part page;
* the page that holds the ``{bibliography}`` directive is taken out of its
  part: the LaTeX builder gathers every cited work into one bibliography at
  the end of the document (:class:`sphinx.builders.latex.transforms.BibliographyTransform`),
  and links to that page lead there;
* a part left without pages is dropped.

Jupyter Book's own answer, ``sphinx-jupyterbook-latex`` (``use_jupyterbook_latex``),
turns the parts into ``\\part`` too, but sets the landing page's sections as
bold lines outside the contents and, with parts, would set Sphinx's
appendices as parts; its document class also needs TeX packages (``bbm``)
that Debian ships only in its largest font collection.

The HTML build never runs these transforms (``formats = ("latex",)``).
"""

from __future__ import annotations

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.builders.latex.nodes import thebibliography
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.texescape import escape

#: Title of the front-matter chapter made of the landing page.
INTRODUCTION = "Introduction"
#: Title of the part page before the appendices.
APPENDICES = "Appendices"


def latex(text: str) -> nodes.raw:
    """A raw LaTeX node."""
    return nodes.raw("", text, format="latex")


def doc_label(docname: str) -> str:
    """The LaTeX label Sphinx gives a page (links to the page point to it)."""
    return rf"\phantomsection\label{{\detokenize{{{docname}::doc}}}}"


def root_parts(env, root: str) -> list[tuple[str, list[str]]]:
    """``[(caption, [docname, ...]), ...]``: the toctrees of the root page, in order."""
    return [(toctree.get("caption") or "", list(toctree["includefiles"]))
            for toctree in env.get_doctree(root).findall(addnodes.toctree)]


def holds_bibliography(env, docname: str) -> bool:
    """True if the page holds a ``{bibliography}`` directive (sphinxcontrib-bibtex)."""
    from sphinxcontrib.bibtex.nodes import bibliography

    return any(True for _ in env.get_doctree(docname).findall(bibliography))


class BookStructure(SphinxPostTransform):
    """Front matter, parts, chapters, appendices and the end bibliography of the book (LaTeX only)."""

    # after Sphinx's DocumentTargetTransform (400) and BibliographyTransform (750)
    default_priority = 800
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        root = self.config.root_doc
        document = self.document
        if document.get("docname") != root:
            return
        landing = next((n for n in document.children if isinstance(n, nodes.section)), None)
        if landing is None:
            return
        engine = self.config.latex_engine
        appendices = set(self.config.latex_appendices)
        chapters: dict[str, addnodes.start_of_file] = {}
        for wrapper in list(landing.findall(nodes.compound)):
            if "toctree-wrapper" not in wrapper["classes"] or _in_page(wrapper):
                continue
            for child in wrapper.children:
                if isinstance(child, addnodes.start_of_file):
                    chapters[child["docname"]] = child
            wrapper.parent.remove(wrapper)
        bibliography_pages = [d for d in chapters if d not in appendices and holds_bibliography(self.env, d)]

        # the landing page: its title is the book's title (the title page), the rest an unnumbered chapter
        title, *content = landing.children
        introduction = nodes.section("", nodes.title("", INTRODUCTION), *content,
                                     ids=["book-introduction"], names=[INTRODUCTION.lower()])
        landing.children = []
        landing += title
        landing += latex(r"\edef\booksecnumdepth{\the\value{secnumdepth}}\setcounter{secnumdepth}{-1}")
        landing += introduction
        landing += latex(r"\setcounter{secnumdepth}{\booksecnumdepth}")

        # the parts of _toc.yml, each with its chapters
        for caption, docnames in root_parts(self.env, root):
            pages = [chapters.pop(d) for d in docnames
                     if d in chapters and d not in appendices and d not in bibliography_pages]
            if not pages:
                continue
            landing += latex(rf"\part{{{escape(caption, engine)}}}" if caption else "")
            for page in pages:
                landing += page
        for page in chapters.values():  # a page of no captioned toctree (none in a jb-book with parts)
            if page["docname"] not in appendices and page["docname"] not in bibliography_pages:
                landing += page

        # the appendices (Sphinx appended their pages to the document, each a document node)
        first = next((n for n in document.children if isinstance(n, nodes.document)), None)
        if first is not None:
            document.insert(document.index(first), latex(
                "\\appendix\n\\clearpage\\bookmarksetup{startatroot}\\phantomsection"
                f"\\addcontentsline{{toc}}{{part}}{{{APPENDICES}}}\\part*{{{APPENDICES}}}\n"))

        # the bibliography: at the root of the outline, where links to its page lead
        bibliography = next(iter(document.findall(thebibliography)), None)
        if bibliography is not None:
            labels = "".join(doc_label(d) for d in bibliography_pages)
            bibliography.parent.insert(bibliography.parent.index(bibliography), latex(
                f"\\clearpage\\bookmarksetup{{startatroot}}{labels}\n"))


class WideTables(SphinxPostTransform):
    """Set a table with more columns than the web book lets scroll sideways a size smaller (LaTeX only).

    Every table is set in ``\\booktablesize`` (``\\footnotesize``, the preamble in
    ``_config.yml``); a table of more than :data:`helpers.report.tables.WIDE_COLUMNS`
    columns, which the web page shows in a scrolling box, in ``\\scriptsize`` with
    narrower gaps between columns, so that it fits the text width.
    """

    default_priority = 810
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        from helpers.report.tables import WIDE_COLUMNS

        for table in list(self.document.findall(nodes.table)):
            columns = max((len(list(group.findall(nodes.colspec))) for group in table.findall(nodes.tgroup)),
                          default=0)
            if columns > WIDE_COLUMNS:
                parent, index = table.parent, table.parent.index(table)
                parent.insert(index + 1, latex("\\endgroup\n"))
                parent.insert(index, latex("\\begingroup\\def\\booktablesize{\\scriptsize}"
                                           "\\setlength{\\tabcolsep}{3pt}\n"))


def _in_page(node: nodes.Node) -> bool:
    """True if *node* lies inside an inlined page (not in the root page itself)."""
    parent = node.parent
    while parent is not None:
        if isinstance(parent, addnodes.start_of_file):
            return True
        parent = parent.parent
    return False


def setup(app: Sphinx) -> dict:
    """Sphinx entry point (``sphinx.extra_extensions`` in ``_config.yml``)."""
    app.add_post_transform(BookStructure)
    app.add_post_transform(WideTables)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
