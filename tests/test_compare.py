"""govsim compare: both designs on the same worlds, paired statistics in words, one report."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.compare import CURRENT, OUTCOMES, PROPOSED, Comparison, compare, write
from sim.config import load
from sim.runs import replicate_seed
from sim.stats import paired_difference

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["population.n_citizens=600", "run.steps=72"]


def small(name: str, *extra: str):
    return load(ROOT / "scenarios" / f"{name}.toml", [*SMALL, *extra])


def test_a_design_compared_with_itself_differs_in_no_world():
    """Common random numbers: the same design on the same seeds gives the same outcomes."""
    same = compare(small("baseline"), small("baseline"), replicates=3, workers=1, progress=False)
    for outcome in OUTCOMES:
        d = same.paired[outcome.key]
        assert d.mean == 0 or np.isnan(d.mean), outcome.key
        assert d.ties == d.n
    assert same.sentence(OUTCOMES[0])[1] == "unclear"


def test_two_designs_meet_the_same_worlds_and_the_files_say_so(tmp_path):
    result = compare(
        small("baseline"),
        small("flat_organisation"),
        replicates=3,
        root_seed=5,
        workers=1,
        progress=False,
    )
    runs = result.runs
    assert len(runs) == 6 and set(runs["design"]) == {CURRENT, PROPOSED}
    seeds = [replicate_seed(5, i) for i in range(3)]
    assert result.seeds() == seeds
    by_design = runs.pivot(index="replicate", columns="design", values="seed")
    assert by_design[CURRENT].tolist() == by_design[PROPOSED].tolist() == seeds
    # the incidents come from the world's own stream: the same issues in both designs
    assert np.array_equal(result.values(CURRENT, "issues"), result.values(PROPOSED, "issues"))
    assert not np.array_equal(
        result.values(CURRENT, "response_time_hours_mean"),
        result.values(PROPOSED, "response_time_hours_mean"),
    )

    paths = write(result, tmp_path / "cmp")
    assert sorted(p.name for p in paths) == ["paired.csv", "report.html", "runs.parquet"]
    assert pd.read_parquet(tmp_path / "cmp" / "runs.parquet").equals(runs)
    paired = pd.read_csv(tmp_path / "cmp" / "paired.csv")
    assert list(paired["outcome"]) == [o.key for o in OUTCOMES]
    page = (tmp_path / "cmp" / "report.html").read_text(encoding="utf-8")
    assert "Verdict" in page and "Trade-offs" in page and str(seeds[0]) in page
    assert "mesa 3.5" in page and "scenarios/flat_organisation.toml" in page
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', page)
    assert "<script" not in page


def test_the_verdict_reads_like_the_issue_example():
    """41 h now, 17 h proposed in 30 worlds: 'cuts ... from 41.0 h to 17.0 h ... 30 of 30'."""
    rng = np.random.default_rng(0)
    now = 41 + rng.normal(0, 2, 30)
    then = now - 24 + rng.normal(0, 1, 30)
    now, then = now - now.mean() + 41, then - then.mean() + 17
    runs = pd.DataFrame(
        {
            "design": [CURRENT] * 30 + [PROPOSED] * 30,
            "replicate": list(range(30)) * 2,
            "response_time_hours_mean": np.concatenate([now, then]),
        }
    )
    result = Comparison(
        load(ROOT / "scenarios" / "baseline.toml"),
        load(ROOT / "scenarios" / "full_reform.toml"),
        0,
        runs,
        {"response_time_hours_mean": paired_difference(now, then)},
    )
    text, verdict = result.sentence(OUTCOMES[0])
    assert verdict == "better"
    assert text.startswith(
        "Proposed cuts mean response time from 41.0 h to 17.0 h "
        "(paired difference -24.0 h, 95% CI -2"
    )
    assert text.endswith("30 of 30 worlds better).")


def test_parallel_workers_give_the_same_table_as_one():
    one = compare(
        small("baseline"), small("integrated_platform"), replicates=2, workers=1, progress=False
    )
    two = compare(
        small("baseline"), small("integrated_platform"), replicates=2, workers=2, progress=False
    )
    cols = [c for c in one.runs.columns if c != "wall_seconds"]
    pd.testing.assert_frame_equal(one.runs[cols], two.runs[cols])


def test_compare_command_writes_the_report_and_rejects_bad_input(tmp_path, capsys):
    out = tmp_path / "cmp"
    args = ["compare", "scenarios/baseline.toml", "scenarios/iterative_response.toml"]
    small_set = [x for key in SMALL for x in ("--set", key)]
    assert (
        main(
            [*args, "--replicates", "2", "--workers", "1", "--quiet", "--out", str(out), *small_set]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "on 2 worlds" in printed and str(out / "report.html") in printed
    assert main(["compare", "scenarios/baseline.toml", "scenarios/nope.toml", "--quiet"]) == 2
    assert "nope.toml" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main([*args, "--replicates", "0"])
    assert stop.value.code == 2
    assert "must be >= 1, got 0" in capsys.readouterr().err
