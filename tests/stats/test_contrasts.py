"""Linear combinations: analytic estimate, SE, t interval and p-value."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from helpers.stats.contrasts import linear_combinations


def test_two_contrasts_by_hand():
    beta = np.array([2.0, 1.0, -1.0])
    cov = np.array([[1.0, 0.2, 0.0], [0.2, 0.5, 0.1], [0.0, 0.1, 0.25]])
    L = [[1.0, -1.0, 0.0], [0.0, 1.0, 1.0]]
    out = linear_combinations(L, beta, cov, df=10, alpha=0.05)
    se = np.sqrt([1.0 + 0.5 - 2 * 0.2, 0.5 + 0.25 + 2 * 0.1])
    np.testing.assert_allclose(out["estimate"], [1.0, 0.0])
    np.testing.assert_allclose(out["se"], se)
    q = stats.t.ppf(0.975, 10)
    np.testing.assert_allclose(out["ci_high"] - out["estimate"], q * se)
    assert out["p_value"][0] == pytest.approx(2 * stats.t.sf(1.0 / se[0], 10))
    assert out["p_value"][1] == pytest.approx(1.0)


def test_normal_reference_without_df():
    out = linear_combinations([[1.0]], [1.96], [[1.0]])
    assert out["p_value"][0] == pytest.approx(0.05, abs=1e-4) and np.isnan(out["df"][0])
