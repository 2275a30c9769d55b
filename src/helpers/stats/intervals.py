"""One interval type and one way to write intervals, for every layer above.

:class:`Effect` is the result of every model contrast on the log scale (estimate,
standard error, interval, p-value, residual df, number of experimental units);
:func:`ci_text` and :func:`format_number` write numbers and intervals for pages
and the ledger; :func:`t_interval` and :func:`percentile_ci` are the two ways an
interval is made (t on the between-unit df, or bootstrap percentiles).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
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
