"""Figures of the book. Every function returns a matplotlib Figure and never shows or saves it."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

SIMULATED_MARK = "SIMULATED EXAMPLE DATA"
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")


def mark_simulated(fig: plt.Figure, simulated: bool = True) -> plt.Figure:
    """Stamp *fig* with a visible 'simulated example data' label (if *simulated*)."""
    if simulated:
        fig.text(0.995, 0.005, SIMULATED_MARK, ha="right", va="bottom", fontsize=8,
                 color="#b22222", alpha=0.9, fontweight="bold")
    return fig


def _log_axis(axis) -> None:
    """Put *axis* on a log scale labelled with plain numbers (0.5, 1, 2), not powers of ten."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    axis.axes.set_xscale("log") if axis.axis_name == "x" else axis.axes.set_yscale("log")
    axis.set_major_locator(LogLocator(base=10, subs=(0.1, 0.2, 0.3, 0.5, 0.7, 1.0)))
    axis.set_minor_locator(LogLocator(base=10, subs=()))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))


def plot_unit_points(
    table: pd.DataFrame,
    *,
    x: str,
    y: str,
    batch: str,
    order: list[str],
    ylabel: str,
    title: str,
    simulated: bool = True,
    log_base: bool = True,
) -> plt.Figure:
    """Plot one point per experimental unit by group, marker by batch, with group means.

    SuperPlot style for one-lane-per-unit designs: every unit is shown; the
    batch (gel) is distinguishable by marker; the bold bar is the group's
    geometric mean (``y`` is on the log scale and shown as a ratio).

    Parameters
    ----------
    table : DataFrame
        One row per unit with columns *x*, *y* (natural log) and *batch*.
    x, y, batch : str
        Group column, log-scale value column, batch column.
    order : list of str
        Group order on the x axis.
    """
    fig, ax = plt.subplots(figsize=(4.8, 3.8))
    batches = sorted(table[batch].unique())
    rng = np.random.default_rng(0)  # fixed jitter: figures are deterministic
    palette = sns.color_palette("colorblind", len(order))
    for i, group in enumerate(order):
        sub = table[table[x] == group]
        for j, b in enumerate(batches):
            pts = sub[sub[batch] == b]
            jitter = rng.uniform(-0.15, 0.15, len(pts))
            ax.scatter(i + jitter, np.exp(pts[y]), marker=MARKERS[j % len(MARKERS)], s=34,
                       color=palette[i], edgecolor="black", linewidth=0.5, alpha=0.85,
                       label=b if i == 0 else None)
        gmean = np.exp(sub[y].mean())
        ax.hlines(gmean, i - 0.3, i + 0.3, color="black", linewidth=2.5)
    if log_base:
        _log_axis(ax.yaxis)
    ax.set_xticks(range(len(order)), order)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(title=batch, fontsize=7, title_fontsize=7, frameon=False, loc="center left",
              bbox_to_anchor=(1.0, 0.5))
    sns.despine(fig)
    fig.tight_layout()
    return mark_simulated(fig, simulated)


def plot_effects(
    effects: pd.DataFrame,
    *,
    label: str,
    estimate: str,
    low: str,
    high: str,
    xlabel: str,
    title: str,
    truth: str | None = None,
    reference: float = 1.0,
    simulated: bool = True,
) -> plt.Figure:
    """Plot estimates with confidence intervals (one row each), optionally with true values.

    Parameters
    ----------
    effects : DataFrame
        One row per estimate with columns *label*, *estimate*, *low*, *high*
        (and *truth* if given), on the ratio scale.
    """
    fig, ax = plt.subplots(figsize=(5.6, 0.6 + 0.5 * len(effects)))
    ys = np.arange(len(effects))[::-1]
    ax.errorbar(effects[estimate], ys,
                xerr=[effects[estimate] - effects[low], effects[high] - effects[estimate]],
                fmt="o", color="black", capsize=3, label="estimate (95% CI)")
    if truth is not None:
        ax.scatter(effects[truth], ys, marker="x", color="#b22222", zorder=3,
                   label="true value put into the simulation")
    ax.axvline(reference, color="grey", linestyle="--", linewidth=1)
    _log_axis(ax.xaxis)
    ax.set_yticks(ys, effects[label])
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.35 - 0.1 / max(len(effects), 1)))
    sns.despine(fig)
    fig.tight_layout()
    return mark_simulated(fig, simulated)
