"""Linear mixed model with one random intercept, fitted by REML, with Kenward-Roger or Satterthwaite df.

``y = X beta + Z b + e`` with ``b_g ~ N(0, sigma_g^2)`` one intercept per group
(a gel, a batch) and ``e ~ N(0, sigma^2)``. statsmodels' ``MixedLM`` gives the
same REML estimates but only z tests; with a handful of groups a contrast
needs a small-sample reference distribution. This module provides the
Satterthwaite approximation (as SAS ``DDFM=SATTERTH`` and R's ``lmerTest``):
for a contrast ``L'beta`` with variance ``v(theta) = L' C(theta) L``,
``C = (X' V^-1 X)^-1``,

``df = 2 v^2 / (grad v)' A (grad v)``

where ``A`` is the asymptotic covariance of the REML variance estimates
``theta = (sigma^2, sigma_g^2)`` (the inverse of the expected REML
information ``I_ij = tr(P V_i P V_j) / 2``, ``P = V^-1 - V^-1 X C X' V^-1``)
and ``d v / d theta_i = L' C X' V^-1 V_i V^-1 X C L``. A variance estimated
at its boundary (``sigma_g^2 = 0``) is held fixed, so the model then reduces
to ordinary least squares with ``n - p`` df.

**Kenward-Roger** (1997; R's ``pbkrtest``, ``lmerTest`` with
``ddf = "Kenward-Roger"``) also inflates ``C`` for the uncertainty in
``theta``: ``C_A = C + 2 C [sum_ij W_ij (Q_ij - P_i C P_j)] C`` with
``P_i = -X' V^-1 V_i V^-1 X``, ``Q_ij = X' V^-1 V_i V^-1 V_j V^-1 X`` and
``W`` the covariance of ``theta``, and takes its df from the moment matching of
the paper (for one contrast, ``F = t^2`` scaled by ``lambda`` on ``(1, m)``
df). It is the default here. In balanced designs both methods give the exact
df of the analysis of variance, which the tests check (within-block contrasts
of a complete block design ``(b - 1)(t - 1)``, between-block contrasts of a
split plot ``b - a``); in the book's unbalanced gel layouts Kenward-Roger's
intervals are a little wider.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats


@dataclass(frozen=True)
class RandomInterceptFit:
    """A fitted random-intercept model: coefficients, their covariance and the variance components."""

    params: np.ndarray
    cov: np.ndarray
    sigma2: float
    sigma2_group: float
    n_groups: int
    info_inverse: np.ndarray
    #: ``P_i = -X' V^-1 V_i V^-1 X`` per estimated variance parameter.
    p_terms: tuple[np.ndarray, ...]
    #: ``Q_ij = X' V^-1 V_i V^-1 V_j V^-1 X``.
    q_terms: tuple[tuple[np.ndarray, ...], ...]

    def contrast(self, weights, alpha: float = 0.05, ddf: str = "kenward-roger") -> dict:
        """Return ``estimate, se, df, ci_low, ci_high, p_value`` of ``weights @ beta``.

        *ddf* ``"kenward-roger"`` (adjusted SE, KR df) or ``"satterthwaite"``
        (model SE, Satterthwaite df).
        """
        L = np.asarray(weights, dtype=float)
        C, W = self.cov, self.info_inverse
        variance = float(L @ C @ L)
        # d(L'CL)/d theta_i = -L' C P_i C L
        grad = np.array([-float(L @ C @ P @ C @ L) for P in self.p_terms])
        estimate = float(L @ self.params)
        if ddf == "satterthwaite":
            df, scale = float(2 * variance**2 / (grad @ W @ grad)), 1.0
        elif ddf == "kenward-roger":
            k = len(self.p_terms)
            inflation = sum(W[i, j] * (self.q_terms[i][j] - self.p_terms[i] @ C @ self.p_terms[j])
                            for i in range(k) for j in range(k))
            variance = float(L @ (C + 2 * C @ inflation @ C) @ L)
            df, scale = _kenward_roger_df(L, C, W, self.p_terms)
        else:
            raise ValueError(f"ddf must be 'kenward-roger' or 'satterthwaite', got {ddf!r}")
        se = float(np.sqrt(variance))
        q = np.sqrt(stats.f.ppf(1 - alpha, 1, df) / scale)
        return {"estimate": estimate, "se": se, "df": df, "ci_low": estimate - q * se,
                "ci_high": estimate + q * se,
                "p_value": float(stats.f.sf(scale * estimate**2 / variance, 1, df))}


def _kenward_roger_df(L: np.ndarray, C: np.ndarray, W: np.ndarray, p_terms) -> tuple[float, float]:
    """Return the Kenward-Roger denominator df ``m`` and scale ``lambda`` for one contrast (rank 1)."""
    ell = 1.0
    theta = np.outer(L, L) / float(L @ C @ L)
    k = len(p_terms)
    tp = [theta @ C @ P @ C for P in p_terms]
    a1 = sum(W[i, j] * np.trace(tp[i]) * np.trace(tp[j]) for i in range(k) for j in range(k))
    a2 = sum(W[i, j] * np.trace(tp[i] @ tp[j]) for i in range(k) for j in range(k))
    b = (a1 + 6 * a2) / (2 * ell)
    g = ((ell + 1) * a1 - (ell + 4) * a2) / ((ell + 2) * a2)
    denom = 3 * ell + 2 * (1 - g)
    c1, c2, c3 = g / denom, (ell - g) / denom, (ell + 2 - g) / denom
    e_star = 1 / (1 - a2 / ell)
    v_star = (2 / ell) * (1 + c1 * b) / ((1 - c2 * b) ** 2 * (1 - c3 * b))
    rho = v_star / (2 * e_star**2)
    m = 4 + (ell + 2) / (ell * rho - 1)
    return float(m), float(m / (e_star * (m - 2)))


def _profile_deviance(log_ratio: float, y, X, ZZ) -> float:
    """REML deviance profiled over sigma^2, at group/residual variance ratio exp(log_ratio) (0 if -inf)."""
    n, p = X.shape
    W = np.eye(n) + (0.0 if np.isneginf(log_ratio) else np.exp(log_ratio)) * ZZ
    Wi = np.linalg.inv(W)
    XtWiX = X.T @ Wi @ X
    beta = np.linalg.solve(XtWiX, X.T @ Wi @ y)
    r = y - X @ beta
    sigma2 = float(r @ Wi @ r) / (n - p)
    return (n - p) * np.log(sigma2) + np.linalg.slogdet(W)[1] + np.linalg.slogdet(XtWiX)[1]


def fit_random_intercept(y, X, groups) -> RandomInterceptFit:
    """Fit ``y ~ X + (1 | groups)`` by REML.

    Parameters
    ----------
    y : array-like, shape (n,)
    X : array-like, shape (n, p)
        Full-rank fixed-effects design (the groups must not be in it).
    groups : array-like, shape (n,)
        Group of each row (e.g. the gel).

    Returns
    -------
    RandomInterceptFit

    Examples
    --------
    Without group-to-group variation beyond the residual, the fit is OLS:

    >>> X = np.ones((4, 1))
    >>> fit = fit_random_intercept([1.0, 2.0, 1.0, 2.0], X, ["a", "a", "b", "b"])
    >>> fit.sigma2_group, round(fit.sigma2, 4), round(fit.contrast([1.0])["df"], 6)
    (0.0, 0.3333, 3.0)
    """
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    labels = pd.factorize(np.asarray(groups))[0]
    Z = np.eye(labels.max() + 1)[labels]
    ZZ = Z @ Z.T
    n, p = X.shape
    best = optimize.minimize_scalar(_profile_deviance, bounds=(-12.0, 8.0), args=(y, X, ZZ), method="bounded",
                                    options={"xatol": 1e-10})
    log_ratio = best.x if best.fun < _profile_deviance(-np.inf, y, X, ZZ) else -np.inf
    ratio = 0.0 if np.isneginf(log_ratio) else float(np.exp(log_ratio))
    W = np.eye(n) + ratio * ZZ
    Wi = np.linalg.inv(W)
    beta = np.linalg.solve(X.T @ Wi @ X, X.T @ Wi @ y)
    r = y - X @ beta
    sigma2 = float(r @ Wi @ r) / (n - p)
    sigma2_group = ratio * sigma2
    Vi = Wi / sigma2
    C = np.linalg.inv(X.T @ Vi @ X)
    P = Vi - Vi @ X @ C @ X.T @ Vi
    derivs = [np.eye(n), ZZ] if ratio > 0 else [np.eye(n)]  # a boundary variance is held fixed
    info = np.array([[0.5 * np.trace(P @ a @ P @ b) for b in derivs] for a in derivs])
    p_terms = tuple(-X.T @ Vi @ d @ Vi @ X for d in derivs)
    q_terms = tuple(tuple(X.T @ Vi @ a @ Vi @ b @ Vi @ X for b in derivs) for a in derivs)
    return RandomInterceptFit(params=beta, cov=C, sigma2=sigma2, sigma2_group=float(sigma2_group),
                              n_groups=int(labels.max() + 1), info_inverse=np.linalg.inv(info),
                              p_terms=p_terms, q_terms=q_terms)
