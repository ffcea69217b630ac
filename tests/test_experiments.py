"""Experiment files (checked like scenarios), designs, analysis and the report.

The sweep machinery itself (executors, resuming, failures) is in test_sweep.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.experiments.analysis import Sweep, main_effects, paired_differences
from sim.experiments.design import cells
from sim.experiments.executors import LocalPool, Serial
from sim.experiments.functions import ishigami_indices
from sim.experiments.report import write_report
from sim.experiments.runner import load_runs, read_manifest, sweep
from sim.experiments.spec import ExperimentError, load_experiment

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
SHIPPED = sorted((ROOT / "experiments").glob("*.toml"))


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    return str(info.value).splitlines()


# --------------------------------------------------------------------------- files


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_experiment_loads_and_opens_with_its_question(path):
    experiment = load_experiment(path)
    assert path.read_text().startswith("# Question")
    assert len(cells(experiment)) >= 4 and experiment.outcomes


def test_mistakes_are_reported_with_file_line_key_and_did_you_mean_all_at_once(tmp_path):
    path = write(
        tmp_path,
        f"""[experiment]
scenario = "{BASELINE}"
replicates = 0
outcomes = ["crises"]

[design]
kind = "gird"

[[factors]]
key = "government.structure.kind"
levels = ["hierarchical", "flat"]
""",
    )
    found = problems(path)
    assert f"{path}:3: experiment.replicates: must be >= 1, got 0" in found
    assert any(
        line.startswith(f"{path}:7: design.kind: unknown design 'gird'; did you mean 'grid'?")
        for line in found
    ), found


def test_a_factor_level_is_checked_against_the_scenario_at_its_own_line(tmp_path):
    path = write(
        tmp_path,
        f"""[experiment]
scenario = "{BASELINE}"
outcomes = ["crises", "resolution_rat"]

[[factors]]
key = "government.structure.kind"
levels = ["hierarchical", "flt"]

[[factors]]
key = "government.structre.kind"
levels = ["flat"]
""",
    )
    found = problems(path)
    assert any(
        re.match(
            rf"{re.escape(str(path))}:7: factors\[0\]\.levels\[1\]: .*'flt'.*did you mean 'flat'", s
        )
        for s in found
    ), found
    assert any(
        s.startswith(
            f"{path}:10: factors[1].key: government.structre: unknown key; "
            "did you mean 'structure'?"
        )
        for s in found
    ), found


def test_an_unknown_outcome_gets_a_did_you_mean_and_the_cli_exits_2(tmp_path, capsys):
    path = write(
        tmp_path,
        f"""[experiment]
scenario = "{BASELINE}"
set = ["population.n_citizens=300", "run.steps=2"]
outcomes = ["crises", "resolution_rat"]

[[factors]]
key = "government.structure.kind"
levels = ["hierarchical", "flat"]
""",
    )
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"{path}:4: experiment.outcomes[1]: 'resolution_rat' is not a key" in err
    assert "did you mean 'resolution_rate'?" in err
    assert not (tmp_path / "out").exists()


def test_sampled_designs_need_ranges_and_integer_keys_need_integer_factors(tmp_path):
    path = write(
        tmp_path,
        f"""[experiment]
scenario = "{BASELINE}"
outcomes = ["crises"]

[design]
kind = "sobol"
samples = 48

[[factors]]
key = "government.levels[0].staff"
low = 3
high = 8

[[factors]]
key = "incidents.rate_per_hour"
levels = [0.1, 0.2]
""",
    )
    found = "\n".join(problems(path))
    assert "design.samples: must be a power of 2" in found
    assert "factors[0].low: government.levels[0].staff: must be an integer" in found
    assert "add integer = true" in found
    assert "factors[1].levels: a sobol design samples ranges: use low, high" in found


def test_designs_come_from_salib_in_its_order_and_grid_is_the_full_product(tmp_path):
    grid = load_experiment(ROOT / "experiments" / "mechanisms_2x2x2.toml")
    assert len(cells(grid)) == 8
    assert cells(grid)[0] == {
        "structure": "hierarchical",
        "policy": "fixed",
        "platform": "separate",
    }
    assert len({tuple(c.values()) for c in cells(grid)}) == 8
    sobol = load_experiment(ROOT / "experiments" / "sensitivity.toml", check_outcomes=False)
    sampled = cells(sobol)
    assert len(sampled) == 64 * (6 + 2)
    staff = {c["government.levels[0].staff"] for c in sampled}
    assert staff <= set(range(3, 9)) and all(isinstance(s, int) for s in staff)
    assert cells(sobol) == sampled  # seeded: the same cells every time


# --------------------------------------------------------------------------- analysis


def synthetic(effect_b: float, interaction: float, replicates: int = 40) -> Sweep:
    """A 2x2 sweep whose outcome is known: world noise shared by the cells of a replicate."""
    rng = np.random.default_rng(0)
    rows = []
    world = rng.normal(0, 5, replicates)  # large, but common to all cells of a replicate
    for r in range(replicates):
        for cell, (a, b) in enumerate([("a0", "b0"), ("a0", "b1"), ("a1", "b0"), ("a1", "b1")]):
            y = world[r] + (2.0 if a == "a1" else 0.0) + (effect_b if b == "b1" else 0.0)
            y += interaction if (a, b) == ("a1", "b1") else 0.0
            y += rng.normal(0, 0.1)
            rows.append(
                {"run": r * 4 + cell, "cell": cell, "replicate": r, "A": a, "B": b}
                | {"y": y, "status": "ok"}
            )
    manifest = {
        "factors": [
            {"name": "A", "levels": ["a0", "a1"]},
            {"name": "B", "levels": ["b0", "b1"]},
        ],
        "outcomes": ["y"],
        "design": {"kind": "grid"},
        "report": {"compare": None},
    }
    return Sweep(pd.DataFrame(rows), manifest)


def test_paired_effects_see_through_the_shared_noise_of_the_worlds():
    sweep = synthetic(effect_b=-1.0, interaction=0.0)
    effects = main_effects(sweep).set_index("factor")
    assert effects.loc["A", "difference"] == pytest.approx(2.0, abs=0.1)
    assert effects.loc["B", "difference"] == pytest.approx(-1.0, abs=0.1)
    assert (
        effects.loc["A", "clear"] and effects.loc["A", "ci_high"] - effects.loc["A", "ci_low"] < 0.2
    )
    diffs = paired_differences(sweep, "B").set_index("A")
    assert diffs.loc["a0", "difference"] == pytest.approx(-1.0, abs=0.1)
    assert diffs.loc["a0", "a_higher"] == 40  # b0 > b1 in every world


# --------------------------------------------------------------------------- end to end


def test_report_of_a_small_sweep_has_its_tables_and_plain_sentences(tmp_path):
    path = write(
        tmp_path,
        f"""[experiment]
scenario = "{BASELINE}"
set = ["population.n_citizens=300", "run.steps=36", "incidents.rate_per_hour=0.2"]
replicates = 3
seed = 2
outcomes = ["resolution_rate", "mean_trust_final"]

[[factors]]
key = "government.structure.kind"
name = "structure"
levels = ["hierarchical", "flat"]

[[factors]]
key = "incidents.affected_citizens"
name = "affected"
levels = [10, 30]

[report]
compare = "structure"
""",
    )
    out = tmp_path / "out"
    sweep(load_experiment(path), out, Serial(), progress=False)
    assert main(["report", str(out)]) == 0
    html = (out / "report.html").read_text()
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert html.count("data:image/png;base64,") >= 4
    assert "With structure=flat rather than structure=hierarchical where affected=10" in html
    means = pd.read_csv(out / "tables" / "cell_means.csv")
    assert len(means) == 4 * 2 and (means["n"] == 3).all()
    assert (means["ci_low"] <= means["mean"]).all() and (means["mean"] <= means["ci_high"]).all()
    diffs = pd.read_csv(out / "tables" / "paired_differences.csv")
    assert set(diffs["affected"]) == {10, 30} and (diffs["pairs"] == 3).all()
    for name in ("main_effects", "interactions", "runs"):
        assert (out / "tables" / f"{name}.csv").exists()
    runs = load_runs(out)
    flat = runs[(runs["structure"] == "flat") & (runs["affected"] == 10)].set_index("replicate")
    hier = runs[(runs["structure"] == "hierarchical") & (runs["affected"] == 10)]
    expected = (flat["resolution_rate"] - hier.set_index("replicate")["resolution_rate"]).mean()
    row = diffs[(diffs["affected"] == 10) & (diffs["outcome"] == "resolution_rate")]
    assert row["difference"].iloc[0] == pytest.approx(expected)


ISHIGAMI = """
[experiment]
function = "sim.experiments.functions:ishigami"
seed = 3
outcomes = ["y"]

[design]
kind = "sobol"
samples = 512

[[factors]]
key = "x1"
low = -3.141592653589793
high = 3.141592653589793

[[factors]]
key = "x2"
low = -3.141592653589793
high = 3.141592653589793

[[factors]]
key = "x3"
low = -3.141592653589793
high = 3.141592653589793

[report]
discover = ["y >= 8"]
"""


@pytest.mark.slow
def test_ishigami_sobol_indices_come_out_right_through_the_pipeline(tmp_path):
    out = tmp_path / "out"
    sweep(load_experiment(write(tmp_path, ISHIGAMI)), out, LocalPool(2), progress=False)
    assert read_manifest(out)["runs"] == 512 * 5
    write_report(out)
    found = pd.read_csv(out / "tables" / "sobol.csv").set_index("factor")
    exact = ishigami_indices()
    for kind in ("S1", "ST"):
        for factor, value in exact[kind].items():
            estimate, half = found.loc[factor, kind], found.loc[factor, f"{kind}_ci"]
            assert abs(estimate - value) <= max(half, 0.02), (kind, factor, estimate, value, half)
            assert half < 0.15
    # y >= 8 needs sin^2(x2) near 1 (x2 near ±pi/2): PRIM restricts x2, or finds a box at all
    box = pd.read_csv(out / "tables" / "discovery_0_box_0.csv")
    assert "x2" in set(box["factor"])


LINEAR = """
[experiment]
function = "sim.experiments.functions:faulty"
seed = 4
outcomes = ["y"]

[design]
{design}

[[factors]]
key = "x"
low = 0.0
high = 10.0

[[factors]]
key = "z"
low = 0.0
high = 10.0

[report]
discover = ["y >= 7"]
"""


def test_morris_finds_the_slope_of_a_linear_outcome_and_nothing_for_an_unused_factor(tmp_path):
    # faulty() with no fault returns y = x and ignores z. SALib scales an elementary effect
    # to the factor's whole range: x's is 10 (slope 1 over 0..10), z's 0
    text = LINEAR.format(design='kind = "morris"\ntrajectories = 10\nlevels = 4')
    out = tmp_path / "out"
    sweep(load_experiment(write(tmp_path, text)), out, Serial(), progress=False)
    write_report(out)
    found = pd.read_csv(out / "tables" / "morris.csv").set_index("factor")
    assert found.loc["x", "mu_star"] == pytest.approx(10.0)
    assert found.loc["x", "sigma"] == pytest.approx(0.0, abs=1e-9)
    assert found.loc["z", "mu_star"] == pytest.approx(0.0, abs=1e-9)
    assert "x matters most" in (out / "report.html").read_text()


def test_prim_finds_the_box_where_the_condition_holds_on_a_latin_hypercube(tmp_path):
    text = LINEAR.format(design='kind = "lhs"\nsamples = 200')
    out = tmp_path / "out"
    sweep(load_experiment(write(tmp_path, text)), out, Serial(), progress=False)
    write_report(out, discover=["y < 2"])
    box = pd.read_csv(out / "tables" / "discovery_0_box_0.csv").set_index("factor")
    assert list(box.index) == ["x"]  # only x matters: z is left free
    # the widest box with density >= 0.8: x from about 6.3 (3 / 3.7 of it has y >= 7)
    assert 6.0 <= box.loc["x", "min"] <= 7.0
    trajectory = pd.read_csv(out / "tables" / "discovery_0_trajectory_0.csv")
    assert trajectory["density"].max() == pytest.approx(1.0)
    low = pd.read_csv(out / "tables" / "discovery_1_box_0.csv").set_index("factor")
    assert 2.0 <= low.loc["x", "max"] <= 2.7
    html = (out / "report.html").read_text()
    assert "y &gt;= 7 holds in 3" in html  # about 30% of the runs
