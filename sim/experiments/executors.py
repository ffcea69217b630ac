"""Where a sweep's runs execute: one interface, a local process pool or Dask distributed.

An executor takes the sweep's :class:`~sim.experiments.tasks.Model` and an iterator of
jobs and yields ``(job, record)`` as runs finish, in whatever order they finish. It keeps
only a small window of runs in flight (the runner writes each record as it arrives), so
memory stays flat however many runs there are. Both implementations give up on a run
whose worker process died :data:`~sim.experiments.tasks.MAX_ATTEMPTS` times and yield a
failure record for it, so a sweep never hangs on a dying worker.

- :class:`Serial`: in this process, one run after the other (tests, debugging).
- :class:`LocalPool`: ``concurrent.futures.ProcessPoolExecutor``. When a worker dies the
  pool breaks and every run in flight is lost; the pool is replaced, and those runs are
  retried one at a time, so that a second death is pinned on the run that caused it.
- :class:`DaskExecutor`: a ``distributed.Client`` on a scheduler address, or on a
  ``LocalCluster`` of its own. Dask's nanny restarts a dead worker and the scheduler
  retries its task; after ``distributed.scheduler.allowed-failures`` retries (set to 2 on
  our own cluster; a remote scheduler keeps its own setting) the task fails with
  ``KilledWorker``, which is recorded like any failure.
"""

from __future__ import annotations

import collections
import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, Protocol

from sim.experiments.tasks import MAX_ATTEMPTS, Job, Model, execute, lost


class Executor(Protocol):
    """Runs jobs somewhere and yields ``(job, record)`` as they finish."""

    workers: int

    def results(self, model: Model, jobs: Iterator[Job]) -> Iterator[tuple[Job, dict]]:
        """Run every job; yield each with its record (``attempts`` included) when it ends."""
        ...

    def describe(self) -> str:
        """A few words for messages: 'a local pool of 2 processes'."""
        ...


def _start_worker() -> None:
    """Set up a pool's worker process: Ctrl-C is left to the parent, which stops the
    workers (no traceback from each), and each run keeps to one thread."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _one_thread()


def _one_thread() -> None:
    """Runs already share the cores between them, so a run's spreading phase keeps to one
    thread (``sim.kernels.threads``); concurrent runs in one process must, too."""
    os.environ["GOVSIM_THREADS"] = "1"


def _execute_one_thread(model: Model, job: Job) -> dict[str, Any]:
    """:func:`~sim.experiments.tasks.execute` on a Dask worker, whose threads may each run
    a job at the same time."""
    _one_thread()
    return execute(model, job)


class Serial:
    """Runs every job in this process, one after the other: no pool to start (tests, pdb).

    A run that kills its process kills the sweep too; use :class:`LocalPool` for real work.
    """

    workers = 1

    def describe(self) -> str:
        return "this process"

    def results(self, model: Model, jobs: Iterator[Job]) -> Iterator[tuple[Job, dict]]:
        for job in jobs:
            yield job, execute(model, job) | {"attempts": 1}


class LocalPool:
    """A pool of local worker processes (default: one per core).

    Args:
        workers: processes; ``None`` for ``os.cpu_count()``.
    """

    def __init__(self, workers: int | None = None):
        self.workers = max(1, workers or os.cpu_count() or 1)

    def describe(self) -> str:
        n = self.workers
        return f"a local pool of {n} process{'es' if n != 1 else ''}"

    def _pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
        )

    def results(self, model: Model, jobs: Iterator[Job]) -> Iterator[tuple[Job, dict]]:
        run = partial(execute, model)
        window = 2 * self.workers
        attempts: collections.Counter[int] = collections.Counter()
        suspects: collections.deque[Job] = collections.deque()
        in_flight: dict[Future, Job] = {}
        pool = self._pool()
        try:
            while True:
                if suspects:
                    if not in_flight:  # alone, so that a death is its own
                        job = suspects.popleft()
                        in_flight[pool.submit(run, job)] = job
                else:
                    while len(in_flight) < window and (job := next(jobs, None)) is not None:
                        in_flight[pool.submit(run, job)] = job
                if not in_flight:
                    return
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                broken = False
                for future in done:
                    job = in_flight.pop(future)
                    attempts[job.run] += 1
                    try:
                        record = future.result()
                    except BrokenProcessPool:
                        broken = True
                        suspects.append(job)
                        continue
                    except Exception as exc:  # e.g. the job could not be sent to a worker
                        record = lost(model, job, str(exc), type(exc).__name__)
                    yield job, record | {"attempts": attempts.pop(job.run)}
                if broken:
                    # every run still in flight died with the pool: all are suspects
                    for future in list(in_flight):
                        job = in_flight.pop(future)
                        attempts[job.run] += 1
                        suspects.append(job)
                    _stop(pool)
                    pool = self._pool()
                    for job in list(suspects):
                        if attempts[job.run] >= MAX_ATTEMPTS:
                            suspects.remove(job)
                            n = attempts.pop(job.run)
                            why = f"its worker process died {n} times; the pool was replaced"
                            yield job, lost(model, job, why) | {"attempts": n}
        finally:
            _stop(pool)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Shut the pool down now: pending runs cancelled, running ones killed."""
    processes = list(getattr(pool, "_processes", {}).values())  # no public handle in 3.12
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join(timeout=5)


class DaskExecutor:
    """Runs on Dask distributed: a scheduler's address, or a local cluster of ``workers``.

    Args:
        scheduler: ``tcp://HOST:PORT`` of a running scheduler; its workers need the same
            govsim installed (and any scenario files the base refers to by path).
        workers: without a scheduler, processes of a ``LocalCluster`` on 127.0.0.1
            (default: one per core), one thread each.
        no_worker_timeout: seconds with no worker at all before the sweep stops with
            :class:`NoWorkers` (it never hangs; ``--resume`` continues it).
    """

    def __init__(
        self,
        scheduler: str | None = None,
        workers: int | None = None,
        no_worker_timeout: float = 120.0,
    ):
        self.scheduler = scheduler
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.no_worker_timeout = no_worker_timeout

    def describe(self) -> str:
        if self.scheduler:
            return f"the Dask scheduler at {self.scheduler}"
        return f"a local Dask cluster of {self.workers} workers"

    def results(self, model: Model, jobs: Iterator[Job]) -> Iterator[tuple[Job, dict]]:
        import dask
        from distributed import Client, KilledWorker, LocalCluster, wait

        cluster = None
        settings = {
            "distributed.scheduler.allowed-failures": MAX_ATTEMPTS - 1,
            # one run per worker thread at a time: a dying worker takes only its own run
            "distributed.scheduler.worker-saturation": 1.0,
        }
        with dask.config.set(settings):
            if self.scheduler:
                client = Client(self.scheduler, timeout="30s")
            else:
                cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=logging.CRITICAL,
                )
                client = Client(cluster)
        try:
            if self.scheduler:
                try:
                    client.wait_for_workers(1, timeout=self.no_worker_timeout)
                except TimeoutError:
                    raise NoWorkers(
                        f"{self.describe()} has had no worker for "
                        f"{self.no_worker_timeout:.0f} s; nothing ran"
                    ) from None
                self.workers = max(1, len(client.scheduler_info()["workers"]))
            window = 2 * self.workers
            in_flight: dict[Any, Job] = {}
            idle_since: float | None = None

            def submit(job: Job) -> None:
                key = f"govsim-run-{job.run}-{os.urandom(4).hex()}"
                in_flight[client.submit(_execute_one_thread, model, job, key=key, pure=False)] = job

            while True:
                while len(in_flight) < window and (job := next(jobs, None)) is not None:
                    submit(job)
                if not in_flight:
                    return
                try:
                    done, _ = wait(list(in_flight), timeout=5, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    # no run finished: make sure there still is a worker to run them
                    if client.scheduler_info()["workers"]:
                        idle_since = None
                    elif idle_since is None:
                        idle_since = time.monotonic()
                    elif time.monotonic() - idle_since > self.no_worker_timeout:
                        raise NoWorkers(
                            f"{self.describe()} has had no worker for "
                            f"{self.no_worker_timeout:.0f} s; the finished runs are saved"
                        ) from None
                    continue
                idle_since = None
                for future in done:
                    job = in_flight.pop(future)
                    # Dask retries a run whose worker died inside the scheduler: the
                    # number of attempts is not known here (None), unless it gave up.
                    try:
                        record = future.result() | {"attempts": None}
                    except KilledWorker:
                        why = f"its worker process died {MAX_ATTEMPTS} times (Dask: KilledWorker)"
                        record = lost(model, job, why) | {"attempts": MAX_ATTEMPTS}
                    except Exception as exc:  # e.g. the job could not be shipped to a worker
                        why = str(exc)
                        record = lost(model, job, why, type(exc).__name__) | {"attempts": None}
                    future.release()
                    yield job, record
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


class NoWorkers(RuntimeError):
    """The Dask cluster lost every worker and got none back: the sweep stops, resumable."""
