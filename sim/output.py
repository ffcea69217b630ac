"""Writing a finished run to a folder: Parquet tables, a JSON summary and PNG plots.

Every file is written to a temporary name and renamed into place, so a folder never holds
a half-written file, even when a run is interrupted. The files of :data:`GOVERNMENT_FILES`
are written only when the model has a government.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, NullLocator

from sim import __version__, metrics
from sim.config import to_toml
from sim.files import atomic_write
from sim.html_report import HtmlReport
from sim.issues import Stage
from sim.runs import versions

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
    "cases.parquet": "one row per government case: channel, times (hours, NaN if not yet), outcome",
    "response.png": "first-response and resolution times, and backlog per level over time",
    "report.html": "the run on one page, readable offline: outcomes, plots, scenario, versions",
}

#: The files of :data:`FILES` written only when the model has a government.
GOVERNMENT_FILES = frozenset({"cases.parquet", "response.png"})

#: Columns of ``cases.parquet``: times are hours since the start of the run, NaN when the
#: event has not happened yet; ``outcome`` is null while the case is open; ``channel`` is
#: -1 and ``channel_kind`` "monitoring" for cases opened by monitoring.
CASE_COLUMNS = (
    "id",
    "issue",
    "severity",
    "channel",
    "channel_kind",
    "online",
    "entered",
    "opened",
    "first_response",
    "closed",
    "outcome",
    "transfers",
    "n_filers",
    "false_alarm",
)


def _json_ready(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_run(model: GovSimModel, out: str | Path) -> dict[str, Path]:
    """Write the run's tables, summary and plots into ``out`` (created if missing).

    Without a government, the files of :data:`GOVERNMENT_FILES` are not written.

    Returns:
        File name -> path of each file written (see :data:`FILES`), in the order of FILES.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    has_government = model.government is not None
    paths = {name: out / name for name in FILES if has_government or name not in GOVERNMENT_FILES}

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
        atomic_write(paths[name], lambda p, f=frame: f.to_parquet(p, index=False))

    summary = {k: _json_ready(v) for k, v in metrics.summary(model).items()}
    summary["govsim_version"] = __version__
    summary["versions"] = versions()
    summary["scenario_file"] = model.config.source
    text = json.dumps(summary, indent=2, allow_nan=False) + "\n"
    atomic_write(paths["summary.json"], lambda p: p.write_text(text))
    atomic_write(paths["scenario.toml"], lambda p: p.write_text(to_toml(model.config)))

    atomic_write(paths["attention.png"], lambda p: plot_attention(model, p))
    atomic_write(paths["trust.png"], lambda p: plot_trust(timeseries, p))
    if has_government:
        cases = cases_table(model)
        atomic_write(paths["cases.parquet"], lambda p: cases.to_parquet(p, index=False))
        atomic_write(paths["response.png"], lambda p: plot_response(model, timeseries, p))
    run_report(model, summary, paths).write(paths["report.html"])
    return paths


#: Outcomes shown in a run's report, summary key -> what it is.
REPORT_OUTCOMES = {
    "issues": "issues opened",
    "crises": "public-opinion crises",
    "crisis_hours": "hours issues spent in crisis (issue-hours)",
    "peak_attention_share": "largest share of citizens engaged with one issue",
    "mean_trust_initial": "mean trust at the start",
    "mean_trust_final": "mean trust at the end",
    "mean_trust_online_final": "mean trust of netizens at the end",
    "mean_trust_offline_final": "mean trust of offline citizens at the end",
    "cases_filed": "cases filed",
    "cases_resolved": "cases solved",
    "resolution_rate": "share of cases solved",
    "responded_not_resolved": "cases answered without solving",
    "first_response_hours_mean": "mean time to a first reply (hours)",
    "response_time_hours_mean": "mean response time (hours)",
    "response_time_hours_p95": "95th percentile of response time (hours)",
    "backlog_final": "cases still open at the end",
    "staff_utilisation": "staff utilisation",
    "online_resolution_rate": "share of netizens' cases solved",
    "offline_resolution_rate": "share of offline citizens' cases solved",
    "security_incidents": "security incidents",
}


def run_report(model: GovSimModel, summary: dict[str, Any], paths: dict[str, Path]) -> HtmlReport:
    """The run's page: its outcomes, its PNG plots (already written) and what ran."""
    config = model.config
    report = HtmlReport(f"govsim run of {config.source or 'a scenario'}")
    report.paragraph(
        f"{model.citizens.n:,} citizens, {model.hour} hours, seed {model.seed}. "
        + (
            "No government in this scenario."
            if model.government is None
            else "Times are hours from a filing; shares are between 0 and 1."
        )
    )
    rows = [(label, summary[key]) for key, label in REPORT_OUTCOMES.items() if key in summary]
    report.table(
        pd.DataFrame(rows, columns=["outcome", "value"]), caption="Outcomes (summary.json)"
    )
    for name, caption in (
        ("attention.png", "Attention per issue, with the crisis threshold"),
        ("trust.png", "Mean trust and open demands"),
        ("response.png", "Response times and backlog per level"),
    ):
        if name in paths:
            report.image(paths[name], caption)
    report.heading("What ran")
    report.bullets(
        [
            f"Seed {model.seed}; scenario hash {model.scenario_hash}",
            "Versions: " + ", ".join(f"{k} {v}" for k, v in summary["versions"].items()),
            "Repeat: govsim run scenario.toml --seed " + str(model.seed),
        ]
    )
    report.heading("Scenario (fully resolved)", 3)
    report.code(to_toml(config))
    return report


def _hours(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def cases_table(model: GovSimModel) -> pd.DataFrame:
    """One row per case of the government (columns :data:`CASE_COLUMNS`), in order of id.

    ``entered`` tells whether the case has reached a desk (a filing still in a channel's
    delay has not); :func:`sim.metrics.government_summary` counts entered cases only.
    """
    gov = model.government
    cases = gov.cases if gov is not None else []
    kinds = [c.kind for c in gov.channels] if gov is not None else []
    table = pd.DataFrame(
        {
            "id": np.array([c.id for c in cases], dtype=np.int64),
            "issue": np.array([c.issue for c in cases], dtype=np.int64),
            "severity": np.array([c.severity for c in cases], dtype=np.float64),
            "channel": np.array([c.channel for c in cases], dtype=np.int64),
            "channel_kind": pd.Series(
                [kinds[c.channel] if c.channel >= 0 else "monitoring" for c in cases],
                dtype=object,
            ),
            "online": np.array([c.online for c in cases], dtype=bool),
            "entered": np.array([c.entered for c in cases], dtype=bool),
            "opened": np.array([c.opened for c in cases], dtype=np.float64),
            "first_response": np.array([_hours(c.first_response) for c in cases], dtype=np.float64),
            "closed": np.array([_hours(c.closed) for c in cases], dtype=np.float64),
            "outcome": pd.Series([c.outcome for c in cases], dtype=object),
            "transfers": np.array([c.transfers for c in cases], dtype=np.int64),
            "n_filers": np.array([len(c.filers) for c in cases], dtype=np.int64),
            "false_alarm": np.array([c.false_alarm for c in cases], dtype=bool),
        }
    )
    return table[list(CASE_COLUMNS)]


def _save(fig: Figure, path: Path) -> None:
    fig.savefig(path, dpi=110, format="png")


def plot_attention(model: GovSimModel, path: Path, top: int = 8) -> None:
    """Attention share of each issue over time (the ``top`` largest labelled), and crises."""
    _save(attention_figure(model, top), path)


def attention_figure(
    model: GovSimModel,
    top: int = 8,
    figsize: tuple[float, float] = (9, 6),
    colours: dict[int, str] | None = None,
) -> Figure:
    """The figure of :func:`plot_attention` (also drawn live by the view).

    Args:
        colours: issue id -> colour of its line; by default the ``top`` issues take
            matplotlib's colour cycle in order of peak attention.
    """
    history = pd.DataFrame(model.issues.attention_history())
    n = model.citizens.n
    threshold = model.issues.crisis / n
    fig = Figure(figsize=figsize)
    ax, ax2 = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
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
                rows["hour"],
                rows["attention"] / n,
                lw=1.6,
                label=f"issue {issue} (sev {sev:.2f})",
                color=None if colours is None else colours.get(int(issue)),
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
    return fig


def plot_trust(series: pd.DataFrame, path: Path) -> None:
    """Mean trust of all, online and offline citizens, and the share with open demands."""
    _save(trust_figure(series), path)


def trust_figure(series: pd.DataFrame, figsize: tuple[float, float] = (9, 5.5)) -> Figure:
    """The figure of :func:`plot_trust` (also drawn live by the view)."""
    fig = Figure(figsize=figsize)
    ax, ax2 = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    ax.plot(
        series["hour"],
        series["mean_trust"],
        color="k",
        lw=1.2,
        ls="--",
        zorder=3,
        label="all citizens",
    )
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
    return fig


def _real_cases(model: GovSimModel) -> list[Any]:
    """The cases :func:`sim.metrics.government_summary` counts (entered, no false alarms)."""
    return model.government.real_cases()


def _cases(count: int) -> str:
    return f"{count} case" if count == 1 else f"{count} cases"


#: Ticks of the log-scaled time axes: hours, the longer ones also in days (d) or weeks (wk).
TIME_TICKS = {
    0.1: "0.1",
    0.25: "0.25",
    0.5: "0.5",
    1: "1",
    2: "2",
    4: "4",
    8: "8",
    24: "24\n(1 d)",
    72: "72\n(3 d)",
    168: "168\n(1 wk)",
    336: "336\n(2 wk)",
    720: "720\n(30 d)",
    2160: "2160\n(90 d)",
    8760: "8760\n(1 yr)",
}


def _time_ticks(low: float, high: float, most: int = 9) -> list[float]:
    """The ticks of :data:`TIME_TICKS` in [low, high], at least 1/``most`` of the axis apart."""
    gap = np.log10(high / low) / most
    kept: list[float] = []
    for tick in TIME_TICKS:
        if low <= tick <= high and (not kept or np.log10(tick / kept[-1]) >= gap):
            kept.append(tick)
    return kept


def _time_bins(hours: np.ndarray, n: int = 40) -> np.ndarray:
    """Log-spaced bin edges covering ``hours`` (times under 0.01 h go in the first bin)."""
    positive = hours[hours > 0]
    low = max(float(positive.min()) * 0.9, 0.01) if positive.size else 0.1
    high = max(float(hours.max()) * 1.1, low * 10) if hours.size else 10.0
    return np.geomspace(low, high, n + 1)


def _time_histogram(
    ax: plt.Axes, hours: np.ndarray, bins: np.ndarray, what: str, color: str, notes: list[str]
) -> None:
    """Histogram of ``hours`` on log-spaced ``bins``, its mean and 95th percentile marked.

    ``notes`` go in the legend; the y range leaves room above the bars for the legend.
    """
    entries = len(notes)
    if hours.size:
        shown = np.clip(hours, bins[0], bins[-1])
        counts, _, _ = ax.hist(
            shown, bins=bins, color=color, alpha=0.8, label=f"{what}: {_cases(hours.size)}"
        )
        mean = float(hours.mean())
        p95 = float(np.percentile(hours, 95))
        ax.axvline(max(mean, bins[0]), color="k", lw=1.3, label=f"mean {mean:.1f} h")
        ax.axvline(
            max(p95, bins[0]), color="crimson", ls="--", lw=1.3,
            label=f"95th percentile {p95:.1f} h",
        )  # fmt: skip
        entries += 3
        # about 8.5% of the height per legend entry
        ax.set_ylim(0, max(counts.max(), 1) / max(0.3, 0.95 - 0.085 * entries))
    else:
        ax.set_ylim(0, 1)
        ax.text(
            0.5, 0.5, f"no {what} yet", transform=ax.transAxes, ha="center", va="center",
            color="0.4",
        )  # fmt: skip
    for note in notes:
        ax.plot([], [], " ", label=note)
    ax.set_xscale("log")
    ticks = _time_ticks(bins[0], bins[-1])
    ax.set_xticks(ticks, [TIME_TICKS[t] for t in ticks], fontsize=8)
    ax.xaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("cases")
    ax.legend(loc="best", fontsize=8)


#: Runs at least this long get their backlog drawn as a trailing 24-hour mean too.
SMOOTH_FROM_HOURS = 72


def plot_response(model: GovSimModel, series: pd.DataFrame, path: Path) -> None:
    """How fast the government answers, and where cases pile up (see :func:`response_figure`)."""
    _save(response_figure(model, series), path)


def response_figure(
    model: GovSimModel, series: pd.DataFrame, figsize: tuple[float, float] = (13, 6.5)
) -> Figure:
    """How fast the government answers, and where cases pile up (also drawn live by the view).

    Left: histograms (log-spaced bins, log time axis) of the time from filing to the first
    response (a holding reply or the answer) and to the final answer, over the cases
    :func:`sim.metrics.government_summary` counts (so the means and 95th percentiles match
    ``summary.json``); cases not yet answered are counted in the legend. Right: cases
    waiting or in service at each level, hourly (thin) and, in runs of at least
    :data:`SMOOTH_FROM_HOURS` hours, as a trailing 24-hour mean (bold): the front line (with
    all open cases, which also counts cases bounced between departments) above, the levels
    above it below, each on its own scale.
    """
    gov = model.government
    real = _real_cases(model)
    first = np.array([c.first_response - c.opened for c in real if c.first_response is not None])
    final = np.array([c.closed - c.opened for c in real if c.closed is not None])
    solved = sum(c.outcome == "solved" for c in real)
    levels = gov.params.levels
    fig = Figure(figsize=figsize)
    grid = fig.add_gridspec(2, 2, width_ratios=(1, 1.2))
    ax_first = fig.add_subplot(grid[0, 0])
    ax_final = fig.add_subplot(grid[1, 0], sharex=ax_first)
    if len(levels) > 1:
        ax_front = fig.add_subplot(grid[0, 1])
        ax_upper = fig.add_subplot(grid[1, 1], sharex=ax_front)
        backlog_axes = [(ax_front, [0]), (ax_upper, list(range(1, len(levels))))]
    else:
        ax_front = ax_upper = fig.add_subplot(grid[:, 1])
        backlog_axes = [(ax_front, [0])]

    bins = _time_bins(np.concatenate([first, final]))
    same = bool(final.size) and np.array_equal(first, final)
    notes = [f"{_cases(len(real) - first.size)} still waiting"]
    if same:
        notes.append("no holding replies: first response = final answer")
    _time_histogram(ax_first, first, bins, "first response", "tab:blue", notes)
    ax_first.set_title("Time to first response (filing to first reply of any kind)")
    ax_first.tick_params(labelbottom=False)
    notes = [f"{_cases(len(real) - final.size)} still open"]
    _time_histogram(ax_final, final, bins, "final answer", "tab:green", notes)
    ax_final.set_title("Resolution time (filing to final answer)")
    ax_final.set_xlabel("hours from filing (log scale)")
    ax_final.set_xlim(bins[0], bins[-1])
    if same:  # the same histogram twice: the same scale
        top = max(ax_first.get_ylim()[1], ax_final.get_ylim()[1])
        ax_first.set_ylim(0, top)
        ax_final.set_ylim(0, top)

    hours = series["hour"]
    smooth = len(series) > SMOOTH_FROM_HOURS
    lines = [("backlog", "all open cases (incl. bounced)", "0.45", ax_front)]
    for ax, shown in backlog_axes:
        lines += [(f"backlog_level_{i}", levels[i].name, f"C{i}", ax) for i in shown]
    for column, label, color, ax in lines:
        if column not in series:
            continue
        ls = ":" if column == "backlog" else "-"
        if smooth:
            ax.step(hours, series[column], where="post", lw=0.6, color=color, alpha=0.35)
            daily = series[column].rolling(24, min_periods=1).mean()
            ax.plot(hours, daily, lw=1.8, ls=ls, color=color, label=label)
        else:
            ax.step(hours, series[column], where="post", lw=1.6, ls=ls, color=color, label=label)
    for ax, shown in backlog_axes:
        columns = [f"backlog_level_{i}" for i in shown if f"backlog_level_{i}" in series]
        if ax is not ax_front and not series[columns].to_numpy().any():
            ax.text(
                0.5, 0.5, "no case has reached these levels", transform=ax.transAxes,
                ha="center", va="center", color="0.4",
            )  # fmt: skip
        ax.set_ylim(bottom=0, top=max(ax.get_ylim()[1], 1))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("cases")
        ax.legend(loc="upper left", fontsize=8)
    ax_front.set_xlim(hours.min(), max(hours.max(), hours.min() + 1))
    how = "thin: hourly; bold: trailing 24-hour mean" if smooth else "hourly"
    ax_front.set_title(f"Backlog per level: cases waiting or in service ({how})", fontsize=10)
    if ax_upper is not ax_front:
        ax_front.tick_params(labelbottom=False)
        ax_upper.set_title("Backlog at the levels above the front line", fontsize=10)
    ax_upper.set_xlabel("time (hours)")
    fig.suptitle(
        f"Government response after {model.hour} hours: {_cases(len(real))} filed, "
        f"{final.size} answered ({solved} solved), {len(real) - final.size} open"
    )
    fig.tight_layout()
    return fig
