"""Figures of measures over age: every animal's trajectory with the group means, and genotype differences."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from helpers.report.plots._common import _finish

SEX_NAMES = {"F": "females", "M": "males"}


def _palette(genotypes: list[str]) -> dict:
    return dict(zip(genotypes, sns.color_palette("colorblind", len(genotypes)), strict=True))


def plot_trajectories(table: pd.DataFrame, means: pd.DataFrame, *, response: str, ylabel: str,
                      panels: list[tuple[str, str]], labels: dict[str, str], source: str,
                      simulated: bool = False) -> plt.Figure:
    """Plot every mouse's measure over age (thin) and the model's genotype means (bold), one panel per line x sex.

    Parameters
    ----------
    table : DataFrame
        ``line, mouse_id, genotype, sex, age_weeks`` and *response*.
    means : DataFrame
        ``line, genotype, sex, age, mean``: the fitted population curves.
    panels : list of (line, title)
        The rows of the grid, in order; the columns are the sexes.
    labels : dict
        Display label of each genotype level.
    """
    sexes = sorted(table["sex"].unique())
    fig, axes = plt.subplots(len(panels), len(sexes), figsize=(7.2, 3.1 * len(panels)), sharex=True,
                             squeeze=False)
    for row, (line, title) in enumerate(panels):
        sub = table[table["line"] == line]
        genotypes = ["WT", *sorted(set(sub["genotype"]) - {"WT"})]
        palette = _palette(genotypes)
        for col, sex in enumerate(sexes):
            ax = axes[row][col]
            for genotype in genotypes:
                cell = sub[(sub["genotype"] == genotype) & (sub["sex"] == sex)]
                for _, mouse in cell.groupby("mouse_id"):
                    ax.plot(mouse["age_weeks"], mouse[response], color=palette[genotype], alpha=0.3, linewidth=0.6)
                curve = means[(means["line"] == line) & (means["genotype"] == genotype) & (means["sex"] == sex)]
                ax.plot(curve["age"], curve["mean"], color=palette[genotype], linewidth=2.6,
                        label=f"{labels.get(genotype, genotype)} ({cell['mouse_id'].nunique()} mice)")
            ax.set_title(f"{title}, {SEX_NAMES.get(sex, sex)}", fontsize=10)
            ax.set_ylabel(ylabel if col == 0 else "")
            ax.legend(fontsize=7, frameon=False, loc="upper left")
            if row == len(panels) - 1:
                ax.set_xlabel("age (weeks)")
    return _finish(fig, simulated, source=source)


def plot_age_differences(book: dict[str, pd.DataFrame], authors: dict[str, pd.DataFrame], *, ylabel: str,
                         titles: dict[str, str], source: str, ci_level: float = 0.95,
                         simulated: bool = False) -> plt.Figure:
    """Plot the book's genotype difference over age (line and simultaneous band) beside the authors' per-sex ones.

    *book* and *authors* map a line to a table with ``age_weeks, estimate, sim_low,
    sim_high`` (and ``sex`` for the authors: one point with its adjusted interval per sex).
    """
    lines = list(book)
    fig, axes = plt.subplots(1, len(lines), figsize=(7.2, 3.4), squeeze=False)
    colours = sns.color_palette("colorblind", 4)
    for ax, line in zip(axes[0], lines, strict=True):
        b = book[line]
        ax.axhline(0, color="black", linewidth=0.8)
        ax.fill_between(b["age_weeks"], b["sim_low"], b["sim_high"], color=colours[0], alpha=0.25,
                        label=f"book: spline model, simultaneous {ci_level:.0%} CI")
        ax.plot(b["age_weeks"], b["estimate"], color=colours[0], linewidth=2)
        a = authors.get(line)
        if a is not None:
            for shift, (sex, colour, marker) in zip((-0.6, 0.6), (("F", colours[1], "o"), ("M", colours[2], "s")),
                                                    strict=True):
                part = a[a["sex"] == sex]
                ax.errorbar(part["age_weeks"] + shift, part["estimate"],
                            yerr=[part["estimate"] - part["sim_low"], part["sim_high"] - part["estimate"]],
                            fmt=marker, markersize=3, color=colour, elinewidth=0.5, alpha=0.6,
                            label=f"authors' model, {SEX_NAMES[sex]} (Bonferroni {ci_level:.0%} CI)")
        ax.set_title(titles.get(line, line), fontsize=10)
        ax.set_xlabel("age (weeks)")
        ax.set_ylabel(ylabel)
    handles, names = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=2, fontsize=7, frameon=False, bbox_to_anchor=(0.5, 0.04))
    return _finish(fig, simulated, band_in=0.45, source=source)


def plot_scans(table: pd.DataFrame, *, measures: dict[str, str], labels: dict[str, str], source: str,
               title: str = "", simulated: bool = False) -> plt.Figure:
    """Plot each mouse's body-composition measures at its scan ages (thin) and the genotype means (bold).

    *measures* maps a column to its axis label; each panel is titled *title* and the label.
    """
    fig, axes = plt.subplots(1, len(measures), figsize=(7.2, 3.2), squeeze=False)
    genotypes = ["WT", *sorted(set(table["genotype"]) - {"WT"})]
    palette = _palette(genotypes)
    for ax, (column, ylabel) in zip(axes[0], measures.items(), strict=True):
        for genotype in genotypes:
            sub = table[table["genotype"] == genotype]
            for _, mouse in sub.groupby("mouse_id"):
                ax.plot(mouse["age_weeks"], mouse[column], color=palette[genotype], alpha=0.3, linewidth=0.6,
                        marker=".", markersize=2)
            mean = sub.groupby("age_weeks")[column].mean()
            ax.plot(mean.index, mean.to_numpy(), color=palette[genotype], linewidth=2.6, marker="o",
                    label=f"{labels.get(genotype, genotype)} ({sub['mouse_id'].nunique()} mice, mean)")
        ax.set_xlabel("age (weeks)")
        ax.set_ylabel(ylabel)
        ax.set_title(f"{title}{': ' if title else ''}{ylabel.split(' (')[0]}", fontsize=10)
        ax.legend(fontsize=7, frameon=False, loc="upper left")
    return _finish(fig, simulated, source=source)
