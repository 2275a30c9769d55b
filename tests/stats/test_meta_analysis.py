"""Random-effects meta-analysis: published reference values (R metafor) and theorems."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, stats

from helpers.stats import meta_analysis

# BCG vaccine trials (metafor `dat.bcg`): tpos, tneg, cpos, cneg of the 13 trials.
BCG = np.array([
    [4, 119, 11, 128], [6, 300, 29, 274], [3, 228, 11, 209], [62, 13536, 248, 12619],
    [33, 5036, 47, 5761], [180, 1361, 372, 1079], [8, 2537, 10, 619], [505, 87886, 499, 87892],
    [29, 7470, 45, 7232], [17, 1699, 65, 1600], [186, 50448, 141, 27197], [5, 2493, 3, 2338],
    [27, 16886, 29, 17825],
], dtype=float)

# Kacker (2004) example, as used in statsmodels' tests against R metafor.
KACKER_Y = np.array([61.00, 61.40, 62.21, 62.30, 62.34, 62.60, 62.70, 62.84, 65.90])
KACKER_V = np.array([0.2025, 1.2100, 0.0900, 0.2025, 0.3844, 0.5625, 0.0676, 0.0225, 1.8225])


@pytest.fixture(scope="module")
def bcg():
    """Log risk ratios and their standard errors, as metafor's escalc(measure="RR")."""
    tpos, tneg, cpos, cneg = BCG.T
    yi = np.log(tpos / (tpos + tneg)) - np.log(cpos / (cpos + cneg))
    vi = 1 / tpos - 1 / (tpos + tneg) + 1 / cpos - 1 / (cpos + cneg)
    return yi, np.sqrt(vi)


def test_bcg_reml_matches_metafor(bcg):
    # rma(yi, vi, data=dat): tau^2 = 0.3132, I^2 = 92.22%, H^2 = 12.86, Q(12) = 152.2330,
    # estimate -0.7145, se 0.1798, CI -1.0669 to -0.3622; predict(): PI -1.8667 to 0.4377.
    res = meta_analysis.meta_analyze(*bcg, method="REML")
    assert res.tau2 == pytest.approx(0.3132, abs=5e-5)
    assert res.i2 == pytest.approx(0.9222139, abs=1e-6)
    assert res.h2 == pytest.approx(12.86, abs=5e-3)
    assert res.q == pytest.approx(152.2330, abs=5e-5)
    assert res.q_df == 12
    assert res.estimate == pytest.approx(-0.7145, abs=5e-5)
    assert res.se_wald == pytest.approx(0.1798, abs=5e-5)
    assert (res.ci_wald_low, res.ci_wald_high) == pytest.approx((-1.0669, -0.3622), abs=5e-5)
    pi = meta_analysis.prediction_interval(res.estimate, res.se_wald, res.tau2, df=None)
    assert pi == pytest.approx((-1.8667, 0.4377), abs=1e-4)


def test_bcg_dersimonian_laird_matches_metafor_and_metan(bcg):
    # rma(yi, vi, data=dat, method="DL"): -0.7141, CI -1.0644 to -0.3638 (Stata metan agrees).
    res = meta_analysis.meta_analyze(*bcg, method="DL")
    assert res.estimate == pytest.approx(-0.7141, abs=5e-5)
    assert (res.ci_wald_low, res.ci_wald_high) == pytest.approx((-1.0644, -0.3638), abs=5e-5)
    assert res.tau2 == pytest.approx(0.3088, abs=5e-5)


def test_knapp_hartung_matches_metafor_knha_on_kacker_example():
    # rma(y, v, method="DL", test="knha", control=list(tol=1e-9)) in statsmodels' results_meta.
    res = meta_analysis.meta_analyze(KACKER_Y, np.sqrt(KACKER_V), method="DL", hk_truncate=False)
    assert res.tau2 == pytest.approx(0.288049246973751, rel=1e-9)
    assert res.estimate == pytest.approx(62.3901386044504, rel=1e-12)
    assert res.se_wald == pytest.approx(0.245749668040304, rel=1e-9)
    assert res.se_kh == pytest.approx(0.29477605699879, rel=1e-9)
    assert (res.ci_low, res.ci_high) == pytest.approx((61.710383798052, 63.0698934108488), rel=1e-11)
    assert res.p_value == pytest.approx(2.77938607433693e-16, rel=1e-6)
    assert res.q_p_value == pytest.approx(0.00167935146372742, rel=1e-9)
    assert res.i2 == pytest.approx(0.67744403741711, rel=1e-9)


def test_knapp_hartung_matches_statsmodels_combine_effects(bcg):
    from statsmodels.stats.meta_analysis import combine_effects

    yi, sei = bcg
    ref = combine_effects(yi, sei**2, method_re="chi2")  # chi2 = DerSimonian-Laird
    res = meta_analysis.meta_analyze(yi, sei, method="DL", hk_truncate=False)
    assert res.tau2 == pytest.approx(ref.tau2, rel=1e-9)
    assert res.estimate == pytest.approx(ref.mean_effect_re, rel=1e-12)
    assert res.se_kh == pytest.approx(ref.sd_eff_w_re_hksj, rel=1e-9)


def _restricted_loglik(tau2, y, v):
    w = 1 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    return -0.5 * (np.sum(np.log(v + tau2)) + np.log(np.sum(w)) + np.sum(w * (y - mu) ** 2))


@pytest.mark.parametrize("seed", range(5))
def test_reml_maximizes_the_restricted_likelihood(seed):
    rng = np.random.default_rng(seed)
    k = 6
    v = rng.uniform(0.01, 0.1, k)
    y = rng.normal(0, np.sqrt(v + 0.05))
    tau2 = meta_analysis.tau2_reml(y, np.sqrt(v))
    ref = optimize.minimize_scalar(lambda t: -_restricted_loglik(t, y, v), bounds=(0, 5),
                                   method="bounded", options={"xatol": 1e-12})
    best = max(ref.x, 0.0)
    assert _restricted_loglik(tau2, y, v) >= _restricted_loglik(best, y, v) - 1e-10
    assert tau2 == pytest.approx(best, abs=1e-5)


def test_reml_is_zero_when_estimates_are_less_spread_than_their_errors():
    res = meta_analysis.meta_analyze([0.10, 0.11, 0.09, 0.10], [0.2, 0.2, 0.2, 0.2])
    assert res.tau2 == 0.0
    assert res.i2 == 0.0


def test_identical_estimates_have_no_heterogeneity():
    ses = [0.1, 0.25, 0.4]
    for method in meta_analysis.METHODS:
        res = meta_analysis.meta_analyze([-0.3] * 3, ses, method=method)
        assert res.q == pytest.approx(0.0, abs=1e-24)
        assert res.tau2 == 0.0 and res.i2 == 0.0 and res.h2 == 1.0
        assert res.estimate == pytest.approx(-0.3)
        assert res.kh_factor == pytest.approx(0.0, abs=1e-24) and res.kh_truncated
        # With the factor truncated at 1, KH uses the Wald SE with a t quantile.
        assert res.se_kh == pytest.approx(res.se_wald)
        assert res.se_wald == pytest.approx(1 / np.sqrt(np.sum(1 / np.square(ses))))


@pytest.mark.parametrize("seed", range(20))
def test_truncated_knapp_hartung_interval_contains_the_wald_interval(seed):
    """A theorem: with q truncated at 1, se_KH >= se_Wald and t_{k-1} > z, so the KH CI is wider."""
    rng = np.random.default_rng(100 + seed)
    k = int(rng.integers(2, 12))
    ses = rng.uniform(0.05, 0.5, k)
    y = rng.normal(0, ses) + rng.normal(0, rng.choice([0.0, 0.3]), k)
    res = meta_analysis.meta_analyze(y, ses, method=str(rng.choice(meta_analysis.METHODS)), hk_truncate=True)
    assert res.ci_low <= res.ci_wald_low and res.ci_high >= res.ci_wald_high
    assert res.p_value >= res.p_wald


@pytest.mark.parametrize("seed", range(10))
def test_dersimonian_laird_i2_equals_the_q_based_i2(seed):
    """For DL, tau^2-based I^2 = max(0, (Q - df) / Q) (Higgins & Thompson 2002)."""
    rng = np.random.default_rng(seed)
    k = 8
    ses = rng.uniform(0.05, 0.3, k)
    y = rng.normal(0, ses) + rng.normal(0, 0.2, k)
    res = meta_analysis.meta_analyze(y, ses, method="DL")
    assert res.i2 == pytest.approx(max(0.0, (res.q - (k - 1)) / res.q), abs=1e-12)


def test_prediction_interval_uses_t_with_k_minus_2_df(bcg):
    res = meta_analysis.meta_analyze(*bcg)
    half = stats.t.ppf(0.975, 11) * np.sqrt(res.tau2 + res.se_kh**2)
    assert (res.pi_low, res.pi_high) == pytest.approx((res.estimate - half, res.estimate + half))
    assert np.isnan(meta_analysis.meta_analyze([0.0, 1.0], [0.5, 0.5]).pi_low)


def test_weights_sum_to_one_and_favour_precise_strata():
    w = meta_analysis.stratum_weights([0.1, 0.2, 0.4], 0.01)
    assert w.sum() == pytest.approx(1.0)
    assert w[0] > w[1] > w[2]


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="at least 2"):
        meta_analysis.meta_analyze([0.1], [0.1])
    with pytest.raises(ValueError, match="positive"):
        meta_analysis.meta_analyze([0.1, 0.2], [0.1, 0.0])
    with pytest.raises(ValueError, match="method must be one of"):
        meta_analysis.meta_analyze([0.1, 0.2], [0.1, 0.1], method="PM")


@pytest.mark.parametrize("k", [3, 4])
def test_no_prediction_interval_below_the_minimum_number_of_strata(k):
    res = meta_analysis.meta_analyze(np.linspace(-0.5, 0.2, k), np.full(k, 0.15))
    assert np.isnan(res.pi_low) and np.isnan(res.pi_high)
    note = meta_analysis.prediction_note(k)
    assert f"at least {meta_analysis.MIN_STRATA_PREDICTION} strata" in note and f"has {k}" in note


def test_prediction_interval_from_the_minimum_number_of_strata_on():
    k = meta_analysis.MIN_STRATA_PREDICTION
    assert k == 5
    res = meta_analysis.meta_analyze(np.linspace(-0.5, 0.2, k), np.full(k, 0.15))
    half = stats.t.ppf(0.975, k - 2) * np.sqrt(res.tau2 + res.se_kh**2)
    assert (res.pi_low, res.pi_high) == pytest.approx((res.estimate - half, res.estimate + half))
    assert meta_analysis.prediction_note(k) == ""
