"""The one exception family for bad input from the user.

Anything the user gave us that cannot be used (a scenario file, an experiment file, a
network file, a results folder made by something else) raises a subclass of
:class:`InputError`. Its message is meant for the user as it stands: the command line
prints it and exits with status 2, never with a traceback.
"""

from __future__ import annotations


class InputError(ValueError):
    """Input that cannot be used; ``str(error)`` is the complete message for the user."""
