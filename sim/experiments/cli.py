"""``govsim sweep`` and ``govsim report``: the command line of batch experiments.

Light to import: the runner, Dask, SALib and pandas load inside the handlers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_FAILED_RUNS = 1
EXIT_NO_WORKERS = 3
EXIT_INTERRUPTED = 130


def add_command(commands: argparse._SubParsersAction) -> None:
    """Add ``sweep`` and ``report`` to the ``govsim`` command line."""
    sweep = commands.add_parser(
        "sweep",
        help="run an experiment's runs (local processes or Dask) and write each as it ends",
        description="Run every run of EXPERIMENT (cells x replicates) and write each run's "
        "outcomes at once into OUT/runs/. Exit status 1 when some runs failed (their records "
        "are in OUT/failures/), 2 for a bad experiment or folder, 3 when a Dask cluster lost "
        "every worker, 130 when interrupted; OUT can be resumed after any of these.",
    )
    sweep.add_argument("experiment", help="experiment file (TOML), e.g. experiments/x.toml")
    sweep.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="worker processes (default: one per core); with --dask, a local Dask cluster's",
    )
    sweep.add_argument(
        "--scheduler", metavar="tcp://HOST:PORT", help="run on the Dask scheduler at this address"
    )
    sweep.add_argument(
        "--dask", action="store_true", help="run on a local Dask cluster instead of a process pool"
    )
    sweep.add_argument("--out", help="output folder (default: results/<experiment name>)")
    sweep.add_argument(
        "--resume", action="store_true", help="continue a sweep in OUT: run only what is missing"
    )
    sweep.add_argument(
        "--restart",
        action="store_true",
        help="discard the sweep already in OUT and start again",
    )
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")
    sweep.set_defaults(handler=_sweep)

    report = commands.add_parser(
        "report",
        help="write report.html and CSV tables from a sweep's folder",
        description="Read the runs in DIR and write DIR/report.html (self-contained) and "
        "DIR/tables/*.csv: means with bootstrap CIs, paired differences, effects, "
        "sensitivity indices and scenario discovery.",
    )
    report.add_argument("folder", metavar="DIR", help="a folder written by govsim sweep")
    report.add_argument(
        "--discover",
        action="append",
        default=[],
        metavar="CONDITION",
        help="scenario discovery (PRIM) for runs where CONDITION holds, e.g. 'crises >= 1' "
        "(repeatable; adds to the experiment's [report] discover)",
    )
    report.add_argument("--out", help="where to write (default: DIR)")
    report.set_defaults(handler=_report)


def _sweep(args: argparse.Namespace) -> int:
    from sim.errors import InputError
    from sim.experiments.executors import DaskExecutor, LocalPool, NoWorkers
    from sim.experiments.runner import sweep
    from sim.experiments.spec import load_experiment

    if args.resume and args.restart:
        raise InputError("--resume and --restart: choose one (continue the sweep, or discard it)")
    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers: must be >= 1, got {args.workers}")
    experiment = load_experiment(args.experiment)
    out = Path(args.out) if args.out else Path("results") / experiment.name
    if args.scheduler or args.dask:
        executor = DaskExecutor(scheduler=args.scheduler, workers=args.workers)
    else:
        executor = LocalPool(args.workers)
    print(f"sweep {experiment.name} on {executor.describe()} into {out}/", file=sys.stderr)
    resume_hint = f"  govsim sweep {args.experiment} --out {out} --resume"
    try:
        summary = sweep(
            experiment,
            out,
            executor,
            resume=args.resume,
            restart=args.restart,
            progress=False if args.quiet else None,
        )
    except NoWorkers as exc:
        print(
            f"govsim: {exc}. Continue, once workers are back, with:\n{resume_hint}", file=sys.stderr
        )
        return EXIT_NO_WORKERS
    except KeyboardInterrupt:
        print(
            f"govsim: interrupted; the finished runs are in {out}/runs/. Continue with:\n"
            f"{resume_hint}",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    print(f"sweep {experiment.name}: {summary}")
    print(f"report: govsim report {out}")
    return EXIT_FAILED_RUNS if summary.failed else 0


def _report(args: argparse.Namespace) -> int:
    from sim.experiments.report import write_report

    written = write_report(args.folder, out=args.out, discover=args.discover)
    print(f"wrote {len(written)} files:")
    for path in written:
        print(f"  {path}")
    return 0
