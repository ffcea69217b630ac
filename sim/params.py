"""Declaring scenario parameters: a default, a one-line doc with the unit, and a range.

Every key a scenario file accepts is a field of a frozen dataclass declared with
:func:`param`. ``sim.config`` reads the metadata to validate a file and to print the
resolved scenario; nothing else needs to know the schema.
"""

from __future__ import annotations

import dataclasses
from typing import Any


def param(
    default: Any,
    doc: str,
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    choices: tuple[str, ...] | None = None,
) -> Any:
    """A scenario key: its default, what it means (with unit), and its allowed range.

    Args:
        default: the value when the scenario file leaves the key out. A nested table
            is given as a dataclass instance (copied for each scenario).
        doc: one line, unit included ("per hour", "share of citizens", "hours").
        ge, gt, le, lt: inclusive / exclusive bounds for numbers.
        choices: the allowed strings, for a closed set that is not a registry.
    """
    meta = {"doc": doc, "ge": ge, "gt": gt, "le": le, "lt": lt, "choices": choices}
    if dataclasses.is_dataclass(default):
        return dataclasses.field(default_factory=lambda: default, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def probability(default: float, doc: str) -> Any:
    """A scenario key that is a probability in [0, 1]."""
    return param(default, doc, ge=0.0, le=1.0)


@dataclasses.dataclass(frozen=True)
class Choice:
    """A registered mechanism picked by a scenario: its name and its validated parameters.

    In a scenario file it is a table with ``kind`` and the entry's own keys, for example
    ``[network]`` / ``kind = "small_world"`` / ``mean_degree = 10``.
    """

    kind: str
    params: Any


def choice(registry: Any, kind: str, doc: str) -> Any:
    """A scenario table that picks an entry of ``registry`` by ``kind``, defaulting to ``kind``.

    The entry's nested ``Params`` dataclass (if any) declares the table's other keys.
    """
    entry = registry.get(kind)
    params_cls = getattr(entry, "Params", None)
    default = Choice(kind, params_cls() if params_cls else None)
    meta = {"doc": doc, "registry": registry}
    return dataclasses.field(default_factory=lambda: default, metadata=meta)
