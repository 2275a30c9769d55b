"""Time-to-event analysis of the disease course: Kaplan-Meier, log-rank and Cox models.

Thin, pure wrappers around lifelines that take a table (one row per mouse)
and the names of its duration, event and group columns, and return plain
data frames. The mouse is the unit: one row, one time, one event flag.

* Kaplan-Meier curves with pointwise confidence bands (lifelines'
  exponential Greenwood, i.e. log(-log) intervals, which stay inside [0, 1]).
* Medians with the Brookmeyer-Crowley style interval lifelines reads off the
  confidence band; a limit the band never reaches is reported as missing.
* Log-rank test of equal survival across all groups (k - 1 degrees of freedom).
* Cox proportional-hazards model of the group (Efron's method for ties),
  hazard ratios with Wald intervals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test
from lifelines.utils import median_survival_times


def _groups(table: pd.DataFrame, group: str, order: list[str] | None) -> list[str]:
    present = list(pd.unique(table[group]))
    return [g for g in order if g in present] if order is not None else sorted(present)


def fit_kaplan_meier(table: pd.DataFrame, *, duration: str, event: str, group: str,
                     order: list[str] | None = None, alpha: float = 0.05) -> dict[str, KaplanMeierFitter]:
    """Return a fitted Kaplan-Meier estimator per group, in *order* (default: sorted)."""
    fits = {}
    for level in _groups(table, group, order):
        sub = table[table[group] == level]
        fits[level] = KaplanMeierFitter(alpha=alpha, label=str(level)).fit(sub[duration], sub[event])
    return fits


def survival_curves(fits: dict[str, KaplanMeierFitter]) -> pd.DataFrame:
    """Return the step curves of *fits* in long form: group, time, survival, ci_low, ci_high."""
    frames = []
    for level, kmf in fits.items():
        ci = kmf.confidence_interval_
        frames.append(pd.DataFrame({
            "group": level,
            "time": kmf.survival_function_.index.to_numpy(dtype=float),
            "survival": kmf.survival_function_.iloc[:, 0].to_numpy(),
            "ci_low": ci.iloc[:, 0].to_numpy(),
            "ci_high": ci.iloc[:, 1].to_numpy(),
        }))
    return pd.concat(frames, ignore_index=True)


def numbers_at_risk(table: pd.DataFrame, *, duration: str, group: str, times,
                    order: list[str] | None = None) -> pd.DataFrame:
    """Return the number of mice still at risk (time >= t) per group (rows) and time (columns).

    Examples
    --------
    >>> t = pd.DataFrame({"d": [1, 2, 2, 3], "g": ["a", "a", "b", "b"]})
    >>> numbers_at_risk(t, duration="d", group="g", times=[0, 2, 3]).to_numpy().tolist()
    [[2, 1, 0], [2, 2, 1]]
    """
    rows = {level: [int((table.loc[table[group] == level, duration] >= t).sum()) for t in times]
            for level in _groups(table, group, order)}
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(times))


def median_times(fits: dict[str, KaplanMeierFitter]) -> pd.DataFrame:
    """Return per group: mice, events, KM median and its confidence interval.

    A median or limit the curve (or its band) never reaches is ``NaN``: the
    data do not determine it.
    """
    rows = []
    for level, kmf in fits.items():
        limits = median_survival_times(kmf.confidence_interval_).iloc[0].to_numpy(dtype=float)
        values = [float(kmf.median_survival_time_), *limits]
        low_, med, high = (np.nan if not np.isfinite(v) else v for v in (values[1], values[0], values[2]))
        rows.append({"group": level, "n": int(kmf.event_table["entrance"].sum()),
                     "events": int(kmf.event_observed.sum()), "median": med, "ci_low": low_, "ci_high": high})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class LogRank:
    """Log-rank test of equal survival across groups."""

    statistic: float
    df: int
    p_value: float


def logrank(table: pd.DataFrame, *, duration: str, event: str, group: str) -> LogRank:
    """Return the k-group log-rank test (chi-square with k - 1 degrees of freedom)."""
    result = multivariate_logrank_test(table[duration], table[group], table[event])
    return LogRank(float(result.test_statistic), int(result.degrees_of_freedom), float(result.p_value))


def fit_cox(table: pd.DataFrame, *, duration: str, event: str, group: str, reference: str,
            order: list[str] | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """Fit a Cox model of the hazard on the group (Efron ties); return hazard ratios vs *reference*.

    Returns
    -------
    DataFrame
        One row per non-reference group (in *order*, default sorted): ``group, log_hr, se, hr, hr_ci_low,
        hr_ci_high, p_value`` (Wald intervals at level ``1 - alpha``).
    """
    levels = _groups(table, group, order)
    if reference not in levels:
        raise ValueError(f"reference group {reference!r} not in the table; groups: {levels}")
    others = [g for g in levels if g != reference]
    design = pd.DataFrame({g: (table[group] == g).astype(float).to_numpy() for g in others})
    design["_duration"] = table[duration].to_numpy(dtype=float)
    design["_event"] = table[event].to_numpy(dtype=int)
    cph = CoxPHFitter(alpha=alpha).fit(design, duration_col="_duration", event_col="_event")
    s = cph.summary
    lo, hi = f"exp(coef) lower {100 * (1 - alpha):.0f}%", f"exp(coef) upper {100 * (1 - alpha):.0f}%"
    if lo not in s.columns:  # lifelines prints non-integer levels with decimals
        lo, hi = (c for c in s.columns if c.startswith("exp(coef) lower") or c.startswith("exp(coef) upper"))
    return pd.DataFrame({
        "group": others,
        "log_hr": s.loc[others, "coef"].to_numpy(),
        "se": s.loc[others, "se(coef)"].to_numpy(),
        "hr": s.loc[others, "exp(coef)"].to_numpy(),
        "hr_ci_low": s.loc[others, lo].to_numpy(),
        "hr_ci_high": s.loc[others, hi].to_numpy(),
        "p_value": s.loc[others, "p"].to_numpy(),
    })


def censored_marks(fits: dict[str, KaplanMeierFitter], table: pd.DataFrame, *, duration: str,
                   event: str, group: str) -> pd.DataFrame:
    """Return group, time and KM survival of every censored mouse (for tick marks on the curves)."""
    frames = []
    for level, kmf in fits.items():
        times = table.loc[(table[group] == level) & (table[event] == 0), duration].to_numpy(dtype=float)
        frames.append(pd.DataFrame({"group": level, "time": times,
                                    "survival": kmf.survival_function_at_times(times).to_numpy()}))
    return pd.concat(frames, ignore_index=True)
