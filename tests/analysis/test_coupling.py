"""MAM-TBK1 coupling: recovery on latent values, measurement-error correction, bootstrap reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from helpers.analysis import coupling
from helpers.data import truths
from helpers.data.cohorts import simulate_mouse_cohort
from helpers.data.truths import DEFAULT_SEED, MOUSE_COHORT
from helpers.data.validate import load_table
from helpers.stats import intervals

CONTRAST = ("SOD1_G85R_Sigmar1_KO", "end_stage")


def _latent_animals(seed: int) -> pd.DataFrame:
    """The cohort's true values as an animal table: no measurement error, one gel per tissue."""
    cohort = simulate_mouse_cohort(seed)
    return cohort.assign(log_ratio=cohort["log_tbk1"], gel_id=cohort["tissue"], error_var=0.0)


def test_within_group_slope_on_latent_values_recovers_the_coupling_slope():
    effect = coupling.fit_slope(_latent_animals(DEFAULT_SEED), groups=True)
    assert abs(effect.estimate - MOUSE_COHORT.coupling_slope) < 3 * effect.se, effect
    assert effect.n_units == 60


def test_proportion_on_latent_values_recovers_the_truth_within_bootstrap_se():
    animals = _latent_animals(DEFAULT_SEED)
    result = coupling.explain_genotype_effect(animals, *CONTRAST)
    truth = truths.true_decomposition(*CONTRAST, sorted(animals["tissue"].unique()))
    reps = coupling.bootstrap_decomposition(animals, *CONTRAST, n_boot=300, seed=1)
    assert result["reliability"] == pytest.approx(1.0)
    assert result["proportion_corrected"] == pytest.approx(result["proportion"])
    for key in ("proportion", "total", "mam_contrast", "slope"):
        assert abs(result[key] - truth[key]) < 3 * reps[key].std(ddof=1), (key, result[key], truth[key])
    assert truth["proportion"] == pytest.approx(0.8 / 0.9)


def test_direct_effect_equals_the_full_regression_coefficient():
    """Frisch-Waugh-Lovell: total - slope x MAM contrast is the contrast of the model with the MAM term."""
    animals = _latent_animals(3)
    rng = np.random.default_rng(0)
    animals["log_mam"] += rng.normal(0, 0.1, len(animals))
    nuisance, names = coupling.design_matrix(animals, groups=True)
    contrast = coupling.contrast_vector(names, *CONTRAST, sorted(animals["tissue"].unique()))
    fit = sm.OLS(animals["log_ratio"].to_numpy(), np.column_stack([nuisance, animals["log_mam"]])).fit()
    result = coupling.explain_genotype_effect(animals, *CONTRAST)
    assert result["direct"] == pytest.approx(contrast @ fit.params[:-1])
    assert result["slope"] == pytest.approx(fit.params[-1])
    assert result["slope"] == pytest.approx(coupling.fit_slope(animals, groups=True).estimate)


def test_regression_calibration_recovers_the_slope_under_known_measurement_error():
    rng = np.random.default_rng(11)
    n, beta, sd_true, sd_err = 4000, 0.8, 0.2, 0.15
    group = np.arange(n) % 2  # the second group has a lower true x; y follows only through x
    true_x = rng.normal(0, sd_true, n) - 0.5 * group
    y = beta * true_x + rng.normal(0, 0.1, n)
    x = true_x + rng.normal(0, sd_err, n)
    nuisance = np.column_stack([group == 0, group == 1]).astype(float)
    result = coupling.decompose(nuisance, y, x, np.full(n, sd_err**2), np.array([-1.0, 1.0]))
    assert result["total"] == pytest.approx(-0.4, abs=0.03)
    assert result["proportion_corrected"] == pytest.approx(1.0, abs=0.1)
    reliability = sd_true**2 / (sd_true**2 + sd_err**2)
    se_naive = np.sqrt((0.1**2 + beta**2 * sd_true**2 * (1 - reliability)) / (n * (sd_true**2 + sd_err**2)))
    assert abs(result["slope"] - beta * reliability) < 3 * se_naive
    assert abs(result["reliability"] - reliability) < 0.03
    assert abs(result["slope_corrected"] - beta) < 3 * se_naive / reliability + 0.03


def test_error_variance_of_a_mouse_mean_from_its_sections():
    cells = pd.DataFrame({
        "mouse_id": "M1", "genotype": "WT", "stage": "onset", "tissue": "spinal_cord",
        "section_id": ["a", "a", "b", "b", "c", "c"], "cell_type": "motor_neuron",
        "tether_pair": "VAPB_PTPIP51", "puncta": [9, 11, 14, 16, 19, 21],
    })
    row = coupling.mouse_mam_integrity(cells).iloc[0]
    assert row["mean_puncta"] == 15.0
    assert row["error_var"] == pytest.approx(np.var([10, 15, 20], ddof=1) / 3 / 15**2)
    assert row["n_sections"] == 3 and row["n_cells"] == 6


def test_naive_slope_on_example_data_matches_the_attenuated_truth(fresh_data):
    """Within-group naive slope within 3 SE of coupling slope x the attenuation present in the data."""
    animals = coupling.animal_table(load_table("pla_cells", fresh_data), load_table("mouse_blot", fresh_data))
    attenuation = coupling.attenuation_from_latent(animals, simulate_mouse_cohort(DEFAULT_SEED))
    effect = coupling.fit_slope(animals, groups=True)
    assert 0 < attenuation < 1
    assert abs(effect.estimate - MOUSE_COHORT.coupling_slope * attenuation) < 3 * effect.se
    estimated = coupling.explain_genotype_effect(animals, *CONTRAST)["reliability"]
    assert abs(estimated - attenuation) < 0.15


def test_ip3r3_sig1r_pair_drops_mice_without_sig1r(fresh_data):
    animals = coupling.animal_table(load_table("pla_cells", fresh_data), load_table("mouse_blot", fresh_data),
                                    pair="IP3R3_Sig1R", tissue="spinal_cord")
    assert not animals["genotype"].str.contains("Sigmar1_KO").any()
    assert set(animals["tissue"]) == {"spinal_cord"}
    assert animals.set_index(["mouse_id", "tissue"]).index.is_unique


def test_bootstrap_percentile_interval_agrees_with_scipy():
    rng = np.random.default_rng(5)
    data = rng.gamma(2.0, 1.0, 60)
    reps = coupling.bootstrap_units(lambda rows: np.array([data[rows].mean()]), pd.Series(np.arange(60)),
                                    n_boot=4000, seed=2)
    ours = intervals.percentile_ci(reps[:, 0], 0.05)
    ref = stats.bootstrap((data,), np.mean, n_resamples=4000, method="percentile", confidence_level=0.95,
                          random_state=np.random.default_rng(3)).confidence_interval
    se = data.std(ddof=1) / np.sqrt(len(data))
    assert ours[0] == pytest.approx(ref.low, abs=0.1 * se)
    assert ours[1] == pytest.approx(ref.high, abs=0.1 * se)


def test_stratified_bootstrap_keeps_every_stratum_size():
    units = pd.Series(["a", "a", "b", "c", "c", "d"])
    strata = pd.Series(["x", "x", "x", "y", "y", "y"])
    sizes = coupling.bootstrap_units(lambda rows: np.array([len(set(units[rows]) & {"a", "b"}) > 0,
                                                            (strata[rows] == "y").sum()]),
                                     units, strata, n_boot=200, seed=0)
    assert sizes[:, 0].all()  # stratum x is always drawn from
    assert set(sizes[:, 1]) <= {2.0, 3.0, 4.0}  # y: two units of 2 and 1 rows


def test_percentile_interval_with_unbounded_replicates():
    reps = np.r_[np.linspace(0, 1, 95), np.full(5, np.inf)]
    assert intervals.percentile_ci(reps, 0.05)[1] == np.inf
    assert np.isfinite(intervals.percentile_ci(reps, 0.2)[1])
    with pytest.raises(ValueError, match="NaN"):
        intervals.percentile_ci(np.array([0.0, np.nan]))


# ---- the mouse as the cluster ---------------------------------------------------------------------
def test_cr2_slope_counts_mice_and_ols_counts_rows(fresh_data):
    animals = coupling.animal_table(load_table("pla_cells", fresh_data), load_table("mouse_blot", fresh_data))
    for groups in (False, True):
        cr2 = coupling.fit_slope(animals, groups=groups, se="cr2")
        ols = coupling.fit_slope(animals, groups=groups, se="ols")
        assert cr2.estimate == pytest.approx(ols.estimate, rel=1e-10)
        assert cr2.df_resid < animals["mouse_id"].nunique() < ols.df_resid
        assert cr2.ci_low < cr2.estimate < cr2.ci_high


def test_simulated_mice_share_their_deviation_across_tissues():
    """The cohort's within-group deviations correlate across a mouse's tissues (share_mouse_mam of the variance)."""
    frames = [simulate_mouse_cohort(seed) for seed in range(6)]
    cohort = pd.concat([f.assign(rep=i) for i, f in enumerate(frames)])
    dev = cohort["log_mam"] - cohort.groupby(["rep", "genotype", "stage", "tissue"])["log_mam"].transform("mean")
    wide = cohort.assign(dev=dev).pivot_table(index=["rep", "mouse_id"], columns="tissue", values="dev")
    corr = wide.corr().to_numpy()[np.triu_indices(3, 1)]
    assert np.all(np.abs(corr - MOUSE_COHORT.share_mouse_mam) < 0.12), corr
    assert cohort.groupby("tissue")["log_mam"].apply(lambda x: x.size).eq(60 * 6).all()


def test_two_bootstrap_seeds_print_the_same_ledger_digits(fresh_data):
    """The chapter's rule on its own contrast: with the resamples the rule asks for, two seeds print alike.

    A shortened run (the reliability and the ratios only, a fixed 10,000 resamples, where the rule
    asks for fewer) keeps the test under a minute; the chapter applies the same rule to every
    printed limit with up to 30,000 resamples.
    """
    animals = coupling.animal_table(load_table("pla_cells", fresh_data), load_table("mouse_blot", fresh_data))
    printed = {"total": (np.exp, 2), "direct": (np.exp, 2), "reliability": (lambda v: v, 2)}
    texts = []
    for seed in (11, 12):
        _, summary = intervals.bootstrap_to_precision(
            lambda n, s: coupling.bootstrap_decomposition(animals, *CONTRAST, n_boot=n, seed=s),
            printed, 0.05, seed, start=10000, max_boot=10000)
        for row in summary.itertuples():
            assert max(row.mc_se_low, row.mc_se_high) < intervals.MC_SE_FRACTION * 10.0 ** (-row.digits)
        texts.append({r.Index: intervals.ci_text(r.low, r.high, 0.95, int(r.digits)) for r in summary.itertuples()})
    assert texts[0] == texts[1]


# ---- what the chapter states --------------------------------------------------------------------------
def _precision(**rows) -> pd.DataFrame:
    """A precision table (as intervals.percentile_precision returns) holding the given rows, others stable."""
    base = {name: {"low": 0.1, "high": 0.9, "stable_low": True, "stable_high": True, "digits": stated.digits}
            for name, stated in coupling.STATED.items()}
    for name, row in rows.items():
        base[name].update(row)
    return pd.DataFrame.from_dict(base, orient="index")


DECOMPOSITION = {"reliability": 0.19, "total": np.log(0.55), "direct": np.log(0.62), "proportion": 0.2,
                 "slope_corrected": 1.14, "proportion_corrected": 1.046}


def test_stated_results_are_the_printed_values_with_their_stable_intervals():
    rows = coupling.stated_results(DECOMPOSITION, _precision(), genotype="G", reference="R", stage="S")
    assert [r["key"] for r in rows] == ["reliability", "total_effect", "direct_effect", "proportion_naive",
                                        "slope_corrected", "proportion_corrected"]
    by_key = {r["key"]: r for r in rows}
    assert by_key["total_effect"]["value"] == pytest.approx(0.55)  # exp of the log contrast
    assert by_key["total_effect"]["description"] == "G/R pTBK1/TBK1, S"
    assert by_key["proportion_corrected"]["value"] == pytest.approx(104.6)  # percent
    assert by_key["proportion_naive"]["unit"] == "%" and by_key["proportion_naive"]["digits"] == 0
    assert all(r["ci"] == (0.1, 0.9) for r in rows)


def test_an_unstable_or_unbounded_limit_is_not_stated():
    precision = _precision(total={"stable_high": False},
                           slope_corrected={"low": 0.31, "high": np.inf, "digits": 1},
                           proportion_corrected={"stable_low": False, "high": np.inf})
    rows = {r["key"]: r for r in coupling.stated_results(DECOMPOSITION, precision, genotype="G", reference="R",
                                                         stage="S")}
    assert rows["total_effect"]["ci"] is None
    assert rows["total_effect"]["description"].endswith("(interval not stable; not shown)")
    assert rows["slope_corrected"]["ci"] is None and rows["slope_corrected"]["digits"] == 1
    assert rows["slope_corrected_ci_low"]["value"] == 0.31  # the finite bound the prose states
    assert rows["slope_corrected_ci_low"]["description"].endswith("(its upper bound is unbounded)")
    assert rows["proportion_corrected"]["ci"] is None and "proportion_corrected_ci_low" not in rows
    assert coupling.stated_limits(precision, "proportion_corrected") == (pytest.approx(np.nan, nan_ok=True), np.inf)


def test_a_corrected_value_without_a_positive_reliability_is_unbounded_in_words_and_absent_from_the_ledger():
    decomposition = {**DECOMPOSITION, "reliability": -0.1, "slope_corrected": np.inf, "proportion_corrected": np.inf}
    precision = _precision(slope_corrected={"low": 0.4, "high": np.inf, "digits": 1})
    keys = [r["key"] for r in coupling.stated_results(decomposition, precision, genotype="G", reference="R", stage="S")]
    assert "slope_corrected" not in keys and "proportion_corrected" not in keys
    assert coupling.stated_summary(decomposition, precision, "slope_corrected", 0.05, 2000) == (
        "unbounded (the estimated reliability is not positive; 95% CI 0.4 to unbounded)")


def test_stated_summary_prints_the_value_with_its_interval_or_says_why_not():
    precision = _precision(slope_corrected={"low": 0.31, "high": np.inf, "digits": 1},
                           proportion_corrected={"low": 20.0, "high": 250.0, "stable_high": False})
    assert coupling.stated_summary(DECOMPOSITION, precision, "slope_corrected", 0.05, 30000) == (
        "1.1 (95% CI 0.3 to unbounded)")
    assert coupling.stated_summary(DECOMPOSITION, precision, "proportion_corrected", 0.1, 30000) == (
        "105% (its bootstrap interval is Monte Carlo noise even with 30,000 resamples, so none is shown)")
    stable = _precision(proportion_corrected={"low": 20.0, "high": 250.0})
    assert coupling.stated_summary(DECOMPOSITION, stable, "proportion_corrected", 0.1, 30000) == (
        "105% (90% CI 20 to 250)")


def test_unbounded_share_and_its_binomial_monte_carlo_error():
    replicates = pd.DataFrame({"reliability": np.r_[np.full(200, -0.1), np.full(800, 0.3)]})
    percent, se, digits = coupling.unbounded_share(replicates)
    assert percent == pytest.approx(20.0)
    assert se == pytest.approx(100 * np.sqrt(0.2 * 0.8 / 1000))  # 1.26 points: whole percent at most
    assert digits == 0


def test_covers_says_whether_an_interval_holds_a_value():
    assert coupling.covers((0.3, np.inf), 0.8) == "contains"
    assert coupling.covers((0.9, 1.2), 0.8) == "misses"
    assert coupling.covers((0.3, 1.2), 0.8, stable=False) == "is not stable enough to compare with"


def test_slope_table_holds_each_model_with_each_standard_error(fresh_data):
    animals = coupling.animal_table(load_table("pla_cells", fresh_data), load_table("mouse_blot", fresh_data))
    table = coupling.slope_table(animals, alpha=0.1).set_index(["model", "se_method"])
    assert len(table) == 2 * len(coupling.SLOPE_SE)
    for model, groups in (("pooled", False), ("within-group", True)):
        for se in coupling.SLOPE_SE:
            fit = coupling.fit_slope(animals, groups=groups, alpha=0.1, se=se)
            assert table.loc[(model, se), "ci_low"] == fit.ci_low and table.loc[(model, se), "se"] == fit.se


def test_bootstrap_to_precision_draws_the_decomposition_with_the_printed_scales(fresh_data):
    """The wrapper is intervals.bootstrap_to_precision over bootstrap_decomposition with STATED's scales."""
    animals = coupling.animal_table(load_table("pla_cells", fresh_data), load_table("mouse_blot", fresh_data))
    reps, precision = coupling.bootstrap_to_precision(animals, *CONTRAST, alpha=0.05, seed=4, start=60, max_boot=60)
    direct = coupling.bootstrap_decomposition(animals, *CONTRAST, n_boot=60, seed=[4, 0])
    pd.testing.assert_frame_equal(reps, direct)
    assert list(precision.index) == list(coupling.STATED)
    assert precision.loc["total", "low"] == pytest.approx(intervals.percentile_ci(np.exp(direct["total"]), 0.05)[0])
    assert precision.loc["proportion", "high"] == pytest.approx(
        intervals.percentile_ci(100 * direct["proportion"], 0.05)[1])


def test_slope_results_state_the_two_slopes_with_their_intervals_and_models():
    pooled = intervals.Effect(term="log_mam", estimate=0.55, se=0.05, ci_low=0.44, ci_high=0.66, p_value=1e-6,
                              df_resid=40, n_units=60)
    within = intervals.Effect(term="log_mam", estimate=0.22, se=0.1, ci_low=0.02, ci_high=0.42, p_value=0.03,
                              df_resid=40, n_units=60)
    table = coupling.slope_results(pooled, within, 60, "P_Q", "mn").set_index("key")
    assert table[["value", "ci_low", "ci_high", "n"]].values.tolist() == [[0.55, 0.44, 0.66, 60],
                                                                          [0.22, 0.02, 0.42, 60]]
    assert table.loc["slope_pooled", "method"] == coupling.slope_method("P_Q", "mn")
    assert table.loc["slope_within", "method"] == coupling.slope_method("P_Q", "mn") + (
        " + genotype x stage (x tissue) cells")
    assert set(table["unit"]) == {"log-log slope"} and set(table["n_unit"]) == {"mice"}


def test_decomposition_results_are_the_stated_rows_then_the_unbounded_share_and_the_mice():
    replicates = pd.DataFrame({"reliability": np.r_[np.full(200, -0.1), np.full(800, 0.3)]})
    precision = _precision(slope_corrected={"low": 0.31, "high": np.inf, "digits": 1})
    table = coupling.decomposition_results(DECOMPOSITION, precision, replicates, 60, (2000, 30000), genotype="G",
                                           reference="R", stage="S").set_index("key")
    assert table.index.tolist() == ["reliability", "total_effect", "direct_effect", "proportion_naive",
                                    "slope_corrected", "slope_corrected_ci_low", "proportion_corrected",
                                    "undefined_resamples", "n_mice"]
    assert table.loc["total_effect", ["ci_low", "ci_high", "n"]].tolist() == [0.1, 0.9, 60]
    assert table.loc["slope_corrected", ["ci_low", "ci_high"]].isna().all()  # unbounded: no interval stated
    assert table.loc["slope_corrected_ci_low", "value"] == 0.31
    assert table.loc["reliability", "method"] == coupling.bootstrap_method(2000, 30000)
    assert table.loc["undefined_resamples", ["value", "n", "n_unit", "digits"]].tolist() == [20.0, 1000, "resamples", 0]
    assert table.loc["undefined_resamples", "method"] == "share of the bootstrap resamples (Monte Carlo SE 1.3 points)"
    assert table.loc["n_mice", ["value", "n", "method"]].tolist() == [60, 60, "count"]


def test_truth_results_state_the_simulation_parameters_and_the_slope_they_imply():
    table = coupling.truth_results(0.8, 0.5, 0.25, 60).set_index("key")
    assert table["value"].tolist() == [0.8, 50.0, 0.25, 0.2]
    assert table.loc[["true_slope", "true_proportion"], "method"].tolist() == ["parameter", "parameter"]
    assert table.loc[["true_slope", "true_proportion"], "n"].isna().all()  # a parameter rests on no sample
    assert table.loc[["true_attenuation", "expected_within_slope"], "n"].tolist() == [60, 60]
    assert table["digits"].tolist() == [2, 0, 2, 2]
    assert table["unit"].tolist() == ["log-log slope", "%", "factor", "log-log slope"]


def test_truth_results_record_as_the_parameters_and_estimates_they_replace():
    from helpers.report.ledger.record import ResultsLedger

    recorded, by_call = ResultsLedger("ch", glue=False), ResultsLedger("ch", glue=False)
    recorded.record(coupling.truth_results(0.8, 0.5, 0.25, 60))
    by_call.parameter("true_slope", 0.8, "log-log slope", "slope put into the simulation (truths.py)")
    by_call.parameter("true_proportion", 50.0, "%", digits=0,
                      description="share of the genotype effect through MAM put into the simulation (truths.py)")
    mice = by_call.using(n=60, n_unit="mice", unit="log-log slope")
    mice.estimate("true_attenuation", 0.25, unit="factor",
                  method="slope of latent on measured MAM integrity after the other terms (simulated latent values)",
                  description="attenuation of the within-group slope present in these data")
    mice.estimate("expected_within_slope", 0.2, method="true slope x attenuation",
                  description="within-group slope a correct analysis of these noisy data should find")
    assert recorded.results == by_call.results
    assert [recorded.text(k) for k in ("true_proportion", "true_attenuation")] == ["50", "0.25"]
