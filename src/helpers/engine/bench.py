"""Benchmark the build engine against Jupyter Book's own execution, side by side (``make bench``).

One run, the same chapters (every notebook ``_toc.yml`` lists), the same machine:

(a) **cold build** — this engine with an empty cache and an empty output folder
    vs ``jupyter-book build`` of an assembled copy of the book with
    ``execute_notebooks: force``;
(b) **no-op rebuild** — this engine again with nothing changed vs Jupyter Book's
    ``cache`` mode built a second time with nothing changed (its first,
    cache-filling build is not timed);
(c) **one data table changed** — one table of a temporary copy of the data folder
    is regenerated with another seed; the engine must re-execute exactly the
    chapters that read that table (as recorded by the cold build).

Every build runs as a separate process, exactly as ``make book`` would start it,
and is timed by the wall clock, on a snapshot of the book's sources taken at the
start (edits made meanwhile do not leak in). The engine builds on a temporary copy of
``data/`` (byte-identical, so the chapters compute the same numbers as Jupyter
Book's build on ``data/``), which lets (c) change a table without touching
``data/``. Nothing under ``_build/html`` or the engine's cache is used or
changed; everything happens in a temporary folder that is removed at the end.

Acceptance (issue 5, tightened by issue 23): cold ≤ 0.43 × Jupyter Book force;
no-op ≤ 0.5 s (the median of three runs, each a new process); the one-table change
re-executes exactly the chapters that read the table.
The figures are printed and written to ``_build/bench.json``.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from helpers.core.paths import BUILD_DIR, DATA_DIR, ROOT
from helpers.engine.assemble import BOOK_DIRS, BOOK_FILES
from helpers.engine.notebooks import chapter_notebooks, toc_files

COLD_RATIO_MAX = 0.43
NOOP_SECONDS_MAX = 0.5
NOOP_RUNS = 3


def copy_book(source: Path, target: Path) -> Path:
    """Copy a book's sources (config, TOC, its pages and notebooks without outputs, declarations) to *target*."""
    target.mkdir(parents=True)
    for name in (*BOOK_FILES, "requirements.txt", "chapters/parameters.yml", "chapters/variants.yml"):
        if (source / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, target / name)
    config = yaml.safe_load((source / "_config.yml").read_text(encoding="utf-8"))
    for bib in config.get("bibtex_bibfiles", []) or []:
        if (source / bib).is_file():
            shutil.copy2(source / bib, target / bib)
    for name in BOOK_DIRS:
        if (source / name).is_dir():
            shutil.copytree(source / name, target / name)
    for doc in toc_files(source / "_toc.yml"):
        for suffix in (".ipynb", ".md", ".rst"):
            if (source / f"{doc}{suffix}").is_file():
                (target / doc).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source / f"{doc}{suffix}", target / f"{doc}{suffix}")
                break
    return target


def copy_for_jupyter_book(source: Path, target: Path, mode: str) -> Path:
    """Copy the book in *source* to *target* with ``execute_notebooks: mode`` for Jupyter Book to execute."""
    copy_book(source, target)
    config = yaml.safe_load((target / "_config.yml").read_text(encoding="utf-8"))
    config.setdefault("execute", {})["execute_notebooks"] = mode
    (target / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


def timed(cmd: list[str], label: str) -> tuple[float, subprocess.CompletedProcess]:
    """Run *cmd*, return (wall seconds, completed process); print one line."""
    print(f"[bench] {label} ...", flush=True)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    status = "ok" if proc.returncode == 0 else f"EXIT {proc.returncode}"
    print(f"[bench]   {seconds:7.1f} s  {status}", flush=True)
    if proc.returncode != 0:
        sys.stdout.write((proc.stdout + proc.stderr)[-4000:])
    return seconds, proc


def executed_chapters(output: str) -> list[str]:
    """Chapters an engine build reports as executed."""
    return sorted(Path(m).name for m in re.findall(r"\[book\] executed (\S+)", output))


def readers_by_file(cache: Path) -> dict[str, list[str]]:
    """``{data file name: [chapters that read it]}`` from the engine's cache entries."""
    readers: dict[str, list[str]] = {}
    for entry in cache.glob("*/*.json"):
        data = json.loads(entry.read_text(encoding="utf-8"))
        for name in data.get("data_files", {}):
            readers.setdefault(name, []).append(data["chapter"])
    return {k: sorted(set(v)) for k, v in readers.items()}


def change_table(data_source: Path, filename: str, seed: int = 1) -> None:
    """Rewrite one table of *data_source* as simulated with another seed (still schema-valid)."""
    from helpers.data.simulate import FLOAT_FORMAT, simulate_table
    from helpers.data.tables import get_specs

    spec = next(s for s in get_specs().values() if s.filename == filename)
    table = simulate_table(spec, seed)
    table.to_csv(data_source / filename, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


def run_bench(workdir: Path, table: str | None = None) -> dict:
    """Run (a), (b) and (c) in *workdir*; return the figures."""
    py = sys.executable
    jb = str(Path(py).with_name("jupyter-book"))
    jb_flags = ["--builder", "html", "-W", "-n", "--keep-going"]
    book = copy_book(ROOT, workdir / "book")  # a snapshot: edits made meanwhile do not leak into the runs
    chapters = [nb.stem for nb in chapter_notebooks(book)]
    print(f"[bench] {len(chapters)} chapters: {', '.join(chapters)}", flush=True)
    subprocess.run([py, "-c", "import pandas, scipy, statsmodels, matplotlib, papermill, sphinx, myst_nb"], check=True)

    data = workdir / "data"
    shutil.copytree(DATA_DIR, data)
    out, cache = workdir / "engine", workdir / "engine_cache"
    engine = [py, "-m", "helpers", "book", "--root", str(book), "--data", str(data), "--out", str(out),
              "--cache", str(cache)]

    force_s, force = timed([jb, "build", str(copy_for_jupyter_book(book, workdir / "jb_force", "force")), *jb_flags],
                           "(a) jupyter-book build, execute_notebooks: force")
    cold_s, cold = timed(engine, "(a) engine, cold (empty cache and output)")
    cold_ran = executed_chapters(cold.stdout)

    jb_cache = copy_for_jupyter_book(book, workdir / "jb_cache", "cache")
    timed([jb, "build", str(jb_cache), *jb_flags], "(b) jupyter-book build, execute_notebooks: cache (filling, untimed)")
    jb_noop_s, jb_noop = timed([jb, "build", str(jb_cache), *jb_flags], "(b) jupyter-book cache mode, nothing changed")
    noops = [timed(engine, f"(b) engine, nothing changed ({i + 1} of {NOOP_RUNS})") for i in range(NOOP_RUNS)]
    noop_s, noop = sorted(noops, key=lambda run: run[0])[NOOP_RUNS // 2]  # the median run

    readers = readers_by_file(cache)
    from helpers.data.tables import get_specs

    # the book's tables as the data source holds them (not a bundled chapter's raw files, nor a file
    # named by its path because it lies outside the snapshot, e.g. the simulated example data)
    names = {spec.filename for spec in get_specs().values()}
    tables = {name: who for name, who in readers.items() if name in names}
    if table is None:  # the table read by the fewest chapters (ties: by name)
        table = min(tables, key=lambda n: (len(tables[n]), n))
    expected = tables.get(table, [])
    change_table(data, table)
    one_s, one = timed(engine, f"(c) engine, {table} regenerated with another seed")
    one_ran = executed_chapters(one.stdout)

    figures = {
        "chapters": chapters,
        "jb_force_s": round(force_s, 2), "engine_cold_s": round(cold_s, 2),
        "cold_ratio": round(cold_s / force_s, 3),
        "jb_cache_noop_s": round(jb_noop_s, 2), "engine_noop_s": round(noop_s, 2),
        "engine_noop_runs_s": [round(seconds, 2) for seconds, _ in noops],
        "bytecode_cached": not sys.dont_write_bytecode,
        "noop_ratio": round(noop_s / jb_noop_s, 3),
        "table_changed": table, "readers_of_table": expected, "engine_one_table_s": round(one_s, 2),
        "one_table_executed": one_ran, "cold_executed": cold_ran,
        "exit_codes": {"jb_force": force.returncode, "engine_cold": cold.returncode, "jb_cache_noop": jb_noop.returncode,
                       "engine_noop": noop.returncode, "engine_one_table": one.returncode},
    }
    figures["accept"] = {
        "cold_ratio_ok": figures["cold_ratio"] <= COLD_RATIO_MAX,
        "noop_ok": noop_s <= NOOP_SECONDS_MAX,
        "one_table_exact": one_ran == expected and bool(expected),
        "all_builds_succeeded": all(code == 0 for code in figures["exit_codes"].values()),
    }
    return figures


def report(f: dict) -> str:
    """A side-by-side table of the figures."""
    yes = {True: "PASS", False: "FAIL"}
    a = f["accept"]
    lines = [
        "",
        f"{'':40s} {'Jupyter Book':>13s} {'this engine':>12s} {'ratio':>7s}",
        f"{'(a) cold build (force / empty cache)':40s} {f['jb_force_s']:12.1f}s {f['engine_cold_s']:11.1f}s "
        f"{f['cold_ratio']:7.2f}   {yes[a['cold_ratio_ok']]} (<= {COLD_RATIO_MAX})",
        f"{'(b) no-op rebuild (cache mode)':40s} {f['jb_cache_noop_s']:12.1f}s {f['engine_noop_s']:11.2f}s "
        f"{f['noop_ratio']:7.2f}   {yes[a['noop_ok']]} (<= {NOOP_SECONDS_MAX} s)",
        f"    no-op runs: {f['engine_noop_runs_s']} s (median shown); Python bytecode cached: {f['bytecode_cached']}",
        f"{'(c) one table changed: ' + f['table_changed']:40s} {'':>13s} {f['engine_one_table_s']:11.1f}s",
        f"    chapters that read it: {', '.join(f['readers_of_table']) or '-'}",
        f"    chapters re-executed:  {', '.join(f['one_table_executed']) or '-'}   {yes[a['one_table_exact']]}",
        f"    cold build executed:   {', '.join(f['cold_executed'])}",
        f"all builds exited 0: {yes[a['all_builds_succeeded']]} {f['exit_codes']}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: run the benchmark, print the table, exit 1 if an acceptance check fails."""
    parser = argparse.ArgumentParser(prog="python -m helpers bench", description=__doc__.splitlines()[0])
    parser.add_argument("--table", default=None, help="data file to change in (c) (default: the least-read table)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    args = parser.parse_args(argv)
    BUILD_DIR.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="bench-", dir=BUILD_DIR))
    try:
        figures = run_bench(workdir, args.table)
    finally:
        if args.keep:
            print(f"[bench] kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(report(figures))
    (BUILD_DIR / "bench.json").write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return 0 if all(figures["accept"].values()) else 1

