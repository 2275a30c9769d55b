"""The package's floors: import-linter's contracts hold, and they catch a deliberate violation.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``). The second
test copies the package, adds one forbidden import and checks that the same
contracts fail on the copy, so a contract that could never fail is caught too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.core.paths import ROOT

LINT = Path(sys.executable).with_name("lint-imports")


def lint(package_parent: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run([str(LINT), str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_import_contracts_hold():
    result = lint(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("analysis/leak.py", "from helpers.data.truths import MOUSE_COHORT\n", "Analyses of real data never read"),
        ("data/upward.py", "from helpers.engine import build\n", "Layers"),
        ("report/side.py", "from helpers.simstudies import power\n", "Layers"),
    ],
)
def test_a_deliberate_violation_breaks_a_contract(tmp_path, module, line, contract):
    copy = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "helpers", copy / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "helpers" / module).write_text(line, encoding="utf-8")
    result = lint(copy, cwd=tmp_path)
    assert result.returncode != 0, result.stdout
    assert f"{contract}" in result.stdout and "BROKEN" in result.stdout
