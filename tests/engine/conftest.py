"""The tiny book the engine's tests build (a fixture: test modules cannot import one another).

Three chapters that each start a kernel in about a second:

* ``alpha`` imports ``tinyhelp.core`` (which imports ``tinyhelp.util``, and
  ``tinyhelp.plugin`` through ``importlib``) and reads ``data/a.csv`` through it;
* ``beta`` reads ``data/b.csv`` with ``open`` and prints its ``label`` parameter;
* ``gamma`` imports ``tinyhelp.other`` and reads ``data/b.csv`` with ``pathlib``.

``tiny.make(root)`` writes it; ``tiny.with_tables(root)`` writes it with chapters that
declare book tables (alpha needs ``human_blot``; beta ``mouse_blot`` and ``pla_cells``;
gamma either ``human_blot`` or ``pla_cells``).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

PARAMETERS_YML = """\
alpha:
  parameters:
    data_source: {type: path}
    scale: {type: float, min: 0, max: 10}
  test_variant: {scale: 2.0}
beta:
  parameters:
    data_source: {type: path}
    label: {type: str}
  test_variant: {label: other}
gamma:
  parameters:
    data_source: {type: path}
    mode: {type: str, allowed: [a, b]}
    repeats: {type: int, min: 1, nullable: true}
  test_variant: {mode: b}
"""

CONFIG_YML = """\
title: Tiny book
author: Tests
only_build_toc_files: true
exclude_patterns: [_build, data, src, "**.ipynb_checkpoints"]
execute:
  execute_notebooks: force
sphinx:
  config:
    suppress_warnings: ["mystnb.unknown_mime_type"]
"""


def _notebook(title: str, params: str, code: list[str]) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                   "language_info": {"name": "python"}}
    nb.cells.append(new_markdown_cell(f"# {title}\n\nTiny chapter."))
    cell = new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    nb.cells.append(cell)
    for i, source in enumerate(code):
        nb.cells.append(new_markdown_cell(f"Step {i}."))
        nb.cells.append(new_code_cell(source))
    return nb


def make_tiny_book(root: Path) -> Path:
    """Write the tiny book into *root*; return it."""
    (root / "chapters").mkdir(parents=True)
    (root / "data").mkdir()
    pkg = root / "src" / "tinyhelp"
    pkg.mkdir(parents=True)
    (root / "_config.yml").write_text(CONFIG_YML)
    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n"
                                   "  - file: chapters/alpha\n  - file: chapters/beta\n  - file: chapters/gamma\n")
    (root / "intro.md").write_text("# Tiny book\n\nThe introduction.\n")
    (root / "requirements.txt").write_text("tinydep==1.0\n")
    (root / "chapters" / "parameters.yml").write_text(PARAMETERS_YML)
    (root / "chapters" / "variants.yml").write_text("mode_b:\n  description: gamma in mode b\n"
                                                    "  parameters:\n    gamma: {mode: b}\n")
    (root / "data" / "a.csv").write_text("x\n1\n2\n")
    (root / "data" / "b.csv").write_text("y\n3\n")
    (pkg / "__init__.py").write_text("")
    (pkg / "util.py").write_text("FACTOR = 1\n")
    (pkg / "plugin.py").write_text("OFFSET = 0\n")
    (pkg / "core.py").write_text(textwrap.dedent("""\
        import importlib
        from pathlib import Path
        from .util import FACTOR

        def total(data_source, name):
            rows = Path(data_source, name).read_text().split()[1:]
            offset = importlib.import_module("tinyhelp.plugin").OFFSET  # imported by name at run time
            return FACTOR * sum(int(r) for r in rows) + offset
        """))
    (pkg / "other.py").write_text("GREETING = 'hello'\n")
    nbs = {
        "alpha": _notebook("Alpha", 'data_source = "data"\nscale = 1.0',
                           ["from tinyhelp.core import total", "print('alpha total', scale * total(data_source, 'a.csv'))"]),
        "beta": _notebook("Beta", 'data_source = "data"\nlabel = "plain"',
                          ["import os\nwith open(os.path.join(data_source, 'b.csv')) as f:\n    print(f.read())",
                           "print('label is', label)"]),
        "gamma": _notebook("Gamma", 'data_source = "data"\nmode = "a"\nrepeats = None',
                           ["from pathlib import Path\nfrom tinyhelp.other import GREETING",
                            "print(GREETING, mode, Path(data_source, 'b.csv').read_text())"]),
    }
    for name, nb in nbs.items():
        nbformat.write(nb, str(root / "chapters" / f"{name}.ipynb"))
    return root


TABLES_YML = {"alpha": "  tables: {required: [human_blot], optional: []}\n",
              "beta": "  tables: {required: [mouse_blot, pla_cells], optional: []}\n",
              "gamma": "  tables: {required: [], optional: [human_blot, pla_cells]}\n"}


def tables_book(root: Path) -> Path:
    """Write the tiny book whose chapters declare book tables into *root*; return it."""
    make_tiny_book(root)
    text = PARAMETERS_YML
    for name, line in TABLES_YML.items():
        text = text.replace(f"{name}:\n", f"{name}:\n{line}", 1)
    (root / "chapters" / "parameters.yml").write_text(text)
    return root


class TinyBook:
    """The writers of the tiny book."""

    make = staticmethod(make_tiny_book)
    with_tables = staticmethod(tables_book)
    parameters_yml = PARAMETERS_YML


@pytest.fixture(scope="session")
def tiny() -> type[TinyBook]:
    """The tiny book's writers: ``tiny.make(root)``, ``tiny.with_tables(root)``."""
    return TinyBook
