"""The Solara page of ``govsim view``: controls on the left, the simulation on the right.

A plain Solara page (``Columns``, inputs, PNG images): Mesa's ``SolaraViz`` left its
main area blank offline here, Altair charts need a CDN, and ``Sidebar`` drew its drawer
over the page. Each browser session gets
its own :class:`sim.view.session.Session` (``use_memo`` runs once per session), so two
sessions never see each other's models. Nothing on the page runs code the user types.

The scenario to start from comes from the ``GOVSIM_VIEW_SCENARIO`` environment variable
(set by ``govsim view``), else ``scenarios/baseline.toml``.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import solara

from sim.config import ScenarioError
from sim.view.session import (
    DESIGN_CONTROLS,
    WORLD_CONTROLS,
    Control,
    Session,
    scenario_folder,
    scenario_library,
)

#: Environment variable naming the scenario file the view starts from.
SCENARIO_ENV = "GOVSIM_VIEW_SCENARIO"

#: Hours advanced per redraw while running, as offered on the page.
SPEEDS = ["1 hour", "6 hours", "1 day"]
_HOURS = {"1 hour": 1, "6 hours": 6, "1 day": 24}

#: Shortest wall time between two redraws while running (seconds).
FRAME_SECONDS = 0.15

HELP_STYLE = {"font-size": "0.8em", "color": "#555", "margin": "-4px 0 10px 0"}


def start_scenario() -> str:
    """The scenario file the view opens with."""
    chosen = os.environ.get(SCENARIO_ENV)
    if chosen:
        return chosen
    return str(scenario_folder() / "baseline.toml")


def _label(path: str) -> str:
    """A library path as shown in the picker (relative to the library's parent)."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(scenario_folder().parent.resolve()))
    except ValueError:
        return str(p)


@solara.component
def Heading(level: int, text: str):
    """A heading (not solara.Markdown: it loads KaTeX from a CDN path solara-assets lacks)."""
    solara.v.Html(tag=f"h{level}", children=[text], style_="margin: 8px 0 6px 0")


@solara.component
def ErrorBox(message: str):
    """A validation message (not solara.Error: its Alert fails with this ipyvuetify)."""
    solara.v.Alert(
        type="error", outlined=True, children=[message], class_="govsim-error",
        style_="white-space: pre-wrap",
    )  # fmt: skip


@solara.component
def Help(text: str):
    solara.Text(text, style=HELP_STYLE)


@solara.component
def ControlInput(
    session: Session, version: int, control: Control, design: int, on_change, disabled: bool
):
    """One control with its explanation; a change goes through the session's validation."""
    values = session.world if control.key in session.world else session.designs[design]
    value = values[control.key]

    def change(new):
        if new is None:
            return
        session.set(control.key, new, design)
        on_change()

    if control.kind == "choice":
        names = [name for name, _ in control.options]
        solara.Select(control.label, values=names, value=value, on_value=change, disabled=disabled)
        meaning = dict(control.options).get(value, "")
        Help(f"{control.help} {value}: {meaning}")
    elif control.kind == "share":
        solara.SliderFloat(
            control.label, value=float(value), min=0.0, max=1.0, step=0.05,
            on_value=change, disabled=disabled,
        )  # fmt: skip
        Help(control.help)
    elif control.kind == "int":
        solara.InputInt(control.label, value=int(value), on_value=change, disabled=disabled)
        Help(control.help)
    else:
        solara.InputFloat(control.label, value=float(value), on_value=change, disabled=disabled)
        Help(control.help)


@solara.component
def DesignControls(session: Session, version: int, design: int, on_change):
    title = "Design A" if session.compare else "Government design"
    if session.compare and design == 1:
        title = "Design B"
    Heading(4, f"{title}")
    if not session.has_government:
        Help("This scenario has no government (government.enabled = false).")
    for control in DESIGN_CONTROLS:
        ControlInput(
            session, version, control, design, on_change, disabled=not session.has_government
        )


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _status_line(status: dict) -> str:
    parts = [
        f"hour {status['hour']}",
        _count(status["issues"], "issue"),
        _count(status["crises"], "crisis", "crises"),
    ]
    parts.append(f"engaged {status['engaged']:.1%}")
    parts.append(f"mean trust {status['mean trust']:.3f}")
    if "cases filed" in status:
        parts.append(
            f"{_count(status['cases filed'], 'case')} filed, {status['answered']} answered "
            f"({status['solved']} solved), backlog {status['backlog']}"
        )
    return " · ".join(parts)


def _difference_line(gaps: dict[str, float]) -> str:
    if not gaps:
        return ""
    hour = int(gaps.pop("hour"))
    parts = [f"{name} {value:+.4g}" for name, value in gaps.items()]
    return f"At hour {hour}, B minus A: " + ", ".join(parts)


@solara.component
def Page():
    session = solara.use_memo(lambda: Session(start_scenario()), [])
    version, set_version = solara.use_state(0)
    running, set_running = solara.use_state(False)
    speed, set_speed = solara.use_state(SPEEDS[0])
    load_error, set_load_error = solara.use_state(None)

    def refresh():
        set_version(session.version)

    def loop(cancel: threading.Event):
        token = session.stop_runs()
        while not cancel.is_set():
            if session.finished or session.error is not None:
                set_running(False)
                return
            started = time.perf_counter()
            if not session.step(_HOURS[speed], token):
                return
            set_version(session.version)
            cancel.wait(max(0.0, FRAME_SECONDS - (time.perf_counter() - started)))

    def run_or_pause():
        if running:
            session.stop_runs()  # waits for a step in progress: the page shows where it stopped
        set_running(not running)
        refresh()

    def idle(cancel: threading.Event):
        return None

    solara.use_thread(loop if running else idle, [running, speed], intrusive_cancel=False)

    def pick(label: str):
        set_running(False)
        try:
            session.load(str(scenario_folder().parent / label))
            set_load_error(None)
        except ScenarioError as exc:
            set_load_error(str(exc))
        refresh()

    def step():
        session.step(_HOURS[speed])
        refresh()

    def reset():
        set_running(False)
        session.reset()
        refresh()

    def compare(on: bool):
        set_running(False)
        session.set_compare(on)
        refresh()

    def colour(by: str):
        session.set_colour_by(by)
        refresh()

    def report():
        session.draw_report()
        refresh()

    solara.Title("govsim: government response to netizens")
    with solara.Columns([1, 3], style={"align-items": "flex-start"}):
        # `version` is passed on: reacton skips a child whose arguments compare equal, and
        # the session is the same object after a step
        Controls(session, version, load_error, pick, compare, refresh)
        Main(session, version, running, run_or_pause, speed, set_speed, step, reset, colour, report)


@solara.component
def Controls(session: Session, version: int, load_error, pick, compare, refresh):
    """The left column: scenario, world and design choices, each with its explanation."""
    with solara.Column(style={"padding": "8px 4px 8px 12px"}, classes=["govsim-controls"]):
        Heading(3, "Scenario")
        library = scenario_library()
        current = _label(session.scenario)
        solara.Select(
            "Scenario file", values=sorted(set(library) | {current}), value=current, on_value=pick
        )
        Help(
            "The shipped library. Every input below starts from this file and goes through "
            "the same checks as a scenario file."
        )
        if load_error:
            ErrorBox(load_error)
        Heading(4, "The world (shared by both designs)")
        for control in WORLD_CONTROLS:
            ControlInput(session, version, control, 0, refresh, disabled=False)
        DesignControls(session, version, 0, refresh)
        solara.Switch(label="Compare with a second design", value=session.compare, on_value=compare)
        Help(
            "Two designs on the same seed and world, stepping together, with their "
            "difference over time."
        )
        if session.compare:
            DesignControls(session, version, 1, refresh)


@solara.component
def Main(
    session: Session, version: int, running, run_or_pause, speed, set_speed, step, reset, colour,
    report,
):  # fmt: skip
    """The right column: buttons, status, network pictures, comparison, timelines."""
    blocked = session.error is not None
    with solara.Column(style={"padding": "8px 16px"}):
        Heading(2, "Watch a demand go viral, and the government answer")
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Button(
                f"Step {speed}", on_click=step, disabled=running or blocked, classes=["govsim-step"]
            )
            solara.Button(
                "Pause" if running else "Run",
                on_click=run_or_pause,
                disabled=blocked or session.finished,
                color="primary",
                classes=["govsim-run"],
            )
            solara.Button("Reset", on_click=reset, classes=["govsim-reset"])
            solara.Text("hours per step:", style={"margin-left": "12px"})
            solara.ToggleButtonsSingle(value=speed, values=SPEEDS, on_value=set_speed, dense=True)
            solara.Text("colour by:", style={"margin-left": "12px"})
            solara.ToggleButtonsSingle(
                value=session.colour_by, values=["state", "trust"], on_value=colour, dense=True
            )
        if blocked:
            ErrorBox(f"Input not accepted: {session.error}")
        if not session.views:  # the very first choices were refused: nothing to show yet
            return
        designs = [0, 1] if session.compare and len(session.views) == 2 else [0]
        for d in designs:
            name = f"Design {'AB'[d]} ({session.describe(d)}): " if session.compare else ""
            solara.Text(
                name + _status_line(session.status(d)) + f" of {session.steps}",
                classes=[f"govsim-status-{'ab'[d]}"],
                style={"font-family": "monospace", "display": "block"},
            )
        with solara.Columns([1] * len(designs)):
            for d in designs:
                with solara.Column():
                    if session.compare:
                        Heading(4, f"Design {'AB'[d]}: {session.describe(d)}")
                    solara.Image(
                        session.frames[f"network_{'ab'[d]}"],
                        classes=[f"govsim-network-{'ab'[d]}"],
                    )
        Help(
            "Each dot is a citizen, each line a tie between two. An incident gives a group "
            "of neighbours a grievance; attention spreads along ties (coloured by issue); "
            "engaged citizens file cases (black) and turn green when an answer solves their "
            "demand, red when it does not. Colour by trust to see where trust erodes."
        )
        if "comparison" in session.frames:
            Heading(3, "Side by side: B minus A")
            solara.Image(session.frames["comparison"], classes=["govsim-comparison"])
            solara.Text(
                _difference_line(session.difference()),
                classes=["govsim-difference"],
                style={"font-family": "monospace", "display": "block"},
            )
            Help(
                "Same seed, same world: the same citizens, network and incidents. Any gap "
                "comes from the government's design. Below zero: B has less of it."
            )
        for d in designs:
            Heading(3, "Timelines" + (f" of design {'AB'[d]}" if session.compare else ""))
            solara.Image(
                session.frames[f"timelines_{'ab'[d]}"], classes=[f"govsim-timelines-{'ab'[d]}"]
            )
        Help(
            "Attention per issue (a line per issue, coloured as in the network; an issue "
            "above the dashed line is a public-opinion crisis), trust of netizens and of "
            "offline citizens, unanswered demands, crises, cases waiting at each level of "
            "the organisation and how long citizens wait for a first response and for the "
            "final answer."
        )
        Heading(3, "The full figures of the run so far")
        Help("As govsim run writes them at the end of a run (design A); slower to draw.")
        solara.Button(
            "Draw the full figures", on_click=report, disabled=running, classes=["govsim-report"]
        )
        for name, data in session.report.items():
            solara.Image(data, classes=[f"govsim-report-{name}"])
