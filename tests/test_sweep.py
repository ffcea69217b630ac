"""Sweeps: one table whoever runs it, nothing lost when killed, failures kept, retries bounded.

Tiny scenarios (a few hundred citizens, a few dozen hours) keep these fast; the ones that
start processes by the dozen or a Dask cluster are marked slow.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.experiments.executors import LocalPool, Serial
from sim.experiments.runner import RUNS, load_runs, read_manifest, sweep
from sim.experiments.spec import ExperimentError, load_experiment
from sim.runs import replicate_seed, run_replicate

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"

TINY = f"""
[experiment]
scenario = "{BASELINE}"
set = ["population.n_citizens=300", "run.steps=36", "incidents.rate_per_hour=0.2"]
replicates = 3
seed = 11
outcomes = ["crises", "resolution_rate", "mean_trust_final", "response_time_hours_mean"]

[[factors]]
key = "government.structure.kind"
levels = ["hierarchical", "flat"]

[[factors]]
key = "government.platform.kind"
levels = ["separate", "integrated"]
"""

#: Columns that legitimately differ between two executions of the same runs.
VOLATILE = ["wall_seconds", "attempts"]


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def table(out: Path) -> pd.DataFrame:
    return load_runs(out).drop(columns=VOLATILE)


@contextlib.contextmanager
def dask_cluster(tmp_path: Path, workers: int = 2):
    """A Dask scheduler and workers on 127.0.0.1, each ``dask`` command a process of ours."""
    dask = str(Path(sys.executable).with_name("dask"))
    info = tmp_path / "scheduler.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "start_new_session": True}
    started = [
        subprocess.Popen(
            [
                dask,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(info),
            ],
            **quiet,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not info.exists() or not info.read_text().strip():
            assert time.monotonic() < deadline, "the Dask scheduler did not start"
            time.sleep(0.1)
        address = json.loads(info.read_text())["address"]
        started.append(
            subprocess.Popen(
                [
                    dask,
                    "worker",
                    "--scheduler-file",
                    str(info),
                    "--nworkers",
                    str(workers),
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                    "--host",
                    "127.0.0.1",
                ],
                **quiet,
            )
        )
        yield address
    finally:
        for process in reversed(started):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


# --------------------------------------------------------------------------- one sweep


def test_sweep_writes_one_part_per_run_with_crn_seeds_and_the_runs_outcomes(tmp_path):
    experiment = load_experiment(write(tmp_path, TINY))
    summary = sweep(experiment, tmp_path / "out", LocalPool(1), progress=False)
    assert (summary.runs, summary.ok, summary.failed) == (12, 12, 0)
    runs = load_runs(tmp_path / "out")
    assert list(runs["run"]) == list(range(12))
    assert len(list((tmp_path / "out" / RUNS).glob("run-*.parquet"))) == 12
    # replicate i of every cell shares its seed: common random numbers
    for replicate, group in runs.groupby("replicate"):
        assert set(group["seed"]) == {replicate_seed(11, replicate)}
        assert len(group) == 4
    # a row is exactly what running that cell alone with that seed gives
    row = runs.iloc[7]
    scenario = experiment.scenario({f.name: row[f.name] for f in experiment.factors})
    alone = run_replicate(scenario, int(row["seed"]))
    for name in experiment.outcomes:
        assert row[name] == pytest.approx(alone[name], nan_ok=True)
    manifest = read_manifest(tmp_path / "out")
    assert manifest["fingerprint"] == experiment.fingerprint()
    assert manifest["runs"] == 12 and manifest["versions"]["govsim"]


def test_a_folder_of_another_experiment_or_an_unasked_resume_is_refused(tmp_path):
    experiment = load_experiment(write(tmp_path, TINY))
    sweep(experiment, tmp_path / "out", Serial(), progress=False, max_runs=2)
    with pytest.raises(ExperimentError, match="add --resume"):
        sweep(experiment, tmp_path / "out", Serial(), progress=False)
    other = load_experiment(write(tmp_path, TINY.replace("seed = 11", "seed = 12"), "b.toml"))
    with pytest.raises(ExperimentError, match="by another experiment, 'exp'"):
        sweep(other, tmp_path / "out", Serial(), resume=True, progress=False)
    (tmp_path / "v2").mkdir()
    edited = load_experiment(write(tmp_path / "v2", TINY.replace("run.steps=36", "run.steps=37")))
    with pytest.raises(ExperimentError, match="by 'exp' with other settings"):
        sweep(edited, tmp_path / "out", Serial(), resume=True, progress=False)
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "notes.txt").write_text("mine")
    with pytest.raises(ExperimentError, match="holds no sweep"):
        sweep(experiment, tmp_path / "junk", Serial(), progress=False)
    with pytest.raises(ExperimentError, match="holds no sweep"):
        sweep(experiment, tmp_path / "junk", Serial(), restart=True, progress=False)
    assert (tmp_path / "junk" / "notes.txt").exists()
    # --restart discards the other experiment's sweep (only what a sweep wrote) and starts again
    (tmp_path / "out" / "notes.txt").write_text("mine too")
    summary = sweep(other, tmp_path / "out", Serial(), restart=True, progress=False, max_runs=1)
    assert (summary.skipped, summary.ok) == (0, 1)
    assert list(load_runs(tmp_path / "out")["seed"]) == [replicate_seed(12, 0)]
    assert (tmp_path / "out" / "notes.txt").exists()


def test_resume_cleans_half_written_parts_reruns_failures_and_adds_replicates(tmp_path):
    experiment = load_experiment(write(tmp_path, TINY))
    out = tmp_path / "out"
    sweep(experiment, out, Serial(), progress=False, max_runs=5)
    half = out / RUNS / ".run-000005.parquet.abc.tmp"
    half.write_bytes(b"PAR1 half")
    failed = out / RUNS / "run-000006.failed.parquet"
    failed.write_bytes(b"not even parquet")
    summary = sweep(experiment, out, Serial(), resume=True, progress=False)
    assert (summary.skipped, summary.ok) == (5, 7)
    assert not half.exists() and not failed.exists()
    assert list(load_runs(out)["run"]) == list(range(12))
    # more replicates later: the same folder, the old runs kept, only the new ones run
    more = load_experiment(write(tmp_path, TINY.replace("replicates = 3", "replicates = 4")))
    assert more.fingerprint() == experiment.fingerprint()
    summary = sweep(more, out, Serial(), resume=True, progress=False)
    assert (summary.skipped, summary.ok) == (12, 4)
    assert list(load_runs(out)["run"]) == list(range(16))


# --------------------------------------------------------------------------- who runs it


@pytest.mark.slow
def test_one_worker_two_workers_and_a_dask_cluster_give_identical_tables(tmp_path):
    path = write(tmp_path, TINY)
    experiment = load_experiment(path)
    sweep(experiment, tmp_path / "one", LocalPool(1), progress=False)
    sweep(experiment, tmp_path / "two", LocalPool(2), progress=False)
    # Dask as a user runs it: a scheduler and workers started apart, on loopback, and the
    # sweep from the command line (each in a process of its own, with a time limit)
    with dask_cluster(tmp_path) as address:
        command = [sys.executable, "-m", "sim", "sweep", str(path), "--scheduler", address]
        finished = subprocess.run(
            [*command, "--out", str(tmp_path / "dask"), "--quiet"],
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert finished.returncode == 0, finished.stderr
    assert f"the Dask scheduler at {address}" in finished.stderr
    one = table(tmp_path / "one")
    assert len(one) == 12 and (one["status"] == "ok").all()
    assert one["mean_trust_final"].nunique() > 1  # runs differ: the check can fail
    pd.testing.assert_frame_equal(one, table(tmp_path / "two"))
    pd.testing.assert_frame_equal(one, table(tmp_path / "dask"))


@pytest.mark.slow
def test_a_sweep_killed_with_sigkill_and_resumed_matches_an_uninterrupted_one(tmp_path):
    text = TINY.replace("replicates = 3", "replicates = 8").replace("run.steps=36", "run.steps=96")
    path = write(tmp_path, text)
    whole = tmp_path / "whole"
    sweep(load_experiment(path), whole, LocalPool(2), progress=False)
    cut = tmp_path / "cut"
    command = [sys.executable, "-m", "sim", "sweep", str(path), "--out", str(cut), "--workers", "2"]
    process = subprocess.Popen(command, start_new_session=True, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while len(list((cut / RUNS).glob("run-*.parquet"))) < 6:
            assert process.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "the sweep made no progress"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        try:  # the pool's workers, orphaned by the kill, are ours to end
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    before = len(list((cut / RUNS).glob("run-*.parquet")))
    assert 6 <= before < 32, f"{before} runs on disk: the kill came too late to test resuming"
    finished = subprocess.run([*command, "--resume", "--quiet"], capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert f"{before} already on disk" in finished.stdout
    resumed = table(cut)
    assert resumed["run"].is_unique and list(resumed["run"]) == list(range(32))
    pd.testing.assert_frame_equal(resumed, table(whole))


@pytest.mark.slow
def test_ctrl_c_stops_at_once_with_a_resume_hint_and_the_folder_resumes(tmp_path):
    text = TINY.replace("replicates = 3", "replicates = 8").replace("run.steps=36", "run.steps=96")
    path = write(tmp_path, text)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sim", "sweep", str(path), "--out", str(out), "--workers", "2"]
    process = subprocess.Popen(
        command, start_new_session=True, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 120
        while len(list((out / RUNS).glob("run-*.parquet"))) < 2:
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130, err
    assert "--resume" in err and "Traceback" not in err
    before = len(list((out / RUNS).glob("run-*.parquet")))
    assert before < 32
    finished = subprocess.run([*command, "--resume", "--quiet"], capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert list(load_runs(out)["run"]) == list(range(32))


# --------------------------------------------------------------------------- failures

FAULTY = """
[experiment]
function = "sim.experiments.functions:faulty"
set = ["marker_dir='{markers}'"]
replicates = 1
seed = 5
outcomes = ["y", "s"]

[[factors]]
key = "fault"
levels = ["none", "raise", "die", "die_once"]

[[factors]]
key = "x"
levels = [1, 2]
"""


def check_faults(runs: pd.DataFrame, xs: tuple[int, ...], attempts_known: bool) -> None:
    by = {(r.fault, r.x): r for r in runs.itertuples()}
    assert len(runs) == 4 * len(xs) and runs["run"].is_unique
    for x in xs:
        assert by["none", x].status == "ok" and by["none", x].y == x
        assert by["raise", x].status == "failed"
        assert by["raise", x].error == f"ValueError: a run made to fail (x = {x})"
        assert by["die", x].status == "failed" and by["die", x].error.startswith("WorkerDied:")
        assert by["die", x].attempts == 3  # one try and two retries, then given up
        assert pd.isna(by["die", x].y)
        assert by["die_once", x].status == "ok" and by["die_once", x].y == x  # retried, fine
        if attempts_known:
            assert 2 <= by["die_once", x].attempts <= 3
    if attempts_known:
        assert runs["attempts"].max() == 3


@pytest.mark.slow
def test_failing_runs_are_recorded_and_dying_workers_retried_at_most_twice(tmp_path):
    (tmp_path / "markers").mkdir()
    path = write(tmp_path, FAULTY.format(markers=tmp_path / "markers"))
    out = tmp_path / "out"
    finished = subprocess.run(
        [sys.executable, "-m", "sim", "sweep", str(path), "--out", str(out), "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 1, finished.stderr  # finished, with failed runs
    assert "4 failed" in finished.stdout and str(out / "failures") in finished.stdout
    check_faults(load_runs(out), (1, 2), attempts_known=True)
    record = (out / "failures" / "run-000002.txt").read_text()
    assert "fault = 'raise'" in record and "Traceback" in record


@pytest.mark.slow
def test_dask_records_failures_and_gives_up_on_a_run_that_kills_its_worker(tmp_path):
    (tmp_path / "markers").mkdir()
    text = FAULTY.format(markers=tmp_path / "markers").replace("[1, 2]", "[1]")
    path = write(tmp_path, text)
    # through the command line, in a process of its own with a time limit: never a hang
    command = [sys.executable, "-m", "sim", "sweep", str(path), "--dask", "--workers", "2"]
    finished = subprocess.run(
        [*command, "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=300
    )
    assert finished.returncode == 1, finished.stderr  # finished, with failed runs
    assert "(2 ok, 2 failed)" in finished.stdout
    check_faults(load_runs(tmp_path / "out"), (1,), attempts_known=False)


def test_the_pool_takes_jobs_a_few_at_a_time_so_memory_stays_flat():
    from sim.experiments.tasks import Job, Model

    model = Model(None, None, "sim.experiments.functions:faulty", (), (("x", "x"),), ("y",))
    pulled = []

    def jobs():
        for run in range(10_000):
            pulled.append(run)
            yield Job(run, run, 0, 1, (("x", float(run)),))

    results = LocalPool(2).results(model, jobs())
    for count, (job, record) in enumerate(results, start=1):
        assert record["y"] == job.run
        assert len(pulled) <= count + 4  # a window of 2 per worker, never the whole sweep
        if count == 20:
            results.close()  # stops the pool
            break
    assert len(pulled) < 30


def test_pool_workers_keep_each_run_to_one_thread(monkeypatch):
    """Workers already share the cores: a run's spreading phase must not add threads."""
    monkeypatch.delenv("GOVSIM_THREADS", raising=False)
    pool = LocalPool(1)._pool()
    try:
        assert pool.submit(os.getenv, "GOVSIM_THREADS").result(timeout=60) == "1"
    finally:
        pool.shutdown()
