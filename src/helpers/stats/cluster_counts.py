"""Poisson models of counts clustered in units, fitted from per-unit sums instead of rows.

When every covariate is constant within a cluster (a mouse's genotype and stage
are the same for all its cells), a Poisson GLM, a quasi-Poisson GLM and a
Poisson GEE with an exchangeable working correlation depend on the rows only
through six sums per cluster. With counts ``y_j`` and exposures ``t_j`` (1 when
there is no offset; soma area / 100 for a rate per 100 µm²) they are::

    n = number of rows        Y = Σ y_j          T = Σ t_j
    Q = Σ √t_j                A = Σ y_j / √t_j   B = Σ y_j² / t_j

(for ``t_j = 1``: ``T = Q = n``, ``A = Y`` and ``B = Σ y_j²``). The fits below
use only these sums, so a table of 10⁷ cells costs what a table of its mice
costs. With ``λ = exp(x'β)`` per cluster and Pearson residuals
``r_j = (y_j − λt_j)/√(λt_j)``: ``Σ r = (A − λQ)/√λ`` and
``Σ r² = B/λ − 2Y + λT``; the exchangeable working covariance collapses every
per-cluster matrix product of the estimating equations to the scalars
``G = (Y − λT)/(1 − ρ) − cQ(A − λQ)`` and ``K = T/(1 − ρ) − cQ²`` with
``c = ρ / ((1 − ρ)(1 + ρ(n − 1)))`` (the cluster's score is ``x G``, its
information ``λ K x x'``), and the Mancl–DeRouen bias-reduced sandwich to
``x G / (1 − λ K x'Cx/φ)``.

The iteration, the moment estimates of the scale and the correlation and the
three covariances follow statsmodels' ``GEE.fit`` step for step (Fisher scoring
from the Poisson GLM, the correlation re-estimated after each step, stop when
the score's norm is below ``ctol`` after at least one update), so the results
agree with ``smf.gee(..., cov_struct=Exchangeable()).fit(scale="X2")`` on the
rows to rounding; :mod:`tests.stats.test_cluster_counts` checks it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import ConvergenceWarning

#: The per-cluster sums the fits need (see the module docstring).
SUMS = ("n", "Y", "T", "Q", "A", "B")


@dataclass(frozen=True)
class CountFit:
    """Estimates and covariance of a count model fitted from cluster sums."""

    params: np.ndarray
    cov: np.ndarray
    scale: float
    dep_param: float  # the exchangeable correlation (0 for the GLMs)
    converged: bool
    n_obs: int  # rows (cells), not clusters


def row_terms(counts: np.ndarray, exposure: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Return each row's contribution to the sums of :data:`SUMS` (sum them per cluster).

    >>> {k: v.tolist() for k, v in row_terms(np.array([2.0]), np.array([4.0])).items()}
    {'n': [1.0], 'Y': [2.0], 'T': [4.0], 'Q': [2.0], 'A': [1.0], 'B': [1.0]}
    """
    y = np.asarray(counts, dtype=float)
    t = np.ones_like(y) if exposure is None else np.asarray(exposure, dtype=float)
    root = np.sqrt(t)
    return {"n": np.ones_like(y), "Y": y, "T": t, "Q": root, "A": y / root, "B": y * y / t}


def cluster_sums(counts: np.ndarray, clusters: np.ndarray, exposure: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Return the sums of :data:`SUMS` per cluster, clusters in sorted order.

    >>> s = cluster_sums(np.array([1, 3, 2]), np.array(["a", "a", "b"]))
    >>> [s[k].tolist() for k in ("n", "Y", "B")]
    [[2.0, 1.0], [4.0, 2.0], [10.0, 4.0]]
    """
    _, index = np.unique(np.asarray(clusters), return_inverse=True)
    return {k: np.bincount(index, weights=v) for k, v in row_terms(counts, exposure).items()}


class SingularCluster(ValueError):
    """A cluster alone determines a parameter (leverage 1): its sandwich contribution is undefined."""


def _inverse(matrix: np.ndarray) -> np.ndarray:
    """Inverse, or the pseudo-inverse of a singular matrix (a design with an empty column), as statsmodels does."""
    try:
        return np.linalg.inv(matrix)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(matrix)


def _arrays(sums) -> tuple[np.ndarray, ...]:
    return tuple(np.asarray(sums[k], dtype=float) for k in SUMS)


def _pearson(lam, n, Y, T, Q, A, B):
    """Per-cluster Σr and Σr² of the Pearson residuals at cluster rates *lam*."""
    return (A - lam * Q) / np.sqrt(lam), B / lam - 2 * Y + lam * T


def poisson_glm(X: np.ndarray, sums, *, scale: str | float = 1.0) -> CountFit:
    """Poisson GLM of the rows (cells as independent), from cluster sums.

    The same estimates as the GLM of the rows with offset ``log t``: it is the
    GLM of the cluster totals ``Y`` with offset ``log T``. ``scale="X2"`` gives
    the quasi-Poisson fit (Pearson χ² of the rows over their residual df).
    """
    n, Y, T, Q, A, B = _arrays(sums)
    fit = sm.GLM(Y, X, family=sm.families.Poisson(), offset=np.log(T)).fit()
    params = np.asarray(fit.params)
    lam = np.exp(X @ params)
    n_obs = int(round(n.sum()))
    phi = 1.0
    if scale == "X2":
        _, ssr = _pearson(lam, n, Y, T, Q, A, B)
        phi = float(ssr.sum() / (n_obs - np.linalg.matrix_rank(X)))  # the GLM's residual df: rows - rank
    elif not isinstance(scale, str):
        phi = float(scale)
    info = X.T @ (X * (lam * T)[:, None])
    return CountFit(params, _inverse(info) * phi, phi, 0.0, True, n_obs)


def poisson_gee_exchangeable(X: np.ndarray, sums, *, cov_type: str = "bias_reduced", maxiter: int = 60,
                             ctol: float = 1e-6) -> CountFit:
    """Poisson GEE, log link, exchangeable working correlation, Pearson scale, from cluster sums.

    Parameters
    ----------
    X : array (clusters × parameters)
        The design row of each cluster.
    sums : mapping
        The per-cluster sums of :data:`SUMS`, in the order of *X*'s rows.
    cov_type : {"bias_reduced", "robust", "naive"}
        Mancl–DeRouen bias-reduced sandwich, the plain sandwich, or the model-based covariance.
    """
    if cov_type not in ("bias_reduced", "robust", "naive"):
        raise ValueError(f"cov_type must be 'bias_reduced', 'robust' or 'naive', got {cov_type!r}")
    n, Y, T, Q, A, B = _arrays(sums)
    X = np.asarray(X, dtype=float)
    n_obs, p = n.sum(), X.shape[1]
    pairs = 0.5 * n * (n - 1)

    def scale_of(lam):
        return _pearson(lam, n, Y, T, Q, A, B)[1].sum() / (n_obs - p)

    def weights(rho, lam):
        c = rho / (1.0 - rho) / (1.0 + rho * (n - 1))
        G = (Y - lam * T) / (1.0 - rho) - c * Q * (A - lam * Q)
        K = T / (1.0 - rho) - c * Q * Q
        return G, K

    params = poisson_glm(X, sums).params.copy()
    lam = np.exp(X @ params)
    rho, updates, norm = 0.0, 0, -1.0
    for _ in range(maxiter):
        G, K = weights(rho, lam)
        information = X.T @ (X * (lam * K)[:, None])
        score = X.T @ G
        try:
            step = np.linalg.solve(information, score)
        except np.linalg.LinAlgError:
            step = np.linalg.pinv(information) @ score
        params = params + step
        lam = np.exp(X @ params)
        norm = float(np.sqrt(np.sum(score**2)))
        if norm < ctol and updates > 0:
            break
        phi = scale_of(lam)
        sum_r, ssr = _pearson(lam, n, Y, T, Q, A, B)
        rho = float((0.5 * (sum_r**2 - ssr)).sum() / phi / (pairs.sum() - p))
        updates += 1
    converged = norm < ctol
    if not converged:
        warnings.warn(f"Poisson GEE from cluster sums: score norm {norm:.2g} after {maxiter} iterations "
                      f"(tolerance {ctol:g})", ConvergenceWarning, stacklevel=2)
    phi = scale_of(lam)
    G, K = weights(rho, lam)
    information = X.T @ (X * (lam * K)[:, None])
    inverse = _inverse(information)
    naive = inverse * phi
    if cov_type == "naive":
        cov = naive
    elif cov_type == "robust":
        cov = inverse @ ((X * G[:, None]).T @ (X * G[:, None])) @ inverse
    else:
        leverage = lam * K * np.einsum("ij,jk,ik->i", X, naive, X) / phi
        if np.any(1.0 - leverage < 1e-8):
            raise SingularCluster(f"cluster(s) {np.flatnonzero(1.0 - leverage < 1e-8).tolist()} alone determine a "
                                  "parameter (leverage 1), so the bias-reduced sandwich is undefined")
        adjusted = X * (G / (1.0 - leverage) / phi)[:, None]
        cov = naive @ (adjusted.T @ adjusted) @ naive
    return CountFit(params, cov, float(phi), rho, converged, int(round(n_obs)))
