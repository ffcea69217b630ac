"""The interactive view (``govsim view``): a Solara page over the model, offline.

- :mod:`sim.view.layout`: which citizens are drawn and where (seeded, cached per network);
- :mod:`sim.view.figures`: the pictures, redrawn fast after each step (no Solara);
- :mod:`sim.view.session`: one browser session's choices, models and pictures (no Solara);
- :mod:`sim.view.app`: the Solara page;
- :mod:`sim.view.cli`: the ``govsim view`` command.
"""
