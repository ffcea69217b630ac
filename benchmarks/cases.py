"""One measurement, run in a process of its own: ``python -m benchmarks.cases NAME JSON``.

Each case builds what it measures, times its step loop (wall and CPU seconds) and prints
one JSON line with its figures; ``benchmarks/run.py`` starts the process, so it also gets
the whole-process time and the peak memory of exactly that process.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Spreading alone (measure 1): no government, no incidents after hour 0, trust frozen;
#: a chance high enough that attention reaches most citizens within 200 hours.
SPREAD_ONLY = [
    "network.kind=erdos_renyi",
    "network.mean_degree=10",
    "government.enabled=false",
    "incidents.rate_per_hour=0",
    "incidents.initial_issues=5",
    "incidents.affected_citizens=20",
    "trust.fixed=true",
    "spread.base_prob=0.03",
    "spread.calm_prob_per_hour=0.1",
]


def rss_bytes() -> int:
    """Resident memory of this process now."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def peak_rss_bytes() -> int:
    """Peak resident memory of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Clock:
    """Wall and CPU time of a block."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def warm_up() -> float:
    """Run a tiny model for a few hours, so that numba's one-off loading falls outside the loop.

    Returns the seconds it took (part of the whole process, not of the step loop).
    """
    from sim.runs import warm_up

    with Clock() as clock:
        warm_up()
    return clock.wall


def scenario(path: str, n: int, overrides: list[str]):
    from sim import config

    return config.load(ROOT / path, [f"population.n_citizens={n}", *overrides])


def use_threads(threads: int | None) -> None:
    """Let the spreading phase use ``threads`` threads (None: as many as numba sees)."""
    import os

    if threads is not None:
        os.environ["GOVSIM_THREADS"] = str(threads)


class Phases:
    """Wall seconds spent in each phase of the hour (and in the government's timed events),
    taken by wrapping the methods that run them: one clock reading per call, per hour."""

    def __init__(self) -> None:
        import mesa

        from sim.citizens import Population
        from sim.government import Government
        from sim.government.timeline import Timeline
        from sim.model import GovSimModel

        self.seconds: dict[str, float] = {}
        self._restore: list[tuple] = []
        self._targets = [
            (Population, "spread", "spread"),
            (GovSimModel, "_open_incidents", "incidents"),
            (Government, "hour", "government hour"),
            (Timeline, "_run", "government timed events"),
            (Population, "update_trust", "trust"),
            (GovSimModel, "_count_attention", "attention"),
            (mesa.DataCollector, "collect", "reporters"),
        ]

    def __enter__(self) -> Phases:
        for owner, name, label in self._targets:
            self._wrap(owner, name, label)
        return self

    def _wrap(self, owner, name: str, label: str) -> None:
        original = getattr(owner, name)
        seconds = self.seconds
        seconds[label] = 0.0

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                seconds[label] += time.perf_counter() - started

        setattr(owner, name, timed)
        self._restore.append((owner, name, original))

    def __exit__(self, *exc) -> None:
        for owner, name, original in reversed(self._restore):
            setattr(owner, name, original)


def threads_used() -> dict:
    """How many threads the spreading phase may use, and numba's threading layer."""
    import numba

    from sim import kernels

    try:
        layer = numba.threading_layer()
    except ValueError:  # no parallel kernel ran
        layer = None
    return {"threads": kernels.threads(), "threading_layer": layer}


def timings(warm: float, build: Clock, loop: Clock, steps: int, network, base: int) -> dict:
    """The figures every model case reports."""
    return threads_used() | {
        "warm_up_seconds": warm,
        "build_seconds": build.wall,
        "loop_seconds": loop.wall,
        "loop_cpu_seconds": loop.cpu,
        "steps": steps,
        "n_citizens": network.n,
        "n_edges": network.n_edges,
        "rss_after_imports_bytes": base,
        "peak_rss_in_process_bytes": peak_rss_bytes(),
    }


def case_model(
    n: int,
    steps: int = 720,
    seed: int = 0,
    overrides: list[str] = (),
    threads: int | None = None,
    progress: bool = False,
) -> dict:
    """The whole model (baseline scenario unless overridden) for ``steps`` hours, with the
    seconds spent in each phase; ``progress`` prints the hours done to stderr."""
    from sim.model import GovSimModel

    use_threads(threads)
    warm = warm_up()
    base = rss_bytes()
    sc = scenario("scenarios/baseline.toml", n, [f"run.steps={steps}", *overrides])
    with Clock() as build:
        model = GovSimModel(sc, seed=seed)
    built_rss = rss_bytes()
    started = time.perf_counter()
    with Phases() as phases, Clock() as loop:
        for hour in range(steps):
            model.step()
            if progress and (hour + 1) % 24 == 0:
                elapsed = time.perf_counter() - started
                peak = peak_rss_bytes() / 2**30
                print(f"hour {hour + 1}: {elapsed:.0f} s, peak {peak:.2f} GiB", file=sys.stderr)
    return timings(warm, build, loop, steps, model.network, base) | {
        "phase_seconds": phases.seconds,
        "rss_after_build_bytes": built_rss,
        "cases_filed": len(model.government.cases) if model.government is not None else 0,
        "ever_engaged_share": float(model.citizens.ever_engaged.mean()),
    }


def case_spread(
    n: int, steps: int = 200, seed: int = 0, engine: str = "ours", threads: int | None = None
) -> dict:
    """The spreading phase alone, ours (arrays) or the Mesa yardstick's (agents)."""
    from sim.model import GovSimModel

    use_threads(threads)
    warm = warm_up()
    base = rss_bytes()
    sc = scenario("scenarios/baseline.toml", n, SPREAD_ONLY)
    with Clock() as build:
        world = GovSimModel(sc, seed=seed)
        if engine == "yardstick":
            from benchmarks.yardstick import SpreadingModel

            yard = SpreadingModel(
                world.citizens, world.issues.severity[: world.issues.count], sc.spread, seed
            )
    citizens, stream, rule = world.citizens, world.streams["spread"], sc.spread
    severity = world.issues.severity
    with Clock() as loop:
        if engine == "yardstick":
            for _ in range(steps):
                yard.step()
            share = yard.ever_engaged_share()
        else:
            for _ in range(steps):
                citizens.spread(severity, rule, stream)
            share = float(citizens.ever_engaged.mean())
    return timings(warm, build, loop, steps, world.network, base) | {
        "engine": engine,
        "ever_engaged_share": share,
    }


def case_network(n: int, kind: str, seed: int = 0) -> dict:
    """Building one network of ``n`` citizens, mean degree 10, with the builder ``kind``."""
    import numpy as np

    from sim.model import STREAMS, build_network

    overrides = [f"network.kind={kind}"]
    with tempfile.TemporaryDirectory() as tmp:
        if kind == "edge_list":  # a file of an Erdos-Renyi graph's edges, written beforehand
            from sim.network import BUILDERS

            er = scenario("scenarios/baseline.toml", n, ["network.kind=erdos_renyi"])
            net = BUILDERS.get("erdos_renyi").build(
                n, er.network.params, np.random.default_rng(seed), er.base_dir
            )
            src, dst = net.edge_endpoints(np.arange(n))
            keep = src < dst
            path = Path(tmp) / "edges.txt"
            np.savetxt(path, np.column_stack([src[keep], dst[keep]]), fmt="%d")
            overrides.append(f"network.path={path}")
        elif kind in ("erdos_renyi", "scale_free", "small_world"):
            overrides.append("network.mean_degree=10")
        sc = scenario("scenarios/baseline.toml", n, overrides)
        rng = np.random.default_rng(seed).spawn(len(STREAMS))[0]
        base = rss_bytes()
        with Clock() as loop:
            net = build_network(sc, rng)
    return {
        "kind": kind,
        "loop_seconds": loop.wall,
        "loop_cpu_seconds": loop.cpu,
        "n_citizens": n,
        "n_edges": net.n_edges,
        "mean_degree": net.mean_degree(),
        "rss_after_imports_bytes": base,
        "peak_rss_in_process_bytes": peak_rss_bytes(),
    }


def case_sweep(workers: int, replicates: int = 8, n: int = 10_000, steps: int = 240) -> dict:
    """A sweep of ``2 * replicates`` baseline runs on ``workers`` local processes."""
    from sim.experiments.executors import LocalPool
    from sim.experiments.runner import sweep
    from sim.experiments.spec import load_experiment

    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "bench.toml"
        spec.write_text(
            "[experiment]\n"
            f'scenario = "{ROOT / "scenarios" / "baseline.toml"}"\n'
            f'set = ["population.n_citizens={n}", "run.steps={steps}"]\n'
            f"replicates = {replicates}\nseed = 1\n"
            'outcomes = ["crises", "mean_trust_final"]\n\n'
            '[[factors]]\nkey = "government.structure.kind"\nname = "structure"\n'
            'levels = ["hierarchical", "flat"]\n'
        )
        experiment = load_experiment(spec)
        with Clock() as loop:
            summary = sweep(experiment, Path(tmp) / "out", LocalPool(workers), progress=False)
    return {
        "workers": workers,
        "runs": summary.ok,
        "failed": summary.failed,
        "n_citizens": n,
        "steps": steps,
        "loop_seconds": loop.wall,
        "loop_cpu_seconds": loop.cpu,
        "runs_per_second": summary.ok / loop.wall,
        "rss_after_imports_bytes": 0,
        "peak_rss_in_process_bytes": peak_rss_bytes(),
    }


def case_view(n: int = 10_000, steps: int = 50, warmup: int = 24) -> dict:
    """The view's session: one hour stepped and every picture redrawn, ``steps`` times."""
    import numpy as np

    from sim.view.session import Session

    base = rss_bytes()
    with Clock() as build:
        session = Session(ROOT / "scenarios" / "baseline.toml")
        session.set("population.n_citizens", n)
    if warmup:
        session.step(warmup)  # attention has started to spread
    times = []
    with Clock() as loop:
        for _ in range(steps):
            started = time.perf_counter()
            session.step(1)
            times.append(time.perf_counter() - started)
    ms = np.array(times) * 1e3
    return {
        "n_citizens": n,
        "steps": steps,
        "build_seconds": build.wall,
        "loop_seconds": loop.wall,
        "loop_cpu_seconds": loop.cpu,
        "step_redraw_ms_median": float(np.median(ms)),
        "step_redraw_ms_p90": float(np.percentile(ms, 90)),
        "step_redraw_ms_max": float(ms.max()),
        "step_redraw_ms_min": float(ms.min()),
        "rss_after_imports_bytes": base,
        "peak_rss_in_process_bytes": peak_rss_bytes(),
    }


CASES = {
    "model": case_model,
    "spread": case_spread,
    "network": case_network,
    "sweep": case_sweep,
    "view": case_view,
}


def main(argv: list[str]) -> None:
    name, kwargs = argv[0], json.loads(argv[1]) if len(argv) > 1 else {}
    result = CASES[name](**kwargs)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
