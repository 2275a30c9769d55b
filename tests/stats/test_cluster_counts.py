"""Count models from cluster sums (helpers.stats.cluster_counts) against statsmodels on the rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import patsy
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from helpers.stats.cluster_counts import cluster_sums, poisson_gee_exchangeable, poisson_glm

RHS = "C(group) * C(time)"


def clustered_counts(seed: int = 3) -> pd.DataFrame:
    """Gamma-Poisson counts of cells in 24 mice (random mouse effect), 2 groups x 2 times, unequal cells per mouse."""
    rng = np.random.default_rng(seed)
    rows = []
    for mouse in range(24):
        group, time = ("a", "b")[mouse % 2], ("early", "late")[(mouse // 2) % 2]
        rate = np.exp(1.5 + 0.4 * (group == "b") - 0.3 * (time == "late") + rng.normal(0, 0.3))
        cells = int(rng.integers(5, 60))
        area = rng.uniform(60, 400, cells)
        y = rng.poisson(rate * area / 100 * rng.gamma(4, 1 / 4, cells))
        rows += [{"mouse": f"m{mouse:02d}", "group": group, "time": time, "y": int(v), "area": a}
                 for v, a in zip(y, area, strict=True)]
    return pd.DataFrame(rows)


def fit_from_sums(cells: pd.DataFrame, per_area: bool):
    mice = cells.groupby("mouse", as_index=False).agg(group=("group", "first"), time=("time", "first"))
    exposure = cells["area"].to_numpy() / 100 if per_area else None
    sums = cluster_sums(cells["y"].to_numpy(), cells["mouse"].to_numpy(), exposure)
    return patsy.dmatrix(RHS, mice, return_type="dataframe").to_numpy(), sums


@pytest.mark.parametrize("per_area", [False, True])
@pytest.mark.parametrize("cov_type", ["bias_reduced", "robust", "naive"])
def test_exchangeable_gee_from_sums_is_statsmodels_gee_of_the_rows(per_area, cov_type):
    cells = clustered_counts()
    offset = np.log(cells["area"] / 100) if per_area else None
    reference = smf.gee(f"y ~ {RHS}", groups="mouse", data=cells, offset=offset, family=sm.families.Poisson(),
                        cov_struct=sm.cov_struct.Exchangeable()).fit(cov_type=cov_type, scale="X2")
    X, sums = fit_from_sums(cells, per_area)
    fit = poisson_gee_exchangeable(X, sums, cov_type=cov_type)
    np.testing.assert_allclose(fit.params, reference.params.to_numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(fit.cov, reference.cov_params().to_numpy(), rtol=1e-7, atol=1e-12)
    assert fit.scale == pytest.approx(reference.scale, rel=1e-9)
    assert fit.dep_param == pytest.approx(reference.cov_struct.dep_params, rel=1e-6)
    assert fit.converged and fit.n_obs == len(cells)
    assert 0 < fit.dep_param < 1  # the simulated mouse effect makes cells of a mouse alike


@pytest.mark.parametrize("per_area", [False, True])
@pytest.mark.parametrize("scale", [1.0, "X2"])
def test_poisson_and_quasi_poisson_glm_from_sums_are_the_glm_of_the_rows(per_area, scale):
    cells = clustered_counts(5)
    offset = np.log(cells["area"] / 100) if per_area else None
    reference = smf.glm(f"y ~ {RHS}", data=cells, family=sm.families.Poisson(), offset=offset).fit(
        scale="X2" if scale == "X2" else None)
    X, sums = fit_from_sums(cells, per_area)
    fit = poisson_glm(X, sums, scale=scale)
    np.testing.assert_allclose(fit.params, reference.params.to_numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(fit.cov, reference.cov_params().to_numpy(), rtol=1e-8)
    assert fit.scale == pytest.approx(reference.scale, rel=1e-9)


def test_a_saturated_model_of_one_mean_is_the_ratio_of_totals_with_its_analytic_variance():
    # one cluster-constant mean: the Poisson MLE is log(ΣY/ΣT), its variance 1/ΣY
    y = np.array([3, 5, 2, 7, 1, 4])
    sums = cluster_sums(y, np.array(["a", "a", "b", "b", "c", "c"]))
    fit = poisson_glm(np.ones((3, 1)), sums)
    assert fit.params[0] == pytest.approx(np.log(y.mean()), rel=1e-12)
    assert fit.cov[0, 0] == pytest.approx(1 / y.sum(), rel=1e-10)


def test_an_unknown_covariance_is_refused():
    with pytest.raises(ValueError, match="cov_type must be"):
        poisson_gee_exchangeable(np.ones((2, 1)), cluster_sums(np.array([1, 2]), np.array(["a", "b"])), cov_type="hc3")


def test_a_group_of_one_cluster_is_refused_by_the_bias_reduced_sandwich():
    from helpers.stats.cluster_counts import SingularCluster

    cells = clustered_counts()
    X, sums = fit_from_sums(cells, False)
    solo = np.c_[X, np.eye(len(X))[:, 0]]  # a parameter only the first mouse informs
    with pytest.raises(SingularCluster, match=r"cluster\(s\) \[0\] alone determine a parameter"):
        poisson_gee_exchangeable(solo, sums)
    assert np.isfinite(poisson_gee_exchangeable(solo, sums, cov_type="robust").cov).all()


def test_an_empty_design_column_is_handled_as_statsmodels_does_with_a_pseudo_inverse():
    cells = clustered_counts()
    X, sums = fit_from_sums(cells, False)
    padded = np.c_[X, np.zeros(len(X))]  # a level no cluster has
    glm, full = poisson_glm(padded, sums, scale="X2"), poisson_glm(X, sums, scale="X2")
    np.testing.assert_allclose(glm.params[:-1], full.params, rtol=1e-8)
    np.testing.assert_allclose(glm.cov[:-1, :-1], full.cov, rtol=1e-6)
    assert glm.scale == pytest.approx(full.scale, rel=1e-10)  # the GLM's residual df counts the rank
    # statsmodels' GEE counts the columns, not the rank, in its scale and correlation: so do the sums
    mice = sorted(cells["mouse"].unique())
    rows = np.c_[patsy.dmatrix(RHS, cells, return_type="dataframe").to_numpy(), np.zeros(len(cells))]
    with pytest.warns(Warning):  # statsmodels: the design is singular
        reference = sm.GEE(cells["y"].to_numpy(), rows, groups=cells["mouse"].map(mice.index).to_numpy(),
                           family=sm.families.Poisson(), cov_struct=sm.cov_struct.Exchangeable()).fit(
            cov_type="bias_reduced", scale="X2")
    gee = poisson_gee_exchangeable(padded, sums)
    np.testing.assert_allclose(gee.params[:-1], reference.params[:-1], rtol=1e-8)
    np.testing.assert_allclose(gee.cov[:-1, :-1], reference.cov_params()[:-1, :-1], rtol=1e-6)
