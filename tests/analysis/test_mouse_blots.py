"""Mouse TBK1 contrasts: closed-form answers, Holm against statsmodels, recovery of simulated truths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from helpers.analysis import mouse_blots
from helpers.core.paths import DATA_DIR
from helpers.data import truths
from helpers.data.generators.mouse_blot import simulate
from helpers.data.truths import MOUSE_COHORT
from helpers.data.validate import load_table
from helpers.data.vocabulary import GENOTYPES_TISSUE, STAGES


def _balanced_lanes(n: int = 4, seed: int = 0, gels: int = 1) -> pd.DataFrame:
    """n mice per genotype x stage in one tissue, random log ratios, lanes dealt over *gels* gels."""
    rng = np.random.default_rng(seed)
    rows = [
        {"genotype": g, "stage": s, "tissue": "spinal_cord", "log_ratio": rng.normal(-0.3, 0.2)}
        for g in GENOTYPES_TISSUE for s in STAGES for _ in range(n)
    ]
    lanes = pd.DataFrame(rows)
    lanes["mouse_id"] = [f"M{i:03d}" for i in range(len(lanes))]
    lanes["gel_id"] = [f"G{i % gels + 1}" for i in range(len(lanes))]
    return lanes


def test_contrast_is_difference_of_group_means_with_pooled_se():
    n = 4
    lanes = _balanced_lanes(n)
    table = mouse_blots.fit_genotype_contrasts(lanes, "spinal_cord", alpha=0.05)
    means = lanes.groupby(["genotype", "stage"])["log_ratio"].mean()
    df = len(lanes) - len(GENOTYPES_TISSUE) * len(STAGES)
    pooled = np.sqrt(((lanes["log_ratio"] - lanes.groupby(["genotype", "stage"])["log_ratio"].transform("mean")) ** 2).sum() / df)
    se = pooled * np.sqrt(2 / n)
    t = stats.t.ppf(0.975, df)
    assert len(table) == 9
    for row in table.itertuples():
        diff = means[(row.genotype, row.stage)] - means[("WT", row.stage)]
        assert row.estimate == pytest.approx(diff)
        assert row.se == pytest.approx(se)
        assert row.ci_low == pytest.approx(diff - t * se)
        assert row.p_value == pytest.approx(2 * stats.t.sf(abs(diff) / se, df))
        assert row.n_mice == 2 * n
    assert list(table.columns) == mouse_blots.CONTRAST_COLUMNS


def test_gel_offsets_cancel_out_of_the_contrasts():
    lanes = _balanced_lanes(5, seed=2, gels=4)
    shifted = lanes.assign(log_ratio=lanes["log_ratio"] + lanes["gel_id"].map({"G1": 0.0, "G2": 0.7, "G3": -0.4, "G4": 1.3}))
    a = mouse_blots.fit_genotype_contrasts(lanes, "spinal_cord")
    b = mouse_blots.fit_genotype_contrasts(shifted, "spinal_cord")
    np.testing.assert_allclose(a["estimate"], b["estimate"], atol=1e-10)
    np.testing.assert_allclose(a["se"], b["se"], rtol=1e-8)


def test_holm_adjustment_matches_statsmodels():
    lanes = mouse_blots.fit_genotype_contrasts(load_table("mouse_blot", DATA_DIR), "spinal_cord")
    expected = multipletests(lanes["p_value"], method="holm")[1]
    np.testing.assert_allclose(lanes["p_holm"], expected)
    assert (lanes["p_holm"] >= lanes["p_value"] - 1e-15).all()


def test_interaction_is_the_combination_of_the_genotype_contrasts():
    lanes = load_table("mouse_blot", DATA_DIR)
    contrasts = mouse_blots.fit_genotype_contrasts(lanes, "motor_cortex").set_index(["genotype", "stage"])["estimate"]
    inter = mouse_blots.fit_interaction_contrasts(lanes, "motor_cortex").set_index("stage")
    for stage in STAGES:
        expected = (contrasts[("SOD1_G85R_Sigmar1_KO", stage)] - contrasts[("SOD1_G85R", stage)]
                    - contrasts[("Sigmar1_KO", stage)])
        assert inter.loc[stage, "estimate"] == pytest.approx(expected)
        assert inter.loc[stage, "n_mice"] == 4 * MOUSE_COHORT.mice_per_group
    np.testing.assert_allclose(inter["p_holm"], multipletests(inter["p_value"], method="holm")[1])


@pytest.mark.parametrize("tissue", ["spinal_cord", "cerebellum"])
def test_contrasts_recover_the_simulated_truth_within_4_se(tissue):
    """One dataset, 27 contrasts that share their WT groups: 4 SE per contrast (the example data hold one
    contrast at 3.8 SE, the end-stage spinal-cord WT group being low by chance; unbiasedness over
    seeds is the next test)."""
    table = mouse_blots.fit_genotype_contrasts(load_table("mouse_blot", DATA_DIR), tissue)
    truth = np.array([truths.true_tbk1_effect(g, s, tissue) for g, s in zip(table["genotype"], table["stage"], strict=True)])
    assert (np.abs(table["estimate"] - truth) < 4 * table["se"]).all(), table.assign(truth=truth)
    assert (table["n_mice"] == 2 * MOUSE_COHORT.mice_per_group).all()


def test_estimates_are_unbiased_and_intervals_cover_over_seeds():
    """Over 40 datasets: mean error within 3 Monte Carlo SE, 95% CI coverage near nominal."""
    tissue = "spinal_cord"
    errors, covered = [], []
    for seed in range(40):
        table = mouse_blots.fit_genotype_contrasts(simulate(seed), tissue)
        truth = np.array([truths.true_tbk1_effect(g, s, tissue) for g, s in zip(table["genotype"], table["stage"], strict=True)])
        errors.append((table["estimate"] - truth).to_numpy())
        covered.extend((table["ci_low"] <= truth) & (truth <= table["ci_high"]))
    per_seed = np.array(errors).mean(axis=1)  # seeds are independent; contrasts within a seed are not
    assert abs(per_seed.mean()) < 3 * per_seed.std(ddof=1) / np.sqrt(len(per_seed))
    assert 0.88 <= np.mean(covered) <= 1.0


def test_true_effect_comes_from_the_cohort_truth():
    assert truths.true_tbk1_effect("WT", "onset", "spinal_cord") == 0.0
    assert truths.true_tbk1_effect("SOD1_G85R", "onset", "motor_cortex") == pytest.approx(
        MOUSE_COHORT.coupling_slope * 0.6 * -0.30 + 0.6 * -0.05
    )
    assert truths.true_tbk1_interaction("end_stage", "spinal_cord") == pytest.approx(MOUSE_COHORT.coupling_slope * -0.15)


def test_unknown_tissue_raises():
    with pytest.raises(ValueError, match="no lanes for tissue"):
        mouse_blots.fit_genotype_contrasts(_balanced_lanes(2), "liver")


def test_tissue_lanes_keeps_one_tissue_and_names_the_others_when_refusing():
    lanes = pd.concat([_balanced_lanes(2), _balanced_lanes(1).assign(tissue="motor_cortex")], ignore_index=True)
    kept = mouse_blots.tissue_lanes(lanes, "motor_cortex")
    assert set(kept["tissue"]) == {"motor_cortex"} and len(kept) == len(GENOTYPES_TISSUE) * len(STAGES)
    with pytest.raises(ValueError) as err:
        mouse_blots.tissue_lanes(lanes, "liver")
    assert "tissues present: motor_cortex, spinal_cord" in str(err.value)
    assert "the chapter's parameter tissue" in str(err.value)


# ---- the family: simultaneous intervals agree with their adjusted p-values -------------------------
@pytest.mark.parametrize("tissue", ["spinal_cord", "motor_cortex", "cerebellum"])
def test_no_simultaneous_interval_contradicts_its_adjusted_p(tissue):
    """On the shipped data: an adjusted interval excludes 0 exactly when the adjusted p is below alpha."""
    lanes = load_table("mouse_blot", DATA_DIR)
    for alpha in (0.05, 0.10):
        table = mouse_blots.fit_genotype_contrasts(lanes, tissue, alpha=alpha)
        excludes = (table["sim_low"] > 0) | (table["sim_high"] < 0)
        assert (excludes == (table["p_adj"] < alpha)).all()
        np.testing.assert_allclose(table["p_adj"], np.minimum(1, len(table) * table["p_value"]))
        # the simultaneous interval contains the unadjusted one
        assert ((table["sim_low"] <= table["ci_low"]) & (table["sim_high"] >= table["ci_high"])).all()
        inter = mouse_blots.fit_interaction_contrasts(lanes, tissue, alpha=alpha)
        assert (((inter["sim_low"] > 0) | (inter["sim_high"] < 0)) == (inter["p_adj"] < alpha)).all()


def test_simultaneous_interval_uses_the_bonferroni_t_quantile():
    lanes = _balanced_lanes(4)
    table = mouse_blots.fit_genotype_contrasts(lanes, "spinal_cord", alpha=0.05)
    df = len(lanes) - len(GENOTYPES_TISSUE) * len(STAGES)
    q = stats.t.ppf(1 - 0.05 / (2 * len(table)), df)
    np.testing.assert_allclose(table["sim_high"] - table["estimate"], q * table["se"])
    ratios = mouse_blots.with_ratios(table)
    np.testing.assert_allclose(ratios["ratio_sim_low"], np.exp(table["sim_low"]))


# --------------------------------------------------------------------------
# Results tables the chapter records
# --------------------------------------------------------------------------
TOY_GROUPS = mouse_blots.Groups("ref", ("a", "ab"), ("early", "late"), labels={"ref": "Ref", "a": "A-mut"},
                                combined={"ab": {"one": "a", "two": "b"}})


def _toy_contrasts() -> pd.DataFrame:
    """Four hand-made contrasts (two genotypes x two stages) with ratios, simultaneous limits and adjusted p."""
    return pd.DataFrame({"genotype": ["a", "ab", "a", "ab"], "stage": ["early", "early", "late", "late"],
                         "n_mice": [8, 9, 10, 11], "ratio": [0.9, 0.8, 0.7, 0.6],
                         "ratio_sim_low": [0.5, 0.4, 0.3, 0.2], "ratio_sim_high": [1.3, 1.2, 1.1, 0.95],
                         "p_adj": [1.0, 0.4, 0.06, 0.01]})


def test_featured_results_state_each_genotype_ratio_then_its_adjusted_p_at_the_stage():
    table = mouse_blots.featured_results(_toy_contrasts(), "late", "cord", 0.05, TOY_GROUPS)
    assert table["key"].tolist() == ["ratio_a", "p_adj_a", "ratio_ab", "p_adj_ab"]
    assert table["value"].tolist() == [0.7, 0.06, 0.6, 0.01]
    assert table["ci_low"].tolist()[::2] == [0.3, 0.2] and table["ci_high"].tolist()[::2] == [1.1, 0.95]
    assert table["ci_low"].isna().tolist()[1::2] == [True, True]  # a p-value has no interval
    assert table["n"].tolist() == [10, 10, 11, 11] and set(table["n_unit"]) == {"mice"}
    assert table["unit"].tolist() == ["ratio of geometric means", "p"] * 2 and table["digits"].tolist() == [2, 3] * 2
    assert table["description"].tolist()[:2] == ["A-mut/Ref pTBK1/TBK1, cord, late",
                                                 "Bonferroni-adjusted p, A-mut vs Ref, cord, late"]
    assert set(table["method"]) == {"OLS of log(pTBK1/TBK1) on genotype x stage + gel (fixed), against Ref; t-based "
                                    "Bonferroni-adjusted simultaneous 95% CI and p over 4 contrasts"}


def test_interaction_results_hold_the_ratio_of_ratios_at_the_stage_or_nothing():
    interaction = pd.DataFrame({"stage": ["early", "late"], "n_mice": [30, 40], "ratio": [1.1, 0.9],
                                "ratio_sim_low": [0.6, 0.5], "ratio_sim_high": [1.9, 1.6]})
    table = mouse_blots.interaction_results(interaction, "late", "cord", 0.1, TOY_GROUPS, "ab")
    row = table.iloc[0]
    assert len(table) == 1 and row["key"] == "interaction_ratio"
    assert (row["value"], row["ci_low"], row["ci_high"], row["n"]) == (0.9, 0.5, 1.6, 40)
    assert row["description"] == "(ab / A-mut) / (b / Ref), cord, late"
    assert row["method"].endswith("simultaneous 90% CI and p over 2 contrasts")
    assert mouse_blots.interaction_results(interaction, "mid", "cord", 0.1, TOY_GROUPS, "ab").empty
    assert mouse_blots.interaction_results(None, "late", "cord", 0.1, TOY_GROUPS, None).empty


def test_design_counts_count_contrasts_those_below_alpha_and_mice():
    table = mouse_blots.design_counts(_toy_contrasts(), "cord", 0.05, 42, TOY_GROUPS).set_index("key")
    assert table.index.tolist() == ["n_contrasts", "n_adj_significant", "n_mice"]
    assert table["value"].tolist() == [4, 1, 42] and table["n"].tolist() == [4, 4, 42]
    assert table["n_unit"].tolist() == ["contrasts", "contrasts", "mice"] and set(table["digits"]) == {0}
    assert table.loc["n_contrasts", "method"] == "count"
    assert table.loc["n_adj_significant", "method"] == mouse_blots.contrast_method(TOY_GROUPS, 4, 0.05)
    assert table.loc["n_mice", "description"] == "mice with a lane of cord"


def test_featured_results_record_as_the_estimates_they_replace():
    from helpers.report.ledger.record import ResultsLedger

    contrasts = _toy_contrasts()
    recorded, by_call = ResultsLedger("ch", glue=False), ResultsLedger("ch", glue=False)
    recorded.record(mouse_blots.featured_results(contrasts, "late", "cord", 0.05, TOY_GROUPS))
    at_stage = contrasts[contrasts["stage"] == "late"].assign(label=lambda t: t["genotype"].map(TOY_GROUPS.label))
    by_call.using(n_unit="mice", method=mouse_blots.contrast_method(TOY_GROUPS, 4, 0.05)).estimates(
        at_stage.set_index("genotype"), "ratio_{genotype}", value="ratio", ci=("ratio_sim_low", "ratio_sim_high"),
        unit="ratio of geometric means", description="{label}/Ref pTBK1/TBK1, cord, late", n="n_mice",
        p="p_adj", p_key="p_adj_{genotype}", p_description="Bonferroni-adjusted p, {label} vs Ref, cord, late")
    assert recorded.results == by_call.results
    assert recorded.text("ratio_a") == by_call.text("ratio_a") and recorded.text("p_adj_ab") == "0.010"
