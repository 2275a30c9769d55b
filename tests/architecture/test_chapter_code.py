"""Chapters read as science: short code cells, and little of their code is bookkeeping.

CONTRIBUTING's rule: no code cell over 15 lines (the logic lives in
``helpers.analysis``). Issue 23 measured the ledger's share of chapter code: statements
that touch the ledger were 404 of 1,830 code lines before the ledger learnt to speak in
estimates (``ResultsLedger.record`` of the results tables the analyses return,
``estimates``, ``count``, ``using``); at most half of that may remain (the chapters reached
114). A line counts when it is not blank and not a comment; ``%`` magics count; a view of
the ledger (``mice = ledger.using(...)``) counts in every cell of the notebook that uses it.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from helpers.core.paths import CHAPTERS_DIR

MAX_CELL_LINES = 15
#: A code line wider than this scrolls sideways on the page.
MAX_LINE_CHARACTERS = 120
#: Ledger-touching chapter code lines on main before issue 23 (commit cf4a3a9), and the most allowed now.
LEDGER_LINES_BEFORE = 404
LEDGER_LINES_MAX = LEDGER_LINES_BEFORE // 2
#: Compound statements are counted by their own simple statements, not as one block.
COMPOUND = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.For, ast.AsyncFor, ast.While, ast.If,
            ast.With, ast.AsyncWith, ast.Try, ast.Match)
CHAPTERS = sorted(CHAPTERS_DIR.glob("*.ipynb"))


def code_cells(path: Path) -> list[str]:
    """The source of each code cell of a notebook."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def code_lines(source: str) -> set[int]:
    """Numbers of the lines that are code (not blank, not a comment)."""
    return {n for n, line in enumerate(source.splitlines(), 1) if line.strip() and not line.strip().startswith("#")}


def _parse(source: str) -> ast.Module:
    """The cell's code, magics and shell lines blanked (their line numbers kept)."""
    return ast.parse("\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()))


def view_names(sources: list[str]) -> set[str]:
    """``ledger`` and the names of its scoped views assigned in any of *sources* (the cells of one notebook)."""
    names = {"ledger"}
    for tree in map(_parse, sources):
        for node in ast.walk(tree):  # a scoped view: mice = ledger.using(n_unit="mice"), or a, b = ledger.using(), x
            if not isinstance(node, ast.Assign):
                continue
            pairs = [(t, node.value) for t in node.targets]
            pairs += [pair for t in node.targets if isinstance(t, ast.Tuple) and isinstance(node.value, ast.Tuple)
                      for pair in zip(t.elts, node.value.elts, strict=False)]
            names |= {target.id for target, value in pairs if isinstance(target, ast.Name) and _is_view(value, names)}
    return names


def ledger_lines(source: str, names: set[str] | None = None) -> set[int]:
    """Code lines of the simple statements that name ``ledger`` or a view of it (*names*; default: this cell's)."""
    tree = _parse(source)
    names = view_names([source]) if names is None else names
    touched: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and not isinstance(node, COMPOUND):
            if any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node)):
                touched |= set(range(node.lineno, node.end_lineno + 1))
    return touched & code_lines(source)


def _is_view(value: ast.expr, names: set[str]) -> bool:
    """True when *value* is ``<ledger>.using(...)``."""
    return (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "using"
            and isinstance(value.func.value, ast.Name) and value.func.value.id in names)


def test_the_counters_count_what_they_say():
    source = "%matplotlib inline\n# a comment\n\nx = 1\nledger.count('n', 3,\n    'mice', 'd')\nmice = ledger.using()\n" \
             "if x:\n    mice.estimate('k', 1.0)\ncells, k = ledger.using(), 2\ncells.count('c', k, 'cells', 'd')\n"
    assert code_lines(source) == {1, 4, 5, 6, 7, 8, 9, 10, 11}
    assert ledger_lines(source) == {5, 6, 7, 9, 10, 11}
    later = "y = 2\nmice.count('m', y, 'mice', 'd')\n"  # a view made in an earlier cell
    assert ledger_lines(later) == set() and ledger_lines(later, view_names([source, later])) == {2}


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_code_cell_is_over_fifteen_lines(path):
    long = [(i, len(code_lines(s))) for i, s in enumerate(code_cells(path)) if len(code_lines(s)) > MAX_CELL_LINES]
    assert not long, f"{path.name}: code cells over {MAX_CELL_LINES} lines (cell index, lines): {long}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_code_line_is_wider_than_the_page(path):
    wide = [line[:60] for s in code_cells(path) for line in s.splitlines() if len(line) > MAX_LINE_CHARACTERS]
    assert not wide, f"{path.name}: code lines over {MAX_LINE_CHARACTERS} characters: {wide}"


def ledger_total(paths: list[Path]) -> int:
    """Ledger-touching code lines of the notebooks at *paths*, views followed across each notebook's cells."""
    total = 0
    for path in paths:
        cells = code_cells(path)
        names = view_names(cells)
        total += sum(len(ledger_lines(s, names)) for s in cells)
    return total


def test_ledger_bookkeeping_is_at_most_half_of_what_it_was():
    total = ledger_total(CHAPTERS)
    assert 0 < total <= LEDGER_LINES_MAX, f"{total} chapter code lines touch the ledger (at most {LEDGER_LINES_MAX})"
