"""Scenario files: validation messages, overrides, defaults, round trips."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from sim.config import Scenario, ScenarioError, from_dict, load, scenario_hash, to_dict, to_toml

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def messages(exc: pytest.ExceptionInfo[ScenarioError]) -> list[str]:
    return [str(p) for p in exc.value.problems]


def test_empty_table_gives_all_defaults():
    scenario = from_dict({"run": {}})
    assert scenario == Scenario()
    assert scenario.network.kind == "scale_free"
    assert scenario.population.n_citizens == 10_000


def test_error_names_file_line_key_rule_and_value(tmp_path):
    path = write(tmp_path, "[run]\nsteps = 10\n\n[population]\nn_citizens = 0\n")
    with pytest.raises(ScenarioError) as exc:
        load(path)
    assert messages(exc) == [f"{path}:5: population.n_citizens: must be >= 1, got 0"]


def test_all_problems_reported_together_with_did_you_mean(tmp_path):
    text = """
[population]
n_citizen = 100
online_share = 1.5

[spread]
calm_prob_per_hour = "fast"

[network]
kind = "small_wrld"
"""
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as exc:
        load(path)
    got = messages(exc)
    assert f"{path}:3: population.n_citizen: unknown key; did you mean 'n_citizens'?" in got
    assert f"{path}:4: population.online_share: must be a probability in [0, 1], got 1.5" in got
    assert f"{path}:7: spread.calm_prob_per_hour: must be a number, got 'fast'" in got
    kind = [m for m in got if "network.kind" in m]
    assert kind and kind[0].startswith(f"{path}:10: network.kind: unknown network builder")
    assert "did you mean 'small_world'?" in kind[0]
    assert len(got) == 4


def test_registry_params_are_checked_per_kind(tmp_path):
    path = write(tmp_path, '[network]\nkind = "erdos_renyi"\nrewire_prob = 0.2\n')
    with pytest.raises(ScenarioError) as exc:
        load(path)
    assert messages(exc) == [f"{path}:3: network.rewire_prob: unknown key; known keys: mean_degree"]


def test_inline_table_and_cross_key_checks(tmp_path):
    text = (
        '[incidents]\nseverity = { kind = "uniform", low = 0.8, high = 0.2 }\n'
        "[issues]\nemerging_share = 0.1\nspreading_share = 0.05\n"
    )
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as exc:
        load(path)
    got = messages(exc)
    assert f"{path}:2: incidents.severity.high: must be >= low (0.8), got 0.2" in got
    assert any(
        m.startswith(f"{path}:5: issues.spreading_share: must be >= emerging_share") for m in got
    )


def test_nan_and_inf_and_bool_rejected(tmp_path):
    path = write(tmp_path, "[spread]\nbase_prob = nan\nseverity_gain = inf\n[run]\nsteps = true\n")
    with pytest.raises(ScenarioError) as exc:
        load(path)
    got = messages(exc)
    assert f"{path}:2: spread.base_prob: must be a finite number, got nan" in got
    assert f"{path}:3: spread.severity_gain: must be a finite number, got inf" in got
    assert f"{path}:5: run.steps: must be an integer, got true" in got


def test_beta_spread_must_fit_its_mean(tmp_path):
    path = write(tmp_path, "[population]\ntrust_mean = 0.9\ntrust_sd = 0.4\n")
    with pytest.raises(ScenarioError) as exc:
        load(path)
    assert "population.trust_sd: must be < 0.3 for a mean of 0.9, got 0.4" in messages(exc)[0]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file"),
        (b"", "is empty"),
        (b"\x00\x01binary", "is a binary file"),
        (b"\xff\xfe[run]", "is not UTF-8"),
        (b"[run\nsteps = 3\n", "invalid TOML"),
        (b"run = 3\n", "run: must be a table, got 3"),
    ],
)
def test_unusable_files_get_one_clear_line(tmp_path, content, expected):
    path = tmp_path / "bad.toml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ScenarioError) as exc:
        load(path)
    text = str(exc.value)
    assert text.startswith(str(path)) and expected in text and "\n" not in text


def test_directory_is_not_a_scenario(tmp_path):
    with pytest.raises(ScenarioError, match="is a directory"):
        load(tmp_path)


def test_overrides_are_validated_like_the_file(tmp_path):
    path = write(tmp_path, "[run]\nsteps = 10\n")
    scenario = load(path, ["network.kind=erdos_renyi", "run.seed=7", "spread.base_prob=0.2"])
    assert scenario.network.kind == "erdos_renyi"
    assert scenario.run.seed == 7
    assert scenario.spread.base_prob == 0.2
    with pytest.raises(ScenarioError) as exc:
        load(path, ["spread.base_prob=2", "popluation.n_citizens=5"])
    got = messages(exc)
    assert "--set: spread.base_prob: must be a probability in [0, 1], got 2.0" in got
    assert "--set: popluation: unknown key; did you mean 'population'?" in got


def test_override_without_equals_is_an_error(tmp_path):
    with pytest.raises(ScenarioError, match="--set expects key=value"):
        load(write(tmp_path, "[run]\n"), ["spread.base_prob"])


def test_dump_and_reload_is_equal_and_hash_ignores_seed():
    base = load(ROOT / "scenarios" / "baseline.toml")
    again = from_dict(tomllib.loads(to_toml(base)))
    assert again == base
    assert to_dict(again) == to_dict(base)
    assert scenario_hash(again) == scenario_hash(base)
    reseeded = from_dict(to_dict(base) | {"run": {"seed": 99, "steps": base.run.steps}})
    assert scenario_hash(reseeded) == scenario_hash(base)
    longer = from_dict(to_dict(base) | {"run": {"seed": 0, "steps": base.run.steps + 1}})
    assert scenario_hash(longer) != scenario_hash(base)


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").rglob("*.toml")), ids=lambda p: p.name)
def test_shipped_scenarios_are_valid_and_say_what_they_are(path):
    load(path)
    first = path.read_text().splitlines()[0]
    assert first.startswith("# ") and len(first) > 20, f"{path} must open with a comment"
