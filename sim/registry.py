"""Registries: a mechanism is a name in a scenario file and a small class or function behind it.

Each pluggable axis of the model (network builders, severity distributions, and later the
government's structures, policies and platforms) keeps its choices in a :class:`Registry`.
A scenario names a choice with ``kind = "<name>"``; the registry finds it, or says what the
valid names are and which one the user probably meant.

An entry may declare a ``Params`` frozen dataclass: the keys its scenario table accepts
beside ``kind``. The scenario loader validates the table against it (see ``sim.config``).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator


class UnknownChoiceError(KeyError):
    """A name that is not in a registry; the message lists the valid choices."""

    def __init__(self, message: str, name: str, choices: list[str], suggestion: str | None):
        super().__init__(message)
        self.message = message
        self.name = name
        self.choices = choices
        self.suggestion = suggestion

    def __str__(self) -> str:
        return self.message


def did_you_mean(name: str, choices: list[str] | tuple[str, ...]) -> str | None:
    """The closest of ``choices`` to ``name``, or None when nothing is close."""
    close = difflib.get_close_matches(str(name), list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def choose_from(name: object, choices: list[str] | tuple[str, ...]) -> str:
    """The tail of an unknown-name message: a did-you-mean when one is close, then the choices.

    Example: ``"; did you mean 'small_world'? choose one of: erdos_renyi, small_world"``,
    or ``"; choose one of: ..."`` when nothing is close (or ``name`` is not a string).
    """
    suggestion = did_you_mean(name, choices) if isinstance(name, str) else None
    hint = f"; did you mean '{suggestion}'?" if suggestion else ";"
    return f"{hint} choose one of: {', '.join(choices)}"


class Registry[T]:
    """Named choices of one kind, in the order they were registered.

    Args:
        what: what the entries are, for messages ("network builder", "response policy").

    Example:
        >>> BUILDERS = Registry("network builder")
        >>> @BUILDERS.register("ring")
        ... def ring(n, params, rng): ...
        >>> BUILDERS.get("rng")
        Traceback (most recent call last):
        ...
        sim.registry.UnknownChoiceError: unknown network builder 'rng'; did you mean 'ring'? ...
    """

    def __init__(self, what: str):
        self.what = what
        self._entries: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator that adds its target under ``name``; a name can be taken once."""

        def add(entry: T) -> T:
            if name in self._entries:
                raise ValueError(f"{self.what} '{name}' is already registered")
            self._entries[name] = entry
            return entry

        return add

    def get(self, name: str) -> T:
        """The entry called ``name``.

        Raises:
            UnknownChoiceError: the name is not registered; the message suggests the
                closest name and lists all of them.
        """
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            choices = self.names()
            suggestion = did_you_mean(name, choices) if isinstance(name, str) else None
            message = f"unknown {self.what} {name!r}{choose_from(name, choices)}"
            raise UnknownChoiceError(message, name, choices, suggestion) from None

    def names(self) -> list[str]:
        """The registered names, in registration order."""
        return list(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def items(self) -> list[tuple[str, T]]:
        """(name, entry) pairs in registration order."""
        return list(self._entries.items())
