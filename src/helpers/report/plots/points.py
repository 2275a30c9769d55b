"""Figures of units: one point per donor, mouse or cell (SuperPlots, fractions, coupling, trajectories)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from helpers.report.figure_layout import wrap_labels
from helpers.report.plots._common import MARKERS, _finish, _log_axis


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
    ax.set_xticks(range(len(order)), wrap_labels(order, 16))
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(title=batch, fontsize=7, title_fontsize=7, frameon=False, loc="center left",
              bbox_to_anchor=(1.0, 0.5))
    return _finish(fig, simulated)


def plot_superplot(
    cells: pd.DataFrame,
    means: pd.DataFrame,
    *,
    x: str,
    y: str,
    mean_y: str,
    unit: str,
    order: list[str],
    ylabel: str,
    title: str,
    simulated: bool = True,
    max_cells_per_unit: int = 400,
) -> plt.Figure:
    """SuperPlot (Lord et al., J Cell Biol 2020): cells faint, one bold point per unit.

    Each experimental unit (mouse) has its own colour within a group; its
    cells are small faint dots and its mean a large dot of the same colour
    with a black edge. The black bar is the group's mean of unit means, the
    summary that unit-level inference uses.

    Parameters
    ----------
    cells : DataFrame
        One row per cell with columns *x*, *y* and *unit*.
    means : DataFrame
        One row per unit with columns *x*, *mean_y* and *unit*.
    x, y, mean_y, unit : str
        Group column, cell value, unit mean value, unit identifier.
    order : list of str
        Group order on the x axis.
    max_cells_per_unit : int
        A unit with more cells shows a random sample of this many (seeded, so
        the figure is the same on every run; the title says so): a screen's
        10⁵ cells per mouse would hide the means and take minutes to draw.
        The unit means are always those of all cells.
    """
    # Wider with more groups, so each group's label keeps its room (2 to 8 genotypes).
    fig, ax = plt.subplots(figsize=(max(5.6, 1.3 + 0.95 * len(order)), 3.9))
    rng = np.random.default_rng(0)  # fixed jitter: figures are deterministic
    sampled = False
    for i, group in enumerate(order):
        group_means = means[means[x] == group].sort_values(unit)
        palette = sns.color_palette("colorblind", max(len(group_means), 1))
        offsets = np.linspace(-0.24, 0.24, len(group_means)) if len(group_means) > 1 else np.zeros(1)
        for colour, offset, row in zip(palette, offsets, group_means.itertuples(), strict=False):
            own = cells[(cells[x] == group) & (cells[unit] == getattr(row, unit))]
            if len(own) > max_cells_per_unit:
                own = own.iloc[np.sort(rng.choice(len(own), max_cells_per_unit, replace=False))]
                sampled = True
            ax.scatter(i + offset + rng.uniform(-0.05, 0.05, len(own)), own[y], s=7, color=colour,
                       alpha=0.35, linewidth=0)
            ax.scatter(i + offset, getattr(row, mean_y), s=70, color=colour, edgecolor="black",
                       linewidth=0.9, zorder=3)
        if len(group_means):
            ax.hlines(group_means[mean_y].mean(), i - 0.32, i + 0.32, color="black", linewidth=2.5, zorder=4)
    ax.set_xticks(range(len(order)), wrap_labels(order, 16 if len(order) <= 5 else 11), fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.set_title(title + (f"\n(a random {max_cells_per_unit} cells of each {unit.removesuffix('_id')} shown; means of all)"
                          if sampled else ""), fontsize=10)
    return _finish(fig, simulated)


def plot_fraction_distribution(
    shares: pd.DataFrame,
    *,
    fractions: list[str],
    facet: str,
    facet_order: list[str],
    hue: str,
    hue_order: list[str],
    title: str,
    simulated: bool = True,
) -> plt.Figure:
    """Plot a protein's share of signal in each fraction: one point per sample, bars for group means.

    One panel per *facet* level (e.g. genotype); within a panel the fractions
    are on the x axis and the *hue* levels (e.g. treatment) side by side.

    Parameters
    ----------
    shares : DataFrame
        One row per sample x fraction with ``sample_id``, ``fraction``,
        ``share`` and the columns *facet* and *hue*.
    """
    ncols = min(len(facet_order), 2)  # two panels a row: four panels in one row are unreadable in a page
    nrows = -(-len(facet_order) // ncols)
    fig, grid = plt.subplots(nrows, ncols, figsize=(3.0 * ncols + 1.4, 3.0 * nrows + 0.4), sharey=True,
                             squeeze=False)
    for extra in grid.flat[len(facet_order):]:
        extra.set_visible(False)
    axes = [list(grid.flat[:len(facet_order)])]
    palette = dict(zip(hue_order, sns.color_palette("colorblind", len(hue_order)), strict=True))
    rng = np.random.default_rng(0)  # fixed jitter: figures are deterministic
    width = 0.8 / len(hue_order)
    for ax, level in zip(axes[0], facet_order, strict=True):
        panel = shares[shares[facet] == level]
        for j, h in enumerate(hue_order):
            sub = panel[panel[hue] == h]
            xs = np.arange(len(fractions)) - 0.4 + width * (j + 0.5)
            means = sub.groupby("fraction")["share"].mean().reindex(fractions)
            ax.bar(xs, means, width=width * 0.9, color=palette[h], alpha=0.35, label=h)
            for i, fraction in enumerate(fractions):
                pts = sub[sub["fraction"] == fraction]["share"]
                ax.scatter(xs[i] + rng.uniform(-width / 5, width / 5, len(pts)), pts, s=12, color=palette[h],
                           edgecolor="black", linewidth=0.4, zorder=3)
        ax.set_xticks(range(len(fractions)), [f.replace("_", " ") for f in fractions], rotation=45, ha="right",
                      fontsize=7)
        ax.set_title(level.replace("_", " "), fontsize=8)
    for row in grid:
        row[0].set_ylabel("share of the sample's signal\n(equal protein per lane)", fontsize=8)
    grid[0][-1].legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _finish(fig, simulated, suptitle=title)


def plot_coupling(
    animals: pd.DataFrame,
    *,
    x: str,
    y: str,
    hue: str,
    hue_order: list[str],
    facet: str,
    facet_order: list[str],
    slope: float | None,
    xlabel: str,
    ylabel: str,
    title: str,
    simulated: bool = True,
) -> plt.Figure:
    """Scatter one point per animal (log-log axes), coloured by group, one panel per *facet* level.

    Parameters
    ----------
    animals : DataFrame
        One row per animal x facet with *x* and *y* on the natural-log scale.
    slope : float, optional
        A common slope drawn through each panel's mean point (dashed line).
    """
    ncols = min(len(facet_order), 3)  # at most three panels a row: five in one row are unreadable in a page
    nrows = -(-len(facet_order) // ncols)
    fig, panels = plt.subplots(nrows, ncols, figsize=(3.0 * ncols + 1.4, 3.1 * nrows + 0.3), squeeze=False)
    for extra in panels.flat[len(facet_order):]:
        extra.set_visible(False)
    palette = dict(zip(hue_order, sns.color_palette("colorblind", len(hue_order)), strict=True))
    for ax, level in zip(panels.flat, facet_order, strict=False):
        panel = animals[animals[facet] == level]
        for h in hue_order:
            sub = panel[panel[hue] == h]
            ax.scatter(np.exp(sub[x]), np.exp(sub[y]), s=22, color=palette[h], edgecolor="black", linewidth=0.4,
                       label=h.replace("_", " "), alpha=0.9)
        if slope is not None and len(panel):
            grid = np.linspace(panel[x].min(), panel[x].max(), 20)
            ax.plot(np.exp(grid), np.exp(panel[y].mean() + slope * (grid - panel[x].mean())), color="black",
                    linestyle="--", linewidth=1)
        _log_axis(ax.xaxis)
        _log_axis(ax.yaxis)
        ax.set_title(level.replace("_", " "), fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
    for row in panels:
        row[0].set_ylabel(ylabel)
    panels[0][-1].legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _finish(fig, simulated, suptitle=title)


# --------------------------------------------------------------------------
# Arsenite challenge and disease course
# --------------------------------------------------------------------------


def plot_trajectories(
    table: pd.DataFrame,
    *,
    measure: str,
    ylabel: str,
    genotypes: list[str],
    treatments: list[str],
    title: str,
    simulated: bool = True,
) -> plt.Figure:
    """Plot one thin line per mouse and the bold weekly group mean, one panel per genotype.

    Parameters
    ----------
    table : DataFrame
        One row per mouse x week with ``mouse_id, genotype, treatment, week``
        and *measure*.
    genotypes, treatments : list of str
        Panel order and colour order (the first treatment is the control).
    """
    from matplotlib.ticker import MaxNLocator

    fig, axes = plt.subplots(1, len(genotypes), figsize=(2.6 * len(genotypes) + 1.2, 3.2),
                             sharey=True, squeeze=False)
    palette = dict(zip(treatments, ("#4d4d4d", "#d95f02", *sns.color_palette("colorblind")), strict=False))
    for ax, genotype in zip(axes[0], genotypes, strict=True):
        for treatment in treatments:
            sub = table[(table["genotype"] == genotype) & (table["treatment"] == treatment)]
            for _, mouse in sub.groupby("mouse_id"):
                ax.plot(mouse["week"], mouse[measure], color=palette[treatment], alpha=0.25, linewidth=0.7)
            means = sub.groupby("week")[measure].mean()
            ax.plot(means.index, means.to_numpy(), color=palette[treatment], linewidth=2.6,
                    label=f"{treatment} (mean of {sub['mouse_id'].nunique()} mice)")
        ax.set_title(genotype.replace("_", " "), fontsize=9)
        ax.set_xlabel("week of treatment")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0][0].set_ylabel(ylabel)
    axes[0][-1].legend(fontsize=7, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return _finish(fig, simulated, suptitle=title)
