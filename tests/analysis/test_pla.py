"""PLA analyses: mouse-level and GEE contrasts against closed forms, truths and the naive test."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.multitest import multipletests

from helpers.analysis import pla
from helpers.core.paths import DATA_DIR
from helpers.data import truths
from helpers.data.generators.pla_cells import simulate
from helpers.data.truths import MOUSE_COHORT, PLA
from helpers.data.validate import load_table


@pytest.fixture(scope="module")
def cells() -> pd.DataFrame:
    return load_table("pla_cells", DATA_DIR)


def _toy_cells(mice_per_group: int = 3, cells_per_mouse=(6,), seed: int = 0, genotypes=("WT", "SOD1_G85R"),
               stages=("onset", "end_stage"), mouse_sd: float = 0.3) -> pd.DataFrame:
    """Overdispersed, clustered counts for a few groups; cluster sizes cycle through *cells_per_mouse*."""
    rng = np.random.default_rng(seed)
    rows, number = [], 0
    for g in genotypes:
        for s in stages:
            for _ in range(mice_per_group):
                number += 1
                n = cells_per_mouse[number % len(cells_per_mouse)]
                rate = np.exp(np.log(10.0) - 0.4 * (g != "WT") + rng.normal(0, mouse_sd))
                for j, y in enumerate(rng.poisson(rate, size=n)):
                    rows.append({"mouse_id": f"M{number:02d}", "genotype": g, "stage": s, "sex": "F",
                                 "tissue": "spinal_cord", "section_id": f"M{number:02d}-S{j % 2}",
                                 "cell_id": f"M{number:02d}-{j}", "cell_type": "motor_neuron",
                                 "tether_pair": "VAPB_PTPIP51", "puncta": int(y), "cell_area_um2": 900.0})
    return pd.DataFrame(rows)


def test_summarise_mice_counts_cells_sections_and_means():
    toy = _toy_cells(cells_per_mouse=(4, 7))
    out = pla.summarise_mice(toy)
    assert len(out) == toy["mouse_id"].nunique()
    first = toy[toy["mouse_id"] == "M01"]
    row = out.set_index("mouse_id").loc["M01"]
    assert row["n_cells"] == len(first) and row["n_sections"] == 2
    assert row["mean_puncta"] == pytest.approx(first["puncta"].mean())
    assert row["log_mean"] == pytest.approx(np.log(first["puncta"].mean()))


def test_mouse_level_contrast_is_difference_of_mean_log_means_with_pooled_se():
    n = 3
    toy = _toy_cells(n, cells_per_mouse=(5, 8))
    mice = pla.summarise_mice(toy)
    table = pla.fit_mouse_level_contrasts(toy, "spinal_cord")
    group = mice.groupby(["genotype", "stage"])["log_mean"]
    df = len(mice) - 4
    pooled = np.sqrt(((mice["log_mean"] - group.transform("mean")) ** 2).sum() / df)
    for row in table.itertuples():
        diff = group.mean()[(row.genotype, row.stage)] - group.mean()[("WT", row.stage)]
        assert row.estimate == pytest.approx(diff)
        assert row.se == pytest.approx(pooled * np.sqrt(2 / n))
        assert row.ci_high == pytest.approx(diff + stats.t.ppf(0.975, df) * row.se)
        assert row.n_mice == 2 * n


def test_holm_adjustment_matches_statsmodels(cells):
    table = pla.fit_mouse_level_contrasts(cells, "spinal_cord")
    np.testing.assert_allclose(table["p_holm"], multipletests(table["p_value"], method="holm")[1])
    gee = pla.fit_cell_level_contrasts(cells, "spinal_cord", method="gee")
    np.testing.assert_allclose(gee["p_holm"], multipletests(gee["p_value"], method="holm")[1])


def test_gee_with_equal_clusters_equals_poisson_glm_estimate():
    """Cluster-level groups and equal cluster sizes: exchangeable GEE solves the GLM's equations."""
    toy = _toy_cells(4, cells_per_mouse=(6,), seed=3)
    gee = pla.fit_cell_level_contrasts(toy, "spinal_cord", method="gee")
    glm = smf.glm(pla.group_formula("puncta", toy), data=toy, family=sm.families.Poisson()).fit()
    naive = pla.fit_cell_level_contrasts(toy, "spinal_cord", method="poisson")
    np.testing.assert_allclose(gee["estimate"], naive["estimate"], atol=1e-6)
    means = toy.groupby(["genotype", "stage"])["puncta"].mean()
    for row in naive.itertuples():
        assert row.estimate == pytest.approx(np.log(means[(row.genotype, row.stage)] / means[("WT", row.stage)]))
    assert naive["se"].iloc[0] == pytest.approx(np.sqrt(1 / toy.loc[toy.genotype.eq("SOD1_G85R") & toy.stage.eq("onset"), "puncta"].sum()
                                                        + 1 / toy.loc[toy.genotype.eq("WT") & toy.stage.eq("onset"), "puncta"].sum()))
    assert glm.converged


def test_gee_robust_se_matches_the_cluster_sandwich_formula():
    """Saturated model, equal clusters: var(log mean of a group) = sum_i (S_i - m*ybar)^2 / (sum y)^2."""
    toy = _toy_cells(4, cells_per_mouse=(6,), seed=4)
    robust = pla.fit_cell_level_contrasts(toy, "spinal_cord", method="gee", cov_type="robust")
    totals = toy.groupby(["genotype", "stage", "mouse_id"])["puncta"].agg(["sum", "size"]).reset_index()

    def var_log_mean(g, s):
        sub = totals[(totals.genotype == g) & (totals.stage == s)]
        ybar = sub["sum"].sum() / sub["size"].sum()
        return ((sub["sum"] - sub["size"] * ybar) ** 2).sum() / sub["sum"].sum() ** 2

    for row in robust.itertuples():
        assert row.se == pytest.approx(np.sqrt(var_log_mean(row.genotype, row.stage) + var_log_mean("WT", row.stage)), rel=1e-5)
    reduced = pla.fit_cell_level_contrasts(toy, "spinal_cord", method="gee")
    assert (reduced["se"] > robust["se"]).all()  # Mancl-DeRouen inflates the small-sample sandwich


@pytest.mark.parametrize(("pair", "cell_type"), [("VAPB_PTPIP51", "motor_neuron"), ("IP3R3_Sig1R", "motor_neuron"),
                                                 ("VAPB_PTPIP51", "other")])
def test_mouse_level_contrasts_recover_the_simulated_truth_within_3_se(cells, pair, cell_type):
    table = pla.fit_mouse_level_contrasts(cells, "spinal_cord", pair, cell_type)
    truth = np.array([truths.true_mam_effect(g, s, "spinal_cord", pair, cell_type)
                      for g, s in zip(table["genotype"], table["stage"], strict=True)])
    assert len(table) == 9
    assert (np.abs(table["estimate"] - truth) < 3 * table["se"]).all(), table.assign(truth=truth)


def test_naive_cell_level_tests_understate_the_standard_error(cells):
    comparison = pla.compare_inference(cells, "spinal_cord")
    for method in ("poisson", "quasipoisson"):
        assert (comparison.loc[comparison["method"] == method, "se_ratio"] < 1).all(), method
    poisson = comparison[comparison["method"] == "poisson"]
    assert (poisson["design_effect"] > 2).all()
    assert (comparison.loc[comparison["method"] == "mouse", "se_ratio"] == 1).all()


def test_mouse_level_intervals_cover_and_naive_ones_do_not_over_seeds():
    """Over 20 datasets the mouse-level 95% CI covers the truth about 95% of the time; the naive Poisson CI does not."""
    mouse, naive = [], []
    for seed in range(20):
        data = simulate(seed)
        for fit, store in ((pla.fit_mouse_level_contrasts(data, "spinal_cord"), mouse),
                           (pla.fit_cell_level_contrasts(data, "spinal_cord", method="poisson"), naive)):
            truth = np.array([truths.true_mam_effect(g, s, "spinal_cord") for g, s in zip(fit["genotype"], fit["stage"], strict=True)])
            store.extend((fit["ci_low"] <= truth) & (truth <= fit["ci_high"]))
    assert 0.88 <= np.mean(mouse) <= 1.0
    assert np.mean(naive) < 0.75


def test_true_effects():
    assert truths.true_mam_effect("WT", "onset", "cerebellum") == 0.0
    assert truths.true_mam_effect("SOD1_G85R", "onset", "motor_cortex") == pytest.approx(0.6 * -0.30)
    assert truths.true_mam_effect("Sigmar1_KO", "onset", "spinal_cord", cell_type="other") == pytest.approx(PLA.other_effect_share * -0.35)
    # Without Sig1R the IP3R3-Sig1R signal is background: log(background / WT rate)
    expected = np.log(PLA.sig1r_null_background) - (MOUSE_COHORT.mam_baseline["spinal_cord"] + np.log(0.6))
    assert truths.true_mam_effect("SOD1_G85R_Sigmar1_KO", "onset", "spinal_cord", "IP3R3_Sig1R") == pytest.approx(expected)


def test_mouse_without_puncta_and_unknown_selection_raise():
    toy = _toy_cells(2)
    toy.loc[toy["mouse_id"] == "M01", "puncta"] = 0
    with pytest.raises(ValueError, match="have no punctum in any cell"):
        pla.fit_mouse_level_contrasts(toy, "spinal_cord")
    with pytest.raises(ValueError, match="no cells for tissue"):
        pla.fit_mouse_level_contrasts(toy, "cerebellum")
    with pytest.raises(ValueError, match="method must be one of"):
        pla.fit_cell_level_contrasts(_toy_cells(2), "spinal_cord", method="anova")


def _example_without(genotype: str, stage: str) -> pd.DataFrame:
    cells = pd.read_csv(DATA_DIR / "pla_cells.csv")
    return cells[~((cells["genotype"] == genotype) & (cells["stage"] == stage))]


@pytest.mark.parametrize("method", ["gee", "quasipoisson", "poisson"])
def test_a_missing_group_leaves_the_other_contrasts_as_statsmodels_gives_them(method):
    # no Sigmar1_KO mice at onset: the saturated design is rank-deficient, the other contrasts are estimable
    from helpers.analysis.mouse_blots import genotype_stage_contrasts, group_formula

    cells = _example_without("Sigmar1_KO", "onset")
    data = pla.select_cells(cells, "spinal_cord", "VAPB_PTPIP51", "motor_neuron")
    formula = group_formula("puncta", data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels says the design is rank-deficient
        new = pla.fit_cell_level_contrasts(cells, "spinal_cord", method=method)
        if method == "gee":
            fit = smf.gee(formula, groups="mouse_id", data=data, family=sm.families.Poisson(),
                          cov_struct=sm.cov_struct.Exchangeable()).fit(cov_type="bias_reduced", scale="X2")
        else:
            fit = smf.glm(formula, data=data, family=sm.families.Poisson()).fit(
                scale="X2" if method == "quasipoisson" else None)
    old = genotype_stage_contrasts(fit, data, "mouse_id", 0.05, df=None)
    assert ("Sigmar1_KO", "onset") not in set(zip(new["genotype"], new["stage"], strict=True))
    np.testing.assert_allclose(new[["estimate", "se"]].to_numpy(), old[["estimate", "se"]].to_numpy(), rtol=1e-8)


def test_unused_categories_of_a_large_table_do_not_change_the_fit():
    cells = _example_without("Sigmar1_KO", "onset")
    as_categories = cells.astype({"genotype": "category", "stage": "category"})
    as_categories["genotype"] = as_categories["genotype"].cat.add_categories(["never_seen"])
    pd.testing.assert_frame_equal(pla.fit_cell_level_contrasts(cells, "spinal_cord"),
                                  pla.fit_cell_level_contrasts(as_categories, "spinal_cord"), rtol=1e-10)


def test_a_group_of_one_mouse_is_refused_for_the_gee_in_one_sentence():
    from helpers.analysis.design import DesignError

    cells = pd.read_csv(DATA_DIR / "pla_cells.csv")
    group = cells[(cells["genotype"] == "SOD1_G85R") & (cells["stage"] == "onset")]
    keep = group["mouse_id"].iloc[0]
    cells = cells[~(cells.index.isin(group.index) & (cells["mouse_id"] != keep))]
    with pytest.raises(DesignError, match=r"SOD1_G85R/onset 1 mouse; the cell-level GEE .* needs at least 2 mice"):
        pla.fit_cell_level_contrasts(cells, "spinal_cord", method="gee")
    assert len(pla.fit_mouse_level_contrasts(cells, "spinal_cord")) == 9  # the mouse-level analysis still runs


def test_naive_versus_mouse_reads_one_contrast_and_summarises_the_family():
    """Known rows in, their ratios out: SE factors are inverse SE ratios, the design effect a median over Poisson rows."""
    rows = []
    for stage, mouse_se in (("onset", 0.2), ("end_stage", 0.3)):
        for method, se, p in (("mouse", mouse_se, 0.04), ("gee", 0.25, 0.03), ("quasipoisson", 0.15, 0.01),
                              ("poisson", 0.1, 1e-6)):
            rows.append({"genotype": "SOD1_G85R", "stage": stage, "method": method, "se": se, "p_value": p,
                         "se_ratio": se / mouse_se, "design_effect": (mouse_se / se) ** 2,
                         "n_mice": 10 if method == "mouse" else np.nan, "n_cells": 200 + len(rows)})
    naive = pla.naive_versus_mouse(pd.DataFrame(rows), "end_stage", "SOD1_G85R")
    assert naive["se_factor_poisson"] == pytest.approx(3.0)
    assert naive["se_factor_quasipoisson"] == pytest.approx(2.0)
    assert (naive["naive_p"], naive["mouse_p"], naive["n_mice"]) == (1e-6, 0.04, 10)
    assert naive["naive_cells"] == 207  # the Poisson row of end_stage
    assert naive["median_design_effect"] == pytest.approx(np.median([4.0, 9.0]))
    assert naive["n_contrasts"] == 2
    with pytest.raises(ValueError, match="that contrast was not estimated"):
        pla.naive_versus_mouse(pd.DataFrame(rows), "presymptomatic", "SOD1_G85R")


def test_naive_versus_mouse_on_toy_cells_matches_the_fits():
    toy = _toy_cells(4, cells_per_mouse=(5, 9))
    comparison = pla.compare_inference(toy, "spinal_cord", "VAPB_PTPIP51", "motor_neuron",
                                       groups=pla.Groups("WT", ("SOD1_G85R",), ("onset", "end_stage")))
    naive = pla.naive_versus_mouse(comparison, "end_stage", "SOD1_G85R")
    fits = comparison[comparison["stage"] == "end_stage"].set_index("method")
    assert naive["se_factor_poisson"] == pytest.approx(fits.loc["mouse", "se"] / fits.loc["poisson", "se"])
    end = toy[toy["stage"] == "end_stage"]
    assert naive["naive_cells"] == len(end) and naive["n_mice"] == end["mouse_id"].nunique()


def test_naive_results_carry_each_number_with_its_own_n_unit_and_digits():
    naive = {"se_factor_poisson": 3.0, "se_factor_quasipoisson": 1.4, "naive_p": 1e-20, "mouse_p": 0.005,
             "naive_cells": 216, "n_mice": 10, "median_design_effect": 9.3, "n_contrasts": 9}
    table = pla.naive_results(naive, "mut", "WT").set_index("key")
    assert list(table.index) == ["se_factor_poisson", "se_factor_quasipoisson", "naive_p", "mouse_p", "naive_cells",
                                 "median_design_effect", "n_contrasts"]
    assert (table["value"] == pd.Series(naive)[table.index]).all()
    assert table.loc["naive_p", ["n", "n_unit", "digits"]].tolist() == [216, "cells", 3]
    assert table.loc["mouse_p", ["n", "n_unit", "unit"]].tolist() == [10, "mice", "p"]
    assert table.loc["median_design_effect", ["n", "n_unit"]].tolist() == [9, "contrasts"]
    assert table.loc["n_contrasts", "method"] == "count" and table.loc["naive_p", "description"] == "naive p, mut vs WT"


def test_featured_results_state_every_genotype_then_the_gee_ratio_of_the_focus():
    groups = pla.Groups("WT", ("a", "b"), ("s1", "s2"))
    family = {"genotype": ["a", "b", "a", "b"], "stage": ["s1", "s1", "s2", "s2"], "n_mice": [6, 7, 8, 9],
              "ratio": [0.9, 0.8, 0.7, 0.6], "ratio_sim_low": [0.5, 0.4, 0.3, 0.2],
              "ratio_sim_high": [1.5, 1.4, 1.3, 1.2]}
    primary = pd.DataFrame(family).iloc[::-1]  # the study's order, not the table's, orders the rows
    gee = pd.DataFrame(family).assign(ratio=[0.95, 0.85, 0.75, 0.65])
    analysed = {"tissue": "cord", "pair": "P_Q", "cell_type": "mn"}
    table = pla.featured_results(primary, gee, "s2", "b", 0.05, groups, analysed)
    assert table["key"].tolist() == ["rr_a", "rr_b", "gee_rr_b"]
    assert table[["value", "ci_low", "ci_high", "n"]].values.tolist() == [[0.7, 0.3, 1.3, 8], [0.6, 0.2, 1.2, 9],
                                                                          [0.65, 0.2, 1.2, 9]]
    assert set(table["unit"]) == {"rate ratio"} and set(table["n_unit"]) == {"mice"}
    assert table["description"].tolist() == ["a/WT PLA puncta/cell, P_Q, mn, cord, s2",
                                             "b/WT PLA puncta/cell, P_Q, mn, cord, s2",
                                             "b/WT PLA puncta per cell (GEE), cord, s2"]
    assert table["method"].iloc[0].endswith("against WT; t-based Bonferroni-adjusted simultaneous 95% CI and p "
                                            "over 4 contrasts")
    assert table["method"].iloc[2].startswith(pla.CELL_METHODS["gee"])
    from helpers.analysis.design import DesignError

    with pytest.raises(DesignError, match="needs mice of b at this stage"):
        pla.featured_results(primary[primary["genotype"] == "a"], gee, "s2", "b", 0.05, groups, analysed)
