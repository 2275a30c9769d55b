"""Families of contrasts: Bonferroni-simultaneous intervals agree exactly with their adjusted p-values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from helpers.stats import simultaneous


def _family(rng, m: int, df: float | None) -> pd.DataFrame:
    est = rng.normal(0, 1, m)
    se = rng.uniform(0.3, 0.8, m)
    dist = stats.norm if df is None else stats.t(df)
    return pd.DataFrame({"estimate": est, "se": se, "p_value": 2 * dist.sf(np.abs(est) / se)})


@pytest.mark.parametrize("df", [None, 4.0, 17.0, 60.0])
@pytest.mark.parametrize("m", [1, 3, 9])
def test_an_interval_excludes_zero_exactly_when_its_adjusted_p_is_below_alpha(m, df):
    rng = np.random.default_rng(m * 100 + (0 if df is None else int(df)))
    for _ in range(200):
        out = simultaneous.adjust_family(_family(rng, m, df), 0.05, df)
        excludes = (out["sim_low"] > 0) | (out["sim_high"] < 0)
        assert (excludes == (out["p_adj"] < 0.05)).all()


def test_bonferroni_intervals_use_the_alpha_over_m_quantile():
    table = pd.DataFrame({"estimate": [0.5, -0.2, 0.1], "se": [0.2, 0.2, 0.4], "p_value": [0.03, 0.4, 0.8]})
    out = simultaneous.adjust_family(table, 0.05, 12.0)
    q = stats.t.ppf(1 - 0.05 / 6, 12)
    np.testing.assert_allclose(out["sim_high"] - out["estimate"], q * table["se"])
    np.testing.assert_allclose(out["p_adj"], multipletests(table["p_value"], method="bonferroni")[1])
    assert (out["family_size"] == 3).all()


def test_per_row_df_are_used():
    table = pd.DataFrame({"estimate": [0.0, 0.0], "se": [1.0, 1.0], "p_value": [1.0, 1.0]})
    out = simultaneous.adjust_family(table, 0.05, [5.0, 50.0])
    assert out["sim_high"].tolist() == pytest.approx([stats.t.ppf(1 - 0.0125, 5), stats.t.ppf(1 - 0.0125, 50)])


def test_holm_matches_statsmodels():
    rng = np.random.default_rng(3)
    for m in (1, 2, 5, 9):
        p = rng.uniform(0, 0.2, m)
        np.testing.assert_allclose(simultaneous.holm(p), multipletests(p, method="holm")[1])


def test_simultaneous_coverage_is_at_least_nominal_by_simulation():
    """Nine correlated contrasts (three mutants sharing one control, three stages): cover all >= 95%."""
    rng = np.random.default_rng(11)
    n, reps, covered = 5, 4000, 0
    for _ in range(reps):
        groups = rng.normal(0, 1, (3, 4, n))  # stage x genotype (0 = control) x animals, true effects 0
        means = groups.mean(axis=2)
        resid_var = groups.var(axis=2, ddof=1).mean()
        df = 3 * 4 * (n - 1)
        est = (means[:, 1:] - means[:, [0]]).ravel()
        se = np.full(9, np.sqrt(2 * resid_var / n))
        table = pd.DataFrame({"estimate": est, "se": se, "p_value": 2 * stats.t.sf(np.abs(est) / se, df)})
        out = simultaneous.adjust_family(table, 0.05, df)
        covered += bool(((out["sim_low"] <= 0) & (out["sim_high"] >= 0)).all())
    assert 0.95 <= covered / reps <= 0.975  # conservative, but not by much with this correlation
