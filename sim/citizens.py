"""The population: citizens' state in numpy arrays and the rules that move all of them at once.

Citizens are many and simple, so no citizen is a Python object during a run: each phase
reads and writes whole arrays (gathers over the CSR edge list, draws from the phase's
random stream, commits). :meth:`Population.citizen` gives a read-only object view of one
citizen for inspection, tests and the view.

Engagement follows a rumour/SIR scheme on the network (Daley & Kendall 1964; Pastor-Satorras
& Vespignani 2001; Newman 2002), per issue: a citizen is *calm*, *engaged* with one issue
(spreading attention to it), or *settled* (has calmed down about that issue and will not
take it up again, but may engage with another).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.network import Network
from sim.params import param, probability

CALM, ENGAGED, SETTLED = 0, 1, 2
STATE_NAMES = {CALM: "calm", ENGAGED: "engaged", SETTLED: "settled"}
NO_ISSUE = -1


def beta_problems(
    mean: float, sd: float, prefix: str, mean_key: str | None = None
) -> list[tuple[str, str]]:
    """Problems of a Beta law given by moments: keys ``{prefix}_sd`` and ``mean_key``
    (default ``{prefix}_mean``)."""
    mean_key = mean_key or f"{prefix}_mean"
    if sd > 0 and not 0 < mean < 1:
        return [(f"{prefix}_sd", f"must be 0 when {mean_key} is {mean:g}, got {sd}")]
    if sd > 0 and sd**2 >= mean * (1 - mean):
        limit = (mean * (1 - mean)) ** 0.5
        return [(f"{prefix}_sd", f"must be < {limit:.4g} for a mean of {mean:g}, got {sd}")]
    return []


def beta_by_moments(rng: np.random.Generator, mean: float, sd: float, size: int) -> np.ndarray:
    """Draws in [0, 1] with the given mean and standard deviation (a Beta law; sd 0: constant)."""
    if sd == 0:
        return np.full(size, mean, dtype=np.float64)
    concentration = mean * (1 - mean) / sd**2 - 1
    return rng.beta(mean * concentration, (1 - mean) * concentration, size=size)


@dataclass(frozen=True)
class PopulationParams:
    """Who the citizens are when the run starts."""

    n_citizens: int = param(
        10_000, "number of citizens (ids are 32-bit: at most 2^31 - 1)", ge=1, le=2**31 - 1
    )
    online_share: float = probability(
        0.78, "share of citizens who are netizens and post online (CNNIC 2024: 78% of Chinese)"
    )
    offline_clustering: float = probability(
        0.0,
        "share of offline citizens who live in clusters of neighbours (the digital divide is "
        "local: villages, care homes) rather than scattered at random",
    )
    offline_cluster_size: int = param(50, "citizens in one offline cluster", ge=1)
    activity_mean: float = param(
        0.5, "mean chance per hour that an engaged citizen talks about the issue", gt=0, le=1
    )
    activity_sd: float = param(
        0.2, "standard deviation of activity across citizens (0: all equal)", ge=0, le=0.5
    )
    trust_mean: float = probability(0.5, "mean initial trust in government, in [0, 1]")
    trust_sd: float = param(
        0.15, "standard deviation of initial trust across citizens (0: all equal)", ge=0, le=0.5
    )

    def problems(self) -> list[tuple[str, str]]:
        """Cross-key checks: a Beta law with that mean must admit that spread."""
        return beta_problems(self.activity_mean, self.activity_sd, "activity") + beta_problems(
            self.trust_mean, self.trust_sd, "trust"
        )


def place_netizens(
    params: PopulationParams, network: Network, rng: np.random.Generator
) -> np.ndarray:
    """Who is online: exactly ``round((1 - online_share) n)`` citizens are offline.

    A share ``offline_clustering`` of them are placed in balls of ``offline_cluster_size``
    neighbours around random centres (the digital divide is local, so offline citizens
    know each other), never taking in a hub (degree above twice the mean: hubs are the
    online influencers); the rest are scattered uniformly. Our own rule: with clustering,
    issues that arise among offline citizens stay quiet online, which is what makes
    listening only online a trap (Mellon & Prosser 2017: online users are not the public).
    """
    n = network.n
    n_offline = round((1.0 - params.online_share) * n)
    offline = np.zeros(n, dtype=bool)
    clustered = round(params.offline_clustering * n_offline)
    degree = np.diff(network.indptr)
    hubs = degree > 2 * max(degree.mean(), 1.0)  # hubs are online: clusters grow around them
    placed = 0
    while placed < clustered:
        if placed < n // 2:  # mostly free: draw until a free citizen (few retries)
            start = int(rng.integers(n))
            while offline[start] or hubs[start]:
                start = int(rng.integers(n))
        else:
            free = np.flatnonzero(~offline & ~hubs)
            if free.size == 0:
                break
            start = int(free[rng.integers(free.size)])
        size = min(params.offline_cluster_size, clustered - placed)
        ball = network.ball(start, size, rng, blocked=offline | hubs)
        offline[ball] = True
        placed += ball.size
    rest = n_offline - placed
    if rest > 0:
        offline[rng.choice(np.flatnonzero(~offline), size=rest, replace=False)] = True
    return ~offline


@dataclass(frozen=True)
class SpreadParams:
    """How attention to an issue passes along ties and fades.

    Per hour, an engaged citizen i passes its issue k to a neighbour j who can take it up
    with probability

        p = base_prob * (1 + severity_gain * s_k) * a_i * (1 - trust_damping * t_j)
            * w_ij * (1 + amplification * (1 - t_i) * online_i)

    (a chance above 1 acts as 1) with s_k the issue's severity, a_i i's activity, t trust,
    and w_ij = 1 when both are netizens, ``word_of_mouth_factor`` otherwise. Severity times
    distrust is Epstein's (2002) grievance G = H(1 - L), hardship times (1 - legitimacy);
    the rest is our own.
    """

    base_prob: float = probability(
        0.0025, "chance per hour that an engaged citizen passes an issue to one neighbour"
    )
    severity_gain: float = param(3.0, "how much severity raises that chance (0: not at all)", ge=0)
    trust_damping: float = probability(
        0.5, "how much a neighbour's trust lowers it (1: a fully trusting citizen is immune)"
    )
    word_of_mouth_factor: float = probability(
        0.5, "relative chance over a tie with an offline citizen (word of mouth, not posts)"
    )
    amplification: float = param(
        0.5, "extra reach of a distrustful netizen, who voices online instead of filing", ge=0
    )
    calm_prob_per_hour: float = probability(
        0.05, "chance per hour that an engaged citizen calms down (mean 1/p hours engaged)"
    )

    def coefficients(self) -> tuple[float, float, float, float, float]:
        """The chance's factors as the compiled kernels take them: (base_prob,
        severity_gain, trust_damping, word_of_mouth_factor, amplification)."""
        return (
            float(self.base_prob),
            float(self.severity_gain),
            float(self.trust_damping),
            float(self.word_of_mouth_factor),
            float(self.amplification),
        )


@dataclass(frozen=True)
class TrustParams:
    """How trust in government moves: it is easier to lose than to gain (Slovic 1993)."""

    fixed: bool = param(
        False, "switch the trust phase off: trust keeps its initial value, no demand is given up"
    )
    erosion_per_hour: float = probability(
        0.0005, "trust lost per hour while one's own demand is unanswered"
    )
    patience_hours: float = param(
        168.0, "mean hours a citizen waits on an unanswered demand before giving up", ge=1
    )
    give_up_loss: float = probability(0.05, "trust lost when a citizen gives up on a demand")
    social_weight: float = probability(
        0.1, "pull towards neighbours' mean trust at each social update (a gain)"
    )
    loss_aversion: float = param(
        2.0, "a pull downwards weighs this many times a pull upwards (Slovic 1993)", ge=1
    )
    social_interval_hours: int = param(24, "hours between social updates of trust", ge=1)


@dataclass(frozen=True)
class ReactionParams:
    """How citizens react to what the government answers (and to what they see answered).

    Gains are smaller than losses: trust is easier to destroy than to build (Slovic 1993).
    """

    solved_trust_gain: float = probability(
        0.1, "trust a filer gains when an answer solves the demand"
    )
    unsolved_trust_loss: float = probability(
        0.05, "trust a filer loses when a real answer fails to solve it (the demand stays)"
    )
    templated_trust_loss: float = probability(
        0.15, "trust a filer loses at a templated reply that closes the case unsolved"
    )
    holding_trust_gain: float = probability(
        0.01, "trust a filer gains at a quick holding reply ('we are on it')"
    )
    audience_weight: float = probability(
        0.3, "share of those effects felt by the issue's audience when the answer is public"
    )
    public_calm_prob: float = probability(
        0.2, "chance that an engaged citizen calms down on seeing a public answer that solves"
    )


@dataclass(frozen=True)
class Citizen:
    """A read-only snapshot of one citizen, for inspection; the run itself uses the arrays."""

    id: int
    online: bool
    activity: float
    trust: float
    state: str
    issue: int | None
    demand: int | None
    ever_engaged: bool
    neighbours: tuple[int, ...]


class Population:
    """All citizens' state, one numpy array per variable.

    Attributes:
        online: netizen (posts online) or not; fixed for the run.
        netizen_ids, offline_ids: ids of the netizens and of the offline citizens, ascending.
        activity: chance per hour of talking about an issue while engaged, in (0, 1].
        trust: trust in government, in [0, 1].
        state: ``CALM``, ``ENGAGED`` or ``SETTLED``.
        issue: the issue the citizen is engaged with or last settled about, -1 none.
        demand: the issue on which the citizen holds an unanswered demand, -1 none.
        filed_for: the issue the citizen last filed a case about, -1 none.
        filed_at: when (hours) that filing was made.
        ever_engaged: has been engaged with any issue during the run.
        engaged: ids of the engaged citizens (the frontier that spreads this hour).
        trust_fixed: trust never moves (``trust.fixed``), whatever happens.
    """

    def __init__(
        self,
        params: PopulationParams,
        network: Network,
        rng: np.random.Generator,
        trust_fixed: bool = False,
    ):
        n = params.n_citizens
        if network.n != n:
            raise ValueError(f"network has {network.n} citizens, population {n}")
        self.n = n
        self.network = network
        self.online = place_netizens(params, network, rng)
        # who is a netizen never changes: the hourly reporters gather by these ids
        self.netizen_ids = np.flatnonzero(self.online)
        self.offline_ids = np.flatnonzero(~self.online)
        self.activity = np.maximum(
            beta_by_moments(rng, params.activity_mean, params.activity_sd, n), 1e-6
        )
        self.trust = beta_by_moments(rng, params.trust_mean, params.trust_sd, n)
        self.state = np.full(n, CALM, dtype=np.int8)
        self.issue = np.full(n, NO_ISSUE, dtype=np.int32)
        self.demand = np.full(n, NO_ISSUE, dtype=np.int32)
        self.ever_engaged = np.zeros(n, dtype=bool)
        self.engaged = np.zeros(0, dtype=np.int64)
        self.trust_fixed = trust_fixed
        self.filed_for = np.full(n, NO_ISSUE, dtype=np.int32)
        self.filed_at = np.zeros(n, dtype=np.float64)
        # scratch space of the spreading phase, grown to the frontier's ties as needed
        self._u = np.empty(0, np.float64)
        self._dst = self._hit = self._hit_k = np.empty(0, np.int32)

    # ------------------------------------------------------------------ inspection

    def citizen(self, i: int) -> Citizen:
        """A snapshot of citizen ``i``."""
        if not 0 <= i < self.n:
            raise IndexError(f"citizen {i} does not exist: ids are 0..{self.n - 1}")
        state = int(self.state[i])
        return Citizen(
            id=i,
            online=bool(self.online[i]),
            activity=float(self.activity[i]),
            trust=float(self.trust[i]),
            state=STATE_NAMES[state],
            issue=int(self.issue[i]) if self.issue[i] != NO_ISSUE else None,
            demand=int(self.demand[i]) if self.demand[i] != NO_ISSUE else None,
            ever_engaged=bool(self.ever_engaged[i]),
            neighbours=tuple(int(j) for j in self.network.neighbours(i)),
        )

    # ------------------------------------------------------------------ rules

    def engage(self, who: np.ndarray, issue: int | np.ndarray) -> None:
        """Make ``who`` engaged with ``issue`` and give them a demand about it.

        Used for citizens an incident hits directly: it overrides whatever they were
        engaged with. They spread from the next hour on.
        """
        who = np.asarray(who, dtype=np.int64)
        already = who[self.state[who] == ENGAGED]
        self.state[who] = ENGAGED
        self.issue[who] = issue
        self.demand[who] = issue
        self.ever_engaged[who] = True
        if already.size:
            self.engaged = np.union1d(self.engaged, who)
        else:
            self.engaged = np.concatenate([self.engaged, who])

    def spread(self, severity: np.ndarray, params: SpreadParams, rng: np.random.Generator) -> int:
        """One hour of attention spreading and calming, for all citizens at once.

        Synchronous: the citizens engaged at the start of the hour pass their issue on
        (see :class:`SpreadParams` for the probability), then each of them calms down with
        ``calm_prob_per_hour``; those reached this hour start spreading next hour. This is
        the discrete-time network SIR whose per-edge transmissibility is
        T = p / (p + r - p r) (Newman 2002). A neighbour can take up issue k when calm,
        or settled about another issue; reached by several issues in one hour, it takes
        one of them at random.

        Args:
            severity: severity of each issue id, in [0, 1].
            params: the scenario's spreading parameters.
            rng: the spreading phase's random stream.

        Returns:
            The number of citizens newly engaged this hour.
        """
        frontier = self.engaged
        if frontier.size == 0:
            return 0
        from sim import kernels  # numba loads on the first simulated hour, not at import

        net = self.network
        ties = int((net.indptr[frontier + 1] - net.indptr[frontier]).sum())
        if self._dst.size < ties:  # scratch space for the frontier's ties, kept between hours
            size = max(ties, 2 * self._dst.size)
            self._dst, self._hit, self._hit_k = (np.empty(size, np.int32) for _ in range(3))
            self._u = np.empty(size, np.float64)
        row_end = np.empty(frontier.size, np.int64)
        # on several threads for big frontiers: the same ties and hits, in the same order
        chunks = kernels.chunks_for(ties)
        tie_args = (frontier, net.indptr, net.indices, self.state, self.issue, self._dst, row_end)
        if chunks > 1:
            m = kernels.open_ties_parallel(*tie_args, chunks)
        else:
            m = kernels.open_ties(*tie_args)
        u = rng.random(out=self._u[:m])  # the same draws as rng.random(m)
        pass_args = (
            frontier, row_end, self._dst, u, self.issue, self.activity, self.trust,
            self.online, severity, params.coefficients(), self._hit, self._hit_k,
        )  # fmt: skip
        if chunks > 1:
            h = kernels.passed_on_parallel(*pass_args, chunks)
        else:
            h = kernels.passed_on(*pass_args)
        return self._take_up(frontier, self._hit[:h].copy(), self._hit_k[:h].copy(), params, rng)

    def _take_up(
        self,
        frontier: np.ndarray,
        dst: np.ndarray,
        k: np.ndarray,
        params: SpreadParams,
        rng: np.random.Generator,
    ) -> int:
        """The end of a spreading hour: the citizens ``dst`` reached (with issue ``k``) take
        it up, one issue each (at random when several reached them); then the frontier
        calms down with ``calm_prob_per_hour``. Returns how many were newly engaged."""
        if dst.size > 1:
            order = rng.permutation(dst.size)
            dst, k = dst[order], k[order]
            dst, first = np.unique(dst, return_index=True)
            k = k[first]

        calms = rng.random(frontier.size) < params.calm_prob_per_hour
        self.state[frontier[calms]] = SETTLED
        self.state[dst] = ENGAGED
        self.issue[dst] = k
        self.demand[dst] = k
        self.ever_engaged[dst] = True
        self.engaged = np.concatenate([frontier[~calms], dst])
        return int(dst.size)

    def update_trust(self, hour: int, params: TrustParams, rng: np.random.Generator) -> None:
        """One hour of trust dynamics, for all citizens at once.

        - A citizen with an unanswered demand loses ``erosion_per_hour`` (our own rule,
          after Slovic 1993: unmet expectations destroy trust).
        - Each unanswered demand is given up with chance 1/``patience_hours`` per hour
          (abandonment, as in Erlang-A queues); giving up costs ``give_up_loss``.
        - Every ``social_interval_hours``, trust moves towards the neighbours' mean by
          ``social_weight`` of the gap, ``loss_aversion`` times more when the gap is
          downwards (DeGroot 1974 averaging with Slovic's 1993 asymmetry).
        """
        if params.fixed:
            return
        from sim import kernels

        # Trust stays in [0, 1] between phases, so clipping what changed clips everyone.
        waiting = np.flatnonzero(self.demand != NO_ISSUE)
        if waiting.size:
            u = rng.random(waiting.size)
            kernels.erode_trust(
                self.trust, self.demand, waiting, u, 1.0 / params.patience_hours,
                params.erosion_per_hour, params.give_up_loss, NO_ISSUE,
            )  # fmt: skip
        if params.social_weight and hour % params.social_interval_hours == 0:
            down = min(1.0, params.social_weight * params.loss_aversion)
            target = self.neighbour_mean(self.trust)
            kernels.pull_trust(self.trust, target, params.social_weight, down)

    def neighbour_mean(self, values: np.ndarray) -> np.ndarray:
        """Mean of ``values`` over each citizen's neighbours (own value for the isolated)."""
        from sim import kernels

        net = self.network
        values = np.asarray(values, np.float64)
        if kernels.chunks_for(net.indices.size) > 1:  # the same means, read on several threads
            return kernels.neighbour_mean_parallel(net.indptr, net.indices, values, 1 << 16)
        return kernels.neighbour_mean(net.indptr, net.indices, values)

    def shift_trust(self, who: np.ndarray, delta: float) -> None:
        """Add ``delta`` to the trust of ``who`` (clipped to [0, 1]); nothing if trust is fixed."""
        if self.trust_fixed or delta == 0:
            return
        self.trust[who] = np.clip(self.trust[who] + delta, 0.0, 1.0)

    def unfiled(self, refile_after_hours: float, now: float) -> np.ndarray:
        """Engaged citizens whose demand is not filed, or filed long ago with no answer."""
        from sim import kernels

        return kernels.unfiled(
            self.engaged, self.demand, self.filed_for, self.filed_at, float(now),
            float(refile_after_hours), NO_ISSUE,
        )  # fmt: skip

    def file(self, who: np.ndarray, now: float) -> None:
        """Record that ``who`` filed their current demand at ``now``."""
        self.filed_for[who] = self.demand[who]
        self.filed_at[who] = now

    def acknowledge(self, who: np.ndarray, now: float) -> None:
        """``who`` heard their case is being handled: they wait before filing again."""
        self.filed_at[who] = now

    def react(
        self,
        answers: dict[str, np.ndarray],
        public_solved: np.ndarray,
        public_unsolved: np.ndarray,
        params: ReactionParams,
        rng: np.random.Generator,
    ) -> None:
        """Citizens take in this hour's answers, all at once.

        Args:
            answers: (citizens, issues) by what they got: "solved" (trust up; if they
                still hold a demand about that issue it is met: cleared, and they calm
                down if engaged with it), "unsolved" and "templated" (trust down; the
                demand about that issue comes back, so they may file again), "holding" (a
                small gain).
            public_solved: issues that got a solving answer on a public channel: their
                engaged audience calms with ``public_calm_prob`` and gains a share
                ``audience_weight`` of the filer's gain.
            public_unsolved: issues answered publicly without solving (templated or
                not): their audience loses a share ``audience_weight`` of the templated loss.
            params: the reaction parameters.
            rng: the government's random stream.

        Seeing others answered moves trust too: that public answers calm an issue's
        audience is our own rule for the theses' "visible response".
        """
        none = (np.zeros(0, np.int64), np.zeros(0, np.int64))
        solved, about = answers.get("solved", none)
        self.shift_trust(solved, params.solved_trust_gain)
        still = self.demand[solved] == about  # the demand they still hold is met
        met = solved[still]
        self.state[met[(self.state[met] == ENGAGED) & (self.issue[met] == about[still])]] = SETTLED
        self.demand[met] = NO_ISSUE
        self.filed_for[met] = NO_ISSUE
        for key, loss in (
            ("unsolved", params.unsolved_trust_loss),
            ("templated", params.templated_trust_loss),
        ):
            who, about = answers.get(key, none)
            self.shift_trust(who, -loss)
            back = who[self.filed_for[who] == about]  # the demand comes back: file again
            self.filed_for[back] = NO_ISSUE
        self.shift_trust(answers.get("holding", none)[0], params.holding_trust_gain)
        if public_solved.size or public_unsolved.size:
            issue = self.issue[self.engaged]
            seen = self.engaged[np.isin(issue, public_solved)]
            self.shift_trust(seen, params.audience_weight * params.solved_trust_gain)
            self.state[seen[rng.random(seen.size) < params.public_calm_prob]] = SETTLED
            let_down = self.engaged[np.isin(issue, public_unsolved)]
            self.shift_trust(let_down, -params.audience_weight * params.templated_trust_loss)
        # anyone calmed leaves the spreading frontier
        self.engaged = self.engaged[self.state[self.engaged] == ENGAGED]

    # ------------------------------------------------------------------ counts

    def attention(self, n_issues: int) -> tuple[np.ndarray, np.ndarray]:
        """Engaged citizens per issue id, all and netizens only."""
        issue = self.issue[self.engaged]
        total = np.bincount(issue, minlength=n_issues)
        online = np.bincount(issue, weights=self.online[self.engaged], minlength=n_issues)
        return total, online.astype(np.int64)
