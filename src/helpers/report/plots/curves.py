"""Figures of curves: dose-response, survival, calibration, power."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from helpers.report.figure_layout import fit_figure, wrap_labels
from helpers.report.plots._common import STAMP_BAND_IN, _finish, _wrap_titles, mark_simulated


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
    ys = {name: i for i, name in enumerate(names[::-1])}
    ticks = wrap_labels([labels.get(n, n) for n in ys], 36)
    lines = max(label.count("\n") + 1 for label in ticks)
    row_in = max(0.42, 0.13 * lines + 0.1)  # a row is as tall as its wrapped label (7 pt lines), never less
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 0.9 + row_in * len(names)), sharey=True)
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
    axes[0].set_yticks(list(ys.values()), ticks, fontsize=7)
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
