"""The disease-course results tables: keys, digits (the half-day rule) and the log-rank rows."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from helpers.analysis import disease_course


def test_median_results_leave_out_unreached_medians_and_show_half_days():
    medians = pd.DataFrame({"group": ["WT", "KO", "HET"], "n": [10, 12, 9], "median": [120.0, np.inf, 98.5],
                            "ci_low": [110.0, 100.0, 90.0], "ci_high": [np.inf, np.inf, 101.0]})
    table = disease_course.median_results(medians, "onset")
    assert list(table["key"]) == ["median_WT", "median_HET"]
    assert list(table["value"]) == [120.0, 98.5] and list(table["n"]) == [10, 9]
    assert list(table["digits"]) == [0, 1]
    assert table.loc[1, "description"] == "median age at onset, HET"
    assert (table["method"] == disease_course.MEDIAN_METHOD).all()


def test_a_half_day_bound_alone_asks_for_one_decimal():
    medians = pd.DataFrame({"group": ["WT"], "n": [5], "median": [100.0], "ci_low": [99.5], "ci_high": [np.nan]})
    assert disease_course.median_results(medians, "death")["digits"].tolist() == [1]


def test_logrank_results_are_chi_square_df_and_p_in_that_order():
    test = SimpleNamespace(statistic=6.25, df=2, p_value=0.0439)
    table = disease_course.logrank_results(test, "onset")
    assert list(table["key"]) == ["logrank_chi2", "logrank_df", "logrank_p"]
    assert list(table["value"]) == [6.25, 2, 0.0439]
    assert table.loc[0, "method"] == "log-rank test, 2 df" and table.loc[2, "digits"] == 4
    assert np.isnan(table.loc[0, "digits"])
