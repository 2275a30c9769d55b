"""Weight trajectories: the spline mixed model recovers a known genotype difference; the authors' refit by hand."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.analysis import weight_trajectory as wt


def true_difference(age):
    """Mutant minus WT (g): none in youth, growing smoothly to 6 g at 60 weeks."""
    return 6.0 * (np.asarray(age, dtype=float) / 60.0) ** 2


def simulate_weights(seed: int, mice_per_group: int = 12, effect=true_difference) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ages = np.arange(4, 61, 2)
    rows = []
    number = 0
    for genotype in ("WT", "MUT"):
        for sex in ("F", "M"):
            for _ in range(mice_per_group):
                number += 1
                level, slope = rng.normal(0, 1.2), rng.normal(0, 0.02)
                mean = 18 + 12 * (1 - np.exp(-ages / 10)) + 0.05 * ages + 3.0 * (sex == "M")
                if genotype == "MUT":
                    mean = mean + effect(ages)
                weight = mean + level + slope * (ages - 30) + rng.normal(0, 0.5, len(ages))
                rows += [{"line": "L", "mouse_id": f"m{number}", "genotype": genotype, "sex": sex,
                          "age_weeks": int(a), "weight_g": float(w)} for a, w in zip(ages, weight, strict=True)]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def simulated_fit():
    data = simulate_weights(seed=20250)
    return wt.fit_trajectory(data, "L", "WT", spline_df=5)


def test_known_difference_recovered_within_simultaneous_intervals(simulated_fit):
    ages = list(range(8, 57, 8))
    table = wt.genotype_differences(simulated_fit, ages, alpha=0.05)
    truth = true_difference(table["age_weeks"])
    assert simulated_fit.mutant == "MUT" and simulated_fit.df == 48 - 3
    assert ((table["sim_low"] <= truth) & (truth <= table["sim_high"])).all()
    assert (np.abs(table["estimate"] - truth) < 3 * table["se"]).all()
    # Bonferroni over the 7 ages: half-width is the t(1 - alpha / 14) quantile times the SE
    q = stats.t.ppf(1 - 0.05 / 14, simulated_fit.df)
    np.testing.assert_allclose(table["sim_high"] - table["estimate"], q * table["se"])
    assert (table["family_size"] == 7).all()
    assert "cr(age, df=5)" in simulated_fit.method(7) and simulated_fit.method(7).endswith("over 7 ages, t(45) between-within df")
    onset = wt.onset_of_difference(table)
    assert onset is not None and onset["direction"] == "heavier" and onset["age_weeks"] >= 16
    # the unadjusted intervals are narrower, so they exclude 0 from the same age or earlier
    pointwise = wt.onset_of_difference(table, ("ci_low", "ci_high"))
    assert pointwise is not None and pointwise["age_weeks"] <= onset["age_weeks"]
    assert wt.count_excluding_zero(table) == (table["age_weeks"] >= onset["age_weeks"]).sum()


def test_no_difference_gives_no_lasting_difference():
    data = simulate_weights(seed=7, effect=lambda ages: np.zeros(len(ages)))
    table = wt.genotype_differences(wt.fit_trajectory(data, "L", "WT"), range(8, 57, 8))
    assert ((table["sim_low"] <= 0) & (0 <= table["sim_high"])).all()
    assert wt.onset_of_difference(table) is None and wt.count_excluding_zero(table) == 0


def test_predicted_means_follow_the_groups(simulated_fit):
    means = wt.predicted_means(simulated_fit, [40])
    wide = means.set_index(["genotype", "sex"])["mean"]
    assert wide[("MUT", "F")] - wide[("WT", "F")] == pytest.approx(wide[("MUT", "M")] - wide[("WT", "M")])
    assert wide[("WT", "M")] - wide[("WT", "F")] == pytest.approx(3.0, abs=1.5)


def balanced_data(seed: int = 3) -> pd.DataFrame:
    """Four mice per genotype x sex, every mouse weighed at every one of five ages."""
    rng = np.random.default_rng(seed)
    rows = []
    for genotype in ("WT", "MUT"):
        for sex in ("F", "M"):
            for k in range(4):
                mouse = f"{genotype}{sex}{k}"
                level = rng.normal(0, 1.0)
                for age in (10, 20, 30, 40, 50):
                    rows.append({"line": "L", "mouse_id": mouse, "genotype": genotype, "sex": sex, "age_weeks": age,
                                 "weight_g": 25 + 0.1 * age + (genotype == "MUT") * 0.05 * age + level
                                 + rng.normal(0, 0.8)})
    return pd.DataFrame(rows)


def test_authors_contrast_equals_the_hand_computed_difference_of_means():
    """Balanced: GLS = OLS, and without the 3-way term the fitted difference within sex s at age a is
    (mean_MUT,s - mean_WT,s) + (mean_MUT,a - mean_WT,a) - (mean_MUT - mean_WT)."""
    data = balanced_data()
    fit = wt.fit_authors_model(data, "L", "WT")
    table = wt.authors_contrasts(fit, alpha=0.05)
    m = lambda **kw: data.loc[np.logical_and.reduce([data[k] == v for k, v in kw.items()]), "weight_g"].mean()  # noqa: E731
    for row in table.itertuples():
        by_sex = m(genotype="MUT", sex=row.sex) - m(genotype="WT", sex=row.sex)
        by_age = m(genotype="MUT", age_weeks=row.age_weeks) - m(genotype="WT", age_weeks=row.age_weeks)
        overall = m(genotype="MUT") - m(genotype="WT")
        assert row.estimate == pytest.approx(by_sex + by_age - overall, abs=1e-8)
    assert fit.ages == [10, 20, 30, 40, 50] and fit.dropped.empty
    assert fit.df == 16 - 4 and (table["family_size"] == 5 * 2).all() and len(table) == 10
    q = stats.t.ppf(1 - 0.05 / (2 * 10), 12)
    np.testing.assert_allclose(table["sim_high"] - table["estimate"], q * table["se"])
    np.testing.assert_allclose(table["p_adj"], np.minimum(1, 10 * table["p_value"]))


def test_authors_rule_drops_ages_with_fewer_than_three_mice_per_genotype():
    data = balanced_data()
    few = (data["age_weeks"] == 50) & (data["genotype"] == "MUT") & ~data["mouse_id"].isin(["MUTF0", "MUTM0"])
    fit = wt.fit_authors_model(data[~few], "L", "WT")
    assert fit.ages == [10, 20, 30, 40]
    assert fit.dropped.set_index("age_weeks").loc[50].to_dict() == {"MUT": 2, "WT": 8}


def test_ages_shown_stop_at_the_last_age_with_enough_mice_of_each_genotype():
    data = balanced_data()
    few = (data["age_weeks"] == 50) & (data["genotype"] == "MUT") & ~data["mouse_id"].isin(["MUTF0", "MUTM0"])
    assert wt.ages_to_show(data[~few], min_mice=3, step=10, quoted=[25, 50], first=10) == [10, 20, 25, 30, 40]
    assert wt.ages_to_show(data[~few], min_mice=2, step=20, first=10) == [10, 30, 50]
    with pytest.raises(ValueError, match="lower min_mice"):
        wt.ages_to_show(data, min_mice=9, step=10)


def test_df_widening_is_the_bonferroni_t_quantile_of_the_intervals_over_the_normal_one():
    data = balanced_data()
    fit = wt.fit_authors_model(data, "L", "WT")
    table = wt.authors_contrasts(fit, alpha=0.05)
    assert fit.family_size == len(table) == 10 and "Bonferroni over 10 = ages x genotypes; t(12)" in fit.method
    quantile = ((table["sim_high"] - table["estimate"]) / table["se"]).to_numpy()  # t(1 - 0.05 / 20; 12 df)
    widening = 100 * (quantile / stats.norm.ppf(1 - 0.05 / 20) - 1)
    np.testing.assert_allclose(widening, wt.df_widening(fit, alpha=0.05))
    assert 10 < wt.df_widening(fit, alpha=0.05) < 40  # 12 df: a t quantile well above the normal one


def test_side_by_side_aligns_ages():
    book = pd.DataFrame({"age_weeks": [8, 16], "estimate": [1.0, 2.0], "sim_low": [0, 1], "sim_high": [2, 3],
                         "p_adj": [0.5, 0.01]})
    authors = pd.DataFrame({"age_weeks": [16, 16], "sex": ["F", "M"], "estimate": [2.5, 1.5], "sim_low": [1, 0],
                            "sim_high": [4, 3], "p_adj": [0.02, 0.3]})
    out = wt.side_by_side(book, authors)
    assert out["authors_F_estimate"].isna().tolist() == [True, False]
    assert out.loc[1, ["authors_F_estimate", "authors_M_estimate"]].tolist() == [2.5, 1.5]


def test_scan_age_differences_of_a_known_shift():
    rng = np.random.default_rng(5)
    rows = []
    for i in range(30):
        genotype, sex = ("WT", "MUT")[i % 2], ("F", "M")[(i // 2) % 2]
        level = rng.normal(0, 1)
        for age in (10, 20, 40):
            shift = 2.0 * (age == 40) * (genotype == "MUT")
            rows.append({"line": "L", "mouse_id": f"s{i}", "genotype": genotype, "sex": sex, "age_weeks": age,
                         "fat_g": 5 + 0.1 * age + shift + level + rng.normal(0, 0.3)})
    table = wt.scan_age_differences(pd.DataFrame(rows), "L", "fat_g", "WT")
    truth = np.array([0.0, 0.0, 2.0])
    assert ((table["sim_low"] <= truth) & (truth <= table["sim_high"])).all()
    assert table.loc[2, "sim_low"] > 0 and (table["family_size"] == 3).all()


def test_single_age_difference_is_the_adjusted_difference_of_means():
    """Balanced sexes within genotype: the OLS genotype effect equals the difference of genotype means."""
    data = balanced_data()
    table = wt.single_age_differences(data, "L", [10, 50], "WT")
    for row in table.itertuples():
        week = data[data["age_weeks"] == row.age_weeks]
        means = week.groupby("genotype")["weight_g"].mean()
        assert row.estimate == pytest.approx(means["MUT"] - means["WT"]) and row.mice == 16 and row.df == 13


def test_conversion_counts_count_weighings_drops_and_averaged_mouse_weeks():
    log = pd.DataFrame({"action": ["dropped", "averaged", "averaged", "averaged", "dropped"],
                        "mouse_id": ["m1", "m2", "m2", "m3", "m4"], "age_weeks": [4, 6, 6, 6, 8]})
    rows_read = {"TDP Weight": 30, "C9 Weight": 20, "TDP EchoMRI": 7}
    table = wt.conversion_counts(log, rows_read, table_rows=41)
    assert list(table["key"]) == ["raw_weighings", "rows_dropped", "mouse_weeks_averaged", "table_rows"]
    assert list(table["value"]) == [50, 2, 2, 41]
    assert list(table["n"]) == [50, 57, 2, 41]
    assert list(table["n_unit"]) == ["weighings", "raw rows", "mouse-weeks", "mouse-weeks"]
    assert (table["method"] == "count").all() and (table["digits"] == 0).all()


# --------------------------------------------------------------------------- results tables for the ledger

LABELS = {"WT": "wild type", "MUT": "MUT/MUT"}


def book_fit(n_mice: int = 20):
    """A stand-in for a TrajectoryFit: what the results tables read from it."""
    return SimpleNamespace(mutant="MUT", reference="WT", n_mice=n_mice, method=lambda family: f"model over {family}")


def book_table() -> pd.DataFrame:
    """Differences at four ages: simultaneous intervals exclude 0 from 16 weeks, unadjusted ones from 8."""
    return pd.DataFrame({"age_weeks": [4, 8, 12, 16], "estimate": [0.1, 1.2, 1.0, 1.8],
                         "sim_low": [-1.0, 0.2, -0.1, 0.5], "sim_high": [1.0, 2.0, 2.0, 3.0],
                         "ci_low": [-0.5, 0.4, 0.1, 0.7], "ci_high": [1.0, 2.0, 2.0, 3.0]})


def test_parameter_results_rest_on_no_sample():
    table = wt.parameter_results(5, 4, 3)
    assert table["key"].tolist() == ["spline_df", "age_step", "min_mice"] and table["value"].tolist() == [5, 4, 3]
    assert table["unit"].tolist() == ["df", "weeks", "mice"] and (table["method"] == "parameter").all()
    assert (table["digits"] == 0).all() and table["n"].isna().all() and table["n_unit"].isna().all()
    assert table.loc[2, "description"] == "fewest mice per genotype an age needs"


def test_difference_results_follow_the_quoted_ages_with_simultaneous_intervals():
    table = wt.difference_results(book_fit(), book_table(), [16, 8], "ln", LABELS, "Line L")
    assert table["key"].tolist() == ["ln_diff_16", "ln_diff_8"] and table["value"].tolist() == [1.8, 1.2]
    assert table["ci_low"].tolist() == [0.5, 0.2] and table["ci_high"].tolist() == [3.0, 2.0]
    assert (table["n"] == 20).all() and (table["unit"] == "g").all() and (table["method"] == "model over 4").all()
    assert table.loc[1, "description"] == "MUT/MUT minus wild type body weight at 8 weeks (Line L)"
    with pytest.raises(KeyError):
        wt.difference_results(book_fit(), book_table(), [20], "ln", LABELS, "Line L")


def test_onset_results_give_the_onset_the_difference_then_and_the_pointwise_onset():
    table = wt.onset_results(book_fit(), book_table(), "ln", LABELS, ci_level=0.95)
    assert table["key"].tolist() == ["ln_onset_age", "ln_onset_diff", "ln_onset_age_pointwise"]
    assert table["value"].tolist() == [16, 1.8, 8] and table["unit"].tolist() == ["weeks", "g", "weeks"]
    assert table.loc[1, ["ci_low", "ci_high"]].tolist() == [0.5, 3.0] and table.loc[[0, 2], "ci_low"].isna().all()
    assert table.loc[0, "description"] == "age from which MUT/MUT mice weigh heavier than wild type"
    assert table["method"].tolist() == [wt.ONSET_METHOD.format(level=0.95), "as ln_diff_*",
                                        "first shown age from which every unadjusted 95% CI excludes 0"]
    assert (table["n"] == 20).all() and table["digits"].tolist()[::2] == [0, 0]
    assert wt.onset_results(book_fit(), book_table().iloc[:3], "ln", LABELS, 0.95).empty  # 12 weeks contains 0


def test_no_difference_results_count_the_ages_excluding_zero_and_the_largest_bound():
    table = wt.no_difference_results(book_fit(48), book_table(), "ln", LABELS, ci_level=0.9)
    assert table["key"].tolist() == ["ln_ages_excluding_zero", "ln_largest_bound"]
    assert table["value"].tolist() == [2, 3.0] and table["n"].tolist() == [4, 48]
    assert table["n_unit"].tolist() == ["ages", "mice"] and table["unit"].tolist() == ["ages", "g"]
    assert table.loc[0, "method"] == "count of simultaneous 90% CIs that exclude 0"
    assert table.loc[1, "description"].startswith("MUT/MUT minus wild type weight differences larger than this")


def test_widening_results_hold_the_df_widening():
    fit = SimpleNamespace(family_size=10, df=12.0, n_mice=16)
    expected = 100 * (stats.t.ppf(1 - 0.05 / 20, 12) / stats.norm.ppf(1 - 0.05 / 20) - 1)
    table = wt.widening_results(fit, "ln", "Line L", alpha=0.05)
    assert table["key"].tolist() == ["ln_df_widening"] and table.loc[0, "value"] == pytest.approx(expected)
    assert table.loc[0, ["n", "unit", "digits"]].tolist() == [16, "%", 0]
    assert table.loc[0, "description"] == "largest widening of the refitted intervals from the df rule (Line L)"


def authors_table() -> pd.DataFrame:
    """Per-sex contrasts at three ages, in the order the authors' table does not keep."""
    return pd.DataFrame({"age_weeks": [8, 16, 24, 8, 16, 24], "sex": ["M", "M", "M", "F", "F", "F"],
                         "estimate": [0.0, 0.5, 2.0, 0.3, 1.5, 2.5], "sim_low": [-1.0, -0.5, -0.2, -0.9, 0.1, 0.4],
                         "sim_high": [1.0, 1.5, 4.0, 1.5, 2.9, 4.6]})


def test_authors_results_count_the_kept_ages_then_list_the_quoted_contrasts_by_age_and_sex():
    fit = SimpleNamespace(mutant="MUT", reference="WT", n_mice=30, ages=[8, 16, 24], method="authors' refit")
    table = wt.authors_results(fit, authors_table(), [24, 16, 40], "ln", LABELS, "Line L")
    assert table["key"].tolist() == ["ln_authors_ages", "ln_authors_F_16", "ln_authors_M_16", "ln_authors_F_24",
                                     "ln_authors_M_24"]
    assert table["value"].tolist() == [3, 1.5, 0.5, 2.5, 2.0] and table["n"].tolist() == [3, 30, 30, 30, 30]
    assert table.loc[3, ["ci_low", "ci_high"]].tolist() == [0.4, 4.6] and np.isnan(table.loc[0, "ci_low"])
    assert table["method"].tolist() == ["count"] + ["authors' refit"] * 4
    assert table.loc[2, "description"] == "MUT/MUT minus wild type, males, 16 weeks (Line L)"
    assert table.loc[0, "description"] == "age-weeks kept by the authors' rule (Line L)"


def test_authors_onset_results_give_each_sex_with_a_lasting_difference_then_the_two_families():
    fit = SimpleNamespace(mutant="MUT", reference="WT", n_mice=30, family_size=6)
    table = wt.authors_onset_results(fit, authors_table(), 17, "ln", LABELS, "Line L")
    assert table["key"].tolist() == ["ln_authors_onset_F", "ln_authors_family", "ln_book_family"]  # males: none
    assert table["value"].tolist() == [16, 6, 17] and table["n"].tolist() == [30, 6, 17]
    assert table["n_unit"].tolist() == ["mice", "contrasts", "ages"] and (table["digits"] == 0).all()
    assert table.loc[0, "description"] == "authors' model: onset age, MUT/MUT females"
    assert table.loc[0, "method"] == wt.AUTHORS_ONSET_METHOD and (table.loc[1:, "method"] == "count").all()


def test_authors_excluding_zero_results_count_the_contrasts_that_differ():
    fit = SimpleNamespace(mutant="MUT", reference="WT")
    table = wt.authors_excluding_zero_results(fit, authors_table(), "ln", LABELS)
    assert table.loc[0, ["key", "value", "n", "unit"]].tolist() == ["ln_authors_excluding_zero", 2, 6, "contrasts"]
    assert table.loc[0, "description"] == "MUT/MUT contrasts (sex x age) that differ"


def test_composition_results_give_each_measure_at_the_last_scan_then_that_age():
    scans = pd.DataFrame({"mouse_id": ["a", "b", "c", "a", "b"], "genotype": ["WT", "MUT", "WT", "WT", "MUT"],
                          "age_weeks": [10, 10, 10, 20, 20]})
    part = pd.DataFrame({"age_weeks": [10, 20], "estimate": [0.5, 2.0], "sim_low": [-1.0, 1.0], "sim_high": [2.0, 3.0]})
    composition = {"fat_g": part, "lean_g": part.assign(estimate=[0.1, 0.7])}
    table = wt.composition_results(composition, scans, "WT", LABELS)
    assert table["key"].tolist() == ["fat_diff_20", "lean_diff_20", "last_scan"]
    assert table["value"].tolist() == [2.0, 0.7, 20] and table["n"].tolist() == [3, 3, 2]
    assert table.loc[0, ["ci_low", "ci_high"]].tolist() == [1.0, 3.0] and (table["n_unit"] == "mice").all()
    assert table.loc[1, "method"] == wt.SCAN_METHOD.format(family=2)
    assert table.loc[1, "description"] == "MUT/MUT minus wild type lean mass at 20 weeks"
