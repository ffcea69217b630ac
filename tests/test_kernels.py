"""The compiled phases give bit-for-bit the results of the plain numpy rules they replaced.

Each reference below is the array code as it was before it was compiled (``sim.kernels``)
or made leaner; whole runs with the reference and with the current code must agree
exactly, seed for seed.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim import config, kernels, network
from sim.citizens import CALM, ENGAGED, NO_ISSUE, SETTLED, Population, SpreadParams, TrustParams
from sim.model import GovSimModel
from sim.network import from_edges

ROOT = Path(__file__).resolve().parent.parent


def reference_spread(
    self: Population, severity: np.ndarray, params: SpreadParams, rng: np.random.Generator
) -> int:
    """``Population.spread`` in plain numpy, about ten passes over the frontier's ties."""
    frontier = self.engaged
    if frontier.size == 0:
        return 0
    src, dst = self.network.edge_endpoints(frontier)
    k = self.issue[src]
    state = self.state[dst]
    open_to = (state == CALM) | ((state == SETTLED) & (self.issue[dst] != k))
    src, dst, k = src[open_to], dst[open_to], k[open_to]

    p = params.base_prob * self.activity[src]
    if params.severity_gain:
        p = p * (1.0 + params.severity_gain * severity[k])
    if params.trust_damping:
        p = p * (1.0 - params.trust_damping * self.trust[dst])
    if params.word_of_mouth_factor != 1.0:
        p = p * np.where(self.online[src] & self.online[dst], 1.0, params.word_of_mouth_factor)
    if params.amplification:
        p = p * (1.0 + params.amplification * (1.0 - self.trust[src]) * self.online[src])
    hit = rng.random(p.size) < p
    dst, k = dst[hit], k[hit]
    if dst.size > 1:
        order = rng.permutation(dst.size)
        dst, k = dst[order], k[order]
        dst, first = np.unique(dst, return_index=True)
        k = k[first]

    calms = rng.random(frontier.size) < params.calm_prob_per_hour
    self.state[frontier[calms]] = SETTLED
    self.state[dst] = ENGAGED
    self.issue[dst] = k
    self.demand[dst] = k
    self.ever_engaged[dst] = True
    self.engaged = np.concatenate([frontier[~calms], dst])
    return int(dst.size)


def reference_update_trust(
    self: Population, hour: int, params: TrustParams, rng: np.random.Generator
) -> None:
    """``Population.update_trust`` in plain numpy, clipping every citizen's trust."""
    if params.fixed:
        return
    trust = self.trust
    waiting = np.flatnonzero(self.demand != NO_ISSUE)
    if waiting.size:
        trust[waiting] -= params.erosion_per_hour
        gives_up = waiting[rng.random(waiting.size) < 1.0 / params.patience_hours]
        trust[gives_up] -= params.give_up_loss
        self.demand[gives_up] = NO_ISSUE
        np.clip(trust, 0.0, 1.0, out=trust)
    if params.social_weight and hour % params.social_interval_hours == 0:
        gap = reference_neighbour_mean(self, trust) - trust
        weight = np.where(
            gap > 0, params.social_weight, min(1.0, params.social_weight * params.loss_aversion)
        )
        trust += weight * gap
    np.clip(trust, 0.0, 1.0, out=trust)


def reference_neighbour_mean(self: Population, values: np.ndarray) -> np.ndarray:
    """``Population.neighbour_mean`` in plain numpy: differences of one cumulative sum."""
    net = self.network
    sums = np.concatenate([[0.0], np.cumsum(values[net.indices], dtype=np.float64)])
    totals = sums[net.indptr[1:]] - sums[net.indptr[:-1]]
    degree = np.diff(net.indptr)
    return np.where(degree > 0, totals / np.maximum(degree, 1), values)


def reference_unfiled(self: Population, refile_after_hours: float, now: float) -> np.ndarray:
    """``Population.unfiled`` in plain numpy: three gathers and four masks."""
    who = self.engaged
    demand = self.demand[who]
    has = demand != NO_ISSUE
    fresh = self.filed_for[who] != demand
    stale = (now - self.filed_at[who]) >= refile_after_hours
    return who[has & (fresh | stale)]


REFERENCES = {
    "unfiled": reference_unfiled,
    "spread": reference_spread,
    "update_trust": reference_update_trust,
    "neighbour_mean": reference_neighbour_mean,
}

CASES = [
    ("scenarios/baseline.toml", ["population.n_citizens=2000", "run.steps=200"], 0),
    ("scenarios/baseline.toml", ["population.n_citizens=2000", "run.steps=200"], 5),
    (
        "scenarios/baseline.toml",
        [
            "population.n_citizens=4000",
            "run.steps=200",
            "network.kind=small_world",
            "population.offline_clustering=0.5",
            "government.enabled=false",
        ],
        2,
    ),
    (
        "scenarios/baseline.toml",
        ["population.n_citizens=2000", "run.steps=150", "spread.base_prob=0.02"],
        3,
    ),
    ("scenarios/reductions/sir.toml", ["population.n_citizens=5000", "run.steps=120"], 1),
]


def outcome(model: GovSimModel) -> dict[str, np.ndarray]:
    """Everything a run leaves behind: the reporters' table, citizens' and issues' arrays."""
    c = model.citizens
    out = {"timeseries": model.datacollector.get_model_vars_dataframe().to_numpy(dtype=float)}
    for name in ("state", "issue", "demand", "ever_engaged", "engaged", "trust", "filed_at"):
        out[name] = getattr(c, name).copy()
    out |= {f"issues.{k}": v for k, v in model.issues.table().items()}
    return out


@pytest.mark.parametrize("pieces", [1, 7], ids=["serial", "parallel"])
@pytest.mark.parametrize(("path", "overrides", "seed"), CASES)
def test_citizens_phases_match_the_numpy_rules_bit_for_bit(
    monkeypatch, path, overrides, seed, pieces
):
    """Serial kernels, and parallel ones with the frontier cut into 7 pieces every hour."""
    scenario = config.load(path, overrides)
    with monkeypatch.context() as patch:
        patch.setattr(kernels, "chunks_for", lambda ties: pieces)
        fast = GovSimModel(scenario, seed=seed)
        fast.run()
    with monkeypatch.context() as patch:
        for name, reference in REFERENCES.items():
            patch.setattr(Population, name, reference)
        slow = GovSimModel(scenario, seed=seed)
        slow.run()
    a, b = outcome(fast), outcome(slow)
    assert a.keys() == b.keys()
    assert fast.citizens.ever_engaged.sum() > 20  # attention did spread
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name, strict=True)


def random_frontier(seed: int, n: int = 3000) -> dict:
    """A network with isolated citizens and hubs, citizens in every state, and a frontier."""
    rng = np.random.default_rng(seed)
    m = 4 * n
    # the last tenth of the citizens have no ties; the first half has many more than the rest
    u, v = rng.integers(0, n - n // 10, m), rng.integers(0, n // 2, m)
    net = from_edges(n, u, v)
    indptr, indices = net.indptr, net.indices
    state = rng.choice(np.array([CALM, ENGAGED, SETTLED], np.int8), n)
    issue = np.where(state == CALM, NO_ISSUE, rng.integers(0, 5, n)).astype(np.int32)
    frontier = rng.permutation(np.flatnonzero(state == ENGAGED)).astype(np.int64)
    return {"indptr": indptr, "indices": indices, "state": state, "issue": issue,
            "frontier": frontier, "rng": rng, "n": n}  # fmt: skip


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("pieces", [1, 2, 3, 64, 5000])
def test_parallel_kernels_return_what_the_serial_ones_do(seed, pieces):
    """Same open ties, row ends and hits in the same order, however the frontier is cut
    (pieces of no ties, more pieces than citizens, isolated citizens)."""
    w = random_frontier(seed)
    f, indptr = w["frontier"], w["indptr"]
    ties = int((indptr[f + 1] - indptr[f]).sum())
    outs = []
    for parallel in (False, True):
        dst, row_end = np.full(ties, -1, np.int32), np.full(f.size, -1, np.int64)
        args = (f, indptr, w["indices"], w["state"], w["issue"], dst, row_end)
        m = kernels.open_ties_parallel(*args, pieces) if parallel else kernels.open_ties(*args)
        rng = np.random.default_rng(seed)
        u = rng.random(m) * 0.05
        n = w["n"]
        hit_dst, hit_k = np.full(max(m, 1), -1, np.int32), np.full(max(m, 1), -1, np.int32)
        args = (
            f, row_end, dst, u, w["issue"], rng.random(n), rng.random(n), rng.random(n) < 0.7,
            rng.random(5), (0.3, 1.0, 0.5, 0.4, 1.0), hit_dst, hit_k,
        )  # fmt: skip
        h = kernels.passed_on_parallel(*args, pieces) if parallel else kernels.passed_on(*args)
        outs.append((dst[:m], row_end, hit_dst[:h], hit_k[:h]))
    assert 0 < outs[0][2].size < outs[0][0].size < ties  # some ties closed, some passed
    for serial, parallel in zip(*outs, strict=True):
        np.testing.assert_array_equal(parallel, serial, strict=True)


def test_neighbour_mean_matches_on_any_network():
    scenario = config.load("scenarios/baseline.toml", ["population.n_citizens=5000"])
    citizens = GovSimModel(scenario, seed=4).citizens
    values = np.random.default_rng(0).random(citizens.n)
    reference = reference_neighbour_mean(citizens, values)
    np.testing.assert_array_equal(citizens.neighbour_mean(values), reference, strict=True)
    net = citizens.network
    for block in (1, 7, 1000, 10**7):  # rows longer than a block, many blocks, one block
        np.testing.assert_array_equal(
            kernels.neighbour_mean_parallel(net.indptr, net.indices, values, block),
            reference,
            strict=True,
        )
    w = random_frontier(0)  # isolated citizens keep their own value
    values = np.random.default_rng(1).random(w["n"])
    serial = kernels.neighbour_mean(w["indptr"], w["indices"], values)
    assert (np.diff(w["indptr"]) == 0).any()
    np.testing.assert_array_equal(
        kernels.neighbour_mean_parallel(w["indptr"], w["indices"], values, 5), serial, strict=True
    )


def test_a_changed_rule_is_caught(monkeypatch):
    """The comparison can fail: a reference with twice the chance gives another run."""

    def doubled(self, severity, params, rng):
        twice = dataclasses.replace(params, base_prob=2 * params.base_prob)
        return reference_spread(self, severity, twice, rng)

    path, overrides, seed = CASES[3]
    scenario = config.load(path, overrides)
    fast = GovSimModel(scenario, seed=seed)
    fast.run()
    with monkeypatch.context() as patch:
        patch.setattr(Population, "spread", doubled)
        other = GovSimModel(scenario, seed=seed)
        other.run()
    assert not np.array_equal(outcome(fast)["ever_engaged"], outcome(other)["ever_engaged"])


def reference_from_edges(n: int, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``from_edges``'s CSR arrays as it computed them before it decoded codes by slices."""
    u = np.asarray(u).astype(np.int64, copy=False)
    v = np.asarray(v).astype(np.int64, copy=False)
    proper = u != v
    u, v = u[proper], v[proper]
    codes = np.concatenate((u * n + v, v * n + u))
    codes.sort()
    if codes.size:
        fresh = np.empty(codes.size, dtype=bool)
        fresh[0] = True
        np.not_equal(codes[1:], codes[:-1], out=fresh[1:])
        codes = codes[fresh]
    rows = codes // n if n else codes
    indices = (codes - rows * n).astype(np.int32)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return indptr, indices


EDGE_LISTS = [(1, 3, np.int64), (50, 400, np.int32), (3000, 20000, np.int64)]


@pytest.mark.parametrize("slice_size", [7, 1 << 23])
@pytest.mark.parametrize(("n", "m", "dtype"), EDGE_LISTS)
def test_from_edges_matches_the_one_sort_rule(monkeypatch, slice_size, n, m, dtype):
    monkeypatch.setattr(network, "_SLICE", slice_size)
    rng = np.random.default_rng(n)
    u, v = rng.integers(0, n, m).astype(dtype), rng.integers(0, n, m).astype(dtype)
    indptr, indices = reference_from_edges(n, u, v)
    net = from_edges(n, u, v)
    np.testing.assert_array_equal(net.indptr, indptr, strict=True)
    np.testing.assert_array_equal(net.indices, indices, strict=True)


@pytest.mark.parametrize(
    ("setting", "expected"), [(None, "all"), ("1", 1), ("0", 1), ("999", "all"), ("two", 1)]
)
def test_threads_follow_govsim_threads(monkeypatch, setting, expected):
    if setting is None:
        monkeypatch.delenv("GOVSIM_THREADS", raising=False)
    else:
        monkeypatch.setenv("GOVSIM_THREADS", setting)
    most = kernels.numba.config.NUMBA_NUM_THREADS
    assert kernels.threads() == (most if expected == "all" else expected)
    if kernels.threads() == 1:
        assert kernels.chunks_for(10**9) == 1  # one thread: the serial kernels
    assert kernels.chunks_for(kernels.PARALLEL_MIN_TIES - 1) == 1  # few ties: serial too


def test_warm_up_loads_the_kernels_a_run_uses():
    """The view warms up when a page opens: afterwards the kernels a model's hour calls
    are loaded, with the argument types a real model passes (nothing left to compile)."""
    code = (
        "from sim import kernels, runs\n"
        "runs.warm_up()\n"
        "loaded = {f: len(getattr(kernels, f).signatures) for f in "
        "('open_ties', 'passed_on', 'unfiled', 'erode_trust', 'neighbour_mean', 'pull_trust')}\n"
        "from sim import config\n"
        "from sim.model import GovSimModel\n"
        "GovSimModel(config.from_dict({'population': {'n_citizens': 2000}}), seed=1).run(30)\n"
        "after = {f: len(getattr(kernels, f).signatures) for f in loaded}\n"
        "assert all(loaded.values()) and after == loaded, (loaded, after)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
