"""Compiled inner loops of the citizens' phases (numba), for populations of millions.

The spreading kernels do in two passes over the engaged frontier's ties what the array
code they replace did in about ten numpy passes, with the same floating-point operations
in the same order, so a run gives bit-for-bit the results it gave before
(``tests/test_kernels.py`` pins this against the plain numpy rules). Kernels draw no
random numbers: the caller draws from the phase's stream with numpy, in the same amounts
and order as before.

Imported on first use (``sim.citizens``), so commands that do not simulate never load
numba. Compiled once per machine and cached on disk (numba's ``cache=True``); a process
still pays about half a second to load numba and the cached code.
"""

from __future__ import annotations

import numba
import numpy as np

CALM, ENGAGED, SETTLED = 0, 1, 2


@numba.njit(cache=True, nogil=True)
def open_ties(
    frontier: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    state: np.ndarray,
    issue: np.ndarray,
    dst_out: np.ndarray,
    row_end: np.ndarray,
) -> int:
    """The ties from the frontier to citizens open to the issue, in the numpy rule's order.

    Ties come in the order of ``frontier`` and, within one citizen, of its sorted
    neighbours. A neighbour ``j`` is open to issue ``k`` when calm, or settled about
    another issue. Writes the neighbours to ``dst_out`` (which must hold the frontier's
    total degree) and, for each frontier position, the end of its ties to ``row_end``;
    returns how many ties there are.
    """
    m = 0
    for f in range(frontier.size):
        i = frontier[f]
        k = issue[i]
        for e in range(indptr[i], indptr[i + 1]):
            j = indices[e]
            s = state[j]
            if s == CALM or (s == SETTLED and issue[j] != k):
                dst_out[m] = j
                m += 1
        row_end[f] = m
    return m


@numba.njit(cache=True, nogil=True)
def passed_on(
    frontier: np.ndarray,
    row_end: np.ndarray,
    dst: np.ndarray,
    u: np.ndarray,
    issue: np.ndarray,
    activity: np.ndarray,
    trust: np.ndarray,
    online: np.ndarray,
    severity: np.ndarray,
    base_prob: float,
    severity_gain: float,
    trust_damping: float,
    word_of_mouth: float,
    amplification: float,
    bounded: bool,
    hit_dst: np.ndarray,
    hit_k: np.ndarray,
) -> int:
    """The open ties (from :func:`open_ties`) over which the issue passes, given uniforms ``u``.

    The chance of a tie is the product of :class:`sim.citizens.SpreadParams`, multiplied
    left to right as the numpy rule does (a factor of exactly 1 where a mechanism is off
    leaves the product unchanged), and the issue passes when ``u < p``. With ``bounded``
    (trust damping and word of mouth in [0, 1], so the neighbour's two factors are in
    [0, 1]), ``source * voice`` is an upper bound of ``p`` in floating point too
    (rounding is monotone), and a tie whose ``u`` is above it is skipped without reading
    the neighbour's trust: the same decisions, with a fraction of the memory reads.

    Writes the neighbours reached and their issue, in tie order, to ``hit_dst`` and
    ``hit_k``; returns how many.
    """
    h = 0
    start = 0
    for f in range(frontier.size):
        i = frontier[f]
        k = issue[i]
        online_i = online[i]
        source = (base_prob * activity[i]) * (1.0 + severity_gain * severity[k])
        voice = 1.0 + amplification * (1.0 - trust[i]) * (1.0 if online_i else 0.0)
        bound = source * voice if bounded else np.inf
        end = row_end[f]
        for e in range(start, end):
            if u[e] < bound:
                j = dst[e]
                p = source * (1.0 - trust_damping * trust[j])
                p = p * (1.0 if (online_i and online[j]) else word_of_mouth)
                if u[e] < p * voice:
                    hit_dst[h] = j
                    hit_k[h] = k
                    h += 1
        start = end
    return h


@numba.njit(cache=True, nogil=True)
def erode_trust(
    trust: np.ndarray,
    demand: np.ndarray,
    waiting: np.ndarray,
    u: np.ndarray,
    give_up_prob: float,
    erosion: float,
    give_up_loss: float,
    no_issue: int,
) -> None:
    """One hour of erosion and giving up for the citizens ``waiting`` on a demand.

    Each loses ``erosion``; those with ``u < give_up_prob`` also lose ``give_up_loss``
    and drop their demand; trust is then clipped to [0, 1]. Only these citizens' trust
    changes, so clipping them alone is clipping everyone (trust is kept in [0, 1]).
    """
    for w in range(waiting.size):
        i = waiting[w]
        t = trust[i] - erosion
        if u[w] < give_up_prob:
            t = t - give_up_loss
            demand[i] = no_issue
        trust[i] = min(max(t, 0.0), 1.0)


@numba.njit(cache=True, nogil=True)
def neighbour_mean(indptr: np.ndarray, indices: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Mean of ``values`` over each citizen's neighbours (own value for the isolated).

    Row totals are differences of one running sum over all ties, in tie order, as the
    numpy rule computed them (``np.cumsum``), so the results are the same to the bit.
    """
    n = indptr.size - 1
    out = np.empty(n, np.float64)
    running = 0.0
    for i in range(n):
        before = running
        for e in range(indptr[i], indptr[i + 1]):
            running += values[indices[e]]
        degree = indptr[i + 1] - indptr[i]
        out[i] = (running - before) / degree if degree > 0 else values[i]
    return out


@numba.njit(cache=True, nogil=True)
def pull_trust(trust: np.ndarray, target: np.ndarray, up: float, down: float) -> None:
    """Move trust towards ``target`` by ``up`` of the gap upwards, ``down`` downwards; clip."""
    for i in range(trust.size):
        gap = target[i] - trust[i]
        weight = up if gap > 0 else down
        trust[i] = min(max(trust[i] + weight * gap, 0.0), 1.0)
