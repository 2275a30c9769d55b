"""CR2 cluster-robust inference: known answers (HC2 with singleton clusters, Welch's df)."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from helpers.stats import robust


def test_cr2_with_one_row_per_cluster_is_hc2():
    rng = np.random.default_rng(0)
    X = np.column_stack([np.ones(30), rng.normal(size=30), rng.normal(size=30)])
    y = X @ [1.0, 0.5, -0.2] + rng.normal(size=30) * (1 + np.abs(X[:, 1]))
    hc2 = sm.OLS(y, X).fit(cov_type="HC2").cov_params()
    np.testing.assert_allclose(robust.cr2_vcov(X, y, np.arange(30)), hc2, rtol=1e-10)
    out = robust.cr2_test(X, y, np.arange(30), [0, 1, 0])
    assert out["se"] == pytest.approx(np.sqrt(hc2[1, 1]), rel=1e-10)


@pytest.mark.parametrize("n1,n2", [(2, 3), (5, 5), (4, 9)])
def test_difference_of_two_means_gets_welch_se_and_equal_variance_welch_df(n1, n2):
    """HC2 of a two-group mean difference is s1^2/n1 + s2^2/n2; its Bell-McCaffrey df is Welch's at s1 = s2."""
    rng = np.random.default_rng(n1 * 10 + n2)
    y = rng.normal(size=n1 + n2)
    X = np.column_stack([np.ones(n1 + n2), np.r_[np.zeros(n1), np.ones(n2)]])
    out = robust.cr2_test(X, y, np.arange(n1 + n2), [0, 1])
    assert out["se"] ** 2 == pytest.approx(y[:n1].var(ddof=1) / n1 + y[n1:].var(ddof=1) / n2, rel=1e-10)
    welch_df = (1 / n1 + 1 / n2) ** 2 / (1 / (n1**2 * (n1 - 1)) + 1 / (n2**2 * (n2 - 1)))
    assert out["df"] == pytest.approx(welch_df, rel=1e-10)
    assert out["estimate"] == pytest.approx(y[n1:].mean() - y[:n1].mean())


def test_clusters_constant_within_groups_reduce_to_cluster_means():
    """Every cluster inside one group and a group-means model: the cluster means are the units.

    CR2 then gives the two-sample Welch SE of the cluster means when clusters are balanced
    (equal sizes), and df as for singleton clusters of the means.
    """
    rng = np.random.default_rng(5)
    size, k1, k2 = 3, 4, 6
    clusters = np.repeat(np.arange(k1 + k2), size)
    group = (clusters >= k1).astype(float)
    y = rng.normal(size=len(clusters)) + np.repeat(rng.normal(size=k1 + k2), size)
    X = np.column_stack([np.ones(len(y)), group])
    out = robust.cr2_test(X, y, clusters, [0, 1])
    means = y.reshape(-1, size).mean(axis=1)
    welch = means[:k1].var(ddof=1) / k1 + means[k1:].var(ddof=1) / k2
    assert out["se"] ** 2 == pytest.approx(welch, rel=1e-10)
    assert out["df"] == pytest.approx((1 / k1 + 1 / k2) ** 2 / (1 / (k1**2 * (k1 - 1)) + 1 / (k2**2 * (k2 - 1))))
    assert out["n_clusters"] == k1 + k2
