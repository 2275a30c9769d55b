"""Synthesis: which sets are pooled, what the summary and the words say, on strata with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.analysis import synthesis
from helpers.stats.meta_analysis import meta_analyze


def _strata(estimates, affected, species="mouse", truth=None) -> pd.DataFrame:
    k = len(estimates)
    return pd.DataFrame({"species": species, "tissue": [f"t{i}" for i in range(k)], "estimate": estimates,
                         "se": 0.1, "affected": affected, "truth": truth if truth is not None else np.nan})


def test_count_strata_counts_each_set():
    strata = _strata([0.1, 0.2, 0.3, 0.4], [True, True, True, False])
    assert [synthesis.count_strata(strata, w) for w in ("motor", "non-motor", "all")] == [3, 1, 4]


def test_pool_sets_pool_only_sets_of_three_strata_and_skip_absent_outcomes():
    strata = _strata([-0.5, -0.4, -0.6, 0.0, 0.1], [True, True, True, False, False])
    pools = synthesis.pool_sets({"tbk1": strata, "mam": None})
    assert list(pools) == [("tbk1", "motor"), ("tbk1", "all")]  # two less-affected strata: no pool
    result, chosen = pools[("tbk1", "motor")]
    # equal standard errors: the pooled mean is the plain mean of the three affected strata, weights 1/3 each
    assert result.k == 3 and result.estimate == pytest.approx(-0.5)
    assert chosen["weight"].to_numpy() == pytest.approx([1 / 3] * 3)


def test_pool_summary_has_one_row_per_pool_with_the_meta_analysis():
    strata = _strata([-0.5, -0.4, -0.6, 0.0], [True, True, True, False])
    pools = synthesis.pool_sets({"mam": strata}, method="DL")
    summary = synthesis.pool_summary(pools)
    expected = meta_analyze(strata["estimate"], strata["se"], method="DL")
    assert summary[["outcome", "strata"]].values.tolist() == [["mam", "motor"], ["mam", "all"]]
    assert summary.iloc[1]["estimate"] == pytest.approx(expected.estimate)
    assert summary.iloc[1]["tau"] == pytest.approx(expected.tau)
    assert list(summary.columns[2:]) == synthesis.SUMMARY_COLUMNS


def test_prediction_text_gives_the_interval_from_five_strata_and_the_reason_below():
    few = meta_analyze([-0.5, -0.4, -0.6], [0.1] * 3)
    assert synthesis.prediction_text(few, "motor").startswith("no prediction interval is shown: it needs at least 5")
    many = meta_analyze([-0.5, -0.4, -0.6, -0.3, -0.7], [0.1] * 5)
    low, high = np.exp(many.pi_low), np.exp(many.pi_high)
    assert synthesis.prediction_text(many, "all") == (
        f"a new stratum like these (all) would be expected to show a ratio between {low:.2f} and {high:.2f} "
        "(prediction interval)")


class _Factor:
    def __init__(self, levels):
        self.levels = levels


class _Study:
    def factor(self, name):
        return _Factor({"region": ["occipital_cortex", "motor_cortex", "lumbar_spinal_cord"],
                        "tissue": ["spinal_cord", "cerebellum"]}[name])


def test_affected_places_follow_the_study_order_per_species():
    human = _strata([0.1, 0.2, 0.3], [True, True, False], species="human").assign(
        tissue=["lumbar_spinal_cord", "motor_cortex", "occipital_cortex"])
    mouse = _strata([0.1, 0.2], [True, False]).assign(tissue=["spinal_cord", "cerebellum"])
    text = synthesis.affected_places(pd.concat([human, mouse]), _Study())
    assert text == "human motor cortex and lumbar spinal cord; mouse spinal cord"
    assert synthesis.affected_places(None, _Study()) == "none"
    assert synthesis.affected_places(mouse.assign(affected=False), _Study()) == "none"


def test_truth_comparison_sets_each_pool_beside_its_average_truth():
    strata = _strata([-0.5, -0.4, -0.6], [True] * 3, truth=[-0.5, -0.5, -0.2])
    pools = synthesis.pool_sets({"tbk1": strata})
    table = synthesis.truth_comparison(pools)
    assert table["true_ratio"].tolist() == pytest.approx([np.exp(-0.4)] * 2)
    assert table["pooled_ratio"].tolist() == pytest.approx([np.exp(-0.5)] * 2)
    result = pools[("tbk1", "motor")][0]
    assert table["inside"].tolist() == [bool(result.ci_low <= -0.4 <= result.ci_high)] * 2


WHAT = {"tbk1": "TBK1 ratio", "mam": "PLA ratio"}


def test_pool_results_state_each_pool_with_its_keys_units_and_analytic_values():
    # equal SEs of 0.1 around a mean of -0.5: Q = (0.1² + 0.1²) / 0.1² = 2 on 2 df, so tau² = 0, I² = 0,
    # p = exp(-1), and the Knapp-Hartung factor Q / (k - 1) = 1 leaves the SE at 0.1 / sqrt(3)
    strata = _strata([-0.5, -0.4, -0.6, 0.0], [True, True, True, False]).assign(n_units=[10, 12, 14, 9])
    pools = synthesis.pool_sets({"tbk1": strata}, method="DL")
    table = synthesis.pool_results(pools, WHAT, "DL").set_index("key")
    assert list(table.index) == [f"tbk1_{which}_{name}" for which in ("motor", "all")
                                 for name in ("ratio", "tau", "i2", "q_p", "k")]  # under 5 strata: no prediction
    motor = table.loc[[k for k in table.index if k.startswith("tbk1_motor")]]
    half = stats.t.ppf(0.975, 2) * 0.1 / np.sqrt(3)
    assert motor.loc["tbk1_motor_ratio", ["value", "ci_low", "ci_high"]].tolist() == pytest.approx(
        np.exp([-0.5, -0.5 - half, -0.5 + half]))
    assert motor["value"].iloc[1:].tolist() == pytest.approx([0.0, 0.0, np.exp(-1), 3])
    assert motor["unit"].tolist() == ["ratio of geometric means", "log scale", "%", "p-value", "strata"]
    assert motor["digits"].tolist()[2:] == [0, 4, 0] and (motor["n"] == 3).all() and (motor["n_unit"] == "strata").all()
    assert motor["method"].tolist() == [synthesis.pool_method("DL")] * 3 + ["Cochran's Q, chi-squared with k-1 df",
                                                                            "count"]
    assert motor.loc["tbk1_motor_ratio", "description"] == "pooled TBK1 ratio, motor strata (36 unit-comparisons)"
    assert table.loc["tbk1_all_k", "description"] == "strata in the all pool, TBK1 ratio"


def test_pool_results_give_the_prediction_limits_from_five_strata():
    # five identical estimates: tau² = 0, so the limits are -0.5 -/+ t(3 df) * 0.1 / sqrt(5)
    strata = _strata([-0.5] * 5, [True] * 5).assign(n_units=10)
    table = synthesis.pool_results(synthesis.pool_sets({"mam": strata}), WHAT).set_index("key")
    motor = [k for k in table.index if k.startswith("mam_motor")]
    assert motor == [f"mam_motor_{name}" for name in ("ratio", "tau", "i2", "q_p", "pi_low", "pi_high", "k")]
    half = stats.t.ppf(0.975, 3) * 0.1 / np.sqrt(5)
    assert table.loc[["mam_motor_pi_low", "mam_motor_pi_high"], "value"].tolist() == pytest.approx(
        np.exp([-0.5 - half, -0.5 + half]))
    assert table.loc["mam_motor_pi_high", "description"] == "upper prediction limit (t, k-2 df), PLA ratio, motor strata"
    assert table.loc["mam_motor_pi_low", "unit"] == "ratio" and table["ci_low"].notna().sum() == 2  # the two ratios


def test_headline_results_give_both_intervals_of_the_chosen_set_only():
    strata = _strata([-0.5, -0.4, -0.6, 0.0], [True, True, True, False])
    pools = synthesis.pool_sets({"tbk1": strata, "mam": strata})
    table = synthesis.headline_results(pools, "all", WHAT, "REML").set_index("key")
    assert list(table.index) == ["tbk1_headline_ratio", "tbk1_headline_wald", "mam_headline_ratio", "mam_headline_wald"]
    result = pools[("tbk1", "all")][0]
    assert table.loc["tbk1_headline_ratio", ["value", "ci_low", "ci_high"]].tolist() == pytest.approx(
        np.exp([result.estimate, result.ci_low, result.ci_high]))
    assert table.loc["tbk1_headline_wald", ["ci_low", "ci_high"]].tolist() == pytest.approx(
        np.exp([result.ci_wald_low, result.ci_wald_high]))
    assert table.loc["mam_headline_wald", "method"] == "random-effects (REML), Wald CI"
    assert table.loc["mam_headline_wald", "description"] == "headline pooled PLA ratio (all strata), normal interval"
    assert (table["n"] == 4).all() and synthesis.headline_results(pools, "non-motor", WHAT).empty  # one stratum
