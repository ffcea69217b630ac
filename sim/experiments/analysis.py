"""Analysis of a sweep's runs: pure functions from the runs table to result tables.

Every function takes the runs as :func:`sim.experiments.runner.load_runs` gives them
(failed runs are left out here) and returns a pandas DataFrame in long format, one row per
number reported, ready for a CSV file. Confidence intervals come from :mod:`sim.stats`:
bootstrap intervals of means, Student-t intervals of paired differences over replicates
(which share their world, so the pairing removes the variation between worlds).
Sensitivity indices come from SALib's analysers and scenario discovery from the ``prim``
package, reading the design in the order SALib sampled it.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.stats import mean_ci, paired_difference

LEVEL = 0.95


@dataclass(frozen=True)
class Sweep:
    """A sweep's runs and what the manifest says about them."""

    runs: pd.DataFrame
    manifest: dict[str, Any]

    @property
    def factors(self) -> list[str]:
        return [f["name"] for f in self.manifest["factors"]]

    @property
    def outcomes(self) -> list[str]:
        return list(self.manifest["outcomes"])

    @property
    def design(self) -> str:
        return self.manifest["design"]["kind"]

    @property
    def ok(self) -> pd.DataFrame:
        return self.runs[self.runs["status"] == "ok"]

    def levels(self, factor: str) -> list[Any]:
        """The factor's levels in the experiment file's order (grid designs)."""
        for f in self.manifest["factors"]:
            if f["name"] == factor:
                return list(f["levels"])
        raise KeyError(factor)


def _label(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_fmt(v)}" for k, v in values.items()) or "all runs"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# --------------------------------------------------------------------------- means per cell


def cell_means(sweep: Sweep) -> pd.DataFrame:
    """Each cell's mean of each outcome with its bootstrap 95% CI, runs used and failed."""
    rows = []
    failed = sweep.runs[sweep.runs["status"] != "ok"].groupby("cell").size()
    for cell, group in sweep.ok.groupby("cell", sort=True):
        values = {f: group[f].iloc[0] for f in sweep.factors}
        for outcome in sweep.outcomes:
            mean, low, high = mean_ci(group[outcome], level=LEVEL, seed=int(cell))
            n = int(np.isfinite(group[outcome].to_numpy(float)).sum())
            rows.append(
                {"cell": int(cell), **values, "outcome": outcome, "n": n}
                | {"mean": mean, "ci_low": low, "ci_high": high}
                | {"failed_runs": int(failed.get(cell, 0))}
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- paired differences


def _by_replicate(frame: pd.DataFrame, outcome: str) -> pd.Series:
    """Mean of ``outcome`` per replicate (over the cells in ``frame``)."""
    return frame.groupby("replicate")[outcome].mean()


def _paired(a: pd.Series, b: pd.Series) -> dict[str, Any]:
    """Paired difference b - a over the replicates both have."""
    joined = pd.concat([a.rename("a"), b.rename("b")], axis=1).dropna()
    d = paired_difference(joined["a"], joined["b"], level=LEVEL)
    return {
        "difference": d.mean,
        "ci_low": d.low,
        "ci_high": d.high,
        "pairs": d.n,
        "b_higher": d.b_higher,
        "a_higher": d.a_higher,
        "ties": d.ties,
        "clear": d.significant,
    }


def paired_differences(sweep: Sweep, compare: str | None = None) -> pd.DataFrame:
    """Differences between cells on common seeds (replicate i of each cell shares world i).

    With ``compare`` (a factor), each of its levels is set against its first level within
    every combination of the other factors; otherwise every cell against cell 0.
    """
    ok = sweep.ok
    rows = []
    if compare is not None:
        others = [f for f in sweep.factors if f != compare]
        levels = sweep.levels(compare)
        groups = ok.groupby(others, sort=False) if others else [((), ok)]
        for key, group in groups:
            key = key if isinstance(key, tuple) else (key,)
            condition = dict(zip(others, key, strict=True))
            base = group[group[compare] == levels[0]]
            for level in levels[1:]:
                other = group[group[compare] == level]
                for outcome in sweep.outcomes:
                    rows.append(
                        {**condition, "a": f"{compare}={_fmt(levels[0])}"}
                        | {"b": f"{compare}={_fmt(level)}", "outcome": outcome}
                        | _paired(_by_replicate(base, outcome), _by_replicate(other, outcome))
                    )
        return pd.DataFrame(rows)
    cells = ok.groupby("cell", sort=True)
    first_cell = min(ok["cell"]) if len(ok) else 0
    base = ok[ok["cell"] == first_cell]
    base_label = _label({f: base[f].iloc[0] for f in sweep.factors}) if len(base) else ""
    for cell, group in cells:
        if cell == first_cell:
            continue
        label = _label({f: group[f].iloc[0] for f in sweep.factors})
        for outcome in sweep.outcomes:
            rows.append(
                {"a": base_label, "b": label, "outcome": outcome}
                | _paired(_by_replicate(base, outcome), _by_replicate(group, outcome))
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- factorial effects


def main_effects(sweep: Sweep) -> pd.DataFrame:
    """Each factor's main effect: the mean change from its first level to each other level.

    Averaged over every combination of the other factors, and paired by replicate: in
    world i, the mean over the cells at level b minus the mean over the cells at the first
    level; the interval is over worlds.
    """
    ok = sweep.ok
    rows = []
    for factor in sweep.factors:
        levels = sweep.levels(factor)
        base = ok[ok[factor] == levels[0]]
        for level in levels[1:]:
            other = ok[ok[factor] == level]
            for outcome in sweep.outcomes:
                rows.append(
                    {
                        "factor": factor,
                        "from_level": levels[0],
                        "to_level": level,
                        "outcome": outcome,
                    }
                    | _paired(_by_replicate(base, outcome), _by_replicate(other, outcome))
                )
    return pd.DataFrame(rows)


def interactions(sweep: Sweep) -> pd.DataFrame:
    """Two-factor interactions: how much factor A's effect changes with factor B's level.

    For levels a0 -> a of A and b0 -> b of B, the difference of differences
    ``[Y(a, b) - Y(a0, b)] - [Y(a, b0) - Y(a0, b0)]`` averaged over the other factors and
    paired by replicate; zero when the effects simply add up.
    """
    ok = sweep.ok
    rows = []
    for fa, fb in itertools.combinations(sweep.factors, 2):
        la, lb = sweep.levels(fa), sweep.levels(fb)
        for a, b in itertools.product(la[1:], lb[1:]):

            def at(x: Any, y: Any, frame: pd.DataFrame = ok, fa: str = fa, fb: str = fb):
                return frame[(frame[fa] == x) & (frame[fb] == y)]

            for outcome in sweep.outcomes:
                effect_at_b = _by_replicate(at(a, b), outcome) - _by_replicate(
                    at(la[0], b), outcome
                )
                effect_at_b0 = _by_replicate(at(a, lb[0]), outcome) - _by_replicate(
                    at(la[0], lb[0]), outcome
                )
                rows.append(
                    {"factor_a": fa, "a_from": la[0], "a_to": a}
                    | {"factor_b": fb, "b_from": lb[0], "b_to": b, "outcome": outcome}
                    | _paired(effect_at_b0, effect_at_b)
                )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- sensitivity


def _problem(sweep: Sweep) -> dict[str, Any]:
    factors = sweep.manifest["factors"]
    return {
        "num_vars": len(factors),
        "names": [f["name"] for f in factors],
        "bounds": [[f["low"], f["high"]] for f in factors],
    }


def _cell_outcome(sweep: Sweep, outcome: str) -> tuple[np.ndarray | None, str]:
    """Per-cell mean of ``outcome`` in cell order, or None and why not."""
    n_cells = sweep.manifest["cells"]
    means = sweep.ok.groupby("cell")[outcome].mean().reindex(range(n_cells))
    missing = int(means.isna().sum())
    if missing:
        return None, (
            f"{missing} of {n_cells} cells have no finished run with a value of {outcome}; "
            "the estimator needs every cell (resume the sweep, or look at the failures)"
        )
    return means.to_numpy(float), ""


def _indices(
    sweep: Sweep, analyse: Any, columns: dict[str, str], skip_constant: bool = False
) -> tuple[pd.DataFrame, list[str]]:
    """Run a SALib analyser on each outcome's per-cell means; one row per outcome and factor.

    ``analyse(y)`` returns SALib's result dict; ``columns`` maps our column names to its keys.
    """
    names = _problem(sweep)["names"]
    rows, notes = [], []
    for outcome in sweep.outcomes:
        y, why = _cell_outcome(sweep, outcome)
        if y is None:
            notes.append(f"{outcome}: {why}")
            continue
        if skip_constant and np.ptp(y) == 0:
            notes.append(f"{outcome}: the same in every cell, so no factor explains any of it")
            continue
        result = analyse(y)
        for i, name in enumerate(names):
            rows.append(
                {"outcome": outcome, "factor": name}
                | {column: float(result[key][i]) for column, key in columns.items()}
            )
    return pd.DataFrame(rows), notes


def sobol_indices(sweep: Sweep) -> tuple[pd.DataFrame, list[str]]:
    """First-order and total Sobol indices of each outcome with 95% CIs (SALib).

    The outcome of a cell is its mean over replicates. Returns the table and a note for
    each outcome that could not be analysed.
    """
    from SALib.analyze import sobol

    problem = _problem(sweep)
    second = bool(sweep.manifest["design"].get("second_order", False))

    def analyse(y: np.ndarray) -> dict:
        return sobol.analyze(
            problem, y, calc_second_order=second, conf_level=LEVEL, seed=sweep.manifest["seed"]
        )

    columns = {"S1": "S1", "S1_ci": "S1_conf", "ST": "ST", "ST_ci": "ST_conf"}
    return _indices(sweep, analyse, columns, skip_constant=True)


def morris_indices(sweep: Sweep, design: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Morris mu* (mean absolute elementary effect, with 95% CI) and sigma (SALib)."""
    from SALib.analyze import morris

    problem = _problem(sweep)
    x = design.sort_values("cell")[problem["names"]].to_numpy(float)
    levels = int(sweep.manifest["design"]["levels"])

    def analyse(y: np.ndarray) -> dict:
        return morris.analyze(
            problem, x, y, conf_level=LEVEL, num_levels=levels, seed=sweep.manifest["seed"]
        )

    columns = {"mu": "mu", "mu_star": "mu_star", "mu_star_ci": "mu_star_conf", "sigma": "sigma"}
    return _indices(sweep, analyse, columns)


# --------------------------------------------------------------------------- scenario discovery


@dataclass(frozen=True)
class Discovery:
    """A PRIM box: the input conditions where a condition on an outcome mostly holds.

    Attributes:
        condition: the condition, e.g. ``crises >= 1``.
        share: share of all runs where it holds.
        limits: one row per restricted factor: ``factor``, ``min``, ``max``.
        coverage: share of the runs of interest that fall in the box.
        density: share of the runs in the box that are of interest.
        mass: share of all runs that fall in the box.
        trajectory: the peeling trajectory (coverage, density, mass, res_dim per step).
        chosen: the step chosen on the trajectory.
    """

    condition: str
    share: float
    limits: pd.DataFrame
    coverage: float
    density: float
    mass: float
    trajectory: pd.DataFrame
    chosen: int


def discover(
    sweep: Sweep, condition: Any, min_density: float = 0.8, max_boxes: int = 3
) -> list[Discovery] | str:
    """Find the boxes of factor values where ``condition`` mostly holds (PRIM, ``prim``).

    PRIM's covering: each box is peeled from the runs no earlier box holds. On each
    peeling trajectory the box kept is the step with the highest coverage among those
    with density >= ``min_density``; the search stops after ``max_boxes`` boxes, or when
    no step of a new box reaches that density. Coverage is the share of all the runs of
    interest, so the boxes' coverages add up.

    Returns:
        The boxes, or a sentence saying why there is nothing to find.
    """
    import warnings

    import prim

    ok = sweep.ok
    values = ok[condition.outcome].to_numpy(float)
    keep = np.isfinite(values)
    x = ok.loc[keep, sweep.factors].astype(float).reset_index(drop=True)
    y = np.asarray(condition.holds(values[keep]), dtype=bool)
    share = float(y.mean()) if y.size else math.nan
    if y.size < 10:
        return f"{condition}: too few finished runs ({y.size}) to look for a box"
    if not y.any() or y.all():
        return f"{condition}: holds in {'every' if y.all() else 'no'} run; there is no box to find"
    found: list[Discovery] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        finder = prim.Prim(x, y.astype(float), threshold=min_density, threshold_type=">")
        while len(found) < max_boxes:
            box = finder.find_box()
            if box is None:
                break
            trajectory = pd.DataFrame(box.peeling_trajectory).reset_index(drop=True)
            trajectory = trajectory.rename(columns={"res dim": "res_dim"})
            dense = trajectory[trajectory["density"] >= min_density]
            if found and dense.empty:
                break  # what is left of the runs of interest is not concentrated anywhere
            best = dense["coverage"].idxmax() if len(dense) else trajectory["density"].idxmax()
            chosen = int(best)
            box.select(chosen)
            limits = box.limits.reset_index().rename(columns={"index": "factor"})
            step = trajectory.iloc[chosen]
            found.append(
                Discovery(
                    condition=str(condition),
                    share=share,
                    limits=limits[["factor", "min", "max"]],
                    coverage=float(step["coverage"]),
                    density=float(step["density"]),
                    mass=float(step["mass"]),
                    trajectory=trajectory[["coverage", "density", "mass", "res_dim"]],
                    chosen=chosen,
                )
            )
            if dense.empty:
                break
    return found
