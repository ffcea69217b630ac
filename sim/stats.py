"""Statistics for comparing runs: confidence intervals of means and of paired differences.

Replicates of two designs that share their seeds meet the same simulated worlds (common
random numbers), so designs are compared world by world: the paired difference removes
the variation between worlds and its interval is much narrower than the difference of
two independent means. Every function here ignores NaN (a run with no resolved case has
no response time) and says how many values it used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as _stats

__all__ = ["PairedDifference", "mean_ci", "paired_difference"]


def _finite(values: object) -> np.ndarray:
    array = np.asarray(values, dtype=float).ravel()
    return array[np.isfinite(array)]


def mean_ci(
    values: object, level: float = 0.95, n_boot: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """Mean and bootstrap percentile interval: ``(mean, low, high)``; NaN where undefined.

    The bootstrap draws from its own seeded generator, so the same values always give the
    same interval. One value gives ``(value, nan, nan)``; none gives three NaN.
    """
    x = _finite(values)
    if x.size == 0:
        return (math.nan, math.nan, math.nan)
    mean = float(x.mean())
    if x.size == 1 or np.all(x == x[0]):
        return (mean, math.nan, math.nan) if x.size == 1 else (mean, mean, mean)
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, x.size, size=(n_boot, x.size))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return (mean, float(low), float(high))


@dataclass(frozen=True)
class PairedDifference:
    """``b - a`` over the worlds where both are defined, with a Student-t interval.

    Attributes:
        mean: mean of ``b - a``.
        low, high: the ``level`` confidence interval of that mean (NaN with fewer than two
            pairs; equal to ``mean`` when every difference is the same).
        n: pairs used (both values finite).
        b_higher, a_higher, ties: how many worlds had ``b > a``, ``b < a`` and ``b == a``.
        level: the confidence level.
    """

    mean: float
    low: float
    high: float
    n: int
    b_higher: int
    a_higher: int
    ties: int
    level: float = 0.95

    @property
    def significant(self) -> bool:
        """True when the interval excludes zero."""
        return bool(self.n >= 2 and (self.low > 0 or self.high < 0))


def paired_difference(a: object, b: object, level: float = 0.95) -> PairedDifference:
    """The paired difference ``b - a`` of two equally long series (pair i = world i)."""
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError(f"paired series differ in length: {a.size} and {b.size}")
    keep = np.isfinite(a) & np.isfinite(b)
    d = b[keep] - a[keep]
    n = int(d.size)
    counts = {"b_higher": int((d > 0).sum()), "a_higher": int((d < 0).sum())}
    counts["ties"] = n - counts["b_higher"] - counts["a_higher"]
    if n == 0:
        return PairedDifference(math.nan, math.nan, math.nan, 0, level=level, **counts)
    mean = float(d.mean())
    if n == 1:
        return PairedDifference(mean, math.nan, math.nan, 1, level=level, **counts)
    se = float(d.std(ddof=1)) / math.sqrt(n)
    half = float(_stats.t.ppf((1 + level) / 2, n - 1)) * se
    return PairedDifference(mean, mean - half, mean + half, n, level=level, **counts)
