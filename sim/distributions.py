"""Distributions of incident severity, by name: a scenario says ``severity = {kind = "beta", ...}``.

Severity is a number in [0, 1]: 0 a trifle, 1 the gravest grievance. It is Epstein's (2002)
hardship H of the issue: the spreading rule scales with it (see ``sim.citizens``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.params import param, probability
from sim.registry import Registry

SEVERITY: Registry = Registry("severity distribution")


@SEVERITY.register("beta")
class Beta:
    """Beta(a, b) on [0, 1]: the default, skewed to mild issues with a tail of grave ones."""

    @dataclass(frozen=True)
    class Params:
        a: float = param(2.0, "first shape parameter (> 0)", gt=0.0)
        b: float = param(5.0, "second shape parameter (> 0)", gt=0.0)

    @staticmethod
    def sample(params: Params, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` severities drawn from Beta(a, b)."""
        return rng.beta(params.a, params.b, size=size)


@SEVERITY.register("uniform")
class Uniform:
    """Uniform on [low, high]."""

    @dataclass(frozen=True)
    class Params:
        low: float = probability(0.0, "smallest severity, in [0, 1]")
        high: float = probability(1.0, "largest severity, in [0, 1] and >= low")

        def problems(self) -> list[tuple[str, str]]:
            """Cross-key checks: (key, message) for each rule broken."""
            if self.high < self.low:
                return [("high", f"must be >= low ({self.low}), got {self.high}")]
            return []

    @staticmethod
    def sample(params: Params, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` severities drawn uniformly from [low, high]."""
        return rng.uniform(params.low, params.high, size=size)


@SEVERITY.register("constant")
class Constant:
    """Every incident has the same severity: for reductions and controlled comparisons."""

    @dataclass(frozen=True)
    class Params:
        value: float = probability(0.5, "the severity of every incident, in [0, 1]")

    @staticmethod
    def sample(params: Params, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` copies of ``value`` (draws nothing from ``rng``)."""
        return np.full(size, params.value, dtype=float)
