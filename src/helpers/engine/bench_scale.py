"""Scale benchmark: validation, aggregation and the ``mam_pla`` chapter on 10⁵–10⁷ cells.

``make bench-scale`` (``python -m helpers bench-scale``) writes ``pla_cells``
tables of 10⁵, 10⁶ and 10⁷ rows — the example design (same mice and sections)
with more cells per section: every example cell is repeated with a new
``cell_id`` — and measures, each in its own subprocess, the wall time and the
peak resident memory of

* ``validate``: reading and checking the table (``validate_report``);
* ``aggregate``: ``load_table`` plus the section aggregate (the aggregate's own
  time is reported as ``inner_s``);
* ``mam_pla``: the whole chapter executed by papermill on the folder.

It writes ``reference/bench_scale.csv`` and prints the growth per decade of
rows. Targets (2-core machine): 10⁷ rows validated in ≤ 30 s and ≤ 4 GiB; the
chapter in ≤ 60 s and ≤ 4 GiB.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core.paths import DATA_DIR, ROOT

OUT_FILE = ROOT / "reference" / "bench_scale.csv"
SIZES = (100_000, 1_000_000, 10_000_000)
STEPS = ("validate", "aggregate", "mam_pla")
TARGETS = {"validate": (30.0, 4.0), "mam_pla": (60.0, 4.0)}  # seconds, GiB at 10⁷ rows


def write_cells(rows: int, folder: Path) -> Path:
    """Write ``pla_cells.csv`` of *rows* rows into *folder*: the example cells (``data/``) repeated, new cell ids."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    cells = pacsv.read_csv(DATA_DIR / "pla_cells.csv")
    copies = math.ceil(rows / cells.num_rows)
    pick = np.tile(np.arange(cells.num_rows), copies)[:rows]
    copy = np.repeat(np.arange(copies), cells.num_rows)[:rows]
    table = cells.take(pa.array(pick))
    suffix = pc.cast(pa.array(copy), pa.string())
    cell_id = pc.binary_join_element_wise(table.column("cell_id"), suffix, "-r")
    table = table.set_column(table.column_names.index("cell_id"), "cell_id", cell_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pla_cells.csv"
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="none"))
    return path


def _peak_gib() -> float:
    """Peak resident memory of this process and its finished children, GiB (Linux: ru_maxrss in KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 2**20


def measure(step: str, folder: Path) -> dict:
    """Run one *step* on *folder* in this process; return seconds, inner seconds and peak GiB."""
    start = time.perf_counter()
    inner = math.nan
    ok = True
    if step == "validate":
        from helpers.data.validate import validate_report

        ok = validate_report(folder, ["pla_cells"]).ok
    elif step == "aggregate":
        from helpers.data.aggregate import aggregate_pla_sections
        from helpers.data.validate import load_table

        cells = load_table("pla_cells", folder)
        t0 = time.perf_counter()
        aggregate_pla_sections(cells)
        inner = time.perf_counter() - t0
    elif step == "mam_pla":
        out = folder / "mam_pla.out.ipynb"
        done = subprocess.run(
            [sys.executable, "-m", "papermill", str(ROOT / "chapters" / "mam_pla.ipynb"), str(out),
             "-p", "data_source", str(folder), "--cwd", str(ROOT / "chapters")],
            capture_output=True, text=True)
        ok = done.returncode == 0
    else:
        raise ValueError(f"unknown step {step!r}; steps: {STEPS}")
    return {"seconds": time.perf_counter() - start, "inner_s": inner, "peak_gib": _peak_gib(), "ok": ok}


def run_step(step: str, folder: Path, timeout: float) -> dict:
    """Measure *step* in a fresh subprocess (so peaks do not add up); a timeout is recorded, not raised."""
    try:
        done = subprocess.run([sys.executable, "-m", "helpers.engine.bench_scale", "--measure", step, str(folder)],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"seconds": math.nan, "inner_s": math.nan, "peak_gib": math.nan, "ok": False,
                "note": f"stopped after {timeout:.0f} s"}
    if done.returncode != 0:
        return {"seconds": math.nan, "inner_s": math.nan, "peak_gib": math.nan, "ok": False,
                "note": (done.stderr.strip().splitlines() or ["failed"])[-1][:200]}
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "note": ""}


def growth(table: pd.DataFrame) -> pd.DataFrame:
    """Return the factor by which time and memory grow per tenfold more rows, per step."""
    rows = []
    for step, part in table.groupby("step", sort=False):
        part = part.dropna(subset=["seconds"]).sort_values("rows")
        for (_, a), (_, b) in zip(part.iloc[:-1].iterrows(), part.iloc[1:].iterrows(), strict=True):
            decades = math.log10(b["rows"] / a["rows"])
            rows.append({"step": step, "from_rows": a["rows"], "to_rows": b["rows"],
                         "time_x_per_decade": (b["seconds"] / a["seconds"]) ** (1 / decades),
                         "memory_x_per_decade": (b["peak_gib"] / a["peak_gib"]) ** (1 / decades)})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    """Command line: run the benchmark (or, with ``--measure``, one measurement) and write the table."""
    parser = argparse.ArgumentParser(prog="python -m helpers bench-scale", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES), help="rows of each table")
    parser.add_argument("--steps", nargs="*", default=list(STEPS), choices=STEPS)
    parser.add_argument("--timeout", type=float, default=600, help="seconds before a measurement is stopped")
    parser.add_argument("--out", default=str(OUT_FILE))
    parser.add_argument("--measure", nargs=2, metavar=("STEP", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure[0], Path(args.measure[1]))))
        return 0
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        for rows in args.sizes:
            folder = Path(tmp) / f"rows_{rows}"
            t0 = time.perf_counter()
            size = write_cells(rows, folder).stat().st_size
            print(f"{rows:,} rows: wrote {size / 2**20:.0f} MiB in {time.perf_counter() - t0:.0f} s", flush=True)
            for step in args.steps:
                result = {"rows": rows, "step": step, **run_step(step, folder, args.timeout)}
                results.append(result)
                print(f"  {step:<9} {result['seconds']:8.1f} s  {result['peak_gib']:5.2f} GiB  "
                      f"{'ok' if result['ok'] else 'FAILED'} {result['note']}", flush=True)
    table = pd.DataFrame(results)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False, float_format="%.3f", lineterminator="\n")
    print(growth(table).round(2).to_string(index=False))
    for step, (seconds, gib) in TARGETS.items():
        top = table[(table["step"] == step) & (table["rows"] == max(args.sizes))]
        for r in top.itertuples():
            met = r.ok and r.seconds <= seconds and r.peak_gib <= gib
            print(f"target {step} at {r.rows:,} rows (<= {seconds:.0f} s, <= {gib:.0f} GiB): "
                  f"{'met' if met else 'NOT met'} ({r.seconds:.1f} s, {r.peak_gib:.2f} GiB)")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
