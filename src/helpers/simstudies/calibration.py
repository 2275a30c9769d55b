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

__all__ = ["BAND_FRACTION", "CALIBRATION_COLUMNS", "DESIGNS", "ESTIMATORS", "QUOTED", "REFERENCE_FILE",
           "REFERENCE_REPS", "SHARE_METHOD", "Design", "Estimator", "Interval", "acceptance_band", "book_extremes",
           "calibrate", "chapter_results", "live_results", "main", "monte_carlo_se", "quoted_shares",
           "read_reference", "run_replicate", "simulate_replicates", "summarise_calibration", "wald_interval"]

#: The estimators whose type I error and coverage the calibration chapter quotes, in its words:
#: the naive variants first, then the checks of the book's choices (families, gel, coupling, median).
QUOTED = {
    "pla_gee_robust_z": "GEE with plain robust SE, z interval",
    "pla_cells_independent": "cells treated as independent",
    "arsenite_slope_interaction_z": "mixed model with z interval",
    "human_region_effect_z": "human OLS with z interval",
    "ec50_log_ratio_z": "EC50 ratio with z interval",
    "meta_dl_wald": "DerSimonian-Laird pooled estimate with z interval",
    "mouse_tbk1_family_unadjusted": "nine mouse contrasts read with unadjusted intervals",
    "fraction_interaction_random_gel_z": "random-gel model with z interval",
    "coupling_slope_ols_rows": "coupling slope with OLS SE counting rows",
    "mouse_tbk1_family_bonferroni": "nine mouse contrasts, Bonferroni-simultaneous",
    "fraction_interaction_fixed_gel": "MAM-fraction interaction, fixed gel",
    "fraction_interaction_random_gel_kr": "MAM-fraction interaction, random gel, Kenward-Roger",
    "fraction_interaction_random_gel_satterthwaite": "MAM-fraction interaction, random gel, Satterthwaite",
    "coupling_slope_cr2": "coupling slope, CR2 by mouse",
    "km_median": "Kaplan-Meier median",
}
#: Columns of :func:`book_extremes` and :func:`quoted_shares`.
SHARE_COLUMNS = ["key", "estimator", "percent", "replicates", "description"]
#: How every share of the calibration chapter was obtained, in the results table's words.
SHARE_METHOD = "simulation from the book's generators; share of replicates; binomial Monte Carlo SE"
#: Columns of the results tables of :func:`chapter_results` and :func:`live_results` (``ResultsLedger.record``).
RESULT_COLUMNS = ["key", "value", "n", "n_unit", "unit", "method", "description", "digits"]


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


# --------------------------------------------------------------------------
# What the calibration chapter quotes
# --------------------------------------------------------------------------


def _share(key: str, row: pd.Series, description: str) -> dict:
    return {"key": key, "estimator": row["estimator"], "percent": 100 * float(row["value"]),
            "replicates": int(row["replicates"]), "description": description}


def book_extremes(reference: pd.DataFrame) -> pd.DataFrame:
    """Return the lowest and highest coverage and the highest type I error of the book's estimators, in %.

    *reference* is a calibration table (:func:`read_reference`); the book's
    estimators are those of role ``book`` in :data:`ESTIMATORS`. Rows
    ``book_coverage_min``, ``book_coverage_max``, ``book_type1_max`` with
    :data:`SHARE_COLUMNS` (the first estimator of a tie).
    """
    book = reference[[ESTIMATORS[name].role == "book" if name in ESTIMATORS else False
                      for name in reference["estimator"]]]
    coverage, type_one = (book[book["kind"] == kind].reset_index(drop=True) for kind in ("coverage", "type_I"))
    low, high, worst = (coverage.loc[coverage["value"].idxmin()], coverage.loc[coverage["value"].idxmax()],
                        type_one.loc[type_one["value"].idxmax()])
    return pd.DataFrame([
        _share("book_coverage_min", low, f"lowest coverage of a book estimator ({low['estimator']})"),
        _share("book_coverage_max", high, f"highest coverage of a book estimator ({high['estimator']})"),
        _share("book_type1_max", worst, f"highest type I error of a book estimator ({worst['estimator']})"),
    ], columns=SHARE_COLUMNS)


def quoted_shares(reference: pd.DataFrame, quoted: dict[str, str] | None = None) -> pd.DataFrame:
    """Return the type I error and coverage (%) of each estimator of *quoted* (default :data:`QUOTED`).

    Two rows per estimator, in the order of *quoted*: ``<name>_type1``
    ("type I error, <words>") and ``<name>_coverage`` ("coverage, <words>"),
    with :data:`SHARE_COLUMNS`.

    Raises
    ------
    KeyError
        When the table lacks a quoted estimate (rerun ``make calibrate``).
    """
    table = reference.set_index(["estimator", "kind"], drop=False)
    rows = []
    for name, words in (QUOTED if quoted is None else quoted).items():
        for kind, key, what in (("type_I", "type1", "type I error"), ("coverage", "coverage", "coverage")):
            if (name, kind) not in table.index:
                raise KeyError(f"{REFERENCE_FILE.name}: no {kind} row of estimator {name!r}; rerun `make calibrate`")
            rows.append(_share(f"{name}_{key}", table.loc[(name, kind)], f"{what}, {words}"))
    return pd.DataFrame(rows, columns=SHARE_COLUMNS)


def _share_results(shares: pd.DataFrame) -> pd.DataFrame:
    """Shares (:data:`SHARE_COLUMNS`) as results rows: percent of replicates, to one decimal."""
    return pd.DataFrame({"key": shares["key"], "value": shares["percent"], "n": shares["replicates"],
                         "n_unit": "simulated datasets", "unit": "%", "method": SHARE_METHOD,
                         "description": shares["description"], "digits": 1}, columns=RESULT_COLUMNS)


def _count_results(counts: list[tuple[str, int, str, str]]) -> pd.DataFrame:
    """Counts ``(key, value, unit, description)`` as results rows: each its own n, shown without decimals."""
    return pd.DataFrame([{"key": key, "value": value, "n": value, "n_unit": unit, "unit": unit, "method": "count",
                          "description": description, "digits": 0} for key, value, unit, description in counts],
                        columns=RESULT_COLUMNS)


def chapter_results(reference: pd.DataFrame, quoted: dict[str, str] | None = None) -> pd.DataFrame:
    """Return the numbers the calibration chapter quotes from the full run, as one results table.

    In the chapter's order: the book's extremes (:func:`book_extremes`), the
    counts ``book_inside`` (book estimates inside their acceptance band),
    ``failed_fits`` (fits that raised an error, over every estimator) and
    ``book_estimates``, then the type I error and coverage of every estimator of
    *quoted* (:func:`quoted_shares`). Shares are in % of their replicates
    (:data:`SHARE_METHOD`); columns :data:`RESULT_COLUMNS`, as
    ``ResultsLedger.record`` takes them.

    *reference* is a calibration table (:func:`read_reference`) with its
    ``inside_band`` and ``failed`` columns; the book's estimators are those of
    role ``book`` in :data:`ESTIMATORS`.
    """
    book = reference[[ESTIMATORS[name].role == "book" if name in ESTIMATORS else False
                      for name in reference["estimator"]]]
    counts = _count_results([
        ("book_inside", int(book["inside_band"].sum()), "estimates", "book estimates inside their acceptance band"),
        ("failed_fits", int(reference["failed"].sum()), "fits",
         "fits that raised an error in the full run (left out of the shares)"),
        ("book_estimates", len(book), "estimates", "book estimates calibrated"),
    ])
    return pd.concat([_share_results(book_extremes(reference)), counts,
                      _share_results(quoted_shares(reference, quoted))], ignore_index=True)


def live_results(live: pd.DataFrame, estimator: str) -> pd.DataFrame:
    """Return the live run's coverage of *estimator* as a one-row results table (``live_coverage``, in %).

    *live* is a calibration table (:func:`calibrate`) holding a coverage row of *estimator*.

    Raises
    ------
    KeyError
        When *live* has no coverage row of *estimator*.
    """
    rows = live[(live["estimator"] == estimator) & (live["kind"] == "coverage")]
    if rows.empty:
        raise KeyError(f"the live run has no coverage row of estimator {estimator!r} "
                       f"(estimators: {', '.join(map(str, live['estimator'].unique()))})")
    first = rows.iloc[0]
    return _share_results(pd.DataFrame([_share("live_coverage", first, f"live-run coverage of {estimator}")],
                                       columns=SHARE_COLUMNS))


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

