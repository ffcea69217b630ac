"""The Mesa model: builds the world from a scenario and orders the phases of one hour.

Nothing here decides how anything behaves; each phase is a call into the module that
owns the rule (``sim.citizens``, ``sim.issues``) and the reporters live in ``sim.metrics``.
"""

from __future__ import annotations

import mesa
import numpy as np
from mesa import DataCollector

from sim import metrics
from sim.citizens import Population
from sim.config import Scenario, scenario_hash
from sim.government import Government
from sim.issues import Incidents, Issues
from sim.network import BUILDERS, Network

#: Named random streams, spawned in this order from the model's generator. Each phase
#: draws only from its own stream, so a change in one phase (another government
#: mechanism, say) leaves the others' draws, and thus the simulated world, unchanged:
#: common random numbers across mechanisms. Append new streams at the end.
STREAMS = ("network", "population", "incidents", "spread", "trust", "government")


def build_network(scenario: Scenario, rng: np.random.Generator) -> Network:
    """The scenario's social network, built by its registered builder."""
    builder = BUILDERS.get(scenario.network.kind)
    return builder.build(
        scenario.population.n_citizens, scenario.network.params, rng, scenario.base_dir
    )


class GovSimModel(mesa.Model):
    """Citizens on a social network, incidents, spreading attention and trust; one step = 1 hour.

    Phases of one hour, in order:
        1. spread: citizens engaged at the start of the hour pass their issue on, then
           some calm down (synchronous; those reached act from the next hour);
        2. incidents: new incidents open issues and engage their affected citizens;
        3. government (unless disabled): security incidents, filings (cases reach desks
           during the coming hour as timed events), monitoring, policy review, and the
           citizens' reactions to the answers that went out during the past hour;
        4. trust: erosion while demands wait, giving up, pull of neighbours;
        5. issues: attention per issue and each issue's lifecycle stage;
        6. collect: one row of reporters.

    Between two steps, Mesa's event list runs the government's timed events (its
    ``Timeline``) in time order: cases reaching desks, services ending, holding replies.

    Args:
        scenario: the validated scenario.
        seed: overrides ``scenario.run.seed``; the run is fully determined by scenario
            and seed.
    """

    def __init__(self, scenario: Scenario, *, seed: int | None = None):
        seed = scenario.run.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        self.seed = seed
        self.config = scenario
        self.scenario_hash = scenario_hash(scenario)
        self.streams = dict(zip(STREAMS, self.rng.spawn(len(STREAMS)), strict=True))
        self.network = build_network(scenario, self.streams["network"])
        self.citizens = Population(
            scenario.population, self.network, self.streams["population"], scenario.trust.fixed
        )
        self.issues = Issues(scenario.issues, scenario.population.n_citizens)
        self.incidents = Incidents(scenario.incidents, self.streams["incidents"])
        self.government = (
            Government(self, scenario.government, self.streams["government"])
            if scenario.government.enabled
            else None
        )
        self.new_incidents = 0
        self.newly_engaged = 0
        self._open_incidents(scenario.incidents.initial_issues)
        self._count_attention()
        self.datacollector = DataCollector(model_reporters=metrics.reporters(self))
        self.datacollector.collect(self)

    @property
    def hour(self) -> int:
        """Hours simulated so far (the same as Mesa's ``steps``)."""
        return self.steps

    def step(self) -> None:
        """Advance the world by one hour (phases in the order of the class docstring)."""
        self.newly_engaged = self.citizens.spread(
            self.issues.severity, self.config.spread, self.streams["spread"]
        )
        self._open_incidents(self.incidents.arrivals())
        if self.government is not None:
            self.government.hour(self.hour)
        self.citizens.update_trust(self.hour, self.config.trust, self.streams["trust"])
        self._count_attention()
        self.datacollector.collect(self)
        if self.hour >= self.config.run.steps:
            self.running = False

    def _open_incidents(self, k: int) -> None:
        self.new_incidents = k
        if k == 0:
            return
        ids = self.issues.new(self.incidents.severities(k), self.hour)
        for issue in ids:
            self.citizens.engage(self.incidents.affected(self.network), int(issue))

    def _count_attention(self) -> None:
        total, online = self.citizens.attention(self.issues.count)
        self.issues.update(total, online, self.hour)

    def run(self, steps: int | None = None) -> None:
        """Run ``steps`` hours (default: until the scenario's ``run.steps``)."""
        end = self.config.run.steps if steps is None else self.hour + steps
        while self.hour < end:
            self.step()
