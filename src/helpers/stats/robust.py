"""Cluster-robust inference for least squares: CR2 with Satterthwaite degrees of freedom.

When an experimental unit contributes several rows (a mouse measured in three
tissues), ordinary least squares counts rows, not units, in its standard
errors and residual degrees of freedom. The cluster-robust alternative used
here is the bias-reduced linearization of Bell & McCaffrey (2002), "CR2", with
the Satterthwaite-type degrees of freedom of the same paper as generalised by
Pustejovsky & Tipton (2018, JBES), i.e. what R's ``clubSandwich`` reports as
``coef_test(..., vcov = "CR2", test = "Satterthwaite")`` with the working
model "independent rows, equal variance":

* ``V = M [sum_j X_j' A_j e_j e_j' A_j X_j] M`` with ``M = (X'X)^-1``,
  ``e_j`` the residuals of cluster ``j`` and ``A_j = (I - H_jj)^(-1/2)``
  (symmetric inverse square root of one minus the cluster's block of the hat
  matrix; a pseudo-inverse where a cluster is fully absorbed);
* for a contrast ``c``, ``c'Vc = sum_j (g_j' eps)^2`` with
  ``g_j = (I - H)[:, j] A_j X_j M c``, so under the working model
  ``df = (sum_j g_j'g_j)^2 / sum_ij (g_i'g_j)^2``.

Known answers (tests): with one row per cluster CR2 is HC2, and for a
difference of two group means its df is Welch's df at equal variances.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def _inverse_sqrt(matrix: np.ndarray, tol: float = 1e-10) -> np.ndarray:
    """Symmetric (pseudo-)inverse square root of a positive semi-definite matrix."""
    vals, vecs = np.linalg.eigh(matrix)
    inv = np.where(vals > tol, 1.0 / np.sqrt(np.clip(vals, tol, None)), 0.0)
    return (vecs * inv) @ vecs.T


def cr2_test(X, y, clusters, contrast, alpha: float = 0.05) -> dict:
    """Return the OLS estimate of ``contrast @ beta`` with its CR2 SE, Satterthwaite df, CI and p.

    Parameters
    ----------
    X : array-like, shape (n, p)
        Full-rank design matrix.
    y : array-like, shape (n,)
        Response.
    clusters : array-like, shape (n,)
        Cluster (experimental unit) of each row.
    contrast : array-like, shape (p,)
        Weights of the linear combination of coefficients.
    alpha : float
        1 - confidence level.

    Returns
    -------
    dict
        ``estimate, se, df, ci_low, ci_high, p_value, n_clusters``.

    Examples
    --------
    One row per cluster: the difference of two means, Welch's SE.

    >>> X = np.column_stack([np.ones(5), [0, 0, 1, 1, 1]])
    >>> out = cr2_test(X, [1.0, 3.0, 2.0, 4.0, 6.0], range(5), [0, 1])
    >>> round(out["se"] ** 2, 6), round(out["df"], 4)  # 2/2 + 4/3; Welch df at equal variances
    (2.333333, 2.2727)
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    c = np.asarray(contrast, dtype=float)
    labels = pd.factorize(np.asarray(clusters))[0]
    n = len(y)
    bread = np.linalg.inv(X.T @ X)
    beta = bread @ X.T @ y
    resid = y - X @ beta
    residual_maker = np.eye(n) - X @ bread @ X.T
    mc = bread @ c
    meat_terms, g = [], []
    for j in range(labels.max() + 1):
        rows = np.flatnonzero(labels == j)
        adjust = _inverse_sqrt(residual_maker[np.ix_(rows, rows)])
        p_j = adjust @ X[rows] @ mc
        meat_terms.append(float(p_j @ resid[rows]) ** 2)
        g.append(residual_maker[:, rows] @ p_j)
    variance = float(np.sum(meat_terms))
    gram = np.asarray(g) @ np.asarray(g).T
    df = float(np.trace(gram) ** 2 / np.sum(gram**2))
    estimate = float(c @ beta)
    se = float(np.sqrt(variance))
    q = stats.t.ppf(1 - alpha / 2, df)
    return {"estimate": estimate, "se": se, "df": df, "ci_low": estimate - q * se, "ci_high": estimate + q * se,
            "p_value": float(2 * stats.t.sf(abs(estimate) / se, df)), "n_clusters": int(labels.max() + 1)}


def cr2_vcov(X, y, clusters) -> np.ndarray:
    """Return the CR2 covariance matrix of the OLS coefficients (see the module notes).

    >>> X = np.column_stack([np.ones(4), [0.0, 1.0, 2.0, 3.0]])
    >>> cr2_vcov(X, [0.0, 1.0, 1.0, 3.0], [0, 0, 1, 1]).shape
    (2, 2)
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    labels = pd.factorize(np.asarray(clusters))[0]
    bread = np.linalg.inv(X.T @ X)
    resid = y - X @ (bread @ X.T @ y)
    residual_maker = np.eye(len(y)) - X @ bread @ X.T
    meat = np.zeros((X.shape[1], X.shape[1]))
    for j in range(labels.max() + 1):
        rows = np.flatnonzero(labels == j)
        u = X[rows].T @ _inverse_sqrt(residual_maker[np.ix_(rows, rows)]) @ resid[rows]
        meat += np.outer(u, u)
    return bread @ meat @ bread
