"""The whole model: reproducibility, invariants, incidents, and the Mesa conventions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.citizens import CALM, ENGAGED, NO_ISSUE, SETTLED
from sim.config import from_dict, load
from sim.model import GovSimModel

ROOT = Path(__file__).resolve().parent.parent


def small(**sections) -> dict:
    """A raw scenario of 2,000 citizens with the given sections merged in."""
    raw = {
        "run": {"steps": 60, "seed": 3},
        "population": {"n_citizens": 2000},
        "network": {"kind": "small_world", "mean_degree": 8, "rewire_prob": 0.1},
        "incidents": {"rate_per_hour": 0.2, "affected_citizens": 15},
        "spread": {"base_prob": 0.1},
    }
    for key, value in sections.items():
        raw[key] = raw.get(key, {}) | value
    return raw


def run(raw: dict, seed: int | None = None) -> GovSimModel:
    model = GovSimModel(from_dict(raw), seed=seed)
    model.run()
    return model


def test_same_seed_same_trajectory_other_seed_other_trajectory():
    a = run(small()).datacollector.get_model_vars_dataframe()
    b = run(small()).datacollector.get_model_vars_dataframe()
    c = run(small(), seed=4).datacollector.get_model_vars_dataframe()
    assert a.equals(b)
    assert not a.equals(c)


def test_one_row_per_hour_and_running_flag():
    model = run(small())
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame["hour"]) == list(range(61))
    assert model.running is False
    assert model.steps == model.hour == 60


def test_model_is_a_mesa_model_seeded_with_rng():
    import mesa

    model = GovSimModel(from_dict(small()))
    assert isinstance(model, mesa.Model)
    assert model.seed == 3
    again = GovSimModel(from_dict(small()))
    assert np.array_equal(model.citizens.trust, again.citizens.trust)


def test_world_does_not_depend_on_spreading_parameters():
    """Common random numbers: the network, population and incidents use their own streams."""
    calm = run(small(spread={"base_prob": 0.0}))
    loud = run(small(spread={"base_prob": 0.3}))
    assert np.array_equal(calm.network.indices, loud.network.indices)
    assert np.array_equal(calm.citizens.online, loud.citizens.online)
    assert np.array_equal(
        calm.issues.born[: calm.issues.count], loud.issues.born[: loud.issues.count]
    )
    assert np.array_equal(
        calm.issues.severity[: calm.issues.count], loud.issues.severity[: loud.issues.count]
    )


def check_invariants(model: GovSimModel) -> None:
    c = model.citizens
    assert np.array_equal(np.sort(c.engaged), np.flatnonzero(c.state == ENGAGED))
    assert np.all(np.isin(c.state, [CALM, ENGAGED, SETTLED]))
    assert np.all(c.ever_engaged[c.state != CALM])
    assert np.all(c.issue[c.state != CALM] != NO_ISSUE)
    assert np.all((c.trust >= 0) & (c.trust <= 1))
    attention = model.issues.attention[: model.issues.count]
    assert attention.sum() == c.engaged.size
    assert np.all(model.issues.peak[: model.issues.count] >= attention)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    base_prob=st.floats(0, 1),
    calm=st.floats(0.01, 1),
    rate=st.floats(0, 2),
    kind=st.sampled_from(["erdos_renyi", "small_world", "scale_free"]),
)
def test_invariants_hold_hour_by_hour(seed, base_prob, calm, rate, kind):
    raw = small(
        run={"steps": 15, "seed": seed},
        population={"n_citizens": 300},
        network={"kind": kind, "mean_degree": 6},
        incidents={"rate_per_hour": rate, "affected_citizens": 5},
        spread={"base_prob": base_prob, "calm_prob_per_hour": calm},
    )
    if kind != "small_world":
        raw["network"] = {"kind": kind, "mean_degree": 6}
    model = GovSimModel(from_dict(raw))
    check_invariants(model)
    for _ in range(15):
        model.step()
        check_invariants(model)


def test_incident_arrivals_are_poisson_with_the_given_rate():
    rate, hours = 0.4, 2000
    model = run(small(run={"steps": hours}, incidents={"rate_per_hour": rate, "initial_issues": 0}))
    counts = model.datacollector.get_model_vars_dataframe()["new_incidents"].to_numpy()[1:]
    se = np.sqrt(rate / hours)
    assert abs(counts.mean() - rate) <= 4 * se
    assert abs(counts.var(ddof=1) - rate) <= 0.1  # Poisson: variance equals mean


def test_incident_hits_a_connected_cluster_of_the_given_size():
    model = GovSimModel(from_dict(small(incidents={"initial_issues": 0})))
    hit = model.incidents.affected(model.network)
    assert hit.size == 15 and np.unique(hit).size == 15
    graph = model.network.to_networkx(hit)
    import networkx as nx

    assert nx.is_connected(graph)


def test_a_citizen_can_be_inspected_as_an_object():
    model = run(small())
    engaged = int(model.citizens.engaged[0])
    citizen = model.citizens.citizen(engaged)
    assert citizen.state == "engaged" and citizen.issue is not None and citizen.ever_engaged
    assert set(citizen.neighbours) == set(model.network.neighbours(engaged).tolist())
    with pytest.raises(IndexError, match="does not exist"):
        model.citizens.citizen(2000)


def test_unanswered_demands_erode_trust_and_fixed_trust_does_not_move():
    moving = run(small(run={"steps": 120}))
    frozen = run(small(run={"steps": 120}, trust={"fixed": True}))
    first = moving.datacollector.get_model_vars_dataframe()["mean_trust"].iloc[0]
    assert moving.citizens.trust.mean() < first - 0.01
    assert np.array_equal(
        frozen.citizens.trust, GovSimModel(from_dict(small(trust={"fixed": True}))).citizens.trust
    )


def test_trust_loss_outweighs_gain_with_loss_aversion():
    """Slovic (1993): with neighbours pulling both ways, loss aversion lowers mean trust."""
    base = {"run": {"steps": 48}, "incidents": {"rate_per_hour": 0.0, "initial_issues": 0}}
    symmetric = run(small(**base, trust={"loss_aversion": 1.0, "social_weight": 0.3}))
    averse = run(small(**base, trust={"loss_aversion": 3.0, "social_weight": 0.3}))
    assert averse.citizens.trust.mean() < symmetric.citizens.trust.mean() - 0.005


def test_viral_scenario_reaches_crisis_and_reports_it():
    model = run(small(run={"steps": 120}, spread={"base_prob": 0.3, "calm_prob_per_hour": 0.05}))
    assert model.issues.crises() >= 1
    assert model.issues.total_crisis_hours() >= 1
    frame = model.datacollector.get_model_vars_dataframe()
    assert frame["issues_in_crisis"].max() >= 1
    assert frame["max_attention_share"].max() >= 0.02


def test_baseline_runs_a_few_steps():
    model = GovSimModel(load(ROOT / "scenarios" / "baseline.toml"))
    model.run(5)
    assert model.hour == 5
    check_invariants(model)
