"""Open the chapters in JupyterLab, ready to rerun: the project's kernel, ``helpers`` importable, data found.

``python -m helpers lab`` (what ``make lab`` runs) starts the JupyterLab of the
project's ``.venv`` with the chapter folder as its root. The kernel is the
``python3`` kernel installed into the ``.venv`` by ``make setup`` (so it runs
the pinned packages and the editable ``helpers`` package); :data:`KERNEL_ENV`
puts the ``src`` folder on its path too, so a kernel started from another
environment still imports this checkout's ``helpers``. A chapter's default
``data_source = "data"`` is resolved from the repository root
(:func:`helpers.core.paths.resolve_data_source`), so it finds ``data/`` although
the kernel starts in ``chapters/``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from helpers.core.paths import CHAPTERS_DIR, ROOT


def lab_environment(base: dict | None = None) -> dict:
    """Return the environment of the JupyterLab server: ``src`` on PYTHONPATH, the ``.venv`` first on PATH."""
    env = dict(os.environ if base is None else base)
    src = str(ROOT / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in (bin_dir, env.get("PATH", "")) if p)
    env.pop("MPLBACKEND", None)  # the kernel's inline backend, not a headless one inherited from a shell
    return env


def lab_command(port: int | None = None, *, browser: bool = True, token: str | None = None,
                root: Path = CHAPTERS_DIR) -> list[str]:
    """Return the command that starts JupyterLab on *root* (the chapter folder)."""
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}", "--ServerApp.ip=127.0.0.1",
           "--MappingKernelManager.default_kernel_name=python3"]
    if port is not None:
        cmd += [f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    if not browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers (CI, Binder-like images) often run as root
    if token is not None:
        cmd.append(f"--IdentityProvider.token={token}")
    return cmd


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m helpers lab [--port N] [--no-browser]``."""
    parser = argparse.ArgumentParser(prog="python -m helpers lab", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=None, help="port (default: JupyterLab's, 8888 or the next free)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser window")
    args = parser.parse_args(argv)
    print(f"JupyterLab on {CHAPTERS_DIR.relative_to(ROOT)}/ (Ctrl-C twice to stop)", flush=True)
    try:
        return subprocess.call(lab_command(args.port, browser=not args.no_browser), env=lab_environment(),
                               cwd=CHAPTERS_DIR)
    except KeyboardInterrupt:
        return 0
