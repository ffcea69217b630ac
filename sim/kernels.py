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
        m = _open_row(frontier[f], indptr, indices, state, issue, dst_out, m)
        row_end[f] = m
    return m


@numba.njit(cache=True, nogil=True, inline="always")
def _open_row(
    i: int,
    indptr: np.ndarray,
    indices: np.ndarray,
    state: np.ndarray,
    issue: np.ndarray,
    dst_out: np.ndarray,
    m: int,
) -> int:
    """Citizen ``i``'s open ties, written to ``dst_out`` from ``m`` on; returns the new end."""
    k = issue[i]
    for e in range(indptr[i], indptr[i + 1]):
        j = indices[e]
        s = state[j]
        if s == CALM or (s == SETTLED and issue[j] != k):
            dst_out[m] = j
            m += 1
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
    rule: tuple,
    hit_dst: np.ndarray,
    hit_k: np.ndarray,
) -> int:
    """The open ties (from :func:`open_ties`) over which the issue passes, given uniforms ``u``.

    The chance of a tie is the product of :class:`sim.citizens.SpreadParams` (``rule`` is
    its ``coefficients()``), multiplied left to right as the numpy rule does (a factor of
    exactly 1 where a mechanism is off leaves the product unchanged), and the issue passes
    when ``u < p``. When trust damping and word of mouth are in [0, 1] (so the neighbour's
    two factors are in [0, 1]), ``source * voice`` is an upper bound of ``p`` in floating point too
    (rounding is monotone), and a tie whose ``u`` is above it is skipped without reading
    the neighbour's trust: the same decisions, with a fraction of the memory reads.

    Writes the neighbours reached and their issue, in tie order, to ``hit_dst`` and
    ``hit_k``; returns how many.
    """
    h = 0
    start = 0
    for f in range(frontier.size):
        end = row_end[f]
        h = _passed_row(
            frontier[f], start, end, dst, u, issue, activity, trust, online, severity, rule,
            hit_dst, hit_k, h,
        )  # fmt: skip
        start = end
    return h


@numba.njit(cache=True, nogil=True, inline="always")
def _passed_row(
    i: int,
    start: int,
    end: int,
    dst: np.ndarray,
    u: np.ndarray,
    issue: np.ndarray,
    activity: np.ndarray,
    trust: np.ndarray,
    online: np.ndarray,
    severity: np.ndarray,
    rule: tuple,
    hit_dst: np.ndarray,
    hit_k: np.ndarray,
    h: int,
) -> int:
    """Citizen ``i``'s open ties ``start:end``: those the issue passes over are written to
    ``hit_dst``/``hit_k`` from ``h`` on; returns the new end."""
    base_prob, severity_gain, trust_damping, word_of_mouth, amplification = rule
    bounded = 0.0 <= trust_damping <= 1.0 and 0.0 <= word_of_mouth <= 1.0
    k = issue[i]
    online_i = online[i]
    source = (base_prob * activity[i]) * (1.0 + severity_gain * severity[k])
    voice = 1.0 + amplification * (1.0 - trust[i]) * (1.0 if online_i else 0.0)
    bound = source * voice if bounded else np.inf
    for e in range(start, end):
        if u[e] < bound:
            j = dst[e]
            p = source * (1.0 - trust_damping * trust[j])
            p = p * (1.0 if (online_i and online[j]) else word_of_mouth)
            if u[e] < p * voice:
                hit_dst[h] = j
                hit_k[h] = k
                h += 1
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


# ----------------------------------------------------------------------------- threads
#
# At a million citizens an hour's frontier has about two million ties, and walking them is
# bound by memory latency, not arithmetic: two cores walking half each take about half the
# time. The parallel kernels cut the frontier into pieces of about equal ties, let each
# thread write its piece's results where the piece's ties begin, then close the gaps, so
# they return exactly what the serial kernels return, in the same order, whatever the
# number of threads. The caller draws the uniforms between the two passes, as before.

#: Below this many frontier ties an hour, the serial kernels are used (launching threads
#: costs more than it saves).
PARALLEL_MIN_TIES = 100_000


def threads() -> int:
    """Threads the spreading phase may use: ``GOVSIM_THREADS`` if set, else numba's count.

    Sweeps, comparisons and the view set ``GOVSIM_THREADS=1`` in their workers, which
    already keep every core busy (or, in the view, step models from several threads).
    """
    import os

    wanted = os.environ.get("GOVSIM_THREADS", "").strip()
    most = numba.config.NUMBA_NUM_THREADS
    if not wanted:
        return most
    try:
        return max(1, min(int(wanted), most))
    except ValueError:
        return 1


def chunks_for(ties: int) -> int:
    """Pieces to cut an hour's frontier into: 1 (serial) for few ties or one thread."""
    n = threads()
    if n <= 1 or ties < PARALLEL_MIN_TIES:
        return 1
    numba.set_num_threads(n)
    return 8 * n


@numba.njit(cache=True, nogil=True)
def _cut(ends: np.ndarray, chunks: int) -> np.ndarray:
    """Positions cutting ``0..ends.size`` into ``chunks`` pieces of about equal work, where
    ``ends`` is the running total of work at each position's end (non-decreasing)."""
    n = ends.size
    bounds = np.empty(chunks + 1, np.int64)
    for c in range(chunks):
        bounds[c] = np.searchsorted(ends, (ends[n - 1] * c) // chunks) if n else 0
    bounds[0] = 0
    bounds[chunks] = n
    for c in range(1, chunks + 1):  # monotone, whatever searchsorted did with ties
        bounds[c] = max(bounds[c], bounds[c - 1])
    return bounds


@numba.njit(cache=True, nogil=True)
def _close_gaps(
    bounds: np.ndarray, start: np.ndarray, count: np.ndarray, a: np.ndarray, b: np.ndarray
) -> int:
    """Move each piece's ``count[c]`` results from ``start[c]`` down to follow the previous
    piece's, in ``a`` (and ``b`` if it has entries); returns how many results in all."""
    m = 0
    for c in range(bounds.size - 1):
        lo = start[c]
        if lo != m:
            for x in range(count[c]):
                a[m + x] = a[lo + x]
            if b.size:
                for x in range(count[c]):
                    b[m + x] = b[lo + x]
        m += count[c]
    return m


@numba.njit(cache=True, nogil=True, parallel=True)
def open_ties_parallel(
    frontier: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    state: np.ndarray,
    issue: np.ndarray,
    dst_out: np.ndarray,
    row_end: np.ndarray,
    chunks: int,
) -> int:
    """:func:`open_ties` on several threads: the same ties in the same order."""
    n = frontier.size
    first = np.empty(n + 1, np.int64)  # each position's first tie among the frontier's
    first[0] = 0
    for f in range(n):
        i = frontier[f]
        first[f + 1] = first[f] + indptr[i + 1] - indptr[i]
    bounds = _cut(first[1:], chunks)
    start = np.empty(chunks, np.int64)
    count = np.empty(chunks, np.int64)
    for c in numba.prange(chunks):
        m = first[bounds[c]]
        start[c] = m
        for f in range(bounds[c], bounds[c + 1]):
            m = _open_row(frontier[f], indptr, indices, state, issue, dst_out, m)
            row_end[f] = m
        count[c] = m - start[c]
    m = 0
    for c in range(chunks):  # row ends follow their ties down
        shift = start[c] - m
        if shift:
            for f in range(bounds[c], bounds[c + 1]):
                row_end[f] -= shift
        m += count[c]
    return _close_gaps(bounds, start, count, dst_out, dst_out[:0])


@numba.njit(cache=True, nogil=True, parallel=True)
def passed_on_parallel(
    frontier: np.ndarray,
    row_end: np.ndarray,
    dst: np.ndarray,
    u: np.ndarray,
    issue: np.ndarray,
    activity: np.ndarray,
    trust: np.ndarray,
    online: np.ndarray,
    severity: np.ndarray,
    rule: tuple,
    hit_dst: np.ndarray,
    hit_k: np.ndarray,
    chunks: int,
) -> int:
    """:func:`passed_on` on several threads: the same hits in the same order.

    ``hit_dst`` and ``hit_k`` must hold as many entries as there are open ties.
    """
    bounds = _cut(row_end, chunks)  # pieces of about equal open ties
    start = np.empty(chunks, np.int64)
    count = np.empty(chunks, np.int64)
    for c in numba.prange(chunks):
        lo = bounds[c]
        tie = row_end[lo - 1] if lo > 0 else 0
        start[c] = tie
        h = tie
        for f in range(lo, bounds[c + 1]):
            end = row_end[f]
            h = _passed_row(
                frontier[f], tie, end, dst, u, issue, activity, trust, online, severity, rule,
                hit_dst, hit_k, h,
            )  # fmt: skip
            tie = end
        count[c] = h - start[c]
    return _close_gaps(bounds, start, count, hit_dst, hit_k)


@numba.njit(cache=True, nogil=True, parallel=True)
def neighbour_mean_parallel(
    indptr: np.ndarray, indices: np.ndarray, values: np.ndarray, block: int
) -> np.ndarray:
    """:func:`neighbour_mean` with the neighbours' values read on several threads.

    The reads (random, so bound by memory latency) go to a buffer a block of rows at a
    time, in parallel; the running sum then adds the buffer in tie order on one thread,
    the same additions in the same order, so the means are the same to the bit.
    """
    n = indptr.size - 1
    out = np.empty(n, np.float64)
    most = 0
    for i in range(n):
        most = max(most, indptr[i + 1] - indptr[i])
    buf = np.empty(max(block, most), np.float64)
    running = 0.0
    lo = 0
    while lo < n:
        hi = lo + 1  # rows lo..hi-1 whose ties fit in the buffer
        while hi < n and indptr[hi + 1] - indptr[lo] <= buf.size:
            hi += 1
        first = indptr[lo]
        for e in numba.prange(indptr[hi] - first):
            buf[e] = values[indices[first + e]]
        for i in range(lo, hi):
            before = running
            for e in range(indptr[i] - first, indptr[i + 1] - first):
                running += buf[e]
            degree = indptr[i + 1] - indptr[i]
            out[i] = (running - before) / degree if degree > 0 else values[i]
        lo = hi
    return out


@numba.njit(cache=True, nogil=True)
def unfiled(
    engaged: np.ndarray,
    demand: np.ndarray,
    filed_for: np.ndarray,
    filed_at: np.ndarray,
    now: float,
    refile_after_hours: float,
    no_issue: int,
) -> np.ndarray:
    """The engaged citizens holding a demand they have not filed, or filed at least
    ``refile_after_hours`` ago, in the order of ``engaged``: one pass, no temporaries."""
    out = np.empty(engaged.size, engaged.dtype)
    m = 0
    for f in range(engaged.size):
        i = engaged[f]
        d = demand[i]
        if d != no_issue and (filed_for[i] != d or (now - filed_at[i]) >= refile_after_hours):
            out[m] = i
            m += 1
    return out[:m]
