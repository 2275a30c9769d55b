"""What the study-design tests share: running a chapter on a folder, and relabelling the example study.

The fixtures return callables (as ``edit_cell`` does in ``tests/conftest.py``): a test
module cannot import another under pytest's importlib mode.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import papermill as pm
import pytest

from helpers.build.ledger_io import read_notebook_results
from helpers.core.paths import CHAPTERS_DIR, DATA_DIR, ROOT
from helpers.data.tables import get_specs
from helpers.report.figure_alt import figure_checks
from helpers.report.figure_check import figure_problems

GLUED = "application/papermill.record/text/markdown"  # a glued text: read as the page shows it


class ChapterOutput(NamedTuple):
    """A chapter executed by papermill: the Markdown it showed (glued prose included), its ledger by key."""

    shown: str
    results: dict[str, dict]
    notebook: dict


def execute_chapter(folder: Path, chapter: str, source: Path, check_figures: bool = False,
                    **parameters) -> ChapterOutput:
    """Run *chapter* on the data *source* with *parameters*; with *check_figures*, every figure must be readable."""
    out = folder / f"{chapter}-{source.name}.ipynb"
    pm.execute_notebook(str(CHAPTERS_DIR / f"{chapter}.ipynb"), str(out), cwd=str(ROOT),
                        parameters={"data_source": str(source), **parameters}, progress_bar=False)
    nb = json.loads(out.read_text(encoding="utf-8"))
    if check_figures:  # measured when rendered: data width and overlaps (as tests/book/test_figures.py)
        figures = figure_checks(nb)
        assert figures and all(m is not None and not figure_problems(m) for _, m in figures), \
            [(name[:60], figure_problems(m) if m else "unmeasured") for name, m in figures]
    outputs = [o.get("data", {}) for c in nb["cells"] for o in c.get("outputs", [])]
    shown = "\n".join("".join(d.get("text/markdown", "")) + "".join(d.get(GLUED, "")) for d in outputs)
    return ChapterOutput(shown, {r["key"]: r for r in read_notebook_results(out)}, nb)


@pytest.fixture
def run_chapter(tmp_path):
    """``run_chapter(chapter, source, check_figures=False, **parameters)`` -> :class:`ChapterOutput`."""
    return lambda chapter, source, check_figures=False, **parameters: execute_chapter(
        tmp_path, chapter, source, check_figures, **parameters)


@dataclass
class Relabelling:
    """Every level of the example study renamed (old -> new), in its descriptor, tables and result keys."""

    names: dict[str, str]

    def _pairs(self):
        return sorted(self.names.items(), key=lambda kv: -len(kv[0]))  # longest first: SOD1_G85R_Sigmar1_KO

    def text(self, text: str) -> str:
        """*text* with every level renamed where it stands as a whole word."""
        for old, new in self._pairs():
            text = re.sub(rf"(?<![\w-]){re.escape(old)}(?![\w-])", new, text)
        return text

    def key(self, key: str, whole: bool = True) -> str:
        """A ledger key with the level it ends with renamed (and the whole key, when *whole*)."""
        for old, new in self._pairs():
            pattern = rf"(?<=_){re.escape(old)}$" + (rf"|^{re.escape(old)}$" if whole else "")
            key = re.sub(pattern, new, key)
        return key

    def example(self, folder: Path, tables: tuple[str, ...]) -> Path:
        """Write the example descriptor and *tables* into *folder* with every factor level renamed."""
        folder.mkdir()
        descriptor = (DATA_DIR / "datapackage.yaml").read_text(encoding="utf-8")
        (folder / "datapackage.yaml").write_text(self.text(descriptor), encoding="utf-8")
        specs = get_specs()
        for table in tables:
            frame = pd.read_csv(DATA_DIR / specs[table].filename, dtype=str, keep_default_na=False)
            for column in specs[table].factor_columns:
                if column in frame:
                    frame[column] = frame[column].replace(self.names)
            frame.to_csv(folder / specs[table].filename, index=False)
        return folder


@pytest.fixture(scope="session")
def relabel():
    """:class:`Relabelling`: ``relabel(RENAME)`` renames levels in descriptors, tables and keys."""
    return Relabelling
