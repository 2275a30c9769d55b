"""Disease course: the results tables of the survival analysis, in the ledger's words.

The survival statistics themselves live in :mod:`helpers.stats.survival`; this module turns
its medians, hazard ratios and log-rank test into tables that ``ResultsLedger.record`` records
in one call.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: How the median ages and their intervals are computed (``survival.median_times``).
MEDIAN_METHOD = ("Kaplan-Meier median (midpoint of a flat segment exactly at 0.5, decided on counts; "
                 "R survival convention); CI from the log-log band")

#: How the hazard ratios and their intervals are computed (``survival.fit_cox``).
COX_METHOD = "Cox PH (Efron ties), Wald CI"

RECORD_COLUMNS = ["key", "value", "ci_low", "ci_high", "n", "unit", "digits", "method", "description"]


def median_results(medians: pd.DataFrame, event_name: str) -> pd.DataFrame:
    """Return one row per group whose median age at *event_name* is reached (finite).

    A median is shown to one decimal when it or a finite bound falls on a half day
    (the midpoint rule), else to whole days. Groups not reached are left out.
    """
    reached = medians[np.isfinite(medians["median"])]
    bounds = reached[["median", "ci_low", "ci_high"]].to_numpy(dtype=float)
    half_day = (np.isfinite(bounds) & (np.nan_to_num(bounds, posinf=0, neginf=0) % 1 != 0)).any(axis=1)
    return pd.DataFrame({"key": "median_" + reached["group"].astype(str), "value": reached["median"],
                         "ci_low": reached["ci_low"], "ci_high": reached["ci_high"], "n": reached["n"],
                         "unit": "days", "digits": np.where(half_day, 1, 0), "method": MEDIAN_METHOD,
                         "description": [f"median age at {event_name}, {g}" for g in reached["group"]]},
                        columns=RECORD_COLUMNS).reset_index(drop=True)


def hazard_results(cox: pd.DataFrame, event_name: str, reference: str, n_mice: int) -> pd.DataFrame:
    """Return one row per hazard ratio of *cox* (``survival.fit_cox``) against *reference*.

    Keys ``hr_<group>``, with the Wald interval, in the unit "hazard ratio"; every row rests
    on all *n_mice* mice of the model.

    >>> cox = pd.DataFrame({"group": ["KO"], "hr": [2.0], "hr_ci_low": [1.2], "hr_ci_high": [3.5]})
    >>> hazard_results(cox, "paralysis", "wild type", 20)[["key", "value", "n", "description"]].values.tolist()
    [['hr_KO', 2.0, 20, 'hazard of paralysis, KO vs wild type']]
    """
    return pd.DataFrame({"key": "hr_" + cox["group"].astype(str), "value": cox["hr"], "ci_low": cox["hr_ci_low"],
                         "ci_high": cox["hr_ci_high"], "n": n_mice, "unit": "hazard ratio", "method": COX_METHOD,
                         "description": [f"hazard of {event_name}, {g} vs {reference}" for g in cox["group"]]},
                        columns=RECORD_COLUMNS).reset_index(drop=True)


def logrank_results(test, event_name: str) -> pd.DataFrame:
    """Return the log-rank test (``survival.logrank``) as three rows: chi-square, its df and its p-value."""
    return pd.DataFrame([
        {"key": "logrank_chi2", "value": test.statistic, "unit": "chi-square", "method": f"log-rank test, {test.df} df",
         "description": f"equal time to {event_name} in all genotypes"},
        {"key": "logrank_df", "value": test.df, "unit": "df", "method": "genotypes - 1", "digits": 0,
         "description": "degrees of freedom of the log-rank test"},
        {"key": "logrank_p", "value": test.p_value, "unit": "p-value", "method": "log-rank test", "digits": 4,
         "description": f"p-value for equal time to {event_name}"},
    ], columns=RECORD_COLUMNS)
