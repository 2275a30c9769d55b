"""Figures of the book. Every function returns a matplotlib Figure and never shows or saves it.

Every figure ends with :func:`_finish` (or :func:`_finish_with_band` when a
figure legend sits below the axes): long labels and titles are wrapped, the
figure grows until its data area takes most of its width
(:func:`helpers.report.figure_layout.fit_figure`) and numeric ticks never
collide; :mod:`helpers.report.figure_check` measures the result.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import Locator

from helpers.report.figure_alt import SIMULATED_MARK
from helpers.report.figure_layout import fit_figure, wrap_label, wrap_labels

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")
#: The height (inches) kept free at the bottom of a figure for the simulated-data stamp.
STAMP_BAND_IN = 0.2
#: Row labels (estimates, strata, estimators) are wrapped at this many characters.
LABEL_WIDTH = 30


def mark_simulated(fig: plt.Figure, simulated: bool = True) -> plt.Figure:
    """Stamp *fig* with a visible 'simulated example data' label (if *simulated*)."""
    if simulated:
        fig.text(0.995, 0.005, SIMULATED_MARK, ha="right", va="bottom", fontsize=8,
                 color="#b22222", alpha=0.9, fontweight="bold")
    return fig


def _wrap_titles(fig: plt.Figure) -> None:
    """Wrap every axes title to the width its column of the figure gives it."""
    for ax in fig.axes:
        spec = ax.get_subplotspec()
        columns = spec.get_gridspec().ncols if spec is not None else 1
        for loc in ("center", "left"):
            title = ax.get_title(loc)
            if title:
                artist = ax.title if loc == "center" else ax._left_title
                chars = int(fig.get_figwidth() / columns * 72 / (artist.get_fontsize() * 0.58))
                ax.set_title(wrap_label(title, max(chars, 18)), fontsize=artist.get_fontsize(), loc=loc)


def _finish(fig: plt.Figure, simulated: bool, suptitle: str | None = None, band_in: float = 0.0) -> plt.Figure:
    """Give *fig* the book's finish: suptitle, no top/right spines, a layout that reads, simulated stamp.

    *band_in* inches are kept free below the axes (for a figure legend), plus
    the stamp's band when *simulated*.
    """
    if suptitle is not None:
        chars = int(fig.get_figwidth() * 72 / (10 * 0.58))
        fig.suptitle(wrap_label(suptitle, max(chars, 30)), fontsize=10)
    _wrap_titles(fig)
    sns.despine(fig)
    bottom = band_in + (STAMP_BAND_IN if simulated else 0.0)
    fit_figure(fig, rect=(0, bottom / fig.get_figheight(), 1, 1) if bottom else None)
    return mark_simulated(fig, simulated)


def nice_log_ticks(low: float, high: float, max_ticks: int = 8) -> list[float]:
    """Return plain-number ticks (…, 0.5, 0.7, 1, 2, 3, 5, …) between *low* and *high*, at most *max_ticks*.

    The densest of the mantissa sets 1-2-3-5-7, 1-2-5, 1-3 and 1 that fits is used.

    >>> nice_log_ticks(0.87, 7.6)
    [1.0, 2.0, 3.0, 5.0, 7.0]
    >>> nice_log_ticks(0.01, 100)
    [0.01, 0.1, 1.0, 10.0, 100.0]
    """
    low, high = sorted((float(low), float(high)))
    if not (np.isfinite(low) and np.isfinite(high)) or low <= 0:
        return []
    first, last = int(np.floor(np.log10(low))), int(np.ceil(np.log10(high)))
    ticks: list[float] = []
    for mantissas in ((1, 2, 3, 5, 7), (1, 2, 5), (1, 3), (1,)):
        ticks = [float(f"{m * 10.0 ** e:.12g}") for e in range(first, last + 1) for m in mantissas
                 if low * (1 - 1e-9) <= m * 10.0 ** e <= high * (1 + 1e-9)]
        if len(ticks) <= max_ticks:
            break
    return ticks


class _NiceLogLocator(Locator):
    """Ticks of :func:`nice_log_ticks` for the axis's current view."""

    def __call__(self):
        low, high = self.axis.get_view_interval()
        return nice_log_ticks(low, high)

    def tick_values(self, vmin, vmax):
        return nice_log_ticks(vmin, vmax)


def _log_axis(axis) -> None:
    """Put *axis* on a log scale labelled with plain numbers (0.5, 1, 2), not powers of ten."""
    from matplotlib.ticker import FuncFormatter, NullLocator

    axis.axes.set_xscale("log") if axis.axis_name == "x" else axis.axes.set_yscale("log")
    axis.set_major_locator(_NiceLogLocator())
    axis.set_minor_locator(NullLocator())
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
    ax.set_xticks(range(len(order)), wrap_labels(order, 16))
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(title=batch, fontsize=7, title_fontsize=7, frameon=False, loc="center left",
              bbox_to_anchor=(1.0, 0.5))
    return _finish(fig, simulated)


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
    # The legend sits in its own band below the axes, above the "simulated" stamp.
    ncol = min(len(handles), 3)
    rows = -(-len(handles) // ncol)
    fig.legend(handles=handles, fontsize=7, frameon=False, loc="lower center", ncol=ncol,
               bbox_to_anchor=(0.5, STAMP_BAND_IN / fig.get_figheight()))
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
    """
    fig, ax = plt.subplots(figsize=(5.6, 3.9))
    rng = np.random.default_rng(0)  # fixed jitter: figures are deterministic
    for i, group in enumerate(order):
        group_means = means[means[x] == group].sort_values(unit)
        palette = sns.color_palette("colorblind", max(len(group_means), 1))
        offsets = np.linspace(-0.24, 0.24, len(group_means)) if len(group_means) > 1 else np.zeros(1)
        for colour, offset, row in zip(palette, offsets, group_means.itertuples(), strict=False):
            own = cells[(cells[x] == group) & (cells[unit] == getattr(row, unit))]
            ax.scatter(i + offset + rng.uniform(-0.05, 0.05, len(own)), own[y], s=7, color=colour,
                       alpha=0.35, linewidth=0)
            ax.scatter(i + offset, getattr(row, mean_y), s=70, color=colour, edgecolor="black",
                       linewidth=0.9, zorder=3)
        if len(group_means):
            ax.hlines(group_means[mean_y].mean(), i - 0.32, i + 0.32, color="black", linewidth=2.5, zorder=4)
    ax.set_xticks(range(len(order)), wrap_labels(order, 16), fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.set_title(title, fontsize=10)
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
    fig, axes = plt.subplots(1, len(facet_order), figsize=(3.0 * len(facet_order) + 1.4, 3.4), squeeze=False)
    palette = dict(zip(hue_order, sns.color_palette("colorblind", len(hue_order)), strict=True))
    for ax, level in zip(axes[0], facet_order, strict=True):
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
    axes[0][0].set_ylabel(ylabel)
    axes[0][-1].legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
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
    ax.errorbar(effects[estimate], ys,
                xerr=[effects[estimate] - effects[low], effects[high] - effects[estimate]],
                fmt="o", color="black", capsize=3, label=ci_label)
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
               bbox_to_anchor=(0.01, STAMP_BAND_IN / fig.get_figheight()))
    rows = -(-len(labels) // 2)
    return _finish(fig, simulated, band_in=0.08 + 0.16 * rows)


def plot_dose_response(
    table: pd.DataFrame,
    curves: pd.DataFrame,
    summary: pd.DataFrame | None,
    *,
    response: str,
    ylabel: str,
    genotypes: list[str],
    title: str,
    unit: str = "culture_id",
    summary_label: str = "EC50 with CI",
    simulated: bool = True,
) -> plt.Figure:
    """Plot each culture's dose series (thin), each genotype's fitted 4PL curve (bold) and EC50 with CI.

    Parameters
    ----------
    table : DataFrame
        One row per culture x dose with ``genotype, dose_um``, *unit* and *response*.
    curves : DataFrame
        ``genotype, dose, fitted`` on a fine dose grid (:func:`helpers.stats.dose_response.group_curve`).
    summary : DataFrame or None
        ``genotype, ec50, ec50_ci_low, ec50_ci_high`` drawn as a point with a
        horizontal bar at the bottom of the panel.
    """
    fig, ax = plt.subplots(figsize=(5.6, 3.8))
    palette = dict(zip(genotypes, sns.color_palette("colorblind", len(genotypes)), strict=True))
    positive = table.loc[table["dose_um"] > 0, "dose_um"]
    zero_at = positive.min() / 3.0  # vehicle (0 µM) drawn left of the first dose on the log axis
    for i, genotype in enumerate(genotypes):
        sub = table[table["genotype"] == genotype]
        for _, series in sub.groupby(unit):
            x = series["dose_um"].where(series["dose_um"] > 0, zero_at)
            ax.plot(x, series[response], color=palette[genotype], alpha=0.35, linewidth=0.7, marker=".")
        curve = curves[(curves["genotype"] == genotype) & (curves["dose"] > 0)]
        ax.plot(curve["dose"], curve["fitted"], color=palette[genotype], linewidth=2.4,
                label=f"{genotype.replace('_', ' ')} ({sub[unit].nunique()} cultures)")
        if summary is not None:
            row = summary.set_index("genotype").loc[genotype]
            y = -0.06 - 0.05 * i
            ax.plot([row["ec50_ci_low"], row["ec50_ci_high"]], [y, y], color=palette[genotype], linewidth=2)
            ax.scatter(row["ec50"], y, color=palette[genotype], edgecolor="black", zorder=3, s=25)
    ax.set_xscale("log")
    ticks = [zero_at, *sorted(positive.unique())]
    ax.set_xticks(ticks, ["0", *(f"{d:g}" for d in sorted(positive.unique()))], fontsize=7)
    ax.minorticks_off()
    ax.set_xlabel("sodium arsenite (µM)")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    if summary is not None:
        ax.text(ticks[-1], -0.06, summary_label, fontsize=7, ha="right", va="center")
    ax.legend(fontsize=7, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return _finish(fig, simulated)


def plot_survival(
    curves: pd.DataFrame,
    at_risk: pd.DataFrame,
    *,
    xlabel: str,
    ylabel: str,
    title: str,
    censored: pd.DataFrame | None = None,
    simulated: bool = True,
) -> plt.Figure:
    """Plot Kaplan-Meier step curves with confidence bands and a numbers-at-risk table below.

    Parameters
    ----------
    curves : DataFrame
        ``group, time, survival, ci_low, ci_high`` (:func:`helpers.stats.survival.survival_curves`).
    at_risk : DataFrame
        Numbers at risk, groups as rows and times as columns
        (:func:`helpers.stats.survival.numbers_at_risk`).
    censored : DataFrame, optional
        ``group, time, survival`` of censored mice, drawn as ticks.
    """
    groups = list(at_risk.index)
    fig, (ax, tab) = plt.subplots(2, 1, figsize=(6.4, 4.6 + 0.18 * len(groups)), sharex=True,
                                  gridspec_kw={"height_ratios": [4, 0.35 + 0.3 * len(groups)]})
    palette = dict(zip(groups, sns.color_palette("colorblind", len(groups)), strict=True))
    for group in groups:
        sub = curves[curves["group"] == group]
        ax.step(sub["time"], sub["survival"], where="post", color=palette[group], linewidth=1.8,
                label=group.replace("_", " "))
        ax.fill_between(sub["time"], sub["ci_low"], sub["ci_high"], step="post", color=palette[group], alpha=0.15)
        if censored is not None:
            marks = censored[censored["group"] == group]
            ax.scatter(marks["time"], marks["survival"], marker="|", s=60, color=palette[group], zorder=3)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, frameon=False, loc="lower left")
    times = [float(t) for t in at_risk.columns]
    for j, group in enumerate(groups):
        for t, n in zip(times, at_risk.loc[group], strict=True):
            tab.text(t, len(groups) - 1 - j, str(n), ha="center", va="center", fontsize=7, color=palette[group])
    tab.set_ylim(-0.6, len(groups) - 0.4)
    tab.set_yticks(range(len(groups))[::-1], [g.replace("_", " ") for g in groups], fontsize=7)
    tab.set_xticks(times, [f"{t:g}" for t in times])
    tab.set_xlabel(xlabel)
    tab.set_title("number at risk", fontsize=8, loc="left")
    tab.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        tab.spines[side].set_visible(False)
    sns.despine(fig=fig, ax=ax)
    _wrap_titles(fig)
    fit_figure(fig, rect=(0, (STAMP_BAND_IN if simulated else 0.0) / fig.get_figheight(), 1, 1))
    return mark_simulated(fig, simulated)


def plot_calibration(
    table: pd.DataFrame,
    *,
    labels: dict[str, str] | None = None,
    roles: dict[str, str] | None = None,
    title: str = "Calibration",
    simulated: bool = True,
) -> plt.Figure:
    """Plot coverage and type I error per estimator with the acceptance bands and Monte Carlo error.

    Parameters
    ----------
    table : DataFrame
        Calibration table (``helpers.simstudies.calibration``): ``estimator, kind, value,
        mc_se, lower_band, upper_band``.
    labels, roles : dict, optional
        Display label and role (``"book"`` filled, ``"naive"`` open marker) per estimator.
    """
    labels = labels or {}
    roles = roles or {}
    names = list(dict.fromkeys(table["estimator"]))
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 0.9 + 0.42 * len(names)), sharey=True)
    ys = {name: i for i, name in enumerate(names[::-1])}
    for ax, kind, xlabel in zip(axes, ("coverage", "type_I"),
                                ("coverage of the confidence interval", "type I error (null rejected)"),
                                strict=True):
        sub = table[table["kind"] == kind]
        if sub.empty:
            continue
        ax.axvspan(sub["lower_band"].iloc[0], sub["upper_band"].iloc[0], color="#2e8b57", alpha=0.15,
                   label="acceptance band")
        ax.axvline((sub["lower_band"].iloc[0] + sub["upper_band"].iloc[0]) / 2, color="#2e8b57", linewidth=1)
        for row in sub.itertuples():
            naive = roles.get(row.estimator) == "naive"
            ax.errorbar(row.value, ys[row.estimator], xerr=1.96 * row.mc_se, fmt="o", capsize=3,
                        color="#b22222" if naive else "black", markerfacecolor="white" if naive else None)
        ax.set_xlabel(xlabel)
    axes[0].set_yticks(list(ys.values()), wrap_labels([labels.get(n, n) for n in ys], 36), fontsize=7)
    axes[0].legend(fontsize=7, frameon=False, loc="lower left")
    return _finish(fig, simulated, suptitle=title + " (bars: 95% Monte Carlo interval; open red: naive variants)")


def plot_power_curves(
    grid: pd.DataFrame,
    *,
    x: str,
    line: str | None,
    panel: str,
    target: float,
    xlabel: str,
    line_label: str = "",
    title: str = "Power",
    simulated: bool = True,
) -> plt.Figure:
    """Plot simulated power (with Monte Carlo error bars) against design size, one panel per scenario.

    Parameters
    ----------
    grid : DataFrame
        Columns *x*, *panel*, optionally *line*, ``power_sim`` and ``mc_se``.
    x, line, panel : str
        Column on the x axis, column distinguishing the lines (or None), column of the panels.
    target : float
        Power drawn as a dashed reference line.
    """
    panels = list(dict.fromkeys(grid[panel]))
    fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels) + 0.8, 3.4), sharey=True, squeeze=False)
    levels = [None] if line is None else sorted(grid[line].unique())
    palette = sns.color_palette("viridis", len(levels))
    for ax, name in zip(axes[0], panels, strict=True):
        sub = grid[grid[panel] == name]
        for color, level in zip(palette, levels, strict=True):
            pts = sub if level is None else sub[sub[line] == level]
            ax.errorbar(pts[x], pts["power_sim"], yerr=1.96 * pts["mc_se"], marker="o", markersize=3.5,
                        color=color, capsize=2, linewidth=1.2,
                        label=None if level is None else f"{level} {line_label}".strip())
        ax.axhline(target, color="grey", linestyle="--", linewidth=1)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(xlabel)
        ax.set_title(str(name), fontsize=9)
    axes[0][0].set_ylabel("power (simulated)")
    if line is not None:
        axes[0][-1].legend(fontsize=7, frameon=False, loc="lower right")
    return _finish(fig, simulated, suptitle=title)

