"""The figure check measures what a reader sees: a squeezed data area or overlapping text fails it."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers.report.figure_check import (
    MIN_AXES_SHARE,
    check_figure,
    figure_problems,
    measure_figure,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_a_plain_figure_passes():
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot([1, 2, 3], [2, 1, 3])
    ax.set(title="a title", xlabel="week", ylabel="score")
    fig.tight_layout()
    m = measure_figure(fig)
    assert m.data_share > 0.75
    assert m.overlaps == []
    assert check_figure(fig) == []


def test_a_figure_squeezed_by_long_labels_fails():
    fig, ax = plt.subplots(figsize=(4, 2.5))
    ax.errorbar([1.0, 1.2], [0, 1], xerr=0.1, fmt="o")
    ax.set_yticks([0, 1], ["a very long label of an estimate that nobody wrapped, first of two",
                           "a second very long label of an estimate that nobody wrapped at all"])
    fig.tight_layout()
    m = measure_figure(fig)
    assert m.data_share < MIN_AXES_SHARE
    problems = check_figure(fig)
    assert problems and "of the figure width" in problems[0]


def test_a_legend_beside_the_axes_that_takes_the_width_fails():
    fig, ax = plt.subplots(figsize=(4, 3))
    for i in range(3):
        ax.plot([0, 1], [i, i + 1], label=f"series {i} with a long, long, long description of what it is")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    assert measure_figure(fig).data_share < MIN_AXES_SHARE


def test_overlapping_tick_labels_fail():
    fig, ax = plt.subplots(figsize=(1.2, 2.0))
    ax.set_xscale("log")
    ax.set_xlim(0.25, 0.8)
    ax.set_xticks([0.3, 0.4, 0.5, 0.6, 0.7], ["0.3", "0.4", "0.5", "0.6", "0.7"])
    problems = measure_figure(fig).overlaps
    assert any("x tick label" in p and "overlaps" in p for p in problems), problems


def test_a_label_under_the_legend_fails():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot(np.arange(5), np.arange(5), label="data")
    ax.set_ylabel("score")
    # A legend dropped onto the y tick labels.
    ax.legend(loc="center right", bbox_to_anchor=(0.05, 0.5))
    overlaps = measure_figure(fig).overlaps
    assert any("legend" in p for p in overlaps), overlaps


def test_ticks_outside_the_view_are_not_counted():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([1, 2], [1, 2])
    ax.set_xticks([-100, 1, 1.5, 2, 100])  # two ticks far outside the limits share a spot off-axes
    ax.set_xlim(0.9, 2.1)
    assert measure_figure(fig).overlaps == []


def test_problems_are_read_back_from_stored_measurements():
    assert figure_problems({"data_share": 0.55, "overlaps": []}) == []
    assert figure_problems({"data_share": 0.2, "overlaps": []}) == [
        "data area is 20% of the figure width (at least 40% needed)"]


def test_the_png_formatter_stores_the_measurements():
    from helpers.report.figure_alt import png_with_alt

    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set(title="t", xlabel="x", ylabel="y")
    data, meta = png_with_alt(fig)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert meta["alt"].startswith("Figure: t")
    assert set(meta["figure_check"]) >= {"data_share", "overlaps", "axes_shares"}
    assert meta["figure_check"]["overlaps"] == [] and meta["figure_check"]["data_share"] > 0.6
