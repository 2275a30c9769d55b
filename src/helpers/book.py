"""Build the book: execute each chapter with papermill, then render with Jupyter Book.

``python -m helpers.book build`` (what ``make book`` runs):

1. reads the chapters from ``_toc.yml``;
2. executes each chapter notebook with papermill (its default parameters, plus
   ``data_dir`` when a data folder is given) into a staging folder;
3. copies the book sources into the staging folder with execution switched
   off, so Jupyter Book renders the executed notebooks as they are;
4. runs ``jupyter-book build`` with warnings as errors (``-W -n --keep-going``);
5. writes the results table (``results.csv``, ``results.json``) into the HTML;
6. publishes: the new HTML folder replaces the old one only after every step
   succeeded, so a failing or killed build leaves the last good book intact.

A failing cell stops the build with the chapter, the cell and the traceback on
the console and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from .paths import BUILD_DIR, ROOT, resolve_data_dir
from .provenance import write_ledger
from .validate import validate_directory

#: Book sources copied into the staging folder besides the notebooks.
BOOK_FILES = ("_config.yml", "_toc.yml", "intro.md", "references.bib", "CITATION.cff")
BOOK_DIRS = ("_static",)


class DataProblems(RuntimeError):
    """The data directory does not satisfy the schemas; nothing was executed."""

    def __init__(self, problems: list):
        self.problems = problems
        listing = "\n  ".join(str(p) for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the data, nothing executed:\n  {listing}")


class ChapterFailed(RuntimeError):
    """A chapter raised while executing."""


@dataclass
class ChapterRun:
    """What happened to one chapter in a build."""

    chapter: str
    status: str
    seconds: float
    message: str = ""


def toc_files(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """Return every file named in ``_toc.yml`` (without suffix), in book order."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(entries: list) -> None:
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections", []))
            walk(entry.get("chapters", []))

    walk(toc.get("parts", []))
    walk(toc.get("chapters", []))
    return files


def chapter_notebooks(root: Path = ROOT) -> list[Path]:
    """Return the chapter notebooks listed in the table of contents."""
    return [root / f"{f}.ipynb" for f in toc_files(root / "_toc.yml") if (root / f"{f}.ipynb").is_file()]


def describe_failure(executed: Path) -> str:
    """Return the failing cell's source and traceback from a partially executed notebook."""
    import nbformat

    if not executed.is_file():
        return "(no executed notebook was written)"
    nb = nbformat.read(str(executed), as_version=4)
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                trace = "\n".join(output.get("traceback", []))
                return f"cell {index} :\n{cell.source}\n---\n{_strip_ansi(trace)}"
    return "(no error output found in the executed notebook)"


def _strip_ansi(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def execute_chapter(source: Path, target: Path, parameters: dict, timeout: int = 900) -> ChapterRun:
    """Execute one chapter notebook with papermill into *target*.

    Raises
    ------
    ChapterFailed
        With the chapter, the failing cell and its traceback.
    """
    import papermill as pm

    target.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    try:
        pm.execute_notebook(
            str(source),
            str(target),
            parameters=parameters,
            kernel_name="python3",
            cwd=str(ROOT),
            progress_bar=False,
            execution_timeout=timeout,
        )
    except Exception as err:  # papermill raises PapermillExecutionError and kernel errors
        detail = describe_failure(target)
        target.unlink(missing_ok=True)
        raise ChapterFailed(f"chapter {source.relative_to(ROOT)} failed: {type(err).__name__}\n{detail}") from err
    return ChapterRun(source.stem, "executed", time.perf_counter() - start)


def stage_sources(stage: Path) -> None:
    """Copy the book's non-notebook sources into *stage* with execution switched off."""
    for name in BOOK_FILES:
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, stage / name)
    for name in BOOK_DIRS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, stage / name, dirs_exist_ok=True)
    for md in (ROOT / "chapters").glob("*.md"):
        (stage / "chapters").mkdir(exist_ok=True)
        shutil.copy2(md, stage / "chapters" / md.name)
    config = yaml.safe_load((stage / "_config.yml").read_text(encoding="utf-8"))
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    (stage / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def render_book(stage: Path) -> None:
    """Run Jupyter Book on the staged sources, warnings as errors."""
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(stage), "--builder", "html", "-W", "-n", "--keep-going"]
    proc = subprocess.run(cmd, cwd=stage, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-8000:] + proc.stderr[-8000:])
        raise RuntimeError(f"jupyter-book build failed (exit {proc.returncode}); see the log above")


def publish(new_html: Path, html_dir: Path) -> None:
    """Replace *html_dir* with *new_html* in as close to one step as the file system allows."""
    html_dir.parent.mkdir(parents=True, exist_ok=True)
    old = html_dir.with_name(f".{html_dir.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if html_dir.exists():
        os.rename(html_dir, old)
    os.rename(new_html, html_dir)
    shutil.rmtree(old, ignore_errors=True)


def build(data_dir: str | None = None, out_dir: Path | None = None) -> list[ChapterRun]:
    """Execute every chapter and build the HTML book; publish it only on success."""
    out_dir = out_dir or BUILD_DIR
    html_dir = out_dir / "html"
    stage = out_dir / ".stage"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    parameters = {} if data_dir is None else {"data_dir": str(resolve_data_dir(data_dir))}
    problems = validate_directory(resolve_data_dir(data_dir or "data"))
    if problems:
        raise DataProblems(problems)
    runs = []
    try:
        for source in chapter_notebooks():
            target = stage / source.relative_to(ROOT)
            print(f"[book] executing {source.relative_to(ROOT)} ...", flush=True)
            run = execute_chapter(source, target, parameters)
            print(f"[book]   {run.status} in {run.seconds:.1f} s", flush=True)
            runs.append(run)
        stage_sources(stage)
        print("[book] rendering with jupyter-book ...", flush=True)
        render_book(stage)
        new_html = stage / "_build" / "html"
        write_ledger(
            [{"chapter": nb.stem, "executed_notebook": stage / nb.relative_to(ROOT), "parameters": parameters,
              "data_files": {}, "commit": ""} for nb in chapter_notebooks()],
            new_html,
        )
        executed_dir = out_dir / "executed"
        publish(new_html, html_dir)
        shutil.rmtree(executed_dir, ignore_errors=True)
        shutil.copytree(stage / "chapters", executed_dir, ignore=shutil.ignore_patterns("*.md"))
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    print(f"[book] published {html_dir}", flush=True)
    return runs


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m helpers.book", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="execute every chapter and build the HTML book")
    b.add_argument("--data", default=None, help="data directory (default: data/)")
    args = parser.parse_args(argv)
    try:
        build(args.data)
    except RuntimeError as err:
        print(f"\n[book] BUILD FAILED — {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
