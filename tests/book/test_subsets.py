"""Chapters that combine tables run on any subset and say what they left out.

Each combining chapter is executed once with ONE of its tables (a one-table
folder or a one-sheet workbook); the page must name what was left out and the
ledger hold only the numbers of the table present. The fast tests check
:mod:`helpers.report.subsets` on known notebooks.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import papermill as pm
import pytest

from helpers.build.ledger_io import read_notebook_results
from helpers.core.paths import CHAPTERS_DIR, DATA_DIR, ROOT
from helpers.report.chapter import start_chapter
from helpers.report.ledger import ResultsLedger
from helpers.report.subsets import (
    OptionalTables,
    glue_not_computed,
    present_flags,
    skipped_markdown,
)


def _one_table(tmp_path: Path, table: str) -> Path:
    folder = tmp_path / table
    folder.mkdir()
    shutil.copy(DATA_DIR / f"{table}.csv", folder)
    return folder


def _notebook(tmp_path: Path, markdown: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(text) for text in markdown.split("\n\n---\n\n")]
    path = tmp_path / "demo.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_present_flags_name_the_tables_of_a_one_table_folder(tmp_path):
    assert present_flags(_one_table(tmp_path, "pla_cells"), ["human_blot", "pla_cells"]) == {
        "human_blot": False, "pla_cells": True}


def test_optional_tables_load_the_present_tables_once_and_prepare_them(tmp_path):
    folder = _one_table(tmp_path, "pla_cells")
    chapter = start_chapter("demo", folder, show=False, glue=False)
    uses = {"human_blot": "the human strata", "pla_cells": "the PLA strata"}
    tables = chapter.optional_tables(uses, {"pla_cells": lambda t: t.head(7)}, show=False)
    assert list(tables) == ["pla_cells"] and tables.get("human_blot") is None
    assert len(tables["pla_cells"]) == 7  # prepared once, after reading
    assert tables.present == {"human_blot": False, "pla_cells": True} and tables.absent == ["human_blot"]
    assert tables.left_out_markdown().splitlines()[2] == (
        "- `human_blot` is not in this data, so the human strata is left out.")


def test_optional_tables_refuse_to_prepare_a_table_not_used(tmp_path):
    with pytest.raises(ValueError, match="prepare names mouse_blot"):
        OptionalTables.load(_one_table(tmp_path, "pla_cells"), {"pla_cells": "p"}, {"mouse_blot": len})


def test_optional_tables_section_shows_the_skipped_sentence(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda markdown: shown.append(markdown.data))
    tables = OptionalTables({"human_blot": "h", "pla_cells": "p"}, {"pla_cells": pd.DataFrame()})
    assert tables.section("The PLA curve", "pla_cells") is True
    assert tables.section("The blot curve", ["human_blot", "pla_cells"]) is True  # any one of them suffices
    assert shown == []
    assert tables.section("The human curve", "human_blot") is False
    assert shown == ["*The human curve is skipped: it needs `human_blot.csv`, which is not in this data.*"]
    with pytest.raises(KeyError, match="mam_fraction, not among the tables used"):
        tables.section("The fraction curve", "mam_fraction")


def test_optional_tables_glue_only_the_numbers_of_absent_tables(tmp_path):
    path = _notebook(tmp_path, "A {glue:md}`h_ratio_text`, {glue:md}`p_ratio_text` and {glue:md}`p_k_text`.")
    tables = OptionalTables({"human_blot": "h", "pla_cells": "p"}, {"pla_cells": pd.DataFrame()})
    ledger = ResultsLedger("demo", glue=False)
    ledger.report("p_ratio", 1.5, n=3, n_unit="mice", unit="ratio", method="m", description="d")
    glued = tables.glue_not_computed(ledger, {"h_": ["human_blot"], "p_": ["pla_cells"]}, path, glue=False)
    # p_k: its table is present, so the page does not blame the table
    assert glued == {"h_ratio_text": "not computed (needs `human_blot.csv`)",
                     "p_k_text": "not computed (these data give no estimate)"}
    said = tables.glue_not_computed(ledger, {"h_": ["human_blot"], "p_": ["pla_cells"]}, path, glue=False,
                                    said={"p_k_text"})  # glued in words by the chapter: left alone
    assert said == {"h_ratio_text": "not computed (needs `human_blot.csv`)"}


def test_skipped_sentence_names_the_missing_file():
    assert skipped_markdown("The curve", "human_blot") == (
        "*The curve is skipped: it needs `human_blot.csv`, which is not in this data.*")


def test_glue_not_computed_fills_only_missing_numbers_of_known_prefixes(tmp_path):
    path = _notebook(tmp_path, "A {glue:md}`h_ratio_text`, {glue:md}`h_k_text` and {glue:md}`m_ratio_text`."
                               "\n\n---\n\nB {glue:md}`h_tau_text` and {glue:md}`x_text`.")
    ledger = ResultsLedger("demo", glue=False)
    ledger.report("m_ratio", 1.5, n=3, n_unit="mice", unit="ratio", method="m", description="d")
    glued = glue_not_computed(ledger, {"h_": ["human_blot"]}, path, glue=False)
    assert glued == {"h_ratio_text": "not computed (needs `human_blot.csv`)", "h_k_text": "—",
                     "h_tau_text": "not computed (needs `human_blot.csv`)"}  # x_text: no prefix, stays missing


def test_glue_not_computed_refuses_a_formatted_number_that_may_be_absent(tmp_path):
    path = _notebook(tmp_path, "n = {glue:text}`h_k:.0f`")
    with pytest.raises(ValueError, match=r"reference it as \{glue:md\}`h_k_text`"):
        glue_not_computed(ResultsLedger("demo", glue=False), {"h_": ["human_blot"]}, path, glue=False)


@pytest.mark.parametrize("chapter", ["synthesis", "robustness", "design_next_experiment", "arsenite_challenge"])
def test_combining_chapter_markdown_has_no_formatted_number_that_may_be_absent(chapter):
    """The fast form of the slow runs: with no table at all every prefix is absent, so no glue:text may remain."""
    from helpers.report.subsets import glue_roles

    for _where, role, key, _fmt in glue_roles(CHAPTERS_DIR / f"{chapter}.ipynb"):
        assert role == "md" or key in {"target_power", "effect_fraction"}, f"{chapter}: {key} uses glue:{role}"


def _run(tmp_path: Path, chapter: str, source: Path, **parameters) -> tuple[str, set[str], set[str]]:
    out = tmp_path / f"{chapter}.ipynb"
    pm.execute_notebook(str(CHAPTERS_DIR / f"{chapter}.ipynb"), str(out), cwd=str(ROOT),
                        parameters={"data_source": str(source), **parameters}, progress_bar=False)
    nb = json.loads(out.read_text(encoding="utf-8"))
    shown = "\n".join("".join(o["data"]["text/markdown"]) for c in nb["cells"] for o in c.get("outputs", [])
                      if "text/markdown" in o.get("data", {}))
    glued = {o["metadata"]["scrapbook"]["name"]: o["data"].get("application/papermill.record/text/markdown", "")
             for c in nb["cells"] for o in c.get("outputs", []) if "scrapbook" in o.get("metadata", {})}
    not_computed = {k for k, v in glued.items() if v == "—" or str(v).startswith("not computed")}
    return shown, {r["key"] for r in read_notebook_results(out)}, not_computed


CASES = [
    # chapter, the one table given, words the page must say, a key that must be there, prefixes that must not
    ("synthesis", "pla_cells", ["`human_blot` is not in this data", "`mouse_blot` is not in this data",
                                "The TBK1 synthesis is skipped"], "mam_motor_ratio", ("tbk1_",)),
    ("robustness", "human_blot", ["`mouse_blot` is not in this data", "`pla_cells` is not in this data",
                                  "`mam_fraction` is not in this data",
                                  "The MAM (PLA) specification curve is skipped",
                                  "The MAM-fraction gel-model curve is skipped"], "human_primary_ratio",
     ("mouse_tbk1_", "mouse_mam_", "fraction_")),
    ("design_next_experiment", "mouse_blot", ["`pla_cells` is not in this data", "`human_blot` is not in this data",
                                              "The PLA power analysis is skipped"], "mouse_blot_n_obs",
     ("pla_", "human_blot_", "book_cells")),
    ("arsenite_challenge", "arsenite_cells", ["`arsenite_motor` is not in this data",
                                              "The motor analysis is skipped"], "ec50_WT", ("slope_", "n_mice", "method_difference")),
]


@pytest.mark.slow
@pytest.mark.parametrize(("chapter", "table", "words", "present_key", "absent"), CASES, ids=[c[0] for c in CASES])
def test_combining_chapter_runs_on_one_table(tmp_path, chapter, table, words, present_key, absent):
    shown, keys, not_computed = _run(tmp_path, chapter, _one_table(tmp_path, table))
    for text in words:
        assert text in shown, f"{chapter} page does not say {text!r}"
    assert present_key in keys
    assert not [k for k in keys if k.startswith(absent)], "numbers of an absent table in the ledger"
    assert not_computed and all(k.removesuffix("_text").startswith(absent) for k in not_computed)


@pytest.mark.slow
def test_own_data_runs_from_a_one_sheet_workbook(tmp_path):
    workbook = tmp_path / "lab.xlsx"
    with pd.ExcelWriter(workbook) as writer:
        pd.read_csv(DATA_DIR / "human_blot.csv").to_excel(writer, sheet_name="human_blot", index=False)
    _shown, keys, _ = _run(tmp_path, "own_data", workbook)
    results = {r["key"]: r["value"] for r in read_notebook_results(tmp_path / "own_data.ipynb")}
    assert results["n_tables"] == 1 and results["n_problems"] == 0
    assert results["n_rows"] == len(pd.read_csv(DATA_DIR / "human_blot.csv"))
    assert results["n_demo_problems"] >= 3  # the demo copy is made from the bundled tables
    assert "n_demo_problems" in keys
