"""Kaplan-Meier, log-rank and Cox: hand-computed answers, reference implementations, simulated truths."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.duration.survfunc import survdiff

from helpers.data.generators.disease_course import simulate
from helpers.data.truths import DISEASE_COURSE
from helpers.data.validate import DataValidationError, load_table
from helpers.stats import survival

TINY = pd.DataFrame({"t": [1, 2, 2, 3, 4], "e": [1, 1, 0, 1, 0], "g": "a"})


def test_kaplan_meier_matches_a_hand_computation():
    """S(1) = 4/5; S(2) = 4/5 * 3/4 (the censored mouse at 2 is still at risk); S(3) = 0.6 * 1/2."""
    fits = survival.fit_kaplan_meier(TINY, duration="t", event="e", group="g")
    curve = survival.survival_curves(fits).set_index("time")["survival"]
    assert curve.loc[[1.0, 2.0, 3.0, 4.0]].tolist() == pytest.approx([0.8, 0.6, 0.3, 0.3])
    medians = survival.median_times(fits)
    assert medians.loc[0, "median"] == 3.0
    assert medians.loc[0, ["n", "events"]].tolist() == [5, 3]
    at_risk = survival.numbers_at_risk(TINY, duration="t", group="g", times=[0, 1, 2, 3, 4, 5])
    assert at_risk.loc["a"].tolist() == [5, 5, 4, 2, 1, 0]


def test_greenwood_band_matches_the_log_log_formula():
    fits = survival.fit_kaplan_meier(TINY, duration="t", event="e", group="g", alpha=0.05)
    band = survival.survival_curves(fits).set_index("time").loc[2.0]
    s = 0.6
    var = 1 / (5 * 4) + 1 / (4 * 3)  # Greenwood: sum d / (n (n - d))
    se_loglog = np.sqrt(var) / abs(np.log(s))
    z = 1.959963984540054
    assert band["ci_low"] == pytest.approx(s ** np.exp(z * se_loglog), rel=1e-6)
    assert band["ci_high"] == pytest.approx(s ** np.exp(-z * se_loglog), rel=1e-6)


def test_unreached_median_is_missing_not_a_number():
    table = pd.DataFrame({"t": [5, 6, 7, 8, 9, 10], "e": [1, 0, 0, 0, 0, 0], "g": "a"})
    medians = survival.median_times(survival.fit_kaplan_meier(table, duration="t", event="e", group="g"))
    assert np.isnan(medians.loc[0, "median"]) and np.isnan(medians.loc[0, "ci_high"])


def test_logrank_matches_statsmodels(fresh_data):
    mice = load_table("disease_course", fresh_data)
    for endpoint in ("onset", "end_stage"):
        ours = survival.logrank(mice, duration=f"{endpoint}_day", event=f"{endpoint}_observed", group="genotype")
        chisq, p = survdiff(mice[f"{endpoint}_day"].to_numpy(float), mice[f"{endpoint}_observed"].to_numpy(int),
                            mice["genotype"].to_numpy())
        assert ours.statistic == pytest.approx(chisq, rel=1e-6)
        assert ours.p_value == pytest.approx(p, rel=1e-6)
        assert ours.df == 2


def test_cox_matches_statsmodels_efron(fresh_data):
    mice = load_table("disease_course", fresh_data)
    cox = survival.fit_cox(mice, duration="end_stage_day", event="end_stage_observed", group="genotype",
                           reference="SOD1_G85R")
    exog = np.column_stack([(mice["genotype"] == g).astype(float) for g in cox["group"]])
    ref = PHReg(mice["end_stage_day"].to_numpy(float), exog, status=mice["end_stage_observed"].to_numpy(int),
                ties="efron").fit()
    assert cox["log_hr"].to_numpy() == pytest.approx(ref.params, abs=1e-4)
    assert cox["se"].to_numpy() == pytest.approx(ref.bse, rel=1e-3)
    assert cox["hr"].to_numpy() == pytest.approx(np.exp(ref.params), rel=1e-4)


@pytest.mark.parametrize("endpoint", ["onset", "end_stage"])
def test_cox_recovers_the_simulated_log_hazard_ratio(endpoint, fresh_data):
    mice = load_table("disease_course", fresh_data)
    cox = survival.fit_cox(mice, duration=f"{endpoint}_day", event=f"{endpoint}_observed", group="genotype",
                           reference="SOD1_G85R")
    truth = np.array([DISEASE_COURSE.log_hazard_ratio(endpoint, g) for g in cox["group"]])
    assert (np.abs(cox["log_hr"] - truth) < 3 * cox["se"]).all(), cox.assign(truth=truth)


def test_double_mutant_log_hazard_ratio_is_unbiased_over_seeds():
    """Over 30 seeds the mean Cox estimate is within 3 Monte Carlo standard errors of the truth."""
    genotype = "SOD1_G85R_Sigmar1_KO"
    estimates = []
    for seed in range(30):
        cox = survival.fit_cox(simulate(seed), duration="end_stage_day", event="end_stage_observed",
                               group="genotype", reference="SOD1_G85R").set_index("group")
        estimates.append(cox.loc[genotype, "log_hr"])
    truth = DISEASE_COURSE.log_hazard_ratio("end_stage", genotype)
    se_mean = np.std(estimates, ddof=1) / np.sqrt(len(estimates))
    assert abs(np.mean(estimates) - truth) < 3 * se_mean


def test_simulated_onset_never_follows_end_stage():
    for seed in range(25):
        mice = simulate(seed)
        assert (mice["onset_day"] <= mice["end_stage_day"]).all()
        assert not ((mice["end_stage_observed"] == 1) & (mice["onset_observed"] == 0)).any()



def test_schema_rejects_a_censoring_flag_outside_zero_and_one(data_copy, edit_cell):
    edit_cell(data_copy / "disease_course.csv", 3, "end_stage_observed", "2")
    with pytest.raises(DataValidationError) as err:
        load_table("disease_course", data_copy)
    assert "disease_course.csv, row 3, column 'end_stage_observed': found '2'; expected a whole number between 0 and 1" in str(err.value)


def test_schema_rejects_onset_after_end_stage(data_copy, edit_cell):
    edit_cell(data_copy / "disease_course.csv", 4, "onset_day", "1200")
    with pytest.raises(DataValidationError) as err:
        load_table("disease_course", data_copy)
    assert "row 4, column 'onset_day': found '1200'; expected" in str(err.value)
    assert "not later than end_stage_day of the same row" in str(err.value)


def test_schema_rejects_end_stage_observed_after_censored_onset(data_copy, edit_cell):
    mice = load_table("disease_course", data_copy)
    row = int(np.flatnonzero(mice["onset_observed"] == 0)[0]) + 2  # file row (header is row 1)
    edit_cell(data_copy / "disease_course.csv", row, "end_stage_observed", "1")
    with pytest.raises(DataValidationError) as err:
        load_table("disease_course", data_copy)
    assert f"row {row}, column 'end_stage_observed'" in str(err.value)
    assert "1 only if onset_observed is 1" in str(err.value)


# ---- quantiles: the midpoint rule at an exactly flat segment (R's survival::quantile.survfit) -------
def _median(table: pd.DataFrame) -> pd.Series:
    return survival.median_times(survival.fit_kaplan_meier(table, duration="t", event="e", group="g")).iloc[0]


def test_median_at_an_exactly_flat_half_is_the_midpoint_of_the_flat():
    """Four deaths: S = 0.5 on [2, 3); R's survfit reports the median as (2 + 3) / 2 = 2.5."""
    table = pd.DataFrame({"t": [1, 2, 3, 4], "e": [1, 1, 1, 1], "g": "a"})
    assert _median(table)["median"] == 2.5


def test_median_at_a_final_flat_half_is_the_midpoint_up_to_the_last_follow_up():
    """S = 0.5 from day 2 to the last (censored) follow-up at 4: R gives (2 + 4) / 2 = 3."""
    table = pd.DataFrame({"t": [1, 2, 3, 4], "e": [1, 1, 0, 0], "g": "a"})
    assert _median(table)["median"] == 3.0


def test_flat_is_found_on_counts_not_on_a_rounded_float():
    """14 mice, one death at each of days 1..7, then a flat at 7/14 up to the next death at day 20.

    The product-limit value is exactly 1/2 on [7, 20); lifelines' float exp(sum log(1 - d/n))
    lands a hair above or below 0.5, which decided the old answer (7 or 20) by accident.
    """
    t = [1, 2, 3, 4, 5, 6, 7, 20, 21, 22, 23, 24, 25, 26]
    table = pd.DataFrame({"t": t, "e": 1, "g": "a"})
    fits = survival.fit_kaplan_meier(table, duration="t", event="e", group="g")
    exact = survival.exact_survival(fits["a"])
    assert exact[list(fits["a"].event_table.index).index(7)] == Fraction(1, 2)
    assert _median(table)["median"] == 13.5


def test_median_below_half_without_a_flat_is_the_first_time_below():
    table = pd.DataFrame({"t": [1, 2, 3], "e": [1, 1, 1], "g": "a"})  # S: 2/3, 1/3
    assert _median(table)["median"] == 2.0


def test_step_quantile_uses_a_tolerance_on_floats():
    assert survival.step_quantile([0, 5, 9], [1.0, 0.5 + 1e-12, 0.2], 0.5, last_time=9) == 7.0
    assert survival.step_quantile([0, 5, 9], [1.0, 0.5 - 1e-12, 0.2], 0.5, last_time=9) == 7.0
    assert survival.step_quantile([0, 5, 9], [1.0, 0.51, 0.2], 0.5, last_time=9) == 9.0
    assert np.isnan(survival.step_quantile([0, 5], [1.0, 0.6], 0.5, last_time=5))


def test_both_example_groups_follow_one_convention(fresh_data):
    """The example data: SOD1;Sigmar1-/- flat at 0.5 on [305, 319) and Sigmar1 het on [357, 360)."""
    mice = load_table("disease_course", fresh_data)
    fits = survival.fit_kaplan_meier(mice, duration="end_stage_day", event="end_stage_observed", group="genotype")
    medians = survival.median_times(fits).set_index("group")["median"]
    assert medians["SOD1_G85R_Sigmar1_KO"] == 312.0  # not 319 (the day after the flat)
    assert medians["SOD1_G85R_Sigmar1_het"] == 358.5  # not 357 (the start of the flat)
    for group in ("SOD1_G85R_Sigmar1_KO", "SOD1_G85R_Sigmar1_het"):
        kmf = fits[group]
        at = kmf.event_table.index.to_numpy(float)
        exact = survival.exact_survival(kmf)
        flat = [t for t, s in zip(at, exact, strict=True) if s == Fraction(1, 2)]
        later = at[at > flat[0]][np.asarray(exact)[at > flat[0]] != Fraction(1, 2)]
        assert medians[group] == (flat[0] + later[0]) / 2


def _survfit_median_limits(times, events, z=1.959963984540054):
    """R's survfit (conf.type = "log-log") and quantile.survfit by hand: the first event time at which the
    lower (upper) pointwise band is at or below 0.5; the band is NA where S(t) = 0, so a limit first
    reached there is NA ("not reached")."""
    times, events = np.asarray(times, float), np.asarray(events, int)
    s, greenwood, lower, upper = 1.0, 0.0, [], []
    for t in np.unique(times[events == 1]):
        n = int((times >= t).sum())
        d = int(((times == t) & (events == 1)).sum())
        s *= 1 - d / n
        if s == 0:  # Greenwood's d / (n (n - d)) is infinite: survfit's band is NA
            lower.append((t, np.nan))
            upper.append((t, np.nan))
            continue
        greenwood += d / (n * (n - d))
        se = np.sqrt(greenwood) / abs(np.log(s))  # SE of log(-log S)
        lower.append((t, s ** np.exp(z * se)))
        upper.append((t, s ** np.exp(-z * se)))

    def first_below(band):
        return next((t for t, v in band if np.isfinite(v) and v <= 0.5), np.nan)

    return first_below(lower), first_below(upper)


def test_median_limits_follow_survfit_when_the_curve_reaches_zero():
    """Six mice, all die (days 1-6): S reaches 0 at day 6, where lifelines' band is (0, 0).

    By hand (above): the lower band is 0.273 at day 1, so the lower limit is 1; the upper band is 0.675
    at day 4 and 0.517 at day 5 (never at or below 0.5 while S > 0), so R reports the upper limit as NA,
    not day 6. The median is 3.5 (S = 1/2 exactly on [3, 4)).
    """
    table = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6], "e": 1, "g": "a"})
    low, high = _survfit_median_limits(table["t"], table["e"])
    assert low == 1.0 and np.isnan(high)
    kmf = survival.fit_kaplan_meier(table, duration="t", event="e", group="g")["a"]
    assert kmf.confidence_interval_.iloc[-1].tolist() == [0.0, 0.0]  # what lifelines says at S = 0
    row = survival.median_times({"a": kmf}).iloc[0]
    assert row["median"] == 3.5
    assert row["ci_low"] == low
    assert np.isnan(row["ci_high"])


def test_median_limits_match_survfit_when_the_band_crosses_before_zero():
    """Twenty mice, two censored, the last one dies: the upper band crosses 0.5 before S reaches 0."""
    t = np.arange(1, 21)
    e = np.ones(20, dtype=int)
    e[[4, 11]] = 0  # censored on days 5 and 12
    table = pd.DataFrame({"t": t, "e": e, "g": "a"})
    low, high = _survfit_median_limits(t, e)
    assert np.isfinite(low) and np.isfinite(high) and high < 20
    row = survival.median_times(survival.fit_kaplan_meier(table, duration="t", event="e", group="g")).iloc[0]
    assert (row["ci_low"], row["ci_high"]) == (low, high)
    assert row["ci_low"] <= row["median"] <= row["ci_high"]
