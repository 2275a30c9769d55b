"""Tables for a reader: no row numbers or "index" header, values formatted, a named region around each."""

from __future__ import annotations

import math

import pandas as pd

from helpers.report.tables import show_table


def test_an_interval_column_and_missing_counts_read_as_words():
    frame = pd.DataFrame({"quantity": ["naive", "corrected"], "estimate": [0.2, 1.046],
                          "ci": [(0.031111391982225362, 0.39577665781085225), (0.2732882027604383, math.inf)],
                          "n": pd.array([60, None], dtype="Int64")})
    html = show_table(frame)._repr_html_()
    assert "0.031 to 0.396" in html and "0.273, open above" in html
    assert "inf" not in html and "&lt;NA&gt;" not in html and "(0.27" not in html
    assert show_table(frame).cells()["n"].tolist() == ["60", "–"]


def test_row_numbers_left_by_filtering_are_not_shown():
    frame = pd.DataFrame({"genotype": ["WT", "SOD1", "TBK1"], "p": [0.5, 0.01, 0.2]}).sort_values("p").head(2)
    table = show_table(frame)
    assert not table.show_index and list(table.cells().columns) == ["genotype", "p"]
    assert ">index<" not in table._repr_html_()


def test_a_labelled_series_has_row_headers_and_no_index_header():
    row = pd.DataFrame({"genotype": ["SOD1"], "estimate": [0.42]}, index=[4]).iloc[0]
    html = show_table(row)._repr_html_()
    assert '<th scope="col" style="text-align:left">value</th>' in html  # not the row number 4
    assert '<th scope="row" style="text-align:left">genotype</th>' in html
    assert "<thead><tr><td " in html and ">index<" not in html and ">4<" not in html
    assert show_table(row)._repr_markdown_().splitlines()[0] == "|   | value |"


def test_a_named_index_is_a_column_of_row_headers():
    frame = pd.DataFrame({"value": [1.5]}, index=pd.Index(["rr_SOD1"], name="key"))
    html = show_table(frame)._repr_html_()
    assert '<th scope="col" style="text-align:left">key</th>' in html and '<th scope="row"' in html


def test_the_scrolling_region_is_named_by_the_caption_or_the_columns():
    frame = pd.DataFrame({"a": [1], "b": [2], "c": [3], "d": [4], "e": [5]})
    assert 'aria-label="Table of a, b, c, d, …"' in show_table(frame)._repr_html_()
    assert 'aria-label="Per-mouse means"' in show_table(frame, caption="Per-mouse means")._repr_html_()
