"""The same book from CSV and from Parquet: ``make check-parquet`` (``python -m helpers check-parquet``).

Copies the example tables into two folders, one as ``<table>.csv`` (the files
as they are) and one as ``<table>.parquet`` (each table as the book reads it —
validated, every column of its declared type, so a text code like ``007``
stays text — written with pyarrow), builds the whole book from each folder
(``make book DATA=...``: both are a lab's data to the book, so their ledgers
hold the same rows), and compares the two ledgers number by number with the
regression check's tolerances. Any difference, or a ledger with rows the
other lacks, is a failure.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pandas as pd

from helpers.core.paths import BUILD_DIR, DATA_DIR
from helpers.report.ledger.files import compare_ledgers, load_tolerances


def make_copies(source: Path, out: Path) -> tuple[Path, Path]:
    """Write ``out/csv`` (the CSV files) and ``out/parquet`` (the same tables as Parquet); return both folders."""
    from helpers.data.readers import write_parquet
    from helpers.data.sources import table_file, tables_present
    from helpers.data.validate import load_table

    csv_dir, parquet_dir = out / "csv", out / "parquet"
    for folder in (csv_dir, parquet_dir):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    for name in tables_present(source):
        path = table_file(source, name)
        shutil.copy2(path, csv_dir / path.name)
        write_parquet(load_table(name, source), parquet_dir / f"{name}.parquet")
    return csv_dir, parquet_dir


def main(argv: list[str] | None = None) -> int:
    """Command line: build from both copies and compare their ledgers; exit 1 on any difference."""
    parser = argparse.ArgumentParser(prog="python -m helpers check-parquet", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="folder of CSV tables (default: the example data)")
    parser.add_argument("--out", type=Path, default=BUILD_DIR / "formats", help="where the two copies are written")
    args = parser.parse_args(argv)
    from helpers.engine.book import Book
    from helpers.engine.build import build

    csv_dir, parquet_dir = make_copies(args.data, args.out)
    ledgers = {}
    for label, folder in (("CSV", csv_dir), ("Parquet", parquet_dir)):
        print(f"[formats] building the book from the {label} copy ({folder}) ...", flush=True)
        result = build(Book(data_source=folder))
        ledgers[label] = pd.read_csv(result.html_dir / "results.csv", keep_default_na=False, na_values=[""])
    csv_ledger, parquet_ledger = ledgers["CSV"], ledgers["Parquet"]
    differences = compare_ledgers(csv_ledger, parquet_ledger, load_tolerances())
    if differences:
        print(f"[formats] {len(differences)} difference(s) between the CSV and the Parquet ledger:")
        for d in differences:
            print(f"  {d}")
        return 1
    print(f"[formats] the CSV and the Parquet copies give the same ledger: {len(csv_ledger)} results, "
          f"{csv_ledger['chapter'].nunique()} chapters")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
