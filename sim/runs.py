"""Running one scenario for one replicate: the seed it gets and the outcomes it returns.

Batch work (``govsim compare``, sweeps) runs many replicates; replicate ``i`` of every
design or cell gets the same seed, derived from a root seed with numpy's
``SeedSequence`` spawn key, so every design meets the same simulated world (common
random numbers). A replicate's seed is an ordinary integer: ``govsim run SCENARIO
--seed S`` repeats that one run exactly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from sim import metrics
from sim.config import Scenario

_warm = False


def warm_up() -> None:
    """Load the compiled phases now, with a tiny run: about half a second, once per process.

    numba and its cached machine code load on the first simulated hour that needs them;
    warming up moves that wait to a moment of the caller's choosing (the view warms up
    when a page opens, so that the first step a student clicks answers at once).
    """
    global _warm
    if _warm:
        return
    from sim.config import from_dict
    from sim.model import GovSimModel

    tiny = from_dict({"population": {"n_citizens": 300}, "run": {"steps": 30}})
    GovSimModel(tiny, seed=0).run()
    _warm = True


def replicate_seed(root_seed: int, replicate: int) -> int:
    """The seed of replicate ``replicate`` under ``root_seed`` (a non-negative 63-bit int).

    Independent of how many replicates there are and of the order they run in.
    """
    if replicate < 0:
        raise ValueError(f"replicate must be >= 0, got {replicate}")
    sequence = np.random.SeedSequence(int(root_seed), spawn_key=(int(replicate),))
    return int(sequence.generate_state(1, np.uint64)[0] >> np.uint64(1))


def run_replicate(
    scenario: Scenario,
    seed: int,
    *,
    steps: int | None = None,
    on_step: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Run ``scenario`` with ``seed`` and return :func:`sim.metrics.summary` plus ``wall_seconds``.

    Args:
        scenario: the validated scenario.
        seed: the run's seed (overrides ``scenario.run.seed``).
        steps: hours to run (default ``scenario.run.steps``).
        on_step: called with the hour after each step (for progress bars).
    """
    from sim.model import GovSimModel

    started = time.perf_counter()
    model = GovSimModel(scenario, seed=seed)
    end = scenario.run.steps if steps is None else steps
    while model.hour < end:
        model.step()
        if on_step is not None:
            on_step(model.hour)
    return metrics.summary(model) | {"wall_seconds": time.perf_counter() - started}


#: Packages whose versions every output records (those missing are left out).
RECORDED_PACKAGES = ("govsim", "mesa", "numpy", "numba", "pandas", "networkx", "pyarrow")


def versions(*extra: str) -> dict[str, str]:
    """Versions of Python, govsim and the libraries results depend on, plus ``extra``."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in (*RECORDED_PACKAGES, *extra):
        try:
            out[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover - an uninstalled checkout
            pass
    return out
