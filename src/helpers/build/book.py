"""The book being built: where its sources, data, cache and output live, and its checked chapters.

Also what every stage shares: the outcome records (:class:`ChapterRun`,
:class:`BuildResult`), the build's errors and its one console voice (:func:`say`).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from helpers.build import parameters as P
from helpers.build.notebooks import chapter_docnames
from helpers.core.files import atomic_write
from helpers.core.hashing import PACKAGE_DIR, sha256_text
from helpers.core.paths import BUILD_DIR, ROOT, resolve_data_source

#: Third-party modules a pre-started "zygote" process imports once; each chapter kernel is
#: forked from it, so no chapter pays their import time again (see :mod:`helpers.build.zygote`).
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


@dataclass
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


@dataclass
class Chapter:
    """One chapter notebook of the book and what the build decided about it."""

    name: str  # the notebook's stem, as in parameters.yml
    docname: str  # path in the TOC, e.g. chapters/human_tbk1
    source: Path
    notebook: dict
    parameters: dict
    key: str = ""
    entry: dict | None = None
    missing: list[str] = field(default_factory=list)  # tables it needs that the data lack (then not built)
    #: Why the chapter cannot read this study's design (it still assumes the example study's levels), or "".
    design_note: str = ""

    @property
    def skipped(self) -> bool:
        """True when the data source cannot build this chapter (tables absent, or a design it cannot read)."""
        return bool(self.missing or self.design_note)


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
        The data source given to the build, a folder or an ``.xlsx`` workbook
        (``None``: the chapters' defaults).
    out_dir : Path or None
        Output folder; the book goes to ``out_dir/html``. Default: chosen from the
        data source and the variant (see :meth:`default_out_dir`).
    cache_dir : Path or None
        Execution cache (default ``<root>/_build/.cache``), shared by every variant.
    packages : dict
        ``{package name: package folder}`` whose imported modules are dependencies
        (default: the ``helpers`` package).
    """

    root: Path = ROOT
    data_source: Path | None = None
    out_dir: Path | None = None
    cache_dir: Path | None = None
    variant: str | None = None
    overrides: dict = field(default_factory=dict)
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
        if self.data_source is not None:
            self.data_source = resolve_data_source(self.data_source, root=self.root).resolve()
            if self.data_source == self.default_data:
                self.data_source = None
        self.packages = {name: Path(p).resolve() for name, p in (self.packages or {"helpers": PACKAGE_DIR}).items()}
        self.cache_dir = Path(self.cache_dir or self.root / "_build" / ".cache").resolve()
        self.out_dir = Path(self.out_dir).resolve() if self.out_dir else self.default_out_dir()
        self.html_dir = self.out_dir / "html"
        self.stage = self.out_dir / ".stage"
        self.jobs = self.jobs or len(os.sched_getaffinity(0))
        self.zygote = self.zygote and os.environ.get("HELPERS_BOOK_NO_ZYGOTE", "") in ("", "0")

    @property
    def data_folder(self) -> Path:
        """The data source this build reads (the given folder or workbook, or ``<root>/data``)."""
        return self.data_source or self.default_data

    @property
    def parameters_file(self) -> Path:
        return self.chapters_dir / "parameters.yml"

    def data_source_files(self) -> list[Path]:
        """The files of the data source: a folder's files, or the workbook itself."""
        source = self.data_folder
        if source.is_file():
            return [source]
        return sorted(p for p in source.glob("*") if p.is_file()) if source.is_dir() else []

    def default_out_dir(self) -> Path:
        """``_build`` for the default book, ``_build/data/<folder>-<hash>`` or ``_build/variants/<name>[...]``."""
        build = self.root / "_build"
        data_tag = ""
        if self.data_source is not None:
            data_tag = f"{self.data_source.name}-{sha256_text(str(self.data_source))[:8]}"
        if self.variant:
            return build / "variants" / (self.variant + (f"+data-{data_tag}" if data_tag else ""))
        if data_tag:
            return build / "data" / data_tag
        return build

    def chapters(self) -> list[Chapter]:
        """Read the chapters in the TOC and check every parameter; raise :class:`ParameterError` first.

        What papermill will inject is proven literal later, for the chapters that
        execute (:func:`check_injection`): importing papermill takes two seconds, which
        a rebuild with nothing to execute should not pay.
        """
        docs = chapter_docnames(self.root)
        names = [Path(d).name for d in docs]
        declarations = P.load_declarations(self.parameters_file)
        entries = P.load_yaml(self.parameters_file)
        study = self.study()
        variant = P.variant_overrides(self.variant, self.chapters_dir / "variants.yml", names, list(declarations))
        problems: list[str] = []
        stray = sorted(set(self.overrides) - set(names))
        if stray:
            problems.append(f"parameters given for chapter(s) {', '.join(stray)}, which the table of contents "
                            f"does not list; chapters: {', '.join(names)}")
        chapters = []
        for doc, name in zip(docs, names, strict=True):
            source = self.root / f"{doc}.ipynb"
            notebook = json.loads(source.read_text(encoding="utf-8"))
            overrides = dict(variant.get(name, {}))
            declared_dir = declarations.get(name, {}).get("data_source")
            if self.data_source is not None and declared_dir is not None and not declared_dir.get("bundled"):
                overrides["data_source"] = str(self.data_source)
            overrides.update(self.overrides.get(name, {}))
            note = self.design_note(entries.get(name) or {}, study)
            if note:
                values = {**P.default_parameters(notebook, name), **overrides}
                chapters.append(Chapter(name, doc, source, notebook, values, design_note=note))
                continue
            try:
                values = P.build_parameters(name, notebook, declarations, overrides, study=study)
            except P.ParameterError as err:
                problems += err.problems
                continue
            chapters.append(Chapter(name, doc, source, notebook, values))
        if problems:
            raise P.ParameterError(problems)
        return chapters

    def study(self):
        """Return the data source's study (:func:`helpers.data.study.study_of`); DataProblems if unusable."""
        from helpers.data.study import StudyError, study_of

        try:
            return study_of(self.data_folder)
        except StudyError as err:
            raise DataProblems([str(err)]) from None

    def design_note(self, entry: dict, study) -> str:
        """Why a chapter marked ``design: example`` cannot read *study*'s tables (``""``: it can)."""
        if entry.get("design") != "example" or not study.declared:
            return ""
        from helpers.core.paths import DATA_DIR
        from helpers.data.study import read_study

        tables = [*(entry.get("tables") or {}).get("required", []), *(entry.get("tables") or {}).get("optional", [])]
        why = study.fits_example(read_study(DATA_DIR / "datapackage.yaml"), tables)
        return "" if why is None else (f"this chapter still reads only the example study's design ({why}); "
                                       "the study description issue generalises it")

    def data_roots(self, chapter: Chapter) -> list[Path]:
        """Folders whose files count as data a chapter read (or the workbook, when the data are one)."""
        roots = {self.default_data, self.data_folder, self.root / "_build" / "example_data",
                 BUILD_DIR / "example_data"}
        declared = P.load_declarations(self.parameters_file).get(chapter.name, {})
        for name, value in chapter.parameters.items():
            if declared.get(name, {}).get("type") == "path" and isinstance(value, str):
                path = resolve_data_source(value, root=self.root)
                roots.add(path)  # a folder, or a workbook file (only that file is data)
        return sorted({Path(os.path.abspath(r)) for r in roots})


def check_injection(chapters: list[Chapter]) -> None:
    """Prove the parameters papermill will inject into *chapters* are literals; raise :class:`ParameterError`."""
    problems: list[str] = []
    for chapter in chapters:
        try:
            P.injected_source(chapter.parameters)
        except P.ParameterError as err:
            problems += [f"{chapter.name}: {text}" for text in err.problems]
    if problems:
        raise P.ParameterError(problems)

