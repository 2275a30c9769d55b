"""Random-effects meta-analysis of estimates with standard errors.

The model is the normal-normal random-effects model: each stratum's estimate
``y_i ~ N(theta_i, s_i^2)`` with known sampling variance ``s_i^2`` and true
effects ``theta_i ~ N(mu, tau^2)``. :func:`meta_analyze` returns the pooled
mean ``mu`` with two intervals:

* the Knapp–Hartung(–Sidik–Jonkman) interval (``t`` with ``k - 1`` degrees of
  freedom, variance rescaled by the weighted residual dispersion), optionally
  with the "ad hoc" truncation of the rescaling factor at 1 (Knapp & Hartung
  2003; Röver, Knapp & Friede 2015), which makes it never narrower than the
  Wald interval;
* the plain Wald (normal) interval, for comparison.

Between-stratum variance ``tau^2`` by restricted maximum likelihood (REML,
Fisher scoring as in metafor) or by DerSimonian–Laird (DL). Heterogeneity is
reported as Cochran's Q with its chi-squared p-value, ``I^2`` and ``H^2`` in
the ``tau^2``-based form of Higgins & Thompson (2002) that metafor reports, and
a prediction interval for the true effect of a new stratum (Higgins, Thompson
& Spiegelhalter 2009: ``t`` with ``k - 2`` degrees of freedom) -- only from
:data:`MIN_STRATA_PREDICTION` strata on: below that, ``t(k - 2)`` has one to
two degrees of freedom (``t_1 = 12.7``) and ``tau`` is barely estimable, so the
interval says nothing and is not computed (:func:`prediction_note` says why).

Known answers (tests): the BCG vaccine trials (metafor ``dat.bcg``, log risk
ratios) and the Kacker (2004) example as fitted by R metafor.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

METHODS = ("REML", "DL")


#: Fewest strata for a prediction interval (t with k - 2 >= 3 df, tau from at least five strata).
MIN_STRATA_PREDICTION = 5


def prediction_note(k: int) -> str:
    """Return why no prediction interval is shown for *k* strata, or ``""`` when one is.

    >>> prediction_note(6)
    ''
    >>> prediction_note(3)[:46]
    'No prediction interval: it needs at least 5 st'
    """
    if k >= MIN_STRATA_PREDICTION:
        return ""
    return (f"No prediction interval: it needs at least {MIN_STRATA_PREDICTION} strata and this pool has {k} "
            f"(with t on k − 2 = {max(k - 2, 0)} degree{'' if k == 3 else 's'} of freedom and τ estimated from {k} "
            "values it would say nothing about a new stratum).")


@dataclass(frozen=True)
class MetaResult:
    """The pooled estimate of a random-effects meta-analysis and its heterogeneity.

    Attributes
    ----------
    k : int
        Number of strata.
    method : str
        Estimator of ``tau^2`` (``"REML"`` or ``"DL"``).
    estimate : float
        Pooled mean ``mu`` (inverse-variance weights ``1 / (s_i^2 + tau^2)``).
    se_wald, ci_wald_low, ci_wald_high, p_wald : float
        Model-based standard error, normal (Wald) interval and p-value.
    se_kh, ci_low, ci_high, p_value : float
        Knapp–Hartung standard error, ``t_{k-1}`` interval and p-value (the
        primary interval of the book).
    kh_factor : float
        The Knapp–Hartung rescaling factor ``q`` (before any truncation).
    kh_truncated : bool
        Whether the factor was truncated at 1 (the "ad hoc" rule was asked for).
    tau2, tau : float
        Between-stratum variance and standard deviation.
    q, q_df, q_p_value : float
        Cochran's Q (fixed-effect weights), its degrees of freedom and p-value.
    i2, h2 : float
        ``I^2`` as a fraction (0 to 1) and ``H^2``.
    pi_low, pi_high : float
        Prediction interval for the true effect in a new stratum (``nan`` if
        ``k < MIN_STRATA_PREDICTION``).
    alpha : float
        1 - confidence level of the intervals.
    """

    k: int
    method: str
    estimate: float
    se_wald: float
    ci_wald_low: float
    ci_wald_high: float
    p_wald: float
    se_kh: float
    ci_low: float
    ci_high: float
    p_value: float
    kh_factor: float
    kh_truncated: bool
    tau2: float
    tau: float
    q: float
    q_df: int
    q_p_value: float
    i2: float
    h2: float
    pi_low: float
    pi_high: float
    alpha: float

    def as_dict(self) -> dict:
        """Return the fields as a plain dictionary (for tables)."""
        return asdict(self)


def _check_inputs(estimates, ses) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(estimates, dtype=float)
    s = np.asarray(ses, dtype=float)
    if y.ndim != 1 or y.shape != s.shape:
        raise ValueError(f"estimates and ses must be 1-d of equal length, got {y.shape} and {s.shape}")
    if len(y) < 2:
        raise ValueError(f"a meta-analysis needs at least 2 estimates, got {len(y)}")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(s)) and np.all(s > 0)):
        raise ValueError("estimates must be finite and standard errors finite and positive")
    return y, s**2


def cochran_q(estimates, ses) -> float:
    """Return Cochran's Q: the fixed-effect weighted sum of squared deviations.

    Examples
    --------
    >>> cochran_q([0.0, 2.0], [1.0, 1.0])
    2.0
    """
    y, v = _check_inputs(estimates, ses)
    w = 1 / v
    mu = np.sum(w * y) / np.sum(w)
    return float(np.sum(w * (y - mu) ** 2))


def tau2_dersimonian_laird(estimates, ses) -> float:
    """Return the DerSimonian–Laird moment estimate of ``tau^2`` (truncated at 0).

    Examples
    --------
    >>> tau2_dersimonian_laird([0.0, 2.0], [1.0, 1.0])
    1.0
    """
    y, v = _check_inputs(estimates, ses)
    w = 1 / v
    q = cochran_q(y, np.sqrt(v))
    c = np.sum(w) - np.sum(w**2) / np.sum(w)
    return float(max(0.0, (q - (len(y) - 1)) / c))


def tau2_reml(estimates, ses, tol: float = 1e-10, max_iter: int = 200) -> float:
    """Return the REML estimate of ``tau^2`` by Fisher scoring, truncated at 0.

    Starts from the DerSimonian–Laird value; each step adds
    ``(sum w_i^2 r_i^2 - tr P) / tr P^2`` (``r_i = y_i - mu``, ``P`` the REML
    projection), halving the step while it would leave ``[0, inf)``.

    Raises
    ------
    RuntimeError
        If the iteration does not converge in *max_iter* steps.
    """
    y, v = _check_inputs(estimates, ses)
    tau2 = tau2_dersimonian_laird(y, np.sqrt(v))
    for _ in range(max_iter):
        w = 1 / (v + tau2)
        sw = np.sum(w)
        mu = np.sum(w * y) / sw
        tr_p = sw - np.sum(w**2) / sw
        tr_pp = np.sum(w**2) - 2 * np.sum(w**3) / sw + (np.sum(w**2) / sw) ** 2
        step = (np.sum(w**2 * (y - mu) ** 2) - tr_p) / tr_pp
        while tau2 + step < 0:
            step /= 2
            if abs(step) < tol:
                step = -tau2
                break
        tau2 += step
        if abs(step) < tol:
            return float(max(tau2, 0.0))
    raise RuntimeError(f"REML estimate of tau^2 did not converge in {max_iter} iterations")


def estimate_tau2(estimates, ses, method: str = "REML") -> float:
    """Return ``tau^2`` by *method* (``"REML"`` or ``"DL"``)."""
    if method == "REML":
        return tau2_reml(estimates, ses)
    if method == "DL":
        return tau2_dersimonian_laird(estimates, ses)
    raise ValueError(f"method must be one of {METHODS}, got {method!r}")


def meta_analyze(
    estimates,
    ses,
    method: str = "REML",
    alpha: float = 0.05,
    hk_truncate: bool = True,
) -> MetaResult:
    """Pool *estimates* with standard errors *ses* in a random-effects meta-analysis.

    Parameters
    ----------
    estimates, ses : array-like of float
        One estimate and its standard error per stratum (``k >= 2``). The
        strata are assumed independent.
    method : {"REML", "DL"}
        Estimator of the between-stratum variance ``tau^2``.
    alpha : float
        1 - confidence level of the confidence and prediction intervals.
    hk_truncate : bool
        Truncate the Knapp–Hartung factor at 1 (the "ad hoc" rule), so that
        the KH standard error is never smaller than the Wald one. ``False``
        reproduces metafor's ``test="knha"``.

    Returns
    -------
    MetaResult

    Examples
    --------
    Identical estimates carry no heterogeneity:

    >>> res = meta_analyze([0.5, 0.5, 0.5], [0.1, 0.2, 0.3])
    >>> res.estimate, res.tau2, res.i2
    (0.5, 0.0, 0.0)
    """
    y, v = _check_inputs(estimates, ses)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
    k = len(y)
    tau2 = estimate_tau2(y, np.sqrt(v), method)
    w = 1 / (v + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    se_wald = float(np.sqrt(1 / np.sum(w)))
    z = stats.norm.ppf(1 - alpha / 2)
    kh_factor = float(np.sum(w * (y - mu) ** 2) / (k - 1))
    factor = max(kh_factor, 1.0) if hk_truncate else kh_factor
    se_kh = se_wald * np.sqrt(factor)
    t = stats.t.ppf(1 - alpha / 2, k - 1)
    # Cochran's Q and the tau^2-based I^2 / H^2 (metafor's definitions).
    w_fe = 1 / v
    q = cochran_q(y, np.sqrt(v))
    typical_v = (k - 1) * np.sum(w_fe) / (np.sum(w_fe) ** 2 - np.sum(w_fe**2))
    i2 = tau2 / (tau2 + typical_v)
    if k >= MIN_STRATA_PREDICTION:
        pi_low, pi_high = prediction_interval(mu, se_kh, tau2, alpha, df=k - 2)
    else:
        pi_low = pi_high = float("nan")
    return MetaResult(
        k=k,
        method=method,
        estimate=mu,
        se_wald=se_wald,
        ci_wald_low=float(mu - z * se_wald),
        ci_wald_high=float(mu + z * se_wald),
        p_wald=float(2 * stats.norm.sf(abs(mu) / se_wald)),
        se_kh=float(se_kh),
        ci_low=float(mu - t * se_kh),
        ci_high=float(mu + t * se_kh),
        p_value=float(2 * stats.t.sf(abs(mu) / se_kh, k - 1)) if se_kh > 0 else float("nan"),
        kh_factor=kh_factor,
        kh_truncated=bool(hk_truncate and kh_factor < 1),
        tau2=float(tau2),
        tau=float(np.sqrt(tau2)),
        q=q,
        q_df=k - 1,
        q_p_value=float(stats.chi2.sf(q, k - 1)),
        i2=float(i2),
        h2=float(1 / (1 - i2)),
        pi_low=float(pi_low),
        pi_high=float(pi_high),
        alpha=alpha,
    )


def prediction_interval(
    estimate: float, se: float, tau2: float, alpha: float = 0.05, df: int | None = None
) -> tuple[float, float]:
    """Return the interval expected to hold the true effect of a new stratum.

    ``estimate -/+ q * sqrt(tau2 + se^2)`` with ``q`` the ``1 - alpha/2``
    quantile of ``t`` with *df* degrees of freedom, or of the normal
    distribution when *df* is ``None`` (metafor's default).

    >>> [round(x, 4) for x in prediction_interval(0.0, 0.3, 0.16, df=None)]
    [-0.98, 0.98]
    """
    q = stats.norm.ppf(1 - alpha / 2) if df is None else stats.t.ppf(1 - alpha / 2, df)
    half = q * np.sqrt(tau2 + se**2)
    return float(estimate - half), float(estimate + half)


def stratum_weights(ses, tau2: float) -> np.ndarray:
    """Return the relative random-effects weights ``w_i / sum w`` (they sum to 1).

    >>> stratum_weights([1.0, 1.0], 0.5).tolist()
    [0.5, 0.5]
    """
    w = 1 / (np.asarray(ses, dtype=float) ** 2 + tau2)
    return w / w.sum()
