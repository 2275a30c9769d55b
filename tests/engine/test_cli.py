"""One command-line entry: every command reaches its module, and the Makefile uses only it."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys

import pytest

from helpers.core.paths import ROOT
from helpers.engine.cli import COMMANDS, main


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_a_main(command):
    module, _, text = COMMANDS[command]
    assert callable(importlib.import_module(module).main) and text


def test_python_dash_m_helpers_dispatches(tmp_path):
    run = subprocess.run([sys.executable, "-m", "helpers", "simulate", str(tmp_path / "d"), "--seed", "4"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "d" / "human_blot.csv").is_file() and '"seed": 4' in (tmp_path / "d" / "dataset.json").read_text()


def test_unknown_command_is_refused(capsys):
    assert main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().out


def test_makefile_calls_the_project_only_through_the_one_entry():
    makefile = (ROOT / "Makefile").read_text()
    assert not re.search(r"python -m helpers\.", makefile)
    used = set(re.findall(r"python -m helpers ([a-z-]+)", makefile))
    assert used and used <= set(COMMANDS)
