"""govsim: an agent-based simulation of how governments respond to netizens.

Citizens sit on a social network; their demands spread and can escalate into
public-opinion crises. See ``docs/ODD.md`` for the model and ``README.md`` for use.
"""

__version__ = "0.1.0"
