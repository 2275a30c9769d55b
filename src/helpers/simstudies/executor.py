"""One way to run simulation replicates: a local process pool or a Dask cluster.

Every sweep of the book (calibration, power curves, the specification curve)
hands its replicates to :func:`run_batches`, which submits them in batches
through a :class:`concurrent.futures.Executor`:

* by default a local :class:`~concurrent.futures.ProcessPoolExecutor`
  (or this very process when one worker is asked for);
* a Dask cluster when a scheduler address is given (``scheduler=`` here,
  ``make calibrate SCHEDULER=tcp://host:8786``, or the environment variable
  ``DASK_SCHEDULER_ADDRESS``): ``distributed.Client(address).get_executor()``
  is the same interface, so nothing else changes.

A replicate's random numbers come from its index only (the caller derives the
seed from it), and results are put back in submission order, so the output
does not depend on the executor, the number of workers or the order in which
batches finish. Long runs print their progress (done/total, rate, time left).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from typing import Any

#: Environment variable naming a Dask scheduler (the one Dask itself reads).
SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"


class InProcessExecutor(Executor):
    """Run each call at once in this process (one worker, no pickling, easy debugging)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:  # handed to the caller through the future
            future.set_exception(err)
        return future


def scheduler_address(scheduler: str | None = None) -> str | None:
    """Return the Dask scheduler to use: *scheduler*, else ``$DASK_SCHEDULER_ADDRESS``, else None.

    >>> scheduler_address("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    return scheduler or os.environ.get(SCHEDULER_ENV) or None


@contextlib.contextmanager
def open_executor(workers: int = 1, scheduler: str | None = None) -> Iterator[Executor]:
    """Yield an executor: Dask's when a scheduler is given (or in the environment), else local.

    Parameters
    ----------
    workers : int
        Local processes; 1 runs every replicate in this process. Ignored with a scheduler
        (the cluster has its own workers).
    scheduler : str, optional
        Address of a running Dask scheduler, e.g. ``tcp://host:8786``.
    """
    address = scheduler_address(scheduler)
    if address:
        from distributed import Client

        with Client(address) as client:
            yield client.get_executor()
    elif workers <= 1:
        yield InProcessExecutor()
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            yield pool


def describe_executor(workers: int = 1, scheduler: str | None = None) -> str:
    """Say in words where replicates will run (for the console)."""
    address = scheduler_address(scheduler)
    if address:
        return f"Dask cluster at {address}"
    return "this process" if workers <= 1 else f"local pool of {workers} processes"


def batches(n: int, size: int) -> list[range]:
    """Split replicate indices ``0..n-1`` into consecutive batches of at most *size*.

    >>> [list(b) for b in batches(5, 2)]
    [[0, 1], [2, 3], [4]]
    """
    if size < 1:
        raise ValueError(f"batch size must be at least 1, got {size}")
    return [range(i, min(i + size, n)) for i in range(0, n, size)]


class Progress:
    """Print done/total, rate and time left, at most every *every* seconds."""

    def __init__(self, total: int, label: str = "replicates", every: float = 10.0, stream=None):
        self.total, self.label, self.every = total, label, every
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self.start = self.last = time.monotonic()

    def line(self) -> str:
        """Return the progress line for the current state."""
        elapsed = max(time.monotonic() - self.start, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        eta = f"{left:.0f} s left" if left == left else "time left unknown"
        return f"{self.label}: {self.done}/{self.total} done, {rate:.2f}/s, {eta}"

    def advance(self, k: int) -> None:
        """Count *k* more finished items and print a line if it is time."""
        self.done += k
        now = time.monotonic()
        if self.every >= 0 and (now - self.last >= self.every or self.done == self.total):
            if now - self.start >= self.every:  # short runs stay quiet
                print(self.line(), file=self.stream, flush=True)
            self.last = now


def run_batches(
    task: Callable[..., list],
    jobs: Sequence[tuple],
    executor: Executor,
    label: str = "replicates",
    sizes: Sequence[int] | None = None,
    every: float = -1.0,
) -> list[Any]:
    """Run ``task(*job)`` for every job on *executor*; return the results in job order.

    Parameters
    ----------
    task : callable
        A module-level (picklable) function; each job is one batch of replicates.
    jobs : sequence of tuple
        Arguments of each call.
    executor : Executor
        From :func:`open_executor` (local pool, this process or Dask).
    label : str
        Name of the items in the progress line.
    sizes : sequence of int, optional
        Replicates in each job (for the progress count); one per job by default.
    every : float
        Seconds between progress lines on stderr (negative, the default: none, as in a chapter;
        the command line asks for them).

    Returns
    -------
    list
        ``task(*jobs[i])`` at position ``i``, whatever order they finished in.
    """
    sizes = list(sizes) if sizes is not None else [1] * len(jobs)
    progress = Progress(sum(sizes), label, every)
    futures = {executor.submit(task, *job): i for i, job in enumerate(jobs)}
    results: list[Any] = [None] * len(jobs)
    for future in as_completed(futures):
        i = futures[future]
        results[i] = future.result()
        progress.advance(sizes[i])
    return results
