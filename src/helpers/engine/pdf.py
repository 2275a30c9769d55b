"""The book as one PDF: Jupyter Book's LaTeX builder on the executed book of the last HTML build.

``python -m helpers pdf`` (what ``make pdf`` runs):

1. builds the HTML book first (cached: nothing re-executes when nothing
   changed, :mod:`helpers.engine.build`), so its assembling folder
   ``<out>/.assembled`` holds every chapter as an executed notebook with today's
   prose, the provenance notes, the results ledger and the execution status page;
2. copies that assembled book (without its ``_build``) to ``<out>/.pdf-assembled``,
   writes the results ledger of the HTML build (``<out>/html/results.csv``) into
   the ledger page as a LaTeX long table (:func:`ledger_table_latex`; the web page
   gets its table after rendering, which LaTeX never sees), makes the execution
   status page an appendix next to the ledger (``latex_appendices``), and runs
   ``jupyter-book build --builder pdflatex`` there. The engine is XeLaTeX
   (``latex.latex_engine`` in ``_config.yml``), which typesets the book's
   Unicode (µ, –, ≥) directly; :mod:`helpers.engine.latex` arranges the landing
   page, parts, chapters, appendices and bibliography; figures are the notebooks'
   own PNG outputs, tables their plain LaTeX form (:mod:`helpers.report.tables`),
   glued numbers and the bibliography come through myst-nb and
   sphinxcontrib-bibtex as on the web;
3. writes ``<out>/pdf/book.pdf`` atomically.

The TeX tools come from Debian (``make pdf-deps``); :func:`missing_tools` names
what is missing.
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import yaml

from helpers.core.paths import BUILD_DIR
from helpers.engine.assemble import STATUS_DOC
from helpers.engine.notebooks import notebook_title
from helpers.report.ledger.files import read_ledger
from helpers.report.ledger.page import LEDGER_PAGE

#: Programs the LaTeX build needs, and the Debian package that ships each.
TOOLS = {"xelatex": "texlive-xetex", "latexmk": "latexmk", "pdftotext": "poppler-utils", "make": "make"}
#: Name of the PDF that Jupyter Book's LaTeX builder writes.
BOOK_PDF = "book.pdf"
#: Markers of the LaTeX block of the ledger page that :func:`fill_ledger_latex` fills.
LATEX_LEDGER_START = "% results-ledger:start"
LATEX_LEDGER_END = "% results-ledger:end"
#: Columns of the ledger in the PDF: (heading, LaTeX column type); the method takes the rest of the width.
LEDGER_LATEX_COLUMNS = (("Key", "l"), ("Value", "r"), ("Interval", "p{2.5cm}"), ("n", "p{2.1cm}"),
                        ("Unit", "p{2.2cm}"), ("Method", None))
#: Space between the ledger's columns.
LEDGER_COLUMN_GAP = "4pt"


def missing_tools() -> list[str]:
    """Return the Debian packages of the TeX tools that are not on PATH."""
    return sorted({package for tool, package in TOOLS.items() if shutil.which(tool) is None})


def assemble_for_pdf(folder: Path, target: Path) -> Path:
    """Copy the assembled HTML book *folder* (without its ``_build``) into *target*; return *target*."""
    folder, target = Path(folder), Path(target)
    if not (folder / "_config.yml").is_file():
        raise FileNotFoundError(f"{folder} holds no assembled book; build the HTML book first (make book)")
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(folder, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("_build", ".doctrees"))
    return target


#: LaTeX's special characters and what typesets each (XeLaTeX takes the rest of Unicode as it is).
TEX_SPECIALS = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
                "^": r"\textasciicircum{}", "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}"}


def tex(text) -> str:
    r"""*text* escaped for XeLaTeX.

    >>> tex("a_b & 50% {x}")
    'a\\_b \\& 50\\% \\{x\\}'
    """
    return "".join(TEX_SPECIALS.get(char, char) for char in str(text))


def latex_number(value) -> str:
    """A ledger value as the web page shows it: 4 significant digits, a true minus sign; '' if missing."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.4g}".replace("-", "\u2212")


def ledger_table_latex(frame: pd.DataFrame, titles: dict[str, str]) -> str:
    """The ledger as a LaTeX long table on landscape pages, one group of rows per chapter.

    Columns: key, value, interval (with its level), *n* with its unit, the value's
    unit, method. *titles* maps a page (docname) to its title; each group's heading
    links to its chapter. Keys never break across lines (the key column is as
    wide as the longest key), so a reader can search the PDF for any of them.
    """
    if frame.empty:
        return "\\par\\emph{The ledger is empty: no chapter reported a number.}\\par"
    sources = sorted({s for s in frame["data_source"].fillna("") if s})
    longest = max(frame["key"].astype(str), key=len)
    widest_value = max(["\\textbf{Value}", *(latex_number(v) for v in frame["value"])], key=len)
    levels = frame["ci_level"].dropna()
    # the most common level goes in the heading (of two as common, the higher)
    level = float(levels.value_counts().sort_index(ascending=False).idxmax()) if len(levels) else None
    fixed = [spec for _, spec in LEDGER_LATEX_COLUMNS if spec and spec.startswith("p{")]
    widths = "-".join(spec[2:-1] for spec in fixed)
    ragged = "".join(f">{{\\raggedright\\arraybackslash}}{spec}" if spec.startswith("p{") else spec
                     for _, spec in LEDGER_LATEX_COLUMNS if spec)
    method = (f">{{\\raggedright\\arraybackslash}}p{{\\dimexpr\\linewidth-\\ledgerkeywidth-\\ledgervaluewidth"
              f"-{widths}-{2 * (len(LEDGER_LATEX_COLUMNS) - 1)}\\tabcolsep\\relax}}")
    n_columns = len(LEDGER_LATEX_COLUMNS)
    names = [f"{name} ({round(100 * level)}\\%)" if name == "Interval" and level else name
             for name, _ in LEDGER_LATEX_COLUMNS]
    head = " & ".join(f"\\textbf{{{name}}}" for name in names) + " \\\\ \\hline"
    lines = [
        f"\\par {len(frame)} results from {frame['chapter'].nunique()} chapters"
        + (f"; data: {tex(', '.join(sources))}" if sources else "") + ".\\par",
        "\\begin{landscape}", "\\footnotesize",
        f"\\setlength{{\\LTleft}}{{0pt}}\\setlength{{\\LTright}}{{0pt}}\\setlength{{\\tabcolsep}}{{{LEDGER_COLUMN_GAP}}}",
        "\\newlength{\\ledgerkeywidth}\\newlength{\\ledgervaluewidth}",
        f"\\settowidth{{\\ledgerkeywidth}}{{\\ttfamily {tex(longest)}}}",
        f"\\settowidth{{\\ledgervaluewidth}}{{{widest_value}}}",
        f"\\begin{{longtable}}{{@{{}}{ragged}{method}@{{}}}}",
        "\\hline", head, "\\endfirsthead",
        f"\\multicolumn{{{n_columns}}}{{@{{}}l}}{{\\emph{{Results ledger (continued)}}}} \\\\", "\\hline", head,
        "\\endhead",
        f"\\hline \\multicolumn{{{n_columns}}}{{r@{{}}}}{{\\emph{{continued on the next page}}}} \\\\",
        "\\endfoot", "\\hline", "\\endlastfoot",
    ]
    for page, group in frame.groupby("page", sort=False):
        title = tex(titles.get(page, group["chapter"].iloc[0]))
        lines.append(f"\\multicolumn{{{n_columns}}}{{@{{}}l}}{{\\rule{{0pt}}{{3ex}}\\small\\bfseries "
                     f"\\hyperref[\\detokenize{{{page}::doc}}]{{{title}}}}} \\\\*")
        for row in group.to_dict(orient="records"):
            interval = ""
            if latex_number(row["ci_low"]):
                other = latex_number(row["ci_level"]) and row["ci_level"] != level
                interval = (f"{latex_number(row['ci_low'])} to {latex_number(row['ci_high'])}"
                            + (f" ({round(100 * row['ci_level'])}\\%)" if other else ""))
            n = "" if row["n"] is pd.NA or row["n"] is None else f"{row['n']} {tex(row['n_unit'] or '')}".strip()
            cells = [f"\\texttt{{{tex(row['key'])}}}", latex_number(row["value"]), interval, n,
                     tex(row["unit"] or ""), tex(row["method"] or "")]
            lines.append(" & ".join(cells) + " \\\\")
    lines += ["\\end{longtable}", "\\end{landscape}"]
    return "\n".join(lines)


def fill_ledger_latex(book_dir: Path, frame: pd.DataFrame, page: str = LEDGER_PAGE) -> bool:
    """Write the ledger table into the LaTeX block of the assembled ledger page; False if the book has none."""
    book_dir = Path(book_dir)
    target = book_dir / f"{page}.md"
    if not target.is_file():
        return False
    text = target.read_text(encoding="utf-8")
    start, end = text.find(LATEX_LEDGER_START), text.find(LATEX_LEDGER_END)
    if start < 0 or end < start:
        raise RuntimeError(f"{target} lacks the LaTeX ledger markers {LATEX_LEDGER_START} ... {LATEX_LEDGER_END}")
    titles = {}
    for docname in frame["page"].drop_duplicates():
        for suffix in (".ipynb", ".md"):
            if (book_dir / f"{docname}{suffix}").is_file():
                titles[docname] = notebook_title(book_dir / f"{docname}{suffix}")
                break
    table = ledger_table_latex(frame, titles)
    target.write_text(text[: start + len(LATEX_LEDGER_START)] + "\n" + table + "\n" + text[end:], encoding="utf-8")
    return True


def configure_appendices(book_dir: Path) -> None:
    """Append the assembled execution-status page to ``latex_appendices`` in the assembled ``_config.yml``."""
    config_path = Path(book_dir) / "_config.yml"
    if not (Path(book_dir) / f"{STATUS_DOC}.md").is_file():
        return
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    sphinx_config = config.setdefault("sphinx", {}).setdefault("config", {})
    appendices = list(sphinx_config.get("latex_appendices") or [])
    if STATUS_DOC not in appendices:
        sphinx_config["latex_appendices"] = [*appendices, STATUS_DOC]
    config_path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")


def render_pdf(book_dir: Path) -> Path:
    """Run Jupyter Book's LaTeX builder in *book_dir*; return the PDF it wrote."""
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(book_dir), "--builder", "pdflatex"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    pdf = Path(book_dir) / "_build" / "latex" / BOOK_PDF
    if proc.returncode != 0 or not pdf.is_file():
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-40:])
        log = Path(book_dir) / "_build" / "latex" / "book.log"
        raise RuntimeError(f"the LaTeX build failed (exit {proc.returncode}); see {log}\n{tail}")
    return pdf


def build_pdf(out_dir: Path = BUILD_DIR, *, html: bool = True) -> Path:
    """Build (or reuse) the HTML book in *out_dir*, then its PDF; return ``<out_dir>/pdf/book.pdf``."""
    missing = missing_tools()
    if missing:
        raise RuntimeError("the PDF needs TeX tools that are not installed: "
                           f"{', '.join(missing)} (run: make pdf-deps)")
    out_dir = Path(out_dir)
    if html:
        from helpers.engine.book import Book
        from helpers.engine.build import build

        build(Book(out_dir=out_dir))
    book_dir = assemble_for_pdf(out_dir / ".assembled", out_dir / ".pdf-assembled")
    ledger = out_dir / "html" / "results.csv"
    if not ledger.is_file():
        raise FileNotFoundError(f"{ledger} is missing: the PDF lists the ledger of the HTML build (make book)")
    fill_ledger_latex(book_dir, read_ledger(ledger))
    configure_appendices(book_dir)
    pdf = render_pdf(book_dir)
    target = out_dir / "pdf" / BOOK_PDF
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".pdf.part")
    shutil.copy2(pdf, partial)
    partial.replace(target)
    return target


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m helpers pdf [--out _build] [--no-html]``."""
    parser = argparse.ArgumentParser(prog="python -m helpers pdf", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(BUILD_DIR), help="build folder holding .assembled (default: _build)")
    parser.add_argument("--no-html", action="store_true", help="reuse the last HTML build's assembled book as it is")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        target = build_pdf(Path(args.out), html=not args.no_html)
    except (RuntimeError, FileNotFoundError) as error:
        print(error, file=sys.stderr)
        return 1
    print(f"wrote {target} in {time.perf_counter() - start:.0f} s")
    return 0
