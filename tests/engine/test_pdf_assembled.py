"""What the PDF build writes into its assembled book before LaTeX runs (no TeX needed).

The results ledger reaches the web page after rendering, which LaTeX never
sees: :func:`helpers.engine.pdf.fill_ledger_latex` writes it into the assembled
ledger page as a long table. The execution status page becomes an appendix.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from helpers.core.paths import ROOT
from helpers.engine.assemble import STATUS_DOC
from helpers.engine.pdf import (
    LATEX_LEDGER_END,
    LATEX_LEDGER_START,
    configure_appendices,
    fill_ledger_latex,
    ledger_table_latex,
    tex,
)
from helpers.report.ledger import LEDGER_COLUMNS


def ledger(rows: list[dict]) -> pd.DataFrame:
    base = {"ci_low": float("nan"), "ci_high": float("nan"), "ci_level": float("nan"), "n": 3, "n_unit": "mice",
            "unit": "ratio", "method": "OLS", "description": "d", "data_source": "simulated example data",
            "data_files": json.dumps({}), "parameters": json.dumps({}), "commit": "abc"}
    frame = pd.DataFrame([{**base, **row} for row in rows], columns=LEDGER_COLUMNS)
    return frame.astype({"n": "Int64"})


ROWS = [
    {"chapter": "alpha", "page": "chapters/alpha", "key": "ratio_lumbar_spinal_cord", "value": 0.49137,
     "ci_low": 0.35049, "ci_high": 0.68886, "ci_level": 0.95, "n": 22, "n_unit": "donors",
     "unit": "ratio of geometric means", "method": "OLS of log(pTBK1/TBK1) on diagnosis + gel; 100% sure & more"},
    {"chapter": "alpha", "page": "chapters/alpha", "key": "p_adj", "value": -0.25, "ci_low": -0.5, "ci_high": 0.1,
     "ci_level": 0.9},
    {"chapter": "beta", "page": "chapters/beta", "key": "n_mice", "value": 12.0, "n": 12, "unit": "mice",
     "method": "count"},
]


def test_tex_escapes_what_latex_would_read_as_commands():
    assert tex("a_b #1 50% & {x} ~ ^ $ \\") == (
        r"a\_b \#1 50\% \& \{x\} \textasciitilde{} \textasciicircum{} \$ \textbackslash{}")
    assert tex("µM – ≥") == "µM – ≥"  # XeLaTeX typesets Unicode as it is


def test_the_ledger_table_groups_rows_by_chapter_with_every_column():
    table = ledger_table_latex(ledger(ROWS), {"chapters/alpha": "Alpha & co", "chapters/beta": "Beta"})
    assert table.count("\\begin{longtable}") == 1 and "\\begin{landscape}" in table
    assert "3 results from 2 chapters; data: simulated example data." in table
    # one heading per chapter, in ledger order, linking to the chapter's page
    alpha, beta = table.index("{Alpha \\& co}"), table.index("{Beta}")
    assert alpha < table.index("\\texttt{ratio\\_lumbar") < table.index("\\texttt{p\\_adj") < beta
    assert "\\hyperref[\\detokenize{chapters/alpha::doc}]" in table
    row = next(line for line in table.splitlines() if line.startswith("\\texttt{ratio\\_lumbar"))
    assert row.split(" & ") == ["\\texttt{ratio\\_lumbar\\_spinal\\_cord}", "0.4914", "0.3505 to 0.6889", "22 donors",
                                "ratio of geometric means",
                                "OLS of log(pTBK1/TBK1) on diagnosis + gel; 100\\% sure \\& more \\\\"]
    # the usual level is in the heading; another level is said on its row; a true minus sign
    assert "\\textbf{Interval (95\\%)}" in table
    assert "\u22120.5 to 0.1 (90\\%)" in table and "\u22120.25" in table
    # the key column is as wide as the longest key (keys never break across lines)
    assert "\\settowidth{\\ledgerkeywidth}{\\ttfamily ratio\\_lumbar\\_spinal\\_cord}" in table


def test_the_ledger_is_written_between_the_latex_markers_of_the_staged_page(tmp_path):
    page = tmp_path / "chapters" / "ledger.md"
    page.parent.mkdir()
    page.write_text(f"# Results ledger\n\n```{{raw}} latex\n{LATEX_LEDGER_START}\nold\n{LATEX_LEDGER_END}\n```\n")
    (tmp_path / "chapters" / "beta.md").write_text("# The beta chapter\n")
    assert fill_ledger_latex(tmp_path, ledger(ROWS))
    text = page.read_text()
    assert "old" not in text and "{The beta chapter}" in text and "{alpha}" in text  # alpha has no page: its name
    assert text.index(LATEX_LEDGER_START) < text.index("\\begin{longtable}") < text.index(LATEX_LEDGER_END)
    assert not fill_ledger_latex(tmp_path / "nothing", ledger(ROWS))


def test_a_ledger_page_without_markers_is_named(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "ledger.md").write_text("# Results ledger\n")
    with pytest.raises(RuntimeError, match=r"ledger\.md lacks the LaTeX ledger markers"):
        fill_ledger_latex(tmp_path, ledger(ROWS))


def test_the_repository_ledger_page_has_the_latex_markers():
    text = (ROOT / "chapters" / "ledger.md").read_text(encoding="utf-8")
    assert text.index(LATEX_LEDGER_START) < text.index(LATEX_LEDGER_END)


def test_the_execution_status_page_becomes_an_appendix_after_the_ledger(tmp_path):
    config = {"title": "t", "sphinx": {"config": {"latex_appendices": ["chapters/ledger"]}}}
    (tmp_path / "_config.yml").write_text(yaml.safe_dump(config))
    configure_appendices(tmp_path)  # no status page assembled: nothing to add
    assert yaml.safe_load((tmp_path / "_config.yml").read_text()) == config
    (tmp_path / f"{STATUS_DOC}.md").write_text("# Execution status\n")
    configure_appendices(tmp_path)
    configure_appendices(tmp_path)
    assembled = yaml.safe_load((tmp_path / "_config.yml").read_text())
    assert assembled["sphinx"]["config"]["latex_appendices"] == ["chapters/ledger", STATUS_DOC]
