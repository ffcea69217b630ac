"""The thinned-sampling prototype behind docs/performance.md's plan gives each open tie
exactly its chance, as today's rule does, and never passes an issue over a closed tie."""

from __future__ import annotations

import numpy as np

from benchmarks.prototypes.thinned_spreading import thinned_hits
from sim.citizens import CALM, ENGAGED, SETTLED
from sim.network import from_edges


def test_each_open_tie_passes_with_its_chance_and_closed_ties_never():
    rng = np.random.default_rng(0)
    n = 4001  # citizen 0 spreads issue 3 to 4,000 neighbours
    net = from_edges(n, np.zeros(n - 1, np.int64), np.arange(1, n))
    state = np.full(n, CALM, np.int8)
    issue = np.full(n, -1, np.int32)
    state[0], issue[0] = ENGAGED, 3
    kind = rng.integers(0, 4, n)  # calm, engaged, settled about 3, settled about another
    kind[0] = -1
    state[kind == 1], issue[kind == 1] = ENGAGED, 5
    state[kind == 2], issue[kind == 2] = SETTLED, 3
    state[kind == 3], issue[kind == 3] = SETTLED, 7
    trust, online = rng.random(n), rng.random(n) < 0.6
    activity, severity = np.full(n, 0.5), np.full(10, 0.4)
    rule = (0.05, 1.0, 0.8, 0.3, 1.5)  # base, severity gain, damping, word of mouth, amplif.
    base, gain, damping, mouth, amplification = rule
    source = base * activity[0] * (1 + gain * severity[3])
    voice = 1 + amplification * (1 - trust[0]) * online[0]
    p = source * (1 - damping * trust) * np.where(online[0] & online, 1.0, mouth) * voice
    open_tie = (kind == 0) | (kind == 3)

    trials = 2000
    hits = np.zeros(n)
    frontier = np.array([0], np.int64)
    hit_dst, hit_k = np.empty(n, np.int32), np.empty(n, np.int32)
    for _ in range(trials):
        h, used = thinned_hits(
            frontier, net.indptr, net.indices, state, issue, activity, trust, online,
            severity, rule, rng.random(4 * n), hit_dst, hit_k,
        )  # fmt: skip
        assert 0 <= h <= used
        assert (hit_k[:h] == 3).all()
        np.add.at(hits, hit_dst[:h], 1)
    assert hits[~open_tie].sum() == 0  # engaged, or settled about the same issue: never
    expected = trials * p[open_tie].sum()
    sd = np.sqrt(trials * (p[open_tie] * (1 - p[open_tie])).sum())
    assert abs(hits[open_tie].sum() - expected) < 4 * sd
    # the chance follows each tie's own factors, not just their total
    for group in (open_tie & online, open_tie & ~online):
        mean, spread = trials * p[group].sum(), np.sqrt(trials * (p[group] * (1 - p[group])).sum())
        assert abs(hits[group].sum() - mean) < 4 * spread
    assert expected > 20 * sd  # enough hits for the check to mean something
