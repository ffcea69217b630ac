"""The ``govsim`` command line, run as a user runs it (a subprocess), and its error handling."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.output import FILES

ROOT = Path(__file__).resolve().parent.parent


def govsim(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )


def test_run_writes_every_file_and_summary_keys(tmp_path):
    out = tmp_path / "out"
    result = govsim(
        "run",
        "scenarios/baseline.toml",
        "--steps",
        "48",
        "--seed",
        "5",
        "--set",
        "population.n_citizens=3000",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert f"wrote {len(FILES)} files to {out}" in result.stdout
    for name in FILES:
        assert (out / name).stat().st_size > 0, name
    summary = json.loads((out / "summary.json").read_text())
    for key in (
        "seed",
        "steps",
        "n_citizens",
        "crises",
        "crisis_hours",
        "peak_attention_share",
        "ever_engaged_share",
        "mean_trust_final",
        "scenario_hash",
    ):
        assert key in summary, key
    assert summary["seed"] == 5 and summary["steps"] == 48 and summary["n_citizens"] == 3000
    series = pd.read_parquet(out / "timeseries.parquet")
    assert len(series) == 49 and series["hour"].tolist() == list(range(49))
    assert (out / "attention.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(out.glob(".*.tmp")), "temporary files left behind"


def test_same_seed_same_results_from_the_command_line(tmp_path):
    for name in ("a", "b"):
        result = govsim(
            "run",
            "scenarios/baseline.toml",
            "--steps",
            "24",
            "--quiet",
            "--set",
            "population.n_citizens=2000",
            "--out",
            str(tmp_path / name),
        )
        assert result.returncode == 0, result.stderr
    a = pd.read_parquet(tmp_path / "a" / "timeseries.parquet")
    b = pd.read_parquet(tmp_path / "b" / "timeseries.parquet")
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "nowhere.toml"], "nowhere.toml: no such file"),
        (["run", "scenarios"], "scenarios: is a directory"),
        (
            ["run", "scenarios/baseline.toml", "--set", "spread.base_prob=7"],
            "--set: spread.base_prob: must be a probability in [0, 1], got 7.0",
        ),
        (
            ["run", "scenarios/baseline.toml", "--steps", "0"],
            "--set: run.steps: must be >= 1, got 0",
        ),
        (
            ["run", "scenarios/baseline.toml", "--set", "network.kind=small_wrld"],
            "did you mean 'small_world'?",
        ),
        (
            [
                "run",
                "scenarios/baseline.toml",
                "--set",
                "network.kind=edge_list",
                "--set",
                "network.path=missing.txt",
            ],
            "missing.txt",
        ),
        (["validate", "README.md"], "README.md:"),
    ],
)
def test_bad_input_is_one_clear_line_and_status_2(args, expected, capsys):
    status = main(args)
    err = capsys.readouterr().err
    assert status == 2
    assert expected in err
    assert "Traceback" not in err


def test_bad_input_in_a_subprocess_has_no_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[population]\nn_citizens = -3\nonline_shar = 0.5\n")
    result = govsim("run", str(bad))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{bad}:2: population.n_citizens: must be >= 1, got -3",
        f"{bad}:3: population.online_shar: unknown key; did you mean 'online_share'?",
    ]
    assert result.stdout == ""


def test_validate_and_show(tmp_path, capsys):
    assert main(["validate", "scenarios/baseline.toml", "scenarios/reductions/sir.toml"]) == 0
    assert "scenarios/baseline.toml: ok" in capsys.readouterr().out
    assert main(["scenario", "show", "scenarios/reductions/sir.toml", "--set", "run.seed=9"]) == 0
    shown = capsys.readouterr().out
    assert "[population]" in shown and "seed = 9" in shown and "n_citizens = 20000" in shown
    # what `show` prints is itself a scenario that loads to the same thing
    again = tmp_path / "again.toml"
    again.write_text("# shown\n" + shown)
    from sim.config import load

    assert load(again) == load("scenarios/reductions/sir.toml", ["run.seed=9"])
