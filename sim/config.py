"""Scenario files: TOML in, one validated frozen :class:`Scenario` out, or every problem at once.

A scenario's schema is the tree of frozen dataclasses below; each key is declared with
``sim.params.param`` (default, doc with unit, range) next to the rule that uses it:
population, spreading and trust in ``sim.citizens``, incidents and the crisis lifecycle in
``sim.issues``, network builders in ``sim.network``. This module only walks that tree.

Errors read ``<file>:<line>: <dotted.key>: <rule>, got <value>`` and come all together in a
:class:`ScenarioError`; a misspelt key or mechanism gets a did-you-mean.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import json
import math
import re
import sys
import tomllib
import types
import typing
from pathlib import Path
from typing import Any

from sim.citizens import PopulationParams, ReactionParams, SpreadParams, TrustParams
from sim.errors import InputError
from sim.government import GovernmentParams
from sim.issues import IncidentParams, LifecycleParams
from sim.network import BUILDERS
from sim.params import Choice, choice, param
from sim.registry import choose_from, did_you_mean


@dataclasses.dataclass(frozen=True)
class RunParams:
    """How long to run and from which seed."""

    steps: int = param(720, "hours to simulate (one step is one hour; 720 is 30 days)", ge=1)
    seed: int = param(0, "root seed of the run's random generator", ge=0)


@dataclasses.dataclass(frozen=True)
class Scenario:
    """A whole simulated world: who the citizens are, how they are tied, what happens to them.

    Build one with :func:`load` (from a file) or :func:`from_dict`; it is frozen, so a
    run can never change it. ``source`` is where it came from, for messages and for
    resolving relative paths; it does not take part in equality or the hash.
    """

    run: RunParams = param(RunParams(), "length and seed of the run")
    population: PopulationParams = param(PopulationParams(), "the citizens")
    network: Choice = choice(BUILDERS, "scale_free", "the social network the citizens sit on")
    incidents: IncidentParams = param(IncidentParams(), "incidents that create issues")
    spread: SpreadParams = param(SpreadParams(), "how attention to an issue spreads")
    trust: TrustParams = param(TrustParams(), "how trust in government moves")
    issues: LifecycleParams = param(LifecycleParams(), "the crisis lifecycle of an issue")
    government: GovernmentParams = param(GovernmentParams(), "how the government responds")
    reactions: ReactionParams = param(ReactionParams(), "how citizens react to answers")
    source: str | None = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def base_dir(self) -> Path:
        """The folder that relative paths in the scenario are resolved against."""
        return Path(self.source).resolve().parent if self.source else Path.cwd()

    def problems(self) -> list[tuple[str, str]]:
        """Cross-table checks: the network fits the population.

        The network rules are the ones each builder enforces when it runs (``sim.network``),
        checked here so that ``govsim validate`` finds them without building anything.
        """
        n = self.population.n_citizens
        kind, params = self.network.kind, self.network.params
        if kind == "erdos_renyi" and params.mean_degree > n - 1:
            limit = f"n_citizens - 1 = {n - 1}"
        elif kind == "small_world" and params.mean_degree >= n:
            limit = f"n_citizens - 1 = {n - 1} (and even)"
        elif kind == "scale_free" and params.mean_degree > _k_max(n, params.mean_degree):
            limit = (
                f"k_max = {_k_max(n, params.mean_degree)} (the smaller of n_citizens - 1 "
                "and sqrt(n_citizens * mean_degree))"
            )
        else:
            return []
        return [
            (
                "network.mean_degree",
                f"must be <= {limit} for {n} citizens, got {params.mean_degree}",
            )
        ]


def _k_max(n: int, mean_degree: float) -> int:
    """The largest degree of a ``scale_free`` network (Boguna et al. 2004's structural cut-off)."""
    return min(n - 1, math.isqrt(math.floor(n * mean_degree)))


# --------------------------------------------------------------------------- errors


@dataclasses.dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where, which key, and what."""

    key: str
    message: str
    line: int | None = None
    origin: str | None = None

    def __str__(self) -> str:
        where = self.origin or "<scenario>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ScenarioError(InputError):
    """A scenario that cannot be used; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# --------------------------------------------------------------------------- locating keys


def _key_lines(text: str) -> dict[str, int]:
    """Map dotted key paths of a TOML text to the 1-based line that sets them.

    A light scan, not a parser: table headers ``[a.b]``, arrays of tables ``[[a.b]]``
    (numbered ``a.b[0]``, ``a.b[1]``...) and ``key = value`` lines. Good enough to point
    a user at the line; a key it cannot find is reported with its parent's line.
    """
    lines: dict[str, int] = {}
    table = ""
    counts: dict[str, int] = {}
    header = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
    assign = re.compile(r"^\s*([A-Za-z0-9_\-\"'.]+)\s*=")
    for number, raw in enumerate(text.splitlines(), start=1):
        if m := header.match(raw):
            name = ".".join(part.strip().strip("\"'") for part in m.group(2).split("."))
            if m.group(1) == "[[":
                index = counts.get(name, 0)
                counts[name] = index + 1
                table = f"{name}[{index}]"
            else:
                table = name
            parts = name.split(".")
            for depth in range(1, len(parts) + 1):  # [a.b.c] also points at a and a.b
                lines.setdefault(".".join(parts[:depth]), number)
            lines.setdefault(table, number)
            continue
        if m := assign.match(raw):
            key = ".".join(part.strip().strip("\"'") for part in m.group(1).split("."))
            path = f"{table}.{key}" if table else key
            lines.setdefault(path, number)
            # keys of an inline table on this line: point them here too
            for inner in re.findall(r"[{,]\s*([A-Za-z0-9_\-]+)\s*=", raw):
                lines.setdefault(f"{path}.{inner}", number)
    return lines


def _line_for(lines: dict[str, int], key: str) -> int | None:
    """The line of ``key``, else of its closest enclosing key or table that has one."""
    while key:
        if key in lines:
            return lines[key]
        if key.endswith("]") and "[" in key:
            key = key[: key.rindex("[")]
        elif "." in key:
            key = key.rsplit(".", 1)[0]
        else:
            return None
    return None


# --------------------------------------------------------------------------- validation


def _describe(value: Any) -> str:
    """A value as a message shows it: TOML words for tables and booleans, long ones cut."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= _LONGEST else f"{text[: _LONGEST - 3]}..."


#: The longest value a message quotes in full.
_LONGEST = 60

#: Integers must fit the 64-bit arrays the model keeps them in.
_INT_MAX = 2**63 - 1


_TYPE_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


class _Validator:
    """Walks a raw TOML dict against the dataclass tree, collecting every problem."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, key: str, message: str) -> None:
        self.problems.append(Problem(key, message))

    def build(self, cls: type, raw: Any, path: str) -> Any:
        if not isinstance(raw, dict):
            self.fail(path, f"must be a table, got {_describe(raw)}")
            return None
        before = len(self.problems)
        hints = _type_hints(cls)
        fields = [f for f in dataclasses.fields(cls) if f.init and f.name != "source"]
        names = [f.name for f in fields]
        for key in raw:
            if key not in names:
                self._unknown(path, str(key), names)
        values: dict[str, Any] = {}
        for f in fields:
            if f.name not in raw:
                continue
            value = self.value(hints[f.name], f.metadata, raw[f.name], _join(path, f.name))
            if value is not _INVALID:
                values[f.name] = value
        try:
            instance = cls(**values)
        except TypeError:  # pragma: no cover - every field has a default
            return None
        if len(self.problems) > before:
            return None  # some values are defaults standing in for bad ones: not to be checked
        checks = getattr(instance, "problems", None)
        if callable(checks):
            for key, message in checks():
                self.fail(_join(path, key), message)
        return instance

    def _unknown(self, table: str, key: str, names: list[str]) -> None:
        homes = [h for h in _homes().get(key, []) if h.strip("[]") != table]
        homes = homes if len(homes) <= 2 else []  # a common name: no one place to point at
        if suggestion := did_you_mean(key, names):
            hint = f"; did you mean '{suggestion}'?"
        elif homes:
            hint = f"; it belongs in {' or '.join(homes)}"
        elif names:
            hint = f"; known keys: {', '.join(names)}"
        else:  # a mechanism without parameters
            hint = "; this table takes no key but kind"
        self.fail(_join(table, _bare(key)), f"unknown key{hint}")

    def value(self, hint: Any, meta: Any, raw: Any, path: str) -> Any:
        origin = typing.get_origin(hint)
        if origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(hint) if a is not type(None)]
            hint = options[0]
            origin = typing.get_origin(hint)
        if hint is Choice:
            return self.choice(meta["registry"], raw, path)
        if dataclasses.is_dataclass(hint):
            built = self.build(hint, raw, path)
            return _INVALID if built is None else built
        if origin in (list, tuple):
            item = typing.get_args(hint)[0]
            if not isinstance(raw, list):
                what = (
                    f"an array of tables [[{path}]]" if dataclasses.is_dataclass(item) else "a list"
                )
                self.fail(path, f"must be {what}, got {_describe(raw)}")
                return _INVALID
            items = [self.value(item, meta, v, f"{path}[{i}]") for i, v in enumerate(raw)]
            if any(v is _INVALID for v in items):
                return _INVALID
            return tuple(items)
        return self.scalar(hint, meta, raw, path)

    def scalar(self, hint: Any, meta: Any, raw: Any, path: str) -> Any:
        expected = _TYPE_NAMES.get(hint, str(hint))
        if hint is bool:
            ok = isinstance(raw, bool)
        elif hint is int:
            ok = isinstance(raw, int) and not isinstance(raw, bool)
        elif hint is float:
            ok = isinstance(raw, int | float) and not isinstance(raw, bool)
        elif hint is str:
            ok = isinstance(raw, str)
        else:  # pragma: no cover - a schema mistake, not a user's
            raise TypeError(f"unsupported scenario type {hint!r} at {path}")
        if not ok:
            self.fail(path, f"must be {expected}, got {_describe(raw)}")
            return _INVALID
        if hint is str and not _is_unicode(raw):
            self.fail(path, f"must be Unicode text, got {_describe(raw)}")
            return _INVALID
        if hint is float:
            number = float(raw) if abs(raw) <= sys.float_info.max else math.inf
            if not math.isfinite(number):
                self.fail(path, f"must be a finite number, got {_describe(raw)}")
                return _INVALID
            raw = number
        if hint is int and abs(raw) > _INT_MAX:
            self.fail(path, f"must be an integer of at most 19 digits, got {_describe(raw)}")
            return _INVALID
        if hint in (int, float) and not self.in_range(meta, raw, path):
            return _INVALID
        choices = meta.get("choices") if meta else None
        if choices and raw not in choices:
            self.fail(path, f"unknown value {_describe(raw)}{choose_from(raw, choices)}")
            return _INVALID
        return raw

    def in_range(self, meta: Any, raw: float, path: str) -> bool:
        if not meta:
            return True
        rules = [
            ("ge", lambda b: raw >= b, ">="),
            ("gt", lambda b: raw > b, ">"),
            ("le", lambda b: raw <= b, "<="),
            ("lt", lambda b: raw < b, "<"),
        ]
        if meta.get("ge") == 0.0 and meta.get("le") == 1.0 and not 0.0 <= raw <= 1.0:
            self.fail(path, f"must be a probability in [0, 1], got {raw}")
            return False
        for name, holds, word in rules:
            bound = meta.get(name)
            if bound is not None and not holds(bound):
                self.fail(path, f"must be {word} {_bound(bound)}, got {raw}")
                return False
        return True

    def choice(self, registry: Any, raw: Any, path: str) -> Any:
        if not isinstance(raw, dict):
            hint = f"; write {path}.kind = {_toml_value(raw)}" if isinstance(raw, str) else ""
            self.fail(path, f"must be a table with a 'kind', got {_describe(raw)}{hint}")
            return _INVALID
        kind = raw.get("kind")
        if kind is None:
            self.fail(f"{path}.kind", f"missing; choose one of: {', '.join(registry.names())}")
            return _INVALID
        if not isinstance(kind, str) or kind not in registry:
            self.fail(
                f"{path}.kind",
                f"unknown {registry.what} {_describe(kind)}{choose_from(kind, registry.names())}",
            )
            return _INVALID
        params_cls = getattr(registry.get(kind), "Params", None)
        rest = {k: v for k, v in raw.items() if k != "kind"}
        if params_cls is None:
            for key in rest:
                self._unknown(path, str(key), ["kind"])
            return Choice(kind, None)
        params = self.build(params_cls, rest, path)
        return _INVALID if params is None else Choice(kind, params)


_INVALID = object()


@functools.cache
def _type_hints(cls: type) -> dict[str, Any]:
    """The resolved annotations of a schema class (resolving them is slow: done once)."""
    return typing.get_type_hints(cls)


@functools.cache
def _homes() -> dict[str, list[str]]:
    """For each key of the schema, the tables declaring it: ``[run]``, ``[[government.levels]]``.

    For a key written in the wrong table, to say where it belongs.
    """
    homes: dict[str, list[str]] = {}

    def walk(cls: type, table: str) -> None:
        hints = _type_hints(cls)
        for f in dataclasses.fields(cls):
            if f.name == "source":
                continue
            hint, path = hints[f.name], _join(table.strip("[]"), f.name)
            if table:
                homes.setdefault(f.name, []).append(table)
            if hint is Choice:
                homes.setdefault("kind", []).append(f"[{path}]")
                for _, entry in f.metadata["registry"].items():
                    if params := getattr(entry, "Params", None):
                        walk(params, f"[{path}]")
            elif dataclasses.is_dataclass(hint):
                walk(hint, f"[{path}]")
            elif typing.get_origin(hint) is tuple and dataclasses.is_dataclass(
                item := typing.get_args(hint)[0]
            ):
                walk(item, f"[[{path}]]")

    walk(Scenario, "")
    return {name: list(dict.fromkeys(tables)) for name, tables in homes.items()}


def _related(a: str, b: str) -> bool:
    """One dotted key is the other or contains it."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def _bound(bound: float) -> str:
    """A range bound as a message shows it: 2147483647 and 1000000 in full, 0.5 as is."""
    return str(int(bound)) if float(bound).is_integer() and abs(bound) < 1e16 else f"{bound:g}"


def _is_unicode(text: str) -> bool:
    """Whether ``text`` is real Unicode (no lone surrogates), so TOML can write it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _bare(key: str) -> str:
    """A key as TOML writes it in a dotted path: bare when it can be, else quoted (one line)."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_string(key)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# --------------------------------------------------------------------------- overrides


def parse_override(text: str) -> tuple[str, Any]:
    """Split ``key.path=value``; the value is read as TOML, or taken as a bare string.

    Raises:
        ScenarioError: no ``=``, an empty key, or an empty part in the dotted key.
    """
    key, sep, value = str(text).partition("=")
    parts = [part.strip() for part in key.split(".")]
    if not sep or not key.strip():
        raise _override_error("", f"--set expects key=value, got {_describe(text)}")
    if not all(parts):
        raise _override_error("", f"the key has an empty part between dots, got {_describe(key)}")
    value = value.strip()
    try:
        parsed = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value
    return ".".join(parts), parsed


def _override_error(key: str, message: str) -> ScenarioError:
    return ScenarioError([Problem(key, message, None, "--set")])


def apply_overrides(raw: dict, overrides: list[str] | tuple[str, ...]) -> dict:
    """A copy of the raw scenario dict with each ``key=value`` override set in it.

    A key may index a list of tables, ``government.levels[1].staff=3``; when the file
    does not declare that list, the default list is copied in first. Setting a table's
    ``kind`` to another mechanism drops that table's other keys (they belonged to the old
    mechanism); later overrides can set the new one's keys. A key that goes through a
    value that is not a table replaces that value with a table.

    Raises:
        ScenarioError: an index that is not in the list, or a path through a list that is
            not one or an entry that is not a table.
    """
    result = copy.deepcopy(raw)
    for text in overrides:
        key, value = parse_override(text)
        node: dict = result
        parts = key.split(".")
        for depth, part in enumerate(parts):
            m = re.fullmatch(r"(.+)\[([^\]]*)\]", part)
            name, index = (m.group(1), m.group(2)) if m else (part, None)
            last = depth == len(parts) - 1
            where = ".".join([*parts[:depth], name])
            if index is not None:
                if not (index.isascii() and index.isdigit()):
                    raise _override_error(
                        where, f"an index counts from 0, got [{index}] (in {text!r})"
                    )
                index = int(index)
            if index is None and last:
                if name == "kind" and node.get("kind") != value:
                    node.clear()  # another mechanism: the old one's keys mean nothing to it
                node[name] = value
                break
            if index is None:
                child = node.get(name)
                if isinstance(child, list) or (child is None and _is_list_of_tables(where)):
                    rest = ".".join(parts[depth + 1 :])
                    raise _override_error(
                        where, f"is a list of tables: give an index, as in {where}[0].{rest}"
                    )
                if not isinstance(child, dict):
                    child = node[name] = _new_table(where)
                node = child
                continue
            if name not in node:
                default_node = _lookup(_defaults(), [*parts[:depth], name])
                node[name] = copy.deepcopy(default_node) if isinstance(default_node, list) else []
            items = node[name]
            if not isinstance(items, list):
                raise _override_error(
                    where, f"must be a list to set [{index}] (in {text!r}), got {_describe(items)}"
                )
            if not index < len(items):
                raise _override_error(
                    where, f"has {len(items)} entries, no [{index}] to set (in {text!r})"
                )
            if last:
                items[index] = value
                break
            if not isinstance(items[index], dict):
                raise _override_error(
                    f"{where}[{index}]",
                    f"must be a table to set a key in it (in {text!r}), "
                    f"got {_describe(items[index])}",
                )
            node = items[index]
    return result


def _new_table(key: str) -> dict:
    """A table an override creates: a mechanism's table starts with the default ``kind``."""
    default = _lookup(_defaults(), key.split("."))
    return {"kind": default["kind"]} if isinstance(default, dict) and "kind" in default else {}


@functools.cache
def _defaults() -> dict:
    """The default scenario as plain data (do not change it: copy what you take)."""
    return to_dict(Scenario())


def _is_list_of_tables(key: str) -> bool:
    """Whether the dotted ``key`` is a list of tables in the schema, like ``government.levels``."""
    return any(home == f"[[{key}]]" for homes in _homes().values() for home in homes)


def _lookup(tree: dict, parts: list[str]) -> Any:
    node: Any = tree
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


# --------------------------------------------------------------------------- loading


def from_dict(
    raw: dict,
    *,
    source: str | None = None,
    text: str | None = None,
    overrides: list[str] | tuple[str, ...] = (),
) -> Scenario:
    """Validate a raw scenario dict (as TOML gives it) into a :class:`Scenario`.

    Args:
        raw: the parsed TOML.
        source: the file it came from, for messages and relative paths.
        text: the file's text, to find line numbers for messages.
        overrides: ``key=value`` strings applied on top (``--set``), checked the same way.

    Raises:
        ScenarioError: with every problem found.
    """
    override_keys = [parse_override(o)[0] for o in overrides]
    merged = apply_overrides(raw, overrides) if overrides and isinstance(raw, dict) else raw
    validator = _Validator()
    built = validator.build(Scenario, merged, "")
    if not validator.problems:
        built = dataclasses.replace(built, source=source)
        if missing := _missing_network_file(built):
            validator.fail("network.path", missing)
    if validator.problems:
        lines = _key_lines(text) if text else {}
        problems = []
        for p in validator.problems:
            if any(_related(p.key, k) for k in override_keys):
                problems.append(dataclasses.replace(p, origin="--set"))
            else:
                problems.append(dataclasses.replace(p, origin=source, line=_line_for(lines, p.key)))
        problems.sort(key=lambda p: _order(p, override_keys))
        raise ScenarioError(problems)
    return built


def _order(problem: Problem, override_keys: list[str]) -> tuple:
    """Sort key of problems: the file's by line, then the overrides' in the order given."""
    if problem.origin == "--set":
        return (1, min(i for i, k in enumerate(override_keys) if _related(problem.key, k)))
    return (0, problem.line if problem.line is not None else math.inf)


def _missing_network_file(scenario: Scenario) -> str | None:
    """Why an ``edge_list`` network's file cannot be found, or None (it may still be bad)."""
    if scenario.network.kind != "edge_list":
        return None
    given = scenario.network.params.path
    path = scenario.base_dir / Path(given).expanduser()
    try:
        if path.is_file():
            return None
        what = "is not a file" if path.exists() else "no such file"
    except (OSError, ValueError):
        what = "cannot be read"
    return f"{what} (looked for {path}), got {given!r}"


def load(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> Scenario:
    """Read, parse and validate a scenario file.

    Raises:
        ScenarioError: the file is missing, unreadable, not TOML, or invalid; the
            message names the file (and line) and says what is wrong.
    """
    name = str(path)
    p = Path(path)

    def error(message: str, line: int | None = None) -> ScenarioError:
        return ScenarioError([Problem("", message, line, name)])

    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise error("no such file") from None
    except IsADirectoryError:
        raise error("is a directory, not a scenario file") from None
    except (OSError, ValueError) as exc:
        raise error(f"cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise error("is not UTF-8 text but UTF-16; save it as UTF-8")
    if b"\x00" in data:
        raise error("is a binary file, not a TOML scenario")
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark, as some editors write, is fine
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error("is not UTF-8 text; save it as UTF-8", line) from None
    if not text.strip():
        raise error("is empty; a scenario needs at least one table, see scenarios/baseline.toml")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise error(f"invalid TOML: {reason}", int(m.group(1)) if m else None) from None
    if not raw:
        raise error("sets nothing (only comments); a scenario needs at least one table")
    return from_dict(raw, source=name, text=text, overrides=overrides)


# --------------------------------------------------------------------------- dumping


def to_dict(scenario: Any) -> dict:
    """The scenario as plain data (what a file with every default written out would hold)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(scenario):
        if f.name == "source":
            continue
        out[f.name] = _plain(getattr(scenario, f.name))
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, Choice):
        params = _plain(value.params) if value.params is not None else {}
        return {"kind": value.kind, **params}
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def scenario_hash(scenario: Scenario) -> str:
    """A short fingerprint of everything that shapes a run except its seed.

    Replicates of one scenario (different seeds) share it; any other change alters it.
    """
    data = to_dict(scenario)
    data["run"] = {k: v for k, v in data["run"].items() if k != "seed"}
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def to_toml(scenario: Scenario) -> str:
    """The resolved scenario as TOML text, each key with its doc as a comment."""
    lines: list[str] = []
    _emit_table(lines, scenario, "")
    return "\n".join(lines).strip() + "\n"


def _emit_table(lines: list[str], obj: Any, path: str) -> None:
    scalars: list[tuple[str, Any, str]] = []
    tables: list[tuple[str, Any]] = []
    arrays: list[tuple[str, tuple]] = []
    if isinstance(obj, Choice):
        entry_doc = "registered choice"
        scalars.append(("kind", obj.kind, entry_doc))
        obj = obj.params
        if obj is None:
            _flush(lines, path, scalars)
            return
    for f in dataclasses.fields(obj):
        if f.name == "source":
            continue
        value = getattr(obj, f.name)
        if isinstance(value, Choice) or dataclasses.is_dataclass(value):
            tables.append((f.name, value))
        elif isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0]):
            arrays.append((f.name, value))
        else:
            scalars.append((f.name, value, f.metadata.get("doc", "")))
    _flush(lines, path, scalars)
    for name, value in tables:
        _emit_table(lines, value, _join(path, name))
    for name, items in arrays:
        for item in items:
            lines.append(f"\n[[{_join(path, name)}]]")
            for f in dataclasses.fields(item):
                doc = f.metadata.get("doc", "")
                text = f"{f.name} = {_toml_value(getattr(item, f.name))}"
                lines.append(text + (f"  # {doc}" if doc else ""))


def _flush(lines: list[str], path: str, scalars: list[tuple[str, Any, str]]) -> None:
    if not scalars:
        return
    if path:
        lines.append(f"\n[{path}]")
    for name, value, doc in scalars:
        lines.append(f"{name} = {_toml_value(value)}" + (f"  # {doc}" if doc else ""))


def _toml_string(text: str) -> str:
    """A TOML basic string in ASCII: escapes for quotes, control and non-ASCII characters.

    Not ``json.dumps``: JSON writes a character beyond U+FFFF as two surrogate escapes,
    which TOML rejects; TOML has ``\\U`` with eight hex digits for those.
    """
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        else:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(value)
