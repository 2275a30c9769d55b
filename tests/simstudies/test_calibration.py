"""Calibration machinery: known coverage of textbook intervals and exact bookkeeping."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.simstudies import calibration as cal
from helpers.simstudies import calibration_registry as registry


def _normal_design(n: int) -> cal.Design:
    def simulate(seed, null):
        return np.random.default_rng(seed).normal(0.0 if null else 1.5, 2.0, n)

    return cal.Design("normal", simulate, lambda null: 0.0 if null else 1.5)


def _t_fit(x, alpha):
    return cal.wald_interval(x.mean(), x.std(ddof=1) / math.sqrt(len(x)), alpha, df=len(x) - 1)


def _z_fit(x, alpha):
    return cal.wald_interval(x.mean(), x.std(ddof=1) / math.sqrt(len(x)), alpha)


def _run(estimator, n, reps, alpha=0.05):
    design = _normal_design(n)
    rows = [r for s in range(reps) for r in cal.run_replicate(design, [estimator], s, alpha)]
    return cal.summarise_calibration(pd.DataFrame(rows), alpha).set_index("kind")


def test_t_interval_of_a_normal_mean_covers_95_percent_within_monte_carlo_limits():
    reps = 4000
    table = _run(cal.Estimator("t", "normal", _t_fit, "t interval"), 5, reps)
    for kind, nominal in (("coverage", 0.95), ("type_I", 0.05)):
        limit = 3.5 * math.sqrt(nominal * (1 - nominal) / reps)
        assert abs(table.loc[kind, "value"] - nominal) < limit, table
        assert table.loc[kind, "mc_se"] == pytest.approx(math.sqrt(nominal * (1 - nominal) / reps), rel=0.2)


def test_z_interval_with_five_observations_undercovers_by_the_known_amount():
    reps = 4000
    table = _run(cal.Estimator("z", "normal", _z_fit, "z interval"), 5, reps)
    # P(|T_4| <= 1.96) is the exact coverage of the z interval when the SD is estimated.
    exact = 2 * stats.t(4).cdf(stats.norm.ppf(0.975)) - 1
    assert exact == pytest.approx(0.878, abs=0.001)
    assert abs(table.loc["coverage", "value"] - exact) < 3.5 * math.sqrt(exact * (1 - exact) / reps)
    assert not table.loc["coverage", "inside_band"]
    assert table.loc["type_I", "value"] > 0.08


def test_coverage_and_rejections_are_counted_exactly_on_a_constructed_case():
    # The estimate is the seed: intervals [seed - 0.5, seed + 0.5] cover 0 only for seed 0;
    # p-values seed / 10 reject at 5% only for seed 0. Seed 3 fails to fit.
    design = cal.Design("fixed", lambda seed, null: seed, lambda null: 0.0)

    def fit(seed, alpha):
        if seed == 3:
            raise ValueError("singular")
        return cal.Interval(float(seed), seed - 0.5, seed + 0.5, seed / 10)

    est = cal.Estimator("fixed", "fixed", fit, "constructed")
    rows = [r for s in range(5) for r in cal.run_replicate(design, [est], s, 0.05)]
    table = cal.summarise_calibration(pd.DataFrame(rows)).set_index("kind")
    assert table.loc["coverage", "replicates"] == 4 and table.loc["coverage", "failed"] == 1
    assert table.loc["coverage", "value"] == pytest.approx(0.25)
    assert table.loc["type_I", "value"] == pytest.approx(0.25)
    assert table.loc["coverage", "mc_se"] == pytest.approx(math.sqrt(0.25 * 0.75 / 4))
    assert table.loc["coverage", "lower_band"] == pytest.approx(0.935)
    assert not table.loc["coverage", "inside_band"]


def test_bands_follow_alpha_and_reject_unknown_kinds():
    assert cal.acceptance_band("coverage", 0.1) == pytest.approx((0.87, 0.93))
    assert cal.acceptance_band("type_I", 0.1) == pytest.approx((0.07, 0.13))
    with pytest.raises(ValueError, match="kind must be"):
        cal.acceptance_band("power")


def test_registered_estimators_run_and_name_known_designs():
    for est in cal.ESTIMATORS.values():
        assert est.design in cal.DESIGNS and est.role in ("book", "naive")
    reps = cal.simulate_replicates(["human_region_effect", "human_region_effect_z"], n_reps=3, seed=2)
    assert len(reps) == 3 * 2 * 2 and reps["hit"].notna().all()
    with pytest.raises(KeyError, match="unknown estimators"):
        cal.simulate_replicates(["nope"], n_reps=1)


def test_reference_table_holds_every_book_estimator_with_enough_replicates():
    table = cal.read_reference()
    assert (table["replicates"] >= 1000).all()
    for name, est in cal.ESTIMATORS.items():
        rows = table[table["estimator"] == name]
        assert set(rows["kind"]) == {"coverage", "type_I"}, name
        if est.role == "book":
            assert rows["inside_band"].all(), rows


# --------------------------------------------------------------------------
# The dose-response EC50 and the random-effects synthesis designs
# --------------------------------------------------------------------------
NEW_ESTIMATORS = {"ec50_log_ratio": ("arsenite_cells", "book"), "ec50_log_ratio_z": ("arsenite_cells", "naive"),
                  "meta_knapp_hartung": ("meta_synthesis", "book"), "meta_dl_wald": ("meta_synthesis", "naive")}


def test_registry_holds_the_ec50_and_synthesis_estimators_with_reference_replicates():
    for name, (design, role) in NEW_ESTIMATORS.items():
        est = cal.ESTIMATORS[name]
        assert (est.design, est.role) == (design, role)
        assert cal.REFERENCE_REPS[design] == 2000
    assert set(cal.REFERENCE_REPS) == set(cal.DESIGNS)


def test_ec50_design_targets_the_true_log_ratio_and_its_null_equal_ec50s():
    from helpers.data.truths import DOSE_RESPONSE

    design = cal.DESIGNS["arsenite_cells"]
    assert design.truth(False) == pytest.approx(math.log(14.0 / 30.0))
    assert design.truth(True) == 0.0
    cells = design.simulate(0, False)
    assert cells["culture_id"].nunique() == len(DOSE_RESPONSE.genotypes) * DOSE_RESPONSE.cultures_per_genotype
    assert cells.groupby("culture_id")["dose_um"].count().eq(len(DOSE_RESPONSE.doses_um)).all()
    # The same seed gives the same data; the null changes only the Sigmar1-/- cultures.
    null = design.simulate(0, True)
    pd.testing.assert_frame_equal(design.simulate(0, True), null)
    other = cells["genotype"] != registry.EC50_GENOTYPE
    pd.testing.assert_frame_equal(cells[other], null[other])
    est = cal.ESTIMATORS["ec50_log_ratio"]
    seeds = range(8)
    for is_null in (False, True):
        fits = [est.fit(design.simulate(s, is_null), 0.05) for s in seeds]
        estimates = np.array([f.estimate for f in fits])
        # The t interval's half-width over the t quantile (df 9) is the SE of one estimate.
        ses = np.array([(f.ci_high - f.ci_low) / (2 * stats.t.ppf(0.975, 9)) for f in fits])
        assert ses.mean() == pytest.approx(0.14, abs=0.04)
        tolerance = 4 * math.sqrt(np.mean(ses**2) / len(seeds))
        assert abs(estimates.mean() - design.truth(is_null)) < tolerance, (is_null, estimates)


def test_ec50_estimator_reproduces_the_chapter_ratio_on_the_example_data():
    from helpers.core.paths import resolve_data_source
    from helpers.data.validate import load_table
    from helpers.stats import dose_response as dr

    cells = load_table("arsenite_cells", resolve_data_source("data"))
    table = dr.summarise_ec50(dr.fit_per_unit(cells, "viability"), reference="WT", alpha=0.05)
    row = table.set_index("genotype").loc[registry.EC50_GENOTYPE]
    fit = cal.ESTIMATORS["ec50_log_ratio"].fit(cells, 0.05)
    assert math.exp(fit.estimate) == pytest.approx(row["ratio"], rel=1e-12)
    assert (math.exp(fit.ci_low), math.exp(fit.ci_high)) == pytest.approx((row["ratio_ci_low"], row["ratio_ci_high"]))
    assert fit.p_value == pytest.approx(row["ratio_p_value"])


def test_synthesis_design_pools_as_many_strata_as_the_chapter_default_and_draws_the_model():
    from helpers.analysis import synthesis as meta
    from helpers.data.study import example_study
    from helpers.data.truths import HUMAN_BLOT, MOUSE_COHORT
    from helpers.data.vocabulary import MOUSE_TISSUES

    # The chapter's default pool ("motor" strata): the affected human regions and mouse tissues x mutants.
    design = meta.Design.of(example_study())
    human = sum(design.is_affected("human", r) for r in HUMAN_BLOT.regions)
    mouse = sum(design.is_affected("mouse", t) for t in MOUSE_TISSUES) * (len(MOUSE_COHORT.genotypes) - 1)
    assert len(registry.META_SES) == human + mouse == 8
    design = cal.DESIGNS["meta_synthesis"]
    n = 500
    draws = np.array([design.simulate(s, False)[0] for s in range(n)])
    nulls = np.array([design.simulate(s, True)[0] for s in range(n)])
    np.testing.assert_allclose(draws - nulls, registry.META_MU)  # paired: only mu differs
    ses = np.asarray(registry.META_SES)
    np.testing.assert_array_equal(design.simulate(3, False)[1], ses)
    total_var = registry.META_TAU**2 + ses**2  # marginal variance of each stratum's estimate
    se_mean = math.sqrt(total_var.sum() / len(ses) ** 2 / n)
    assert abs(draws.mean() - registry.META_MU) < 4 * se_mean
    assert abs(nulls.mean()) < 4 * se_mean
    # Per stratum, the sample variance over n draws is within 4 SEs (sqrt(2/(n-1)) relative) of tau^2 + s_i^2.
    ratio = draws.var(axis=0, ddof=1) / total_var
    assert np.all(np.abs(ratio - 1) < 4 * math.sqrt(2 / (n - 1))), ratio


def test_knapp_hartung_holds_its_level_where_the_wald_pool_does_not():
    reps = 600
    table = cal.calibrate(["meta_knapp_hartung", "meta_dl_wald"], n_reps=reps, seed=3).set_index(["estimator", "kind"])
    limit = 3.5 * math.sqrt(0.95 * 0.05 / reps)
    assert abs(table.loc[("meta_knapp_hartung", "coverage"), "value"] - 0.95) < limit
    assert abs(table.loc[("meta_knapp_hartung", "type_I"), "value"] - 0.05) < limit
    assert table.loc[("meta_dl_wald", "type_I"), "value"] > 0.07
    assert table.loc[("meta_dl_wald", "coverage"), "value"] < 0.93


def test_reference_rows_match_the_registry_and_the_replicates_of_each_design():
    table = cal.read_reference()
    assert set(table["estimator"]) == set(cal.ESTIMATORS)
    assert not table.duplicated(["estimator", "kind"]).any()
    for row in table.itertuples():
        design = cal.ESTIMATORS[row.estimator].design
        assert row.replicates + row.failed == cal.REFERENCE_REPS[design], row
        low, high = cal.acceptance_band(row.kind, row.alpha)
        assert (row.lower_band, row.upper_band) == pytest.approx((low, high))
        assert bool(row.inside_band) == (low <= row.value <= high)
        assert row.mc_se == pytest.approx(cal.monte_carlo_se(row.value, row.replicates), rel=1e-5)


# --------------------------------------------------------------------------
# Families, the random gel, the mouse-clustered slope and the KM median (calibration_designs)
# --------------------------------------------------------------------------
SECOND_OPINION = {
    "mouse_tbk1_family_bonferroni": ("mouse_blot_family", "book"),
    "mouse_tbk1_family_unadjusted": ("mouse_blot_family", "naive"),
    "fraction_interaction_fixed_gel": ("mam_fraction", "book"),
    "fraction_interaction_random_gel_kr": ("mam_fraction", "book"),
    "fraction_interaction_random_gel_satterthwaite": ("mam_fraction", "book"),
    "fraction_interaction_random_gel_z": ("mam_fraction", "naive"),
    "coupling_slope_cr2": ("coupling_latent", "book"),
    "coupling_slope_ols_rows": ("coupling_latent", "naive"),
    "km_median": ("disease_course_median", "book"),
}


def test_registry_holds_the_second_opinion_estimators():
    for name, (design, role) in SECOND_OPINION.items():
        est = cal.ESTIMATORS[name]
        assert (est.design, est.role) == (design, role)
        assert cal.REFERENCE_REPS[design] >= 1000


def test_family_interval_covers_exactly_when_every_contrast_covers():
    from helpers.simstudies.calibration_designs import _family_interval

    table = pd.DataFrame({"estimate": [0.0, 1.0], "truth": [0.1, 0.5], "lo": [-0.3, 0.6], "hi": [0.4, 1.4],
                          "p": [0.5, 0.01]})
    _, low, high, p_value = _family_interval(table, "lo", "hi", "p")
    assert not (low <= 0 <= high)  # the second interval misses its truth 0.5
    assert p_value == 0.01
    table.loc[1, "lo"] = 0.4
    _, low, high, _ = _family_interval(table, "lo", "hi", "p")
    assert low <= 0 <= high


def test_second_opinion_designs_run_one_replicate_each():
    reps = cal.simulate_replicates(list(SECOND_OPINION), n_reps=1, seed=4)
    assert set(reps["estimator"]) == set(SECOND_OPINION)
    assert reps["hit"].notna().all()


def test_coupling_design_holds_latent_values_and_its_null_has_no_slope():
    from helpers.simstudies.calibration_designs import _coupling_simulate, _coupling_truth

    data = _coupling_simulate(3, False)
    assert {"latent_mam", "log_ratio", "gel_id", "mouse_id"} <= set(data.columns)
    assert data.groupby("mouse_id").size().eq(3).all()
    assert _coupling_truth(True) == 0.0 and _coupling_truth(False) == truths_cohort().coupling_slope


def truths_cohort():
    from helpers.data.truths import MOUSE_COHORT

    return MOUSE_COHORT


# --------------------------------------------------------------------------- what the chapter quotes


def _reference(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["estimator", "kind", "replicates", "value"])


def test_book_extremes_take_only_the_book_estimators_and_the_first_of_a_tie():
    table = _reference([
        ("human_region_effect", "coverage", 2000, 0.948), ("human_region_effect", "type_I", 2000, 0.051),
        ("pla_mouse_level", "coverage", 1000, 0.948), ("pla_mouse_level", "type_I", 1000, 0.062),
        ("pla_cells_independent", "coverage", 1000, 0.41), ("pla_cells_independent", "type_I", 1000, 0.70),
        ("cox_log_hr", "coverage", 2000, 0.955), ("cox_log_hr", "type_I", 2000, 0.049),
    ])
    assert cal.ESTIMATORS["pla_cells_independent"].role == "naive"  # a naive variant is never the book's extreme
    extremes = cal.book_extremes(table).set_index("key")
    assert extremes.loc["book_coverage_min", "estimator"] == "human_region_effect"  # tie with pla_mouse_level
    assert extremes.loc["book_coverage_max", ["estimator", "replicates"]].tolist() == ["cox_log_hr", 2000]
    assert extremes.loc["book_type1_max", "percent"] == pytest.approx(6.2)
    assert extremes.loc["book_type1_max", "description"] == "highest type I error of a book estimator (pla_mouse_level)"


def test_quoted_shares_give_type_one_then_coverage_in_percent_and_name_a_missing_row():
    table = _reference([("km_median", "coverage", 1000, 0.951), ("km_median", "type_I", 1000, 0.047)])
    shares = cal.quoted_shares(table, {"km_median": "Kaplan-Meier median"})
    assert shares[["key", "percent", "description"]].values.tolist() == [
        ["km_median_type1", pytest.approx(4.7), "type I error, Kaplan-Meier median"],
        ["km_median_coverage", pytest.approx(95.1), "coverage, Kaplan-Meier median"]]
    with pytest.raises(KeyError, match="no type_I row of estimator 'meta_dl_wald'"):
        cal.quoted_shares(table, {"meta_dl_wald": "DL"})


def test_every_quoted_estimator_is_registered_and_in_the_reference_table():
    reference = cal.read_reference()
    assert set(cal.QUOTED) <= set(cal.ESTIMATORS)
    assert len(cal.quoted_shares(reference)) == 2 * len(cal.QUOTED)


def test_chapter_results_give_extremes_counts_and_quoted_shares_in_the_chapter_order():
    table = _reference([
        ("human_region_effect", "coverage", 2000, 0.948), ("human_region_effect", "type_I", 2000, 0.051),
        ("cox_log_hr", "coverage", 1000, 0.97), ("cox_log_hr", "type_I", 1000, 0.049),
        ("km_median", "coverage", 1000, 0.951), ("km_median", "type_I", 1000, 0.047),
        ("pla_cells_independent", "coverage", 1000, 0.41), ("pla_cells_independent", "type_I", 1000, 0.70),
    ]).assign(inside_band=[True, True, False, True, True, True, False, False], failed=[0, 0, 2, 0, 0, 1, 0, 3])
    results = cal.chapter_results(table, {"pla_cells_independent": "cells"})
    assert results.columns.tolist() == cal.RESULT_COLUMNS
    assert results[["key", "value", "n", "n_unit", "unit", "digits"]].values.tolist() == [
        ["book_coverage_min", pytest.approx(94.8), 2000, "simulated datasets", "%", 1],
        ["book_coverage_max", pytest.approx(97.0), 1000, "simulated datasets", "%", 1],
        ["book_type1_max", pytest.approx(5.1), 2000, "simulated datasets", "%", 1],
        ["book_inside", 5, 5, "estimates", "estimates", 0],  # the naive variant's rows are not the book's
        ["failed_fits", 6, 6, "fits", "fits", 0],  # every estimator's failed fits
        ["book_estimates", 6, 6, "estimates", "estimates", 0],
        ["pla_cells_independent_type1", pytest.approx(70.0), 1000, "simulated datasets", "%", 1],
        ["pla_cells_independent_coverage", pytest.approx(41.0), 1000, "simulated datasets", "%", 1]]
    assert results["method"].tolist() == [cal.SHARE_METHOD] * 3 + ["count"] * 3 + [cal.SHARE_METHOD] * 2
    assert results["description"].tolist()[2:7] == [
        "highest type I error of a book estimator (human_region_effect)", "book estimates inside their acceptance band",
        "fits that raised an error in the full run (left out of the shares)", "book estimates calibrated",
        "type I error, cells"]


def test_live_results_record_the_coverage_of_the_estimator_named_and_name_a_missing_one():
    live = _reference([("cox_log_hr", "type_I", 50, 0.06), ("cox_log_hr", "coverage", 50, 0.94),
                       ("km_median", "coverage", 40, 0.975)])
    row = cal.live_results(live, "km_median").iloc[0]
    assert row[["key", "value", "n", "unit", "n_unit", "digits", "description"]].tolist() == [
        "live_coverage", pytest.approx(97.5), 40, "%", "simulated datasets", 1, "live-run coverage of km_median"]
    with pytest.raises(KeyError, match="no coverage row of estimator 'meta_dl_wald'.*cox_log_hr, km_median"):
        cal.live_results(live, "meta_dl_wald")
