"""Values as a reader reads them: intervals in words where a limit is infinite, no raw Python values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers.report.values import RAW_VALUE, format_interval, format_parameter, format_value


@pytest.mark.parametrize(("low", "high", "text"), [
    (0.27328820276043814, 1.5, "0.273 to 1.500"),
    (0.27328820276043814, math.inf, "0.273, open above"),
    (-math.inf, 12.345, "open below, 12.35"),
    (-math.inf, math.inf, "not bounded"),
    (math.nan, 1.0, "–"),
    (None, 2.0, "–"),
])
def test_intervals_read_as_intervals(low, high, text):
    assert format_interval(low, high) == text
    assert not RAW_VALUE.search(text)


@pytest.mark.parametrize(("value", "text"), [
    (np.float64(0.123456), "0.123"), (np.int64(12345), "12,345"), (pd.NA, "–"), (None, "–"), (np.nan, "–"),
    (math.inf, "open above"), (-math.inf, "open below"), ((0.031111391982225362, 0.39577665781085225), "0.031 to 0.396"),
    (np.bool_(True), "True"), ("SOD1_G85R", "SOD1_G85R"),
])
def test_every_value_is_formatted_for_a_reader(value, text):
    assert format_value(value) == text


def test_a_parameter_left_unset_reads_not_set():
    assert format_parameter("seed", None) == "seed not set"
    assert format_parameter("alpha", 0.05) == "alpha=0.05"
    assert format_parameter("region", "motor_cortex", " = ", literal=True) == "region = 'motor_cortex'"


@pytest.mark.parametrize("raw", ["seed=None", "(0.2732882027604383, inf)", "<NA>", "nan", "-inf", "np.float64(0.3)"])
def test_the_raw_value_pattern_finds_what_python_prints(raw):
    assert RAW_VALUE.search(f"the value {raw} here")


@pytest.mark.parametrize("prose", ["seed, when not None, replaces", "an infinite limit", "information", "(1, 2)"])
def test_the_raw_value_pattern_leaves_prose_alone(prose):
    assert not RAW_VALUE.search(prose)
