"""The chapter's results ledger (helpers.report.ledger): what each number is glued as."""

from __future__ import annotations

import pytest

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
