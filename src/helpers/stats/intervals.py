"""One interval type and one way to write intervals, for every layer above.

:class:`Effect` is the result of every model contrast on the log scale (estimate,
standard error, interval, p-value, residual df, number of experimental units);
:func:`ci_text` and :func:`format_number` write numbers and intervals for pages
and the ledger; :func:`t_interval` and :func:`percentile_ci` are the two ways an
interval is made (t on the between-unit df, or bootstrap percentiles).
:func:`bootstrap_to_precision` chooses the number of bootstrap resamples so that
printed percentile limits are not Monte Carlo noise (:data:`MC_SE_FRACTION`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class Effect:
    """A difference on the log scale with its confidence interval and design size."""

    term: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    df_resid: float
    n_units: int

    @property
    def ratio(self) -> float:
        """Ratio of geometric means, ``exp(estimate)``."""
        return float(np.exp(self.estimate))

    @property
    def ratio_ci(self) -> tuple[float, float]:
        """Confidence interval of the ratio of geometric means."""
        return float(np.exp(self.ci_low)), float(np.exp(self.ci_high))

    def as_dict(self) -> dict:
        """Return the fields plus the ratio and its CI, for tables."""
        low, high = self.ratio_ci
        return {**asdict(self), "ratio": self.ratio, "ratio_ci_low": low, "ratio_ci_high": high}


def format_number(value: float, digits: int = 2) -> str:
    """Format *value* with *digits* decimals, using a true minus sign.

    >>> format_number(-0.456)
    '−0.46'
    >>> format_number(3, 0)
    '3'
    """
    text = f"{value:.{digits}f}"
    return text.replace("-", "\u2212")


def ci_text(low: float, high: float, level: float = 0.95, digits: int = 2, scale: float = 1.0) -> str:
    """Write an interval as ``95% CI a to b``; an infinite end is 'unbounded'.

    >>> ci_text(-0.456, 0.1, 0.95)
    '95% CI −0.46 to 0.10'
    >>> ci_text(0.1, np.inf, 0.9)
    '90% CI 0.10 to unbounded'
    """
    ends = [format_number(scale * v, digits) if np.isfinite(v) else "unbounded" for v in (low, high)]
    return f"{round(100 * level)}% CI {ends[0]} to {ends[1]}"


def interval_text(ci: tuple[float, float], alpha: float, digits: int = 2, scale: float = 1.0) -> str:
    """Describe a bootstrap interval in words, saying 'unbounded' for an infinite end.

    >>> interval_text((0.1, np.inf), 0.05)
    '95% CI 0.10 to unbounded'
    """
    return ci_text(ci[0], ci[1], 1 - alpha, digits, scale)


def estimate_text(value: float, ci: tuple[float, float], alpha: float, digits: int = 2, scale: float = 1.0) -> str:
    """Describe a possibly unbounded estimate with its bootstrap interval.

    >>> estimate_text(np.inf, (0.2, np.inf), 0.05)
    'unbounded (the estimated reliability is not positive; 95% CI 0.20 to unbounded)'
    >>> estimate_text(0.5, (0.2, 0.9), 0.05)
    '0.50 (95% CI 0.20 to 0.90)'
    """
    interval = interval_text(ci, alpha, digits, scale)
    if not np.isfinite(value):
        return f"unbounded (the estimated reliability is not positive; {interval})"
    return f"{format_number(scale * value, digits)} ({interval})"


def t_interval(estimate: float, se: float, df: float, alpha: float) -> tuple[float, float]:
    """Return the t-based interval ``estimate +/- t(1 - alpha/2, df) x se``."""
    q = stats.t.ppf(1 - alpha / 2, df)
    return estimate - q * se, estimate + q * se


def percentile_ci(replicates: np.ndarray, alpha: float = 0.05) -> tuple[float, float]:
    """Return the percentile bootstrap interval of one statistic's replicates.

    Infinite replicates (an unbounded statistic) are kept: if more than
    ``alpha / 2`` of them are infinite, that end of the interval is infinite.
    Interpolation is used only between finite neighbours.

    >>> percentile_ci(np.arange(101.0), 0.1)
    (5.0, 95.0)
    >>> percentile_ci(np.r_[np.arange(90.0), np.full(11, np.inf)], 0.1)[1]
    inf
    """
    values = np.sort(np.asarray(replicates, float))
    if np.isnan(values).any():
        raise ValueError("bootstrap replicates contain NaN")
    out = []
    for q in (alpha / 2, 1 - alpha / 2):
        lower = values[int(np.floor(q * (len(values) - 1)))]
        upper = values[int(np.ceil(q * (len(values) - 1)))]
        out.append(float(np.quantile(values, q)) if np.isfinite([lower, upper]).all() else float(lower if q < 0.5 else upper))
    return out[0], out[1]


# --------------------------------------------------------------------------
# Monte Carlo error of bootstrap percentile limits, and a resample count that makes the digits stable
# --------------------------------------------------------------------------
#: Rule for printed bootstrap limits: the Monte Carlo SE of each limit must stay below this
#: fraction of one unit of the last printed digit (a quarter unit: a rerun with another seed
#: moves a limit by more than half a unit, and so possibly its last digit, in well under 5%
#: of reruns unless the limit sits next to a rounding boundary).
MC_SE_FRACTION = 0.25


def quantile_mc_se(replicates: np.ndarray, q: float) -> float:
    """Return the Monte Carlo standard error of the *q* quantile of bootstrap *replicates*.

    Distribution-free, from the order statistics: the number of replicates
    below the true quantile is binomial ``(B, q)``, so the order statistics
    ``B q -/+ sqrt(B q (1 - q))`` bracket it with about one standard error on
    each side; half their distance estimates the SE (infinite if an infinite
    replicate is among them).

    >>> rng = np.random.default_rng(0)
    >>> se = quantile_mc_se(rng.normal(size=40000), 0.025)
    >>> bool(abs(se - np.sqrt(0.025 * 0.975 / 40000) / stats.norm.pdf(1.96)) < 0.002)
    True
    """
    values = np.sort(np.asarray(replicates, dtype=float))
    b = len(values)
    half = np.sqrt(b * q * (1 - q))
    low = values[max(int(np.floor(b * q - half)), 0)]
    high = values[min(int(np.ceil(b * q + half)), b - 1)]
    if not np.isfinite([low, high]).all():
        return float("inf")
    return float((high - low) / 2)


def stable_digits(mc_se: float, wanted: int, fraction: float = MC_SE_FRACTION) -> int:
    """Return the most digits (at most *wanted*, at least 0) whose last unit exceeds ``mc_se / fraction``.

    >>> stable_digits(0.001, 2), stable_digits(0.004, 2), stable_digits(0.03, 2), stable_digits(2.0, 2)
    (2, 1, 0, 0)
    """
    digits = wanted
    while digits > 0 and mc_se >= fraction * 10.0 ** (-digits):
        digits -= 1
    return digits


def resamples_needed(mc_se: float, n_boot: int, digits: int, fraction: float = MC_SE_FRACTION) -> int:
    """Return the resamples that bring *mc_se* (seen with *n_boot*) below ``fraction`` of a unit of *digits*.

    The SE of a quantile falls as ``1 / sqrt(B)``.

    >>> resamples_needed(0.004, 1000, 2)  # (0.004 / 0.0025)^2 x 1000 = 2560
    2560
    """
    if not np.isfinite(mc_se):
        return n_boot
    target = fraction * 10.0 ** (-digits)
    return int(np.ceil(n_boot * max(mc_se / target, 1.0) ** 2 - 1e-9))


def bootstrap_to_precision(
    draw,
    printed: dict,
    alpha: float,
    seed: int,
    start: int = 2000,
    max_boot: int = 40000,
    fraction: float = MC_SE_FRACTION,
):
    """Run a bootstrap until its percentile limits are stable to the printed digits, or to *max_boot*.

    Parameters
    ----------
    draw : callable
        ``draw(n, seed_sequence) -> DataFrame`` of *n* replicates (one column per
        statistic), drawing with ``numpy.random.default_rng(seed_sequence)``.
    printed : dict
        ``{column: (transform, digits)}``: how each statistic is printed (a
        monotone transform such as ``np.exp`` or ``100 * x``, and the wanted
        decimals on that scale). Only these columns steer the resample count.
    alpha : float
        1 - confidence level of the percentile intervals.
    seed : int
        Base seed; batch ``i`` draws with seed sequence ``[seed, i]``.
    start, max_boot : int
        First batch size and the most resamples allowed.
    fraction : float
        The rule: Monte Carlo SE of each limit below ``fraction`` of one unit
        of the last printed digit (:data:`MC_SE_FRACTION`).

    Returns
    -------
    (DataFrame, DataFrame)
        The replicates, and per printed column (:func:`percentile_precision`):
        ``low, high`` (on the printed scale), ``mc_se_low, mc_se_high``,
        ``digits`` (the wanted digits, fewer where *max_boot* resamples cannot
        make them stable), ``stable_low, stable_high`` and ``n_boot``.
    """
    parts = [draw(start, [seed, 0])]
    while True:
        reps = pd.concat(parts, ignore_index=True)
        summary = percentile_precision(reps, printed, alpha, fraction)
        needed = len(reps)
        for row in summary.itertuples():
            ses = [v for v in (row.mc_se_low, row.mc_se_high) if np.isfinite(v)]
            if not ses:
                continue
            # the most digits (up to the wanted ones) that max_boot resamples can make stable
            for digits in range(row.wanted, -1, -1):
                count = resamples_needed(max(ses), len(reps), digits, fraction)
                if count <= max_boot or digits == 0:
                    needed = max(needed, min(count, max_boot))
                    break
        if needed <= len(reps):
            return reps, summary
        parts.append(draw(needed - len(reps), [seed, len(parts)]))


def percentile_precision(replicates: pd.DataFrame, printed: dict, alpha: float,
                         fraction: float = MC_SE_FRACTION) -> pd.DataFrame:
    """Return the percentile limits of the *printed* columns with their Monte Carlo SEs and stable digits.

    See :func:`bootstrap_to_precision` for *printed*; infinite limits have an
    infinite SE and do not reduce the digits (an unbounded end prints no digits).
    ``stable_low`` / ``stable_high`` say whether a limit meets the rule at
    ``digits`` (False only when even whole units are Monte Carlo noise: such a
    limit is not a result).
    """
    rows = []
    for column, (transform, wanted) in printed.items():
        values = np.asarray(transform(replicates[column].to_numpy(float)), dtype=float)
        low, high = percentile_ci(values, alpha)
        se_low, se_high = (quantile_mc_se(values, q) for q in (alpha / 2, 1 - alpha / 2))
        finite = [s for s, v in ((se_low, low), (se_high, high)) if np.isfinite(v)]
        digits = stable_digits(max(finite), wanted, fraction) if finite else wanted
        stable = [s < fraction * 10.0 ** (-digits) for s in finite]
        rows.append({"statistic": column, "low": low, "high": high, "mc_se_low": se_low if np.isfinite(low) else np.nan,
                     "mc_se_high": se_high if np.isfinite(high) else np.nan, "wanted": wanted, "digits": digits,
                     "stable_low": bool(not np.isfinite(low) or stable[0]),
                     "stable_high": bool(not np.isfinite(high) or stable[-1]), "n_boot": len(values)})
    return pd.DataFrame(rows).set_index("statistic")


def monte_carlo_share_se(share: float, replicates: int) -> float:
    """Return the binomial Monte Carlo SE of a share of *replicates* (e.g. resamples).

    >>> round(monte_carlo_share_se(0.2, 10000), 4)
    0.004
    """
    return float(np.sqrt(share * (1 - share) / replicates)) if replicates > 0 else float("nan")
