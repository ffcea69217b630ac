"""The Mesa yardstick of the benchmarks spreads attention as govsim's array rule does.

Over paired seeds (same network, same citizens, same initial issues), the share ever
engaged at the end and the number engaged at an early hour have the same distribution
under ``Population.spread`` and under the one-agent-per-citizen Mesa model of
``benchmarks/yardstick.py`` (two-sample Kolmogorov-Smirnov). The same test tells a
yardstick with twice the spreading chance apart, so it can fail.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats

from benchmarks.yardstick import SpreadingModel
from sim import config
from sim.model import GovSimModel

SEEDS = range(40)
STEPS = 60
EARLY = 10
ALPHA = 0.001  # per KS test; the seeds are fixed, so the outcome is too

#: Spreading only: no government, no incidents after hour 0, trust frozen; two issues
#: compete, and every mechanism of the spreading chance is on.
OVERRIDES = [
    "population.n_citizens=600",
    "network.kind=erdos_renyi",
    "network.mean_degree=8",
    "government.enabled=false",
    "incidents.rate_per_hour=0",
    "incidents.initial_issues=2",
    "incidents.affected_citizens=5",
    "trust.fixed=true",
    "spread.base_prob=0.03",
    "spread.calm_prob_per_hour=0.1",
]


def outcomes(seed: int, factor: float = 1.0) -> tuple[tuple[int, float], tuple[int, float]]:
    """(engaged at hour EARLY, share ever engaged at STEPS) for ours and the yardstick's."""
    scenario = config.load("scenarios/baseline.toml", OVERRIDES)
    world = GovSimModel(scenario, seed=seed)
    rule = scenario.spread
    yard_rule = dataclasses.replace(rule, base_prob=factor * rule.base_prob)
    severity = world.issues.severity[: world.issues.count]
    yard = SpreadingModel(world.citizens, severity, yard_rule, seed)
    ours, theirs = [], []
    citizens, stream = world.citizens, world.streams["spread"]
    for hour in range(1, STEPS + 1):
        citizens.spread(world.issues.severity, rule, stream)
        yard.step()
        if hour == EARLY:
            ours.append(citizens.engaged.size)
            theirs.append(yard.engaged())
    ours.append(float(citizens.ever_engaged.mean()))
    theirs.append(yard.ever_engaged_share())
    return tuple(ours), tuple(theirs)


@pytest.fixture(scope="module")
def samples():
    pairs = [outcomes(seed) for seed in SEEDS]
    doubled = [outcomes(seed, factor=2.0)[1] for seed in SEEDS]
    ours = np.array([p[0] for p in pairs])
    theirs = np.array([p[1] for p in pairs])
    return ours, theirs, np.array(doubled)


@pytest.mark.slow
@pytest.mark.parametrize("column", [0, 1], ids=["engaged_early", "ever_engaged_final"])
def test_yardstick_agrees_with_the_array_rule(samples, column):
    ours, theirs, _ = samples
    assert ours[:, column].std() > 0  # not a degenerate outcome
    result = stats.ks_2samp(ours[:, column], theirs[:, column])
    assert result.pvalue > ALPHA, (
        f"KS p={result.pvalue:.2g}: ours mean {ours[:, column].mean():.4g}, "
        f"yardstick {theirs[:, column].mean():.4g}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("column", [0, 1], ids=["engaged_early", "ever_engaged_final"])
def test_the_comparison_detects_a_doubled_chance(samples, column):
    ours, _, doubled = samples
    result = stats.ks_2samp(ours[:, column], doubled[:, column])
    assert result.pvalue < ALPHA, f"KS p={result.pvalue:.2g} did not tell a doubled chance apart"
