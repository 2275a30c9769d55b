"""Every figure of the built book reads: its data area has most of the width, no text overlaps.

The measurements were taken in the kernel when each figure was rendered for the page
(:func:`helpers.report.figure_alt.png_with_alt`, :mod:`helpers.report.figure_check`)
and stored with the output; here they are read back from the executed notebooks
of the built book. ``tests/report/test_figure_check.py`` shows the check fails on a
squeezed and on an overlapping figure.
"""

from __future__ import annotations

import json

import pytest

from helpers.engine.notebooks import chapter_notebooks
from helpers.report.figure_alt import figure_checks
from helpers.report.figure_check import MIN_AXES_SHARE, figure_problems

pytestmark = pytest.mark.slow


def _figures(built_book):
    found = []
    for nb_path in chapter_notebooks():
        executed = built_book / "executed" / f"{nb_path.stem}.ipynb"
        assert executed.is_file(), f"no executed notebook for {nb_path.stem}"
        nb = json.loads(executed.read_text(encoding="utf-8"))
        found += [(nb_path.stem, name, measures) for name, measures in figure_checks(nb)]
    return found


def test_every_figure_was_measured_and_reads(built_book):
    figures = _figures(built_book)
    assert len(figures) >= 20, f"only {len(figures)} figures found in the book"
    unmeasured = [f"{chapter}: {name}" for chapter, name, m in figures if m is None]
    assert unmeasured == [], "figures rendered without the figure check:\n" + "\n".join(unmeasured)
    problems = [f"{chapter}: {name[:90]}: {p}" for chapter, name, m in figures for p in figure_problems(m)]
    assert problems == [], f"figures below {MIN_AXES_SHARE:.0%} data width or with overlapping text:\n" + \
        "\n".join(problems)
