"""Figures of estimates with intervals: estimation plots, forest plots, specification curves, differences."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import MaxNLocator

from helpers.report.figure_layout import wrap_labels
from helpers.report.plots._common import LABEL_WIDTH, STAMP_BAND_IN, _finish, _log_axis


def _plot_intervals(effects: pd.DataFrame, *, label: str, estimate: str, low: str, high: str, xlabel: str,
                    title: str, truth: str | None, check: str | None, check_label: str, log_scale: bool,
                    reference: float, simulated: bool, ci_label: str) -> plt.Figure:
    """Draw the rows of :func:`plot_effects` and :func:`plot_differences`; the legend sits below the axes.

    Row labels are wrapped; the figure is as tall as its wrapped labels need
    and grows sideways until the data area has most of its width.
    """
    names = wrap_labels(effects[label].astype(str), LABEL_WIDTH)
    lines = [n.count("\n") + 1 for n in names]
    row_in = [max(0.42, 0.16 * k + 0.14) for k in lines]
    fig, ax = plt.subplots(figsize=(6.4, 1.2 + sum(row_in)))
    ys = np.arange(len(effects))[::-1]
    # arrays, not Series: with one row matplotlib would call float() on a one-element Series (a FutureWarning)
    mid, lo, hi = (effects[c].to_numpy(dtype=float) for c in (estimate, low, high))
    ax.errorbar(mid, ys, xerr=[mid - lo, hi - mid], fmt="o", color="black", capsize=3, label=ci_label)
    if check is not None:
        ax.scatter(effects[check], ys - 0.18, marker="o", facecolor="none", edgecolor="#1b9e77", zorder=3,
                   label=check_label)
    if truth is not None:
        ax.scatter(effects[truth], ys, marker="x", color="#b22222", zorder=4,
                   label="true value put into the simulation")
    ax.axvline(reference, color="grey", linestyle="--", linewidth=1)
    if log_scale:
        _log_axis(ax.xaxis)
    ax.set_ylim(-0.6, len(effects) - 0.4)
    ax.set_yticks(ys, names)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=10)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=7, frameon=False, loc="lower left", ncol=min(len(labels), 2),
               bbox_to_anchor=(0.01, (STAMP_BAND_IN if simulated else 0.0) / fig.get_figheight()))
    rows = -(-len(labels) // 2)
    return _finish(fig, simulated, band_in=0.08 + 0.16 * rows)


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
    """Plot ratio estimates with confidence intervals (one row each, log axis), optionally with true values.

    Parameters
    ----------
    effects : DataFrame
        One row per estimate with columns *label*, *estimate*, *low*, *high*
        (and *truth* if given), on the ratio scale.
    reference : float
        The null value drawn as a dashed line.
    """
    return _plot_intervals(effects, label=label, estimate=estimate, low=low, high=high, xlabel=xlabel,
                           title=title, truth=truth, check=None, check_label="", log_scale=True,
                           reference=reference, simulated=simulated, ci_label="estimate (95% CI)")


def plot_forest(
    strata: pd.DataFrame,
    pooled: list[tuple[str, object]],
    *,
    xlabel: str,
    title: str,
    group: str | None = None,
    truth: str | None = None,
    simulated: bool = True,
) -> plt.Figure:
    """Draw a forest plot: one row per stratum, then one diamond per pooled estimate.

    Everything is given on the log scale and drawn as ratios (log axis).

    Parameters
    ----------
    strata : DataFrame
        One row per stratum with ``label, estimate, ci_low, ci_high`` and
        ``weight`` (relative random-effects weight, sets the square's size);
        optionally the column *group* (colour) and *truth* (red cross).
    pooled : list of (label, result)
        Pooled estimates: objects with ``estimate, ci_low, ci_high, pi_low,
        pi_high`` (a :class:`helpers.analysis.synthesis.MetaResult`). The prediction interval
        is the thin line through the diamond.
    """
    n_rows = len(strata) + len(pooled)
    names = wrap_labels([*strata["label"], *(label for label, _ in pooled)], LABEL_WIDTH)
    fig, ax = plt.subplots(figsize=(7.6, 1.9 + sum(max(0.32, 0.19 * (n.count("\n") + 1) + 0.1) for n in names)))
    ys = np.arange(n_rows)[::-1]
    groups = list(dict.fromkeys(strata[group])) if group else [None]
    palette = dict(zip(groups, sns.color_palette("colorblind", len(groups)), strict=True))
    for y, row in zip(ys, strata.to_dict("records"), strict=False):
        colour = palette[row[group]] if group else "black"
        ax.plot(np.exp([row["ci_low"], row["ci_high"]]), [y, y], color=colour, linewidth=1.2)
        ax.scatter(np.exp(row["estimate"]), y, marker="s", s=20 + 180 * row["weight"], color=colour,
                   edgecolor="black", linewidth=0.5, zorder=3)
        if truth is not None and pd.notna(row[truth]):
            ax.scatter(np.exp(row[truth]), y, marker="x", color="#b22222", s=30, zorder=4)
    for y, (_, res) in zip(ys[len(strata):], pooled, strict=True):
        ax.plot(np.exp([res.pi_low, res.pi_high]), [y, y], color="grey", linewidth=1.0)
        xs = np.exp([res.ci_low, res.estimate, res.ci_high, res.estimate])
        ax.fill(xs, [y, y + 0.3, y, y - 0.3], color="black", zorder=3)
    ax.axvline(1.0, color="grey", linestyle="--", linewidth=1)
    ax.axhline(ys[len(strata) - 1] - 0.5, color="lightgrey", linewidth=0.8)
    _log_axis(ax.xaxis)
    low, high = ax.get_xlim()
    ax.set_xticks([t for t in (0.125, 0.25, 0.5, 1.0, 2.0, 4.0) if low <= t <= high])
    ax.set_yticks(ys, names)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=10)
    handles = [plt.Line2D([], [], marker="s", linestyle="", color=palette[g], label=str(g)) for g in groups if g]
    handles.append(plt.Line2D([], [], color="grey", label="prediction interval"))
    if truth is not None:
        handles.append(plt.Line2D([], [], marker="x", linestyle="", color="#b22222",
                                  label="true value put into the simulation"))
    # The legend sits in its own band below the axes, above the "simulated" stamp (when there is one).
    ncol = min(len(handles), 3)
    rows = -(-len(handles) // ncol)
    fig.legend(handles=handles, fontsize=7, frameon=False, loc="lower center", ncol=ncol,
               bbox_to_anchor=(0.5, (STAMP_BAND_IN if simulated else 0.0) / fig.get_figheight()))
    return _finish(fig, simulated, band_in=0.08 + 0.16 * rows)


def plot_specification_curve(
    specs: pd.DataFrame,
    choices: list[str],
    *,
    ylabel: str,
    title: str,
    alpha: float = 0.05,
    simulated: bool = True,
) -> plt.Figure:
    """Draw a specification curve: sorted estimates with CIs above, the choices of each below.

    Parameters
    ----------
    specs : DataFrame
        One row per specification with ``estimate, ci_low, ci_high, p_value``
        (log scale, drawn as ratios), ``primary`` (bool) and one column per
        name in *choices*.
    choices : list of str
        Choice dimensions, one block of rows each in the lower panel.
    alpha : float
        Significance level that colours the estimates.
    """
    options = [(c, o) for c in choices for o in dict.fromkeys(specs[c])]  # in the grid's order
    specs = specs.sort_values("estimate", kind="stable").reset_index(drop=True)
    fig, (top, bottom) = plt.subplots(
        2, 1, sharex=True, figsize=(7.2, 3.0 + 0.2 * len(options)),
        gridspec_kw={"height_ratios": [2.2, 0.25 * len(options)]},
    )
    x = np.arange(len(specs))
    significant = (specs["p_value"] < alpha).to_numpy()
    colours = np.where(significant, "#0b5394", "#999999")
    top.vlines(x, np.exp(specs["ci_low"]), np.exp(specs["ci_high"]), colors=colours, linewidth=0.8)
    top.scatter(x, np.exp(specs["estimate"]), c=colours, s=10, zorder=3)
    first = int(np.flatnonzero(specs["primary"].to_numpy())[0])
    top.scatter([first], [np.exp(specs["estimate"].iloc[first])], marker="D", s=45, color="#b22222",
                zorder=4, label="primary specification")
    top.axhline(1.0, color="grey", linestyle="--", linewidth=1)
    _log_axis(top.yaxis)
    top.set_ylabel(ylabel)
    top.set_title(title, fontsize=10)
    top.legend(handles=[
        plt.Line2D([], [], marker="o", linestyle="", color="#0b5394", label=f"p < {alpha:g}"),
        plt.Line2D([], [], marker="o", linestyle="", color="#999999", label=f"p \u2265 {alpha:g}"),
        plt.Line2D([], [], marker="D", linestyle="", color="#b22222", label="primary specification"),
    ], fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ys = np.arange(len(options))[::-1]
    for y, (column, option) in zip(ys, options, strict=True):
        used = (specs[column] == option).to_numpy()
        bottom.scatter(x[used], np.full(used.sum(), y), s=8, color="black", marker="|")
        if used[first]:
            bottom.scatter([first], [y], s=20, color="#b22222", marker="D", zorder=3)
    bottom.set_yticks(ys, wrap_labels([f"{c}: {o}" for c, o in options], 36), fontsize=7)
    bottom.set_ylim(-0.7, len(options) - 0.3)
    bottom.set_xlabel("specification (sorted by estimate)")
    bottom.xaxis.set_major_locator(MaxNLocator(integer=True))  # specifications are counted, not measured
    bottom.set_xlim(-0.5, len(specs) - 0.5)
    return _finish(fig, simulated)


def plot_differences(
    effects: pd.DataFrame,
    *,
    label: str,
    estimate: str,
    low: str,
    high: str,
    xlabel: str,
    title: str,
    truth: str | None = None,
    check: str | None = None,
    check_label: str = "summary-measures estimate",
    log_scale: bool = False,
    simulated: bool = True,
) -> plt.Figure:
    """Plot estimates with confidence intervals, one row each, on a linear or log axis.

    Like :func:`plot_effects`: differences (null value 0) on a linear axis, or
    ratios (null value 1) with ``log_scale=True``. *truth* adds the simulated
    true value (red cross); *check* adds a second estimate of the same
    quantity (open circle), e.g. from another method that should agree.
    """
    return _plot_intervals(effects, label=label, estimate=estimate, low=low, high=high, xlabel=xlabel,
                           title=title, truth=truth, check=check, check_label=check_label, log_scale=log_scale,
                           reference=1.0 if log_scale else 0.0, simulated=simulated, ci_label="estimate (CI)")
