"""Every figure type of the book, on small synthetic data, passes the legibility check.

Long labels (the book's real ones are long: "MAM integrity vs WT (VAPB–PTPIP51),
mouse level") are used on purpose: they are what squeezed the axes before.
"""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from helpers.report import plots
from helpers.report.figure_alt import SIMULATED_MARK
from helpers.report.figure_check import check_figure, measure_figure

LONG = ["MAM integrity vs WT (VAPB–PTPIP51), mouse level", "Same data, four analyses: cell-level pooled t test",
        "MAM enrichment of pTBK1 (MAM / homogenate), TBK1 R47H vs WT", "Recruitment to the MAM under arsenite"]
RNG = np.random.default_rng(1)


def _effects(n: int = 4, scale: float = 0.25) -> pd.DataFrame:
    est = np.exp(RNG.normal(0, scale, n))
    return pd.DataFrame({"label": LONG[:n], "estimate": est, "low": est * 0.8, "high": est * 1.25,
                         "truth": est * 1.05, "check": est * 0.97})


def _units() -> pd.DataFrame:
    rows = [{"group": g, "value": RNG.normal(i * 0.3, 0.2), "gel": f"gel {k % 3 + 1}"}
            for i, g in enumerate(["WT", "TBK1 R47H", "TBK1 knockout"]) for k in range(6)]
    return pd.DataFrame(rows)


def _cells():
    cells, means = [], []
    for g in ("WT", "SOD1 G93A"):
        for m in range(4):
            vals = RNG.normal(10 + 3 * (g != "WT"), 2, 25)
            cells += [{"genotype": g, "puncta": v, "mouse": f"{g}-{m}"} for v in vals]
            means.append({"genotype": g, "mean": vals.mean(), "mouse": f"{g}-{m}"})
    return pd.DataFrame(cells), pd.DataFrame(means)


def _specs() -> pd.DataFrame:
    rows = []
    for a in ("mouse means", "mixed model", "cell pooled"):
        for b in ("log", "raw"):
            for c in ("all gels", "without gel 3"):
                est = RNG.normal(0.2, 0.1)
                rows.append({"estimate": est, "ci_low": est - 0.15, "ci_high": est + 0.15,
                             "p_value": RNG.uniform(0, 0.2), "unit of analysis": a, "scale": b, "gels": c,
                             "primary": (a, b, c) == ("mouse means", "log", "all gels")})
    return pd.DataFrame(rows)


def _fractions() -> pd.DataFrame:
    rows = []
    for geno in ("WT", "TBK1_R47H"):
        for treat in ("vehicle", "arsenite"):
            for s in range(3):
                shares = RNG.dirichlet(np.ones(4))
                rows += [{"sample_id": f"{geno}{treat}{s}", "fraction": f, "share": v, "genotype": geno,
                          "treatment": treat} for f, v in zip(["homogenate", "crude_mitochondria", "pure_MAM",
                                                                "cytosol"], shares, strict=True)]
    return pd.DataFrame(rows)


def _trajectories() -> pd.DataFrame:
    rows = []
    for geno in ("WT", "SOD1_G93A"):
        for treat in ("vehicle", "amlexanox"):
            for m in range(4):
                rows += [{"mouse_id": f"{geno}{treat}{m}", "genotype": geno, "treatment": treat, "week": w,
                          "score": 5 - 0.2 * w * (geno != "WT") + RNG.normal(0, 0.3)} for w in range(10)]
    return pd.DataFrame(rows)


def _dose():
    doses = [0, 0.5, 1, 2, 5, 10, 20, 50]
    rows, curves, summary = [], [], []
    for geno, ec in (("WT", 8.0), ("TBK1_R47H", 4.0)):
        for c in range(3):
            rows += [{"genotype": geno, "dose_um": d, "culture_id": f"{geno}{c}",
                      "viability": 1 / (1 + (d / ec) ** 1.5) + RNG.normal(0, 0.03)} for d in doses]
        grid = np.geomspace(0.2, 60, 40)
        curves += [{"genotype": geno, "dose": d, "fitted": 1 / (1 + (d / ec) ** 1.5)} for d in grid]
        summary.append({"genotype": geno, "ec50": ec, "ec50_ci_low": ec * 0.7, "ec50_ci_high": ec * 1.4})
    return pd.DataFrame(rows), pd.DataFrame(curves), pd.DataFrame(summary)


def _survival():
    curves, censored = [], []
    for g, rate in (("SOD1_G93A vehicle", 0.08), ("SOD1_G93A amlexanox", 0.05)):
        t = np.arange(0, 31)
        s = np.exp(-rate * np.clip(t - 10, 0, None))
        curves += [{"group": g, "time": ti, "survival": si, "ci_low": si * 0.85, "ci_high": min(1, si * 1.1)}
                   for ti, si in zip(t, s, strict=True)]
        censored.append({"group": g, "time": 25, "survival": s[25]})
    at_risk = pd.DataFrame([[12, 11, 7, 3], [12, 12, 9, 6]], index=["SOD1_G93A vehicle", "SOD1_G93A amlexanox"],
                           columns=[0, 10, 20, 30])
    return pd.DataFrame(curves), at_risk, pd.DataFrame(censored)


def _calibration() -> pd.DataFrame:
    rows = []
    for name in ("mouse-level t interval", "mixed model (Kenward-Roger)", "cell-level pooled t (naive)",
                 "Knapp-Hartung random-effects pool", "EC50 ratio, delta method"):
        rows.append({"estimator": name, "kind": "coverage", "value": RNG.uniform(0.9, 0.96), "mc_se": 0.005,
                     "lower_band": 0.935, "upper_band": 0.965})
        rows.append({"estimator": name, "kind": "type_I", "value": RNG.uniform(0.03, 0.1), "mc_se": 0.004,
                     "lower_band": 0.035, "upper_band": 0.065})
    return pd.DataFrame(rows)


def _power() -> pd.DataFrame:
    rows = [{"mice": n, "scenario": sc, "cells": k, "power_sim": min(1, n * k / 200 * (1 + i)), "mc_se": 0.01}
            for i, sc in enumerate(["effect as estimated", "half the effect"]) for n in (3, 4, 6, 8, 12)
            for k in (10, 30)]
    return pd.DataFrame(rows)


def _forest():
    strata = pd.DataFrame({"label": ["spinal cord, cohort A (SOD1 G93A, 120 days)", "spinal cord, cohort B",
                                     "motor cortex, cohort A", "human post-mortem spinal cord, donors"],
                           "estimate": [0.2, 0.35, 0.1, 0.3], "ci_low": [0.0, 0.1, -0.2, 0.05],
                           "ci_high": [0.4, 0.6, 0.4, 0.55], "weight": [0.3, 0.3, 0.2, 0.2],
                           "species": ["mouse", "mouse", "mouse", "human"], "truth": [0.25, 0.25, 0.25, np.nan]})
    pooled = [("random-effects pool (Knapp-Hartung)", SimpleNamespace(estimate=0.25, ci_low=0.1, ci_high=0.4,
                                                                      pi_low=-0.05, pi_high=0.55))]
    return strata, pooled


CASES = {
    "unit_points": lambda: plots.plot_unit_points(_units(), x="group", y="value", batch="gel",
                                                  order=["WT", "TBK1 R47H", "TBK1 knockout"],
                                                  ylabel="pTBK1 / TBK1 (ratio to WT)", title=LONG[0]),
    "effects": lambda: plots.plot_effects(_effects(), label="label", estimate="estimate", low="low", high="high",
                                          xlabel="ratio to WT (95% CI)", title=LONG[1], truth="truth"),
    "effects_narrow_range": lambda: plots.plot_effects(_effects(3, 0.05), label="label", estimate="estimate",
                                                       low="low", high="high", xlabel="ratio", title=LONG[2]),
    "differences": lambda: plots.plot_differences(_effects().assign(estimate=lambda d: np.log(d["estimate"]),
                                                                    low=lambda d: np.log(d["low"]),
                                                                    high=lambda d: np.log(d["high"])),
                                                  label="label", estimate="estimate", low="low", high="high",
                                                  xlabel="difference", title=LONG[3], check="check",
                                                  truth="truth"),
    "forest": lambda: plots.plot_forest(*_forest(), xlabel="ratio (log axis)", title="Pooled MAM integrity",
                                        group="species", truth="truth"),
    "specification_curve": lambda: plots.plot_specification_curve(_specs(), ["unit of analysis", "scale", "gels"],
                                                                  ylabel="ratio to WT", title=LONG[1]),
    "superplot": lambda: plots.plot_superplot(*_cells(), x="genotype", y="puncta", mean_y="mean", unit="mouse",
                                              order=["WT", "SOD1 G93A"], ylabel="PLA puncta per cell",
                                              title=LONG[0]),
    "fraction_distribution": lambda: plots.plot_fraction_distribution(
        _fractions(), fractions=["homogenate", "crude_mitochondria", "pure_MAM", "cytosol"], facet="genotype",
        facet_order=["WT", "TBK1_R47H"], hue="treatment", hue_order=["vehicle", "arsenite"], title=LONG[2]),
    "coupling": lambda: plots.plot_coupling(
        pd.DataFrame({"x": RNG.normal(0, 0.3, 24), "y": RNG.normal(0, 0.3, 24),
                      "genotype": ["WT", "SOD1_G93A"] * 12, "tissue": ["spinal cord"] * 12 + ["cortex"] * 12}),
        x="x", y="y", hue="genotype", hue_order=["WT", "SOD1_G93A"], facet="tissue",
        facet_order=["spinal cord", "cortex"], slope=0.8, xlabel="MAM integrity (ratio)",
        ylabel="pTBK1 / TBK1 (ratio)", title="Coupling of MAM integrity and TBK1 activation, one point per mouse"),
    "trajectories": lambda: plots.plot_trajectories(_trajectories(), measure="score", ylabel="neuroscore",
                                                    genotypes=["WT", "SOD1_G93A"],
                                                    treatments=["vehicle", "amlexanox"], title="Disease course"),
    "dose_response": lambda: plots.plot_dose_response(*_dose(), response="viability",
                                                      ylabel="viability (share of vehicle)",
                                                      genotypes=["WT", "TBK1_R47H"],
                                                      title="Arsenite dose-response, one line per culture"),
    "survival": lambda: plots.plot_survival(*_survival()[:2], censored=_survival()[2], xlabel="week",
                                            ylabel="share of mice free of end stage", title="Survival"),
    "calibration": lambda: plots.plot_calibration(_calibration(), roles={"cell-level pooled t (naive)": "naive"},
                                                  title="Calibration of the book's estimators"),
    "power": lambda: plots.plot_power_curves(_power(), x="mice", line="cells", panel="scenario", target=0.8,
                                             xlabel="mice per group", line_label="cells per mouse",
                                             title="Power of the next experiment"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_plot_passes_the_figure_check(name):
    fig = CASES[name]()
    try:
        problems = check_figure(fig)
        assert problems == [], f"{name}: {problems} (measured {measure_figure(fig).as_dict()})"
        assert any(t.get_text() == SIMULATED_MARK for t in fig.texts)
    finally:
        plt.close(fig)


@pytest.mark.parametrize("name", ["forest", "effects"])
def test_a_legend_below_the_axes_clears_the_axis_label_without_the_simulated_stamp(name):
    """A lab's own data get no stamp, hence no band under the legend: the legend must not ride onto the x label."""
    if name == "forest":
        fig = plots.plot_forest(*_forest(), xlabel="ratio of geometric means (vs the reference groups)",
                                title="Pooled", group="species", simulated=False)
    else:
        fig = plots.plot_effects(_effects(), label="label", estimate="estimate", low="low", high="high",
                                 xlabel="ratio to the reference (95% CI)", title=LONG[1], truth="truth",
                                 simulated=False)
    try:
        assert check_figure(fig) == [], measure_figure(fig).as_dict()
        assert not any(t.get_text() == SIMULATED_MARK for t in fig.texts)
    finally:
        plt.close(fig)


def test_long_row_labels_are_wrapped_not_cut():
    fig = CASES["effects"]()
    try:
        labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert all(max(len(line) for line in label.split("\n")) <= plots.LABEL_WIDTH for label in labels)
        assert [label.replace("\n", " ") for label in labels] == LONG[::-1] or \
            sorted(label.replace("\n", " ") for label in labels) == sorted(LONG)
    finally:
        plt.close(fig)


def test_a_log_axis_labels_every_decade_in_view():
    """Ratios of 1.2 to 5.5 get ticks 1, 2, 3, 5 (the old LogLocator labelled only "1")."""
    d = pd.DataFrame({"label": list("abcdef"), "estimate": np.linspace(1.2, 5.5, 6)})
    d["low"], d["high"] = d["estimate"] * 0.8, d["estimate"] * 1.25
    fig = plots.plot_effects(d, label="label", estimate="estimate", low="low", high="high", xlabel="ratio", title="t")
    try:
        ax = fig.axes[0]
        low, high = ax.get_xlim()
        shown = [float(t.get_text()) for t in ax.get_xticklabels() if low <= t.get_position()[0] <= high]
        assert {1.0, 2.0, 5.0} <= set(shown), shown
    finally:
        plt.close(fig)


def test_group_names_are_never_thinned():
    fig = CASES["unit_points"]()
    try:
        names = [t.get_text().replace("\n", " ") for t in fig.axes[0].get_xticklabels()]
        assert names == ["WT", "TBK1 R47H", "TBK1 knockout"]
    finally:
        plt.close(fig)


def test_superplot_of_a_screen_shows_a_seeded_sample_of_each_mouse_and_the_means_of_all():
    cells, means = _cells()
    many = pd.concat([cells] * 40, ignore_index=True)  # 1,000 cells per mouse
    draw = lambda: plots.plot_superplot(many, means, x="genotype", y="puncta", mean_y="mean", unit="mouse",  # noqa: E731
                                        order=["WT", "SOD1 G93A"], ylabel="puncta", title="t",
                                        max_cells_per_unit=100)
    fig = draw()
    ax = fig.axes[0]
    sizes = [len(c.get_offsets()) for c in ax.collections if len(c.get_offsets()) > 1]
    assert sizes == [100] * 8  # every mouse's cells: a sample of 100
    assert "a random 100 cells of each mouse shown" in ax.get_title()
    again = draw().axes[0]
    assert all((a.get_offsets() == b.get_offsets()).all() for a, b in zip(ax.collections, again.collections, strict=True))
    small = plots.plot_superplot(cells, means, x="genotype", y="puncta", mean_y="mean", unit="mouse",
                                 order=["WT", "SOD1 G93A"], ylabel="puncta", title="t")
    assert small.axes[0].get_title() == "t"


def test_a_specification_curve_of_two_counts_its_specifications_in_whole_numbers():
    """Two specifications (gel fixed, gel random): ticks 0 and 1, not 0.0, 0.2, ... 1.0."""
    specs = pd.DataFrame({"estimate": [-0.5, -0.4], "ci_low": [-1.2, -0.9], "ci_high": [-0.1, 0.0],
                          "p_value": [0.03, 0.06], "gel": ["fixed", "random"], "primary": [True, False]})
    fig = plots.plot_specification_curve(specs, ["gel"], ylabel="ratio", title="t", simulated=False)
    bottom = fig.axes[1]
    fig.canvas.draw()
    ticks = [t for t in bottom.get_xticks() if bottom.get_xlim()[0] <= t <= bottom.get_xlim()[1]]
    assert ticks == [0.0, 1.0] and bottom.get_xlim() == (-0.5, 1.5)
    assert not check_figure(fig)
    plt.close(fig)
