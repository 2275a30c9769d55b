"""The kernels' environment and the pre-started kernel server ("zygote").

Every chapter kernel runs with the read recorder as its ``sitecustomize``
(:mod:`helpers.engine.kernel.sitecustomize`). With the zygote, each kernel is forked
from one process that has imported the heavy third-party libraries once
(:data:`helpers.engine.book.ZYGOTE_PRELOAD`; never a ``helpers`` module), which saves
a few seconds of imports per chapter; ``--no-zygote`` starts plain kernels. The
zygote imports with the environment ipykernel gives a kernel (``MPLBACKEND`` inline;
``get_ipython()`` answering as a kernel), so import-time choices are a kernel's.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from helpers.engine.book import Book, say, write_if_changed
from helpers.engine.kernel import SITE_FILES, source_text
from helpers.engine.plan import ChapterPlan


def kernel_site(book: Book) -> Path:
    """The folder with the kernels' ``sitecustomize`` (read recorder) and the zygote scripts."""
    site = book.cache_dir / "kernel_site"
    for name in SITE_FILES:
        write_if_changed(site / name, source_text(name).encode("utf-8"))
    return site


def python_path(book: Book) -> str:
    """``PYTHONPATH`` of a kernel: the kernel site, the watched packages' parents, then the caller's."""
    paths = [str(kernel_site(book)), *(str(p.parent) for p in book.packages.values())]
    if os.environ.get("PYTHONPATH"):
        paths.append(os.environ["PYTHONPATH"])
    return os.pathsep.join(paths)


def kernel_env(book: Book, chapter: ChapterPlan, log: Path) -> dict:
    """The environment variables a chapter's kernel gets (what the read recorder watches, where it writes)."""
    return {
        "PYTHONPATH": python_path(book),
        "HELPERS_BOOK_READ_LOG": str(log),
        "HELPERS_BOOK_DATA_ROOTS": os.pathsep.join(str(r) for r in chapter.data_roots),
        "HELPERS_BOOK_PACKAGE_DIRS": os.pathsep.join(str(p) for p in book.packages.values()),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # no debugger warning on the console
    }


def zygote_manager(client: str):
    """A kernel manager class that starts each kernel through the zygote *client* instead of a new Python."""
    from jupyter_client.manager import AsyncKernelManager

    class ZygoteKernelManager(AsyncKernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            cmd = super().format_kernel_cmd(extra_arguments)
            if "-f" in cmd and "ipykernel_launcher" in cmd:
                return [sys.executable, client, *cmd[cmd.index("-f"):]]
            return cmd

    return ZygoteKernelManager


def client_script(book: Book) -> str:
    """The path of the zygote client, what jupyter_client runs as the kernel."""
    return str(kernel_site(book) / "book_kernel.py")


def start_zygote(book: Book) -> tuple[subprocess.Popen, str]:
    """Launch the zygote server (it imports in the background); return (process, socket path)."""
    folder = tempfile.mkdtemp(prefix="book-zygote-")  # short: a socket path has at most 107 bytes
    sock = os.path.join(folder, "s")
    env = {**os.environ, "PYTHONPATH": python_path(book), "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    env.pop("HELPERS_BOOK_READ_LOG", None)
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"  # what ipykernel sets before any user code
    site = kernel_site(book)
    proc = subprocess.Popen([sys.executable, str(site / "book_zygote.py"), sock, str(site / "sitecustomize.py"),
                             ",".join(book.preload)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    return proc, sock


def wait_zygote(proc: subprocess.Popen, sock: str) -> tuple[subprocess.Popen, str] | None:
    """Wait until the zygote serves; ``None`` (chapters start plain kernels) if it does not."""
    ready, _, _ = select.select([proc.stdout], [], [], 60)
    if ready and proc.stdout.readline().strip() == b"ready":
        return proc, sock
    say("the kernel zygote did not start; chapters start plain kernels")
    return None


def stop_zygote(proc: subprocess.Popen, sock: str) -> None:
    """Stop the zygote server and remove its socket folder."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stdout.close()
    shutil.rmtree(os.path.dirname(sock), ignore_errors=True)
