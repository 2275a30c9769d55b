"""Families of contrasts: intervals that agree with the adjustment of their p-values.

When several contrasts are read together (every mutant vs WT at every stage of
a tissue), a p-value adjusted for the family and an unadjusted 95% interval
answer different questions: an interval may exclude the null while the
adjusted p-value says the contrast is not distinguishable from it. This module
makes the two agree.

The method is **Bonferroni**: each interval is built at level ``1 - alpha / m``
for a family of ``m`` contrasts (jointly they cover all true values with
probability at least ``1 - alpha``), and the adjusted p-value is
``min(1, m p)``. Then, exactly, an adjusted interval excludes the null if and
only if its adjusted p-value is below ``alpha`` (both compare ``|t|`` with the
same ``t(1 - alpha / (2 m), df)`` quantile). Why not Holm, or the max-t of the
multivariate t?

* Holm's step-down p-values have no interval counterpart with a closed form: a
  Holm-consistent interval is only defined for the rejected hypotheses (and
  then not much narrower than Bonferroni's), so an interval and a Holm
  p-value can disagree;
* the single-step max-t (the multivariate t, as R's ``emmeans`` or
  ``multcomp`` compute it) is a little sharper when contrasts share a control
  group, but its quantile is a numerical integral (randomized quasi-Monte
  Carlo) whose digits would themselves need a Monte Carlo error; Bonferroni's
  is exact, and for the book's families of 3 to 9 contrasts it is at most a few
  percent wider.

The unadjusted intervals stay available, labelled as such.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

#: Name of the adjustment, for method columns.
METHOD = "Bonferroni"


def bonferroni_quantile(m: int, alpha: float, df: float | None) -> float:
    """Return the two-sided critical value for a family of *m* contrasts (t with *df*, normal if None).

    >>> round(bonferroni_quantile(1, 0.05, None), 4)
    1.96
    >>> round(bonferroni_quantile(3, 0.05, None), 4)
    2.394
    """
    if m < 1:
        raise ValueError(f"a family needs at least one contrast, got {m}")
    q = 1 - alpha / (2 * m)
    return float(stats.norm.ppf(q) if df is None else stats.t.ppf(q, df))


def adjust_family(table: pd.DataFrame, alpha: float, df, *, estimate: str = "estimate", se: str = "se",
                  p_value: str = "p_value") -> pd.DataFrame:
    """Return *table* with simultaneous (Bonferroni) intervals and the matching adjusted p-values.

    Parameters
    ----------
    table : DataFrame
        One row per contrast of the family, with estimate, SE and unadjusted
        two-sided p-value columns (their names as given).
    alpha : float
        Familywise error rate (1 - simultaneous confidence level).
    df : float, array-like or None
        Degrees of freedom of each row's t distribution (normal if None).

    Returns
    -------
    DataFrame
        A copy with ``sim_low, sim_high`` (the adjusted intervals), ``p_adj``
        (``min(1, m p)``) and ``family_size`` (``m``). The intervals exclude 0
        exactly when ``p_adj < alpha``.

    Examples
    --------
    >>> t = pd.DataFrame({"estimate": [1.0, 0.1], "se": [0.4, 0.4], "p_value": [0.0124, 0.8026]})
    >>> out = adjust_family(t, 0.05, None)
    >>> out["p_adj"].round(4).tolist(), out["family_size"].tolist()
    ([0.0248, 1.0], [2, 2])
    """
    m = len(table)
    est = table[estimate].to_numpy(float)
    dfs = [None] * m if df is None else [float(d) for d in np.broadcast_to(np.asarray(df, dtype=float), (m,))]
    half = np.array([bonferroni_quantile(m, alpha, d) for d in dfs]) * table[se].to_numpy(float)
    return table.assign(sim_low=est - half, sim_high=est + half,
                        p_adj=np.minimum(1.0, m * table[p_value].to_numpy(float)), family_size=m)


def method_text(m: int, alpha: float) -> str:
    """Describe the simultaneous intervals for a method column.

    >>> method_text(9, 0.05)
    'Bonferroni-adjusted simultaneous 95% CI and p over 9 contrasts'
    """
    return f"{METHOD}-adjusted simultaneous {round(100 * (1 - alpha))}% CI and p over {m} contrasts"


def holm(p_values) -> np.ndarray:
    """Return Holm's step-down adjusted p-values (as ``statsmodels`` ``multipletests(method="holm")``).

    >>> holm([0.01, 0.04, 0.03]).round(4).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    order = np.argsort(p)
    stepped = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = stepped
    return out
