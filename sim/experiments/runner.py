"""The sweep runner: every run of an experiment, each written at once to its own Parquet part.

A sweep folder holds::

    manifest.json       the experiment's fingerprint, design, factors, outcomes, versions
    experiment.toml     the experiment file as it was
    scenario.toml       the base scenario, resolved (scenario models)
    design.parquet      one row per cell: its factor values
    runs/run-000042.parquet         one finished run: cell, replicate, seed, values,
                                    outcomes, wall time, status (one row)
    runs/run-000043.failed.parquet  a run that failed, with its error
    failures/run-000043.txt         its parameters and traceback

Run ``r`` is replicate ``r // cells`` of cell ``r % cells``, so the replicates advance
together across cells and adding replicates to a finished sweep keeps every run's number.
Parts are written to a temporary name and renamed, so a part is whole or absent; a
killed sweep loses only the runs in flight, and ``--resume`` runs what is missing.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim.experiments.design import cells as design_cells
from sim.experiments.executors import Executor
from sim.experiments.spec import Experiment, ExperimentError, Problem
from sim.experiments.tasks import Job, Model
from sim.files import atomic_write
from sim.runs import replicate_seed, versions

MANIFEST = "manifest.json"
RUNS = "runs"
FAILURES = "failures"
FORMAT = 1


@dataclasses.dataclass(frozen=True)
class SweepSummary:
    """What a sweep did: runs in all, already on disk, finished now, failed, and where."""

    out: Path
    runs: int
    skipped: int
    ok: int
    failed: int
    seconds: float

    def __str__(self) -> str:
        done = self.ok + self.failed
        text = (
            f"{done} runs in {self.seconds:.0f} s ({self.ok} ok, {self.failed} failed)"
            + (f", {self.skipped} already on disk" if self.skipped else "")
            + f"; {self.runs} runs in all, results in {self.out}/"
        )
        if self.failed:
            text += f"\n{self.failed} runs failed: their records are in {self.out / FAILURES}/"
        return text


def sweep(
    experiment: Experiment,
    out: str | Path,
    executor: Executor,
    *,
    resume: bool = False,
    restart: bool = False,
    progress: bool | None = None,
    max_runs: int | None = None,
) -> SweepSummary:
    """Run every run of ``experiment`` not yet in ``out`` on ``executor``, writing each at once.

    Args:
        experiment: the validated experiment.
        out: the sweep folder (created; must be new unless ``resume``).
        executor: where the runs execute (:mod:`sim.experiments.executors`).
        resume: continue a folder made by this same experiment: skip the finished runs,
            retry the failed ones, clean up half-written parts.
        restart: discard the sweep already in ``out`` (only a folder with a manifest)
            and start again.
        progress: show a progress bar (``None``: only on a terminal).
        max_runs: run only runs ``0 .. max_runs-1`` (benchmarks, smoke tests).

    Raises:
        ExperimentError: ``out`` holds something else, or another experiment's sweep.
    """
    from tqdm import tqdm

    out = Path(out)
    cells = design_cells(experiment)
    total = len(cells) * experiment.replicates
    if max_runs is not None:
        total = min(total, max_runs)
    discarded = discard(out) if restart else False
    done = prepare(experiment, out, cells, resume=resume, others_ok=discarded)
    model = Model(
        base=experiment.base,
        base_source=experiment.base_source,
        function=experiment.function,
        fixed=experiment.fixed,
        keys=tuple((f.name, f.key) for f in experiment.factors),
        outcomes=experiment.outcomes,
    )
    jobs = _jobs(experiment, cells, total, done)
    started = time.perf_counter()
    ok = failed = 0
    skipped = sum(1 for r in done if r < total)
    with tqdm(
        total=total,
        initial=skipped,
        unit="run",
        desc=experiment.name,
        disable=not progress if progress is not None else None,
        dynamic_ncols=True,
    ) as bar:
        bar.set_postfix(failed=0)
        for job, record in executor.results(model, jobs):
            write_record(out, job, record)
            if record["status"] == "ok":
                ok += 1
            else:
                failed += 1
                bar.set_postfix(failed=failed)
            bar.update(1)
    return SweepSummary(out, total, skipped, ok, failed, time.perf_counter() - started)


def _jobs(experiment: Experiment, cells: list[dict], total: int, done: set[int]) -> Iterator[Job]:
    """Jobs for the runs not in ``done``, in run order, made one at a time."""
    n = len(cells)
    for run in range(total):
        if run in done:
            continue
        replicate, cell = divmod(run, n)
        yield Job(
            run=run,
            cell=cell,
            replicate=replicate,
            seed=replicate_seed(experiment.seed, replicate),
            values=tuple(cells[cell].items()),
        )


# --------------------------------------------------------------------------- the folder


def prepare(
    experiment: Experiment, out: Path, cells: list[dict], *, resume: bool, others_ok: bool = False
) -> set[int]:
    """Make ``out`` ready for the sweep; return the runs already finished in it.

    A new folder gets the manifest, the experiment, the resolved base scenario and the
    design. Resuming checks that the folder was made by this experiment, removes
    half-written parts and failed runs' records (those runs run again), and keeps the rest.
    A folder with other files and no sweep is refused, unless ``others_ok`` (a sweep was
    just discarded from it and the user's own files stay).
    """
    manifest_path = out / MANIFEST
    if out.exists() and not out.is_dir():
        raise _folder_error(out, "is a file, not a sweep folder")
    if manifest_path.exists():
        manifest = read_manifest(out)
        if manifest.get("fingerprint") != experiment.fingerprint():
            made_by = manifest.get("experiment")
            what = (
                f"by {made_by!r} with other settings (scenario, factors, design, seed or outcomes)"
                if made_by == experiment.name
                else f"by another experiment, {made_by!r}"
            )
            raise _folder_error(
                out,
                f"was made {what}; choose another --out, or add --restart to discard it",
            )
        if not resume:
            raise _folder_error(
                out,
                f"already holds a sweep of {manifest.get('experiment')!r}; "
                "add --resume to continue it, or choose another --out",
            )
    elif out.exists() and any(out.iterdir()) and not others_ok:
        raise _folder_error(out, "is not empty and holds no sweep; choose another --out")
    (out / RUNS).mkdir(parents=True, exist_ok=True)
    (out / FAILURES).mkdir(exist_ok=True)
    _write_manifest(experiment, out, cells)
    done: set[int] = set()
    for path in (out / RUNS).iterdir():
        name = path.name
        if name.startswith("."):  # a part being written when the sweep was stopped
            path.unlink()
        elif name.endswith(".failed.parquet"):  # failed before: runs again
            path.unlink()
            (out / FAILURES / f"{name.removesuffix('.failed.parquet')}.txt").unlink(missing_ok=True)
        elif name.startswith("run-") and name.endswith(".parquet"):
            done.add(int(name[4:-8]))
    return done


#: What a sweep writes into its folder, and so what ``--restart`` removes.
WRITTEN = (
    RUNS,
    FAILURES,
    "tables",
    MANIFEST,
    "experiment.toml",
    "scenario.toml",
    "design.parquet",
    "report.html",
)


def discard(out: Path) -> bool:
    """Remove an earlier sweep from ``out``: only what a sweep writes, only with a manifest.

    Returns:
        True when a sweep was there and is gone (other files in ``out`` are kept).

    Raises:
        ExperimentError: ``out`` holds files but no sweep.
    """
    if not out.exists():
        return False
    if not (out / MANIFEST).exists():
        if any(out.iterdir()):
            raise _folder_error(out, "holds no sweep to restart; choose another --out")
        return False
    for name in WRITTEN:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    return True


def _folder_error(out: Path, message: str) -> ExperimentError:
    return ExperimentError([Problem("", message, None, str(out))])


def read_manifest(out: str | Path) -> dict[str, Any]:
    """The manifest of a sweep folder.

    Raises:
        ExperimentError: no manifest (not a sweep folder), or an unreadable one.
    """
    path = Path(out) / MANIFEST
    if not path.exists():
        raise _folder_error(Path(out), f"is not a sweep folder (no {MANIFEST})")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise _folder_error(Path(out), f"{MANIFEST} cannot be read: {exc}") from None


def _write_manifest(experiment: Experiment, out: Path, cells: list[dict]) -> None:
    import pandas as pd

    from sim.config import from_dict, to_toml

    previous = json.loads((out / MANIFEST).read_text()) if (out / MANIFEST).exists() else {}
    now = datetime.now(UTC).isoformat(timespec="seconds")
    manifest = {
        "format": FORMAT,
        "experiment": experiment.name,
        "fingerprint": experiment.fingerprint(),
        "source": experiment.source,
        "model": experiment.function or experiment.base_source,
        "fixed": list(experiment.fixed),
        "design": {
            "kind": experiment.design.kind,
            **(dataclasses.asdict(experiment.design.params) if experiment.design.params else {}),
        },
        "factors": [dataclasses.asdict(f) for f in experiment.factors],
        "outcomes": list(experiment.outcomes),
        "replicates": experiment.replicates,
        "seed": experiment.seed,
        "cells": len(cells),
        "runs": len(cells) * experiment.replicates,
        "report": {
            "compare": experiment.compare,
            "discover": [str(c) for c in experiment.discover],
        },
        "versions": versions("SALib", "dask", "distributed"),
        "created": previous.get("created", now),
        "updated": now,
        "command": " ".join(sys.argv),
    }
    atomic_write(
        out / MANIFEST, lambda p: p.write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    )
    if experiment.source and Path(experiment.source).is_file():
        atomic_write(out / "experiment.toml", lambda p: shutil.copyfile(experiment.source, p))
    if experiment.base is not None:
        scenario = from_dict(
            experiment.base, source=experiment.base_source, overrides=experiment.fixed
        )
        atomic_write(out / "scenario.toml", lambda p: p.write_text(to_toml(scenario), "utf-8"))
    design = pd.DataFrame(cells)
    design.insert(0, "cell", range(len(cells)))
    atomic_write(out / "design.parquet", lambda p: design.to_parquet(p, index=False))


def write_record(out: Path, job: Job, record: dict[str, Any]) -> Path:
    """Write one run's record as its own Parquet part (and a failure's traceback), atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    record = dict(record)
    trace = record.pop("traceback", "")
    status = record["status"]
    stem = f"run-{job.run:06d}"
    if status != "ok":
        lines = [f"run {job.run}: cell {job.cell}, replicate {job.replicate}, seed {job.seed}"]
        lines += [f"  {name} = {value!r}" for name, value in job.values]
        lines += [record["error"], "", trace]
        text = "\n".join(lines)
        atomic_write(out / FAILURES / f"{stem}.txt", lambda p: p.write_text(text, "utf-8"))
    table = pa.Table.from_pylist([record])
    if "attempts" in record and record["attempts"] is None:
        table = table.set_column(
            table.schema.get_field_index("attempts"), "attempts", pa.array([None], pa.int64())
        )
    name = f"{stem}.parquet" if status == "ok" else f"{stem}.failed.parquet"
    return atomic_write(out / RUNS / name, lambda p: pq.write_table(table, p))


def load_runs(out: str | Path) -> Any:
    """Every run on disk in a sweep folder, one row each, sorted by run (a pandas DataFrame).

    Raises:
        ExperimentError: not a sweep folder, or it holds no finished run.
    """
    import pandas as pd
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    out = Path(out)
    manifest = read_manifest(out)
    parts = sorted(p for p in (out / RUNS).glob("run-*.parquet"))
    if not parts:
        raise _folder_error(out, "holds no finished run yet")
    try:  # one scan of all parts (they share one schema: see design.cells)
        runs = ds.dataset([str(p) for p in parts], format="parquet").to_table().to_pandas()
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # parts of differing schemas: one by one
        runs = pd.concat([pq.read_table(p).to_pandas() for p in parts], ignore_index=True)
    runs = runs[runs["run"] < manifest["runs"]]
    return runs.sort_values("run").reset_index(drop=True)
