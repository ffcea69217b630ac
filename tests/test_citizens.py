"""The citizens' rules: spreading against an independent plain-Python implementation, and trust."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from sim.citizens import ENGAGED, SETTLED, Population, PopulationParams, beta_by_moments
from sim.config import load
from sim.model import GovSimModel
from sim.network import from_edges

ROOT = Path(__file__).resolve().parent.parent
SIR = ROOT / "scenarios" / "reductions" / "sir.toml"
EARLY = 4  # hours compared
P, R = 0.3, 0.2


def reduced(seed: int) -> GovSimModel:
    keys = ["population.n_citizens=3000", f"spread.base_prob={P}", f"spread.calm_prob_per_hour={R}"]
    return GovSimModel(load(SIR, keys), seed=seed)


def plain_sir(
    neighbours: list[list[int]],
    seeds: list[int],
    hours: int,
    rng: random.Random,
    synchronous: bool = True,
) -> list[int]:
    """Network SIR written the obvious way, one citizen at a time (the yardstick).

    Each hour every infected citizen tries each susceptible neighbour with chance P, then
    recovers with chance R. ``synchronous=False`` is the classic bug: a citizen infected
    this hour already passes it on this hour.
    """
    state = dict.fromkeys(range(len(neighbours)), "S")
    for s in seeds:
        state[s] = "I"
    counts = []
    for _ in range(hours):
        infected = [i for i in range(len(neighbours)) if state[i] == "I"]
        queue = list(infected)
        newly = []
        while queue:
            i = queue.pop(0)
            for j in neighbours[i]:
                if state[j] == "S" and rng.random() < P:
                    state[j] = "I"
                    newly.append(j)
                    if not synchronous:
                        queue.append(j)
        for i in infected:
            if rng.random() < R:
                state[i] = "R"
        counts.append(sum(1 for v in state.values() if v == "I"))
    return counts


def two_sample_z(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    se = np.sqrt(a.var(axis=0, ddof=1) / len(a) + b.var(axis=0, ddof=1) / len(b))
    return np.abs(a.mean(axis=0) - b.mean(axis=0)) / np.maximum(se, 1e-12)


@pytest.mark.slow
def test_early_spread_matches_an_independent_simple_implementation():
    ours, plain, async_ = [], [], []
    for seed in range(120):
        model = reduced(seed)
        seeds = model.citizens.engaged.tolist()
        neighbours = [model.network.neighbours(i).tolist() for i in range(model.network.n)]
        counts = []
        for _ in range(EARLY):
            model.step()
            counts.append(model.citizens.engaged.size)
        ours.append(counts)
        plain.append(plain_sir(neighbours, seeds, EARLY, random.Random(seed)))
        async_.append(plain_sir(neighbours, seeds, EARLY, random.Random(seed), synchronous=False))
    ours_a, plain_a, async_a = (np.array(x, dtype=float) for x in (ours, plain, async_))
    assert np.all(two_sample_z(ours_a, plain_a) < 4), (ours_a.mean(0), plain_a.mean(0))
    # the comparison has the power to see a citizen acting in the hour it was reached
    assert np.any(two_sample_z(ours_a, async_a) > 6), (ours_a.mean(0), async_a.mean(0))


def path_population(n: int, **params) -> Population:
    u = np.arange(n - 1)
    net = from_edges(n, u, u + 1)
    return Population(PopulationParams(n_citizens=n, **params), net, np.random.default_rng(0))


def test_reached_citizen_spreads_only_from_the_next_hour():
    """On a path with p = 1 the issue advances exactly one citizen per hour."""
    from sim.citizens import SpreadParams

    pop = path_population(10, online_share=1.0, activity_mean=1.0, activity_sd=0.0)
    pop.engage(np.array([0]), 0)
    params = SpreadParams(
        base_prob=1.0, severity_gain=0, trust_damping=0, amplification=0, calm_prob_per_hour=0
    )
    rng = np.random.default_rng(1)
    for hour in range(1, 5):
        pop.spread(np.array([0.5]), params, rng)
        assert sorted(pop.engaged.tolist()) == list(range(hour + 1))


def test_settled_citizens_do_not_retake_their_issue_but_take_another():
    from sim.citizens import SpreadParams

    pop = path_population(3, online_share=1.0, activity_mean=1.0, activity_sd=0.0)
    params = SpreadParams(
        base_prob=1.0, severity_gain=0, trust_damping=0, amplification=0, calm_prob_per_hour=1.0
    )
    pop.engage(np.array([1]), 0)
    pop.state[[0, 2]] = SETTLED
    pop.issue[[0, 2]] = [0, 7]
    pop.spread(np.array([0.5] * 8), params, np.random.default_rng(0))
    assert pop.state[0] == SETTLED and pop.issue[0] == 0  # already settled about issue 0
    assert pop.state[2] == ENGAGED and pop.issue[2] == 0  # settled about 7: takes up 0
    assert pop.state[1] == SETTLED  # calmed (r = 1)


def test_trusting_citizens_are_reached_less():
    """The spreading chance falls with the neighbour's trust (Epstein's 1 - legitimacy)."""
    from sim.citizens import SpreadParams

    params = SpreadParams(
        base_prob=0.5, severity_gain=0, trust_damping=1.0, amplification=0, calm_prob_per_hour=0
    )
    reached, tries = {}, 2000
    for trust in (0.0, 0.8):
        pop = path_population(
            2001,
            online_share=1.0,
            activity_mean=1.0,
            activity_sd=0.0,
            trust_mean=trust,
            trust_sd=0.0,
        )
        rng = np.random.default_rng(5)
        hits = 0
        for _ in range(tries):
            pop.state[:] = 0
            pop.engaged = np.zeros(0, dtype=np.int64)
            pop.engage(np.array([1000]), 0)
            pop.spread(np.array([0.0]), params, rng)
            hits += pop.engaged.size - 1
        reached[trust] = hits / (2 * tries)  # two neighbours per try
    for trust, expected in ((0.0, 0.5), (0.8, 0.1)):
        se = np.sqrt(expected * (1 - expected) / (2 * tries))
        assert abs(reached[trust] - expected) <= 4 * se, (trust, reached[trust], expected)


def test_beta_by_moments_has_the_asked_moments():
    x = beta_by_moments(np.random.default_rng(0), 0.3, 0.1, 200_000)
    assert x.mean() == pytest.approx(0.3, abs=2e-3)
    assert x.std() == pytest.approx(0.1, abs=2e-3)
    assert np.all(beta_by_moments(np.random.default_rng(0), 0.4, 0.0, 5) == 0.4)


def test_neighbour_mean_handles_isolated_citizens():
    net = from_edges(4, np.array([0, 0]), np.array([1, 2]))
    pop = Population(PopulationParams(n_citizens=4), net, np.random.default_rng(0))
    values = np.array([1.0, 0.0, 0.5, 0.7])
    assert pop.neighbour_mean(values).tolist() == [0.25, 1.0, 1.0, 0.7]


def test_offline_citizens_are_exactly_counted_and_live_near_each_other():
    from sim.citizens import place_netizens
    from sim.network import BUILDERS

    net = BUILDERS.get("small_world").build(
        20_000, BUILDERS.get("small_world").Params(), np.random.default_rng(0), ROOT
    )

    def offline_neighbour_share(clustering: float) -> tuple[int, float]:
        params = PopulationParams(
            n_citizens=20_000, online_share=0.8, offline_clustering=clustering
        )
        online = place_netizens(params, net, np.random.default_rng(1))
        _, dst = net.edge_endpoints(np.flatnonzero(~online))
        return int((~online).sum()), float((~online[dst]).mean())

    count_random, share_random = offline_neighbour_share(0.0)
    count_local, share_local = offline_neighbour_share(1.0)
    assert count_random == count_local == 4000
    assert share_random == pytest.approx(0.2, abs=0.02)  # scattered: like anyone else
    assert share_local > 2.5 * share_random  # clustered: their ties are mostly offline too


def test_offline_clusters_leave_the_hubs_online():
    from sim.citizens import place_netizens
    from sim.network import BUILDERS

    builder = BUILDERS.get("scale_free")
    net = builder.build(20_000, builder.Params(), np.random.default_rng(0), ROOT)
    params = PopulationParams(n_citizens=20_000, online_share=0.8, offline_clustering=1.0)
    online = place_netizens(params, net, np.random.default_rng(1))
    degree = net.degree()
    assert int((~online).sum()) == 4000
    assert online[degree > 2 * degree.mean()].all()
