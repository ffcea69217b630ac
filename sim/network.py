"""The citizens' social network: a compact undirected graph and the builders that make one.

A :class:`Network` stores an undirected simple graph in compressed sparse row (CSR) form,
the layout the spreading phase reads: the neighbours of citizen ``i`` are
``indices[indptr[i]:indptr[i + 1]]``, sorted ascending, and every edge is stored in both
directions. :func:`from_edges` turns any edge list into that form.

A scenario chooses how the network is built with ``network.kind``; the choices live in
:data:`BUILDERS`. Each builder is a class with a frozen ``Params`` dataclass (the scenario
keys it accepts beside ``kind``) and a static ``build(n, params, rng, base_dir)`` method.
Builders are vectorised, draw all randomness from ``rng`` and do no O(n^2) work: a
million citizens with mean degree 10 take a few seconds at most.
"""

import math
import operator
import pathlib
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.errors import InputError
from sim.params import param, probability
from sim.registry import Registry

if TYPE_CHECKING:
    import networkx

__all__ = [
    "BUILDERS",
    "EdgeList",
    "ErdosRenyi",
    "Network",
    "NetworkError",
    "ScaleFree",
    "SmallWorld",
    "from_edges",
]

#: Largest population a network can hold: neighbour ids are stored as int32.
MAX_CITIZENS = np.iinfo(np.int32).max


class NetworkError(InputError):
    """A network that cannot be built: a malformed edge-list file, impossible parameters.

    The message is one line. Where a file is involved it reads
    ``<file>:<line>: <what is wrong>, got <value>`` (without ``:<line>`` when the problem
    is the file as a whole).
    """


@dataclass(frozen=True, eq=False)
class Network:
    """An undirected simple graph over citizens ``0..n-1`` in CSR form.

    The neighbours of ``i`` are ``indices[indptr[i]:indptr[i + 1]]``, sorted ascending.
    Every edge is stored in both directions; there are no self-loops and no duplicate
    edges. Build one with :func:`from_edges` or a builder from :data:`BUILDERS`, which
    guarantee these invariants; the constructor only checks shapes and dtypes. The arrays
    are read-only views.

    Attributes:
        indptr: int64, shape ``(n + 1,)``; row ``i`` occupies ``indptr[i]:indptr[i + 1]``.
        indices: int32, shape ``(2 * n_edges,)``; the neighbour ids, row after row.
    """

    indptr: np.ndarray
    indices: np.ndarray

    def __post_init__(self) -> None:
        indptr = _as_int_array(self.indptr, np.int64, "indptr")
        indices = _as_int_array(self.indices, np.int32, "indices")
        if indptr.ndim != 1 or indptr.size == 0 or indices.ndim != 1:
            raise NetworkError(
                "a Network needs a 1-D indptr of length n + 1 and 1-D indices, "
                f"got shapes {indptr.shape} and {indices.shape}"
            )
        if indptr[0] != 0 or indptr[-1] != indices.size:
            raise NetworkError(
                "indptr must start at 0 and end at len(indices), "
                f"got {int(indptr[0])} and {int(indptr[-1])} for {indices.size} indices"
            )
        if indices.size % 2:
            raise NetworkError(
                f"indices must hold every edge twice (an even count), got {indices.size}"
            )
        object.__setattr__(self, "indptr", _read_only(indptr))
        object.__setattr__(self, "indices", _read_only(indices))

    @property
    def n(self) -> int:
        """Number of citizens (nodes)."""
        return self.indptr.size - 1

    @property
    def n_edges(self) -> int:
        """Number of undirected edges (each stored twice in ``indices``)."""
        return self.indices.size // 2

    def degree(self) -> np.ndarray:
        """Number of neighbours of every citizen, int64 of shape ``(n,)``."""
        return np.diff(self.indptr)

    def mean_degree(self) -> float:
        """Mean number of neighbours per citizen (0.0 for an empty population)."""
        return self.indices.size / self.n if self.n else 0.0

    def neighbours(self, i: int) -> np.ndarray:
        """The neighbours of citizen ``i``, sorted ascending (a read-only view).

        Raises:
            IndexError: ``i`` is not in ``0..n-1``.
        """
        if not 0 <= i < self.n:
            raise IndexError(f"citizen {i} is not in 0..{self.n - 1}")
        return self.indices[self.indptr[i] : self.indptr[i + 1]]

    def edge_endpoints(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """List every edge leaving the citizens ``rows``, as (source, target) arrays.

        ``rows`` may repeat and come in any order; a row listed twice contributes its
        edges twice. Sources come in the order of ``rows`` and, within one row, targets
        ascend. The work is O(len(rows) + sum of their degrees), never O(n): the CSR
        slices are gathered with one ``np.repeat`` of the row starts plus a running
        ``arange``.

        Args:
            rows: 1-D integer array of citizen ids.

        Returns:
            ``(src, dst)``: int64 sources and int32 targets of equal length.

        Raises:
            IndexError: a row is not in ``0..n-1``.
        """
        rows = np.asarray(rows)
        if rows.ndim != 1 or not (rows.size == 0 or np.issubdtype(rows.dtype, np.integer)):
            raise TypeError(
                f"rows must be a 1-D integer array, got {rows.dtype} of shape {rows.shape}"
            )
        rows = rows.astype(np.int64, copy=False)
        if rows.size == 0:
            return np.empty(0, np.int64), np.empty(0, np.int32)
        low, high = int(rows.min()), int(rows.max())
        if low < 0 or high >= self.n:
            raise IndexError(f"citizen {low if low < 0 else high} is not in 0..{self.n - 1}")
        starts = self.indptr[rows]
        counts = self.indptr[rows + 1] - starts
        src = np.repeat(rows, counts)
        # Output slot s of row block b holds indices[starts[b] + (s - first slot of b)].
        first_slot = np.cumsum(counts) - counts
        position = np.repeat(starts - first_slot, counts)
        position += np.arange(position.size, dtype=np.int64)
        return src, self.indices[position]

    def ball(
        self, start: int, size: int, rng: np.random.Generator, blocked: np.ndarray | None = None
    ) -> np.ndarray:
        """Up to ``size`` citizens nearest to ``start``, found breadth-first.

        Layer by layer from ``start``; the last layer is sampled at random (from ``rng``)
        to hit ``size`` exactly. Fewer come back only when the component (without the
        ``blocked`` citizens, a boolean mask) is smaller. O(size * degree), never O(n).
        """
        size = min(size, self.n)
        chosen = np.array([start], dtype=np.int64)
        layer = chosen
        while chosen.size < size and layer.size:
            _, nbrs = self.edge_endpoints(layer)
            nbrs = np.unique(nbrs).astype(np.int64)
            nbrs = nbrs[~np.isin(nbrs, chosen)]
            if blocked is not None:
                nbrs = nbrs[~blocked[nbrs]]
            if nbrs.size > size - chosen.size:
                nbrs = rng.choice(nbrs, size=size - chosen.size, replace=False)
            chosen = np.concatenate([chosen, nbrs])
            layer = nbrs
        return chosen

    def to_networkx(self, nodes: np.ndarray | None = None) -> "networkx.Graph":
        """The graph as a ``networkx.Graph`` with citizen ids as node labels.

        For the view and for tests: it is slow for large graphs.

        Args:
            nodes: citizen ids; when given, the subgraph induced on them (isolated ones
                included), otherwise the whole network.
        """
        import networkx

        if nodes is None:
            nodes = np.arange(self.n, dtype=np.int64)
        else:
            nodes = np.unique(np.asarray(nodes, dtype=np.int64))
        src, dst = self.edge_endpoints(nodes)
        member = np.zeros(self.n, dtype=bool)
        member[nodes] = True
        keep = member[dst] & (src < dst)
        graph = networkx.Graph()
        graph.add_nodes_from(nodes.tolist())
        graph.add_edges_from(zip(src[keep].tolist(), dst[keep].tolist(), strict=True))
        return graph


def _as_int_array(values: np.ndarray, dtype: type[np.integer], name: str) -> np.ndarray:
    """``values`` as an array of ``dtype``, refusing non-integers and values that overflow."""
    array = np.asarray(values)
    if array.dtype == dtype:
        return array
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise NetworkError(f"{name} must hold integers, got dtype {array.dtype}")
    info = np.iinfo(dtype)
    if array.size and (array.min() < info.min or array.max() > info.max):
        raise NetworkError(f"{name} does not fit in {np.dtype(dtype).name}")
    return array.astype(dtype)


def _read_only(array: np.ndarray) -> np.ndarray:
    """A read-only view of ``array`` (the caller's array stays writeable)."""
    view = array.view()
    view.flags.writeable = False
    return view


def _check_population(n: int) -> int:
    """``n`` as an int, or NetworkError when it cannot be a population size."""
    try:
        size = operator.index(n)
    except TypeError:
        size = -1
    if not 0 <= size <= MAX_CITIZENS:
        raise NetworkError(f"the population must be a whole number in 0..{MAX_CITIZENS}, got {n!r}")
    return size


def from_edges(n: int, u: np.ndarray, v: np.ndarray) -> Network:
    """Build a :class:`Network` on ``n`` citizens from an undirected edge list.

    Edge ``k`` joins ``u[k]`` and ``v[k]``; direction does not matter. Self-loops are
    dropped, duplicate edges (either direction) kept once, every edge is stored both
    ways and neighbour lists are sorted. Vectorised: one sort of the ``2 * len(u)``
    int64 codes ``row * n + col``.

    Args:
        n: number of citizens; ids run over ``0..n-1``.
        u, v: 1-D integer arrays of equal length, the two ends of each edge.

    Raises:
        NetworkError: ``u`` and ``v`` differ in shape or are not integers, or an end is
            not in ``0..n-1``.
    """
    n = _check_population(n)
    u = np.asarray(u)
    v = np.asarray(v)
    if u.ndim != 1 or u.shape != v.shape:
        raise NetworkError(
            f"edge ends must be two 1-D arrays of equal length, got shapes {u.shape} and {v.shape}"
        )
    for ends in (u, v):
        if ends.size and not np.issubdtype(ends.dtype, np.integer):
            raise NetworkError(f"edge ends must be integer citizen ids, got dtype {ends.dtype}")
    if u.size:
        low = min(int(u.min()), int(v.min()))
        high = max(int(u.max()), int(v.max()))
        if low < 0 or high >= n:
            bad = low if low < 0 else high
            raise NetworkError(f"edge end {bad} is not a citizen: {_population(n)}")
    proper = u != v
    m = int(np.count_nonzero(proper))
    # Both directions' codes written straight into one array (no temporary per term):
    # at ten million citizens each array of codes is 0.8 GB.
    codes = np.empty(2 * m, dtype=np.int64)
    for half, (a, b) in enumerate(((u, v), (v, u)) if m else ()):
        out = codes[half * m : (half + 1) * m]
        out[:] = a[proper]
        out *= n
        out += b[proper]
    codes.sort()
    if codes.size:
        fresh = np.empty(codes.size, dtype=bool)
        fresh[0] = True
        np.not_equal(codes[1:], codes[:-1], out=fresh[1:])
        codes = codes[fresh]
        del fresh
    # Row and column of each code, a slice at a time, so that no full-size temporary
    # beyond the result is held.
    indices = np.empty(codes.size, dtype=np.int32)
    counts = np.zeros(n, dtype=np.int64)
    for start in range(0, codes.size, _SLICE):
        part = codes[start : start + _SLICE]
        rows = part // n
        counts += np.bincount(rows, minlength=n)
        rows *= n
        np.subtract(part, rows, out=rows)
        indices[start : start + part.size] = rows
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return Network(indptr, indices)


#: Codes decoded per slice by :func:`from_edges` (8 bytes each: 64 MB of temporaries).
_SLICE = 1 << 23


def _population(n: int) -> str:
    """Describes the valid citizen ids for error messages."""
    if n == 0:
        return "the population is empty"
    return f"the population has {n} citizens (ids 0..{n - 1})"


#: The network builders, by scenario name (``network.kind``).
BUILDERS: Registry[type] = Registry("network builder")


@BUILDERS.register("erdos_renyi")
class ErdosRenyi:
    """Random graph with a fixed number of edges, G(n, M) (Erdos & Renyi 1959).

    ``M = round(n * mean_degree / 2)`` distinct pairs of citizens are drawn uniformly
    from all ``n (n - 1) / 2`` pairs, so the realised mean degree is the requested one up
    to rounding. A citizen's degree is hypergeometric, which for ``mean_degree << n`` is
    Poisson with mean ``mean_degree`` (variance equal to the mean), as in the G(n, p)
    model of Gilbert (1959); only the total edge count does not fluctuate.

    Pairs are drawn as uniform indices into the upper triangle and decoded, duplicates
    dropped and the shortfall redrawn until ``M`` distinct pairs remain; dense graphs
    (``M`` above a quarter of all pairs) sample the indices without replacement.

    P. Erdos, A. Renyi (1959), "On random graphs I", Publicationes Mathematicae 6:290-297.
    E. N. Gilbert (1959), "Random graphs", Annals of Mathematical Statistics 30:1141-1144.
    """

    @dataclass(frozen=True)
    class Params:
        """Scenario keys of the ``erdos_renyi`` builder."""

        mean_degree: float = param(10.0, "mean degree, in neighbours per citizen", ge=0.0)

    @staticmethod
    def build(n: int, params: Params, rng: np.random.Generator, base_dir: pathlib.Path) -> Network:
        """Draw the graph on ``n`` citizens (``base_dir`` is unused).

        Raises:
            NetworkError: ``mean_degree`` is negative or more than ``n - 1``.
        """
        n = _check_population(n)
        k = float(params.mean_degree)
        if not 0.0 <= k <= max(n - 1, 0):
            raise NetworkError(
                f"erdos_renyi: mean_degree must be in 0..n-1 = {max(n - 1, 0)} "
                f"for {n} citizens, got {params.mean_degree}"
            )
        pairs = n * (n - 1) // 2
        m = min(round(n * k / 2), pairs)
        if m == 0:
            return from_edges(n, np.empty(0, np.int64), np.empty(0, np.int64))
        if 4 * m > pairs:
            chosen = rng.choice(pairs, size=m, replace=False, shuffle=False)
        else:
            chosen = np.empty(0, dtype=np.int64)
            while chosen.size < m:
                drawn = np.sort(rng.integers(0, pairs, size=m - chosen.size, dtype=np.int64))
                drawn = drawn[np.concatenate(([True], drawn[1:] != drawn[:-1]))]
                if chosen.size:
                    at = np.searchsorted(chosen, drawn)
                    seen = chosen[np.minimum(at, chosen.size - 1)] == drawn
                    drawn = drawn[~seen]
                chosen = np.sort(np.concatenate((chosen, drawn)))
        u, v = _triangle_pair(np.asarray(chosen, dtype=np.int64))
        return from_edges(n, u, v)


def _triangle_pair(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Decode pair indices ``t = j (j - 1) / 2 + i`` into the pairs ``(i, j)``, ``i < j``."""
    j = np.floor((1.0 + np.sqrt(1.0 + 8.0 * t.astype(np.float64))) / 2.0).astype(np.int64)
    # Floating point may be one off near perfect squares; correct exactly in integers.
    j -= j * (j - 1) // 2 > t
    j += (j + 1) * j // 2 <= t
    return t - j * (j - 1) // 2, j


@BUILDERS.register("small_world")
class SmallWorld:
    """Small-world graph: a ring lattice with randomly rewired edges (Watts & Strogatz 1998).

    Citizens sit on a ring, each joined to the ``mean_degree / 2`` nearest on either side.
    Then each lattice edge ``(i, i + d)`` keeps ``i`` and, with probability
    ``rewire_prob``, has its far end moved to a citizen drawn uniformly from the others.
    A rewired edge that would duplicate an existing edge is redrawn, so the graph keeps
    exactly ``n * mean_degree / 2`` edges. All edges are rewired at once (vectorised)
    rather than one by one as in the original algorithm, which differs only in which
    duplicates are avoided. With ``rewire_prob = 0`` this is the exact ring lattice; with
    1 it approaches a random graph.

    D. J. Watts, S. H. Strogatz (1998), "Collective dynamics of 'small-world' networks",
    Nature 393:440-442.
    """

    @dataclass(frozen=True)
    class Params:
        """Scenario keys of the ``small_world`` builder."""

        mean_degree: int = param(
            10, "neighbours per citizen in the ring lattice (edges per citizen, even)", ge=2
        )
        rewire_prob: float = probability(
            0.1, "probability that a lattice edge has its far end moved (per edge)"
        )

        def problems(self) -> list[tuple[str, str]]:
            """Cross-key checks: (key, message) for each rule broken."""
            if self.mean_degree % 2:
                return [("mean_degree", f"must be even, got {self.mean_degree}")]
            return []

    @staticmethod
    def build(n: int, params: Params, rng: np.random.Generator, base_dir: pathlib.Path) -> Network:
        """Draw the graph on ``n`` citizens (``base_dir`` is unused).

        Raises:
            NetworkError: ``mean_degree`` is not an even whole number of at least 2 and
                below ``n``, or ``rewire_prob`` is not in [0, 1].
        """
        n = _check_population(n)
        k = params.mean_degree
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 2 or k % 2:
            raise NetworkError(f"small_world: mean_degree must be an even integer >= 2, got {k}")
        if k >= n:
            raise NetworkError(
                f"small_world: mean_degree must be below the population ({n} citizens), got {k}"
            )
        p = float(params.rewire_prob)
        if not 0.0 <= p <= 1.0:
            raise NetworkError(f"small_world: rewire_prob must be in [0, 1], got {p}")
        half = int(k) // 2
        near = np.repeat(np.arange(n, dtype=np.int64), half)
        far = near + np.tile(np.arange(1, half + 1, dtype=np.int64), n)
        far[far >= n] -= n
        rewired = np.flatnonzero(rng.random(near.size) < p)
        todo = rewired
        for _ in range(100):
            if todo.size == 0:
                break
            far[todo] = (near[todo] + rng.integers(1, n, size=todo.size)) % n
            todo = rewired[_clashes(n, half, near, far, rewired)]
        # The rare clashes left after 100 rounds are dropped by from_edges.
        return from_edges(n, near, far)


def _clashes(
    n: int, half: int, near: np.ndarray, far: np.ndarray, rewired: np.ndarray
) -> np.ndarray:
    """Which rewired edges duplicate a kept lattice edge or an earlier rewired edge.

    Edge ``e`` of the lattice is ``(near[e], far[e])`` with ``e = i * half + d - 1`` for
    ``(i, i + d)``; it is kept unless ``e`` is in ``rewired``. A pair is a kept lattice
    edge when its ring distance is at most ``half`` and that lattice edge was not rewired,
    so the test is arithmetic and needs no sort of the whole graph.

    Returns:
        Boolean mask over ``rewired``.
    """
    a, b = near[rewired], far[rewired]
    ahead = (b - a) % n
    start = np.where(ahead <= half, a, b)
    step = np.where(ahead <= half, ahead, n - ahead)
    is_lattice = step <= half
    lattice_edge = start * half + step - 1
    was_rewired = np.zeros(is_lattice.size, dtype=bool)
    hit = np.searchsorted(rewired, lattice_edge[is_lattice])
    hit = np.minimum(hit, rewired.size - 1)
    was_rewired[is_lattice] = rewired[hit] == lattice_edge[is_lattice]
    clash = is_lattice & ~was_rewired
    # Among the rest, a pair drawn twice keeps its first copy.
    codes = np.minimum(a, b) * n + np.maximum(a, b)
    codes[clash] = -1 - np.flatnonzero(clash)  # distinct sentinels, never a repeat
    order = np.argsort(codes, kind="stable")
    ordered = codes[order]
    repeat = np.zeros(codes.size, dtype=bool)
    repeat[order[1:]] = ordered[1:] == ordered[:-1]
    return clash | repeat


@BUILDERS.register("scale_free")
class ScaleFree:
    """Scale-free graph: the configuration model with a power-law degree sequence.

    Degrees follow ``P(k) ~ k^-exponent`` (the law of preferential attachment, Barabasi &
    Albert 1999) between a lower end fitted to ``mean_degree`` and the structural cutoff
    ``k_max = floor(sqrt(n * mean_degree))`` (capped at ``n - 1``), above which the
    configuration model would be forced into many multi-edges (Boguna, Pastor-Satorras &
    Vespignani 2004). Stubs are paired uniformly at random (Molloy & Reed 1995);
    self-loops and multi-edges are dropped, which lowers the mean degree by well under
    1% at ``mean_degree = 10``.

    The mean of a discrete power law on ``k_min..k_max`` grows in steps with the integer
    ``k_min``, so the degree law is the mixture of the power laws starting at ``k_min``
    and ``k_min + 1`` whose mean is exactly ``mean_degree`` (for a mean below that of the
    law starting at 1, the mixture of the law starting at 1 with isolated citizens): a
    power law above ``k_min`` with an adjusted mass at ``k_min``. Degrees are drawn by
    inverse transform from stratified uniforms (one per ``1/n`` quantile band, shuffled
    over citizens), so each citizen's degree has exactly that law while the realised
    mean sits close to the requested one; one citizen gains a stub when the total is odd.

    M. Molloy, B. Reed (1995), "A critical point for random graphs with a given degree
    sequence", Random Structures & Algorithms 6:161-180.
    A.-L. Barabasi, R. Albert (1999), "Emergence of scaling in random networks",
    Science 286:509-512.
    M. Boguna, R. Pastor-Satorras, A. Vespignani (2004), "Cut-offs and finite size
    effects in scale-free networks", Eur. Phys. J. B 38:205-209.
    """

    @dataclass(frozen=True)
    class Params:
        """Scenario keys of the ``scale_free`` builder."""

        mean_degree: float = param(10.0, "mean degree, in neighbours per citizen", gt=0.0)
        exponent: float = param(
            2.5,
            "power-law exponent of the degree law P(k) ~ k^-exponent (dimensionless)",
            gt=2.0,
            le=4.0,
        )

    @staticmethod
    def build(n: int, params: Params, rng: np.random.Generator, base_dir: pathlib.Path) -> Network:
        """Draw the graph on ``n`` citizens (``base_dir`` is unused).

        Raises:
            NetworkError: ``exponent`` is not in (2, 4], or ``mean_degree`` is not
                positive or exceeds the cutoff ``k_max`` for this population.
        """
        n = _check_population(n)
        degrees = _power_law_degrees(n, params.mean_degree, params.exponent, rng)
        if degrees.sum() % 2:
            degrees[rng.integers(n)] += 1
        stubs = np.repeat(np.arange(n, dtype=np.int32), degrees)
        rng.shuffle(stubs)
        return from_edges(n, stubs[0::2], stubs[1::2])


def _power_law_degrees(
    n: int, mean_degree: float, exponent: float, rng: np.random.Generator
) -> np.ndarray:
    """Draw ``n`` degrees from the power law of :class:`ScaleFree` (int64)."""
    gamma = float(exponent)
    target = float(mean_degree)
    if not 2.0 < gamma <= 4.0:
        raise NetworkError(f"scale_free: exponent must be in (2, 4], got {exponent}")
    finite = math.isfinite(target) and target > 0.0
    k_max = min(n - 1, math.isqrt(math.floor(n * target))) if finite else max(n - 1, 0)
    if not 0.0 < target <= k_max:
        raise NetworkError(
            f"scale_free: mean_degree must be in (0, k_max = {k_max}] for {n} citizens "
            f"(k_max = floor(sqrt(n * mean_degree))), got {mean_degree}"
        )
    k = np.arange(k_max + 1, dtype=np.float64)
    weight = np.zeros(k_max + 1)
    weight[1:] = k[1:] ** -gamma
    # tail_mean[s] is the mean of the law k^-gamma on s..k_max; tail_mean[0] is the
    # degenerate law at 0 (isolated citizens), for targets below tail_mean[1].
    tail_weight = np.cumsum(weight[::-1])[::-1]
    tail_mean = np.zeros(k_max + 2)
    tail_mean[1 : k_max + 1] = np.cumsum((k * weight)[::-1])[::-1][1:] / tail_weight[1:]
    tail_mean[k_max + 1] = np.inf
    low = int(np.searchsorted(tail_mean[: k_max + 1], target, side="right")) - 1
    if tail_mean[low] >= target:  # exactly on the law starting at low
        share = 1.0
    else:
        share = (tail_mean[low + 1] - target) / (tail_mean[low + 1] - tail_mean[low])
    pmf = np.zeros(k_max + 1)
    for start, w in ((low, share), (low + 1, 1.0 - share)):
        if w <= 0.0 or start > k_max:
            continue
        if start == 0:
            pmf[0] += w
        else:
            pmf[start:] += w * weight[start:] / tail_weight[start]
    cdf = np.cumsum(pmf)
    quantiles = (rng.permutation(n) + rng.random(n)) / n
    degrees = np.searchsorted(cdf, quantiles * cdf[-1], side="right")
    return np.minimum(degrees, k_max).astype(np.int64)


@BUILDERS.register("edge_list")
class EdgeList:
    """The user's own network, read from a text file of edges.

    One edge per line: two citizen ids (whole numbers from 0 to n - 1) separated by
    whitespace and/or a comma, e.g. ``3 17`` or ``3,17``. Blank lines and lines whose
    first non-blank character is ``#`` are ignored; there is no header line. Self-loops
    are dropped and an edge listed twice (in either direction) is kept once; citizens
    that appear on no line have no neighbours.

    Large files are parsed in one vectorised pass; only a malformed file is read line by
    line, to report the first bad line as ``<file>:<line>: <problem>, got <value>``.
    """

    @dataclass(frozen=True)
    class Params:
        """Scenario keys of the ``edge_list`` builder."""

        path: str = param(
            "", "path of the edge-list text file, relative to the scenario file's directory"
        )

        def problems(self) -> list[tuple[str, str]]:
            """Cross-key checks: (key, message) for each rule broken."""
            if not str(self.path).strip():
                return [("path", "must name the edge-list file, got ''")]
            return []

    @staticmethod
    def build(n: int, params: Params, rng: np.random.Generator, base_dir: pathlib.Path) -> Network:
        """Read the network of ``n`` citizens from ``base_dir / params.path`` (``rng`` unused).

        Raises:
            NetworkError: the path is empty, the file is missing, a directory, unreadable,
                not UTF-8 text, has no edges, or a line is not two citizen ids below ``n``.
        """
        n = _check_population(n)
        if not str(params.path).strip():
            raise NetworkError("edge_list: the path of the edge-list file is missing, got ''")
        path = pathlib.Path(base_dir) / pathlib.Path(params.path).expanduser()
        data = _read_edge_file(path, params.path, base_dir)
        ends = _parse_fast(data)
        if ends is None or ends.size == 0 or int(ends.max()) >= n:
            ends = _parse_slow(path, data, n)
        return from_edges(n, ends[0::2], ends[1::2])


def _read_edge_file(path: pathlib.Path, given: str, base_dir: pathlib.Path) -> bytes:
    """The bytes of an edge-list file, or NetworkError saying why it cannot be read."""
    try:
        if path.is_dir():
            raise NetworkError(f"{path}: a directory, not an edge-list file, got path {given!r}")
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        raise NetworkError(
            f"{path}: edge-list file not found, got path {given!r} "
            f"(relative to the scenario's directory {base_dir})"
        ) from None
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise NetworkError(f"{path}: cannot read the edge-list file, got {reason}") from None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        byte = data[err.start : err.start + 1].hex()
        raise NetworkError(
            f"{path}:{line}: not a UTF-8 text file (binary?), got byte 0x{byte}"
        ) from None
    if b"\0" in data:
        at = data.index(b"\0")
        line = data.count(b"\n", 0, at) + 1
        raise NetworkError(f"{path}:{line}: not a text file (binary?), got byte 0x00")
    return data


# Bytes a well-formed edge list consists of: digits, separators and line ends.
_EDGE_BYTES = np.zeros(256, dtype=bool)
_EDGE_BYTES[list(b"0123456789 \t\r,\n")] = True
_SEPARATORS_TO_SPACES = bytes.maketrans(b",\r\t", b"   ")


def _parse_fast(data: bytes) -> np.ndarray | None:
    """The citizen ids of a well-formed edge list, flattened; None if anything is odd.

    Blanks the comment lines, then checks with NumPy that every byte is a digit, a
    separator or a line end and that each line holds no digit run or exactly two (one
    binary search of the line ends among the run starts), and finally reads all the
    numbers with one ``np.fromstring`` call. Never raises on bad input: it returns None
    and the caller falls back to :func:`_parse_slow`, which names the bad line.
    """
    buffer = bytearray(data)
    at = buffer.find(b"#")
    while at >= 0:
        start = buffer.rfind(b"\n", 0, at) + 1
        if buffer[start:at].strip(b" \t\r"):
            return None  # '#' after an id: not a comment line
        end = buffer.find(b"\n", at)
        end = len(buffer) if end < 0 else end
        buffer[start:end] = b" " * (end - start)
        at = buffer.find(b"#", end)
    clean = bytes(buffer).translate(_SEPARATORS_TO_SPACES)
    text = np.frombuffer(b"\n" + clean + b"\n", dtype=np.uint8)
    if not _EDGE_BYTES[text].all():
        return None
    digit = (text - np.uint8(ord("0"))) < 10
    bounds = np.flatnonzero(digit[1:] != digit[:-1]) + 1  # start, end, start, end, ...
    starts, ends = bounds[0::2], bounds[1::2]
    if starts.size == 0:
        return np.empty(0, dtype=np.int64)
    if (ends - starts).max() > 18:
        return None  # might not fit in int64
    runs_before_line_end = np.searchsorted(starts, np.flatnonzero(text == ord("\n")))
    per_line = np.diff(runs_before_line_end)
    if np.any((per_line != 0) & (per_line != 2)):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            values = np.fromstring(clean, dtype=np.int64, sep=" ")
        except (ValueError, DeprecationWarning):
            return None
    return values if values.size == starts.size else None


def _parse_slow(path: pathlib.Path, data: bytes, n: int) -> np.ndarray:
    """Parse an edge list line by line; NetworkError names the first bad line."""
    ids: list[int] = []
    for number, raw in enumerate(data.decode("utf-8").split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.replace(",", " ").split()
        if len(fields) != 2:
            raise NetworkError(
                f"{path}:{number}: expected two citizen ids separated by whitespace or a "
                f"comma, got {line!r}"
            )
        for field in fields:
            if not (field.isascii() and field.isdigit()):
                raise NetworkError(
                    f"{path}:{number}: a citizen id must be a whole number >= 0, got {field!r}"
                )
            value = int(field)
            if value >= n:
                raise NetworkError(
                    f"{path}:{number}: id {value} is not a citizen: {_population(n)}"
                )
            ids.append(value)
    if not ids:
        raise NetworkError(f"{path}: the edge list has no edges, got {_count_lines(data)}")
    return np.array(ids, dtype=np.int64)


def _count_lines(data: bytes) -> str:
    """Describes an edge-less file's content for the error message."""
    if not data.strip():
        return "an empty file"
    return "only blank and comment lines"
