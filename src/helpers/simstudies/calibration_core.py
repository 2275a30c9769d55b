"""The vocabulary of a calibration: an interval, a design, an estimator, and the bands they must meet.

Shared by the runner (:mod:`helpers.simstudies.calibration`) and the registry of the
book's designs and estimators (:mod:`helpers.simstudies.calibration_registry`).
"""


import math
from collections.abc import Callable
from dataclasses import dataclass

from scipy import stats

from helpers.core.paths import ROOT

#: Where ``make calibrate`` writes the full calibration table (committed).
REFERENCE_FILE = ROOT / "reference" / "calibration.csv"
#: Columns of the calibration table, in file order.
CALIBRATION_COLUMNS = [
    "estimator", "kind", "replicates", "value", "mc_se", "lower_band", "upper_band", "inside_band",
    "failed", "alpha",
]
#: Half-width of the acceptance band, as a fraction of ``alpha``.
BAND_FRACTION = 0.3


@dataclass(frozen=True)
class Interval:
    """What an estimator returns for one dataset: estimate, confidence interval, p-value."""

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float


@dataclass(frozen=True)
class Design:
    """A way to simulate a dataset of the book and the true value of its target.

    Parameters
    ----------
    name : str
        Registry key.
    simulate : callable
        ``simulate(seed, null) -> data``; with ``null=True`` the target effect is zero.
    truth : callable
        ``truth(null) -> float``, the value the estimators target.
    """

    name: str
    simulate: Callable[[int, bool], object]
    truth: Callable[[bool], float]


@dataclass(frozen=True)
class Estimator:
    """An analysis of a :class:`Design`'s datasets.

    Parameters
    ----------
    name : str
        Registry key (also the ``estimator`` column of the calibration table).
    design : str
        Name of the design whose datasets it analyses.
    fit : callable
        ``fit(data, alpha) -> Interval``.
    label : str
        One line for tables and figures.
    role : {"book", "naive"}
        ``"book"``: the estimator a chapter uses; ``"naive"``: a tempting
        alternative shown for comparison.
    """

    name: str
    design: str
    fit: Callable[[object, float], Interval]
    label: str
    role: str = "book"


def acceptance_band(kind: str, alpha: float = 0.05) -> tuple[float, float]:
    """Return the (lower, upper) acceptance band for coverage or type I error.

    Examples
    --------
    >>> [round(v, 4) for v in acceptance_band("coverage")]
    [0.935, 0.965]
    >>> [round(v, 4) for v in acceptance_band("type_I")]
    [0.035, 0.065]
    """
    half = BAND_FRACTION * alpha
    if kind == "coverage":
        return 1 - alpha - half, 1 - alpha + half
    if kind == "type_I":
        return alpha - half, alpha + half
    raise ValueError(f"kind must be 'coverage' or 'type_I', got {kind!r}")


def monte_carlo_se(share: float, replicates: int) -> float:
    """Return the binomial Monte Carlo standard error of a share over *replicates*.

    >>> round(monte_carlo_se(0.95, 1000), 5)
    0.00689
    """
    return math.sqrt(share * (1 - share) / replicates) if replicates > 0 else math.nan


# --------------------------------------------------------------------------
# Interval helpers shared by the estimators
# --------------------------------------------------------------------------
def wald_interval(estimate: float, se: float, alpha: float, df: float | None = None) -> Interval:
    """Return the Wald interval and two-sided p-value, t-based if *df* is given, else z-based.

    >>> z = wald_interval(1.0, 0.5, 0.05)
    >>> round(z.ci_low, 3), round(z.p_value, 4)
    (0.02, 0.0455)
    >>> round(wald_interval(1.0, 0.5, 0.05, df=4).ci_low, 3)
    -0.388
    """
    dist = stats.norm if df is None else stats.t(df)
    quantile = dist.ppf(1 - alpha / 2)
    p_value = 2 * dist.sf(abs(estimate / se))
    return Interval(float(estimate), float(estimate - quantile * se), float(estimate + quantile * se), float(p_value))
