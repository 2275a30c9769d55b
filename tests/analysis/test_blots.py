"""Blot ratios and the human-tissue model: analytic answers and recovery of simulated truths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.analysis import blots
from helpers.core.paths import DATA_DIR
from helpers.data.truths import HUMAN_BLOT
from helpers.data.validate import load_table


def test_log_ratio_cancels_loading_when_normalizing():
    lanes = pd.DataFrame({"ptbk1": [6.0], "ptbk1_loading": [2.0], "tbk1": [9.0], "tbk1_loading": [3.0],
                          "ptbk1_total_protein": [3.0], "tbk1_total_protein": [1.0]})
    assert blots.add_log_ratio(lanes)["log_ratio"].iloc[0] == pytest.approx(np.log(1.0))
    assert blots.add_log_ratio(lanes, "total_protein")["log_ratio"].iloc[0] == pytest.approx(np.log(2 / 9))
    assert blots.add_log_ratio(lanes, "none")["log_ratio"].iloc[0] == pytest.approx(np.log(6 / 9))
    with pytest.raises(ValueError, match="normalization must be one of"):
        blots.add_log_ratio(lanes, "gapdh")


def test_region_effect_matches_closed_form_two_group_difference():
    """Without covariates or gels the estimate is the difference of group means (Welch-free t)."""
    rng = np.random.default_rng(1)
    n = 8
    data = pd.DataFrame({
        "donor_id": [f"D{i}" for i in range(2 * n)], "group": ["control"] * n + ["sALS"] * n,
        "region": "r", "gel_id": "G1", "age_years": 60, "sex": "F", "pmi_hours": 10.0,
        "log_ratio": np.r_[rng.normal(0, 0.2, n), rng.normal(-0.5, 0.2, n)],
    })
    effect = blots.fit_region_effect(data, "r", covariates=())
    diff = data.loc[data.group == "sALS", "log_ratio"].mean() - data.loc[data.group == "control", "log_ratio"].mean()
    pooled = np.sqrt((data.groupby("group")["log_ratio"].var(ddof=1) * (n - 1)).sum() / (2 * n - 2))
    assert effect.estimate == pytest.approx(diff)
    assert effect.se == pytest.approx(pooled * np.sqrt(2 / n))
    assert effect.n_units == 2 * n
    from scipy import stats

    t = stats.t.ppf(0.975, 2 * n - 2)
    assert effect.ci_low == pytest.approx(diff - t * effect.se)


@pytest.mark.parametrize("region", HUMAN_BLOT.regions)
def test_human_effect_recovers_the_simulated_truth(region, fresh_data):
    lanes = blots.add_log_ratio(load_table("human_blot", fresh_data))
    effect = blots.fit_region_effect(lanes, region)
    truth = HUMAN_BLOT.als_effect[region]
    assert abs(effect.estimate - truth) < 3 * effect.se, (effect, truth)
    assert effect.n_units == HUMAN_BLOT.n_control + HUMAN_BLOT.n_sals


def test_effect_recovers_truth_on_average_over_seeds():
    """Over 200 seeds the mean estimate is within 3 Monte Carlo standard errors of the truth."""
    from helpers.data.generators.human_blot import simulate

    region = "lumbar_spinal_cord"
    estimates = [blots.fit_region_effect(blots.add_log_ratio(simulate(s)), region).estimate for s in range(200)]
    se_mean = np.std(estimates, ddof=1) / np.sqrt(len(estimates))
    assert abs(np.mean(estimates) - HUMAN_BLOT.als_effect[region]) < 3 * se_mean


def test_unknown_region_and_covariate_raise():
    data = pd.DataFrame({"region": ["a"], "donor_id": ["D1"]})
    with pytest.raises(ValueError, match="no lanes for region"):
        blots.fit_region_effect(data, "b")


def test_region_effects_are_the_region_effect_of_each_region_and_group():
    """Every region (sorted) and group present gives the single-region fit; percent lower is 100 (1 - ratio)."""
    lanes = blots.add_log_ratio(load_table("human_blot", DATA_DIR))
    lanes = lanes[~((lanes["region"] == "motor_cortex") & (lanes["group"] == "sALS"))]  # no sALS lanes there
    effects = blots.fit_region_effects(lanes, ["sALS"], alpha=0.1, reference="control")
    assert effects["region"].tolist() == sorted(set(lanes["region"]) - {"motor_cortex"})
    for row in effects.itertuples():
        single = blots.fit_region_effect(lanes, row.region, alpha=0.1, reference="control", group="sALS")
        assert (row.estimate, row.ci_low, row.n_units) == (single.estimate, single.ci_low, single.n_units)
        assert row.ratio == pytest.approx(np.exp(single.estimate))
        assert row.ratio_ci_high == pytest.approx(np.exp(single.ci_high))
        assert row.percent_lower == pytest.approx(100 * (1 - np.exp(single.estimate)))


def test_region_lanes_refuses_a_region_without_lanes_naming_the_parameter():
    lanes = pd.DataFrame({"region": ["b", "a", "b"], "donor_id": ["D1", "D2", "D3"]})
    assert blots.region_lanes(lanes, "b")["donor_id"].tolist() == ["D1", "D3"]
    with pytest.raises(ValueError, match=r"no lanes for region 'c' \(regions present: a, b\).*parameter region"):
        blots.region_lanes(lanes, "c")
    with pytest.raises(ValueError, match="no region has lanes of sALS besides the reference control"):
        blots.fit_region_effects(lanes.assign(group="control"), ["sALS"], reference="control")


def test_region_results_state_every_region_then_the_featured_one_then_the_donors():
    effects = pd.DataFrame({"region": ["cortex", "cord"], "group": ["sALS", "sALS"], "n_units": [20, 22],
                            "ratio": [0.75, 0.5], "ratio_ci_low": [0.55, 0.35], "ratio_ci_high": [0.99, 0.7],
                            "percent_lower": [25.0, 50.0]})
    table = blots.region_results(effects, "cord", "control", 24).set_index("key")
    assert table.index.tolist() == ["ratio_cortex", "ratio_cord", "featured_ratio", "featured_percent_lower",
                                    "n_donors"]
    assert table["value"].tolist() == [0.75, 0.5, 0.5, 50.0, 24]
    assert table.loc["featured_ratio", ["ci_low", "ci_high", "n"]].tolist() == [0.35, 0.7, 22]
    assert pd.isna(table.loc["featured_percent_lower", "ci_low"]) and table.loc["featured_percent_lower", "digits"] == 0
    assert table.loc["featured_percent_lower", "description"] == "percent lower geometric mean in sALS"
    assert table.loc["ratio_cortex", "description"] == "sALS/control pTBK1/TBK1, cortex"
    assert table.loc["featured_ratio", "description"] == "sALS/control pTBK1/TBK1 in the featured region (cord)"
    assert table.loc["ratio_cord", "method"].startswith("OLS of log(pTBK1/TBK1) on diagnosis (vs control)")
    assert set(table["n_unit"]) == {"donors"} and table.loc["n_donors", ["n", "method"]].tolist() == [24, "count"]


def test_region_results_name_each_group_by_its_key_suffix():
    effects = pd.DataFrame({"region": ["cord", "cord"], "group": ["sALS", "fALS"], "n_units": [20, 21],
                            "ratio": [0.5, 0.6], "ratio_ci_low": [0.3, 0.4], "ratio_ci_high": [0.8, 0.9],
                            "percent_lower": [50.0, 40.0], "key_suffix": ["_sALS", "_fALS"]})
    keys = blots.region_results(effects, "cord", "control", 30)["key"].tolist()
    assert keys == ["ratio_cord_sALS", "ratio_cord_fALS", "featured_ratio_sALS", "featured_ratio_fALS",
                    "featured_percent_lower_sALS", "featured_percent_lower_fALS", "n_donors"]
