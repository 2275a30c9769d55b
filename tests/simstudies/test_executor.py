"""Replicates give the same calibration table wherever they run: this process, a pool, a Dask cluster."""

from __future__ import annotations

import io

import distributed
import pytest

from helpers.simstudies import calibration
from helpers.simstudies.executor import batches, open_executor, run_batches

ESTIMATORS = [n for n, e in calibration.ESTIMATORS.items() if e.design == "human_blot"]


def _table_bytes(**where) -> bytes:
    table = calibration.calibrate(ESTIMATORS, n_reps=6, seed=3, chunk=2, **where)
    out = io.StringIO()
    table.to_csv(out, index=False, float_format="%.6g", lineterminator="\n")
    return out.getvalue().encode()


def _square(k: int) -> list[int]:
    return [k * k]


def test_results_come_back_in_job_order_whatever_finishes_first():
    with open_executor(workers=2) as pool:
        assert run_batches(_square, [(k,) for k in range(7)], pool) == [[k * k] for k in range(7)]


def test_batches_cover_every_index_once():
    assert [i for b in batches(11, 4) for i in b] == list(range(11))
    with pytest.raises(ValueError):
        batches(3, 0)


def test_same_calibration_table_from_one_process_two_workers_and_a_dask_cluster(monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    one = _table_bytes(workers=1)
    two = _table_bytes(workers=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        dask = _table_bytes(scheduler=cluster.scheduler_address)
        monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster.scheduler_address)
        from_env = _table_bytes(workers=1)
    assert ESTIMATORS and one.count(b"\n") == 1 + 2 * len(ESTIMATORS)
    assert one == two == dask == from_env
