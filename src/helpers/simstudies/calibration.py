"""Calibration: do the book's confidence intervals and tests mean what they say?

An estimator is *calibrated* when its 95% confidence intervals contain the true
value in 95% of repeated experiments, and its 5%-level test rejects a true null
hypothesis in 5% of them. Both are checked here by simulation with the book's
own designs: many datasets are drawn from the example-data generators with
different seeds, each is analysed exactly as a chapter analyses it, and

* **coverage** is the share of intervals that contain the value put in;
* **type I error** is the share of *null* datasets (the effect set to zero with
  :func:`dataclasses.replace` on the truths) whose p-value is below ``alpha``.

Each share comes with its Monte Carlo standard error ``sqrt(p (1 - p) / R)``
over ``R`` replicates. An estimator passes when its coverage lies within
``1 - alpha +/- 0.3 alpha`` (93.5-96.5% at ``alpha = 0.05``) and its type I
error within ``alpha +/- 0.3 alpha`` (3.5-6.5%).

Besides the book's estimators the registry holds *naive* variants that a
reader may be tempted to use -- cells treated as independent replicates, or a
Wald z interval from a mixed model or a GEE fitted to a handful of mice -- so
that the calibration shows how far they are off.

``python -m helpers calibrate`` (``make calibrate``) runs every registered
estimator with at least 1000 replicates on two processes and writes
``reference/calibration.csv``.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.simstudies.calibration_core import (
    BAND_FRACTION,
    CALIBRATION_COLUMNS,
    REFERENCE_FILE,
    Design,
    Estimator,
    Interval,
    acceptance_band,
    monte_carlo_se,
    wald_interval,
)
from helpers.simstudies.calibration_registry import DESIGNS, ESTIMATORS, REFERENCE_REPS

__all__ = ["BAND_FRACTION", "CALIBRATION_COLUMNS", "DESIGNS", "ESTIMATORS", "REFERENCE_FILE", "REFERENCE_REPS",
           "Design", "Estimator", "Interval", "acceptance_band", "calibrate", "main", "monte_carlo_se",
           "read_reference", "run_replicate", "simulate_replicates", "summarise_calibration", "wald_interval"]


# --------------------------------------------------------------------------
# Running replicates
# --------------------------------------------------------------------------
def _fit_quietly(estimator: Estimator, data: object, alpha: float) -> Interval | None:
    """Fit, returning None when the fit fails.

    Convergence warnings of mixed models are silenced here on purpose: a fit
    that stops at the boundary (mouse variance 0) still returns the interval a
    user would report, and calibration judges exactly that interval.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = estimator.fit(data, alpha)
        except (ValueError, RuntimeError, np.linalg.LinAlgError, ZeroDivisionError):
            return None
    values = (result.estimate, result.ci_low, result.ci_high, result.p_value)
    return result if all(np.isfinite(v) for v in values) else None


def run_replicate(
    design: Design, estimators: Sequence[Estimator], seed: int, alpha: float
) -> list[dict]:
    """Simulate one real and one null dataset of *design* and fit every estimator to both.

    Returns
    -------
    list of dict
        One row per estimator and kind (``coverage`` from the real dataset,
        ``type_I`` from the null one) with ``hit`` = the interval covers the
        truth (coverage) or the test rejects (type I), NaN if the fit failed.
    """
    rows = []
    for kind, null in (("coverage", False), ("type_I", True)):
        data = design.simulate(seed, null)
        truth = design.truth(null)
        for est in estimators:
            res = _fit_quietly(est, data, alpha)
            if res is None:
                hit = math.nan
            elif kind == "coverage":
                hit = float(res.ci_low <= truth <= res.ci_high)
            else:
                hit = float(res.p_value < alpha)
            rows.append({"estimator": est.name, "kind": kind, "seed": seed, "hit": hit,
                         "estimate": math.nan if res is None else res.estimate, "truth": truth})
    return rows


def _run_chunk(args: tuple[str, tuple[str, ...], list[int], float]) -> list[dict]:
    """Worker: run replicates of registered estimators (looked up by name, so picklable)."""
    design_name, names, seeds, alpha = args
    design = DESIGNS[design_name]
    estimators = [ESTIMATORS[n] for n in names]
    return [row for s in seeds for row in run_replicate(design, estimators, s, alpha)]


def simulate_replicates(
    estimators: Sequence[str] | None = None,
    n_reps: int = 1000,
    seed: int = 1,
    alpha: float = 0.05,
    workers: int = 1,
    chunk: int = 25,
    scheduler: str | None = None,
    progress: float = -1.0,
) -> pd.DataFrame:
    """Run *n_reps* real and null replicates of registered estimators.

    Estimators sharing a design are fitted to the same datasets (a paired
    comparison). Replicate ``i`` uses dataset seed ``seed * 1_000_003 + i``,
    so the table does not depend on where or in which order batches run.

    Parameters
    ----------
    estimators : sequence of str, optional
        Names in :data:`ESTIMATORS`; all of them by default.
    n_reps : int
        Replicates per estimate.
    seed : int
        Base seed of the run.
    alpha : float
        Nominal error rate (1 - confidence level).
    workers : int
        Local processes; 1 runs in this process (ignored with a scheduler).
    chunk : int
        Replicates per batch handed to a worker.
    scheduler : str, optional
        Dask scheduler address (else ``$DASK_SCHEDULER_ADDRESS``, else the local pool);
        see :mod:`helpers.simstudies.executor`.
    progress : float
        Seconds between progress lines (done/total, rate, time left) on stderr; negative: quiet.

    Returns
    -------
    DataFrame
        One row per estimator, kind and replicate (see :func:`run_replicate`).
    """
    from helpers.simstudies.executor import batches, open_executor, run_batches

    names = list(ESTIMATORS) if estimators is None else list(estimators)
    unknown = [n for n in names if n not in ESTIMATORS]
    if unknown:
        raise KeyError(f"unknown estimators {unknown}; known: {list(ESTIMATORS)}")
    seeds = [seed * 1_000_003 + i for i in range(n_reps)]
    tasks = []
    for design_name in dict.fromkeys(ESTIMATORS[n].design for n in names):
        group = tuple(n for n in names if ESTIMATORS[n].design == design_name)
        tasks += [((design_name, group, [seeds[i] for i in part], alpha),) for part in batches(n_reps, chunk)]
    with open_executor(workers, scheduler) as executor:
        parts = run_batches(_run_chunk, tasks, executor, label="calibration replicates",
                            sizes=[len(t[0][2]) for t in tasks], every=progress)
    return pd.DataFrame([row for part in parts for row in part])


def summarise_calibration(replicates: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Return coverage and type I error per estimator with Monte Carlo SEs and bands.

    Failed fits (``hit`` NaN) are counted in ``failed`` and left out of the
    share; ``replicates`` is the number of successful fits.

    Examples
    --------
    >>> reps = pd.DataFrame({"estimator": "e", "kind": "coverage", "hit": [1.0, 1.0, 0.0, 1.0, float("nan")]})
    >>> row = summarise_calibration(reps).iloc[0]
    >>> int(row.replicates), float(row.value), int(row.failed)
    (4, 0.75, 1)
    """
    rows = []
    for (name, kind), group in replicates.groupby(["estimator", "kind"], sort=False):
        hits = group["hit"].dropna()
        share = float(hits.mean()) if len(hits) else math.nan
        low, high = acceptance_band(kind, alpha)
        rows.append({
            "estimator": name, "kind": kind, "replicates": int(len(hits)), "value": share,
            "mc_se": monte_carlo_se(share, len(hits)), "lower_band": low, "upper_band": high,
            "inside_band": bool(low <= share <= high), "failed": int(group["hit"].isna().sum()),
            "alpha": alpha,
        })
    return pd.DataFrame(rows, columns=CALIBRATION_COLUMNS)


def calibrate(
    estimators: Sequence[str] | None = None,
    n_reps: int = 1000,
    seed: int = 1,
    alpha: float = 0.05,
    workers: int = 1,
    scheduler: str | None = None,
    chunk: int = 25,
    progress: float = -1.0,
) -> pd.DataFrame:
    """Return the calibration table (see :func:`summarise_calibration`) of *estimators*."""
    reps = simulate_replicates(estimators, n_reps=n_reps, seed=seed, alpha=alpha, workers=workers,
                               scheduler=scheduler, chunk=chunk, progress=progress)
    return summarise_calibration(reps, alpha)


def read_reference(path=REFERENCE_FILE) -> pd.DataFrame:
    """Read the committed calibration table written by ``make calibrate``."""
    table = pd.read_csv(path)
    missing = set(CALIBRATION_COLUMNS) - set(table.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}; rerun `make calibrate`")
    return table


def main(argv: list[str] | None = None) -> int:
    """Command line: run the calibration and write the table (``make calibrate``)."""
    parser = argparse.ArgumentParser(prog="python -m helpers calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--reps", "--replicates", type=int, default=None,
                        help=f"replicates per estimate (default per design: {REFERENCE_REPS})")
    parser.add_argument("--seed", type=int, default=1, help="base seed (default 1)")
    parser.add_argument("--alpha", type=float, default=0.05, help="nominal level (default 0.05)")
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--scheduler", default=None,
                        help="Dask scheduler address, e.g. tcp://host:8786 (default $DASK_SCHEDULER_ADDRESS, "
                             "else the local pool)")
    parser.add_argument("--estimators", nargs="*", default=None, help=f"subset of {list(ESTIMATORS)}")
    parser.add_argument("--out", default=str(REFERENCE_FILE), help="output CSV")
    args = parser.parse_args(argv)
    start = time.time()
    names = list(ESTIMATORS) if args.estimators is None else args.estimators
    from helpers.simstudies.executor import describe_executor

    print(f"running on {describe_executor(args.workers, args.scheduler)}", flush=True)
    parts = []
    for design in dict.fromkeys(ESTIMATORS[n].design for n in names):
        chosen = [n for n in names if ESTIMATORS[n].design == design]
        reps = args.reps or REFERENCE_REPS.get(design, 1000)
        parts.append(calibrate(chosen, n_reps=reps, seed=args.seed, alpha=args.alpha, workers=args.workers,
                               scheduler=args.scheduler, progress=30.0))
        print(f"{design}: {reps} replicates done after {time.time() - start:.0f} s", flush=True)
    table = pd.concat(parts, ignore_index=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False, float_format="%.6g", lineterminator="\n")
    print(table.to_string(index=False))
    print(f"wrote {out} in {time.time() - start:.0f} s")
    return 0

