"""No level of the example study is written in an analysis module or a chapter's code.

Genotypes, tissues, stages, diagnosis groups, regions, fractions, proteins, tether
pairs, cell types and treatments come from the study description
(``datapackage.yaml``): an analysis that writes ``"WT"`` or ``"spinal_cord"`` in its
code reads one study only. This is the ``grep`` of issue 20's acceptance: a level
name between quotes, in the code (doctests included) of ``src/helpers/analysis/`` and
in the chapters' code cells. Prose (markdown cells, docstring sentences) may name
the published studies' models.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from helpers.core.paths import CHAPTERS_DIR, DATA_DIR, ROOT

ANALYSIS_DIR = ROOT / "src" / "helpers" / "analysis"
#: The chapter about one real, published study names that study's own levels (none of the example's).
#: Words that are levels of the example study *and* keywords of the book's own API, never a level there:
#: ``pick: other`` (the level a None default becomes), ``none`` (no normalization).
API_WORDS = {"other", "none"}


def example_levels() -> set[str]:
    """Every level the example study's descriptor declares, for every factor."""
    design = yaml.safe_load((DATA_DIR / "datapackage.yaml").read_text(encoding="utf-8"))["mam_tbk1_design"]
    levels = {str(level) for factor in design["factors"].values() for level in factor["levels"]}
    return levels - API_WORDS


def quoted(text: str, levels: set[str]) -> list[str]:
    """The level names written between quotes in *text* (``"WT"``, ``'onset'``, ``Treatment('WT')``)."""
    alternatives = "|".join(map(re.escape, sorted(levels, key=len, reverse=True)))
    pattern = re.compile(rf"""(?<![\w\\])(["'])({alternatives})\1""")
    return [match.group(2) for match in pattern.finditer(text)]


def test_the_check_finds_a_level_written_in_code():
    levels = {"WT", "spinal_cord", "onset"}
    assert quoted("""x = data[data.genotype == "WT"]; f"Treatment('WT')"; y = 'spinal_cord'""", levels) == [
        "WT", "WT", "spinal_cord"]
    assert quoted("reference = study.reference('mouse_blot', 'genotype')  # e.g. WT", levels) == []
    assert quoted('"onset_day"', levels) == []


@pytest.mark.parametrize("path", sorted(ANALYSIS_DIR.glob("*.py")), ids=lambda p: p.name)
def test_no_analysis_module_names_a_level_of_the_example_study(path):
    found = quoted(path.read_text(encoding="utf-8"), example_levels())
    assert not found, f"{path.relative_to(ROOT)} writes level names of the example study: {sorted(set(found))}"


@pytest.mark.parametrize("path", sorted(CHAPTERS_DIR.glob("*.ipynb")), ids=lambda p: p.stem)
def test_no_chapter_code_names_a_level_of_the_example_study(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
    found = quoted(code, example_levels())
    assert not found, f"{path.relative_to(ROOT)} code cells write level names of the example study: {sorted(set(found))}"
