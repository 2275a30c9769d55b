"""The Excel template is byte-reproducible: two runs write identical bytes."""

from __future__ import annotations

import time

from helpers.data.templates import write_workbook_template


def test_two_runs_seconds_apart_write_the_same_workbook_bytes(tmp_path):
    first = write_workbook_template(tmp_path / "a", rows=50).read_bytes()
    time.sleep(1.1)  # openpyxl stamps the save time (to the second) into the zip and core.xml
    second = write_workbook_template(tmp_path / "b", rows=50).read_bytes()
    assert first == second and first[:2] == b"PK"
