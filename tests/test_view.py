"""The view without a browser: layout, pictures, the session's choices and validation, the CLI.

The browser tests are in ``test_view_browser.py``.
"""

from __future__ import annotations

import io
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sim.cli import main
from sim.config import ScenarioError, load
from sim.model import GovSimModel
from sim.network import BUILDERS
from sim.view import figures, layout
from sim.view.session import (
    CONTROLS,
    DESIGN_CONTROLS,
    Session,
    override,
    scenario_library,
    value_at,
)

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"


@pytest.fixture(scope="module")
def small_baseline(tmp_path_factory) -> Path:
    """The baseline with 800 citizens: sessions open in a fraction of the time."""
    text = BASELINE.read_text()
    assert "n_citizens = 10000" in text
    path = tmp_path_factory.mktemp("view") / "small.toml"
    path.write_text(text.replace("n_citizens = 10000", "n_citizens = 800"))
    return path


def small_model(*overrides: str, n: int = 600) -> GovSimModel:
    return GovSimModel(load(BASELINE, [f"population.n_citizens={n}", *overrides]))


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


# ---------------------------------------------------------------------- layout


def test_layout_draws_at_most_the_cap_in_neighbourhoods_and_is_cached():
    model = GovSimModel(load(BASELINE))  # 10,000 citizens
    first = layout.layout_for(model.network, ("test", 1), seed=3)
    assert first.nodes.size <= layout.MAX_DRAWN
    assert first.nodes.size >= layout.MAX_DRAWN * 0.9
    assert np.all(np.diff(first.nodes) > 0)
    assert first.xy.shape == (first.nodes.size, 2)
    assert first.xy.min() >= 0 and first.xy.max() <= 1
    # the ties drawn are ties of the network
    u, v = first.nodes[first.edges[:, 0]], first.nodes[first.edges[:, 1]]
    assert all(
        int(b) in model.network.neighbours(int(a)) for a, b in zip(u[:50], v[:50], strict=True)
    )
    # neighbourhoods keep ties: far more than a uniform sample of the same size would
    assert first.edges.shape[0] > first.nodes.size
    started = time.perf_counter()
    again = layout.layout_for(model.network, ("test", 1), seed=3)
    assert again is first and time.perf_counter() - started < 0.01


def test_layout_is_seeded_and_small_populations_are_drawn_whole():
    network = BUILDERS.get("erdos_renyi").build(
        300, BUILDERS.get("erdos_renyi").Params(), np.random.default_rng(0), ROOT
    )
    a = layout.layout_for(network, ("seeded",), seed=1)
    layout._cache.clear()
    b = layout.layout_for(network, ("seeded",), seed=1)
    assert a is not b and np.array_equal(a.xy, b.xy)
    assert np.array_equal(a.nodes, np.arange(300))


# ---------------------------------------------------------------------- pictures


def test_network_picture_colours_citizens_by_state_and_trust():
    model = small_model()
    lay = layout.layout_for(model.network, ("small", 600), model.seed)
    picture = figures.NetworkPicture(lay, "state")
    model.run(48)
    colours = picture.colours(model)
    categories = figures.citizen_categories(model, lay.nodes)
    engaged = model.citizens.state[lay.nodes] == 1
    assert np.any(categories != figures.CALM)
    # an engaged citizen of a named issue takes that issue's colour
    named = figures.issue_colours(model)
    rows = np.flatnonzero(engaged & (categories == figures.OTHER_ISSUE))
    for row in rows[:20]:
        issue = int(model.citizens.issue[lay.nodes[row]])
        if issue in named:
            assert tuple(colours[row]) == tuple(figures._rgb(named[issue]))
    image = picture.image(model)
    assert image.shape == (picture.height, picture.width, 3)
    by_trust = figures.NetworkPicture(lay, "trust").colours(model)
    low = np.argmin(model.citizens.trust[lay.nodes])
    high = np.argmax(model.citizens.trust[lay.nodes])
    assert by_trust[low][0] > by_trust[low][2] and by_trust[high][2] > by_trust[high][0]


def test_citizens_answered_are_marked_by_their_last_answer():
    model = small_model(n=2000)
    model.run(120)
    closed = [c for c in model.government.real_cases() if c.closed is not None]
    assert closed, "no case answered in 120 hours: the test needs one"
    last: dict[int, tuple[float, int, bool]] = {}
    for case in closed:
        for who in case.filers:
            if who not in last or case.closed >= last[who][0]:
                last[who] = (case.closed, case.issue, case.outcome == "solved")
    issue, solved = figures.last_answers(model)
    assert set(np.flatnonzero(issue != -1)) == set(last)
    for who, (_, k, ok) in last.items():
        assert issue[who] == k and solved[who] == ok


def test_timelines_change_when_the_model_steps():
    model = small_model()
    lines = figures.Timelines(model)
    times = figures.ResponseTimes()
    times.record(model)
    before = pixels(lines.update(model, times))
    model.run(30)
    times.record(model)
    after = pixels(lines.update(model, times))
    assert before.shape == after.shape
    assert np.abs(before - after).sum() > 0
    assert len(times.hours) == 2 and times.hours[-1] == 30


def test_hours_axis_and_growth():
    assert [figures.hours_axis(h) for h in (0, 48, 49, 200, 720, 721)] == [
        48,
        48,
        168,
        720,
        720,
        1440,
    ]
    assert figures.grown(1.0, 0.5) == 1.0
    assert figures.grown(1.0, 0.96) == 2.0
    assert figures.grown(1.0, 3.9) == 8.0
    assert figures.grown(1.0, float("nan")) == 1.0


def drawn_whole(live: figures.LiveFigure, data_lines: list) -> np.ndarray:
    """``live``'s figure as matplotlib draws it in one go, without the data lines (RGB)."""
    animated = [a for a in live.fig.findobj() if a.get_animated() and a not in data_lines]
    for artist in animated:
        artist.set_animated(False)
    for line in data_lines:
        line.set_visible(False)
    live.canvas.draw()
    image = np.asarray(live.canvas.buffer_rgba())[:, :, :3].astype(int)
    for artist in animated:
        artist.set_animated(True)
    for line in data_lines:
        line.set_visible(True)
    return image


def test_live_backgrounds_stay_the_whole_figure_as_the_axes_grow():
    """The background is drawn in layers, an axis at a time as it grows (the time axis
    drawn once and copied to every panel): it must stay the figure drawn whole, with no
    tick left behind, after the time axis grows and after the threshold line moves."""
    a, b = small_model(), small_model('government.structure.kind="flat"')
    timelines, comparison = figures.Timelines(a), figures.Comparison(True)
    times = figures.ResponseTimes()
    for hour, x_end in ((0, 48), (50, 168), (800, 1440)):
        while a.hour < min(hour, 50):
            a.step()
            b.step()
        times.record(a)
        if hour == 800:  # the attention axis doubles twice: its threshold line moves down
            timelines.extra_peak = lambda panel: 3 * timelines.threshold if panel == 0 else 0.0
        timelines.render(hour, (a, figures.series_of(a), times))
        comparison.render(hour, (figures.series_of(a), figures.series_of(b)))
        assert timelines.x_end == comparison.x_end == x_end
        data_lines = [x for lines in timelines.lines for x in lines]
        data_lines += list(timelines.issue_lines.values())
        compared = [x for lines in comparison.lines for x in lines]
        for live, lines in ((timelines, data_lines), (comparison, compared)):
            gap = np.abs(live.background[:, :, :3].astype(int) - drawn_whole(live, lines))
            # the layers are merged by their darkest pixel: a few differ faintly where
            # ticks meet frames
            assert np.count_nonzero(gap.max(axis=2) > 40) <= 10, (hour, type(live).__name__)
    assert timelines.y_max[0] == 4 * timelines.threshold
    assert timelines.full_draws == comparison.full_draws == 1


def test_comparison_shows_the_difference_of_two_designs():
    a = small_model(n=2000)
    b = small_model('government.structure.kind="flat"', n=2000)
    for _ in range(48):
        a.step()
        b.step()
    gap = figures.difference(figures.series_of(a), figures.series_of(b), "backlog")
    assert gap.shape == (49,) and np.any(gap != 0)
    image = pixels(figures.Comparison(True).update(a, b))
    assert image.std() > 10


def test_step_and_redraw_steps_once_and_draws_everything():
    """The benchmarks time this at 10,000 citizens (budget 250 ms); here only what it does."""
    model = small_model()
    view = figures.LiveView.of(model, layout.layout_for(model.network, ("redraw",), 0))
    seconds = figures.step_and_redraw(view)
    assert model.hour == 1 and seconds > 0
    frames = view.redraw()
    assert set(frames) == {"network", "timelines"}
    assert all(data[:4] == b"\x89PNG" for data in frames.values())


def test_report_figures_are_those_of_a_run():
    model = small_model()
    model.run(24)
    names = set(figures.report_figures(model))
    assert names == {"attention", "trust", "response"}
    assert figures.figure_png(figures.report_figures(model)["trust"])[:4] == b"\x89PNG"


# ---------------------------------------------------------------------- session


def test_every_control_names_a_key_of_the_baseline():
    from sim.config import to_dict

    tree = to_dict(load(BASELINE))
    for control in CONTROLS:
        value_at(tree, control.key)  # raises KeyError if not
        assert control.help
    for control in DESIGN_CONTROLS:
        if control.kind == "choice":
            assert all(meaning for _, meaning in control.options), control.key


def test_overrides_are_valid_set_strings():
    assert override("a.b", "flat") == 'a.b="flat"'
    assert override("a.b", 0.5) == "a.b=0.5"
    assert override("a.b", 7) == "a.b=7"
    assert override("a.b", True) == "a.b=true"


def test_session_applies_a_choice_through_validation(small_baseline):
    session = Session(small_baseline)
    assert session.overrides() == []
    session.set("population.n_citizens", 600)
    session.set("government.policy.kind", "iterative")
    assert session.error is None
    assert session.overrides() == [
        "population.n_citizens=600",
        'government.policy.kind="iterative"',
    ]
    assert session.views[0].model.config.government.policy.kind == "iterative"
    session.step(3)
    assert session.hour == 3 and set(session.frames) == {"network_a", "timelines_a"}


def test_an_invalid_choice_shows_the_message_and_keeps_the_model(small_baseline):
    session = Session(small_baseline)
    model = session.views[0].model
    session.set("spread.base_prob", -0.5)
    with pytest.raises(ScenarioError) as raised:
        load(small_baseline, ["spread.base_prob=-0.5"])
    assert str(raised.value) == "--set: " + session.error
    assert session.error.startswith("spread.base_prob: ") and "got -0.5" in session.error
    assert session.views[0].model is model
    assert session.step() is False and session.hour == 0
    session.set("spread.base_prob", 0.003)
    assert session.error is None


def test_a_population_too_large_for_the_view_is_refused(small_baseline):
    session = Session(small_baseline, max_citizens=5000)
    session.set("population.n_citizens", 6000)
    assert "at most 5,000 citizens, got 6,000" in session.error


def test_compare_builds_two_designs_on_the_same_world(small_baseline):
    session = Session(small_baseline)
    session.set("government.structure.kind", "flat", design=1)
    session.set_compare(True)
    a, b = (v.model for v in session.views)
    assert a.config.government.structure.kind == "hierarchical"
    assert b.config.government.structure.kind == "flat"
    assert np.array_equal(a.network.indices, b.network.indices)
    assert np.array_equal(a.citizens.trust, b.citizens.trust)
    session.step(24)
    assert a.hour == b.hour == 24
    gaps = session.difference()
    assert gaps["hour"] == 24 and any(v != 0 for k, v in gaps.items() if k != "hour")
    assert "comparison" in session.frames


def test_a_stopped_run_loop_cannot_step(small_baseline):
    session = Session(small_baseline)
    token = session.stop_runs()
    assert session.step(1, token) is True
    session.stop_runs()
    assert session.step(1, token) is False and session.hour == 1


@pytest.mark.parametrize("name", scenario_library(ROOT / "scenarios"))
def test_every_library_scenario_opens_in_the_view(name):
    session = Session(ROOT / name, world={"population.n_citizens": 500})
    assert session.error is None, session.error
    session.step(2)
    assert session.hour == 2
    if not session.has_government:
        assert "backlog" not in session.status()


# ---------------------------------------------------------------------- command line


def test_view_command_reports_a_bad_scenario_and_port(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[population]\nn_citizens = 0\n")
    assert main(["view", str(bad)]) == 2
    assert "population.n_citizens: must be >= 1, got 0" in capsys.readouterr().err
    assert main(["view", str(BASELINE), "--port", "70000"]) == 2
    assert "--port: must be in 1..65535" in capsys.readouterr().err


def test_view_command_is_listed_and_light_to_import(capsys):
    code = "import sys, sim.cli; sim.cli._parser(); print('solara' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.stdout.strip() == "False", result.stderr
    with pytest.raises(SystemExit):
        main(["view", "--help"])
    assert "127.0.0.1" in capsys.readouterr().out
