"""The yardstick: govsim's spreading rule written the way a Mesa tutorial would write it.

One :class:`mesa.discrete_space.CellAgent` per citizen, on a ``mesa.discrete_space.Network``
built from the same social network; each hour ``shuffle_do("step")`` lets every citizen
act in random order and ``do("advance")`` commits the hour (Mesa's idiom for a synchronous
update). An engaged citizen looks at its neighbours through its cell, draws one uniform
per neighbour open to its issue, and calms down with ``calm_prob_per_hour``. This is the
rule of :meth:`sim.citizens.Population.spread` (see :class:`sim.citizens.SpreadParams`),
written independently of it; ``tests/test_yardstick.py`` checks that the two agree in
distribution, and ``benchmarks/run.py`` times the one against the other.

It is here, not in ``sim/``, because nothing in govsim uses it: it is what the array
design is measured against.
"""

from __future__ import annotations

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import CellAgent
from mesa.discrete_space import Network as CellNetwork

from sim.citizens import ENGAGED, SETTLED, Population, SpreadParams


class Citizen(CellAgent):
    """One citizen: its traits, its engagement, and what it hears this hour."""

    def __init__(self, model: SpreadingModel, cell, online: bool, activity: float, trust: float):
        super().__init__(model)
        self.cell = cell
        self.online = online
        self.activity = activity
        self.trust = trust
        self.state = 0  # calm
        self.issue = -1
        self.ever_engaged = False
        self.heard: list[int] = []  # issues passed to this citizen this hour
        self.calming = False

    def step(self) -> None:
        """If engaged, pass the issue to each open neighbour with the rule's chance."""
        if self.state != ENGAGED:
            return
        rule = self.model.rule
        k = self.issue
        severity = self.model.severity[k]
        source = rule.base_prob * self.activity * (1.0 + rule.severity_gain * severity)
        voice = 1.0 + rule.amplification * (1.0 - self.trust) * self.online
        for other in self.cell.neighborhood.agents:
            if other.state == ENGAGED or (other.state == SETTLED and other.issue == k):
                continue
            p = source * (1.0 - rule.trust_damping * other.trust) * voice
            if not (self.online and other.online):
                p *= rule.word_of_mouth_factor
            if self.random.random() < p:
                other.heard.append(k)
        self.calming = self.random.random() < rule.calm_prob_per_hour

    def advance(self) -> None:
        """Commit the hour: calm down, or take up one of the issues heard, at random."""
        if self.calming:
            self.state = SETTLED
            self.calming = False
        if self.heard:
            self.issue = self.random.choice(self.heard)
            self.state = ENGAGED
            self.ever_engaged = True
            self.heard = []


class SpreadingModel(mesa.Model):
    """The citizens of a :class:`sim.citizens.Population`, one Mesa agent each.

    Args:
        population: citizens' traits and initial engagement to copy (not changed).
        severity: severity of each issue id, in [0, 1].
        rule: the spreading parameters.
        seed: seed of the model's generator (Mesa's ``rng``).
    """

    def __init__(self, population: Population, severity: np.ndarray, rule: SpreadParams, seed: int):
        super().__init__(rng=seed)
        self.rule = rule
        self.severity = [float(s) for s in severity]
        graph = nx.Graph()
        graph.add_nodes_from(range(population.n))
        src, dst = population.network.edge_endpoints(np.arange(population.n))
        keep = src < dst
        graph.add_edges_from(zip(src[keep].tolist(), dst[keep].tolist(), strict=True))
        self.space = CellNetwork(graph, random=self.random, layout=None)
        self.citizens = []
        for i in range(population.n):
            citizen = Citizen(
                self,
                self.space._cells[i],
                bool(population.online[i]),
                float(population.activity[i]),
                float(population.trust[i]),
            )
            citizen.state = int(population.state[i])
            citizen.issue = int(population.issue[i])
            citizen.ever_engaged = bool(population.ever_engaged[i])
            self.citizens.append(citizen)

    def step(self) -> None:
        """One hour: every citizen acts in random order, then all commit at once."""
        self.agents.shuffle_do("step")
        self.agents.do("advance")

    def engaged(self) -> int:
        """Citizens engaged now."""
        return sum(c.state == ENGAGED for c in self.citizens)

    def ever_engaged_share(self) -> float:
        """Share of citizens engaged at some hour so far."""
        return sum(c.ever_engaged for c in self.citizens) / len(self.citizens)
