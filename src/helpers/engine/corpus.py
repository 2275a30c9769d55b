"""``make corpus OUT=dir``: write the corpus of study designs and build the book from each.

For every design of :mod:`helpers.simstudies.corpus` this writes its folder
(tables, ``datapackage.yaml``, ``TRUTH.md``) under ``OUT``, builds the book
from it (``python -m helpers book --data OUT/<design> --out OUT/<design>/_build``),
then checks the book's ledger against the design's truths: how many intervals
contain the true value, against the 0.1% quantile of Binomial(k, 0.95) per
chapter and over the whole corpus. The counts go to ``OUT/corpus_checks.csv``;
the command fails if a build or a check fails.
"""

from __future__ import annotations

import argparse
import csv
import math
import subprocess
import sys
import time
from pathlib import Path

from helpers.simstudies import corpus


def chapter_parameters(folder: Path) -> dict[str, dict]:
    """``{chapter: parameters}`` the engine gives each chapter for the data in *folder* (the study's picks resolved)."""
    from helpers.engine.book import Book
    from helpers.engine.plan import make_plan

    return {c.name: c.parameters for c in make_plan(Book(data_source=folder)).chapters}


def ledger_checks(d: corpus.Design, folder: Path, results_csv: Path) -> list[corpus.Check]:
    """Check the ledger *results_csv* of the book built from *folder* against *d*'s truths."""
    import pandas as pd

    from helpers.data.study import study_of

    results = pd.read_csv(results_csv)
    study = study_of(folder)
    parameters = chapter_parameters(folder)
    checks = []
    for chapter, rows in results.groupby("chapter"):
        if chapter not in corpus.TRUE_VALUES:
            continue
        records = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
                   for r in rows.to_dict("records")]
        checks.append(corpus.check_results(d, str(chapter), study, parameters[chapter], records))
    return checks


def main(argv: list[str] | None = None) -> int:
    """Command line: write the corpus under OUT, build the book from each design, check the truths."""
    parser = argparse.ArgumentParser(prog="python -m helpers corpus", description=__doc__.splitlines()[0])
    parser.add_argument("out", help="folder to write the designs into (one subfolder each)")
    parser.add_argument("--designs", default="", help="comma-separated design names (default: all)")
    parser.add_argument("--no-book", action="store_true", help="write the folders only")
    args = parser.parse_args(argv)
    chosen = [corpus.design(n) for n in args.designs.split(",") if n] or list(corpus.DESIGNS)
    out = Path(args.out)
    checks, failed = [], []
    for d in chosen:
        folder = corpus.write_design(d, out / d.name)
        print(f"[corpus] wrote {folder}", flush=True)
        if args.no_book:
            continue
        start = time.perf_counter()
        build = subprocess.run([sys.executable, "-m", "helpers", "book", "--data", str(folder.resolve()),
                                "--out", str((folder / "_build").resolve())], check=False)
        print(f"[corpus] {d.name}: book built in {time.perf_counter() - start:.0f} s (exit {build.returncode})",
              flush=True)
        if build.returncode:
            failed.append(d.name)
            continue
        checks += ledger_checks(d, folder, folder / "_build" / "html" / "results.csv")
    if checks:
        with (out / "corpus_checks.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["design", "chapter", "inside", "total", "floor", "passed", "outside"])
            for c in checks:
                writer.writerow([c.design, c.chapter, c.inside, c.total, c.floor, c.passed, " ".join(c.outside)])
                print(f"[corpus] {c.design} {c.chapter}: {c.inside} of {c.total} intervals contain the truth "
                      f"(floor {c.floor})")
        inside, total = sum(c.inside for c in checks), sum(c.total for c in checks)
        floor = corpus.coverage_floor(total)
        print(f"[corpus] all designs: {inside} of {total} intervals contain the truth (floor {floor})")
        if inside < floor:
            failed.append("pooled coverage")
    failed += [f"{c.design}/{c.chapter}" for c in checks if not c.passed]
    if failed:
        print(f"[corpus] FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
