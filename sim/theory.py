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


# ----------------------------------------------------------------------------- queues
#
# With Poisson filings, exponential service (skill 0.5 for everyone, so the mean is
# ``service_hours``), FIFO queues and no bouncing, a desk of the response organisation is
# Erlang's M/M/c queue, and a case climbing a hierarchy passes through M/M/c queues in
# series. The closed forms below are what ``scenarios/reductions/mmc.toml``,
# ``pooling.toml`` and ``tandem.toml`` reduce to (tests/test_queues.py).


def _check_queue(arrival_rate: float, service_rate: float, c: int) -> None:
    if isinstance(c, bool) or int(c) != c or c < 1:
        raise ValueError(f"need a whole number of servers c >= 1, got c={c}")
    if not (arrival_rate >= 0 and service_rate > 0):
        raise ValueError(
            f"need arrival_rate >= 0 and service_rate > 0, got {arrival_rate} and {service_rate}"
        )
    rho = arrival_rate / (c * service_rate)
    if rho >= 1:
        raise ValueError(
            f"unstable queue: utilisation rho = lambda / (c mu) = {arrival_rate} / "
            f"({int(c)} * {service_rate}) = {rho:.4g} >= 1, so the queue grows without bound "
            "and has no mean wait"
        )


def erlang_c(c: int, offered_load: float) -> float:
    """Probability that an arrival has to wait in an M/M/c queue (Erlang's C formula).

    Erlang (1917) C(c, a) = [a^c / c! / (1 - rho)] / [sum_{k<c} a^k / k! + a^c / c! / (1 - rho)]
    with offered load a = lambda / mu (in erlangs) and rho = a / c (Kleinrock 1975,
    "Queueing Systems" vol. 1, ch. 3, the M/M/m queue). Computed without factorials, so it
    stays exact for hundreds of servers: Erlang's B (loss) formula by its recursion
    B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)), then C = B / (1 - rho (1 - B)).

    Args:
        c: number of servers, a whole number >= 1.
        offered_load: a = arrival rate / service rate, with 0 <= a < c.

    Returns:
        The probability of waiting, in [0, 1); for c = 1 it is rho.

    Raises:
        ValueError: c is not a whole number >= 1, or the load is negative or a >= c (the
            queue is unstable and every arrival eventually waits).
    """
    if isinstance(c, bool) or int(c) != c or c < 1:
        raise ValueError(f"need a whole number of servers c >= 1, got c={c}")
    c = int(c)
    a = float(offered_load)
    if a < 0:
        raise ValueError(f"need offered_load >= 0, got {offered_load}")
    if a >= c:
        raise ValueError(f"unstable queue: offered load {a:.4g} erlangs >= {c} servers (rho >= 1)")
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    return b / (1 - rho * (1 - b))


def mmc_wait(arrival_rate: float, service_rate: float, c: int) -> float:
    """Mean wait in queue W_q of an M/M/c queue (before service starts).

    W_q = C(c, a) / (c mu - lambda), with C Erlang's C formula (:func:`erlang_c`;
    Erlang 1917; Kleinrock 1975, "Queueing Systems" vol. 1, ch. 3). For c = 1 it is
    the M/M/1 wait rho / (mu - lambda).

    Args:
        arrival_rate: lambda, arrivals per unit time (Poisson).
        service_rate: mu, services per unit time of one server (exponential service).
        c: number of servers.

    Raises:
        ValueError: when rho = lambda / (c mu) >= 1 (unstable), the arrival rate is negative,
            the service rate is not positive or c is not a whole number >= 1.
    """
    _check_queue(arrival_rate, service_rate, c)
    return erlang_c(int(c), arrival_rate / service_rate) / (c * service_rate - arrival_rate)


def mmc_sojourn(arrival_rate: float, service_rate: float, c: int) -> float:
    """Mean time in an M/M/c queue, waiting plus service: W = W_q + 1 / mu (Kleinrock 1975).

    Args:
        arrival_rate: lambda, arrivals per unit time.
        service_rate: mu, services per unit time of one server.
        c: number of servers.

    Raises:
        ValueError: when rho = lambda / (c mu) >= 1 (unstable).
    """
    return mmc_wait(arrival_rate, service_rate, c) + 1 / service_rate


def mmc_queue_length(arrival_rate: float, service_rate: float, c: int) -> float:
    """Mean number waiting in an M/M/c queue, by Little's law: L_q = lambda W_q (Little 1961).

    Little (1961) showed L = lambda W for any stable queue in steady state, whatever the
    arrival and service laws; applied to the waiting room it gives L_q = lambda W_q.

    Args:
        arrival_rate: lambda, arrivals per unit time.
        service_rate: mu, services per unit time of one server.
        c: number of servers.

    Raises:
        ValueError: when rho = lambda / (c mu) >= 1 (unstable).
    """
    return arrival_rate * mmc_wait(arrival_rate, service_rate, c)


def tandem_sojourn(arrival_rate: float, stages: list[tuple[float, int]]) -> float:
    """Mean time through M/M/c queues in series fed by a Poisson stream (a Jackson network).

    Burke (1956): the departures of a stable M/M/c queue in steady state are a Poisson
    stream of the same rate, so every stage of the tandem sees Poisson arrivals at rate
    lambda; Jackson (1957): the stages' queue lengths are then independent and each is that
    of an M/M/c queue on its own (product form). The mean time through is the sum of the
    stages' M/M/c sojourns, sum_i [W_q(lambda, mu_i, c_i) + 1 / mu_i].

    Args:
        arrival_rate: lambda, arrivals per unit time at the first stage.
        stages: (service_rate, c) of each stage, in the order a case passes them.

    Raises:
        ValueError: no stages, or a stage with lambda / (c mu) >= 1 (the message names it).
    """
    if not stages:
        raise ValueError("need at least one stage, got none")
    total = 0.0
    for i, (service_rate, c) in enumerate(stages):
        try:
            total += mmc_sojourn(arrival_rate, service_rate, c)
        except ValueError as exc:
            raise ValueError(f"stage {i}: {exc}") from None
    return total
