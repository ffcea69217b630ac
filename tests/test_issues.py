"""The crisis lifecycle of an issue, on attention sequences written by hand."""

from __future__ import annotations

import numpy as np
import pytest

from sim.issues import Issues, LifecycleParams, Stage, threshold_count

PARAMS = LifecycleParams(
    emerging_share=0.01, spreading_share=0.05, crisis_share=0.2, decline_ratio=0.5
)


def drive(attention: list[int], n: int = 1000) -> tuple[Issues, list[Stage]]:
    issues = Issues(PARAMS, n)
    issues.new(np.array([0.5]), hour=0)
    stages = []
    for hour, a in enumerate(attention):
        issues.update(np.array([a]), np.array([a]), hour)
        stages.append(Stage(issues.stage[0]))
    return issues, stages


def test_thresholds_are_counts_of_citizens():
    assert threshold_count(0.01, 1000) == 10
    assert threshold_count(0.0101, 1000) == 11
    assert threshold_count(0.0, 1000) == 1


def test_full_lifecycle_in_order():
    # thresholds at n = 1000: emerging 10, spreading 50, crisis 200; declining < 0.5 peak
    issues, stages = drive([3, 12, 60, 250, 300, 210, 140, 20, 4, 0])
    assert stages == [
        Stage.LATENT,
        Stage.EMERGING,
        Stage.SPREADING,
        Stage.CRISIS,
        Stage.CRISIS,
        Stage.CRISIS,
        Stage.DECLINING,  # 140 < 0.5 * 300
        Stage.DECLINING,
        Stage.DECLINING,
        Stage.RESOLVED,
    ]
    assert issues.crises() == 1
    assert issues.total_crisis_hours() == 3
    assert issues.peak[0] == 300 and issues.peak_hour[0] == 4
    assert issues.resolved[0] == 9


def test_a_second_surge_is_a_second_crisis_and_resolved_is_final():
    issues, stages = drive([250, 100, 260, 0, 300])
    assert stages[:3] == [Stage.CRISIS, Stage.DECLINING, Stage.CRISIS]
    assert issues.crises() == 2 and issues.total_crisis_hours() == 2
    assert stages[3] == stages[4] == Stage.RESOLVED
    assert issues.open_ids().size == 0


def test_never_emerging_issue_stays_latent_until_it_dies():
    _, stages = drive([5, 8, 3, 0])
    assert stages == [Stage.LATENT, Stage.LATENT, Stage.LATENT, Stage.RESOLVED]


def test_table_grows_past_its_first_capacity():
    issues = Issues(PARAMS, 100)
    for hour in range(40):
        issues.new(np.array([0.1, 0.2]), hour)
    assert issues.count == 80
    assert issues.table()["born"][-1] == 39
    assert np.all(issues.table()["resolved"] == -1)


@pytest.mark.parametrize("shares", [(0.2, 0.1, 0.3), (0.1, 0.2, 0.15)])
def test_thresholds_must_rise(shares):
    e, s, c = shares
    problems = LifecycleParams(emerging_share=e, spreading_share=s, crisis_share=c).problems()
    assert problems and all("must be >=" in m for _, m in problems)
