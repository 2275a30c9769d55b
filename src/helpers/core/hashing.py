"""One SHA-256 for the whole package: of bytes, of text, of files (memoized) and of source trees.

A *checksum-only* read of a data file (the data banner lists checksums; no result
depends on the bytes) is declared with :func:`checksum_only`: the build engine's
read recorder skips reads made inside that context, by an explicit marker, not by
recognising a function name.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

_state = threading.local()


@contextlib.contextmanager
def checksum_only() -> Iterator[None]:
    """Mark file reads inside the block as checksum-only (not inputs of any result).

    >>> reading_for_checksum_only()
    False
    >>> with checksum_only():
    ...     reading_for_checksum_only()
    True
    """
    depth = getattr(_state, "depth", 0)
    _state.depth = depth + 1
    try:
        yield
    finally:
        _state.depth = depth


def reading_for_checksum_only() -> bool:
    """Return True inside a :func:`checksum_only` block (of this thread)."""
    return getattr(_state, "depth", 0) > 0


def sha256_bytes(data: bytes) -> str:
    """Return the hex SHA-256 of *data*.

    >>> sha256_bytes(b"")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(data).hexdigest()


def sha256_text(*parts: str) -> str:
    """Return the SHA-256 of text parts joined by the unit separator (unambiguous for any parts)."""
    return sha256_bytes("\x1f".join(parts).encode("utf-8"))


def sha256_of(path: str | Path) -> str:
    """Return the hex SHA-256 of a file's bytes; the read is checksum-only."""
    with checksum_only(), open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


class Hasher:
    """SHA-256 of files, memoized for one build (``None`` for a missing file)."""

    def __init__(self) -> None:
        self._memo: dict[str, str | None] = {}

    def __call__(self, path: Path | str) -> str | None:
        key = os.path.abspath(path)
        if key not in self._memo:
            try:
                self._memo[key] = sha256_of(key)
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                self._memo[key] = None
        return self._memo[key]

    def forget(self, path: Path | str) -> None:
        """Drop the memoized hash of *path* (a file rewritten during the build is hashed again)."""
        self._memo.pop(os.path.abspath(path), None)


def fingerprint_sources(folders: Iterable[Path], relative_to: Path) -> str:
    """Return the SHA-256 over the names and bytes of every ``*.py`` file under *folders*."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(Path(folder).rglob("*.py")):
            digest.update(path.relative_to(relative_to).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


PACKAGE_DIR = Path(__file__).resolve().parents[1]


def package_fingerprint(*layers: str) -> str:
    """Return the fingerprint of the ``helpers`` sources, or of the named layers only.

    >>> package_fingerprint("core") != package_fingerprint("core", "stats")
    True
    """
    folders = [PACKAGE_DIR / layer for layer in layers] if layers else [PACKAGE_DIR]
    return fingerprint_sources(folders, PACKAGE_DIR)
