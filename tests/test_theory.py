"""The model against closed forms: network SIR final size and the epidemic threshold.

Tolerances come from the replicates' standard error (``assert_matches_theory``), not a
fixed percentage. The statistical checks are marked ``slow``; ``.ci/run`` runs them all.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import theory
from sim.config import load
from sim.model import GovSimModel

ROOT = Path(__file__).resolve().parent.parent
SIR = ROOT / "scenarios" / "reductions" / "sir.toml"


def assert_matches_theory(replicates, expected: float, z: float = 4.0) -> None:
    values = np.asarray(replicates, dtype=float)
    se = values.std(ddof=1) / np.sqrt(len(values))
    assert abs(values.mean() - expected) <= z * se, (
        f"simulated {values.mean():.4f} ± {se:.4f} (n={len(values)}) vs theory {expected:.4f}"
    )


def run_to_extinction(model: GovSimModel, limit: int = 5000) -> GovSimModel:
    while model.citizens.engaged.size and model.hour < limit:
        model.step()
    assert model.citizens.engaged.size == 0, "outbreak did not end"
    return model


# ----------------------------------------------------------------- the closed forms themselves


def test_transmissibility_is_the_geometric_sum():
    p, r = 0.1, 0.2
    direct = sum(p * ((1 - p) * (1 - r)) ** (t - 1) for t in range(1, 2000))
    assert theory.transmissibility(p, r) == pytest.approx(direct, rel=1e-12)
    assert theory.transmissibility(1.0, 0.5) == 1.0
    with pytest.raises(ValueError):
        theory.transmissibility(0.1, 0.0)


def test_poisson_final_size_solves_its_equation_and_has_a_threshold():
    z = theory.final_size_poisson(6, 0.357)
    assert z == pytest.approx(1 - np.exp(-6 * 0.357 * z), abs=1e-10)
    assert 0.8 < z < 0.86
    assert theory.final_size_poisson(4, 0.25) == 0.0
    assert theory.final_size_poisson(4, 0.26) > 0.0


def test_network_final_size_equals_poisson_for_poisson_degrees():
    degrees = np.random.default_rng(0).poisson(6, size=400_000)
    t = 0.357
    assert theory.final_size_network(degrees, t) == pytest.approx(
        theory.final_size_poisson(6, t), abs=2e-3
    )


def test_threshold_of_regular_and_poisson_networks():
    assert theory.epidemic_threshold(np.full(1000, 5)) == pytest.approx(1 / 4)
    degrees = np.random.default_rng(1).poisson(8, size=200_000)
    assert theory.epidemic_threshold(degrees) == pytest.approx(1 / 8, rel=0.02)


# ----------------------------------------------------------------- the model reduces to them


@pytest.mark.slow
def test_sir_reduction_final_size_matches_percolation():
    """Erdos-Renyi, p = 0.1, r = 0.2, <k> = 6: the share ever engaged in large outbreaks."""
    scenario = load(SIR)
    p, r = scenario.spread.base_prob, scenario.spread.calm_prob_per_hour
    t = theory.transmissibility(p, r)
    sizes, expected = [], []
    for seed in range(30):
        model = run_to_extinction(GovSimModel(scenario, seed=seed))
        share = model.citizens.ever_engaged.mean()
        if share > 0.1:  # a large outbreak; small ones died out early (theory: rare)
            sizes.append(share)
            expected.append(theory.final_size_poisson(model.network.mean_degree(), t))
    assert len(sizes) >= 25, f"only {len(sizes)} of 30 outbreaks took off"
    assert_matches_theory(sizes, float(np.mean(expected)))


@pytest.mark.slow
def test_scale_free_outbreaks_small_below_threshold_large_above():
    """Scale-free graph: T_c = <k>/(<k^2>-<k>) separates small from large outbreaks."""
    r = 0.2
    below, above, predicted = [], [], []
    for seed in range(12):
        base = load(SIR, _sf_keys(seed))
        t_c = theory.epidemic_threshold(GovSimModel(base).network.degree())
        for factor, out in ((0.3, below), (4.0, above)):
            t = factor * t_c
            p = t * r / (1 - t + t * r)  # invert T = p / (p + r - p r)
            model = GovSimModel(load(SIR, [*_sf_keys(seed), f"spread.base_prob={p}"]))
            run_to_extinction(model)
            out.append(model.citizens.ever_engaged.mean())
            if factor > 1:
                predicted.append(theory.final_size_network(model.network.degree(), t))
    n = 20000
    assert max(below) < 100 / n, f"below T_c outbreaks reached {max(below):.4f}"
    large = [i for i, s in enumerate(above) if s > 0.05]
    assert len(large) >= 9, f"above T_c only {len(large)} of 12 outbreaks took off"
    # a large outbreak's size is the percolation giant component of its own network
    assert_matches_theory([above[i] - predicted[i] for i in large], 0.0)


def _sf_keys(seed: int) -> list[str]:
    return [
        "network.kind=scale_free",
        "network.mean_degree=6",
        "network.exponent=2.7",
        f"run.seed={seed}",
    ]
