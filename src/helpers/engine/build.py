"""Build the book: plan it, execute the chapters (cached, in parallel), then render with Jupyter Book.

``python -m helpers book [--data DIR|WORKBOOK|DESCRIPTOR] [--variant NAME] [-p chapter.name=value]``
(what ``make book`` runs). :func:`build` is a list of steps, each in its own module:

1. plan the book once (:mod:`helpers.engine.plan`): the chapters of ``_toc.yml``, every
   parameter they will get (``chapters/parameters.yml``, a variant of
   ``chapters/variants.yml``, ``-p``) checked **before anything executes**
   (:mod:`helpers.engine.parameters`), the data source and its study, and the
   chapters whose tables the source holds; the others get a short "not built
   from this data" page (:mod:`helpers.engine.selection`);
2. look every chapter up in the execution cache (:mod:`helpers.engine.cache`);
3. start the kernel zygote (:mod:`helpers.engine.zygote`) while the data are
   validated against the table schemas (remembered per content);
4. execute the others with papermill, one kernel per CPU core, the longest
   first; a failed chapter is reported with its failing cell and never cached
   (:mod:`helpers.engine.execute`);
5. assemble the book in ``<out>/.assembled`` with execution off (:mod:`helpers.engine.assemble`);
6. unless the assembled sources are those of the published book, render them and
   publish ``<out>/html`` atomically with its results ledger (:mod:`helpers.engine.render`).

The default book is published to ``_build/html``; a build on another data source
to ``_build/data/<name>-<hash>/html``, a named variant to ``_build/variants/<name>/html``,
so variants never touch the default book.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from helpers.core.files import atomic_write
from helpers.core.git import git_commit
from helpers.core.hashing import Hasher, package_fingerprint, sha256_text
from helpers.core.paths import ROOT
from helpers.engine import assemble, cache
from helpers.engine import parameters as P
from helpers.engine.book import (
    Book,
    BuildResult,
    ChapterFailed,
    ChapterRun,
    DataProblems,
    check_injection,
    display_path,
    say,
    write_if_changed,
)
from helpers.engine.execute import execute
from helpers.engine.plan import BookPlan, ChapterPlan, make_plan
from helpers.engine.render import (
    book_fingerprint,
    is_published,
    locked,
    publish_book,
    render_book,
    write_assembled,
)
from helpers.engine.selection import missing_text
from helpers.engine.zygote import start_zygote, stop_zygote


@dataclass(frozen=True)
class Hooks:
    """What the build calls besides its own steps (each may be None: not called).

    *annotate* rewrites an executed notebook with its provenance
    (:func:`helpers.engine.provenance.annotate_notebook`); *ledger* writes the book's
    results ledger into the rendered HTML (:func:`helpers.engine.provenance.write_ledger`).
    """

    annotate: Callable | None = None
    ledger: Callable | None = None


def _annotate(*args, **kwargs):
    from helpers.engine import provenance  # nbformat, jsonschema, pandas: ~2 s, paid only when used

    return provenance.annotate_notebook(*args, **kwargs)


def _ledger(*args, **kwargs):
    from helpers.engine import provenance

    return provenance.write_ledger(*args, **kwargs)


#: The provenance hooks; they import :mod:`helpers.engine.provenance` only when called, so a
#: rebuild with nothing to do does not pay for it.
PROVENANCE = Hooks(_annotate, _ledger)


@dataclass
class Progress:
    """What the steps of one build have established so far (the plan itself never changes)."""

    plan: BookPlan
    hasher: Hasher = field(default_factory=Hasher)
    runs: dict[str, ChapterRun] = field(default_factory=dict)
    todo: list[tuple[ChapterPlan, str]] = field(default_factory=list)  # (chapter, static key) to execute
    commit: str = ""
    exec_seconds: float = 0.0
    render_seconds: float = 0.0
    rendered: bool = False

    @property
    def book(self) -> Book:
        return self.plan.book

    def ordered(self) -> list[ChapterRun]:
        return [self.runs[c.name] for c in self.plan.chapters]

    def counts(self) -> str:
        ordered = self.ordered()
        statuses = ("executed", "cached", "failed") + (("not built",) if self.plan.skipped else ())
        return ", ".join(f"{sum(r.status == s for r in ordered)} {s}" for s in statuses)


# --------------------------------------------------------------------------- the steps


def mark_not_built(p: Progress) -> None:
    """Record the chapters the data source cannot build (their tables are absent)."""
    for chapter in p.plan.skipped:
        p.runs[chapter.name] = ChapterRun(chapter.name, "not built", 0.0, missing_text(chapter), "", chapter.parameters)
        say(f"not built {chapter.docname}: {p.runs[chapter.name].message}")


def look_up_cache(p: Progress) -> None:
    """Step 2: serve every chapter whose cache entry is current; the others are to execute."""
    env_key = cache.environment_key(p.book)
    for chapter in p.plan.built:
        key = cache.static_key(p.book, chapter, env_key)
        entry = cache.lookup(p.book, chapter.docname, key, p.hasher)
        if entry is None:
            p.todo.append((chapter, key))
            continue
        p.runs[chapter.name] = ChapterRun(chapter.name, "cached", entry.seconds, "", entry.executed_at,
                                          chapter.parameters, entry.data_files, notebook=entry.notebook)
        say(f"cached   {chapter.docname} (executed {entry.executed_at} in {entry.seconds:.1f} s)")


def validate_data(plan: BookPlan, hasher: Hasher) -> None:
    """Step 3: check the data source's tables (all, if no chapter declares any) against the schemas once per content.

    Raises :class:`DataProblems`.
    """
    source, tables = plan.data_source, plan.tables
    key = sha256_text(str(source.path), *(f"{f.name}:{hasher(f)}" for f in source.files()),
                      package_fingerprint("core", "data"), ",".join(tables or ["(all)"]))
    marker = plan.book.cache_dir / "validated" / key
    if marker.is_file():
        return
    from helpers.data.validate import validate_directory

    problems = validate_directory(source.path, list(tables) if tables is not None else None)
    if problems:
        raise DataProblems(problems)
    atomic_write(marker, str(source.path).encode())


def validate_and_execute(p: Progress, annotate) -> None:
    """Steps 3 and 4: the zygote imports while the data are validated, then the chapters to run execute."""
    zygote = start_zygote(p.book) if p.todo and p.book.zygote else None
    try:
        if p.book.validate:
            validate_data(p.plan, p.hasher)
        p.commit = git_commit(p.book.root) if p.todo else ""
        start = time.perf_counter()
        for run, _ in execute(p.book, p.todo, p.hasher, annotate, p.commit, zygote):
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
    say(f"{len(p.plan.chapters)} chapters: {p.counts()}; nothing published")
    failed.sort(key=lambda r: r.refused)  # refusals last: their one sentence ends the report
    details = "\n\n".join(f"chapter {r.chapter} refused its data:\n{r.message}" if r.refused
                          else f"chapter {r.chapter}: {r.message}" for r in failed)
    raise ChapterFailed(f"{len(failed)} chapter(s) failed (not cached):\n{details}")


def render_and_publish(p: Progress, ledger, full_render: bool) -> None:
    """Steps 5 and 6: assemble the book; render and publish it unless it is the published one."""
    book = p.book
    assembly = assemble.assemble(p.plan, p.runs, p.hasher)
    p.commit = p.commit or git_commit(book.root)
    fingerprint = book_fingerprint(book, assembly.digests(), p.commit)
    if is_published(book, fingerprint) and not full_render:
        say(f"nothing changed since the published book; {display_path(book.html_dir, book.root)} is up to date")
        return
    start = time.perf_counter()
    write_assembled(book.assembled, assembly.contents())
    write_if_changed(book.assembled / f"{assemble.STATUS_DOC}.md",
                     assemble.status_page(p.plan, p.ordered(), p.hasher, p.commit).encode("utf-8"))
    say("rendering with jupyter-book ...")
    render_book(book.assembled, full=full_render)
    executed = [replace(p.runs[c.name], notebook=book.assembled / f"{c.docname}.ipynb") for c in p.plan.built]
    publish_book(book, p.plan, executed, ledger, fingerprint, p.commit)
    p.rendered = True
    p.render_seconds = time.perf_counter() - start
    say(f"published {display_path(book.html_dir, book.root)}")


# --------------------------------------------------------------------------- the build


def build(book: Book | None = None, *, full_render: bool = False, hooks: Hooks = PROVENANCE) -> BuildResult:
    """Execute what changed, render if anything changed, publish on success; return what happened.

    *book* says where everything is and the build's options (default: this
    repository's book on its own data); *hooks* are the provenance hooks
    (:data:`PROVENANCE`; ``Hooks()``: none); *full_render* re-renders every page.

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
    book = book or Book()
    plan = make_plan(book)  # 1. ParameterError, then DataProblems, before anything executes
    p = Progress(plan)
    assemble.data_summary(plan, p.hasher)  # hash the data as they are now, before any chapter runs
    mark_not_built(p)
    with locked(book.out_dir / ".lock"):
        look_up_cache(p)  # 2.
        check_injection([chapter for chapter, _ in p.todo])  # ParameterError before anything executes
        validate_and_execute(p, hooks.annotate)  # 3. and 4.
        fail_if_any_failed(p)
        if book.render:
            render_and_publish(p, hooks.ledger, full_render)  # 5. and 6.
    total = time.perf_counter() - start
    say(f"{len(plan.chapters)} chapters: {p.counts()}; execution {p.exec_seconds:.1f} s, "
        f"render {p.render_seconds:.1f} s, total {total:.1f} s")
    return BuildResult(p.ordered(), p.rendered, book.html_dir, total)


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """Command line entry point (``python -m helpers book ...`` calls ``main(["build", ...])``)."""
    parser = argparse.ArgumentParser(prog="python -m helpers book", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="execute what changed and build the HTML book")
    b.add_argument("--data", default=None, help="data folder, .xlsx workbook or study descriptor (default: data/)")
    b.add_argument("--variant", default=None, help="named parameter set from chapters/variants.yml")
    b.add_argument("-p", "--param", action="append", default=[], metavar="CHAPTER.NAME=VALUE",
                   help="set one chapter parameter (repeatable; checked against chapters/parameters.yml)")
    b.add_argument("--out", default=None, help="output folder (default: chosen from --data and --variant)")
    b.add_argument("--root", default=None, help=argparse.SUPPRESS)  # a snapshot of the book (helpers.engine.bench)
    b.add_argument("--cache", default=None, help="execution cache folder (default: _build/.cache)")
    b.add_argument("-j", "--jobs", type=int, default=None, help="chapters executed at once (default: CPU cores)")
    b.add_argument("--full-render", action="store_true", help="re-render every page (Sphinx --all)")
    b.add_argument("--no-zygote", action="store_true",
                   help="start every kernel as a new Python (default: fork kernels from a pre-started one)")
    args = parser.parse_args(argv)
    try:
        book = Book(root=Path(args.root).resolve() if args.root else ROOT, data_source=args.data or None,
                    out_dir=Path(args.out) if args.out else None, cache_dir=Path(args.cache) if args.cache else None,
                    variant=args.variant or None, options=tuple(args.param), jobs=args.jobs, zygote=not args.no_zygote)
        build(book, full_render=args.full_render)
    except (RuntimeError, P.ParameterError) as err:
        print(f"\n[book] BUILD FAILED — {err}", file=sys.stderr)
        return 1
    return 0
