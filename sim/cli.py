"""The ``govsim`` command line: run a scenario, check scenario files, show a resolved scenario.

Other commands live beside the capability they expose: each module named in
:data:`COMMAND_MODULES` has ``add_command(commands)``, which adds its subparser and sets
``handler`` (a function ``args -> exit status``) with ``set_defaults``. Keep those
modules light to import: load heavy libraries inside the handler.

Bad input (anything raising :class:`sim.errors.InputError`: a missing or invalid
scenario, a malformed network file, ...) prints its message and exits with status 2;
no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from pathlib import Path

from sim import __version__
from sim.config import ScenarioError, load, to_toml
from sim.errors import InputError

EXIT_BAD_INPUT = 2

#: Modules that add a command with ``add_command(commands)``, in the order of ``--help``.
COMMAND_MODULES: tuple[str, ...] = ("sim.compare", "sim.experiments.cli", "sim.view.cli")


def add_overrides_option(parser: argparse.ArgumentParser, help: str) -> None:
    """``--set KEY=VALUE`` (repeatable), collected in ``args.overrides``."""
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help=help
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govsim",
        description="Simulate how governments respond to netizens' demands.",
    )
    parser.add_argument("--version", action="version", version=f"govsim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run one scenario and write its results and plots",
        description="Run one simulation of SCENARIO and write timeseries.parquet, "
        "issues.parquet, attention.parquet, summary.json, scenario.toml and PNG plots.",
    )
    run.add_argument("scenario", help="scenario file (TOML), e.g. scenarios/baseline.toml")
    run.add_argument("--seed", type=int, help="seed of the run (default: the scenario's run.seed)")
    run.add_argument("--steps", type=int, help="hours to simulate (default: run.steps)")
    add_overrides_option(
        run, "override a scenario key, e.g. --set network.kind=scale_free (repeatable)"
    )
    run.add_argument("--out", help="output folder (default: results/<scenario name>)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(handler=_run)

    validate = commands.add_parser("validate", help="check scenario files without running them")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(handler=_validate)

    scenario = commands.add_parser("scenario", help="inspect scenarios")
    scenario_commands = scenario.add_subparsers(dest="scenario_command", required=True)
    show = scenario_commands.add_parser(
        "show", help="print a scenario with every default filled in"
    )
    show.add_argument("file")
    add_overrides_option(show, "override a scenario key before showing it (repeatable)")
    show.set_defaults(handler=_show)
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_command(commands)
    return parser


def _run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sim.model import GovSimModel
    from sim.output import write_run

    overrides = list(args.overrides)
    if args.seed is not None:
        overrides.append(f"run.seed={args.seed}")
    if args.steps is not None:
        overrides.append(f"run.steps={args.steps}")
    scenario = load(args.scenario, overrides)
    out = Path(args.out) if args.out else Path("results") / Path(args.scenario).stem
    started = time.perf_counter()
    model = GovSimModel(scenario)
    steps = scenario.run.steps
    with tqdm(
        total=steps, unit="h", desc="simulating", disable=args.quiet or None, leave=False
    ) as bar:
        while model.hour < steps:
            model.step()
            bar.update(1)
    paths = write_run(model, out)
    elapsed = time.perf_counter() - started
    summary = model.datacollector.get_model_vars_dataframe().iloc[-1]
    print(
        f"ran {args.scenario}: {scenario.population.n_citizens} citizens, {steps} hours, "
        f"seed {model.seed} in {elapsed:.1f} s; {model.issues.count} issues, "
        f"{model.issues.crises()} crises, final mean trust {summary['mean_trust']:.3f}"
    )
    print(f"wrote {len(paths)} files to {out}/:")
    for name in paths:
        print(f"  {out / name}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    status = 0
    for name in args.files:
        try:
            load(name)
            print(f"{name}: ok")
        except ScenarioError as exc:
            print(exc, file=sys.stderr)
            status = EXIT_BAD_INPUT
    return status


def _show(args: argparse.Namespace) -> int:
    print(to_toml(load(args.file, args.overrides)), end="")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``govsim`` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except ScenarioError as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_INPUT
    except InputError as exc:
        print(f"govsim: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("govsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        sys.stdout = open(os.devnull, "w")  # silence the flush at exit
        return 0


if __name__ == "__main__":
    sys.exit(main())
