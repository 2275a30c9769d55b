"""Two clean runs give byte-identical figures and identical results ledgers.

Matplotlib's PNG writer stores only ``Software: Matplotlib version X`` (no
date) and the version is pinned, chapters draw with fixed seeds and fixed
jitter, so the inline PNGs of a chapter must be byte-identical between two
executions from a clean kernel. The alt-text formatter must not change a byte.
"""

from __future__ import annotations

import base64
import hashlib
import re

import nbformat
import papermill as pm
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from helpers.build.ledger_io import read_notebook_results
from helpers.core.paths import CHAPTERS_DIR, ROOT

pytestmark = pytest.mark.slow


def _pngs(path) -> list[bytes]:
    nb = nbformat.read(str(path), as_version=4)
    return [base64.b64decode(out["data"]["image/png"]) for cell in nb.cells if cell.cell_type == "code"
            for out in cell.get("outputs", []) if "image/png" in out.get("data", {})]


def _png_text_chunks(png: bytes) -> list[bytes]:
    """Return the keyword of every tEXt/iTXt/zTXt/tIME chunk of a PNG."""
    import struct

    chunks, i = [], 8
    while i < len(png):
        (length,) = struct.unpack(">I", png[i : i + 4])
        kind = png[i + 4 : i + 8]
        if kind in (b"tEXt", b"iTXt", b"zTXt", b"tIME"):
            chunks.append(kind + b":" + png[i + 8 : i + 8 + length].split(b"\x00")[0])
        i += 12 + length
    return chunks


def test_human_chapter_twice_gives_identical_figures_and_ledger(tmp_path):
    runs = []
    for k in (1, 2):
        out = tmp_path / f"run{k}.ipynb"
        pm.execute_notebook(str(CHAPTERS_DIR / "human_tbk1.ipynb"), str(out), kernel_name="python3",
                            cwd=str(ROOT), progress_bar=False)
        runs.append(out)
    first, second = (_pngs(p) for p in runs)
    assert len(first) >= 2, "the chapter shows figures"
    assert [hashlib.sha256(p).hexdigest() for p in first] == [hashlib.sha256(p).hexdigest() for p in second]
    assert {c for png in first for c in _png_text_chunks(png)} == {b"tEXt:Software"}, "no date or path in PNGs"
    assert read_notebook_results(runs[0]) == read_notebook_results(runs[1])


def test_alt_text_formatter_keeps_the_png_bytes(tmp_path):
    nb = new_notebook(cells=[
        new_code_cell("%matplotlib inline\nimport matplotlib.pyplot as plt\nfrom IPython.display import display\n"
                      "fig, ax = plt.subplots()\nax.plot([1, 2, 3], [2, 1, 3])\n"
                      "_ = ax.set(title='A line', xlabel='x', ylabel='y')\nplt.close(fig)"),
        new_code_cell("display(fig)"),
        new_code_cell("from helpers.report.figure_alt import enable_alt_text\nenable_alt_text()\ndisplay(fig)"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    src, out = tmp_path / "alt.ipynb", tmp_path / "alt_out.ipynb"
    nbformat.write(nb, str(src))
    pm.execute_notebook(str(src), str(out), kernel_name="python3", cwd=str(ROOT), progress_bar=False)
    executed = nbformat.read(str(out), as_version=4)
    plain, with_alt = (executed.cells[i].outputs[0] for i in (1, 2))
    assert plain["data"]["image/png"] == with_alt["data"]["image/png"]
    assert "alt" not in plain.get("metadata", {}).get("image/png", {})
    assert with_alt["metadata"]["image/png"]["alt"] == "Figure: A line (y against x)."


@pytest.mark.heavy
def test_two_clean_book_builds_give_identical_ledgers_and_figures(built_book, tmp_path):
    """A second build with its own empty cache publishes the same results.csv and the same figure files."""
    from helpers.build.engine import build

    build(None, out_dir=tmp_path / "book", cache_dir=tmp_path / "cache")
    first, second = built_book / "html", tmp_path / "book" / "html"
    # Byte-identical but for the commit column: a cached chapter keeps the commit it was executed at.
    ledgers = [re.sub(r",[0-9a-f]{40}(-dirty)?(?=,|$)", ",<commit>", (d / "results.csv").read_text(), flags=re.M)
               for d in (first, second)]
    assert ledgers[0] == ledgers[1]
    figures = {p.name: p.read_bytes() for p in (first / "_images").glob("*.png")}
    assert len(figures) >= 12, "every chapter's figures are published"
    assert figures == {p.name: p.read_bytes() for p in (second / "_images").glob("*.png")}
