"""Build the book: execute the chapters (cached, in parallel), then render with Jupyter Book.

``python -m helpers book [--data DIR|WORKBOOK] [--variant NAME] [-p chapter.name=value]``
(what ``make book`` runs). :func:`build` is a list of steps, each in its own module:

1. read the chapters from ``_toc.yml`` and check every parameter they will get
   (``chapters/parameters.yml``, a variant of ``chapters/variants.yml``, ``-p``)
   **before anything executes** (:mod:`helpers.build.book`, :mod:`helpers.build.parameters`);
2. keep the chapters whose tables the data source holds; the others get a short
   "not built from this data" page (:mod:`helpers.build.selection`);
3. look every chapter up in the execution cache (:mod:`helpers.build.cache`);
4. start the kernel zygote (:mod:`helpers.build.zygote`) while the data are
   validated against the table schemas (remembered per content);
5. execute the others with papermill, one kernel per CPU core, the longest
   first; a failed chapter is reported with its failing cell and never cached
   (:mod:`helpers.build.execute`);
6. stage the book in ``<out>/.stage`` with execution off (:mod:`helpers.build.stage`);
7. unless the staged sources are those of the published book, render them and
   publish ``<out>/html`` atomically with its results ledger (:mod:`helpers.build.render`).

The default book is published to ``_build/html``; a build on another data source
to ``_build/data/<name>-<hash>/html``, a named variant to ``_build/variants/<name>/html``,
so variants never touch the default book.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from helpers.build import cache, stage
from helpers.build import parameters as P
from helpers.build.book import (
    ZYGOTE_PRELOAD,
    Book,
    BuildResult,
    Chapter,
    ChapterFailed,
    ChapterRun,
    DataProblems,
    check_injection,
    display_path,
    say,
    write_if_changed,
)
from helpers.build.execute import execute
from helpers.build.render import (
    book_fingerprint,
    is_published,
    locked,
    publish_book,
    render_book,
    write_stage,
)
from helpers.build.selection import load_table_needs, missing_text, select_chapters
from helpers.build.zygote import start_zygote, stop_zygote
from helpers.core.files import atomic_write
from helpers.core.git import git_commit
from helpers.core.hashing import Hasher, package_fingerprint, sha256_text
from helpers.core.paths import ROOT


@dataclass
class Progress:
    """What the steps of one build have established so far."""

    book: Book
    chapters: list[Chapter]  # every chapter in the ToC, in book order
    hasher: Hasher
    runs: dict[str, ChapterRun] = field(default_factory=dict)
    todo: list[Chapter] = field(default_factory=list)
    commit: str = ""
    exec_seconds: float = 0.0
    render_seconds: float = 0.0
    rendered: bool = False
    tables: list[str] | None = None  # the book's tables the data source holds (None: not declared)

    @property
    def built(self) -> list[Chapter]:
        return [c for c in self.chapters if not c.skipped]

    @property
    def skipped(self) -> list[Chapter]:
        return [c for c in self.chapters if c.skipped]

    def ordered(self) -> list[ChapterRun]:
        return [self.runs[c.name] for c in self.chapters]

    def counts(self) -> str:
        ordered = self.ordered()
        statuses = ("executed", "cached", "failed") + (("not built",) if self.skipped else ())
        return ", ".join(f"{sum(r.status == s for r in ordered)} {s}" for s in statuses)


def default_hooks() -> tuple:
    """``(annotate, ledger)``: the provenance annotation of each notebook and the book's ledger writer.

    Both import :mod:`helpers.build.provenance` (nbformat, jsonschema, pandas: about
    two seconds) only when called, so a rebuild with nothing to do does not pay for it.
    """

    def annotate(*args, **kwargs):
        from helpers.build import provenance

        return provenance.annotate_notebook(*args, **kwargs)

    def ledger(*args, **kwargs):
        from helpers.build import provenance

        return provenance.write_ledger(*args, **kwargs)

    return annotate, ledger


# --------------------------------------------------------------------------- the steps


def mark_not_built(p: Progress) -> None:
    """Step 2: record the chapters the data source cannot build (their tables are absent)."""
    p.tables = select_chapters(p.book, p.chapters)
    needs = load_table_needs(p.book.parameters_file)
    for chapter in p.skipped:
        p.runs[chapter.name] = ChapterRun(chapter.name, "not built", 0.0, missing_text(chapter, needs.get(chapter.name)),
                                          "", chapter.parameters)
        say(f"not built {chapter.docname}: {p.runs[chapter.name].message}")


def look_up_cache(p: Progress) -> None:
    """Step 3: serve every chapter whose cache entry is current; the others are to execute."""
    env_key = cache.environment_key(p.book)
    for chapter in p.built:
        chapter.key = cache.static_key(p.book, chapter, env_key)
        chapter.entry = cache.lookup(p.book, chapter, p.hasher)
        if chapter.entry is None:
            p.todo.append(chapter)
            continue
        e = chapter.entry
        p.runs[chapter.name] = ChapterRun(chapter.name, "cached", e["seconds"], "", e["executed_at"],
                                          chapter.parameters, e.get("data_files", {}))
        say(f"cached   {chapter.docname} (executed {e['executed_at']} in {e['seconds']:.1f} s)")


def validate_data(book: Book, hasher: Hasher, tables: list[str] | None = None) -> None:
    """Step 4: check the data source's *tables* (default: all) against the schemas once per content.

    Raises :class:`DataProblems`.
    """
    files = book.data_source_files()
    key = sha256_text(str(book.data_folder), *(f"{p.name}:{hasher(p)}" for p in files),
                      package_fingerprint("core", "data"), ",".join(tables or ["(all)"]))
    marker = book.cache_dir / "validated" / key
    if marker.is_file():
        return
    from helpers.data.validate import validate_directory

    problems = validate_directory(book.data_folder, tables)
    if problems:
        raise DataProblems(problems)
    atomic_write(marker, str(book.data_folder).encode())


def validate_and_execute(p: Progress, annotate) -> None:
    """Steps 4 and 5: the zygote imports while the data are validated, then the chapters to run execute."""
    zygote = start_zygote(p.book) if p.todo and p.book.zygote else None
    try:
        if p.book.validate:
            validate_data(p.book, p.hasher, p.tables)
        p.commit = git_commit(p.book.root) if p.todo else ""
        start = time.perf_counter()
        for run in execute(p.book, p.todo, p.hasher, annotate, p.commit, zygote):
            p.runs[run.chapter] = run
        p.exec_seconds = time.perf_counter() - start
    finally:
        if zygote is not None:
            stop_zygote(*zygote)


def fail_if_any_failed(p: Progress) -> None:
    """Raise :class:`ChapterFailed` if a chapter failed; a design refusal's message is the last line."""
    failed = [r for r in p.ordered() if r.status == "failed"]
    if not failed:
        return
    say(f"{len(p.chapters)} chapters: {p.counts()}; nothing published")
    failed.sort(key=lambda r: r.refused)  # refusals last: their one sentence ends the report
    details = "\n\n".join(f"chapter {r.chapter} refused its data:\n{r.message}" if r.refused
                          else f"chapter {r.chapter}: {r.message}" for r in failed)
    raise ChapterFailed(f"{len(failed)} chapter(s) failed (not cached):\n{details}")


def render_and_publish(p: Progress, ledger, full_render: bool) -> None:
    """Steps 6 and 7: stage the book; render and publish it unless it is the published one."""
    book = p.book
    staged = stage.stage_sources(book, p.built, p.hasher, p.skipped)
    p.commit = p.commit or git_commit(book.root)
    fingerprint = book_fingerprint(book, staged, p.commit)
    if is_published(book, fingerprint) and not full_render:
        say(f"nothing changed since the published book; {display_path(book.html_dir, book.root)} is up to date")
        return
    start = time.perf_counter()
    write_stage(book.stage, staged)
    write_if_changed(book.stage / f"{stage.STATUS_DOC}.md",
                     stage.status_page(book, p.ordered(), p.chapters, p.hasher, p.commit).encode("utf-8"))
    say("rendering with jupyter-book ...")
    render_book(book.stage, full=full_render)
    runs = [{"chapter": c.name, "executed_notebook": book.stage / f"{c.docname}.ipynb", "parameters": c.parameters,
             "data_files": p.runs[c.name].data_files, "commit": p.commit} for c in p.built]
    publish_book(book, runs, ledger, fingerprint, p.commit)
    p.rendered = True
    p.render_seconds = time.perf_counter() - start
    say(f"published {display_path(book.html_dir, book.root)}")


# --------------------------------------------------------------------------- the build


def build(data_source: str | Path | None = None, out_dir: Path | None = None, *, variant: str | None = None,
          parameters: dict | None = None, root: Path = ROOT, cache_dir: Path | None = None,
          packages: dict | None = None, jobs: int | None = None, validate: bool = True, render: bool = True,
          full_render: bool = False, zygote: bool = True, preload: tuple = ZYGOTE_PRELOAD, annotate="default",
          ledger="default") -> BuildResult:
    """Execute what changed, render if anything changed, publish on success; return what happened.

    *annotate* and *ledger* are the provenance hooks (``"default"``: those of
    :mod:`helpers.build.provenance`; ``None``: none).

    Raises
    ------
    ParameterError, DataProblems
        Before anything executes.
    ChapterFailed
        After the other chapters finished (and were cached); nothing is published.
    RenderFailed
        Jupyter Book reported an error or warning; nothing is published.
    """
    start = time.perf_counter()
    book = Book(root=root, data_source=data_source, out_dir=out_dir, cache_dir=cache_dir, variant=variant,
                overrides=parameters or {}, packages=packages or {}, jobs=jobs, validate=validate, render=render,
                zygote=zygote, preload=tuple(preload))
    hooks = default_hooks() if "default" in (annotate, ledger) else (None, None)
    annotate = hooks[0] if annotate == "default" else annotate
    ledger = hooks[1] if ledger == "default" else ledger
    p = Progress(book, book.chapters(), Hasher())  # 1. ParameterError before anything else
    stage.data_summary(book, p.hasher)  # hash the data as they are now, before any chapter runs
    mark_not_built(p)  # 2. DataProblems if the source holds no table of the book
    with locked(book.out_dir / ".lock"):
        look_up_cache(p)  # 3.
        check_injection(p.todo)  # ParameterError before anything executes
        validate_and_execute(p, annotate)  # 4. and 5.
        fail_if_any_failed(p)
        if book.render:
            render_and_publish(p, ledger, full_render)  # 6. and 7.
    total = time.perf_counter() - start
    say(f"{len(p.chapters)} chapters: {p.counts()}; execution {p.exec_seconds:.1f} s, "
        f"render {p.render_seconds:.1f} s, total {total:.1f} s")
    return BuildResult(p.ordered(), p.rendered, book.html_dir, total)


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """Command line entry point (``python -m helpers book ...`` calls ``main(["build", ...])``)."""
    parser = argparse.ArgumentParser(prog="python -m helpers book", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="execute what changed and build the HTML book")
    b.add_argument("--data", default=None, help="data folder or .xlsx workbook (default: data/)")
    b.add_argument("--variant", default=None, help="named parameter set from chapters/variants.yml")
    b.add_argument("-p", "--param", action="append", default=[], metavar="CHAPTER.NAME=VALUE",
                   help="set one chapter parameter (repeatable; checked against chapters/parameters.yml)")
    b.add_argument("--out", default=None, help="output folder (default: chosen from --data and --variant)")
    b.add_argument("--root", default=None, help=argparse.SUPPRESS)  # a snapshot of the book (helpers.build.bench)
    b.add_argument("--cache", default=None, help="execution cache folder (default: _build/.cache)")
    b.add_argument("-j", "--jobs", type=int, default=None, help="chapters executed at once (default: CPU cores)")
    b.add_argument("--full-render", action="store_true", help="re-render every page (Sphinx --all)")
    b.add_argument("--no-zygote", action="store_true",
                   help="start every kernel as a new Python (default: fork kernels from a pre-started one)")
    args = parser.parse_args(argv)
    root = Path(args.root).resolve() if args.root else ROOT
    try:
        options = P.parse_parameter_options(args.param, P.load_declarations(root / "chapters" / "parameters.yml"))
        build(args.data or None, Path(args.out) if args.out else None, variant=args.variant or None,
              parameters=options, jobs=args.jobs, root=root, full_render=args.full_render,
              cache_dir=Path(args.cache) if args.cache else None, zygote=not args.no_zygote)
    except (RuntimeError, P.ParameterError) as err:
        print(f"\n[book] BUILD FAILED — {err}", file=sys.stderr)
        return 1
    return 0
