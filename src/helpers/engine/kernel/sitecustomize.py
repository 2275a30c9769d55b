"""``sitecustomize`` for the chapter kernels: the read recorder (imports nothing from ``helpers``).

Records, into the file named by ``HELPERS_BOOK_READ_LOG``, every file opened for
reading under the data roots (``HELPERS_BOOK_DATA_ROOTS``) and every module file
of the watched packages (``HELPERS_BOOK_PACKAGE_DIRS``) executed (the audit event
``exec`` sees modules imported by ``import`` and by ``importlib``). One line per
first sighting: ``start\\t<pid>``, ``file\\t<path>`` or ``module\\t<path>``.

A file read only to be checksummed (the data banner lists checksums; no result
depends on the bytes) is not an input and is not recorded. Such a read is marked
explicitly by ``helpers.core.hashing.checksum_only()``; the recorder asks
``helpers.core.hashing.reading_for_checksum_only()`` when that module is loaded
(looked up in ``sys.modules``, never imported from here). Nothing happens when
``HELPERS_BOOK_READ_LOG`` is unset.
"""

import os as _os
import sys as _sys

#: The module that owns the checksum-only marker (looked up, never imported).
CHECKSUM_MODULE = "helpers.core.hashing"


def reading_for_checksum_only() -> bool:
    """True if the current thread is inside ``helpers.core.hashing.checksum_only()``."""
    hashing = _sys.modules.get(CHECKSUM_MODULE)
    marker = getattr(hashing, "reading_for_checksum_only", None)
    return bool(marker()) if marker is not None else False


def _folders(variable: str) -> tuple[str, ...]:
    """The folders listed in environment *variable*, absolute, each ending with a separator."""
    value = _os.environ.get(variable, "")
    return tuple(_os.path.join(_os.path.abspath(r), "") for r in value.split(_os.pathsep)
                 if r and not _os.path.isfile(r))


def _files(variable: str) -> tuple[str, ...]:
    """The files (an Excel workbook as the data source) listed in environment *variable*, absolute."""
    value = _os.environ.get(variable, "")
    return tuple(_os.path.abspath(r) for r in value.split(_os.pathsep) if r and _os.path.isfile(r))


def install_recorder() -> bool:
    """Add the audit hook that records reads; return False (and do nothing) without a log file."""
    log = _os.environ.get("HELPERS_BOOK_READ_LOG")
    if not log:
        return False
    roots = _folders("HELPERS_BOOK_DATA_ROOTS")
    root_files = _files("HELPERS_BOOK_DATA_ROOTS")
    pkg_dirs = _folders("HELPERS_BOOK_PACKAGE_DIRS")
    seen = set()
    busy = []

    def emit(kind, value):
        if (kind, value) in seen:
            return
        seen.add((kind, value))
        fd = _os.open(log, _os.O_WRONLY | _os.O_APPEND | _os.O_CREAT, 0o644)
        try:
            _os.write(fd, (kind + "\t" + value + "\n").encode("utf-8", "surrogateescape"))
        finally:
            _os.close(fd)

    def on_open(path, mode, flags):
        if isinstance(path, int):
            return
        reading = ("r" in mode or "+" in mode) if isinstance(mode, str) else (
            (flags & 3) != _os.O_WRONLY)
        if not reading:
            return
        path = _os.path.abspath(_os.fsdecode(path))
        watched = path.startswith(roots) or path in root_files or (
            path.startswith(pkg_dirs) and not path.endswith((".py", ".pyc")))
        if watched and _os.path.isfile(path) and not reading_for_checksum_only():
            emit("file", path)

    def hook(event, args):
        if busy:
            return
        busy.append(1)
        try:
            if event == "open":
                on_open(args[0], args[1], args[2])
            elif event == "exec":
                path = getattr(args[0], "co_filename", "")
                if path.endswith(".py") and path.startswith(pkg_dirs):
                    emit("module", _os.path.abspath(path))
        except Exception:
            pass
        finally:
            busy.pop()

    emit("start", str(_os.getpid()))
    _sys.addaudithook(hook)
    return True


install_recorder()
