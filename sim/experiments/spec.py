"""Experiment files: TOML in, one validated :class:`Experiment` out, or every problem at once.

An experiment file has four tables::

    [experiment]                  # what runs, how often, what is kept
    scenario = "../scenarios/baseline.toml"
    set = ["run.steps=336"]       # fixed overrides of the base scenario
    replicates = 30
    seed = 2026
    outcomes = ["crises", "resolution_rate"]

    [design]
    kind = "grid"                 # grid, lhs, sobol or morris

    [[factors]]                   # one per factor: a dotted scenario key and its levels
    key = "government.structure.kind"
    levels = ["hierarchical", "flat"]

    [report]                      # optional: how `govsim report` reads the results
    compare = "government.structure.kind"
    discover = ["crises >= 1"]

It is checked with the scenario files' own machinery (:class:`sim.config._Validator`, the
same :class:`sim.config.Problem` and line finder), so a mistake reads
``experiments/x.toml:12: factors[0].levels[1]: government.structure.kind: unknown ...``.
Every factor level (or range end) is applied to the base scenario and checked there too.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import tomllib
from pathlib import Path
from typing import Any

from sim.config import (
    Problem,
    Scenario,
    ScenarioError,
    _key_lines,
    _line_for,
    _toml_value,
    _Validator,
    from_dict,
    to_dict,
)
from sim.experiments.design import DESIGNS
from sim.params import Choice, choice, param
from sim.registry import did_you_mean


class ExperimentError(ScenarioError):
    """An experiment file (or sweep folder) that cannot be used; ``problems`` lists why."""


# --------------------------------------------------------------------------- the file's schema


@dataclasses.dataclass(frozen=True)
class ExperimentParams:
    """The ``[experiment]`` table: what runs, how many times, what each run keeps."""

    name: str = param("", "name of the experiment (default: the file's name)")
    scenario: str = param("", "base scenario file, relative to the experiment file")
    function: str = param(
        "", "instead of a scenario, a Python function 'module:name' (params, seed) -> outcomes"
    )
    set: tuple[str, ...] = param((), "fixed overrides of the base, 'key=value' as with --set")
    replicates: int = param(1, "runs per cell; replicate i of every cell shares seed i", ge=1)
    seed: int = param(0, "root seed; replicate i runs with sim.runs.replicate_seed(seed, i)", ge=0)
    outcomes: tuple[str, ...] = param((), "summary keys each run keeps (numbers)")

    def problems(self) -> list[tuple[str, str]]:
        out = []
        if bool(self.scenario) == bool(self.function):
            out.append(("scenario", "give either a scenario file or a function, not both"))
        if self.function and not re.fullmatch(r"[\w.]+:\w+", self.function):
            out.append(("function", f"must read 'module:name', got {self.function!r}"))
        if not self.outcomes:
            out.append(("outcomes", "name at least one outcome (a key of the run's summary)"))
        seen: set[str] = set()
        for i, name in enumerate(self.outcomes):
            if name in seen:
                out.append((f"outcomes[{i}]", f"{name!r} is listed twice"))
            seen.add(name)
        return out


@dataclasses.dataclass(frozen=True)
class FactorParams:
    """One ``[[factors]]`` entry: a key to vary and its levels (grid) or range (sampled)."""

    key: str = param("", "dotted scenario key, e.g. government.structure.kind")
    name: str = param("", "column name in the results (default: the key)")
    low: float | None = param(None, "lowest value (lhs, sobol, morris)")
    high: float | None = param(None, "highest value (lhs, sobol, morris)")
    integer: bool = param(False, "round sampled values to whole numbers (integer keys)")

    def problems(self) -> list[tuple[str, str]]:
        out = []
        if not self.key:
            out.append(("key", "missing; the dotted scenario key this factor varies"))
        if self.low is not None and self.high is not None and not self.low < self.high:
            out.append(("high", f"must be > low ({self.low:g}), got {self.high:g}"))
        return out


@dataclasses.dataclass(frozen=True)
class ReportParams:
    """The ``[report]`` table: what ``govsim report`` compares and looks for."""

    compare: str = param(
        "", "a factor whose levels are compared on paired seeds within every other condition"
    )
    discover: tuple[str, ...] = param(
        (), "conditions for scenario discovery (PRIM), e.g. 'crises >= 1' (lhs and sobol)"
    )


@dataclasses.dataclass(frozen=True)
class ExperimentFile:
    """The whole file, as the validator walks it (``factors[i].levels`` is checked apart)."""

    experiment: ExperimentParams = param(ExperimentParams(), "what runs")
    design: Choice = choice(DESIGNS, "grid", "how the factors' values are chosen")
    factors: tuple[FactorParams, ...] = param((), "the factors to vary")
    report: ReportParams = param(ReportParams(), "how the report reads the results")


# --------------------------------------------------------------------------- the checked object


@dataclasses.dataclass(frozen=True)
class Factor:
    """A factor of a checked experiment: its key, column name, and levels or range."""

    key: str
    name: str
    levels: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    integer: bool = False

    @property
    def sampled(self) -> bool:
        """True when the design samples a range rather than listing levels."""
        return not self.levels


@dataclasses.dataclass(frozen=True)
class Condition:
    """``outcome op threshold``: a run is 'of interest' for scenario discovery when it holds."""

    outcome: str
    op: str
    threshold: float

    def __str__(self) -> str:
        return f"{self.outcome} {self.op} {self.threshold:g}"

    def holds(self, values: Any) -> Any:
        """Elementwise test of ``values`` (numbers or arrays)."""
        ops = {
            ">": lambda v: v > self.threshold,
            ">=": lambda v: v >= self.threshold,
            "<": lambda v: v < self.threshold,
            "<=": lambda v: v <= self.threshold,
        }
        return ops[self.op](values)


@dataclasses.dataclass(frozen=True)
class Experiment:
    """A validated experiment: everything a sweep needs, and nothing about how it runs.

    ``base`` is the base scenario as raw TOML data (``None`` for a function model) and
    ``fixed`` the ``set`` overrides applied to it before any factor.
    """

    name: str
    source: str | None
    base: dict | None
    base_source: str | None
    function: str | None
    fixed: tuple[str, ...]
    design: Choice
    factors: tuple[Factor, ...]
    replicates: int
    seed: int
    outcomes: tuple[str, ...]
    compare: str | None = None
    discover: tuple[Condition, ...] = ()

    def overrides(self, values: dict[str, Any]) -> list[str]:
        """The ``key=value`` overrides that make the cell with factor ``values`` (by name)."""
        return [*self.fixed, *(override(f.key, values[f.name]) for f in self.factors)]

    def scenario(self, values: dict[str, Any]) -> Scenario:
        """The validated scenario of the cell with factor ``values`` (scenario models only)."""
        assert self.base is not None, "a function model has no scenario"
        return from_dict(self.base, source=self.base_source, overrides=self.overrides(values))

    def fingerprint(self) -> str:
        """A short hash of everything that shapes a run's result (not replicates or report).

        The base scenario enters resolved, so editing the scenario file changes it too.
        Replicates are left out: a finished sweep can be extended with more of them.
        """
        base = None
        if self.base is not None:
            base = to_dict(from_dict(self.base, source=self.base_source, overrides=self.fixed))
        data = {
            "base": base,
            "function": self.function,
            "fixed": list(self.fixed),
            "design": {"kind": self.design.kind, **_plain(self.design.params)},
            "factors": [dataclasses.asdict(f) for f in self.factors],
            "seed": self.seed,
            "outcomes": list(self.outcomes),
        }
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def override(key: str, value: Any) -> str:
    """The ``key=value`` text that sets ``key`` to ``value`` (read back by parse_override)."""
    return f"{key}={_toml_value(value)}"


def _plain(params: Any) -> dict:
    return dataclasses.asdict(params) if dataclasses.is_dataclass(params) else {}


_CONDITION = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(>=|<=|>|<)\s*(-?[\d.]+(?:[eE][-+]?\d+)?)\s*$")


def parse_condition(text: str) -> Condition:
    """Read ``'crises >= 1'`` into a :class:`Condition`.

    Raises:
        ValueError: the text is not ``outcome op number`` with op one of > >= < <=.
    """
    m = _CONDITION.match(text)
    if not m:
        raise ValueError(f"must read 'outcome op number' with op one of > >= < <=, got {text!r}")
    return Condition(m.group(1), m.group(2), float(m.group(3)))


# --------------------------------------------------------------------------- loading


def load_experiment(path: str | Path, *, check_outcomes: bool = True) -> Experiment:
    """Read, parse and validate an experiment file, and its base scenario.

    Args:
        path: the experiment's TOML file.
        check_outcomes: run the first cell for one hour to check that every outcome is
            a key of the run's summary (scenario models only).

    Raises:
        ExperimentError: every problem of the file, each with its line and key.
        ScenarioError: the base scenario file itself is invalid.
    """
    name = str(path)
    text = _read(Path(path), name)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise _error(name, f"invalid TOML: {reason}", int(m.group(1)) if m else None) from None
    lines = _key_lines(text)
    problems: list[Problem] = []

    def fail(key: str, message: str) -> None:
        problems.append(Problem(key, message, _line_for(lines, key), name))

    # Levels are free-typed (strings, numbers, booleans): take them out, check them apart.
    levels: dict[int, list] = {}
    factors_raw = raw.get("factors")
    if isinstance(factors_raw, list):
        for i, entry in enumerate(factors_raw):
            if isinstance(entry, dict) and "levels" in entry:
                entry = dict(entry)
                value = entry.pop("levels")
                factors_raw[i] = entry
                if not isinstance(value, list) or not value:
                    fail(f"factors[{i}].levels", "must be a non-empty list of values")
                else:
                    for j, v in enumerate(value):
                        if isinstance(v, dict | list):
                            fail(f"factors[{i}].levels[{j}]", "must be a string, number or bool")
                    levels[i] = value
    validator = _Validator()
    built = validator.build(ExperimentFile, raw, "")
    for p in validator.problems:
        fail(p.key, p.message)
    if built is None:  # some part is wrong: build the sound parts alone, to check on
        built = _sound_parts(raw)
        if built is None:
            raise ExperimentError(_sorted(problems))

    def troubled(prefix: str) -> bool:
        """A problem is already reported in this part: don't pile guesses on top."""
        return any(
            p.key == prefix or p.key.startswith((prefix + ".", prefix + "[")) for p in problems
        )

    spec: ExperimentParams = built.experiment
    base: dict | None = None
    base_source: str | None = None
    if spec.scenario:
        base_path = (Path(path).parent / spec.scenario).resolve()
        base_source = str(base_path)
        if not base_path.is_file():
            fail("experiment.scenario", f"no such scenario file {spec.scenario!r}")
            raise ExperimentError(_sorted(problems))
        from sim.config import load

        load(base_path)  # the base scenario's own mistakes, in its own file's terms
        base = tomllib.loads(base_path.read_text(encoding="utf-8"))

    # the kind as written: a problem in the design's other keys leaves the kind known
    raw_design = raw.get("design") if isinstance(raw.get("design"), dict) else {}
    design_kind = raw_design.get("kind", "grid")
    design_known = design_kind in DESIGNS
    sampled_design = design_kind != "grid"
    factors: list[Factor] = []
    checkable: list[Factor] = []
    names: set[str] = set()
    for i, fp in enumerate(built.factors):
        if fp is None:  # its problems are reported; a stand-in keeps the numbering
            factors.append(Factor(f"<factors[{i}]>", f"<factors[{i}]>"))
            continue
        where = f"factors[{i}]"
        name_ = fp.name or fp.key
        if name_ in names:
            fail(f"{where}.name", f"{name_!r} names two factors; give one a distinct name")
        names.add(name_)
        factor = Factor(fp.key, name_, tuple(levels.get(i, ())), fp.low, fp.high, fp.integer)
        factors.append(factor)
        if troubled(where) or not design_known:
            continue
        has_range = fp.low is not None or fp.high is not None
        if sampled_design:
            if i in levels:
                fail(f"{where}.levels", f"a {design_kind} design samples ranges: use low, high")
                continue
            if fp.low is None or fp.high is None:
                fail(where, f"a {design_kind} design needs low and high")
                continue
        elif i not in levels:
            fail(where, "a grid design needs levels = [...]")
            continue
        elif has_range:
            fail(f"{where}.low", "a grid design lists levels; low and high are for sampled designs")
            continue
        if i in levels:
            kinds = {_kind(v) for v in levels[i]}
            if len(kinds) > 1:
                fail(f"{where}.levels", "must all be strings, all numbers or all true/false")
                continue
        checkable.append(factor)
    if not factors and not troubled("factors"):
        fail("factors", "add at least one [[factors]] entry with a key to vary")
    if spec.function and spec.set:
        for j, text_ in enumerate(spec.set):
            if "=" not in text_:
                fail(f"experiment.set[{j}]", f"expects key=value, got {text_!r}")

    if base is not None:
        _check_against_scenario(base, base_source, spec.set, factors, checkable, fail)
    report: ReportParams = built.report
    factor_names = [f.name for f in factors]
    compare = report.compare or None
    if compare is not None and compare not in factor_names:
        alt = [f.name for f in factors if f.key == compare]
        if alt:
            compare = alt[0]
        else:
            suggestion = did_you_mean(compare, factor_names)
            hint = f"; did you mean '{suggestion}'?" if suggestion else ""
            fail("report.compare", f"not a factor{hint} choose one of: {', '.join(factor_names)}")
    if compare is not None and sampled_design:
        fail("report.compare", "compares the levels of a grid factor; this design samples")
    conditions = []
    for j, text_ in enumerate(report.discover):
        try:
            cond = parse_condition(text_)
        except ValueError as exc:
            fail(f"report.discover[{j}]", str(exc))
            continue
        if cond.outcome not in spec.outcomes:
            suggestion = did_you_mean(cond.outcome, spec.outcomes)
            hint = f"; did you mean '{suggestion}'?" if suggestion else ""
            fail(f"report.discover[{j}]", f"{cond.outcome!r} is not an outcome{hint}")
        conditions.append(cond)
    if problems:
        raise ExperimentError(_sorted(problems))

    experiment = Experiment(
        name=spec.name or Path(path).stem,
        source=name,
        base=base,
        base_source=base_source,
        function=spec.function or None,
        fixed=spec.set,
        design=built.design,
        factors=tuple(factors),
        replicates=spec.replicates,
        seed=spec.seed,
        outcomes=spec.outcomes,
        compare=compare,
        discover=tuple(conditions),
    )
    if check_outcomes and base is not None:
        _check_outcomes(experiment, fail)
        if problems:
            raise ExperimentError(_sorted(problems))
    return experiment


def _sound_parts(raw: dict) -> Any:
    """The file's parts that are valid on their own (``None`` for a bad factor entry).

    The validator gives nothing back for a file with any mistake; to go on checking the
    rest (factor levels against the scenario, say) each part is validated alone here.
    Returns ``None`` when the ``[experiment]`` table itself is unusable.
    """

    def alone(**part: Any) -> Any:
        return _Validator().build(ExperimentFile, part, "")

    experiment = alone(experiment=raw.get("experiment", {}))
    if experiment is None:
        return None
    design = alone(design=raw["design"]) if "design" in raw else experiment
    report = alone(report=raw["report"]) if "report" in raw else experiment
    entries = raw.get("factors") if isinstance(raw.get("factors"), list) else []
    factors = []
    for entry in entries:
        part = alone(factors=[entry])
        factors.append(part.factors[0] if part is not None else None)
    return dataclasses.replace(
        experiment,
        design=(design or experiment).design,
        report=(report or experiment).report,
        factors=tuple(factors),
    )


def _read(p: Path, name: str) -> str:
    if not p.exists():
        raise _error(name, "no such file")
    if p.is_dir():
        raise _error(name, "is a directory, not an experiment file")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise _error(name, f"cannot read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _error(name, "is not UTF-8 text; save it as UTF-8") from None
    if not text.strip():
        raise _error(name, "is empty; see experiments/README.md for what an experiment holds")
    return text


def _error(name: str, message: str, line: int | None = None) -> ExperimentError:
    return ExperimentError([Problem("", message, line, name)])


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: p.line if p.line is not None else 1e9)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    return "number" if isinstance(value, int | float) else type(value).__name__


def _check_against_scenario(
    base: dict,
    base_source: str | None,
    fixed: tuple[str, ...],
    factors: list[Factor],
    checkable: list[Factor],
    fail: Any,
) -> None:
    """Apply ``set`` and every level (or range end) to the base scenario; report at the factor."""

    def problems_of(overrides: list[str]) -> list[Problem]:
        try:
            from_dict(base, source=base_source, overrides=overrides)
        except ScenarioError as exc:
            return exc.problems
        return []

    for p in problems_of(list(fixed)):
        fail("experiment.set", f"{p.key}: {p.message}" if p.key else p.message)
    for i, f in enumerate(factors):
        if f not in checkable or not f.key:
            continue
        if f.levels:
            values = [(f"factors[{i}].levels[{j}]", v) for j, v in enumerate(f.levels)]
        else:
            values = [(f"factors[{i}].low", f.low), (f"factors[{i}].high", f.high)]
            if not f.integer:  # a value between the ends: catches integer keys
                values.append((f"factors[{i}]", (f.low + f.high) / 2))
        for where, value in values:
            if f.integer and not f.levels:
                value = round(value)
            found = problems_of([*fixed, override(f.key, value)])
            for p in found:
                message = f"{p.key}: {p.message}" if p.key else p.message
                if "must be an integer" in p.message and not f.levels:
                    message += "; add integer = true to this factor"
                # a problem above the factor's key is the key's own (misspelt, unknown)
                wrong_key = p.key and f.key.startswith(p.key) and p.key != f.key
                fail(f"factors[{i}].key" if wrong_key else where, message)
            if found:
                break


def _check_outcomes(experiment: Experiment, fail: Any) -> None:
    """Run the first cell for one hour and check the outcomes against its summary."""
    from sim.experiments.design import cells
    from sim.runs import run_replicate

    first = next(iter(cells(experiment)))
    summary = run_replicate(experiment.scenario(first), 0, steps=1)
    known = sorted(k for k, v in summary.items() if isinstance(v, int | float))
    for i, name in enumerate(experiment.outcomes):
        if name not in summary:
            suggestion = did_you_mean(name, known)
            hint = (
                f"; did you mean '{suggestion}'?" if suggestion else f"; known: {', '.join(known)}"
            )
            fail(f"experiment.outcomes[{i}]", f"{name!r} is not a key of a run's summary{hint}")
        elif name not in known:
            fail(f"experiment.outcomes[{i}]", f"{name!r} is not a number in a run's summary")
