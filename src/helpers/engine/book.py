"""The book being built: where its sources, data, cache and output live, and the options of the build.

Also what every step shares: the outcome records (:class:`ChapterRun`,
:class:`BuildResult`), the build's errors and its one console voice (:func:`say`).
What the build decides about the chapters is the plan (:mod:`helpers.engine.plan`).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from helpers.core.files import atomic_write
from helpers.core.hashing import PACKAGE_DIR, sha256_text
from helpers.core.paths import ROOT, resolve_data_source
from helpers.engine import parameters as P

#: Third-party modules a pre-started "zygote" process imports once; each chapter kernel is
#: forked from it, so no chapter pays their import time again (see :mod:`helpers.engine.zygote`).
#: No module of the watched packages (``helpers``) is ever imported there, so every helper a
#: chapter uses is still executed, and recorded, in its own kernel.
ZYGOTE_PRELOAD = ("numpy", "pandas", "scipy.stats", "scipy.optimize", "statsmodels.api", "statsmodels.formula.api",
                  "pyarrow", "pyarrow.compute", "lifelines", "yaml", "nbformat", "IPython", "ipykernel.kernelapp",
                  "matplotlib", "matplotlib.pyplot", "seaborn")


class DataProblems(RuntimeError):
    """The data source does not satisfy the schemas (or holds no table of the book); nothing was executed."""

    def __init__(self, problems: list):
        self.problems = problems
        listing = "\n  ".join(str(p) for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the data, nothing executed:\n  {listing}")


class ChapterFailed(RuntimeError):
    """One or more chapters raised while executing (nothing of theirs was cached)."""


class RenderFailed(RuntimeError):
    """Jupyter Book reported an error or a warning."""


@dataclass(frozen=True)
class ChapterRun:
    """What happened to one chapter in a build."""

    chapter: str
    status: str  # "executed", "cached", "failed" or "not built" (its tables are absent)
    seconds: float
    message: str = ""
    executed_at: str = ""
    parameters: dict = field(default_factory=dict)
    data_files: dict = field(default_factory=dict)
    refused: bool = False  # the chapter refused its data's design (its message is one sentence)
    #: The executed notebook the page is rendered from (the cache entry's), when it executed or was cached.
    notebook: Path | None = None


@dataclass
class BuildResult:
    """What a build did: every chapter's run, whether it rendered, where the book is."""

    runs: list[ChapterRun]
    rendered: bool
    html_dir: Path
    seconds: float

    def names(self, status: str) -> list[str]:
        """Return the chapters with *status* ("executed", "cached", "failed", "not built"), in book order."""
        return [r.chapter for r in self.runs if r.status == status]

    @property
    def executed(self) -> list[str]:
        return self.names("executed")

    @property
    def cached(self) -> list[str]:
        return self.names("cached")

    @property
    def not_built(self) -> list[str]:
        return self.names("not built")


def say(message: str) -> None:
    """Print one line of the build's progress (one write: lines from parallel workers do not interleave)."""
    sys.stdout.write(f"[book] {message}\n")
    sys.stdout.flush()


def display_path(path: Path | str, root: Path = ROOT) -> str:
    """Return *path* relative to *root* when inside it, else absolute."""
    path = Path(path)
    try:
        return path.resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(path)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write *data* unless *path* already holds exactly it (keeps mtimes for Sphinx); return True if written."""
    if path.is_file() and path.read_bytes() == data:
        return False
    atomic_write(path, data)
    return True


@dataclass
class Book:
    """Where a book's sources, data, cache and output live (every path can be replaced, e.g. in tests).

    Parameters
    ----------
    root : Path
        Folder holding ``_config.yml``, ``_toc.yml`` and ``requirements.txt``.
    data_source : Path or None
        The data source: a folder, an ``.xlsx`` workbook or a study descriptor
        (``None``: the book's own ``data/``). Resolved to an absolute path; what kind
        it is, the plan decides (:class:`helpers.engine.plan.DataSource`).
    out_dir : Path or None
        Output folder; the book goes to ``out_dir/html``. Default: chosen from the
        data source and the variant (see :meth:`default_out_dir`).
    cache_dir : Path or None
        Execution cache (default ``<root>/_build/.cache``), shared by every variant.
    variant : str or None
        A named parameter set of ``chapters/variants.yml``.
    overrides : dict
        ``{chapter: {parameter: value}}`` set for this build.
    options : tuple of str
        ``chapter.parameter=value`` options of the command line, typed by the declarations.
    packages : dict
        ``{package name: package folder}`` whose imported modules are dependencies
        (default: the ``helpers`` package).
    jobs, validate, render, timeout, zygote, preload
        Chapters executed at once (default: CPU cores); validate the data; render
        the HTML; seconds a chapter may run; fork kernels from a pre-started
        process that imported *preload*.
    """

    root: Path = ROOT
    data_source: Path | None = None
    out_dir: Path | None = None
    cache_dir: Path | None = None
    variant: str | None = None
    overrides: dict = field(default_factory=dict)
    options: tuple = ()
    packages: dict = field(default_factory=dict)
    jobs: int | None = None
    validate: bool = True
    render: bool = True
    timeout: int = 900
    zygote: bool = True
    preload: tuple = ZYGOTE_PRELOAD

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()
        self.chapters_dir = self.root / "chapters"
        self.default_data = (self.root / "data").resolve()
        given = self.data_source if self.data_source is not None else self.default_data
        self.data_source = resolve_data_source(given, root=self.root).resolve()
        self.packages = {name: Path(p).resolve() for name, p in (self.packages or {"helpers": PACKAGE_DIR}).items()}
        self.cache_dir = Path(self.cache_dir or self.root / "_build" / ".cache").resolve()
        self.out_dir = Path(self.out_dir).resolve() if self.out_dir else self.default_out_dir()
        self.html_dir = self.out_dir / "html"
        self.assembled = self.out_dir / ".assembled"
        self.jobs = self.jobs or len(os.sched_getaffinity(0))
        self.zygote = self.zygote and os.environ.get("HELPERS_BOOK_NO_ZYGOTE", "") in ("", "0")

    @property
    def uses_default_data(self) -> bool:
        """True when the build reads the book's own ``data/`` folder."""
        return self.data_source == self.default_data

    @property
    def parameters_file(self) -> Path:
        return self.chapters_dir / "parameters.yml"

    def default_out_dir(self) -> Path:
        """``_build`` for the default book, ``_build/data/<folder>-<hash>`` or ``_build/variants/<name>[...]``."""
        build = self.root / "_build"
        data_tag = ""
        if not self.uses_default_data:
            data_tag = f"{self.data_source.name}-{sha256_text(str(self.data_source))[:8]}"
        if self.variant:
            return build / "variants" / (self.variant + (f"+data-{data_tag}" if data_tag else ""))
        if data_tag:
            return build / "data" / data_tag
        return build


def check_injection(chapters: list) -> None:
    """Prove the parameters papermill will inject into *chapters* are literals; raise :class:`ParameterError`."""
    problems: list[str] = []
    for chapter in chapters:
        try:
            P.injected_source(chapter.parameters)
        except P.ParameterError as err:
            problems += [f"{chapter.name}: {text}" for text in err.problems]
    if problems:
        raise P.ParameterError(problems)

