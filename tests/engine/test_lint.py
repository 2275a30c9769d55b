"""Ruff passes on the code, the tests and the chapter notebooks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers.core.paths import ROOT


def test_ruff_is_clean():
    ruff = Path(sys.executable).with_name("ruff")
    proc = subprocess.run([str(ruff), "check", "src", "tests", "chapters"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
