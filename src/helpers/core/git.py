"""The commit the book is built from."""

from __future__ import annotations

import subprocess
from pathlib import Path

from helpers.core.paths import ROOT


def git_commit(root: Path = ROOT) -> str:
    """Return the commit of *root* (``<sha>-dirty`` with uncommitted changes; ``""`` outside git)."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
    return f"{sha}-dirty" if dirty else sha
