"""The response organisation against queueing theory: Erlang C, Little's law, pooling, tandems.

With Poisson filings, exponential service, FIFO and no bouncing, a desk is Erlang's M/M/c
queue and a hierarchy is M/M/c queues in series (``scenarios/reductions/mmc.toml``,
``pooling.toml``, ``tandem.toml``; closed forms in ``sim.theory``). Tolerances come from
the replicates' standard error (4 SE, as in tests/test_theory.py), and every statistical
check also asserts that it is sharp: 4 SE must be smaller than a stated share of the
expected value, so the tolerance is narrower than an error of that share. The
statistical checks are marked ``slow``; ``.ci/run`` runs them all.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim import theory
from sim.config import Scenario, load
from sim.government.organisation import LevelParams, service_mean
from sim.model import GovSimModel

ROOT = Path(__file__).resolve().parent.parent
REDUCTIONS = ROOT / "scenarios" / "reductions"
MMC = REDUCTIONS / "mmc.toml"
POOLING = REDUCTIONS / "pooling.toml"
TANDEM = REDUCTIONS / "tandem.toml"

WARMUP = 0.1  # share of each run (cases, or hours) discarded: the queues start empty
Z = 4.0


def assert_matches_theory(
    replicates, expected: float, z: float = Z, sharp: float | None = None
) -> float:
    """Mean of the replicates within ``z`` standard errors of ``expected``; returns the SE.

    Args:
        replicates: one value per independent run.
        expected: the closed form's value.
        z: tolerance in standard errors of the replicates' mean.
        sharp: if given, also require z SE <= sharp * |expected|, i.e. that a simulated mean
            off by that share of the theory would fail the check.
    """
    values = np.asarray(replicates, dtype=float)
    se = values.std(ddof=1) / np.sqrt(len(values))
    message = f"simulated {values.mean():.4f} ± {se:.4f} (n={len(values)}) vs theory {expected:.4f}"
    assert abs(values.mean() - expected) <= z * se, message
    if sharp is not None:
        assert z * se <= sharp * abs(expected), f"too noisy to see a {sharp:.0%} error: {message}"
    return se


def service_rate(level: LevelParams) -> float:
    """mu of a level whose staff all have the same skill (skill_sd 0)."""
    assert level.skill_sd == 0, "the reductions need equal staff (skill_sd = 0)"
    return 1.0 / service_mean(level.service_hours, level.skill)


def after_warmup(waits: list[float]) -> np.ndarray:
    """Waits of the cases that started service after the first ``WARMUP`` share of them."""
    w = np.asarray(waits, dtype=float)
    return w[int(WARMUP * w.size) :]


def lambda_of(scenario: Scenario) -> float:
    assert scenario.government.arrivals.kind == "poisson"
    return scenario.government.arrivals.params.rate_per_hour


# ----------------------------------------------------------------- the closed forms themselves


def _erlang_c_by_logs(c: int, a: float) -> float:
    """Erlang C from its textbook sum, in logs (independent of the B recursion)."""
    logs = [k * math.log(a) - math.lgamma(k + 1) for k in range(c + 1)]
    logs[c] -= math.log(1 - a / c)
    top = max(logs)
    weights = [math.exp(x - top) for x in logs]
    return weights[c] / sum(weights)


def test_erlang_c_for_one_server_is_rho():
    for rho in (0.0, 0.1, 0.5, 0.8, 0.99):
        assert theory.erlang_c(1, rho) == pytest.approx(rho, abs=1e-15)


def test_erlang_c_by_hand_and_against_the_textbook_sum():
    # c = 3, a = 2: sum_{k<3} a^k/k! = 5, a^3/3!/(1 - 2/3) = 4, so C = 4/9
    assert theory.erlang_c(3, 2.0) == pytest.approx(4 / 9, rel=1e-14)
    # c = 2: C = 2 rho^2 / (1 + rho)
    assert theory.erlang_c(2, 1.5) == pytest.approx(2 * 0.75**2 / 1.75, rel=1e-14)
    for c, a in ((4, 3.0), (10, 7.3), (50, 45.0), (300, 285.0), (500, 450.0)):
        assert theory.erlang_c(c, a) == pytest.approx(_erlang_c_by_logs(c, a), rel=1e-10)
    assert 0 < theory.erlang_c(300, 285.0) < 1  # no overflow for hundreds of servers
    assert theory.erlang_c(5, 0.0) == 0.0


def test_erlang_c_rejects_unstable_load_and_bad_servers():
    with pytest.raises(ValueError, match="unstable"):
        theory.erlang_c(3, 3.0)
    with pytest.raises(ValueError, match="servers"):
        theory.erlang_c(0, 0.5)
    with pytest.raises(ValueError, match="servers"):
        theory.erlang_c(2.5, 0.5)


def test_mm1_wait_is_rho_over_mu_minus_lambda():
    lam, mu = 8.0, 10.0
    assert theory.mmc_wait(lam, mu, 1) == pytest.approx(0.8 / (10 - 8), rel=1e-14)
    assert theory.mmc_sojourn(lam, mu, 1) == pytest.approx(1 / (mu - lam), rel=1e-14)
    assert theory.mmc_queue_length(lam, mu, 1) == pytest.approx(0.8**2 / 0.2, rel=1e-14)


def test_mm2_wait_closed_form():
    # M/M/2: W_q = rho^2 / (mu (1 - rho^2)), rho = lambda / (2 mu)
    lam, mu = 15.0, 10.0
    rho = lam / (2 * mu)
    assert theory.mmc_wait(lam, mu, 2) == pytest.approx(rho**2 / (mu * (1 - rho**2)), rel=1e-14)


def test_mm3_wait_by_hand():
    # lambda = 2, mu = 1, c = 3: C = 4/9, W_q = C / (c mu - lambda) = 4/9
    assert theory.mmc_wait(2.0, 1.0, 3) == pytest.approx(4 / 9, rel=1e-14)
    assert theory.mmc_sojourn(2.0, 1.0, 3) == pytest.approx(4 / 9 + 1, rel=1e-14)
    assert theory.mmc_queue_length(2.0, 1.0, 3) == pytest.approx(8 / 9, rel=1e-14)


def test_pooling_never_waits_longer_than_separate_desks():
    mu = 10.0
    for lam, c in ((30.0, 4), (15.0, 6), (5.0, 2), (190.0, 20)):
        assert theory.mmc_wait(lam, mu, c) < theory.mmc_wait(lam / 2, mu, c // 2)


def test_mmc_wait_raises_a_clear_error_when_unstable():
    with pytest.raises(ValueError, match=r"unstable.*rho.*>= 1"):
        theory.mmc_wait(30.0, 10.0, 3)
    with pytest.raises(ValueError, match="unstable"):
        theory.mmc_sojourn(31.0, 10.0, 3)
    with pytest.raises(ValueError, match="unstable"):
        theory.mmc_queue_length(12.0, 4.0, 2)
    with pytest.raises(ValueError, match="service_rate"):
        theory.mmc_wait(1.0, 0.0, 1)


def test_tandem_sojourn_is_the_sum_of_the_stages():
    lam, stages = 12.0, [(5.0, 3), (8.0, 2), (16.0, 1)]
    expected = sum(theory.mmc_wait(lam, mu, c) + 1 / mu for mu, c in stages)
    assert theory.tandem_sojourn(lam, stages) == pytest.approx(expected, rel=1e-14)
    # by hand: the M/M/1 stage alone is 1 / (mu - lambda)
    assert theory.tandem_sojourn(lam, [(16.0, 1)]) == pytest.approx(1 / 4, rel=1e-14)
    with pytest.raises(ValueError, match="stage 1: unstable"):
        theory.tandem_sojourn(lam, [(5.0, 3), (6.0, 2)])
    with pytest.raises(ValueError, match="at least one stage"):
        theory.tandem_sojourn(lam, [])


# ----------------------------------------------------------------- the model reduces to them

MMC_REPLICATES = 28


@pytest.fixture(scope="module")
def mmc_runs() -> tuple[Scenario, list[dict[str, float]]]:
    """Replicates of the M/M/c reduction: what each run's single desk measured."""
    scenario = load(MMC)
    runs = []
    for seed in range(MMC_REPLICATES):
        model = GovSimModel(scenario, seed=seed)
        model.run()
        (desk,) = model.government.units
        assert len(desk.staff) == scenario.government.levels[0].staff
        kept = after_warmup(desk.waits)
        # filings of hour h arrive in [h, h + 1) and the first step is hour 1: the desk is
        # observed from the first filing hour to the end of the run
        first_hour = math.floor(min(case.opened for case in model.government.cases))
        runs.append(
            {
                "wait": kept.mean(),
                "waited": (kept > 0).mean(),
                "mean_wait_all": float(np.mean(desk.waits)),
                "queue_area": desk.queue_area,
                "hours": float(model.time) - first_hour,
            }
        )
    return scenario, runs


@pytest.mark.slow
def test_mmc_mean_wait_and_chance_of_waiting_match_erlang_c(mmc_runs):
    """One desk, c = 3, rho = 0.75: W_q = C(c, a) / (c mu - lambda), P(wait) = C(c, a)."""
    scenario, runs = mmc_runs
    lam, level = lambda_of(scenario), scenario.government.levels[0]
    mu, c = service_rate(level), level.staff
    assert_matches_theory([r["wait"] for r in runs], theory.mmc_wait(lam, mu, c), sharp=0.2)
    assert_matches_theory([r["waited"] for r in runs], theory.erlang_c(c, lam / mu), sharp=0.1)


@pytest.mark.slow
def test_mmc_backlog_obeys_littles_law(mmc_runs):
    """Time-average queue length (queue_area / time) = lambda x mean wait (Little 1961).

    Little's law holds on every sample path from an empty start, up to the cases still
    waiting when the run stops, so the whole run counts (no warm-up to discard); time is
    counted from the first hour with filings (before it the desk is empty and idle).
    """
    scenario, runs = mmc_runs
    lam = lambda_of(scenario)
    queue_length = np.array([r["queue_area"] / r["hours"] for r in runs])
    lam_wait = np.array([lam * r["mean_wait_all"] for r in runs])
    se = assert_matches_theory(queue_length - lam_wait, 0.0)
    assert Z * se <= 0.05 * queue_length.mean(), "Little's law check too noisy to see 5%"


POOLING_REPLICATES = 16


@pytest.mark.slow
def test_pooled_desk_waits_less_than_separate_desks_by_erlang_c():
    """Two channels, 4 staff: two M/M/2 desks at lambda/2 each, or one M/M/4 desk at lambda.

    Each seed runs both platforms (same filings: they draw from their own stream), so the
    saving is checked on paired differences.
    """
    separate_scenario = load(POOLING)
    pooled_scenario = load(POOLING, ["government.platform.kind=integrated"])
    assert separate_scenario.government.platform.kind == "separate"
    lam, level = lambda_of(separate_scenario), separate_scenario.government.levels[0]
    mu, c = service_rate(level), level.staff
    assert [ch.preference for ch in separate_scenario.government.channels] == [1.0, 1.0]
    assert [ch.staff_share for ch in separate_scenario.government.channels] == [1.0, 1.0]

    separate, pooled = [], []
    for seed in range(POOLING_REPLICATES):
        model = GovSimModel(separate_scenario, seed=seed)
        model.run()
        desks = model.government.units
        assert [len(d.staff) for d in desks] == [c // 2, c // 2]
        separate.append(np.concatenate([after_warmup(d.waits) for d in desks]).mean())
        model = GovSimModel(pooled_scenario, seed=seed)
        model.run()
        (desk,) = model.government.units
        assert len(desk.staff) == c
        pooled.append(after_warmup(desk.waits).mean())

    w_separate = theory.mmc_wait(lam / 2, mu, c // 2)
    w_pooled = theory.mmc_wait(lam, mu, c)
    assert_matches_theory(separate, w_separate, sharp=0.2)
    assert_matches_theory(pooled, w_pooled, sharp=0.25)
    saving = np.array(separate) - np.array(pooled)
    assert saving.mean() > 0, "the pooled desk did not wait less"
    assert_matches_theory(saving, w_separate - w_pooled, sharp=0.3)


TANDEM_REPLICATES = 18


@pytest.mark.slow
def test_tandem_time_through_matches_jackson_network():
    """Three levels in series (c = 3, 2, 1): mean filing-to-answer time = sum of M/M/c sojourns.

    Also each level's mean wait on its own equals its M/M/c wait (Burke: every level sees
    Poisson arrivals at rate lambda).
    """
    scenario = load(TANDEM)
    assert scenario.government.structure.kind == "hierarchical"
    lam, levels = lambda_of(scenario), scenario.government.levels
    stages = [(service_rate(level), level.staff) for level in levels]
    hours = scenario.run.steps
    # cases filed after the warm-up and early enough to be answered before the run stops
    # (mean time through is under an hour; 10 hours leaves a tail of order exp(-30))
    start, stop = WARMUP * hours, hours - 10.0

    through, level_waits = [], []
    for seed in range(TANDEM_REPLICATES):
        model = GovSimModel(scenario, seed=seed)
        model.run()
        cases = [case for case in model.government.cases if start <= case.opened < stop]
        assert all(case.closed is not None for case in cases), "a case filed in the window is open"
        through.append(np.mean([case.closed - case.opened for case in cases]))
        units = model.government.units
        assert [u.level for u in units] == list(range(len(levels)))
        level_waits.append([after_warmup(u.waits).mean() for u in units])

    se = assert_matches_theory(through, theory.tandem_sojourn(lam, stages), sharp=0.15)
    waits = sum(theory.mmc_wait(lam, mu, c) for mu, c in stages)
    assert Z * se <= 0.2 * waits, "too noisy to see waits 20% off in the time through"
    for i, (mu, c) in enumerate(stages):
        assert_matches_theory([w[i] for w in level_waits], theory.mmc_wait(lam, mu, c), sharp=0.5)
