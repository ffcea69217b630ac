"""One run of a sweep as a worker sees it: what to run (:class:`Job`), and running it.

:func:`execute` is what every executor calls, in a worker process, local or remote. It
never raises for a failing run: the error and traceback come back in the record (status
``failed``), so one bad run cannot take the sweep down. Only the death of the worker
process itself is left to the executor, which retries the run elsewhere.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import time
import traceback
from collections.abc import Callable
from functools import cache
from typing import Any

#: Attempts at a run whose worker process died before giving up on it (one try, two retries).
MAX_ATTEMPTS = 3


@dataclasses.dataclass(frozen=True)
class Model:
    """What every run of a sweep shares: the base and fixed overrides, or a function.

    ``keys`` maps each factor's column name to its dotted scenario key.
    """

    base: dict | None
    base_source: str | None
    function: str | None
    fixed: tuple[str, ...]
    keys: tuple[tuple[str, str], ...]
    outcomes: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Job:
    """One run: its number, cell, replicate, seed and the cell's factor values."""

    run: int
    cell: int
    replicate: int
    seed: int
    values: tuple[tuple[str, Any], ...]


def execute(model: Model, job: Job) -> dict[str, Any]:
    """Run ``job`` and return its record: ids, factor values, outcomes, wall time, status.

    A failing run returns ``status = "failed"`` with a one-line ``error`` and the full
    ``traceback``; the outcomes are then NaN. An outcome missing from the run's summary, or
    not a number, is a failure too, never a silent None.
    """
    started = time.perf_counter()
    record: dict[str, Any] = {
        "run": job.run,
        "cell": job.cell,
        "replicate": job.replicate,
        "seed": job.seed,
        **dict(job.values),
    }
    try:
        summary = _run(model, job)
        outcomes = {}
        for name in model.outcomes:
            if name not in summary:
                raise KeyError(f"outcome {name!r} is not in the run's results")
            value = summary[name]
            if not isinstance(value, int | float):
                raise TypeError(f"outcome {name!r} is not a number, got {value!r}")
            outcomes[name] = float(value)
    except Exception as exc:
        return (
            record
            | failed(model, str(exc) or type(exc).__name__, type(exc).__name__)
            | {
                "wall_seconds": time.perf_counter() - started,
                "traceback": traceback.format_exc(),
            }
        )
    return (
        record
        | outcomes
        | {
            "wall_seconds": time.perf_counter() - started,
            "status": "ok",
            "error": "",
            "traceback": "",
        }
    )


def failed(model: Model, message: str, kind: str = "error") -> dict[str, Any]:
    """The status, error and NaN outcomes of a run that did not finish."""
    one_line = " ".join(message.split())
    return {name: math.nan for name in model.outcomes} | {
        "status": "failed",
        "error": f"{kind}: {one_line}",
    }


def lost(model: Model, job: Job, why: str, kind: str = "WorkerDied") -> dict[str, Any]:
    """The record of a run that never returned (its worker died, or it could not be sent)."""
    return (
        {
            "run": job.run,
            "cell": job.cell,
            "replicate": job.replicate,
            "seed": job.seed,
            **dict(job.values),
        }
        | failed(model, why, kind)
        | {"wall_seconds": math.nan, "traceback": ""}
    )


def _run(model: Model, job: Job) -> dict[str, Any]:
    values = dict(job.values)
    if model.function is not None:
        from sim.config import parse_override

        constants = dict(parse_override(text) for text in model.fixed)
        return _function(model.function)(constants | values, job.seed)
    from sim.config import from_dict
    from sim.experiments.spec import override
    from sim.runs import run_replicate

    keys = dict(model.keys)
    overrides = [*model.fixed, *(override(keys[name], v) for name, v in values.items())]
    scenario = from_dict(model.base, source=model.base_source, overrides=overrides)
    return run_replicate(scenario, job.seed)


@cache
def _function(path: str) -> Callable[[dict[str, Any], int], dict[str, Any]]:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)
