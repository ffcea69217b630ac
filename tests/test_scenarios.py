"""The scenario library: every file runs, each reform and trap changes only the government,
the full reform holds every element, and the baseline is calibrated to the literature."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.config import load, to_dict
from sim.model import GovSimModel
from sim.runs import run_replicate

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
ELEMENTS = (
    "integrated_platform",
    "flat_organisation",
    "iterative_response",
    "big_data_monitoring",
    "user_centred",
)
TRAPS = ("formalism_trap", "big_data_trap", "netizens_whole_people_trap", "security_trap")
DESIGNS = (*ELEMENTS, "full_reform", *TRAPS)


def flat(tree: dict, prefix: str = "") -> dict[str, object]:
    """Dotted key -> value, lists of tables indexed like ``levels[1].staff``."""
    out: dict[str, object] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out |= flat(value, f"{path}.")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for i, item in enumerate(value):
                out |= flat(item, f"{path}[{i}].")
            out[f"{path}.length"] = len(value)
        else:
            out[path] = value
    return out


def changes(name: str) -> dict[str, object]:
    """What a library file changes relative to the baseline."""
    base = flat(to_dict(load(SCENARIOS / "baseline.toml")))
    design = flat(to_dict(load(SCENARIOS / f"{name}.toml")))
    return {k: v for k, v in design.items() if base.get(k, object()) != v}


@pytest.mark.parametrize(
    "path", sorted(SCENARIOS.rglob("*.toml")), ids=lambda p: str(p.relative_to(SCENARIOS))
)
def test_every_scenario_file_loads_and_runs_a_few_steps(path):
    scenario = load(path, ["population.n_citizens=1000"] if "reductions" not in path.parts else [])
    model = GovSimModel(scenario)
    model.run(5)
    assert model.hour == 5


@pytest.mark.parametrize("name", DESIGNS)
def test_each_reform_and_trap_changes_the_government_and_nothing_else(name):
    changed = changes(name)
    assert changed, f"{name}.toml is the baseline"
    assert all(key.startswith("government.") for key in changed), sorted(changed)


def test_the_full_reform_holds_every_element():
    full = changes("full_reform")
    for name in ELEMENTS:
        for key, value in changes(name).items():
            assert full.get(key) == value, f"full_reform lacks {name}'s {key} = {value!r}"


def test_the_traps_do_what_their_comments_say():
    """One paired world per trap, small and short: the direction of each trap's damage."""
    keys = ["population.n_citizens=4000", "run.steps=336"]

    def outcome(name: str) -> dict:
        return run_replicate(load(SCENARIOS / f"{name}.toml", keys), seed=3)

    base, formal = outcome("baseline"), outcome("formalism_trap")
    assert formal["responded_not_resolved"] > base["responded_not_resolved"]
    assert formal["mean_trust_final"] < base["mean_trust_final"]
    whole = outcome("netizens_whole_people_trap")
    assert whole["offline_response_hours_mean"] > base["offline_response_hours_mean"]
    assert whole["offline_resolution_rate"] < base["offline_resolution_rate"]
    assert outcome("security_trap")["security_incidents"] > base["security_incidents"]


@pytest.mark.slow
def test_baseline_solves_about_a_third_of_filed_cases_in_a_month():
    """Chen, Pan & Xu (2016): about a third of online appeals got a substantive reply."""
    scenario = load(SCENARIOS / "baseline.toml")
    rates = np.array([run_replicate(scenario, seed)["resolution_rate"] for seed in range(10)])
    se = rates.std(ddof=1) / np.sqrt(rates.size)
    assert 0.25 <= rates.mean() <= 0.42, f"{rates.mean():.3f} ± {se:.3f} over 10 seeds"
