"""Where each drawn citizen sits in the network picture: a seeded sample and a cached layout.

A population of 10,000 cannot be drawn legibly, and a spring layout of all of it takes
minutes, so the view draws at most :data:`MAX_DRAWN` citizens: the neighbourhoods
(breadth-first balls) of :data:`NEIGHBOURHOODS` citizens drawn at random with a seeded
generator, each laid out once with a vectorised Fruchterman-Reingold (1991) force layout
in its own cell of a grid. Neighbourhoods rather than a uniform sample, because a uniform
sample of a sparse network keeps almost no ties, and attention travels along ties.
Layouts are cached by the network's identity (scenario keys that build it, population
size, seed): changing a government mechanism never lays the network out again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from sim.network import Network

#: Most citizens drawn in the network picture.
MAX_DRAWN = 2000

#: Neighbourhoods drawn (grid cells); each holds up to ``MAX_DRAWN // NEIGHBOURHOODS``.
NEIGHBOURHOODS = 8

#: Layouts kept in memory (each about 50 kB), least recently used dropped first.
CACHE_SIZE = 16


@dataclass(frozen=True, eq=False)
class Layout:
    """The drawn sample of a network and its positions.

    Attributes:
        nodes: citizen ids drawn, ascending, shape ``(m,)``.
        xy: positions in [0, 1]^2, shape ``(m, 2)``, row i for ``nodes[i]``.
        edges: ties among drawn citizens as pairs of row numbers, shape ``(e, 2)``.
        n: citizens in the whole population.
    """

    nodes: np.ndarray
    xy: np.ndarray
    edges: np.ndarray
    n: int

    @property
    def segments(self) -> np.ndarray:
        """The edges as line segments, shape ``(e, 2, 2)``, for a ``LineCollection``."""
        return self.xy[self.edges]


def sample_neighbourhoods(
    network: Network, rng: np.random.Generator, most: int = MAX_DRAWN, count: int = NEIGHBOURHOODS
) -> list[np.ndarray]:
    """Up to ``count`` disjoint neighbourhoods of about ``most / count`` citizens each.

    Each is the breadth-first ball (:meth:`Network.ball`) around a random citizen not yet
    drawn; the whole population when it has at most ``most`` citizens.
    """
    if network.n <= most:
        return [np.arange(network.n, dtype=np.int64)]
    size = max(most // count, 1)
    taken = np.zeros(network.n, dtype=bool)
    balls = []
    for _ in range(count):
        free = np.flatnonzero(~taken)
        if free.size == 0:
            break
        start = int(free[rng.integers(free.size)])
        ball = np.sort(network.ball(start, size, rng, blocked=taken))
        taken[ball] = True
        balls.append(ball)
    return balls


def induced_edges(network: Network, nodes: np.ndarray) -> np.ndarray:
    """Ties between citizens of ``nodes`` (ascending ids), as pairs of row numbers, each once."""
    src, dst = network.edge_endpoints(nodes)
    row = np.full(network.n, -1, dtype=np.int64)
    row[nodes] = np.arange(nodes.size)
    a, b = row[src], row[dst]
    keep = (b >= 0) & (a < b)
    return np.column_stack([a[keep], b[keep]])


def force_layout(
    m: int, edges: np.ndarray, rng: np.random.Generator, iterations: int = 60
) -> np.ndarray:
    """Fruchterman & Reingold (1991) force-directed positions of ``m`` nodes, in [0, 1]^2.

    All-pairs repulsion k^2/d and attraction d^2/k along ``edges`` (pairs of node numbers),
    moves capped by a temperature that cools linearly; vectorised with numpy, in float32,
    O(m^2) memory per iteration (16 MB at m = 2,000). A weak pull to the centre keeps
    isolated citizens and small components from drifting to the border.
    """
    if m == 0:
        return np.zeros((0, 2))
    pos = rng.random((m, 2)).astype(np.float32)
    if m == 1:
        return np.full((1, 2), 0.5)
    k = np.float32(1.0 / np.sqrt(m))
    temperature = 0.1
    cooling = temperature / (iterations + 1)
    u, v = edges[:, 0], edges[:, 1]
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        dist2 = np.einsum("ijk,ijk->ij", delta, delta)
        np.maximum(dist2, 1e-6, out=dist2)
        force = np.einsum("ijk,ij->ik", delta, (k * k) / dist2)  # repulsion: k^2 / d along d/|d|
        if u.size:
            d = pos[u] - pos[v]
            length = np.sqrt(np.einsum("ij,ij->i", d, d))[:, None]
            pull = d * length / k  # attraction: d^2 / k along d/|d|
            np.subtract.at(force, u, pull)
            np.add.at(force, v, pull)
        force -= (pos - 0.5) * (0.1 * np.sqrt(m))  # gravity towards the centre
        norm = np.sqrt(np.einsum("ij,ij->i", force, force))[:, None]
        pos += force / np.maximum(norm, 1e-9) * np.minimum(norm, temperature)
        temperature -= cooling
    pos = pos.astype(np.float64)
    low, high = pos.min(axis=0), pos.max(axis=0)
    return (pos - low) / np.where(high - low > 0, high - low, 1.0)


_cache: OrderedDict[tuple, Layout] = OrderedDict()
_lock = threading.Lock()


def layout_for(network: Network, key: tuple, seed: int, most: int = MAX_DRAWN) -> Layout:
    """The layout of ``network``, computed once per ``key`` and cached.

    Args:
        network: the model's network.
        key: what identifies the network (its scenario keys, population size, seed):
            equal keys must mean equal networks.
        seed: seeds the sample and the starting positions; the same seed, the same picture.
        most: most citizens drawn.
    """
    key = (key, seed, most, network.n)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    rng = np.random.default_rng([seed, 7])
    balls = sample_neighbourhoods(network, rng, most)
    columns = min(len(balls), int(np.ceil(np.sqrt(len(balls) * 2))))  # twice as wide as tall
    rows = int(np.ceil(len(balls) / columns))
    xy, edges, offset = [], [], 0
    for i, ball in enumerate(balls):
        inside = induced_edges(network, ball)
        iterations = 60 if ball.size <= 500 else 30  # O(m^2) each: a whole small population
        cell = force_layout(ball.size, inside, rng, iterations) * 0.9 + 0.05
        row, column = divmod(i, columns)
        xy.append((cell + np.array([column, rows - 1 - row])) / np.array([columns, rows]))
        edges.append(inside + offset)
        offset += ball.size
    nodes = np.concatenate(balls)
    order = np.argsort(nodes, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    layout = Layout(nodes[order], np.concatenate(xy)[order], rank[np.concatenate(edges)], network.n)
    with _lock:
        _cache[key] = layout
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return layout
