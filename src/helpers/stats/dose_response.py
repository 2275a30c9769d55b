"""Four-parameter logistic (4PL) dose-response fits with the culture as the unit.

The curve is ``y = bottom + (top - bottom) / (1 + (dose / EC50) ** hill)``,
fitted on the log-EC50 scale so that a dose of 0 (vehicle) is allowed. Each
independent culture is fitted on its own; the per-culture log EC50s are then
combined by ordinary least squares on genotype, so the confidence intervals
use the spread *between cultures* (t with ``n_cultures - n_genotypes``
degrees of freedom), never the wells or doses as if they were replicates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import optimize, stats


def four_pl(dose, top: float, bottom: float, log_ec50: float, hill: float) -> np.ndarray:
    """Return the 4PL curve at *dose* (natural-log EC50; a dose of 0 gives *top*).

    Examples
    --------
    >>> round(float(four_pl(10.0, 1.0, 0.0, np.log(10.0), 2.0)), 12)
    0.5
    >>> float(four_pl(0.0, 0.9, 0.1, 0.0, 1.0))
    0.9
    """
    dose = np.asarray(dose, dtype=float)
    return bottom + (top - bottom) / (1.0 + (dose / np.exp(log_ec50)) ** hill)


@dataclass(frozen=True)
class FourPLFit:
    """Least-squares 4PL parameters of one dose series."""

    top: float
    bottom: float
    log_ec50: float
    hill: float
    rmse: float

    @property
    def ec50(self) -> float:
        """EC50 on the dose scale."""
        return float(np.exp(self.log_ec50))


def _start_values(dose: np.ndarray, response: np.ndarray) -> list[float]:
    """Top and bottom from the lowest and highest dose, EC50 where the data cross halfway."""
    top = float(response[dose == dose.min()].mean())
    bottom = float(response[dose == dose.max()].mean())
    positive = np.unique(dose[dose > 0])
    means = np.array([response[dose == d].mean() for d in positive])
    half = (top + bottom) / 2.0
    crossed = np.nonzero((means - half) * np.sign(top - bottom) <= 0)[0]
    ec50 = positive[crossed[0]] if crossed.size else np.sqrt(positive.min() * positive.max())
    return [top, bottom, float(np.log(ec50)), 1.0]


def fit_four_pl(dose, response) -> FourPLFit:
    """Fit a 4PL curve to one dose series by bounded least squares.

    Parameters
    ----------
    dose : array-like
        Doses (0 allowed); at least two distinct positive doses.
    response : array-like
        Responses, same length.

    Returns
    -------
    FourPLFit
        The Hill slope is bounded to [0.1, 10] and the log EC50 to three
        natural-log units beyond the tested range, which keeps fits of noisy
        series finite without constraining any realistic curve.
    """
    dose = np.asarray(dose, dtype=float)
    response = np.asarray(response, dtype=float)
    positive = dose[dose > 0]
    if np.unique(positive).size < 2 or dose.size < 5:
        raise ValueError("a 4PL fit needs at least five points and two distinct positive doses")
    lower = [-np.inf, -np.inf, np.log(positive.min()) - 3.0, 0.1]
    upper = [np.inf, np.inf, np.log(positive.max()) + 3.0, 10.0]
    start = np.clip(_start_values(dose, response), np.array(lower) + 1e-9, np.array(upper) - 1e-9)
    params, _ = optimize.curve_fit(four_pl, dose, response, p0=start, bounds=(lower, upper),
                                   method="trf", xtol=1e-12, ftol=1e-12, gtol=1e-12, max_nfev=5000)
    rmse = float(np.sqrt(np.mean((response - four_pl(dose, *params)) ** 2)))
    return FourPLFit(*(float(p) for p in params), rmse=rmse)


def fit_per_unit(table: pd.DataFrame, response: str, *, unit: str = "culture_id",
                 group: str = "genotype", dose: str = "dose_um") -> pd.DataFrame:
    """Fit a 4PL curve per experimental unit; return one row per unit with its parameters.

    Returns
    -------
    DataFrame
        Columns *unit*, *group*, ``top, bottom, log_ec50, hill, rmse, ec50``.
    """
    rows = []
    for (unit_id, group_id), series in table.groupby([unit, group], sort=True, observed=True):
        fit = fit_four_pl(series[dose], series[response])
        rows.append({unit: unit_id, group: group_id, "top": fit.top, "bottom": fit.bottom,
                     "log_ec50": fit.log_ec50, "hill": fit.hill, "rmse": fit.rmse, "ec50": fit.ec50})
    return pd.DataFrame(rows)


def summarise_ec50(per_unit: pd.DataFrame, *, group: str = "genotype", reference: str | None = None,
                   alpha: float = 0.05) -> pd.DataFrame:
    """Combine per-unit log EC50s into an EC50 per group and a ratio versus *reference*.

    OLS of ``log_ec50`` on the group (one mean per group, pooled
    between-unit variance); t intervals with ``n_units - n_groups`` degrees of
    freedom. A group's EC50 is the geometric mean of its units' EC50s.

    Returns
    -------
    DataFrame
        One row per group: ``n_units, log_ec50, se, ec50, ec50_ci_low,
        ec50_ci_high`` and, when *reference* is given, ``ratio, ratio_ci_low,
        ratio_ci_high, ratio_p_value`` (EC50 of the group / EC50 of the
        reference; missing for the reference itself), plus ``df``.
    """
    data = per_unit[[group, "log_ec50"]].rename(columns={group: "g"})
    levels = sorted(data["g"].unique())
    reference = reference if reference is not None else levels[0]
    cell = smf.ols("log_ec50 ~ 0 + C(g)", data=data).fit()
    coded = smf.ols(f"log_ec50 ~ C(g, Treatment({reference!r}))", data=data).fit()
    t = stats.t.ppf(1 - alpha / 2, cell.df_resid)
    rows = []
    for level in levels:
        name = f"C(g)[{level}]"
        est, se = float(cell.params[name]), float(cell.bse[name])
        row = {group: level, "n_units": int((data["g"] == level).sum()), "log_ec50": est, "se": se,
               "ec50": np.exp(est), "ec50_ci_low": np.exp(est - t * se), "ec50_ci_high": np.exp(est + t * se),
               "df": float(cell.df_resid)}
        term = f"C(g, Treatment({reference!r}))[T.{level}]"
        if term in coded.params:
            diff, dse = float(coded.params[term]), float(coded.bse[term])
            row.update(ratio=np.exp(diff), log_ratio=diff, log_ratio_se=dse,
                       ratio_ci_low=np.exp(diff - t * dse), ratio_ci_high=np.exp(diff + t * dse),
                       ratio_p_value=float(coded.pvalues[term]))
        rows.append(row)
    return pd.DataFrame(rows)


def group_curve(per_unit: pd.DataFrame, doses, *, group: str = "genotype") -> pd.DataFrame:
    """Return the typical curve of each group on *doses*: mean parameters, geometric-mean EC50."""
    doses = np.asarray(doses, dtype=float)
    means = per_unit.groupby(group, observed=True)[["top", "bottom", "log_ec50", "hill"]].mean()
    frames = [pd.DataFrame({group: level, "dose": doses, "fitted": four_pl(doses, *row)})
              for level, row in zip(means.index, means.to_numpy(), strict=True)]
    return pd.concat(frames, ignore_index=True)
