"""Every chapter executes from a clean kernel under a non-default parameter set."""

from __future__ import annotations

import nbformat
import papermill as pm
import pytest
import yaml

from helpers.core.paths import CHAPTERS_DIR, ROOT
from helpers.engine.notebooks import chapter_notebooks
from helpers.report.ledger.files import read_notebook_results

DECLARED = yaml.safe_load((CHAPTERS_DIR / "parameters.yml").read_text())
CHAPTERS = [nb.stem for nb in chapter_notebooks()]


def test_every_chapter_declares_parameters_and_a_test_variant():
    for name in CHAPTERS:
        assert name in DECLARED, f"chapters/parameters.yml has no entry for {name}"
        assert DECLARED[name].get("test_variant"), f"{name} has no test_variant"


def test_notebooks_in_git_carry_no_outputs():
    for nb_path in CHAPTERS_DIR.glob("*.ipynb"):
        nb = nbformat.read(str(nb_path), as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, f"{nb_path.name} has outputs"


def test_every_chapter_has_one_parameters_cell_of_literals():
    import ast

    for nb_path in chapter_notebooks():
        nb = nbformat.read(str(nb_path), as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, nb_path.name
        for node in ast.parse(tagged[0].source).body:
            assert isinstance(node, ast.Assign), f"{nb_path.name}: parameters cell holds more than assignments"
            ast.literal_eval(node.value)  # raises if not a literal
        declared = DECLARED[nb_path.stem]["parameters"]
        names = {t.id for node in ast.parse(tagged[0].source).body for t in node.targets}
        assert names == set(declared), f"{nb_path.name}: parameters cell {names} vs declared {set(declared)}"


@pytest.mark.slow
@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_runs_with_non_default_parameters(name, tmp_path):
    variant = DECLARED[name]["test_variant"]
    out = tmp_path / f"{name}.ipynb"
    pm.execute_notebook(str(CHAPTERS_DIR / f"{name}.ipynb"), str(out), parameters=variant,
                        kernel_name="python3", cwd=str(ROOT), progress_bar=False)
    results = read_notebook_results(out)
    assert results, f"{name} published no results"
    assert all(r["chapter"] == name for r in results)
