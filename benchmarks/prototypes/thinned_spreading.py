"""Prototype: spreading by thinned sampling of the frontier's ties (docs/performance.md, plan).

Not part of govsim and used by no run: it measures what the plan's first item would give.

Today's rule (``Population.spread``) draws one uniform per open tie of the frontier and
passes the issue when it falls under the tie's chance ``p``; listing the open ties reads
every neighbour's state. Here each frontier citizen's ties are sampled under its bound
``b = source * voice`` (which ``p`` never exceeds) by geometric gaps, and only those
sampled are tested for being open and accepted with chance ``p / b``: each open tie passes
the issue with chance exactly ``p``, independently, as before, but other uniforms are
drawn, so a seed gives another world. Run both on the same worlds::

    .venv/bin/python -m benchmarks.prototypes.thinned_spreading --citizens 1000000 --seed 0
"""

from __future__ import annotations

import argparse
import math
import time

import numba
import numpy as np

from sim.citizens import CALM, SETTLED, Population, SpreadParams


@numba.njit(cache=True)
def thinned_hits(
    frontier, indptr, indices, state, issue, activity, trust, online, severity, params, u,
    hit_dst, hit_k,
):  # fmt: skip
    """Sample each frontier citizen's ties under its bound, keep the open ones that pass.

    ``params`` is ``SpreadParams.coefficients()``.
    Returns (hits, uniforms used), or (-1, used) when ``u`` ran out (draw more, retry).
    """
    base_prob, severity_gain, damping, word_of_mouth, amplification = params
    used = 0
    h = 0
    for f in range(frontier.size):
        i = frontier[f]
        k = issue[i]
        online_i = online[i]
        source = (base_prob * activity[i]) * (1.0 + severity_gain * severity[k])
        voice = 1.0 + amplification * (1.0 - trust[i]) * (1.0 if online_i else 0.0)
        bound = min(source * voice, 1.0)
        if bound <= 0.0 or indptr[i] == indptr[i + 1]:
            continue
        log_miss = math.log1p(-bound) if bound < 1.0 else -np.inf
        e = indptr[i] - 1
        while True:
            if used + 2 > u.size:
                return -1, used
            e += 1 + (int(math.log(u[used]) / log_miss) if bound < 1.0 else 0)  # next sampled
            used += 1
            if e >= indptr[i + 1]:
                break
            j = indices[e]
            s = state[j]
            if s == CALM or (s == SETTLED and issue[j] != k):
                p = source * (1.0 - damping * trust[j])
                p = p * (1.0 if (online_i and online[j]) else word_of_mouth) * voice
                if u[used] * bound < p:
                    hit_dst[h] = j
                    hit_k[h] = k
                    h += 1
                used += 1
    return h, used


def spread(
    self: Population, severity: np.ndarray, params: SpreadParams, rng: np.random.Generator
) -> int:
    """``Population.spread`` with thinned sampling; the rest of the hour is unchanged."""
    frontier = self.engaged
    if frontier.size == 0:
        return 0
    net = self.network
    rule = params.coefficients()
    need = 2 * frontier.size + 1024
    while True:
        if self._u.size < need:
            self._u = np.empty(need, np.float64)
            self._hit, self._hit_k = np.empty(need, np.int32), np.empty(need, np.int32)
        before = rng.bit_generator.state
        u = rng.random(out=self._u[:need])
        h, _ = thinned_hits(
            frontier, net.indptr, net.indices, self.state, self.issue, self.activity,
            self.trust, self.online, severity, rule, u, self._hit, self._hit_k,
        )  # fmt: skip
        if h >= 0:
            break
        rng.bit_generator.state = before  # too few uniforms: the same draws, and more
        need *= 2
    return self._take_up(frontier, self._hit[:h].copy(), self._hit_k[:h].copy(), params, rng)


def main(argv: list[str] | None = None) -> None:
    from benchmarks.cases import Phases, scenario, warm_up
    from sim.metrics import summary
    from sim.model import GovSimModel

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--citizens", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    warm_up()
    today = Population.spread
    for name, rule in (("per tie (today)", today), ("thinned", spread)):
        Population.spread = rule
        model = GovSimModel(scenario("scenarios/baseline.toml", args.citizens, []), seed=args.seed)
        with Phases() as phases:
            started = time.perf_counter()
            model.run()
            loop = time.perf_counter() - started
        s = summary(model)
        print(
            f"{name:16s} loop {loop:6.1f} s, spreading {phases.seconds['spread']:6.1f} s; "
            f"ever engaged {s['ever_engaged_share']:.3f}, crises {s['crises']}, "
            f"cases {s['cases_filed']}, final trust {s['mean_trust_final']:.3f}",
            flush=True,
        )
    Population.spread = today


if __name__ == "__main__":
    main()
