"""The programs that run inside (or in front of) the chapter kernels, as real files.

They import nothing from ``helpers``: the build copies them into a ``kernel_site``
folder on the kernels' ``PYTHONPATH`` (:func:`helpers.engine.zygote.kernel_site`).

``sitecustomize.py``
    The read recorder: every data file a chapter opens and every watched module
    it executes, written to the file named by ``HELPERS_BOOK_READ_LOG``.
``zygote_server.py``
    Imports the heavy third-party libraries once, then forks one ipykernel per request.
``zygote_client.py``
    What jupyter_client starts as "the kernel": asks the server for a forked kernel.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent

#: ``{name in the kernel site folder: source file here}``.
SITE_FILES = {
    "sitecustomize.py": HERE / "sitecustomize.py",
    "book_zygote.py": HERE / "zygote_server.py",
    "book_kernel.py": HERE / "zygote_client.py",
}


def source_text(site_name: str) -> str:
    """Return the source of the kernel program installed as *site_name*."""
    return SITE_FILES[site_name].read_text(encoding="utf-8")
