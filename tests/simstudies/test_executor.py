"""Replicates give the same calibration table wherever they run: this process, a pool, a Dask cluster."""

from __future__ import annotations

import io

import distributed
import pandas as pd
import pytest

from helpers.simstudies import calibration, power
from helpers.simstudies.executor import batches, open_executor, run_batches

ESTIMATORS = [n for n, e in calibration.ESTIMATORS.items() if e.design == "human_blot"]


def _table_bytes(**where) -> bytes:
    table = calibration.calibrate(ESTIMATORS, n_reps=6, seed=3, chunk=2, **where)
    out = io.StringIO()
    table.to_csv(out, index=False, float_format="%.6g", lineterminator="\n")
    return out.getvalue().encode()


COMPONENTS = power.PlaComponents(log_rate=2.0, sd_mouse=0.15, sd_section=0.1, cell_cv2=0.3, sections=3)


def _grids(executor=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    blots = power.ttest_power_curve({"large": 0.8, "small": 0.4}, 0.5, [4, 8, 16], n_sims=400, alpha=0.05, seed=11,
                                    executor=executor)
    pla = power.pla_power_grid(COMPONENTS, {"a": 0.2}, [4, 8], [20, 80], n_sims=200, alpha=0.05, seed=11,
                               executor=executor)
    return blots, pla


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
        with open_executor(scheduler=cluster.scheduler_address) as client:
            grids_dask = _grids(client)
        monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster.scheduler_address)
        from_env = _table_bytes(workers=1)
    assert ESTIMATORS and one.count(b"\n") == 1 + 2 * len(ESTIMATORS)
    assert one == two == dask == from_env
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS")
    grids_here = _grids()
    with open_executor(workers=2) as pool:
        grids_pool = _grids(pool)
    for here, pool, dask in zip(grids_here, grids_pool, grids_dask, strict=True):
        pd.testing.assert_frame_equal(here, pool, check_exact=True)
        pd.testing.assert_frame_equal(here, dask, check_exact=True)


def test_power_grid_points_are_seeded_by_index_and_agree_with_the_exact_power():
    blots, pla = _grids()
    assert list(blots["n_per_group"]) == [4, 8, 16, 4, 8, 16] and list(blots["scenario"][:3]) == ["large"] * 3
    # simulated power within 4 Monte Carlo SE of the noncentral-t power, every point
    assert ((blots["power_sim"] - blots["power_exact"]).abs() <= 4 * blots["mc_se"].clip(lower=0.01)).all()
    assert ((pla["power_sim"] - pla["power_approx"]).abs() <= 4 * pla["mc_se"].clip(lower=0.01) + 0.03).all()
    # a point's draws depend on its index only: the second grid point alone gives the same power
    alone = power._ttest_point("large", 0.8, 0.5, 8, 400, 0.05, (11,), 1)[0]
    assert alone["power_sim"] == blots.loc[1, "power_sim"]
