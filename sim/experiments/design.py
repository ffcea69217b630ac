"""Designs: which combinations of factor values (cells) an experiment runs.

A design is a name in the experiment file (``[design] kind = "sobol"``) and a small class
behind the :data:`DESIGNS` registry, with its keys in a nested ``Params`` and a
``matrix(factors, params, seed)`` that returns one row per cell (factor values in the
factors' order). The sampled designs use SALib's samplers, not our own, so that SALib's
analysers can read the results back in the same order.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.params import param
from sim.registry import Registry

if TYPE_CHECKING:
    from sim.experiments.spec import Experiment, Factor

DESIGNS: Registry[Any] = Registry("design")


@DESIGNS.register("grid")
class Grid:
    """Full factorial: every combination of every factor's levels, the first factor slowest."""

    @staticmethod
    def matrix(factors: tuple[Factor, ...], params: Any, seed: int) -> list[tuple]:
        return list(itertools.product(*(f.levels for f in factors)))


@DESIGNS.register("lhs")
class LatinHypercube:
    """Latin hypercube over the factors' ranges (SALib's ``latin`` sampler)."""

    @dataclasses.dataclass(frozen=True)
    class Params:
        samples: int = param(50, "points of the hypercube, each a cell", ge=2)

    @staticmethod
    def matrix(factors: tuple[Factor, ...], params: Any, seed: int) -> np.ndarray:
        from SALib.sample import latin

        return latin.sample(problem(factors), params.samples, seed=seed)


@DESIGNS.register("sobol")
class Sobol:
    """Saltelli's scheme for Sobol indices (SALib's ``sobol`` sampler).

    N base samples give N (D + 2) cells for D factors, N (2D + 2) with second order.
    """

    @dataclasses.dataclass(frozen=True)
    class Params:
        samples: int = param(64, "base samples N, a power of 2", ge=2)
        second_order: bool = param(False, "also estimate second-order indices")

        def problems(self) -> list[tuple[str, str]]:
            n = self.samples
            if n & (n - 1):
                return [("samples", f"must be a power of 2 (Sobol' sequence), got {n}")]
            return []

    @staticmethod
    def matrix(factors: tuple[Factor, ...], params: Any, seed: int) -> np.ndarray:
        from SALib.sample import sobol

        return sobol.sample(
            problem(factors), params.samples, calc_second_order=params.second_order, seed=seed
        )


@DESIGNS.register("morris")
class Morris:
    """Morris elementary effects: one-at-a-time trajectories (SALib's ``morris`` sampler).

    R trajectories give R (D + 1) cells for D factors.
    """

    @dataclasses.dataclass(frozen=True)
    class Params:
        trajectories: int = param(10, "trajectories R", ge=2)
        levels: int = param(4, "grid levels of each factor's range (even)", ge=2)

        def problems(self) -> list[tuple[str, str]]:
            if self.levels % 2:
                return [("levels", f"must be even, got {self.levels}")]
            return []

    @staticmethod
    def matrix(factors: tuple[Factor, ...], params: Any, seed: int) -> np.ndarray:
        from SALib.sample import morris

        return morris.sample(
            problem(factors), params.trajectories, num_levels=params.levels, seed=seed
        )


def problem(factors: tuple[Factor, ...]) -> dict[str, Any]:
    """SALib's problem dict for the factors' ranges."""
    return {
        "num_vars": len(factors),
        "names": [f.name for f in factors],
        "bounds": [[f.low, f.high] for f in factors],
    }


def cells(experiment: Experiment) -> list[dict[str, Any]]:
    """Every cell of the experiment: factor name -> value, in the design's order.

    Sampled values of ``integer`` factors are rounded; others are plain Python floats.
    A grid factor whose levels mix integers and floats gets floats throughout, so every
    run's record has the same column types.
    """
    entry = DESIGNS.get(experiment.design.kind)
    rows = entry.matrix(experiment.factors, experiment.design.params, experiment.seed)
    floats = {
        f.name
        for f in experiment.factors
        if any(isinstance(v, float) for v in f.levels)
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in f.levels)
    }
    out = []
    for row in rows:
        values: dict[str, Any] = {}
        for factor, value in zip(experiment.factors, row, strict=True):
            if factor.sampled:
                value = round(float(value)) if factor.integer else float(value)
            elif factor.name in floats:
                value = float(value)
            values[factor.name] = value
        out.append(values)
    return out
