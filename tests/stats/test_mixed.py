"""Random-intercept REML with Kenward-Roger / Satterthwaite df: exact ANOVA answers in balanced designs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

from helpers.stats.mixed import fit_random_intercept


def _block_design(rng, blocks: int, treatments: int, sd_block: float = 1.0):
    block = np.repeat(np.arange(blocks), treatments)
    treat = np.tile(np.arange(treatments), blocks)
    y = rng.normal(size=treatments)[treat] + rng.normal(0, sd_block, blocks)[block] + rng.normal(size=len(block))
    X = np.eye(treatments)[treat]
    return y, X, block, treat


@pytest.mark.parametrize("ddf", ["kenward-roger", "satterthwaite"])
def test_within_block_contrast_of_a_complete_block_design_has_the_anova_df(ddf):
    """Each block holds every treatment once: a treatment contrast has (b - 1)(t - 1) df, and equals the fixed-block t."""
    rng = np.random.default_rng(1)
    b, t = 8, 4
    y, X, block, treat = _block_design(rng, b, t)
    fit = fit_random_intercept(y, X, block)
    assert fit.sigma2_group > 0
    out = fit.contrast([1.0, -1.0, 0.0, 0.0], ddf=ddf)
    assert out["df"] == pytest.approx((b - 1) * (t - 1), rel=1e-6)
    data = pd.DataFrame({"y": y, "treat": treat, "block": block})
    ols = smf.ols("y ~ 0 + C(treat) + C(block, Sum)", data).fit()
    test = ols.t_test(np.r_[1.0, -1.0, 0.0, 0.0, np.zeros(b - 1)][None, :])
    assert out["estimate"] == pytest.approx(float(np.ravel(test.effect)[0]), rel=1e-8)
    assert out["se"] == pytest.approx(float(np.ravel(test.sd)[0]), rel=1e-6)
    assert out["p_value"] == pytest.approx(float(np.ravel(test.pvalue)[0]), rel=1e-5)


@pytest.mark.parametrize("ddf", ["kenward-roger", "satterthwaite"])
def test_between_block_contrast_of_a_split_plot_is_the_t_test_on_block_means(ddf):
    """Whole blocks get one of two treatments (b blocks, n rows each): df = b - 2, t = two-sample t of block means."""
    rng = np.random.default_rng(2)
    b, n = 10, 3
    block = np.repeat(np.arange(b), n)
    whole = (block % 2).astype(int)
    y = 0.3 * whole + rng.normal(0, 1.0, b)[block] + rng.normal(size=len(block))
    fit = fit_random_intercept(y, np.eye(2)[whole], block)
    assert fit.sigma2_group > 0
    out = fit.contrast([-1.0, 1.0], ddf=ddf)
    means = pd.Series(y).groupby(block).mean().to_numpy()
    ttest = stats.ttest_ind(means[1::2], means[0::2])
    assert out["df"] == pytest.approx(b - 2, rel=1e-6)
    assert out["estimate"] / out["se"] == pytest.approx(ttest.statistic, rel=1e-6)
    assert out["p_value"] == pytest.approx(ttest.pvalue, rel=1e-5)


def test_reml_variances_match_statsmodels_mixedlm():
    rng = np.random.default_rng(3)
    groups = np.repeat(np.arange(7), [3, 4, 5, 4, 3, 6, 5])
    x = rng.normal(size=len(groups))
    y = 1 + 0.5 * x + rng.normal(0, 0.7, 7)[groups] + rng.normal(size=len(groups))
    X = sm.add_constant(x)
    ours = fit_random_intercept(y, X, groups)
    ref = sm.MixedLM(y, X, groups).fit(reml=True)
    assert ours.sigma2 == pytest.approx(ref.scale, rel=1e-4)
    assert ours.sigma2_group == pytest.approx(float(np.asarray(ref.cov_re)[0, 0]), rel=1e-3)
    np.testing.assert_allclose(ours.params, ref.fe_params, rtol=1e-4)


def test_a_group_variance_at_zero_gives_ordinary_least_squares():
    """No group signal at all (identical group means): sigma_g^2 = 0, the df are n - p, the SE is OLS's."""
    y = np.array([1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0, 2.0, 3.0])
    X = np.column_stack([np.ones(9), np.tile([0.0, 1.0, 0.0], 3)])
    fit = fit_random_intercept(y, X, np.repeat([0, 1, 2], 3))
    assert fit.sigma2_group == 0.0
    for ddf in ("kenward-roger", "satterthwaite"):
        out = fit.contrast([0.0, 1.0], ddf=ddf)
        ols = sm.OLS(y, X).fit()
        assert out["df"] == pytest.approx(7.0)
        assert out["se"] == pytest.approx(float(ols.bse[1]), rel=1e-8)


def test_kenward_roger_is_wider_than_satterthwaite_in_an_unbalanced_design():
    rng = np.random.default_rng(4)
    groups = np.repeat(np.arange(6), [2, 5, 3, 6, 2, 4])
    treat = rng.integers(0, 2, len(groups))
    y = 0.4 * treat + rng.normal(0, 0.6, 6)[groups] + rng.normal(size=len(groups))
    fit = fit_random_intercept(y, np.eye(2)[treat], groups)
    kr, sat = fit.contrast([-1.0, 1.0], ddf="kenward-roger"), fit.contrast([-1.0, 1.0], ddf="satterthwaite")
    assert kr["se"] >= sat["se"]
    assert kr["df"] == pytest.approx(sat["df"], rel=1e-6)  # one contrast: the same df, KR's SE inflated
