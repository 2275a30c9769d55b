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


def test_hazard_results_keep_the_groups_order_intervals_and_the_model_n():
    cox = pd.DataFrame({"group": ["HET", "KO"], "hr": [1.25, 3.0], "hr_ci_low": [0.5, 1.5],
                        "hr_ci_high": [3.1, 6.0]}, index=[4, 7])
    table = disease_course.hazard_results(cox, "end stage", "WT", n_mice=30)
    assert list(table["key"]) == ["hr_HET", "hr_KO"] and list(table.index) == [0, 1]
    assert list(table["value"]) == [1.25, 3.0] and list(table["ci_low"]) == [0.5, 1.5]
    assert list(table["ci_high"]) == [3.1, 6.0] and list(table["n"]) == [30, 30]
    assert list(table["description"]) == ["hazard of end stage, HET vs WT", "hazard of end stage, KO vs WT"]
    assert (table["unit"] == "hazard ratio").all() and (table["method"] == disease_course.COX_METHOD).all()
    assert table["digits"].isna().all()  # the ledger's default, 2


def test_no_hazard_ratio_gives_an_empty_table():
    empty = pd.DataFrame(columns=["group", "log_hr", "se", "hr", "hr_ci_low", "hr_ci_high", "p_value"])
    assert disease_course.hazard_results(empty, "onset", "WT", n_mice=12).empty
