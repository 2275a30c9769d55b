"""Every project path, from one place (never from the current directory)."""

from __future__ import annotations

from pathlib import Path

#: Repository root (the folder holding ``_config.yml``).
ROOT = Path(__file__).resolve().parents[3]
DATA_DIR = ROOT / "data"
CHAPTERS_DIR = ROOT / "chapters"
BUILD_DIR = ROOT / "_build"
HTML_DIR = BUILD_DIR / "html"
CONFIG_FILE = ROOT / "_config.yml"
TOC_FILE = ROOT / "_toc.yml"
CITATION_FILE = ROOT / "CITATION.cff"


def resolve_data_source(data_source: str | Path, root: Path = ROOT) -> Path:
    """Return *data_source* as an absolute path.

    A relative path is taken from *root* (default: the repository root, so the chapters'
    default ``"data"`` works wherever the kernel starts), unless it names an existing
    folder relative to the current directory, as a user typing a path expects.

    >>> resolve_data_source("data") == DATA_DIR
    True
    """
    path = Path(data_source).expanduser()
    if path.is_absolute():
        return path
    if path.is_dir() and path.resolve() != (Path(root) / path).resolve():
        return path.resolve()
    return (Path(root) / path).resolve()
