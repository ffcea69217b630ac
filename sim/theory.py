"""Closed forms that parts of the model reduce to; the test suite checks the model against them.

With the government switched off, incidents only at the start, fixed trust and spreading
reduced to a constant per-edge probability, attention spreading is a discrete-time SIR on
the network, which maps onto bond percolation (Grassberger 1983; Newman 2002).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def transmissibility(p: float, r: float) -> float:
    """Chance that an engaged citizen ever passes the issue to a given neighbour.

    Each hour it transmits with probability ``p`` and then calms with probability ``r``,
    so T = sum_t p (1-p)^(t-1) (1-r)^(t-1) = p / (p + r - p r) (Newman 2002, discrete time).

    Args:
        p: per-edge transmission probability per hour, in [0, 1].
        r: calming probability per hour, in (0, 1].
    """
    if not (0 <= p <= 1 and 0 < r <= 1):
        raise ValueError(f"need 0 <= p <= 1 and 0 < r <= 1, got p={p}, r={r}")
    return p / (p + r - p * r)


def _bisect(f: Callable[[float], float], lo: float, hi: float, tol: float = 1e-12) -> float:
    flo = f(lo)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        fmid = f(mid)
        if (fmid > 0) == (flo > 0):
            lo, flo = mid, fmid
        else:
            hi = mid
        if hi - lo < tol:
            break
    return 0.5 * (lo + hi)


def final_size_poisson(mean_degree: float, t: float) -> float:
    """Share ever engaged in a large outbreak on a Poisson (Erdos-Renyi) network.

    The positive root of z = 1 - exp(-<k> T z) (mean field for Poisson degrees; Newman
    2002 eq. 13 with G0 = G1 = exp(<k>(x - 1))); 0 at or below the threshold <k> T = 1.
    """
    r0 = mean_degree * t
    if r0 <= 1:
        return 0.0
    return _bisect(lambda z: 1 - np.exp(-r0 * z) - z, 1e-9, 1.0)


def final_size_network(degrees: np.ndarray, t: float) -> float:
    """Share ever engaged in a large outbreak on a configuration-model network.

    Bond percolation with occupation T on a network with this degree sequence (Newman
    2002): u = G1(1 - T + T u), S = 1 - G0(1 - T + T u), with G0, G1 the generating
    functions of the degree and excess-degree distributions.

    Args:
        degrees: the degree of every citizen.
        t: per-edge transmissibility, see :func:`transmissibility`.
    """
    k = np.asarray(degrees, dtype=np.float64)
    mean = k.mean()
    if mean == 0:
        return 0.0

    def g0(x: float) -> float:
        return float(np.mean(x**k))

    def g1(x: float) -> float:
        return float(np.sum(k * x ** np.maximum(k - 1, 0)) / k.sum())

    # u = G1(1 - T + T u): the smallest root in [0, 1); u = 1 is always a root.
    u = 0.0
    for _ in range(10_000):
        new = g1(1 - t + t * u)
        if abs(new - u) < 1e-13:
            break
        u = new
    if u > 1 - 1e-9:
        return 0.0
    return 1 - g0(1 - t + t * u)


def epidemic_threshold(degrees: np.ndarray) -> float:
    """Critical transmissibility T_c = <k> / (<k^2> - <k>) of a network (Newman 2002).

    Below it outbreaks stay small (a vanishing share of the population); above it a
    finite share can be reached. On scale-free networks <k^2> grows with N and T_c falls
    towards 0 (Pastor-Satorras & Vespignani 2001).
    """
    k = np.asarray(degrees, dtype=np.float64)
    k1, k2 = k.mean(), (k**2).mean()
    return float(k1 / (k2 - k1)) if k2 > k1 else float("inf")
