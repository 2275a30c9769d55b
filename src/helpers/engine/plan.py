"""The plan of one build, made once before anything executes and passed to every step.

:func:`make_plan` reads the table of contents, ``chapters/parameters.yml`` (the only
place it is read, :func:`helpers.engine.parameters.read_declarations`), the variant
of ``chapters/variants.yml`` and the ``-p`` options; it resolves the data source
(a folder, an ``.xlsx`` workbook or a study descriptor, decided here once), reads its
study description and the tables it holds, and returns a frozen :class:`BookPlan`:
every chapter as a :class:`ChapterPlan` with its checked parameters, the tables it
needs, the data it reads and whether it is built. Every later step reads the plan;
none of them reads the configuration or a chapter's parameters back.

Errors come in the order a user fixes them: :class:`ParameterError` (every
parameter problem at once), then :class:`DataProblems` (the data source holds none
of the book's tables, or its study description is unusable).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from helpers.core.paths import BUILD_DIR, DATA_DIR, resolve_data_source
from helpers.engine import parameters as P
from helpers.engine.book import Book, DataProblems, display_path
from helpers.engine.notebooks import chapter_docnames
from helpers.engine.selection import missing_tables

#: The chapter parameter that names the data a chapter reads (the plan sets it; no step reads it back).
DATA_PARAMETER = "data_source"


@dataclass(frozen=True)
class DataSource:
    """The data source of a build: where it is and what kind it is, decided once."""

    path: Path  # absolute
    kind: str  # "folder", "workbook", "descriptor" or "absent"
    default: bool  # True: the book's own data/ folder

    @classmethod
    def of(cls, path: Path, default: bool = False) -> DataSource:
        """Classify *path*: a folder, an ``.xlsx`` workbook, a study descriptor, or absent."""
        from helpers.data.sources import is_workbook

        if is_workbook(path) and path.is_file():
            kind = "workbook"
        elif path.is_file():
            kind = "descriptor"
        elif path.is_dir():
            kind = "folder"
        else:
            kind = "absent"
        return cls(Path(path), kind, default)

    def files(self) -> list[Path]:
        """The files of the source: a folder's files, or the workbook or descriptor itself."""
        if self.kind == "folder":
            return sorted(p for p in self.path.glob("*") if p.is_file())
        return [self.path] if self.kind != "absent" else []


@dataclass(frozen=True)
class ChapterPlan:
    """One chapter notebook and what the plan decided about it (the engine's; not :class:`helpers.report.chapter.Chapter`)."""

    name: str  # the notebook's stem, as in parameters.yml
    docname: str  # path in the TOC, e.g. chapters/human_tbk1
    source: Path
    notebook: dict = field(compare=False, repr=False)
    parameters: dict
    data_source: Path  # the data it reads: its own bundled folder, or the build's data source
    data_roots: tuple[Path, ...] = ()  # folders (or the workbook) whose files count as data it read
    needs: dict | None = None  # {"required": [...], "optional": [...]} (None: declares no tables)
    missing: tuple[str, ...] = ()  # tables it needs that the data lack (then not built)
    #: Why the chapter cannot read this study's design (it still assumes the example study's levels), or "".
    design_note: str = ""

    @property
    def skipped(self) -> bool:
        """True when the data source cannot build this chapter (tables absent, or a design it cannot read)."""
        return bool(self.missing or self.design_note)


@dataclass(frozen=True)
class BookPlan:
    """Everything a build decides before executing: the book, its data source, study and chapters."""

    book: Book
    data_source: DataSource
    study: object  # helpers.data.study.Study
    chapters: tuple[ChapterPlan, ...]  # every chapter in the ToC, in book order
    tables: tuple[str, ...] | None  # the book's tables the data source holds (None: no chapter declares tables)

    @property
    def built(self) -> list[ChapterPlan]:
        return [c for c in self.chapters if not c.skipped]

    @property
    def skipped(self) -> list[ChapterPlan]:
        return [c for c in self.chapters if c.skipped]

    def chapter(self, name: str) -> ChapterPlan:
        """The chapter called *name* (KeyError if the book has none)."""
        for chapter in self.chapters:
            if chapter.name == name:
                return chapter
        raise KeyError(name)


def make_plan(book: Book) -> BookPlan:
    """Plan *book*'s build; raise :class:`ParameterError`, then :class:`DataProblems`, before anything runs.

    What papermill will inject is proven literal later, for the chapters that
    execute (:func:`helpers.engine.book.check_injection`): importing papermill takes
    two seconds, which a rebuild with nothing to execute should not pay.
    """
    declarations = P.read_declarations(book.parameters_file)
    source = DataSource.of(book.data_source, default=book.uses_default_data)
    study = read_study(source)
    chapters = plan_chapters(book, declarations, source, study)
    tables = present_tables(book, source, chapters, declarations.tables)
    if tables is not None:
        chapters = [_with_missing(c, set(tables)) for c in chapters]
    return BookPlan(book, source, study, tuple(chapters), None if tables is None else tuple(tables))


def read_study(source: DataSource):
    """Return the data source's study (:func:`helpers.data.study.study_of`); DataProblems if unusable."""
    from helpers.data.study import StudyError, study_of

    try:
        return study_of(source.path)
    except StudyError as err:
        raise DataProblems([str(err)]) from None


def plan_chapters(book: Book, declarations: P.Declarations, source: DataSource, study) -> list[ChapterPlan]:
    """Read the chapters in the TOC and check every parameter they will get; ParameterError lists every problem."""
    docs = chapter_docnames(book.root)
    names = [Path(d).name for d in docs]
    variant = P.variant_overrides(book.variant, book.chapters_dir / "variants.yml", names, list(declarations.rules))
    options = P.parse_parameter_options(list(book.options), declarations.rules)
    given = {name: {**book.overrides.get(name, {}), **options.get(name, {})} for name in {*book.overrides, *options}}
    problems: list[str] = []
    stray = sorted(set(given) - set(names))
    if stray:
        problems.append(f"parameters given for chapter(s) {', '.join(stray)}, which the table of contents "
                        f"does not list; chapters: {', '.join(names)}")
    chapters = []
    for doc, name in zip(docs, names, strict=True):
        path = book.root / f"{doc}.ipynb"
        notebook = json.loads(path.read_text(encoding="utf-8"))
        rules = declarations.rules.get(name, {})
        overrides = dict(variant.get(name, {}))
        data_rule = rules.get(DATA_PARAMETER)
        if not source.default and data_rule is not None and not data_rule.get("bundled"):
            overrides[DATA_PARAMETER] = str(source.path)
        overrides.update(given.get(name, {}))
        note = design_note(declarations, name, study)
        try:
            if note:
                values = {**P.default_parameters(notebook, name), **overrides}
            else:
                values = P.build_parameters(name, notebook, declarations.rules, overrides, study=study)
        except P.ParameterError as err:
            problems += err.problems
            continue
        reads = chapter_data_source(book, values, source)
        chapters.append(ChapterPlan(name, doc, path, notebook, values, reads, data_roots(book, rules, values, source),
                                    declarations.tables.get(name), design_note=note))
    if problems:
        raise P.ParameterError(problems)
    return chapters


def chapter_data_source(book: Book, values: dict, source: DataSource) -> Path:
    """The data a chapter reads: the value of its data parameter (its bundled folder), else the build's source."""
    value = values.get(DATA_PARAMETER)
    if not isinstance(value, str):
        return source.path
    path = Path(value).expanduser()  # the kernel runs in the book's root: a relative path is taken from there
    return path if path.is_absolute() else (book.root / path).resolve()


def design_note(declarations: P.Declarations, name: str, study) -> str:
    """Why a chapter marked ``design: example`` cannot read *study*'s tables (``""``: it can)."""
    if declarations.designs.get(name) != "example" or not study.declared:
        return ""
    from helpers.data.study import read_study as read_descriptor

    needs = declarations.tables.get(name) or {}
    tables = [*needs.get("required", []), *needs.get("optional", [])]
    why = study.fits_example(read_descriptor(DATA_DIR / "datapackage.yaml"), tables)
    return "" if why is None else (f"this chapter still reads only the example study's design ({why}); "
                                   "the study description issue generalises it")


def data_roots(book: Book, rules: dict, values: dict, source: DataSource) -> tuple[Path, ...]:
    """Folders whose files count as data a chapter read (or the workbook, when the data are one)."""
    roots = {book.default_data, source.path, book.root / "_build" / "example_data", BUILD_DIR / "example_data"}
    for name, value in values.items():
        if rules.get(name, {}).get("type") == "path" and isinstance(value, str):
            roots.add(resolve_data_source(value, root=book.root))  # a folder, or a workbook (only that file is data)
    return tuple(sorted({Path(os.path.abspath(r)) for r in roots}))


def present_tables(book: Book, source: DataSource, chapters: list[ChapterPlan],
                   needs: dict[str, dict]) -> list[str] | None:
    """Return the book's tables the data source holds; ``None`` when no chapter declares tables.

    Raises :class:`DataProblems` when some chapter declares tables and the source holds
    none of the book's tables (an empty folder, a workbook without a table sheet).
    """
    if not any(needs.get(c.name, {}).get(k) for c in chapters for k in ("required", "optional")):
        return None  # a book without table declarations builds every chapter
    from helpers.data.sources import tables_present
    from helpers.data.tables import get_specs

    present = tables_present(source.path) if source.kind != "absent" else []
    if not present:
        expected = ", ".join(spec.filename for spec in get_specs().values())
        found = "does not exist" if source.kind == "absent" else "holds none of the book's tables"
        raise DataProblems([f"{display_path(source.path, book.root)}: the data source {found}; expected at least one "
                            f"of {expected} (or an .xlsx workbook with sheets named like them)"])
    return list(present)


def _with_missing(chapter: ChapterPlan, present: set[str]) -> ChapterPlan:
    return replace(chapter, missing=tuple(missing_tables(chapter.needs, present)))
