"""REML random-intercept fits from per-group sums against statsmodels' MixedLM and the dense implementation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from helpers.stats.mixed import fit_random_intercept
from helpers.stats.random_intercept import fit_random_intercept_reml


def _data(seed=3, groups=15):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(groups), rng.integers(2, 7, groups))
    x = rng.normal(size=len(g))
    f = rng.integers(0, 3, len(g))
    y = 1 + 2 * x + 0.5 * (f == 1) + rng.normal(size=groups)[g] + 0.7 * rng.normal(size=len(g))
    return pd.DataFrame({"y": y, "x": x, "f": f, "g": g})


def test_matches_the_dense_reml_fit():
    d = _data()
    X = np.c_[np.ones(len(d)), d["x"], d["f"] == 1, d["f"] == 2].astype(float)
    fast, dense = fit_random_intercept_reml(d["y"], X, d["g"]), fit_random_intercept(d["y"], X, d["g"])
    # both optimise the same profiled REML deviance over one ratio, to xatol 1e-10 on different scales
    np.testing.assert_allclose(fast.params, dense.params, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(fast.cov, dense.cov, rtol=1e-5, atol=1e-8)
    assert abs(fast.sigma2_group - dense.sigma2_group) < 1e-6 and abs(fast.sigma2 - dense.sigma2) < 1e-6


def test_matches_statsmodels_mixedlm():
    d = _data(seed=8)
    ref = smf.mixedlm("y ~ x + C(f)", d, groups=d["g"]).fit(reml=True)
    X = np.c_[np.ones(len(d)), d["f"] == 1, d["f"] == 2, d["x"]].astype(float)  # patsy's column order
    fast = fit_random_intercept_reml(d["y"], X, d["g"])
    np.testing.assert_allclose(fast.params, ref.fe_params.to_numpy(), atol=2e-5)  # statsmodels stops at ~1e-6
    assert abs(fast.sigma2 - ref.scale) < 1e-4 * ref.scale
    assert abs(fast.sigma2_group - float(ref.cov_re.iloc[0, 0])) < 1e-4


def test_no_group_variance_is_ordinary_least_squares():
    """Rows of a group deviate by +d and -d from the line: no group-to-group variation, so REML is OLS."""
    rng = np.random.default_rng(1)
    X = np.c_[np.ones(40), np.repeat(rng.normal(size=20), 2)]
    d = np.repeat(rng.uniform(0.5, 1.5, 20), 2) * np.tile([1.0, -1.0], 20)
    y = X @ [1.0, 0.5] + d
    fit = fit_random_intercept_reml(y, X, np.repeat(np.arange(20), 2))
    assert fit.sigma2_group == 0.0 and fit.n_groups == 20
    np.testing.assert_allclose(fit.params, [1.0, 0.5], rtol=1e-10)
    assert fit.sigma2 == pytest.approx(float(d @ d) / (40 - 2))
