"""Linear combinations of estimated coefficients: estimates, standard errors, t intervals and p-values.

A contrast of a fitted model (a difference of predicted means at one age, say)
is ``L @ beta`` for a row ``L`` of weights; its variance is ``L C L'`` with ``C``
the covariance of ``beta``. Given several rows, :func:`linear_combinations`
returns one line per row; simultaneous intervals over the rows are
:func:`helpers.stats.simultaneous.adjust_family`'s job.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def linear_combinations(L, beta, cov, df: float | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """Return ``estimate, se, df, ci_low, ci_high, p_value`` of every row of ``L @ beta``.

    Parameters
    ----------
    L : array-like, shape (k, p)
        One contrast per row.
    beta : array-like, shape (p,)
        Estimated coefficients.
    cov : array-like, shape (p, p)
        Their covariance.
    df : float or None
        Degrees of freedom of the t reference distribution (normal when None).
    alpha : float
        1 - confidence level of the (unadjusted, per-row) intervals.

    Examples
    --------
    >>> out = linear_combinations([[1.0, -1.0]], [3.0, 1.0], [[1.0, 0.0], [0.0, 1.0]])
    >>> [round(float(out[c][0]), 4) for c in ("estimate", "se", "ci_low")]
    [2.0, 1.4142, -0.7718]
    """
    L = np.atleast_2d(np.asarray(L, dtype=float))
    beta, cov = np.asarray(beta, dtype=float), np.asarray(cov, dtype=float)
    estimate = L @ beta
    se = np.sqrt(np.einsum("ij,jk,ik->i", L, cov, L))
    dist = stats.norm if df is None else stats.t(float(df))
    q = dist.ppf(1 - alpha / 2)
    return pd.DataFrame({"estimate": estimate, "se": se, "df": np.nan if df is None else float(df),
                         "ci_low": estimate - q * se, "ci_high": estimate + q * se,
                         "p_value": 2 * dist.sf(np.abs(estimate / se))})
