"""Functions with known answers, run through the sweep pipeline instead of a scenario.

An experiment may name ``function = "module:name"`` instead of a scenario: a function of
``(params, seed)`` that returns a dict of outcomes. These check the pipeline itself
(designs, runner, executors, analysis) against answers known in closed form, and exercise
its failure handling; they are not models of anything.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any


def ishigami(params: dict[str, Any], seed: int) -> dict[str, float]:
    """The Ishigami function, ``sin x1 + a sin^2 x2 + b x3^4 sin x1`` on [-pi, pi]^3.

    Its Sobol indices are known in closed form (:func:`ishigami_indices`); ``a`` and ``b``
    default to 7 and 0.1 (Ishigami & Homma 1990; Saltelli et al. 2008, Global Sensitivity
    Analysis: The Primer). The seed is unused: the function is deterministic.
    """
    a = float(params.get("a", 7.0))
    b = float(params.get("b", 0.1))
    x1, x2, x3 = (float(params[k]) for k in ("x1", "x2", "x3"))
    return {"y": math.sin(x1) + a * math.sin(x2) ** 2 + b * x3**4 * math.sin(x1)}


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> dict[str, dict[str, float]]:
    """Exact first-order (S1) and total (ST) Sobol indices of :func:`ishigami`."""
    pi = math.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return {
        "S1": {"x1": v1 / v, "x2": v2 / v, "x3": 0.0},
        "ST": {"x1": (v1 + v13) / v, "x2": v2 / v, "x3": v13 / v},
    }


def faulty(params: dict[str, Any], seed: int) -> dict[str, float]:
    """A quick function that misbehaves on demand, to test how sweeps survive it.

    ``params["x"]`` is returned (as ``y``, with ``seed % 1000`` as ``s``) unless
    ``params["fault"]`` says otherwise:

    - ``"raise"``: raises ``ValueError``;
    - ``"die"``: kills its own process (``os._exit``), every time;
    - ``"die_once"``: kills its process the first time it runs for this ``x`` (a marker
      file in ``params["marker_dir"]`` remembers), then returns normally.
    """
    fault = params.get("fault", "none")
    x = float(params.get("x", 0.0))
    if fault == "raise":
        raise ValueError(f"a run made to fail (x = {x:g})")
    if fault == "die":
        os._exit(17)
    if fault == "die_once":
        marker = Path(params["marker_dir"]) / f"died-{x:g}"
        if not marker.exists():
            marker.write_text("died once\n")
            os._exit(17)
    return {"y": x, "s": float(seed % 1000)}
