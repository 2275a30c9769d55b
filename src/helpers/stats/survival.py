"""Time-to-event analysis of the disease course: Kaplan-Meier, log-rank and Cox models.

Thin, pure wrappers around lifelines that take a table (one row per mouse)
and the names of its duration, event and group columns, and return plain
data frames. The mouse is the unit: one row, one time, one event flag.

* Kaplan-Meier curves with pointwise confidence bands (lifelines'
  exponential Greenwood, i.e. log(-log) intervals, which stay inside [0, 1]).
* Medians (any quantile) read off the step curves with the convention of R's
  ``survival::quantile.survfit`` and SAS: the first time the curve is at or
  below ``p``; where the curve is *exactly* ``p`` on a flat segment, the
  midpoint of that segment (of the segment's start and the last follow-up
  time when the curve ends flat at ``p``). For the Kaplan-Meier estimate the
  test "exactly p" is done on the counts (exact fractions), never on a float
  that happens to round one way; for the confidence band (floats) within a
  tolerance of ``sqrt(machine epsilon)``, as R does. The interval of the median
  is the Brookmeyer-Crowley style one read off the band the same way; a limit
  the band never reaches is reported as missing. Where the curve reaches 0
  (the last mouse of a group has the event) the log(-log) band is undefined
  (R's ``survfit`` gives ``NA``; lifelines collapses it to (0, 0)); it is taken
  as undefined there too, so an upper limit reached only at that point is
  "not reached" (missing), as R's ``quantile.survfit`` reports it, not the last
  event day.
* Log-rank test of equal survival across all groups (k - 1 degrees of freedom).
* Cox proportional-hazards model of the group (Efron's method for ties),
  hazard ratios with Wald intervals.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test

#: Tolerance of "the band is exactly at p" (R's ``sqrt(.Machine$double.eps)``).
QUANTILE_TOLERANCE = float(np.sqrt(np.finfo(float).eps))


def step_quantile(times, values, p: float, *, last_time: float, tol: float = QUANTILE_TOLERANCE,
                  exact_equal=None) -> float:
    """Return the *p* quantile of a non-increasing step curve (survival scale), midpoint rule at a flat.

    Parameters
    ----------
    times, values : array-like
        Times, increasing, and the curve's value from each time on
        (repeated values, e.g. at censoring times, are allowed).
    p : float
        Level on the survival scale (0.5 for the median).
    last_time : float
        Last follow-up time, the end of a final flat segment.
    tol : float
        Values within *tol* of *p* count as equal to it.
    exact_equal : sequence of bool, optional
        Per time, whether the curve there equals *p* exactly (decided on
        counts by the caller); replaces the tolerance test.

    Returns
    -------
    float
        The first time the curve is at or below *p*; the midpoint of the flat
        segment where it equals *p*; ``nan`` if the curve never reaches *p*.

    Examples
    --------
    >>> step_quantile([0, 1, 2, 3], [1.0, 0.75, 0.5, 0.25], 0.5, last_time=3)
    2.5
    >>> step_quantile([0, 1, 2, 3], [1.0, 0.75, 0.4, 0.25], 0.5, last_time=3)
    2.0
    >>> step_quantile([0, 1, 4], [1.0, 0.5, 0.5], 0.5, last_time=4)
    2.5
    """
    x = np.asarray(times, dtype=float)
    y = np.asarray(values, dtype=float)
    equal = np.abs(y - p) < tol if exact_equal is None else np.asarray(exact_equal, dtype=bool)
    below = y <= p if exact_equal is not None else y <= p + tol
    reached = np.flatnonzero(below | equal)
    if len(reached) == 0:
        return float("nan")
    i = int(reached[0])
    if not equal[i]:
        return float(x[i])
    later = np.flatnonzero(~equal[i:])  # the flat at p ends where the curve next moves
    end = float(x[i + int(later[0])]) if len(later) else float(last_time)
    return (float(x[i]) + end) / 2


def exact_survival(kmf: KaplanMeierFitter) -> list[Fraction]:
    """Return the Kaplan-Meier estimate at each time of the event table, as exact fractions of counts.

    >>> t = pd.Series([1, 2, 3, 4]); e = pd.Series([1, 1, 0, 1])
    >>> [str(v) for v in exact_survival(KaplanMeierFitter().fit(t, e))]
    ['1', '3/4', '1/2', '1/2', '0']
    """
    table = kmf.event_table
    s, out = Fraction(1), []
    for n, d in zip(table["at_risk"].astype(int), table["observed"].astype(int), strict=True):
        if n > 0:
            s *= Fraction(n - d, n)
        out.append(s)
    return out


def km_quantile(kmf: KaplanMeierFitter, p: float = 0.5) -> float:
    """Return the *p* quantile (survival scale) of a fitted Kaplan-Meier curve, the flat decided on counts.

    >>> t = pd.Series([1, 2, 3, 4, 5, 6]); e = pd.Series([1, 1, 1, 1, 1, 1])
    >>> km_quantile(KaplanMeierFitter().fit(t, e))
    3.5
    """
    times = kmf.event_table.index.to_numpy(dtype=float)
    surv = exact_survival(kmf)
    target = Fraction(str(p))
    return step_quantile(times, [float(v) for v in surv], p, last_time=float(times.max()),
                         exact_equal=[v == target for v in surv])


def band_quantiles(kmf: KaplanMeierFitter, p: float = 0.5) -> tuple[float, float]:
    """Return the confidence limits of the *p* quantile: where the lower and the upper band first reach *p*.

    The band is undefined where the Kaplan-Meier estimate is 0 (its log(-log)
    standard error is infinite; R's ``survfit`` gives ``NA``), so it is set to
    NaN there and a limit reached only at that point is ``nan`` ("not
    reached"), as in R's ``quantile.survfit``; lifelines' (0, 0) there would
    otherwise put the upper limit at the last event day.

    >>> t = pd.Series([1, 2, 3, 4, 5, 6]); e = pd.Series([1, 1, 1, 1, 1, 1])
    >>> band_quantiles(KaplanMeierFitter().fit(t, e))
    (1.0, nan)
    """
    band = kmf.confidence_interval_
    times = band.index.to_numpy(dtype=float)
    exact = dict(zip(kmf.event_table.index.to_numpy(dtype=float), exact_survival(kmf), strict=True))
    undefined = np.array([exact.get(t, Fraction(1)) == 0 for t in times])
    last = float(kmf.event_table.index.max())
    limits = []
    for j in (0, 1):
        values = band.iloc[:, j].to_numpy(dtype=float).copy()
        values[undefined] = np.nan
        limits.append(step_quantile(times, values, p, last_time=last))
    return limits[0], limits[1]


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

    Medians and limits follow :func:`step_quantile` (midpoint of a flat
    segment exactly at 0.5, as R's ``survival`` does; the Kaplan-Meier flat is
    found on counts). A median or limit the curve (or its band) never reaches
    is ``NaN``: the data do not determine it.
    """
    rows = []
    for level, kmf in fits.items():
        low_, high = band_quantiles(kmf, 0.5)
        med = km_quantile(kmf, 0.5)
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
