"""Property tests of scenario loading: whatever comes in, only ``ScenarioError`` comes out.

Inputs are generated from the real key tree (``sim.config.Scenario`` and every registered
mechanism's ``Params``): tables with valid values, values of the wrong type or range, NaN
and infinities, misspelt and unknown keys, misspelt mechanism names, random TOML-ish text,
random bytes and random ``--set`` strings. A valid scenario survives load, dump and load
unchanged.
"""

from __future__ import annotations

import atexit
import dataclasses
import datetime
import math
import shutil
import string
import tempfile
import tomllib
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config import (
    Scenario,
    ScenarioError,
    apply_overrides,
    from_dict,
    load,
    to_dict,
    to_toml,
)
from sim.government.organisation import LevelParams
from sim.params import Choice

QUICK = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: Whole scenarios in range are costlier to draw: fewer of them in the default run.
WHOLE = settings(QUICK, max_examples=120)
THOROUGH = settings(QUICK, max_examples=1500)
SCRATCH = Path(tempfile.mkdtemp(prefix="govsim-properties-"))
atexit.register(shutil.rmtree, SCRATCH, ignore_errors=True)


# --------------------------------------------------------------------------- the key tree


def _fields(cls: type) -> list[tuple[str, Any, dict]]:
    hints = typing.get_type_hints(cls)
    return [
        (f.name, hints[f.name], dict(f.metadata))
        for f in dataclasses.fields(cls)
        if f.init and f.name != "source"
    ]


def _leaves(cls: type, prefix: str) -> list[str]:
    """Every dotted key of the tree below ``cls`` (list tables with index 0..2).

    Also notes in :data:`KIND_OF` which mechanism a key of a mechanism's table needs.
    """
    out = []
    for name, hint, meta in _fields(cls):
        path = f"{prefix}{name}"
        if hint is Choice:
            out.append(f"{path}.kind")
            for kind, entry in meta["registry"].items():
                if params := getattr(entry, "Params", None):
                    keys = _leaves(params, f"{path}.")
                    KIND_OF.update({key: f"{path}.kind={kind}" for key in keys})
                    out += keys
        elif dataclasses.is_dataclass(hint):
            out += _leaves(hint, f"{path}.")
        elif typing.get_origin(hint) is tuple:
            for i in range(3):
                out += _leaves(typing.get_args(hint)[0], f"{path}[{i}].")
        else:
            out.append(path)
    return out


KIND_OF: dict[str, str] = {}
LEAVES = sorted(set(_leaves(Scenario, "")))


# --------------------------------------------------------------------------- values

JUNK = st.one_of(
    st.text(max_size=12),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),  # NaN and infinities included
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.just(""),
)


def misspell(name: str) -> st.SearchStrategy[str]:
    """Names one edit away from ``name`` (and sometimes far from it)."""
    letters = string.ascii_lowercase + "_"
    return st.one_of(
        st.builds(lambda i: name[:i] + name[i + 1 :], st.integers(0, max(len(name) - 1, 0))),
        st.builds(
            lambda i, c: name[:i] + c + name[i:],
            st.integers(0, len(name)),
            st.sampled_from(letters),
        ),
        st.builds(lambda: name.upper()),
        st.text(min_size=1, max_size=10),
    )


def number(hint: Any, meta: dict) -> st.SearchStrategy:
    low = meta.get("ge") if meta.get("ge") is not None else meta.get("gt")
    high = meta.get("le") if meta.get("le") is not None else meta.get("lt")
    if hint is int:
        lo = -(2**63) + 1 if low is None else math.floor(low) + (meta.get("gt") is not None)
        hi = 2**63 - 1 if high is None else math.ceil(high) - (meta.get("lt") is not None)
        return st.integers(min_value=lo, max_value=hi)
    return st.floats(
        min_value=low,
        max_value=high,
        exclude_min=meta.get("gt") is not None,
        exclude_max=meta.get("lt") is not None,
        allow_nan=False,
        allow_infinity=False,
    )


def scalar(hint: Any, meta: dict, mutate: bool) -> st.SearchStrategy:
    if hint is bool:
        valid = st.booleans()
    elif hint in (int, float):
        valid = number(hint, meta)
    elif meta.get("choices"):
        valid = st.sampled_from(meta["choices"])
    else:
        valid = st.text(max_size=20)
    if not mutate:
        return valid
    wrong = JUNK
    if meta.get("choices"):
        wrong = st.one_of(JUNK, st.sampled_from(meta["choices"]).flatmap(misspell))
    return st.one_of(valid, valid, valid, wrong)


def table(cls: type, mutate: bool) -> st.SearchStrategy[dict]:
    """Dicts of some of ``cls``'s keys; mutated ones add wrong values and unknown keys."""
    optional = {name: value(hint, meta, mutate) for name, hint, meta in _fields(cls)}
    base = st.fixed_dictionaries({}, optional=optional)
    if not mutate:
        return base
    names = [name for name, _, _ in _fields(cls)] or ["kind"]
    stray = st.dictionaries(
        st.sampled_from(names).flatmap(misspell) | st.text(max_size=8), JUNK, max_size=2
    )
    return st.one_of(base, base, base, st.builds(lambda a, b: {**b, **a}, base, stray), JUNK)


def value(hint: Any, meta: dict, mutate: bool) -> st.SearchStrategy:
    if hint is Choice:
        registry = meta["registry"]

        def mechanism(kind: str) -> st.SearchStrategy[dict]:
            params = getattr(registry.get(kind), "Params", None)
            rest = table(params, mutate) if params else st.just({})
            name = st.one_of(st.just(kind), misspell(kind)) if mutate else st.just(kind)
            return st.builds(
                lambda k, r: {**r, "kind": k} if isinstance(r, dict) else r, name, rest
            )

        return st.sampled_from(registry.names()).flatmap(mechanism)
    if dataclasses.is_dataclass(hint):
        return table(hint, mutate)
    if typing.get_origin(hint) is tuple:
        items = st.lists(table(typing.get_args(hint)[0], mutate), max_size=4)
        return st.one_of(items, JUNK) if mutate else items
    return scalar(hint, meta, mutate)


MUTATED = table(Scenario, mutate=True)
IN_RANGE = table(Scenario, mutate=False)


def obey_cross_rules(raw: dict) -> dict:
    """Adjust an in-range scenario dict so that it also keeps every cross-key rule."""
    pop = raw.setdefault("population", {})
    pop["n_citizens"] = max(pop.get("n_citizens", 1000), 1000)
    for mean, sd in (("trust_mean", "trust_sd"), ("activity_mean", "activity_sd")):
        _fit_spread(pop, mean, sd, Scenario().population)
    network = raw.get("network")
    if network is not None:
        if network["kind"] == "edge_list":
            raw["network"] = {"kind": "erdos_renyi"}
        elif "mean_degree" in network:
            degree = min(network["mean_degree"], 30)
            if network["kind"] == "small_world":
                degree = max(2, int(degree) // 2 * 2)
            elif network["kind"] == "scale_free":
                degree = max(1, degree)  # below 1 / n_citizens no citizen has a tie
            network["mean_degree"] = degree
    severity = raw.get("incidents", {}).get("severity", {})
    if {"low", "high"} <= severity.keys():
        severity["low"], severity["high"] = sorted((severity["low"], severity["high"]))
    issues = raw.get("issues", {})
    shares = ["emerging_share", "spreading_share", "crisis_share"]
    given = [k for k in shares if k in issues]
    defaults = [getattr(Scenario().issues, k) for k in shares]
    values = sorted(issues.get(k, d) for k, d in zip(shares, defaults, strict=True))
    if given:
        issues.update(zip(shares, values, strict=True))
    government = raw.get("government", {})
    if "channels" in government:
        unique = {c.get("kind", "hotline"): c for c in government["channels"]}
        government["channels"] = list(unique.values()) or [{"kind": "hotline"}]
    if government.get("levels") == []:
        del government["levels"]
    for level in government.get("levels", []):
        _fit_spread(level, "skill", "skill_sd", LevelParams())
    n_channels = len(government.get("channels", Scenario().government.channels))
    levels = government.get("levels")
    if levels and levels[0].get("staff", 10) < n_channels:
        levels[0]["staff"] = n_channels
    return raw


def _fit_spread(entry: dict, mean_key: str, sd_key: str, defaults: Any) -> None:
    """A spread of 0 where a Beta law of that mean cannot have the spread drawn."""
    mean = entry.get(mean_key, getattr(defaults, mean_key))
    sd = entry.get(sd_key, getattr(defaults, sd_key))
    if sd > 0 and (not 0 < mean < 1 or sd**2 >= mean * (1 - mean)):
        entry[sd_key] = 0.0


# --------------------------------------------------------------------------- overrides

VALUE_TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["nan", "inf", "-inf", "1e999", "true", "[1, 2]", "{a = 1}", '"x"', ""]),
    st.integers(-(2**70), 2**70).map(str),
    st.floats().map(repr),
    st.sampled_from(["small_world", "integrated", "iterative", "flat", "online_attention"]),
)
KEY_TEXT = st.one_of(
    st.sampled_from(LEAVES),
    st.sampled_from(LEAVES).flatmap(misspell),
    st.sampled_from(LEAVES).map(lambda k: k.replace("[0]", "[-1]").replace("[1]", "[x]")),
    st.text(max_size=15),
)
OVERRIDE = st.one_of(
    st.builds(lambda k, v: f"{k}={v}", KEY_TEXT, VALUE_TEXT),
    st.text(max_size=20),
)


# --------------------------------------------------------------------------- checks


def only_scenario_errors(call, *args, **kwargs) -> Scenario | None:
    """Run ``call``; a ScenarioError is fine if every problem is one well-formed line."""
    try:
        return call(*args, **kwargs)
    except ScenarioError as exc:
        assert exc.problems, "a ScenarioError without problems"
        for problem in exc.problems:
            line = str(problem)
            assert "\n" not in line and "\r" not in line, line
            assert problem.message, line
        return None


def assert_round_trip(scenario: Scenario) -> None:
    text = to_toml(scenario)
    again = from_dict(tomllib.loads(text))
    assert again == scenario
    assert to_dict(again) == to_dict(scenario)
    path = SCRATCH / "round_trip.toml"
    path.write_text(text)
    assert load(path) == scenario


@QUICK
@given(MUTATED)
def test_any_scenario_dict_gives_a_scenario_or_a_scenario_error(raw):
    scenario = only_scenario_errors(from_dict, raw)
    if scenario is not None:
        assert_round_trip(scenario)


@WHOLE
@given(IN_RANGE.map(obey_cross_rules))
def test_a_scenario_in_range_loads_and_survives_dump_and_load(raw):
    assert_round_trip(from_dict(raw))


NEVER_VALID = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, [1], {"x": 1}]),
    st.dates(),
    st.datetimes(),
    st.times(),
)


@QUICK
@given(st.sampled_from([k for k in LEAVES if not k.endswith(".kind")]), NEVER_VALID)
def test_a_wrong_value_is_reported_at_its_own_key(key, wrong):
    """A value no key accepts, anywhere in the tree: a problem names exactly that key."""
    # the path exists (lists filled with defaults), in a table of the mechanism that has it
    raw = apply_overrides({}, [*([KIND_OF[key]] if key in KIND_OF else []), f"{key}=0"])
    node, parts = raw, key.split(".")
    for part in parts[:-1]:
        name, _, index = part.partition("[")
        node = node[name][int(index[:-1])] if index else node[name]
    node[parts[-1]] = wrong
    with pytest.raises(ScenarioError) as exc:
        from_dict(raw)
    assert key in [p.key for p in exc.value.problems]


@QUICK
@given(MUTATED, st.lists(OVERRIDE, max_size=4))
def test_any_overrides_give_a_scenario_or_a_scenario_error(raw, overrides):
    only_scenario_errors(apply_overrides, raw if isinstance(raw, dict) else {}, overrides)
    scenario = only_scenario_errors(from_dict, raw, overrides=overrides)
    if scenario is not None:
        assert_round_trip(scenario)


@QUICK
@given(st.binary(max_size=300))
def test_any_bytes_in_a_file_give_a_scenario_or_a_scenario_error(data):
    path = SCRATCH / "bytes.toml"
    path.write_bytes(data)
    only_scenario_errors(load, path)


def _mutate_text(text: str, data: st.DataObject) -> str:
    lines = text.splitlines()
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(lines)))
        action = data.draw(st.sampled_from(["delete", "insert", "edit", "swap"]))
        if action == "delete" and at < len(lines):
            del lines[at]
        elif action == "insert":
            junk = st.one_of(
                st.text(max_size=30),
                st.builds(lambda k, v: f"{k} = {v}", st.sampled_from(LEAVES), VALUE_TEXT),
                st.sampled_from(LEAVES).map(lambda k: f"[{k.rsplit('.', 1)[0]}]"),
                st.sampled_from(LEAVES).map(lambda k: f"[[{k.split('[')[0]}]]"),
            )
            lines.insert(at, data.draw(junk))
        elif action == "edit" and at < len(lines) and lines[at]:
            i = data.draw(st.integers(0, len(lines[at]) - 1))
            lines[at] = lines[at][:i] + data.draw(st.text(max_size=3)) + lines[at][i + 1 :]
        elif action == "swap" and at < len(lines) - 1:
            lines[at], lines[at + 1] = lines[at + 1], lines[at]
    return "\n".join(lines) + "\n"


@WHOLE
@given(IN_RANGE.map(obey_cross_rules), st.data())
def test_any_edited_scenario_text_gives_a_scenario_or_a_scenario_error(raw, data):
    text = _mutate_text(to_toml(from_dict(raw)), data)
    path = SCRATCH / "edited.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    scenario = only_scenario_errors(load, path)
    if scenario is not None:
        assert_round_trip(scenario)


@pytest.mark.slow
@THOROUGH
@given(MUTATED, st.lists(OVERRIDE, max_size=4))
def test_thousands_of_dicts_and_overrides(raw, overrides):
    scenario = only_scenario_errors(from_dict, raw, overrides=overrides)
    if scenario is not None:
        assert_round_trip(scenario)


@pytest.mark.slow
@THOROUGH
@given(IN_RANGE.map(obey_cross_rules), st.data())
def test_thousands_of_edited_texts(raw, data):
    path = SCRATCH / "edited_slow.toml"
    path.write_text(_mutate_text(to_toml(from_dict(raw)), data), errors="surrogatepass")
    scenario = only_scenario_errors(load, path)
    if scenario is not None:
        assert_round_trip(scenario)


def test_the_key_tree_is_walked():
    """The generators see the whole schema (so the properties cover every key)."""
    for key in ("run.steps", "government.levels[2].staff", "network.rewire_prob"):
        assert key in LEAVES
    assert "incidents.severity.kind" in LEAVES and "government.security.trust_loss" in LEAVES


def test_dates_and_times_are_wrong_types_not_crashes():
    raw = {"run": {"steps": datetime.date(2024, 1, 1)}, "spread": {"base_prob": datetime.time()}}
    with pytest.raises(ScenarioError) as exc:
        from_dict(raw)
    assert [p.key for p in exc.value.problems] == ["run.steps", "spread.base_prob"]


def _schema(cls: type, prefix: str) -> list[tuple[str, Any, dict]]:
    """(dotted key, type, metadata) of every key of the tree, each mechanism's keys too."""
    out = []
    for name, hint, meta in _fields(cls):
        key = f"{prefix}{name}"
        out.append((key, hint, meta))
        if hint is Choice:
            for kind, entry in meta["registry"].items():
                if params := getattr(entry, "Params", None):
                    out += _schema(params, f"{key}[{kind}].")
        elif dataclasses.is_dataclass(hint):
            out += _schema(hint, f"{key}.")
        elif typing.get_origin(hint) is tuple:
            out += _schema(typing.get_args(hint)[0], f"{key}[].")
    return out


SCHEMA = _schema(Scenario, "")


@pytest.mark.parametrize(("key", "hint", "meta"), SCHEMA, ids=[key for key, _, _ in SCHEMA])
def test_every_key_is_documented_typed_and_ranged(key, hint, meta):
    name = key.rsplit(".", 1)[-1]
    assert meta.get("doc", "").strip(), f"{key} has no doc"
    scalar_types = (bool, int, float, str)
    nested = hint is Choice or dataclasses.is_dataclass(hint) or typing.get_origin(hint) is tuple
    assert nested or hint in scalar_types, f"{key}: unsupported type {hint}"
    if hint in (int, float):
        assert meta["ge"] is not None or meta["gt"] is not None, f"{key} has no lower bound"
    relative = name == "staff_share"  # a weight among channels, not a share of a whole
    if "_prob" in name or (name.endswith("_share") and not relative):
        assert (meta["ge"], meta["le"]) == (0.0, 1.0), f"{key} is a probability or share"
    if name.startswith("n_"):
        assert meta["ge"] is not None and meta["ge"] >= 1, f"{key} counts something"
