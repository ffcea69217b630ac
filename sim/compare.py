"""``govsim compare``: the reform team's question, "is the proposed design better than ours?"

Both designs run on the same simulated worlds: replicate ``i`` of each gets the seed
:func:`sim.runs.replicate_seed` gives for ``i``, so the network, the citizens and the
incidents are the same (common random numbers) and only the government differs. Each
outcome is then compared world by world (:func:`sim.stats.paired_difference`) and put in
plain words. The folder gets ``report.html`` (one self-contained page), ``runs.parquet``
(one row per replicate and design) and ``paired.csv`` (one row per outcome).
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from sim.config import Scenario
    from sim.stats import PairedDifference

CURRENT, PROPOSED = "current", "proposed"


@dataclass(frozen=True)
class Outcome:
    """A summary key as the report speaks of it.

    Attributes:
        key: the key of :func:`sim.metrics.summary`, or ``equity_gap``: the absolute
            difference of the online and offline resolution rates (0: equal treatment).
        label: what it is, in words ("mean response time").
        unit: appended to numbers ("h"), or "" for counts and shares.
        better: "lower", "higher", or "" when neither direction is better (context only).
        digits: decimals shown.
    """

    key: str
    label: str
    unit: str
    better: str
    digits: int = 1


#: What a comparison reports, in the order of the verdict table.
OUTCOMES = (
    Outcome("response_time_hours_mean", "mean response time", "h", "lower"),
    Outcome("first_response_hours_mean", "mean time to a first reply", "h", "lower"),
    Outcome("resolution_rate", "share of cases solved", "", "higher", 3),
    Outcome("responded_not_resolved", "cases answered without solving", "", "lower", 0),
    Outcome("backlog_final", "cases still open at the end", "", "lower", 0),
    Outcome("crises", "public-opinion crises", "", "lower", 2),
    Outcome("crisis_hours", "hours issues spent in crisis", "h", "lower", 0),
    Outcome("mean_trust_final", "mean trust at the end", "", "higher", 3),
    Outcome("offline_resolution_rate", "share of offline citizens' cases solved", "", "higher", 3),
    Outcome("equity_gap", "gap between online and offline cases solved", "", "lower", 3),
    Outcome("security_incidents", "security incidents", "", "lower", 2),
    Outcome("staff_utilisation", "staff utilisation", "", "", 3),
)

#: Summary keys that each run must return for the comparison.
RUN_KEYS = tuple(
    sorted(
        {o.key for o in OUTCOMES if o.key != "equity_gap"}
        | {"online_resolution_rate", "issues", "cases_filed"}
    )
)


def add_command(commands: argparse._SubParsersAction) -> None:
    """Add ``compare`` to the ``govsim`` command line."""
    from sim.cli import add_overrides_option

    compare = commands.add_parser(
        "compare",
        help="compare two designs on the same simulated worlds and write a report",
        description="Run CURRENT and PROPOSED on the same worlds (replicate i of both uses "
        "the same seed) and write OUT/report.html, OUT/runs.parquet and OUT/paired.csv.",
    )
    compare.add_argument("current", help="the design in use, e.g. scenarios/baseline.toml")
    compare.add_argument("proposed", help="the design proposed, e.g. scenarios/full_reform.toml")
    compare.add_argument(
        "--replicates", type=_positive, default=30, metavar="N", help="worlds (default 30)"
    )
    compare.add_argument(
        "--seed", type=int, metavar="S", help="root seed (default: CURRENT's run.seed)"
    )
    add_overrides_option(
        compare, "override a key in both designs, e.g. --set population.n_citizens=4000"
    )
    compare.add_argument("--workers", type=_positive, metavar="N", help="processes (default: all)")
    compare.add_argument(
        "--out", help="output folder (default: results/compare_<current>_<proposed>)"
    )
    compare.add_argument("--quiet", action="store_true", help="no progress bar")
    compare.set_defaults(handler=_compare)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _compare(args: argparse.Namespace) -> int:
    from sim.config import load

    current = load(args.current, args.overrides)
    proposed = load(args.proposed, args.overrides)
    root = current.run.seed if args.seed is None else args.seed
    out = (
        Path(args.out)
        if args.out
        else Path("results") / f"compare_{Path(args.current).stem}_{Path(args.proposed).stem}"
    )
    result = compare(
        current,
        proposed,
        replicates=args.replicates,
        root_seed=root,
        workers=args.workers,
        progress=not args.quiet,
    )
    paths = write(result, out)
    print(result.headline())
    print(f"wrote {len(paths)} files to {out}/:")
    for path in paths:
        print(f"  {path}")
    return 0


@dataclass
class Comparison:
    """Both designs' runs (one row per replicate and design) and the paired differences."""

    current: Scenario
    proposed: Scenario
    root_seed: int
    runs: pd.DataFrame
    paired: dict[str, PairedDifference]

    def values(self, design: str, key: str) -> Any:
        """``key`` of every replicate of ``design``, in replicate order."""
        rows = self.runs[self.runs["design"] == design].sort_values("replicate")
        return rows[key].to_numpy(dtype=float)

    def seeds(self) -> list[int]:
        """The seed of each replicate, in replicate order (the same in both designs)."""
        rows = self.runs[self.runs["design"] == CURRENT].sort_values("replicate")
        return [int(seed) for seed in rows["seed"]]

    def sentence(self, outcome: Outcome) -> tuple[str, str]:
        """The verdict on ``outcome`` in plain words, and "better", "worse", "unclear"
        (no clear difference) or "context" (neither direction is better)."""
        d = self.paired[outcome.key]
        a, b = (
            _nanmean(self.values(CURRENT, outcome.key)),
            _nanmean(self.values(PROPOSED, outcome.key)),
        )
        show = _fmt(outcome)
        if d.n == 0:
            return (f"No run gave a value for {outcome.label}.", "unclear")
        if d.ties == d.n:
            return (f"The same {outcome.label} in every world: {show(a)}.", "unclear")
        interval = (
            f"paired difference {show(d.mean, sign=True)}, {round(d.level * 100)}% CI "
            f"{show(d.low, sign=True)} to {show(d.high, sign=True)}"
            if d.n >= 2 and not math.isnan(d.low)
            else f"paired difference {show(d.mean, sign=True)}"
        )
        if not outcome.better:
            verb = "raises" if d.mean > 0 else "lowers" if d.mean < 0 else "keeps"
            text = f"Proposed {verb} {outcome.label} from {show(a)} to {show(b)} ({interval})."
            return (text, "context")
        higher_is_better = outcome.better == "higher"
        better_worlds = d.b_higher if higher_is_better else d.a_higher
        worlds = f"{better_worlds} of {d.n} worlds better"
        if d.ties:
            worlds += f", {d.ties} the same"
        if not d.significant:
            text = (
                f"No clear difference in {outcome.label}: {show(a)} now, {show(b)} proposed "
                f"({interval}; {worlds})."
            )
            return (text, "unclear")
        improves = (d.mean > 0) == higher_is_better
        verb = "raises" if d.mean > 0 else "cuts" if improves else "lowers"
        text = (
            f"Proposed {verb} {outcome.label} from {show(a)} to {show(b)} ({interval}; {worlds})."
        )
        return (text, "better" if improves else "worse")

    def headline(self) -> str:
        """One line for the terminal: how many outcomes improve, worsen, stay unclear."""
        kinds = [self.sentence(o)[1] for o in OUTCOMES]
        n = self.runs["replicate"].nunique()
        return (
            f"compared {self.current.source or 'current'} with "
            f"{self.proposed.source or 'proposed'} on {n} worlds: "
            f"{kinds.count('better')} outcomes better, {kinds.count('worse')} worse, "
            f"{kinds.count('unclear')} unclear"
        )


def _nanmean(values: Any) -> float:
    import numpy as np

    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else math.nan


def _fmt(outcome: Outcome) -> Any:
    def show(value: float, sign: bool = False) -> str:
        if math.isnan(value):
            return "n/a"
        text = f"{value:+,.{outcome.digits}f}" if sign else f"{value:,.{outcome.digits}f}"
        return f"{text} {outcome.unit}" if outcome.unit else text

    return show


def compare(
    current: Scenario,
    proposed: Scenario,
    *,
    replicates: int = 30,
    root_seed: int = 0,
    workers: int | None = None,
    progress: bool = True,
) -> Comparison:
    """Run both designs on ``replicates`` shared worlds and pair their outcomes.

    Args:
        current, proposed: the two validated scenarios.
        replicates: worlds; replicate ``i`` of both runs with ``replicate_seed(root_seed, i)``.
        root_seed: the root of the replicates' seeds.
        workers: processes (``None``: one per core; 1 runs in this process).
        progress: show a progress bar.
    """
    import pandas as pd
    from tqdm import tqdm

    from sim.runs import replicate_seed
    from sim.stats import paired_difference

    seeds = [replicate_seed(root_seed, i) for i in range(replicates)]
    rows = []
    with tqdm(
        total=2 * replicates, unit="run", desc="comparing", disable=not progress or None
    ) as bar:
        for design, scenario in ((CURRENT, current), (PROPOSED, proposed)):
            for replicate, record in _run_all(scenario, seeds, workers):
                rows.append({"design": design, "replicate": replicate, **record})
                bar.update(1)
    runs = pd.DataFrame(rows).sort_values(["design", "replicate"], ignore_index=True)
    runs["equity_gap"] = (runs["online_resolution_rate"] - runs["offline_resolution_rate"]).abs()
    table = Comparison(current, proposed, root_seed, runs, {})
    for outcome in OUTCOMES:
        table.paired[outcome.key] = paired_difference(
            table.values(CURRENT, outcome.key), table.values(PROPOSED, outcome.key)
        )
    return table


def _run_all(scenario: Scenario, seeds: list[int], workers: int | None) -> Any:
    """Yield ``(replicate, record)`` for every seed, in the order runs finish."""
    from sim.config import to_dict
    from sim.errors import InputError
    from sim.experiments.executors import LocalPool
    from sim.experiments.tasks import Job, Model, execute

    model = Model(
        base=to_dict(scenario),
        base_source=scenario.source,
        function=None,
        fixed=(),
        keys=(),
        outcomes=RUN_KEYS,
    )
    jobs = (Job(i, 0, i, seed, ()) for i, seed in enumerate(seeds))
    if workers == 1 or len(seeds) == 1:
        results = ((job, execute(model, job)) for job in jobs)
    else:
        results = LocalPool(workers).results(model, jobs)
    for job, record in results:
        if record["status"] != "ok":
            raise InputError(
                f"{scenario.source or 'a design'}: replicate {job.replicate} (seed {job.seed}) "
                f"failed: {record['error']}"
            )
        keep = ("seed", "wall_seconds", *RUN_KEYS)
        yield job.replicate, {key: record[key] for key in keep}


# ----------------------------------------------------------------------------- writing


def paired_table(result: Comparison) -> pd.DataFrame:
    """One row per outcome: both means, the paired difference, its interval, the verdict."""
    import pandas as pd

    rows = []
    for outcome in OUTCOMES:
        d = result.paired[outcome.key]
        text, verdict = result.sentence(outcome)
        rows.append(
            {
                "outcome": outcome.key,
                "label": outcome.label,
                "unit": outcome.unit,
                "better_when": outcome.better or "neither",
                "current_mean": _nanmean(result.values(CURRENT, outcome.key)),
                "proposed_mean": _nanmean(result.values(PROPOSED, outcome.key)),
                "difference_mean": d.mean,
                "ci_low": d.low,
                "ci_high": d.high,
                "ci_level": d.level,
                "pairs": d.n,
                "proposed_higher": d.b_higher,
                "current_higher": d.a_higher,
                "ties": d.ties,
                "verdict": verdict,
                "sentence": text,
            }
        )
    return pd.DataFrame(rows)


def write(result: Comparison, out: str | Path) -> list[Path]:
    """Write ``report.html``, ``runs.parquet`` and ``paired.csv`` into ``out``."""
    from sim.files import atomic_write

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    runs = result.runs
    paired = paired_table(result)
    paths = [
        atomic_write(out / "runs.parquet", lambda p: runs.to_parquet(p, index=False)),
        atomic_write(out / "paired.csv", lambda p: paired.to_csv(p, index=False)),
    ]
    paths.append(_report(result, paired).write(out / "report.html"))
    return paths


def _report(result: Comparison, paired: pd.DataFrame) -> Any:
    import html

    import pandas as pd

    from sim.config import scenario_hash, to_toml
    from sim.html_report import HtmlReport
    from sim.runs import versions

    current, proposed = result.current, result.proposed
    n = result.runs["replicate"].nunique()
    report = HtmlReport("Current design against proposed design")
    report.paragraph(
        f"Current: {current.source or '(no file)'}. Proposed: {proposed.source or '(no file)'}. "
        f"Both ran on the same {n} simulated worlds of {current.run.steps} hours each "
        f"({current.population.n_citizens:,} citizens): in world i both designs meet the "
        "same social network, the same citizens and the same incidents; only the "
        "government differs. Each outcome is compared world by world."
    )
    world = _world_differences(current, proposed)
    if world:
        report.raw(
            '<p class="worse">Warning: the two files also differ outside the government ('
            + html.escape(", ".join(world))
            + "), so the worlds are not the same and differences mix world and design.</p>"
        )
    report.heading("Verdict")
    kinds = list(paired["verdict"])
    report.paragraph(
        f"In short: over {n} worlds the proposal is clearly better on {kinds.count('better')} "
        f"outcomes, clearly worse on {kinds.count('worse')}, and not clearly different on "
        f"{kinds.count('unclear')}."
    )
    marks = {"better": "better", "worse": "worse", "unclear": "unclear", "context": "unclear"}
    items = []
    for _, row in paired.iterrows():
        css = marks[row["verdict"]]
        label = {"better": "Better", "worse": "Worse", "unclear": "Unclear", "context": "Note"}[
            row["verdict"]
        ]
        items.append(f'<li><span class="{css}">{label}:</span> {html.escape(row["sentence"])}</li>')
    report.raw("<ul>" + "".join(items) + "</ul>")
    worse = paired[paired["verdict"] == "worse"]
    report.heading("Trade-offs")
    if worse.empty:
        report.paragraph(
            "On none of the outcomes above is the proposal clearly worse on these worlds."
        )
    else:
        report.paragraph("Where the proposal is clearly worse:")
        report.bullets(list(worse["sentence"]))
    report.paragraph(
        "How to read this: the paired difference is proposed minus current, averaged over "
        "worlds; the interval is a 95% confidence interval of that average (Student t over "
        "the worlds). 'No clear difference' means the interval includes zero: more worlds "
        "(--replicates) may settle it. 'k of n worlds better' counts the worlds where the "
        "proposal did better, whatever the size."
    )
    table = pd.DataFrame(
        {
            "outcome": paired["label"],
            "current": paired["current_mean"],
            "proposed": paired["proposed_mean"],
            "difference": paired["difference_mean"],
            "95% CI low": paired["ci_low"],
            "95% CI high": paired["ci_high"],
            "worlds": paired["pairs"],
        }
    )
    report.table(table, caption="Means over worlds and paired differences (proposed - current)")
    report.heading("Distributions over the worlds")
    report.figure(
        _paired_plot(result),
        caption="Each line joins one world's outcome under the current design (left) and "
        "the proposed one (right); the black marks are the means.",
    )
    report.heading("What ran")
    seeds = result.seeds()
    report.bullets(
        [
            f"Root seed {result.root_seed}; replicate i ran with seed "
            "replicate_seed(root, i) in both designs (numpy SeedSequence spawn key).",
            "Seeds: " + ", ".join(str(s) for s in seeds),
            f"Scenario hash: current {scenario_hash(current)}, proposed {scenario_hash(proposed)}",
            "Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()),
            "Repeat one world: govsim run FILE --seed SEED",
        ]
    )
    report.heading("Current design (fully resolved)", 3)
    report.code(to_toml(current))
    report.heading("Proposed design (fully resolved)", 3)
    report.code(to_toml(proposed))
    return report


def _world_differences(a: Scenario, b: Scenario) -> list[str]:
    """Top-level sections, other than the government and the run's seed, that differ."""
    from sim.config import to_dict

    left, right = to_dict(a), to_dict(b)
    out = []
    for section in sorted(set(left) | set(right)):
        if section in {"government", "run", "reactions"}:
            continue
        if left.get(section) != right.get(section):
            out.append(section)
    if left["run"]["steps"] != right["run"]["steps"]:
        out.append("run.steps")
    return out


def _paired_plot(result: Comparison) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    shown = list(OUTCOMES)
    cols = 4
    rows = math.ceil(len(shown) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.1 * cols, 2.7 * rows), squeeze=False)
    for ax, outcome in zip(axes.flat, shown, strict=False):
        a = result.values(CURRENT, outcome.key)
        b = result.values(PROPOSED, outcome.key)
        keep = np.isfinite(a) & np.isfinite(b)
        for y0, y1 in zip(a[keep], b[keep], strict=True):
            color = "#8c959f"
            if outcome.better:
                improved = (y1 > y0) == (outcome.better == "higher") and y1 != y0
                color = "#1a7f37" if improved else "#cf222e" if y1 != y0 else "#8c959f"
            ax.plot([0, 1], [y0, y1], color=color, alpha=0.45, lw=1)
        if keep.any():
            ax.plot([0, 1], [a[keep].mean(), b[keep].mean()], "k_-", ms=18, mew=2.5, lw=2)
        ax.set_xticks([0, 1], ["current", "proposed"])
        ax.set_xlim(-0.3, 1.3)
        title = outcome.label + (f" ({outcome.unit})" if outcome.unit else "")
        ax.set_title(title, fontsize=9, wrap=True)
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[len(shown) :]:
        ax.axis("off")
    fig.suptitle("green: the proposal did better in that world; red: worse", fontsize=9)
    fig.tight_layout()
    return fig
