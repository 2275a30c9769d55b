"""The chapter's results ledger (helpers.report.ledger): what each number is glued as."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.report.chapter import start_chapter
from helpers.report.ledger import ResultsLedger


@pytest.fixture
def glued(monkeypatch):
    """Capture what the ledger glues: {name: value or Markdown text}."""
    import myst_nb

    seen: dict = {}
    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display=True: seen.__setitem__(name, value))
    return seen


@pytest.mark.parametrize(("value", "digits", "text"), [
    (0.000285, 3, "< 0.001"), (0.0004, 3, "< 0.001"), (0.0005, 3, "0.001"), (0.027, 3, "0.027"),
    (0.004, 2, "< 0.01"), (0.0, 3, "< 0.001"),
])
def test_a_p_value_too_small_for_its_digits_reads_as_an_upper_bound(glued, value, digits, text):
    ledger = ResultsLedger("demo")
    ledger.report("p", value, unit="p", n=10, n_unit="mice", method="t-test", description="demo", digits=digits)
    assert glued["p"] == value  # the number itself is glued unrounded
    assert glued["p_text"].data == text


def test_other_numbers_keep_their_digits_and_a_true_minus_sign(glued):
    ledger = ResultsLedger("demo")
    ledger.report("slope", -0.0123, unit="per day", n=10, n_unit="mice", method="OLS", description="demo", digits=3)
    assert glued["slope_text"].data == "−0.012"


# --------------------------------------------------------------------------- one call per estimate


def test_estimates_records_each_row_and_its_p_value_with_the_scoped_defaults():
    ledger = ResultsLedger("ch", glue=False)
    mice = ledger.using(n_unit="mice", method="OLS", ci_level=0.9)
    table = pd.DataFrame({"ratio": [1.5, 0.8], "lo": [1.1, 0.6], "hi": [2.0, 1.1], "n_mice": [10, 12],
                          "p_adj": [0.012, 0.4]}, index=pd.Index(["KO", "het"], name="genotype"))
    mice.estimates(table, "ratio_{genotype}", value="ratio", ci=("lo", "hi"), n="n_mice", unit="ratio",
                   description=lambda row: f"{row.name}/WT", p="p_adj", p_key="p_adj_{genotype}")
    rows = ledger.table().set_index("key")
    assert list(rows.index) == ["ratio_KO", "p_adj_KO", "ratio_het", "p_adj_het"]
    assert rows.loc["ratio_het", ["value", "ci_low", "ci_high", "ci_level", "n"]].tolist() == [0.8, 0.6, 1.1, 0.9, 12]
    assert rows.loc["p_adj_KO", "unit"] == "p" and rows.loc["p_adj_KO", "n"] == 10
    assert rows.loc["p_adj_KO", "description"] == "p-value of KO/WT"
    assert pd.isna(rows.loc["p_adj_KO", "ci_low"]) and (rows["n_unit"] == "mice").all()
    assert ledger.text("p_adj_KO") == "0.012"


def test_a_template_naming_a_missing_column_and_an_unknown_keyword_are_refused():
    ledger = ResultsLedger("ch", glue=False)
    table = pd.DataFrame({"ratio": [1.5], "n_mice": [3]})
    with pytest.raises(KeyError, match=r"names \{genotype\}, which is not a column"):
        ledger.estimates(table, "ratio_{genotype}", value="ratio", n="n_mice", n_unit="mice", unit="ratio",
                         method="OLS", description="d")
    with pytest.raises(TypeError, match="unexpected keyword.*n_units"):
        ledger.estimate("x", 1.0, n_units=3)


def test_count_and_parameter_need_no_method_and_the_chapter_level_is_the_default():
    ledger = start_chapter("demo", "data", show=False, glue=False, alpha=0.1).ledger
    ledger.count("n_mice", 14, "mice", "mice")
    ledger.parameter("alpha", 0.1, "probability", "alpha")
    ledger.estimate("d", 2.0, (1.0, 3.0), n=5, n_unit="mice", unit="ratio", method="OLS", description="d")
    rows = ledger.table().set_index("key")
    assert rows.loc["n_mice", ["n", "method"]].tolist() == [14, "count"] and ledger.text("n_mice") == "14"
    assert rows.loc["alpha", "method"] == "parameter" and pd.isna(rows.loc["alpha", "n"])
    assert rows.loc["d", "ci_level"] == pytest.approx(0.9)


def test_record_takes_a_results_table_with_its_own_columns_and_defaults_for_the_rest():
    ledger = ResultsLedger("ch", glue=False).using(method="OLS")
    table = pd.DataFrame({"key": ["d_KO", "p_KO"], "value": [1.5, 0.0004], "ci_low": [1.1, float("nan")],
                          "ci_high": [2.0, float("nan")], "unit": ["ratio", "p"], "digits": [2, 3],
                          "description": ["KO/WT", "p, KO vs WT"]})
    first, second = ledger.record(table, n=9, n_unit="mice")
    assert (first.ci_low, first.ci_high, first.ci_level, first.method, first.n) == (1.1, 2.0, 0.95, "OLS", 9)
    assert second.ci_low is None and ledger.text("p_KO") == "< 0.001"
