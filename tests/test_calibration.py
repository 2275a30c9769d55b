"""Calibration machinery: known coverage of textbook intervals and exact bookkeeping."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers import calibration as cal


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
