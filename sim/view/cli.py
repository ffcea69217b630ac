"""``govsim view``: start the interactive view (a Solara server) and print its address.

Light to import: Solara is loaded inside the handler only.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path

from sim.config import load
from sim.errors import InputError

#: Port the view listens on unless ``--port`` says otherwise.
DEFAULT_PORT = 8521

#: Hosts that only this machine can reach.
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def add_command(commands: argparse._SubParsersAction) -> None:
    """Add ``view`` to the ``govsim`` command line."""
    view = commands.add_parser(
        "view",
        help="open the interactive view of a scenario in a browser",
        description="Start the interactive view (a local web page) of SCENARIO and print its "
        "address. It listens on 127.0.0.1 only, whatever HOST says, unless --host is given; "
        "it needs no internet. Stop it with Ctrl+C.",
    )
    view.add_argument(
        "scenario",
        nargs="?",
        help="scenario file to start from (default: scenarios/baseline.toml); the page "
        "offers the whole library",
    )
    view.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free)"
    )
    view.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only); another address "
        "lets anyone who can reach it use the view",
    )
    view.set_defaults(handler=_view)


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _check_port(host: str, port: int) -> None:
    if not 0 < port < 65536:
        raise InputError(f"--port: must be in 1..65535 (or 0: any free port), got {port}")
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
    except OSError as exc:
        raise InputError(f"--port: cannot listen on {host}:{port}: {exc.strerror}") from None


def _view(args: argparse.Namespace) -> int:
    from sim.view.session import scenario_folder

    scenario = Path(args.scenario) if args.scenario else scenario_folder() / "baseline.toml"
    load(scenario)  # a bad file is reported here, before any server starts
    host = args.host
    port = _free_port(host) if args.port == 0 else args.port
    _check_port(host, port)
    if host not in LOOPBACK:
        print(
            f"govsim view: warning: listening on {host}, not only on this machine: anyone "
            "who can reach this address can use the view",
            file=sys.stderr,
        )
    os.environ["GOVSIM_VIEW_SCENARIO"] = str(scenario.resolve())
    # offline and private: no telemetry, no version check, no CDN (solara-assets serves all)
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
    os.environ.pop("HOST", None)
    # sessions step their models from several threads: the spreading phase stays serial
    os.environ["GOVSIM_THREADS"] = "1"
    shown = f"[{host}]" if ":" in host else host
    print(f"govsim view: {scenario} at http://{shown}:{port}/ (Ctrl+C to stop)", flush=True)

    from solara.__main__ import cli

    cli.main(
        [
            "run",
            "sim.view.app",
            "--host",
            host,
            "--port",
            str(port),
            "--production",
            "--no-open",
            "--no-check-version",
            "--log-level",
            "warning",
        ],
        prog_name="govsim view",
        standalone_mode=False,
    )
    return 0
