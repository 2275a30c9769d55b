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
import multiprocessing
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from helpers.build import cache
from helpers.build.book import Book, Chapter, ChapterRun, say
from helpers.build.notebooks import cell_source
from helpers.build.zygote import client_script, kernel_env, wait_zygote, zygote_manager
from helpers.core.hashing import Hasher

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


def execute_job(job: dict) -> dict:
    """Run one chapter with papermill (in a worker process, so each has its own environment and kernel)."""
    import papermill as pm

    extra = {}
    if job.get("zygote"):
        os.environ["HELPERS_BOOK_ZYGOTE"] = job["zygote"]
        extra["kernel_manager_class"] = zygote_manager(job["zygote_client"])
    os.environ.update(job["env"])
    # The kernel inherits this process's stderr: keep its chatter (e.g. ipykernel's transport notice)
    # off the console, and show it only when the chapter fails.
    sys.stderr.flush()
    log_fd = os.open(job["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    say(f"running  {job['docname']} ...")
    start = time.perf_counter()
    try:
        pm.execute_notebook(job["source"], job["target"], parameters=job["parameters"], kernel_name=cache.KERNEL_NAME,
                            cwd=job["cwd"], progress_bar=False, execution_timeout=job["timeout"], **extra)
    except Exception as err:  # papermill raises PapermillExecutionError, kernel and timeout errors
        sys.stderr.flush()
        report, refused = describe_failure(Path(job["target"]))
        if refused:
            return {"ok": False, "refused": True, "seconds": time.perf_counter() - start, "message": report}
        stderr = Path(job["stderr"]).read_text(encoding="utf-8", errors="replace")[-3000:].strip()
        return {"ok": False, "seconds": time.perf_counter() - start,
                "message": f"{type(err).__name__}\n{report}" + (f"\n--- kernel stderr ---\n{stderr}" if stderr else "")}
    return {"ok": True, "seconds": time.perf_counter() - start}


def plan_jobs(book: Book, todo: list[Chapter]) -> dict[str, dict]:
    """One job description per chapter: notebook, target, read log, parameters, kernel environment."""
    work = book.cache_dir / "work"
    work.mkdir(parents=True, exist_ok=True)
    jobs = {}
    for chapter in todo:
        tag = f"{chapter.name}-{os.getpid()}-{chapter.key[:12]}"
        target, log, stderr = work / f"{tag}.ipynb", work / f"{tag}.reads", work / f"{tag}.stderr"
        target.unlink(missing_ok=True)
        log.unlink(missing_ok=True)
        jobs[chapter.name] = {"source": str(chapter.source), "target": str(target), "log": log,
                              "parameters": chapter.parameters, "cwd": str(book.root), "timeout": book.timeout,
                              "docname": chapter.docname, "env": kernel_env(book, chapter, log),
                              "stderr": str(stderr)}
    return jobs


def execute(book: Book, todo: list[Chapter], hasher: Hasher, annotate, commit: str,
            zygote: tuple | None = None) -> list[ChapterRun]:
    """Execute *todo* in parallel, longest first; cache each success; return the runs in completion order."""
    if not todo:
        return []
    hints = cache.timing_hints(book)
    todo = sorted(todo, key=lambda c: -hints.get(c.docname, float("inf")))
    import papermill  # noqa: F401  (imported before forking, so workers start fast)

    jobs = plan_jobs(book, todo)
    zygote = wait_zygote(*zygote) if zygote is not None else None
    if zygote is not None:
        for job in jobs.values():
            job["zygote"], job["zygote_client"] = zygote[1], client_script(book)
    runs = run_pool(book, todo, jobs, hasher, annotate, commit)
    cache.record_timings(book, {c.docname: r.seconds for c in todo for r in runs if r.chapter == c.name})
    return runs


def run_pool(book: Book, todo: list[Chapter], jobs: dict, hasher: Hasher, annotate, commit: str) -> list[ChapterRun]:
    """Run the jobs in forked worker processes; finish each chapter as it completes."""
    runs = []
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(book.jobs, len(todo)), mp_context=context) as pool:
        futures = {pool.submit(execute_job, {k: v for k, v in jobs[c.name].items() if k != "log"}): c for c in todo}
        for future in as_completed(futures):
            chapter = futures[future]
            job = jobs[chapter.name]
            target, log = Path(job["target"]), job["log"]
            try:
                outcome = future.result()
            except Exception as err:  # the worker itself died
                outcome = {"ok": False, "seconds": 0.0, "message": f"worker failed: {err!r}"}
            run = ChapterRun(chapter.name, "executed" if outcome["ok"] else "failed", outcome["seconds"],
                             outcome.get("message", ""), dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                             chapter.parameters, refused=outcome.get("refused", False))
            if outcome["ok"]:
                try:
                    finish(book, chapter, run, target, log, hasher, annotate, commit)
                except Exception as err:
                    run.status, run.message = "failed", f"after execution: {type(err).__name__}: {err}"
            for path in (target, log, Path(job["stderr"])):
                path.unlink(missing_ok=True)
            if run.status == "executed":
                say(f"executed {chapter.docname} in {run.seconds:.1f} s")
            else:
                say(f"{'REFUSED ' if run.refused else 'FAILED  '} {chapter.docname} after {run.seconds:.1f} s")
            runs.append(run)
    return runs


def finish(book: Book, chapter: Chapter, run: ChapterRun, target: Path, log: Path, hasher: Hasher,
           annotate, commit: str) -> None:
    """Record what a successful chapter read, annotate its notebook and cache it.

    *annotate* (or None) is called as ``annotate(notebook_path, chapter=, parameters=,
    data_source=, commit=, data_files=)`` and rewrites the executed notebook in place
    (:func:`helpers.build.provenance.annotate_notebook`).
    """
    deps = cache.read_log(book, log, hasher)
    if deps is None:
        raise RuntimeError("the kernel did not record what the chapter read, so it cannot be cached safely")
    run.data_files = cache.data_file_names(book, chapter, deps)
    data_source = Path(str(chapter.parameters.get("data_source", book.data_folder)))
    if annotate is not None:
        annotate(target, chapter=chapter.name, parameters=chapter.parameters, commit=commit,
                 data_source=data_source if data_source.is_absolute() else book.root / data_source, data_files=run.data_files)
    hasher._memo.pop(os.path.abspath(target), None)
    entry = {"chapter": chapter.name, "docname": chapter.docname, "key": chapter.key,
             "parameters": chapter.parameters, "deps": deps, "data_files": run.data_files,
             "executed_at": run.executed_at, "seconds": round(run.seconds, 2), "commit": commit}
    chapter.entry = cache.store(book, chapter, target, entry)
