"""Executing chapters: papermill in worker processes, up to one kernel per CPU core, the longest first.

A chapter that fails is reported with its failing cell and traceback, and never
cached. A chapter that *refuses its data* raises the project's design exception
(class name :data:`DESIGN_ERROR`, matched by the error output's ``ename``, never
imported): its report is the exception's message alone, without a traceback.
A chapter that succeeds is annotated (the *annotate* hook, see :func:`finish`)
and cached with the dependencies its kernel recorded.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from helpers.core.hashing import Hasher
from helpers.engine import cache
from helpers.engine.book import Book, ChapterRun, say
from helpers.engine.cache import CacheEntry
from helpers.engine.notebooks import cell_source
from helpers.engine.plan import ChapterPlan
from helpers.engine.zygote import client_script, kernel_env, wait_zygote, zygote_manager

#: A chapter to execute and its static cache key.
Scheduled = tuple[ChapterPlan, str]

#: Class name of the exception a chapter raises to refuse a broken design (``helpers.analysis.design``).
DESIGN_ERROR = "DesignError"


def strip_ansi(text: str) -> str:
    """Remove terminal colour codes (tracebacks from the kernel carry them)."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def failure_output(executed: Path) -> tuple[int, dict, dict] | None:
    """Return ``(cell index, cell, error output)`` of the first error in an executed notebook, or None."""
    import json

    if not Path(executed).is_file():
        return None
    nb = json.loads(Path(executed).read_text(encoding="utf-8"))
    for index, cell in enumerate(nb.get("cells", [])):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return index, cell, output
    return None


def describe_failure(executed: Path) -> tuple[str, bool]:
    """Return ``(report, refused)``: the failing cell and traceback, or a design refusal's message alone."""
    found = failure_output(executed)
    if found is None:
        what = "no executed notebook was written" if not Path(executed).is_file() else \
            "no error output found in the executed notebook"
        return f"({what})", False
    index, cell, output = found
    if output.get("ename") == DESIGN_ERROR:
        return strip_ansi(str(output.get("evalue", ""))).strip(), True
    trace = "\n".join(output.get("traceback", []))
    return f"cell {index}:\n{cell_source(cell)}\n---\n{strip_ansi(trace)}", False


@dataclass(frozen=True)
class Job:
    """What a worker process needs to execute one chapter with papermill."""

    chapter: str
    docname: str
    source: str  # the chapter notebook
    target: str  # the executed notebook papermill writes
    log: Path  # the kernel's read log (what the chapter read and imported)
    stderr: str  # the kernel's stderr, shown when the chapter fails
    parameters: dict
    cwd: str
    timeout: int
    env: dict  # the kernel's environment (:func:`helpers.engine.zygote.kernel_env`)
    zygote: str = ""  # the zygote's socket ("": start a new Python)
    zygote_client: str = ""


@dataclass(frozen=True)
class Outcome:
    """What a worker reports back: success, time, and for a failure its report."""

    ok: bool
    seconds: float
    message: str = ""
    refused: bool = False  # the chapter refused its data's design (the message is one sentence)


def execute_job(job: Job) -> Outcome:
    """Run one chapter with papermill (in a worker process, so each has its own environment and kernel)."""
    import papermill as pm

    extra = {}
    if job.zygote:
        os.environ["HELPERS_BOOK_ZYGOTE"] = job.zygote
        extra["kernel_manager_class"] = zygote_manager(job.zygote_client)
    os.environ.update(job.env)
    # The kernel inherits this process's stderr: keep its chatter (e.g. ipykernel's transport notice)
    # off the console, and show it only when the chapter fails.
    sys.stderr.flush()
    log_fd = os.open(job.stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    say(f"running  {job.docname} ...")
    start = time.perf_counter()
    try:
        pm.execute_notebook(job.source, job.target, parameters=job.parameters, kernel_name=cache.KERNEL_NAME,
                            cwd=job.cwd, progress_bar=False, execution_timeout=job.timeout, **extra)
    except Exception as err:  # papermill raises PapermillExecutionError, kernel and timeout errors
        sys.stderr.flush()
        report, refused = describe_failure(Path(job.target))
        if refused:
            return Outcome(False, time.perf_counter() - start, report, refused=True)
        stderr = Path(job.stderr).read_text(encoding="utf-8", errors="replace")[-3000:].strip()
        return Outcome(False, time.perf_counter() - start,
                       f"{type(err).__name__}\n{report}" + (f"\n--- kernel stderr ---\n{stderr}" if stderr else ""))
    return Outcome(True, time.perf_counter() - start)


def plan_jobs(book: Book, todo: list[Scheduled], work: Path, zygote: tuple[str, str] = ("", "")) -> list[Job]:
    """One job per chapter to run: notebook, target and read log in the scratch folder *work*, parameters,
    kernel environment."""
    jobs = []
    for chapter, key in todo:
        tag = f"{chapter.name}-{os.getpid()}-{key[:12]}"
        target, log, stderr = work / f"{tag}.ipynb", work / f"{tag}.reads", work / f"{tag}.stderr"
        target.unlink(missing_ok=True)
        log.unlink(missing_ok=True)
        jobs.append(Job(chapter.name, chapter.docname, str(chapter.source), str(target), log, str(stderr),
                        chapter.parameters, str(book.root), book.timeout, kernel_env(book, chapter, log), *zygote))
    return jobs


def execute(book: Book, todo: list[Scheduled], hasher: Hasher, annotate, commit: str,
            zygote: tuple | None = None) -> list[tuple[ChapterRun, CacheEntry | None]]:
    """Execute *todo* (``(chapter, static key)`` pairs) in parallel, longest first; cache each success.

    Return ``(run, cache entry or None)`` in completion order.
    """
    if not todo:
        return []
    hints = cache.timing_hints(book)
    todo = sorted(todo, key=lambda item: -hints.get(item[0].docname, float("inf")))
    import papermill  # noqa: F401  (imported before forking, so workers start fast)

    zygote = wait_zygote(*zygote) if zygote is not None else None
    # Notebooks being executed live outside the cache: a killed build leaves no torn file in it.
    with tempfile.TemporaryDirectory(prefix="helpers-book-") as work:
        jobs = plan_jobs(book, todo, Path(work), (zygote[1], client_script(book)) if zygote is not None else ("", ""))
        done = run_pool(book, todo, jobs, hasher, annotate, commit)
    cache.record_timings(book, {c.docname: run.seconds for c, _ in todo for run, _ in done if run.chapter == c.name})
    return done


def run_pool(book: Book, todo: list[Scheduled], jobs: list[Job], hasher: Hasher, annotate,
             commit: str) -> list[tuple[ChapterRun, CacheEntry | None]]:
    """Run the jobs in forked worker processes; finish each chapter as it completes."""
    import multiprocessing  # here, not at the top: a no-op rebuild never starts a worker
    from concurrent.futures import ProcessPoolExecutor, as_completed

    done = []
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(book.jobs, len(todo)), mp_context=context) as pool:
        futures = {pool.submit(execute_job, job): (chapter, key, job) for (chapter, key), job in zip(todo, jobs, strict=True)}
        for future in as_completed(futures):
            chapter, key, job = futures[future]
            try:
                outcome = future.result()
            except Exception as err:  # the worker itself died
                outcome = Outcome(False, 0.0, f"worker failed: {err!r}")
            run = ChapterRun(chapter.name, "executed" if outcome.ok else "failed", outcome.seconds, outcome.message,
                             dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), chapter.parameters,
                             refused=outcome.refused)
            entry = None
            if outcome.ok:
                try:
                    run, entry = finish(book, chapter, key, run, job, hasher, annotate, commit)
                except Exception as err:
                    run = replace(run, status="failed", message=f"after execution: {type(err).__name__}: {err}")
            for path in (Path(job.target), job.log, Path(job.stderr)):
                path.unlink(missing_ok=True)
            if run.status == "executed":
                say(f"executed {chapter.docname} in {run.seconds:.1f} s")
            else:
                say(f"{'REFUSED ' if run.refused else 'FAILED  '} {chapter.docname} after {run.seconds:.1f} s")
            done.append((run, entry))
    return done


def finish(book: Book, chapter: ChapterPlan, key: str, run: ChapterRun, job: Job, hasher: Hasher,
           annotate, commit: str) -> tuple[ChapterRun, CacheEntry]:
    """Record what a successful chapter read, annotate its notebook and cache it; return the run and its entry.

    *annotate* (or None) is called as ``annotate(notebook_path, chapter=, parameters=,
    data_source=, commit=, data_files=)`` and rewrites the executed notebook in place
    (:func:`helpers.engine.provenance.annotate_notebook`); *data_source* is the data
    the plan decided the chapter reads.
    """
    target = Path(job.target)
    deps = cache.read_log(book, job.log, hasher)
    if deps is None:
        raise RuntimeError("the kernel did not record what the chapter read, so it cannot be cached safely")
    data_files = cache.data_file_names(book, chapter, deps)
    if annotate is not None:
        annotate(target, chapter=chapter.name, parameters=chapter.parameters, commit=commit,
                 data_source=chapter.data_source, data_files=data_files)
    hasher.forget(target)
    entry = cache.store(book, cache.CacheEntry(chapter.name, chapter.docname, key, chapter.parameters, deps, data_files,
                                               run.executed_at, round(run.seconds, 2), commit), target)
    return replace(run, data_files=data_files, notebook=entry.notebook), entry
