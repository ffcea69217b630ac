"""One browser session's state: the scenario, the user's choices, one or two models, their pictures.

No Solara here: the page (:mod:`sim.view.app`) only shows a :class:`Session` and calls
its methods, so the logic is tested without a browser. Every choice becomes a
``key=value`` override of the scenario file, checked by the same validation as
``govsim run --set`` (:func:`sim.config.load`); an invalid one leaves the models as they
were and sets :attr:`Session.error` to the validation message.

Two designs share the world controls (population, seed, rates) and differ only in the
government's mechanisms; both models are built from the same seed, so they face the same
network, citizens and incidents (common random numbers) and step together.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.config import ScenarioError, load, to_dict
from sim.errors import InputError
from sim.government.channels import PLATFORMS
from sim.government.organisation import STRUCTURES
from sim.government.policies import MONITORS, POLICIES
from sim.model import GovSimModel
from sim.runs import warm_up
from sim.view.figures import (
    COMPARED,
    Comparison,
    LiveView,
    difference,
    figure_png,
    report_figures,
    series_of,
)
from sim.view.layout import layout_for

#: Where the shipped scenarios live: ``scenarios/`` in the folder the view runs from,
#: else beside the package (a source checkout).
PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def scenario_folder() -> Path:
    """The scenario library's folder (``scenarios/`` here, else in the checkout)."""
    here = Path.cwd() / "scenarios"
    return here if here.is_dir() else PACKAGE_ROOT / "scenarios"


def scenario_library(folder: Path | None = None) -> list[str]:
    """Every scenario file of the library, as paths relative to its parent folder, sorted.

    Read at each call: the library may grow while the view runs.
    """
    folder = folder or scenario_folder()
    if not folder.is_dir():
        return []
    return sorted(str(p.relative_to(folder.parent)) for p in folder.rglob("*.toml"))


@dataclass(frozen=True)
class Control:
    """One input of the page: a scenario key, how it is entered, and what it means.

    Attributes:
        key: dotted scenario key (``government.levels[0].skill``).
        label: short name on the page.
        kind: ``"choice"``, ``"int"``, ``"float"`` (typed) or ``"share"`` (a slider in [0, 1]).
        help: one or two plain sentences next to the control.
        options: the choices of a ``"choice"``, each with what it means.
    """

    key: str
    label: str
    kind: str
    help: str
    options: tuple[tuple[str, str], ...] = ()


def _choices(registry: Any, meanings: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((name, meanings.get(name, "")) for name in registry.names())


#: The world: shared by both designs.
WORLD_CONTROLS = (
    Control(
        "population.n_citizens",
        "Citizens",
        "int",
        "How many people live in the simulated county. 78% of them are netizens who post "
        "online; the rest can only call the hotline or visit a counter.",
    ),
    Control(
        "run.seed",
        "Seed",
        "int",
        "Picks one possible world: who knows whom, who is affected by which incident. The "
        "same seed gives the same world, and both designs face it.",
    ),
    Control(
        "incidents.rate_per_hour",
        "Incidents per hour",
        "float",
        "How often something happens that gives a group of neighbours a grievance (0.05: "
        "about one a day).",
    ),
    Control(
        "spread.base_prob",
        "Spreading chance",
        "float",
        "Chance per hour that an engaged citizen passes an issue to one neighbour. Higher "
        "means demands go viral more easily.",
    ),
)

#: The government's design: may differ between the two designs compared.
DESIGN_CONTROLS = (
    Control(
        "government.structure.kind",
        "Organisation",
        "choice",
        "Which levels a case must pass before the citizen gets an answer.",
        _choices(
            STRUCTURES,
            {
                "hierarchical": "every case climbs every level for approval, each level "
                "reviewing the draft: careful, but slow when many demands arrive",
                "flat": "the front line has the authority to answer (flattening, 扁平化); "
                "only severe cases go up one level: faster under load, less review",
            },
        ),
    ),
    Control(
        "government.policy.kind",
        "Response policy",
        "choice",
        "What the government does while a case is open.",
        _choices(
            POLICIES,
            {
                "fixed": "a fixed procedure: one full answer after the whole procedure, "
                "staff never moved; citizens hear nothing until then and file again",
                "iterative": "iterative response: a holding reply within hours, updates, and "
                "a daily review that moves idle staff to where cases pile up; expect faster "
                "first responses, fewer repeated filings and trust holding up",
            },
        ),
    ),
    Control(
        "government.platform.kind",
        "Platform",
        "choice",
        "How the channels (hotline, message board, social media) take demands in.",
        _choices(
            PLATFORMS,
            {
                "separate": "each channel has its own desk and queue (the 'single channel' "
                "dilemma): a citizen who files again elsewhere is handled twice",
                "integrated": "platform thinking: one pooled desk and one ticket per issue; "
                "pooled staff wait less and duplicates are merged",
            },
        ),
    ),
    Control(
        "government.monitoring.kind",
        "Monitoring",
        "choice",
        "Whether the government watches public opinion before anyone files.",
        _choices(
            MONITORS,
            {
                "none": "no monitoring: the government learns of an issue only from filings",
                "online_attention": "big-data monitoring opens a case when an issue's "
                "online attention passes a threshold; it sees nothing offline (the trap "
                "of taking netizens for the whole people)",
            },
        ),
    ),
    Control(
        "government.accountability",
        "Accountability",
        "share",
        "Strength of audits, 0 to 1: it cuts the bouncing of cases between departments "
        "and the templated replies that close a case without solving it (formalism).",
    ),
    Control(
        "government.levels[0].skill",
        "Front-line staff skill",
        "share",
        "Staff quality (人员素质), 0 to 1: skilled staff answer faster and their answers "
        "more often actually solve the demand.",
    ),
)

CONTROLS = WORLD_CONTROLS + DESIGN_CONTROLS


def value_at(tree: dict, key: str) -> Any:
    """The value of a dotted key, with list indices (``levels[0].skill``), in a scenario dict.

    Raises:
        KeyError: the key is not in the tree.
    """
    node: Any = tree
    for part in key.split("."):
        m = re.fullmatch(r"(\w+)\[(\d+)\]", part)
        if m:
            node = node[m.group(1)][int(m.group(2))]
        else:
            node = node[part]
    return node


def override(key: str, value: Any) -> str:
    """``key=value`` as ``--set`` takes it (strings quoted, so any text stays a string)."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    else:
        text = repr(value)
    return f"{key}={text}"


def model_status(model: GovSimModel) -> dict[str, Any]:
    """The numbers a user reads first: hour, issues, crises, engaged share, mean trust and,
    with a government, cases filed, answered, solved and the backlog."""
    row = model.datacollector.model_vars
    out = {
        "hour": model.hour,
        "issues": model.issues.count,
        "crises": model.issues.crises(),
        "engaged": row["engaged_share"][-1],
        "mean trust": row["mean_trust"][-1],
    }
    gov = model.government
    if gov is not None:
        real = gov.real_cases()
        out["cases filed"] = len(real)
        out["answered"] = sum(c.closed is not None for c in real)
        out["solved"] = sum(c.outcome == "solved" for c in real)
        out["backlog"] = row["backlog"][-1]
    return out


class Session:
    """The state behind one browser session: choices, models, pictures.

    Thread-safe: the page's run loop steps from a thread while the user's clicks arrive
    on another; every method holds the session's lock.

    Args:
        scenario: path of the scenario file to start from.
        max_citizens: a population above this is refused (the view must stay responsive).
    """

    def __init__(
        self,
        scenario: str | Path,
        max_citizens: int = 200_000,
        world: dict[str, Any] | None = None,
    ):
        self.lock = threading.RLock()
        self.max_citizens = max_citizens
        self.compare = False
        self.colour_by = "state"
        self.error: str | None = None
        self.views: list[LiveView] = []
        self.frames: dict[str, bytes] = {}
        self.report: dict[str, bytes] = {}
        self.comparison: Comparison | None = None
        self.version = 0
        self.run_token = 0
        warm_up()  # the first step clicked must not wait for numba to load
        self.load(scenario, world)

    # ------------------------------------------------------------------ choices

    def load(self, scenario: str | Path, world: dict[str, Any] | None = None) -> None:
        """Start from another scenario file: every choice takes that file's value.

        Args:
            world: world controls to set at once (``{"population.n_citizens": 1000}``).

        Raises:
            ScenarioError: the file is missing or invalid (nothing changes).
        """
        with self.lock:
            base = load(scenario)
            tree = to_dict(base)
            self.scenario = str(scenario)
            self.has_government = base.government.enabled
            self.base = {c.key: value_at(tree, c.key) for c in CONTROLS}
            self.world = {c.key: self.base[c.key] for c in WORLD_CONTROLS} | (world or {})
            self.designs = [{c.key: self.base[c.key] for c in DESIGN_CONTROLS} for _ in range(2)]
            self.steps = base.run.steps
            self.error = None
            self.reset()

    def set(self, key: str, value: Any, design: int = 0) -> None:
        """Set one control (a world key, or a design key of design 0 or 1), then reset."""
        with self.lock:
            if key in self.world:
                self.world[key] = value
            elif key in self.designs[design]:
                self.designs[design][key] = value
            else:
                raise KeyError(f"no control {key!r}")
            self.reset()

    def set_compare(self, on: bool) -> None:
        """Show a second design beside the first (both restart from hour 0)."""
        with self.lock:
            self.compare = bool(on)
            self.reset()

    def set_colour_by(self, colour_by: str) -> None:
        """Colour citizens by ``"state"`` or ``"trust"``."""
        with self.lock:
            self.colour_by = colour_by
            for view in self.views:
                view.picture = type(view.picture)(view.picture.layout, colour_by)
            self._redraw()

    def overrides(self, design: int = 0) -> list[str]:
        """The choices that differ from the scenario file, as ``key=value`` overrides."""
        chosen = {**self.world, **self.designs[design]}
        return [override(k, v) for k, v in chosen.items() if v != self.base[k]]

    # ------------------------------------------------------------------ models

    def reset(self) -> None:
        """Rebuild the models from the current choices, at hour 0.

        An invalid choice sets :attr:`error` to the validation message and keeps the
        models as they were. Any run loop stops.
        """
        with self.lock:
            self.run_token += 1
            try:
                scenarios = [
                    load(self.scenario, self.overrides(d)) for d in range(2 if self.compare else 1)
                ]
                n = scenarios[0].population.n_citizens
                if n > self.max_citizens:
                    raise InputError(
                        f"population.n_citizens: the view draws at most {self.max_citizens:,} "
                        f"citizens, got {n:,} (use govsim run for larger populations)"
                    )
            except (ScenarioError, InputError) as exc:
                # the page's inputs are overrides: drop the "--set: " origin of each line
                self.error = "\n".join(
                    line.removeprefix("--set: ") for line in str(exc).splitlines()
                )
                self.version += 1
                return
            self.error = None
            models = [GovSimModel(s) for s in scenarios]
            first = scenarios[0]
            key = (self.scenario, repr(to_dict(first)["network"]), first.population.n_citizens)
            layout = layout_for(models[0].network, key, models[0].seed)
            self.views = [LiveView.of(m, layout, self.colour_by) for m in models]
            self.comparison = Comparison(self.has_government, ("A", "B")) if self.compare else None
            self.report = {}
            self._redraw()

    @property
    def hour(self) -> int:
        """Hours simulated so far."""
        return self.views[0].model.hour if self.views else 0

    @property
    def finished(self) -> bool:
        """The run has reached the scenario's ``run.steps``."""
        return self.hour >= self.steps

    def stop_runs(self) -> int:
        """Stop every run loop: their later :meth:`step` calls do nothing. Returns a new token.

        Holding the lock, this waits for a step in progress, so once it returns the
        pictures show the state the models stay in.
        """
        with self.lock:
            self.run_token += 1
            return self.run_token

    def step(self, hours: int = 1, token: int | None = None) -> bool:
        """Advance every model by ``hours`` (together), then redraw.

        Args:
            token: from a run loop: the token :meth:`stop_runs` returned when it
                started; a stopped loop's step does nothing.

        Returns:
            Whether the models moved.
        """
        with self.lock:
            if token is not None and token != self.run_token:
                return False
            if self.error is not None or not self.views:
                return False
            for _ in range(hours):
                for view in self.views:
                    view.model.step()
            self._redraw()
            return True

    def _redraw(self) -> None:
        frames = {}
        for i, view in enumerate(self.views):
            for name, data in view.redraw().items():
                frames[f"{name}_{'ab'[i]}"] = data
        if self.comparison is not None and len(self.views) == 2:
            frames["comparison"] = self.comparison.update(self.views[0].model, self.views[1].model)
        self.frames = frames
        self.version += 1

    def draw_report(self) -> None:
        """Draw the full figures of the run so far (as ``govsim run`` writes them) for design A."""
        with self.lock:
            if self.views:
                figures = report_figures(self.views[0].model)
                self.report = {name: figure_png(fig) for name, fig in figures.items()}
                self.version += 1

    def status(self, design: int = 0) -> dict[str, Any]:
        """The numbers a user reads first, for one design now (see :func:`model_status`)."""
        with self.lock:
            if design >= len(self.views):
                return {}
            return model_status(self.views[design].model)

    def difference(self) -> dict[str, float]:
        """B minus A now, for each reporter the comparison shows (empty unless comparing)."""
        with self.lock:
            if not self.compare or len(self.views) != 2:
                return {}
            a, b = (series_of(v.model) for v in self.views)
            out = {"hour": float(self.hour)}
            for column, title, needs_gov in COMPARED:
                if not needs_gov or self.has_government:
                    out[title] = float(difference(a, b, column)[-1])
            return out

    def describe(self, design: int = 0) -> str:
        """The design's mechanisms in one line (``flat, iterative, integrated, ...``)."""
        d = self.designs[design]
        return ", ".join(str(d[c.key]) for c in DESIGN_CONTROLS if c.kind == "choice")
