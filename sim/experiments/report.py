"""``govsim report``: a sweep's folder in, ``report.html`` and CSV tables out.

Reads what the sweep saved (manifest and run parts) and nothing else; the numbers come
from :mod:`sim.experiments.analysis`, the page from :class:`sim.html_report.HtmlReport`
(self-contained: plots embedded, no script). Every table is also written as a CSV file
under ``tables/``, and each section says in plain words what its numbers say and how sure
they are.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.errors import InputError
from sim.experiments import analysis
from sim.experiments.analysis import Discovery, Sweep
from sim.experiments.runner import load_runs, read_manifest
from sim.experiments.spec import parse_condition
from sim.html_report import HtmlReport


def write_report(
    folder: str | Path, *, out: str | Path | None = None, discover: list[str] | tuple = ()
) -> list[Path]:
    """Analyse the sweep in ``folder``; write ``report.html`` and ``tables/*.csv`` into ``out``.

    Args:
        folder: a folder written by ``govsim sweep`` (finished or not).
        out: where to write (default: ``folder``).
        discover: extra scenario-discovery conditions, e.g. ``"crises >= 1"``.

    Returns:
        The files written.

    Raises:
        InputError: not a sweep folder, no finished run, or a malformed condition.
    """
    folder = Path(folder)
    out = Path(out) if out else folder
    manifest = read_manifest(folder)
    sweep = Sweep(load_runs(folder), manifest)
    conditions = []
    for text in [*manifest["report"]["discover"], *discover]:
        try:
            condition = parse_condition(text)
        except ValueError as exc:
            raise InputError(f"--discover: {exc}") from None
        if condition.outcome not in sweep.outcomes:
            raise InputError(
                f"--discover: {condition.outcome!r} is not an outcome of this sweep; "
                f"choose one of: {', '.join(sweep.outcomes)}"
            )
        if str(condition) not in {str(c) for c in conditions}:
            conditions.append(condition)
    tables = out / "tables"
    tables.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(frame: pd.DataFrame, name: str) -> None:
        path = tables / f"{name}.csv"
        frame.to_csv(path, index=False)
        written.append(path)

    page = HtmlReport(f"Sweep: {manifest['experiment']}")
    _overview(page, sweep, folder)
    save(sweep.runs, "runs")
    means = analysis.cell_means(sweep)
    save(means, "cell_means")
    if sweep.design == "grid":
        _grid(page, sweep, means, save)
    elif sweep.design == "sobol":
        _sobol(page, sweep, save)
    elif sweep.design == "morris":
        design = pd.read_parquet(folder / "design.parquet")
        _morris(page, sweep, design, save)
    else:
        _samples(page, sweep)
    if conditions:
        _discovery(page, sweep, conditions, save)
    written.insert(0, page.write(out / "report.html"))
    return written


# --------------------------------------------------------------------------- sections


def _overview(page: HtmlReport, sweep: Sweep, folder: Path) -> None:
    m = sweep.manifest
    runs = sweep.runs
    failed = int((runs["status"] != "ok").sum())
    design = m["design"]
    params = ", ".join(f"{k} = {v}" for k, v in design.items() if k != "kind")
    page.paragraph(
        f"{m['runs']} runs were planned: {m['cells']} cells of a {design['kind']} design"
        + (f" ({params})" if params else "")
        + f", {m['replicates']} replicate{'s' if m['replicates'] != 1 else ''} each, root seed "
        f"{m['seed']}. Replicate i of every cell ran with the same seed, so cells are "
        "compared world by world (common random numbers)."
    )
    status = f"{len(runs)} runs are on disk, {failed} of them failed."
    if len(runs) < m["runs"]:
        status += (
            f" The sweep is not finished ({m['runs'] - len(runs)} runs missing): the numbers "
            "below use what is there; resume it with govsim sweep ... --resume."
        )
    if failed:
        status += (
            f" Failed runs are left out of every number; their records are in {folder}/failures/."
        )
    page.paragraph(status)
    factors = pd.DataFrame(
        [
            {
                "factor": f["name"],
                "scenario key": f["key"],
                "values": ", ".join(map(str, f["levels"]))
                if f["levels"]
                else f"{f['low']:g} to {f['high']:g}"
                + (" (whole numbers)" if f["integer"] else ""),
            }
            for f in m["factors"]
        ]
    )
    page.table(factors, caption="Factors")
    page.paragraph(
        f"Model: {m['model']}"
        + (f" with {', '.join(m['fixed'])}" if m["fixed"] else "")
        + f". Outcomes: {', '.join(m['outcomes'])}. Made with "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
        + "."
    )


def _grid(page: HtmlReport, sweep: Sweep, means: pd.DataFrame, save: Any) -> None:
    page.heading("Means per cell")
    wide = means.pivot_table(
        index=["cell", *sweep.factors], columns="outcome", values="mean", sort=False
    ).reset_index()
    for outcome in sweep.outcomes:
        sub = means[means["outcome"] == outcome].set_index("cell")
        wide[outcome] = [
            _interval(sub.loc[c, "mean"], sub.loc[c, "ci_low"], sub.loc[c, "ci_high"])
            for c in wide["cell"]
        ]
    page.table(
        wide[["cell", *sweep.factors, *sweep.outcomes]],
        caption="Mean of each outcome per cell [bootstrap 95% CI]",
    )
    page.figure(_cell_plot(sweep, means), caption="Mean and 95% CI of each outcome per cell")
    page.figure(_distributions(sweep), caption="Distribution of each outcome per cell (all runs)")

    compare = sweep.manifest["report"]["compare"]
    diffs = analysis.paired_differences(sweep, compare)
    save(diffs, "paired_differences")
    page.heading("Paired differences")
    if compare:
        page.paragraph(
            f"Each level of {compare} against its first level, within every combination of "
            "the other factors, on the same seeds. b − a with a Student-t 95% CI over the "
            "paired worlds."
        )
    else:
        page.paragraph("Every cell against cell 0, on the same seeds: b − a with a 95% CI.")
    page.table(
        _concise(diffs, drop=["a"]),
        caption="Paired differences b − a (all columns in tables/paired_differences.csv)",
    )
    page.bullets([_say_difference(row) for row in diffs.itertuples()][:60])
    if compare:
        figure = _crossover(sweep, diffs, compare)
        if figure is not None:
            page.figure(figure, caption=f"Where each level of {compare} wins: b − a with 95% CI")

    if len(sweep.factors) >= 1:
        effects = analysis.main_effects(sweep)
        save(effects, "main_effects")
        page.heading("Main effects")
        page.paragraph(
            "The mean change of each outcome when a factor moves from its first level, "
            "averaged over the other factors, paired by replicate."
        )
        page.table(_concise(effects), caption="Main effects (tables/main_effects.csv)")
        page.bullets([_say_effect(row) for row in effects.itertuples()])
        page.figure(_effects_plot(effects, sweep.outcomes), caption="Main effects with 95% CI")
    if len(sweep.factors) >= 2:
        inter = analysis.interactions(sweep)
        save(inter, "interactions")
        page.heading("Interactions")
        page.paragraph(
            "How much one factor's effect changes with another's level (a difference of "
            "differences, paired by replicate); zero when the two effects simply add up."
        )
        page.table(_concise(inter), caption="Two-factor interactions (tables/interactions.csv)")
        clear = [_say_interaction(row) for row in inter.itertuples() if row.clear]
        page.bullets(
            clear
            or [
                "No interaction is clear at 95%: the effects add up, as far as "
                "these replicates can tell."
            ]
        )
        fa, fb = sweep.factors[0], sweep.factors[1]
        page.figure(
            _interaction_plot(sweep, means, fa, fb),
            caption=f"Interaction plots: mean per level of {fa}, one line per level of {fb}",
        )


def _sobol(page: HtmlReport, sweep: Sweep, save: Any) -> None:
    indices, notes = analysis.sobol_indices(sweep)
    save(indices, "sobol")
    page.heading("Sobol sensitivity indices")
    page.paragraph(
        "S1 is the share of an outcome's variance that a factor explains on its own; ST "
        "adds its interactions with the others (SALib, Saltelli's estimators; ± is the 95% "
        "bootstrap half-width). ST well above S1 means the factor acts through interactions."
    )
    for note in notes:
        page.paragraph(f"Not analysed: {note}")
    if indices.empty:
        return
    page.table(_rounded(indices), caption="First-order (S1) and total (ST) indices")
    page.bullets([_say_sobol(row) for row in indices.itertuples()])
    page.figure(_sobol_plot(indices), caption="Sobol indices with 95% CIs")


def _morris(page: HtmlReport, sweep: Sweep, design: pd.DataFrame, save: Any) -> None:
    indices, notes = analysis.morris_indices(sweep, design)
    save(indices, "morris")
    page.heading("Morris elementary effects")
    page.paragraph(
        "mu* is the mean size of a factor's elementary effects (how much it matters), each "
        "the change of the outcome over the factor's whole range (SALib's scaling); sigma "
        "their spread (how much its effect depends on the others or is non-linear)."
    )
    for note in notes:
        page.paragraph(f"Not analysed: {note}")
    if indices.empty:
        return
    page.table(_rounded(indices), caption="Morris mu*, its 95% CI half-width, and sigma")
    for outcome, group in indices.groupby("outcome", sort=False):
        top = group.sort_values("mu_star", ascending=False).iloc[0]
        page.paragraph(
            f"{outcome}: {top['factor']} matters most (mu* = {top['mu_star']:.3g} "
            f"± {top['mu_star_ci']:.2g})."
        )
    page.figure(_morris_plot(indices), caption="Morris mu* against sigma")


def _samples(page: HtmlReport, sweep: Sweep) -> None:
    page.heading("Outcomes over the sampled factors")
    page.figure(_scatter(sweep), caption="Each run's outcome against each factor")


def _discovery(page: HtmlReport, sweep: Sweep, conditions: list, save: Any) -> None:
    page.heading("Scenario discovery (PRIM)")
    if sweep.design == "grid":
        page.paragraph(
            "Scenario discovery looks for boxes in sampled factor ranges; this grid design "
            "has none. Run an lhs or sobol design to use it."
        )
        return
    page.paragraph(
        "For each condition, PRIM (the prim package) peels the factor space down to a box "
        "where the condition mostly holds. Coverage: share of the runs where it holds that "
        "fall in the box. Density: share of the runs in the box where it holds. The box "
        "kept is the one with the highest coverage among those with density ≥ 0.8."
    )
    for i, condition in enumerate(conditions):
        boxes = analysis.discover(sweep, condition)
        page.heading(str(condition), level=3)
        if isinstance(boxes, str):
            page.paragraph(boxes)
            continue
        for j, found in enumerate(boxes):
            save(found.limits, f"discovery_{i}_box_{j}")
            save(found.trajectory, f"discovery_{i}_trajectory_{j}")
            page.paragraph(
                ("" if j == 0 else f"Box {j + 1}, among the runs the boxes above leave: ")
                + _say_box(found)
            )
            page.table(_rounded(found.limits), caption=f"Box {j + 1} for {condition}")
            page.figure(
                _tradeoff(found),
                caption=f"PRIM trade-off of box {j + 1}: coverage against density",
            )
        if len(boxes) > 1:
            total = sum(b.coverage for b in boxes)
            page.paragraph(
                f"Together the {len(boxes)} boxes hold {total:.0%} of the runs where {condition}."
            )


# --------------------------------------------------------------------------- sentences


def _n(value: float) -> str:
    return "–" if not math.isfinite(value) else f"{value:.3g}"


def _interval(mean: float, low: float, high: float) -> str:
    if not math.isfinite(low):
        return _n(mean)
    return f"{_n(mean)} [{_n(low)}, {_n(high)}]"


def _say_difference(row: Any) -> str:
    where = ""
    fields = row._asdict()
    condition = {
        k: v
        for k, v in fields.items()
        if k
        not in {
            "Index",
            "a",
            "b",
            "outcome",
            "difference",
            "ci_low",
            "ci_high",
            "pairs",
            "b_higher",
            "a_higher",
            "ties",
            "clear",
        }
    }
    if condition:
        where = " where " + ", ".join(f"{k}={analysis._fmt(v)}" for k, v in condition.items())
    return _compare_sentence(
        f"{row.b} rather than {row.a}{where}",
        row.outcome,
        row.difference,
        row.ci_low,
        row.ci_high,
        row.pairs,
        row.b_higher,
        row.clear,
    )


def _compare_sentence(
    what: str, outcome: str, diff: float, low: float, high: float, n: int, higher: int, clear: bool
) -> str:
    if n < 2 or not math.isfinite(diff):
        return f"With {what}, {outcome}: too few paired runs ({n}) to say."
    if diff == 0 and low == high:
        return f"With {what}, {outcome} is the same in all {n} paired worlds."
    if clear:
        direction = "higher" if diff > 0 else "lower"
        return (
            f"With {what}, {outcome} is {direction} by {_n(abs(diff))} (95% CI {_n(low)} to "
            f"{_n(high)}; higher in {higher} of {n} paired worlds): a clear difference."
        )
    return (
        f"With {what}, {outcome} changes by {diff:+.3g} (95% CI {_n(low)} to {_n(high)}), "
        f"an interval that includes zero: no clear difference with {n} paired worlds."
    )


def _say_effect(row: Any) -> str:
    what = f"{row.factor}={analysis._fmt(row.to_level)} rather than {analysis._fmt(row.from_level)}"
    return _compare_sentence(
        what,
        row.outcome,
        row.difference,
        row.ci_low,
        row.ci_high,
        row.pairs,
        row.b_higher,
        row.clear,
    )


def _say_interaction(row: Any) -> str:
    return (
        f"{row.outcome}: the effect of {row.factor_a} ({analysis._fmt(row.a_from)} → "
        f"{analysis._fmt(row.a_to)}) changes by {row.difference:+.3g} when {row.factor_b} is "
        f"{analysis._fmt(row.b_to)} than when it is {analysis._fmt(row.b_from)} (95% CI "
        f"{_n(row.ci_low)} to {_n(row.ci_high)})."
    )


def _say_sobol(row: Any) -> str:
    text = (
        f"{row.outcome}: {row.factor} explains {row.S1:.0%} (± {row.S1_ci:.0%}) of the "
        f"variance alone and {row.ST:.0%} (± {row.ST_ci:.0%}) with its interactions"
    )
    if max(row.ST_ci, row.S1_ci) > 0.25:
        text += "; too uncertain to rank (more samples or replicates would narrow it)"
    elif row.ST + row.ST_ci < 0.05:
        text += "; it hardly matters"
    elif row.ST - row.S1 > max(row.ST_ci, row.S1_ci, 0.05):
        text += "; much of its influence is through interactions"
    return text + "."


def _say_box(found: Discovery) -> str:
    parts = [
        f"{row['factor']} between {_n(row['min'])} and {_n(row['max'])}"
        for _, row in found.limits.iterrows()
    ]
    if found.limits.empty:
        return (
            f"{found.condition} holds in {found.share:.0%} of the runs, spread over the whole "
            "range of every factor: no box concentrates it."
        )
    return (
        f"{found.condition} holds in {found.share:.0%} of the runs. It is concentrated where "
        + "; ".join(parts)
        + f": that box holds {found.coverage:.0%} of those runs (coverage), and "
        f"{found.density:.0%} of the runs inside it meet the condition (density), against "
        f"{found.share:.0%} overall; the box contains {found.mass:.0%} of all runs."
    )


#: Columns of a paired comparison that the page folds into "95% CI" and "b higher".
_PAIRED = ["difference", "ci_low", "ci_high", "pairs", "b_higher", "a_higher", "ties", "clear"]


def _concise(frame: pd.DataFrame, drop: list[str] | tuple = ()) -> pd.DataFrame:
    """A paired-comparison table for the page: the interval in one column, counts in another."""
    if frame.empty:
        return frame
    keep = [c for c in frame.columns if c not in _PAIRED and c not in drop]
    out = frame[keep].copy()
    out["difference"] = [_n(v) for v in frame["difference"]]
    out["95% CI"] = [
        f"{_n(lo)} to {_n(hi)}" for lo, hi in zip(frame["ci_low"], frame["ci_high"], strict=True)
    ]
    out["b higher"] = [
        f"{b} of {n}" for b, n in zip(frame["b_higher"], frame["pairs"], strict=True)
    ]
    out["clear"] = ["yes" if c else "no" for c in frame["clear"]]
    return out


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.round(4)


# --------------------------------------------------------------------------- plots


def _figure(ncols: int, nrows: int = 1, width: float = 4.2, height: float = 3.2) -> Figure:
    return Figure(figsize=(width * ncols, height * nrows), layout="constrained")


def _panels(outcomes: list[str], width: float) -> tuple[Figure, list[tuple[Any, str]]]:
    """A figure with one panel per outcome, two to a row; unused panels hidden."""
    rows, cols = math.ceil(len(outcomes) / 2), min(2, len(outcomes))
    fig = _figure(cols, rows, width=width)
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax in axes[len(outcomes) :]:
        ax.set_visible(False)
    return fig, list(zip(axes, outcomes, strict=False))


def _cell_labels(sweep: Sweep, cells: list[int]) -> list[str]:
    first = sweep.runs.drop_duplicates("cell").set_index("cell")
    return ["\n".join(analysis._fmt(first.loc[c, f]) for f in sweep.factors) for c in cells]


def _cell_plot(sweep: Sweep, means: pd.DataFrame) -> Figure:
    n_cells = means["cell"].nunique()
    fig, panels = _panels(sweep.outcomes, width=max(4.5, 0.45 * n_cells))
    for ax, outcome in panels:
        sub = means[means["outcome"] == outcome].sort_values("cell")
        x = np.arange(len(sub))
        low = (sub["mean"] - sub["ci_low"]).fillna(0).clip(lower=0)
        high = (sub["ci_high"] - sub["mean"]).fillna(0).clip(lower=0)
        ax.errorbar(x, sub["mean"], yerr=[low, high], fmt="o", capsize=4)
        labels = _cell_labels(sweep, list(sub["cell"])) if len(sub) <= 12 else list(sub["cell"])
        ax.set_xticks(x, labels, fontsize=6)
        ax.set_title(outcome, fontsize=9)
        ax.grid(alpha=0.3)
    return fig


def _distributions(sweep: Sweep) -> Figure:
    outcomes = sweep.outcomes
    fig, panels = _panels(outcomes, width=5.5)
    cells = sorted(sweep.ok["cell"].unique())
    for ax, outcome in panels:
        data = [sweep.ok.loc[sweep.ok["cell"] == c, outcome].dropna().to_numpy() for c in cells]
        ax.boxplot(data, tick_labels=[str(c) for c in cells])
        ax.set_title(outcome, fontsize=9)
        ax.set_xlabel("cell")
    return fig


def _effects_plot(effects: pd.DataFrame, outcomes: list[str]) -> Figure:
    fig, panels = _panels(outcomes, width=5.0)
    for ax, outcome in panels:
        sub = effects[effects["outcome"] == outcome]
        labels = [f"{r.factor}\n{r.from_level} → {r.to_level}" for r in sub.itertuples()]
        y = np.arange(len(sub))
        err = [
            (sub["difference"] - sub["ci_low"]).fillna(0),
            (sub["ci_high"] - sub["difference"]).fillna(0),
        ]
        ax.errorbar(sub["difference"], y, xerr=err, fmt="o", capsize=4)
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_yticks(y, labels, fontsize=7)
        ax.set_title(outcome, fontsize=9)
    return fig


def _interaction_plot(sweep: Sweep, means: pd.DataFrame, fa: str, fb: str) -> Figure:
    outcomes = sweep.outcomes
    fig, panels = _panels(outcomes, width=4.8)
    la, lb = sweep.levels(fa), sweep.levels(fb)
    for ax, outcome in panels:
        ok = sweep.ok
        for b in lb:
            ys = [ok.loc[(ok[fa] == a) & (ok[fb] == b), outcome].mean() for a in la]
            ax.plot(range(len(la)), ys, marker="o", label=f"{fb}={analysis._fmt(b)}")
        ax.set_xticks(range(len(la)), [analysis._fmt(a) for a in la], fontsize=8)
        ax.set_xlabel(fa, fontsize=8)
        ax.set_title(outcome, fontsize=9)
        ax.legend(fontsize=7)
    return fig


def _crossover(sweep: Sweep, diffs: pd.DataFrame, compare: str) -> Figure | None:
    """b − a against the first numeric factor, one line per level of the others."""
    others = [f for f in sweep.factors if f != compare]
    numeric = [f for f in others if all(isinstance(v, int | float) for v in sweep.levels(f))]
    if not numeric:
        return None
    x_factor = numeric[0]
    rest = [f for f in others if f != x_factor]
    outcomes = sweep.outcomes
    fig, panels = _panels(outcomes, width=5.0)
    for ax, outcome in panels:
        sub = diffs[diffs["outcome"] == outcome]
        several = sub["b"].nunique() > 1
        by = [*rest, "b"] if several else rest
        groups = sub.groupby(by, sort=False) if by else [((), sub)]
        for key, group in groups:
            group = group.sort_values(x_factor)
            key = key if isinstance(key, tuple) else (key,)
            names = [*rest, compare] if several else rest
            parts = [
                v if name == compare else f"{name}={analysis._fmt(v)}"
                for name, v in zip(names, key, strict=True)
            ]
            label = ", ".join(parts) or "all"
            ax.plot(group[x_factor], group["difference"], marker="o", label=label)
            ax.fill_between(group[x_factor], group["ci_low"], group["ci_high"], alpha=0.15)
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xlabel(x_factor, fontsize=8)
        ax.set_ylabel(f"b − a ({outcome})", fontsize=8)
        if not several:
            ax.set_title(f"{sub['b'].iloc[0]} − {sub['a'].iloc[0]}", fontsize=9)
        ax.legend(fontsize=6)
    return fig


def _sobol_plot(indices: pd.DataFrame) -> Figure:
    outcomes = list(dict.fromkeys(indices["outcome"]))
    fig, panels = _panels(outcomes, width=5.0)
    for ax, outcome in panels:
        sub = indices[indices["outcome"] == outcome]
        x = np.arange(len(sub))
        ax.bar(x - 0.2, sub["S1"], 0.4, yerr=sub["S1_ci"], capsize=3, label="S1 (alone)")
        ax.bar(x + 0.2, sub["ST"], 0.4, yerr=sub["ST_ci"], capsize=3, label="ST (total)")
        ax.set_xticks(x, sub["factor"], fontsize=7, rotation=20)
        ax.set_title(outcome, fontsize=9)
        ax.legend(fontsize=7)
    return fig


def _morris_plot(indices: pd.DataFrame) -> Figure:
    outcomes = list(dict.fromkeys(indices["outcome"]))
    fig, panels = _panels(outcomes, width=4.8)
    for ax, outcome in panels:
        sub = indices[indices["outcome"] == outcome]
        ax.scatter(sub["mu_star"], sub["sigma"])
        for row in sub.itertuples():
            ax.annotate(row.factor, (row.mu_star, row.sigma), fontsize=7)
        ax.set_xlabel("mu*")
        ax.set_ylabel("sigma")
        ax.set_title(outcome, fontsize=9)
    return fig


def _scatter(sweep: Sweep) -> Figure:
    factors, outcomes = sweep.factors, sweep.outcomes
    fig = _figure(len(factors), len(outcomes), width=3.0, height=2.4)
    axes = np.atleast_2d(fig.subplots(len(outcomes), len(factors), squeeze=False))
    for i, outcome in enumerate(outcomes):
        for j, factor in enumerate(factors):
            ax = axes[i, j]
            ax.scatter(sweep.ok[factor], sweep.ok[outcome], s=6, alpha=0.5)
            if i == len(outcomes) - 1:
                ax.set_xlabel(factor, fontsize=7)
            if j == 0:
                ax.set_ylabel(outcome, fontsize=7)
    return fig


def _tradeoff(found: Discovery) -> Figure:
    fig = _figure(1, width=5.0, height=3.6)
    ax = fig.subplots()
    t = found.trajectory
    points = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=18)
    ax.scatter(
        [found.coverage],
        [found.density],
        s=120,
        facecolors="none",
        edgecolors="red",
        label="box kept",
    )
    fig.colorbar(points, ax=ax, label="restricted factors")
    ax.set_xlabel("coverage")
    ax.set_ylabel("density")
    ax.legend(fontsize=8)
    return fig
