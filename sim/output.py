"""Writing a finished run to a folder: Parquet tables, a JSON summary and PNG plots.

Every file is written to a temporary name and renamed into place, so a folder never holds
a half-written file, even when a run is interrupted.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from sim import __version__, metrics
from sim.config import to_toml
from sim.issues import Stage

if TYPE_CHECKING:
    from sim.model import GovSimModel

#: What ``write_run`` writes, file name -> what it holds.
FILES = {
    "timeseries.parquet": "one row per hour: every reporter of sim.metrics",
    "issues.parquet": "one row per issue: severity, birth, peak, crisis hours, stage",
    "attention.parquet": "attention of every open issue at every hour (long format)",
    "summary.json": "the run's outcomes, seed, scenario hash and versions",
    "scenario.toml": "the fully resolved scenario that ran",
    "attention.png": "attention per issue over time with the crisis threshold, and crises",
    "trust.png": "mean trust (all, online, offline) and open demands over time",
}


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _json_ready(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_run(model: GovSimModel, out: str | Path) -> dict[str, Path]:
    """Write the run's tables, summary and plots into ``out`` (created if missing).

    Returns:
        File name -> path of each file written (see :data:`FILES`).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / name for name in FILES}

    timeseries = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    issues = pd.DataFrame(model.issues.table())
    issues["stage"] = [Stage(s).name.lower() for s in issues["stage"]]
    attention = pd.DataFrame(model.issues.attention_history())
    attention["stage"] = [Stage(s).name.lower() for s in attention["stage"]]
    for name, frame in (
        ("timeseries.parquet", timeseries),
        ("issues.parquet", issues),
        ("attention.parquet", attention),
    ):
        _atomic(paths[name], lambda p, f=frame: f.to_parquet(p, index=False))

    summary = {k: _json_ready(v) for k, v in metrics.summary(model).items()}
    summary["govsim_version"] = __version__
    summary["scenario_file"] = model.config.source
    text = json.dumps(summary, indent=2, allow_nan=False) + "\n"
    _atomic(paths["summary.json"], lambda p: p.write_text(text))
    _atomic(paths["scenario.toml"], lambda p: p.write_text(to_toml(model.config)))

    _atomic(paths["attention.png"], lambda p: plot_attention(model, p))
    _atomic(paths["trust.png"], lambda p: plot_trust(timeseries, p))
    return paths


def plot_attention(model: GovSimModel, path: Path, top: int = 8) -> None:
    """Attention share of each issue over time (the ``top`` largest labelled), and crises."""
    history = pd.DataFrame(model.issues.attention_history())
    n = model.citizens.n
    threshold = model.issues.crisis / n
    fig, (ax, ax2) = plt.subplots(
        2, 1, figsize=(9, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    if not history.empty:
        peaks = history.groupby("issue")["attention"].max().sort_values(ascending=False)
        labelled = list(peaks.index[:top])
        for issue, rows in history.groupby("issue"):
            if issue in labelled:
                continue
            ax.plot(rows["hour"], rows["attention"] / n, color="0.75", lw=0.7)
        for issue in labelled:
            rows = history[history["issue"] == issue]
            sev = model.issues.severity[issue]
            ax.plot(
                rows["hour"], rows["attention"] / n, lw=1.6, label=f"issue {issue} (sev {sev:.2f})"
            )
        ax.legend(loc="upper right", fontsize=8, ncol=2)
    ax.axhline(threshold, color="crimson", ls="--", lw=1)
    ax.text(0, threshold, " crisis threshold", color="crimson", va="bottom", fontsize=8)
    ax.set_ylabel("attention (share of citizens engaged)")
    ax.set_title(
        f"Attention per issue: {model.issues.count} issues, {model.issues.crises()} crises"
    )
    series = model.datacollector.get_model_vars_dataframe()
    ax2.step(
        series["hour"],
        series["issues_in_crisis"],
        where="post",
        color="crimson",
        label="in crisis now",
    )
    ax2.step(series["hour"], series["crises"], where="post", color="k", label="crises so far")
    ax2.set_ylabel("issues")
    ax2.set_xlabel("hour")
    ax2.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)


def plot_trust(series: pd.DataFrame, path: Path) -> None:
    """Mean trust of all, online and offline citizens, and the share with open demands."""
    fig, (ax, ax2) = plt.subplots(
        2, 1, figsize=(9, 5.5), sharex=True, gridspec_kw={"height_ratios": [2, 1]}
    )
    ax.plot(series["hour"], series["mean_trust"], color="k", lw=1.8, label="all citizens")
    ax.plot(series["hour"], series["mean_trust_online"], color="tab:blue", label="netizens")
    ax.plot(series["hour"], series["mean_trust_offline"], color="tab:orange", label="offline")
    ax.set_ylim(0, 1)
    ax.set_ylabel("mean trust in government")
    ax.set_title("Trust in government")
    ax.legend(loc="lower left", fontsize=8)
    ax2.plot(
        series["hour"], series["open_demands_share"], color="tab:red", label="unanswered demands"
    )
    ax2.plot(series["hour"], series["engaged_share"], color="tab:purple", label="engaged now")
    ax2.set_ylabel("share of citizens")
    ax2.set_xlabel("hour")
    ax2.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)
