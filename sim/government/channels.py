"""Channels citizens file through, the platform that takes them in, and where filings come from.

A *channel* (hotline, web message board, government social-media account, in-person
counter) has a reach (netizens only, or everyone), a visibility (a public answer is seen
by the issue's whole audience, a private one only by the filer), an intake capacity and a
delay. The *platform* (``PLATFORMS``) decides how filings become cases: ``separate``
channels each have their own front-line desk and queue, and one citizen's demand may be
filed more than once; ``integrated`` pools the front line into one desk and keeps one
ticket per issue, merging duplicates (the theses' platform thinking). *Arrivals*
(``ARRIVALS``) say where filings come from: the simulated citizens, or a Poisson stream
for the queueing reductions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.params import param
from sim.registry import Registry

#: Channel kinds: who can reach them and whether answers are public.
CHANNEL_KINDS: dict[str, dict[str, bool]] = {
    "hotline": {"online_only": False, "public": False},
    "message_board": {"online_only": True, "public": True},
    "social_media": {"online_only": True, "public": True},
    "counter": {"online_only": False, "public": False},
}


@dataclass(frozen=True)
class ChannelParams:
    """One channel a scenario declares: ``[[government.channels]]``.

    Reach and visibility come with the kind: ``hotline`` (everyone, private),
    ``message_board`` and ``social_media`` (netizens only, public answers), ``counter``
    (everyone, private; usually with a delay for the trip).
    """

    kind: str = param(
        "hotline", "hotline, message_board, social_media or counter", choices=tuple(CHANNEL_KINDS)
    )
    capacity_per_hour: int = param(1000, "filings the channel can take in per hour", ge=1)
    delay_hours: float = param(
        0.0, "hours from a citizen's filing to the case reaching a desk", ge=0
    )
    preference: float = param(1.0, "relative weight citizens who can reach it give it", gt=0)
    staff_share: float = param(
        1.0, "relative share of front-line staff at its own desk (separate platform)", gt=0
    )

    @property
    def online_only(self) -> bool:
        """Only netizens can use it."""
        return CHANNEL_KINDS[self.kind]["online_only"]

    @property
    def public(self) -> bool:
        """Its answers are seen by the issue's whole audience."""
        return CHANNEL_KINDS[self.kind]["public"]


def default_channels() -> tuple[ChannelParams, ...]:
    """The status quo of the theses: a hotline, a message board and a Weibo account."""
    return (
        ChannelParams("hotline", preference=1.0, staff_share=2.0),
        ChannelParams("message_board", preference=1.0, staff_share=1.0),
        ChannelParams("social_media", preference=1.0, staff_share=1.0),
    )


# ----------------------------------------------------------------------------- platforms

PLATFORMS: Registry = Registry("platform mode")


@dataclass(frozen=True)
class RefileParams:
    """Scenario keys of both platform modes."""

    refile_after_hours: float = param(
        72.0, "hours without an answer or update after which a citizen files again", gt=0
    )


@PLATFORMS.register("separate")
class Separate:
    """Each channel has its own front-line desk and staff; duplicates become separate cases.

    The theses' "single channel" dilemma: departments run their own channels, so a
    citizen who hears nothing files again elsewhere and the same demand is handled twice.
    """

    merges = False
    desk_per_channel = True
    Params = RefileParams

    @staticmethod
    def desks(channels: tuple[ChannelParams, ...], staff: int) -> list[tuple[str, int, list[int]]]:
        """One front-line desk per channel: one staff member each, the rest by ``staff_share``.

        The rest is split by largest remainders, so the desks add up to ``staff`` exactly
        (validation guarantees ``staff >= len(channels)``).
        """
        shares = np.array([c.staff_share for c in channels], dtype=float)
        rest = max(staff - len(channels), 0)
        exact = rest * shares / shares.sum()
        counts = 1 + np.floor(exact).astype(int)
        left = staff - int(counts.sum())
        for i in np.argsort(-(exact - np.floor(exact)), kind="stable")[: max(left, 0)]:
            counts[i] += 1
        return [
            (c.kind, int(n), [i]) for i, (c, n) in enumerate(zip(channels, counts, strict=True))
        ]


@PLATFORMS.register("integrated")
class Integrated:
    """One pooled front-line desk for all channels, one ticket per issue (platform thinking).

    Pooling servers shortens waits at equal staff (Erlang C; pooling beats separate
    queues), and merging duplicates saves handling the same demand twice.
    """

    merges = True
    desk_per_channel = False
    Params = RefileParams

    @staticmethod
    def desks(channels: tuple[ChannelParams, ...], staff: int) -> list[tuple[str, int, list[int]]]:
        """A single desk serving every channel."""
        return [("platform", staff, list(range(len(channels))))]


# ----------------------------------------------------------------------------- arrivals

ARRIVALS: Registry = Registry("source of filings")


@ARRIVALS.register("citizens")
class FromCitizens:
    """Engaged citizens with a demand file it, more often the more they trust government.

    Per hour an engaged citizen holding an unfiled demand files with chance
    ``filing_prob_per_hour * trust``; a distrustful one stays online and amplifies
    instead (see ``SpreadParams.amplification``). Our own rule, after Epstein's (2002)
    legitimacy: who expects nothing from the state does not petition it.
    """

    @dataclass(frozen=True)
    class Params:
        filing_prob_per_hour: float = param(
            0.1, "chance per hour that a fully trusting engaged citizen files", ge=0, le=1
        )

    @staticmethod
    def arrive(government: Any, hour: int) -> None:
        """This hour's filings by citizens."""
        government.citizen_filings(hour)


@ARRIVALS.register("poisson")
class Poisson:
    """Filings as a Poisson stream at a fixed rate, decoupled from the citizens.

    For the queueing reductions (M/M/c, pooling, tandem): each filing is a case about no
    simulated issue (never merged) and from no simulated citizen (nobody reacts to its
    answer); it picks a channel by preference.
    """

    @dataclass(frozen=True)
    class Params:
        rate_per_hour: float = param(5.0, "filings per hour", gt=0, le=1e6)
        severity: float = param(0.5, "severity of every filing", ge=0, le=1)

    @staticmethod
    def arrive(government: Any, hour: int) -> None:
        """This hour's Poisson filings."""
        government.poisson_filings(hour)


def channel_choice(
    channels: tuple[ChannelParams, ...],
    online: np.ndarray,
    up: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """The channel each filer uses: by preference among those they can reach and are up.

    Args:
        channels: the declared channels.
        online: whether each filer is a netizen.
        up: whether each channel is working (not down after a security incident).
        rng: the government's random stream.

    Returns:
        Channel index per filer, -1 where no channel is reachable.
    """
    pref = np.array([c.preference for c in channels], dtype=float)
    online_only = np.array([c.online_only for c in channels])
    choice = np.full(online.size, -1, dtype=np.int64)
    for group, allowed in ((online, up), (~online, up & ~online_only)):
        who = np.flatnonzero(group)
        weights = np.where(allowed, pref, 0.0)
        if who.size == 0 or weights.sum() == 0:
            continue
        cumulative = np.cumsum(weights / weights.sum())
        draws = rng.random(who.size)
        choice[who] = np.minimum(
            np.searchsorted(cumulative, draws, side="right"), len(channels) - 1
        )
    return choice
