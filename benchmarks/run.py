"""Run govsim's benchmark suite and write ``benchmarks/results/*.json`` and plots.

    ./benchmarks/run [--quick] [--only NAME ...] [--repeat N] [--out DIR]

Each measurement runs in a fresh Python process (``benchmarks/cases.py``), so it is
timed as a whole process (imports included) and as its step loop alone, and its peak
resident memory is that of the process (its ``ru_maxrss`` when it ends). Every measurement
is repeated ``--repeat`` times; the results keep every repeat and report the fastest
(the least disturbed by other work on the machine), with the load average before and
after each repeat. Each file records the machine (CPU model, cores, memory), the
versions and the commit.

Measures (the names for ``--only``):
    spread    the spreading phase alone, ours versus the Mesa yardstick
    model     the full baseline model, 720 hours, at 10k, 100k and 1M citizens
    network   each network builder at 1M citizens, mean degree 10
    sweep     sweep throughput with 1 and 2 workers
    view      one step plus redraw of the view at 10k citizens, every hour of a month
    scaling   time per step and bytes per citizen, 1,000 to 1,000,000 citizens (plot)
    megacity  the stretch: 10,000,000 citizens for 720 hours, once (about 14 minutes and
              3 GB on two cores; run only when named with ``--only megacity``)

``--quick`` runs smaller sizes and one repeat (a few minutes on two cores); the full
suite takes about half an hour on an idle two-core machine.

The spreading phase uses every core numba sees (``GOVSIM_THREADS`` limits it); the
spreading measure also runs ours on one thread, so the yardstick ratio is given both ways.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

MEASURES = ["spread", "model", "network", "sweep", "view", "scaling"]
#: Measures run only when named with ``--only``.
ON_REQUEST = ["megacity"]

#: The targets of issue 8, as (what, limit, unit).
TARGETS = {
    "spread_speedup_vs_yardstick": (">=", 100.0, "times"),
    "model_1M_whole_process_seconds": ("<=", 30.0, "s"),
    "model_1M_peak_memory_gb": ("<=", 1.5, "GB"),
    "model_10k_whole_process_seconds": ("<=", 1.0, "s"),
    "network_1M_seconds_each": ("<=", 3.0, "s"),
    "scaling_exponent": ("<=", 1.1, "(log-log slope of time per step on citizens + edges)"),
    "sweep_speedup_2_workers": (">=", 1.7, "times"),
    "view_step_redraw_ms": ("<=", 250.0, "ms (slowest step of a month)"),
    "megacity_10M_seconds": ("<=", 300.0, "s"),
    "megacity_10M_peak_memory_gb": ("<=", 8.0, "GB"),
}


# ---------------------------------------------------------------------- the machine


def machine() -> dict:
    """CPU model, cores, memory, versions and commit of this run."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = int(line.split()[1]) * 1024
    from sim.runs import versions

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "unknown"

    return {
        "cpu_model": cpu,
        "cores": os.cpu_count(),
        "memory_bytes": memory,
        "platform": platform.platform(),
        "versions": versions(),
        "commit": git("rev-parse", "HEAD"),
        "uncommitted_changes": bool(git("status", "--porcelain", "--", "sim", "benchmarks")),
    }


# ---------------------------------------------------------------------- one process


def measure(case: str, **kwargs) -> dict:
    """Run one case in its own process: its figures plus whole-process time and peak memory."""
    load_before = os.getloadavg()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.cases", case, json.dumps(kwargs)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = child.communicate()
    whole = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # now with this child's CPU time
    if child.returncode:
        raise RuntimeError(f"benchmark case {case} {kwargs} failed:\n{err[-3000:]}")
    figures = json.loads(out.strip().splitlines()[-1])
    figures["whole_process_seconds"] = whole
    figures["whole_process_cpu_seconds"] = (children.ru_utime + children.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    figures["load_average_before"] = load_before
    figures["load_average_after"] = os.getloadavg()
    figures["peak_rss_bytes"] = figures.pop("peak_rss_in_process_bytes")
    return figures


def repeated(repeat: int, case: str, **kwargs) -> dict:
    """``measure`` ``repeat`` times: every repeat, and the fastest figures (minimum of each)."""
    runs = []
    for _ in range(repeat):
        runs.append(measure(case, **kwargs))
        print(f"  {case} {kwargs}: loop {runs[-1]['loop_seconds']:.2f} s, whole "
              f"{runs[-1]['whole_process_seconds']:.2f} s, peak "
              f"{runs[-1]['peak_rss_bytes'] / 2**20:.0f} MiB, load "
              f"{runs[-1]['load_average_before'][0]:.1f}", flush=True)  # fmt: skip
    best = dict(runs[0])
    timed = ("loop_seconds", "loop_cpu_seconds", "whole_process_seconds", "build_seconds")
    for key in (*timed, "whole_process_cpu_seconds"):
        if key in best:
            best[key] = min(r[key] for r in runs)
    best["peak_rss_bytes"] = min(r["peak_rss_bytes"] for r in runs)
    return {"best": best, "repeats": runs}


# ---------------------------------------------------------------------- the measures


def bench_spread(quick: bool, repeat: int) -> dict:
    n = 10_000 if quick else 100_000
    steps = 200
    ours = repeated(repeat, "spread", n=n, steps=steps, engine="ours")
    one = repeated(repeat, "spread", n=n, steps=steps, engine="ours", threads=1)
    yard = repeated(1 if quick else min(repeat, 2), "spread", n=n, steps=steps, engine="yardstick")
    return {
        "what": f"spreading phase alone, {n:,} citizens, Erdos-Renyi mean degree 10, {steps} steps",
        "ours": ours,
        "ours_one_thread": one,
        "yardstick": yard,
        "speedup_loop": yard["best"]["loop_seconds"] / ours["best"]["loop_seconds"],
        "speedup_loop_cpu": yard["best"]["loop_cpu_seconds"] / ours["best"]["loop_cpu_seconds"],
        "speedup_loop_one_thread": yard["best"]["loop_seconds"] / one["best"]["loop_seconds"],
        "speedup_whole_process": yard["best"]["whole_process_seconds"]
        / ours["best"]["whole_process_seconds"],
    }


def bench_model(quick: bool, repeat: int) -> dict:
    sizes = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
    out = {"what": "full model, baseline scenario (government on), 720 steps", "sizes": {}}
    for n in sizes:
        reps = repeat if n < 1_000_000 else max(1, min(repeat, 2))
        out["sizes"][str(n)] = repeated(reps, "model", n=n, steps=720)
    return out


def bench_network(quick: bool, repeat: int) -> dict:
    n = 100_000 if quick else 1_000_000
    out = {"what": f"network construction, {n:,} citizens, mean degree 10", "builders": {}}
    for kind in ("erdos_renyi", "small_world", "scale_free", "edge_list"):
        out["builders"][kind] = repeated(repeat, "network", n=n, kind=kind)
    return out


def bench_scaling(quick: bool, repeat: int, model: dict | None) -> dict:
    sizes = [1_000, 3_000, 10_000, 30_000, 100_000]
    if not quick:
        sizes += [300_000, 1_000_000]
    known = (model or {}).get("sizes", {})
    points = {}
    for n in sizes:
        if str(n) in known:
            points[str(n)] = known[str(n)]
        else:
            points[str(n)] = repeated(repeat if n <= 100_000 else 1, "model", n=n, steps=720)
    rows = []
    for _, result in sorted(points.items(), key=lambda kv: int(kv[0])):
        best = result["best"]
        n = best["n_citizens"]
        rows.append(
            {
                "n_citizens": n,
                "n_edges": best["n_edges"],
                "seconds_per_step": best["loop_seconds"] / best["steps"],
                "cpu_seconds_per_step": best["loop_cpu_seconds"] / best["steps"],
                "bytes_per_citizen": (best["peak_rss_bytes"] - best["rss_after_imports_bytes"]) / n,
            }
        )
    import numpy as np

    big = [r for r in rows if r["n_citizens"] >= 10_000]
    x = np.log([r["n_citizens"] + r["n_edges"] for r in big])
    slope = float(np.polyfit(x, np.log([r["cpu_seconds_per_step"] for r in big]), 1)[0])
    slope_wall = float(np.polyfit(x, np.log([r["seconds_per_step"] for r in big]), 1)[0])
    return {
        "what": "full model, baseline scenario, 720 steps, by number of citizens",
        "rows": rows,
        "points": points,
        "exponent_cpu_time_per_step_vs_citizens_plus_edges_from_10k": slope,
        "exponent_wall_time_per_step_vs_citizens_plus_edges_from_10k": slope_wall,
    }


def bench_pending(what: str, module: str) -> dict | None:
    """A pending measure, when the module it measures does not exist yet; else None."""
    try:
        found = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        found = False
    if found:
        return None
    return {"what": what, "status": "pending", "why": f"{module} does not exist yet"}


def bench_sweep(quick: bool, repeat: int) -> dict:
    """Sweep throughput (runs per second) with 1 and 2 local worker processes."""
    # enough runs that starting the pool (about 2 s: each worker imports numba) weighs little
    replicates, steps = (4, 240) if quick else (30, 720)
    runs = 2 * replicates
    what = f"sweep of {runs} baseline runs (10,000 citizens, {steps} steps), 1 and 2 workers"
    pending = bench_pending(what, "sim.experiments.runner")
    if pending:
        return pending
    one = repeated(repeat, "sweep", workers=1, replicates=replicates, steps=steps)
    two = repeated(repeat, "sweep", workers=2, replicates=replicates, steps=steps)
    best = {w: max(r["runs_per_second"] for r in res["repeats"]) for w, res in ((1, one), (2, two))}
    return {
        "what": what,
        "workers_1": one,
        "workers_2": two,
        "runs_per_second": best,
        "speedup_2_workers": best[2] / best[1],
    }


def bench_view(quick: bool, repeat: int) -> dict:
    """One hour stepped plus every picture redrawn, in the view's session, 10,000 citizens."""
    what = "view session: one step plus redraw of every picture, 10,000 citizens"
    pending = bench_pending(what, "sim.view.session")
    if pending:
        return pending
    result = repeated(repeat, "view", n=10_000, steps=120 if quick else 720, warmup=0)
    return {
        "what": what,
        "result": result,
        "step_redraw_ms": min(r["step_redraw_ms_median"] for r in result["repeats"]),
        "step_redraw_ms_slowest": min(r["step_redraw_ms_max"] for r in result["repeats"]),
    }


def bench_megacity(quick: bool, repeat: int) -> dict:
    """The stretch: the baseline at 10,000,000 citizens (1,000,000 quick), one month, once."""
    n = 1_000_000 if quick else 10_000_000
    result = repeated(1, "model", n=n, steps=720, progress=True)
    return {"what": f"full model, baseline scenario, {n:,} citizens, 720 steps", "result": result}


# ---------------------------------------------------------------------- report


def verdicts(results: dict) -> dict:
    """Each target: the measured value (wall clock), the same in CPU time where it applies.

    ``met`` judges the wall-clock value (None: not measured); ``met_on_cpu_time`` judges
    the CPU-time value, which other work on a loaded machine disturbs much less.
    """
    wall: dict[str, float | None] = dict.fromkeys(TARGETS)
    cpu: dict[str, float | None] = dict.fromkeys(TARGETS)
    if "spread" in results:
        wall["spread_speedup_vs_yardstick"] = results["spread"]["speedup_loop"]
        cpu["spread_speedup_vs_yardstick"] = results["spread"]["speedup_loop_cpu"]
    sizes = results.get("model", {}).get("sizes", {})
    if "1000000" in sizes:
        best = sizes["1000000"]["best"]
        wall["model_1M_whole_process_seconds"] = best["whole_process_seconds"]
        cpu["model_1M_whole_process_seconds"] = best.get("whole_process_cpu_seconds")
        wall["model_1M_peak_memory_gb"] = best["peak_rss_bytes"] / 1e9
    if "10000" in sizes:
        best = sizes["10000"]["best"]
        wall["model_10k_whole_process_seconds"] = best["whole_process_seconds"]
        cpu["model_10k_whole_process_seconds"] = best.get("whole_process_cpu_seconds")
    builders = results.get("network", {}).get("builders", {})
    if builders and "1,000,000" in results["network"]["what"]:
        wall["network_1M_seconds_each"] = max(b["best"]["loop_seconds"] for b in builders.values())
        cpu["network_1M_seconds_each"] = max(
            b["best"]["loop_cpu_seconds"] for b in builders.values()
        )
    if "scaling" in results:
        cpu["scaling_exponent"] = results["scaling"][
            "exponent_cpu_time_per_step_vs_citizens_plus_edges_from_10k"
        ]
        wall["scaling_exponent"] = results["scaling"].get(
            "exponent_wall_time_per_step_vs_citizens_plus_edges_from_10k"
        )
    if results.get("sweep", {}).get("speedup_2_workers") is not None:
        wall["sweep_speedup_2_workers"] = results["sweep"]["speedup_2_workers"]
    if results.get("view", {}).get("step_redraw_ms_slowest") is not None:
        wall["view_step_redraw_ms"] = results["view"]["step_redraw_ms_slowest"]
    mega = results.get("megacity", {}).get("result", {}).get("best")
    if mega and mega["n_citizens"] == 10_000_000:
        wall["megacity_10M_seconds"] = mega["whole_process_seconds"]
        cpu["megacity_10M_seconds"] = mega["whole_process_cpu_seconds"]
        wall["megacity_10M_peak_memory_gb"] = mega["peak_rss_bytes"] / 1e9

    def judge(op: str, limit: float, value: float | None) -> bool | None:
        return None if value is None else (value >= limit if op == ">=" else value <= limit)

    out = {}
    for key, (op, limit, unit) in TARGETS.items():
        out[key] = {
            "target": f"{op} {limit:g} {unit}",
            "measured": wall[key],
            "met": judge(op, limit, wall[key]),
            "measured_cpu": cpu[key],
            "met_on_cpu_time": judge(op, limit, cpu[key]),
        }
    return out


def plot_scaling(scaling: dict, path: Path, machine_line: str = "") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    rows = scaling["rows"]
    n = np.array([r["n_citizens"] for r in rows], dtype=float)
    per_step = np.array([r["seconds_per_step"] for r in rows])
    cpu = np.array([r["cpu_seconds_per_step"] for r in rows])
    per_citizen = np.array([r["bytes_per_citizen"] for r in rows])
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.loglog(n, per_step * 1e3, "o-", label="wall")
    left.loglog(n, cpu * 1e3, "s--", label="CPU")
    ref = cpu[-1] * 1e3 * n / n[-1]
    left.loglog(n, ref, ":", color="grey", label="linear in citizens")
    left.set_xlabel("citizens")
    left.set_ylabel("milliseconds per step (one hour)")
    left.set_title("Time per step, full baseline model")
    left.legend()
    right.loglog(n, per_citizen, "o-")
    right.set_xlabel("citizens")
    right.set_ylabel("bytes per citizen (peak RSS above imports)")
    right.set_title("Memory per citizen")
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
    loads = [r["load_average_before"][0] for p in scaling["points"].values() for r in p["repeats"]]
    fig.suptitle(
        f"{machine_line} - load average {min(loads):.1f} to {max(loads):.1f} during the runs "
        "(CPU time counts both cores where spreading uses two threads)",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one repeat")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=MEASURES + ON_REQUEST,
        help=f"measures to run (default all but {', '.join(ON_REQUEST)})",
    )
    parser.add_argument("--repeat", type=int, help="repeats (default 3; quick 1)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for the results")
    args = parser.parse_args(argv)
    repeat = args.repeat or (1 if args.quick else 3)
    wanted = args.only or MEASURES
    args.out.mkdir(parents=True, exist_ok=True)
    mode = "quick" if args.quick else "full"
    header = {
        "mode": mode,
        "repeat": repeat,
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
    }
    results: dict = {}
    for name in wanted:
        print(f"{name} ...", flush=True)
        if name == "spread":
            results[name] = bench_spread(args.quick, repeat)
        elif name == "model":
            results[name] = bench_model(args.quick, repeat)
        elif name == "network":
            results[name] = bench_network(args.quick, repeat)
        elif name == "sweep":
            results[name] = bench_sweep(args.quick, repeat)
        elif name == "view":
            results[name] = bench_view(args.quick, repeat)
        elif name == "megacity":
            results[name] = bench_megacity(args.quick, repeat)
        elif name == "scaling":
            model = results.get("model")
            saved = args.out / f"model{'-quick' if args.quick else ''}.json"
            if model is None and saved.exists():  # reuse the sizes the model measure ran
                model = json.loads(saved.read_text())["model"]
            results[name] = bench_scaling(args.quick, repeat, model)
        payload = header | {"finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        payload[name] = results[name]
        (args.out / f"{name}{'-quick' if args.quick else ''}.json").write_text(
            json.dumps(payload, indent=1) + "\n"
        )
        if name == "scaling":
            m = header["machine"]
            line = f"{m['cpu_model']}, {m['cores']} cores, {m['memory_bytes'] / 2**30:.0f} GiB"
            suffix = "-quick" if args.quick else ""
            plot_scaling(results[name], args.out / f"scaling{suffix}.png", line)
    for name in MEASURES + ON_REQUEST:  # measures run earlier (another --only) count too
        saved = args.out / f"{name}{'-quick' if args.quick else ''}.json"
        if name not in results and saved.exists():
            results[name] = json.loads(saved.read_text())[name]
    summary = header | {"targets": verdicts(results)}
    (args.out / f"summary{'-quick' if args.quick else ''}.json").write_text(
        json.dumps(summary, indent=1) + "\n"
    )
    words = {True: "met", False: "MISSED", None: "-"}
    print(f"{'target':34s} {'wall':>8s} {'cpu':>8s}  verdict (wall / cpu)  limit")
    for key, v in summary["targets"].items():
        shown = ["-" if x is None else f"{x:.3g}" for x in (v["measured"], v["measured_cpu"])]
        verdict = f"{words[v['met']]} / {words[v['met_on_cpu_time']]}"
        print(f"{key:34s} {shown[0]:>8s} {shown[1]:>8s}  {verdict:20s} {v['target']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
