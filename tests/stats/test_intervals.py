"""Bootstrap limits to printed precision: the Monte Carlo SE of a percentile, the digits rule, two seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.stats import intervals


def test_quantile_mc_se_matches_the_asymptotic_formula():
    """SE of the q quantile of B normal draws: sqrt(q (1 - q) / B) / phi(z_q)."""
    rng = np.random.default_rng(1)
    for q in (0.025, 0.975):
        draws = rng.normal(size=(200, 4000))
        spread = np.std([np.quantile(d, q) for d in draws])
        formula = np.sqrt(q * (1 - q) / 4000) / stats.norm.pdf(stats.norm.ppf(q))
        estimated = np.median([intervals.quantile_mc_se(d, q) for d in draws[:50]])
        assert spread == pytest.approx(formula, rel=0.15)
        assert estimated == pytest.approx(formula, rel=0.15)


def test_stable_digits_and_resamples_follow_the_rule():
    assert intervals.MC_SE_FRACTION == 0.25
    assert intervals.stable_digits(0.0024, 2) == 2  # below a quarter of 0.01
    assert intervals.stable_digits(0.0026, 2) == 1
    assert intervals.stable_digits(0.3, 1) == 0
    assert intervals.resamples_needed(0.005, 1000, 2) == 4000  # (0.005 / 0.0025)^2 x 1000
    assert intervals.resamples_needed(0.001, 1000, 2) == 1000


def _mean_bootstrap(sample: np.ndarray):
    def draw(n: int, seed) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        idx = rng.integers(0, len(sample), size=(n, len(sample)))
        return pd.DataFrame({"mean": sample[idx].mean(axis=1), "sd": sample[idx].std(axis=1, ddof=1)})

    return draw


def test_bootstrap_to_precision_draws_until_the_rule_holds():
    sample = np.random.default_rng(0).normal(10.0, 0.5, 40)  # 2 digits of the mean need ~7000 resamples
    reps, summary = intervals.bootstrap_to_precision(
        _mean_bootstrap(sample), {"mean": (lambda v: v, 2), "sd": (lambda v: v, 2)}, 0.05, seed=5,
        start=1000, max_boot=40000)
    for row in summary.itertuples():
        assert max(row.mc_se_low, row.mc_se_high) < 0.25 * 10.0 ** (-row.digits)
        assert row.stable_low and row.stable_high
    assert summary["n_boot"].iloc[0] == len(reps) > 1000
    # with only 1000 resamples allowed, the digits are cut rather than printed as noise
    _, small = intervals.bootstrap_to_precision(
        _mean_bootstrap(sample), {"mean": (lambda v: v, 2)}, 0.05, seed=5, start=1000, max_boot=1000)
    assert small.loc["mean", "digits"] < 2


def test_two_seeds_print_the_same_interval():
    """The rule in action: the limits printed at the digits it allows do not depend on the bootstrap seed.

    (The rule bounds the Monte Carlo SE of a limit by a quarter unit of its last digit, so a
    limit lying right at a rounding edge could still print differently; these do not.)
    """
    sample = np.random.default_rng(3).normal(10.0, 0.5, 40)
    printed = {"mean": (lambda v: v, 1), "sd": (np.log, 2)}
    texts = []
    for seed in (1, 2):
        _, summary = intervals.bootstrap_to_precision(_mean_bootstrap(sample), printed, 0.05, seed=seed,
                                                      start=2000, max_boot=20000)
        texts.append([intervals.ci_text(r.low, r.high, 0.95, int(r.digits)) for r in summary.itertuples()])
    assert texts[0] == texts[1]
