"""What ``write_run`` writes: every file of FILES with a government, the case table and plot."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image
import numpy as np
import pandas as pd
import pytest

from sim import metrics
from sim.config import load
from sim.model import GovSimModel
from sim.output import CASE_COLUMNS, FILES, GOVERNMENT_FILES, cases_table, write_run

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run(*overrides: str) -> GovSimModel:
    """The baseline with 2,000 citizens for 48 hours (overrides come after)."""
    scenario = load(BASELINE, ["population.n_citizens=2000", "run.steps=48", *overrides])
    model = GovSimModel(scenario)
    model.run()
    return model


def assert_png(path: Path) -> None:
    assert path.read_bytes()[:8] == PNG_SIGNATURE, path
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100, path


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[GovSimModel, Path, dict[str, Path]]:
    model = run()
    out = tmp_path_factory.mktemp("run")
    return model, out, write_run(model, out)


def test_files_lists_every_file_with_a_one_line_description():
    assert GOVERNMENT_FILES <= set(FILES)
    assert {"cases.parquet", "response.png"} <= GOVERNMENT_FILES
    for name, what in FILES.items():
        assert isinstance(what, str) and what and "\n" not in what, name


def test_a_run_with_a_government_writes_every_file(written):
    model, out, paths = written
    assert model.government is not None
    assert list(paths) == list(FILES)  # so the CLI's "wrote N files" is len(FILES)
    for name, path in paths.items():
        assert path == out / name
        assert path.stat().st_size > 0, name
    for name in FILES:
        if name.endswith(".png"):
            assert_png(out / name)
        elif name.endswith(".parquet"):
            pd.read_parquet(out / name)
    assert not list(out.glob(".*.tmp")), "temporary files left behind"


def test_cases_parquet_has_one_row_per_case(written):
    model, out, _ = written
    cases = model.government.cases
    assert cases, "the test run should open some cases"
    table = pd.read_parquet(out / "cases.parquet")
    assert tuple(table.columns) == CASE_COLUMNS
    for column in (
        "id",
        "issue",
        "severity",
        "channel",
        "channel_kind",
        "online",
        "opened",
        "first_response",
        "closed",
        "outcome",
        "transfers",
        "n_filers",
    ):
        assert column in table.columns, column
    assert len(table) == len(cases)
    assert table["id"].tolist() == [c.id for c in cases]
    kinds = [c.kind for c in model.government.channels]
    assert table["channel_kind"].tolist() == [
        kinds[c.channel] if c.channel >= 0 else "monitoring" for c in cases
    ]
    assert table["n_filers"].tolist() == [len(c.filers) for c in cases]
    assert table["transfers"].tolist() == [c.transfers for c in cases]
    for column in ("opened", "first_response", "closed"):
        assert table[column].dtype == np.float64, column
    # NaN exactly where the event has not happened; times in hours within the run
    assert table["closed"].isna().tolist() == [c.closed is None for c in cases]
    assert table["first_response"].isna().tolist() == [c.first_response is None for c in cases]
    assert table["outcome"].isna().tolist() == [c.outcome is None for c in cases]
    done = table.dropna(subset=["closed"])
    assert not done.empty, "the test run should close some cases"
    assert (done["closed"] >= done["opened"]).all()
    assert (done["closed"] <= model.hour).all()
    assert (done["first_response"] <= done["closed"]).all()
    assert set(done["outcome"]) <= {"solved", "templated", "unsolved", "false_alarm"}


def test_cases_table_matches_the_summary_counts(written):
    model, _, _ = written
    table = cases_table(model)
    counted = table[
        table["entered"]
        & (table["outcome"] != "false_alarm")
        & ~((table["issue"] < 0) & (table["n_filers"] == 0))
    ]
    summary = metrics.summary(model)
    assert len(counted) == summary["cases_filed"]
    assert (counted["outcome"] == "solved").sum() == summary["cases_resolved"]


def test_monitoring_cases_have_channel_kind_monitoring(tmp_path):
    model = run(
        "government.monitoring.kind=online_attention",
        "government.monitoring.false_alarms_per_day=24",
    )
    assert any(c.channel < 0 for c in model.government.cases)
    write_run(model, tmp_path)
    table = pd.read_parquet(tmp_path / "cases.parquet")
    monitoring = table[table["channel"] == -1]
    assert not monitoring.empty
    assert (monitoring["channel_kind"] == "monitoring").all()
    assert (table.loc[table["channel"] >= 0, "channel_kind"] != "monitoring").all()
    assert_png(tmp_path / "response.png")


def test_a_run_without_a_government_writes_no_case_files(tmp_path):
    model = run("government.enabled=false")
    assert model.government is None
    paths = write_run(model, tmp_path)
    assert set(paths) == set(FILES) - GOVERNMENT_FILES
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(paths)
    for name in GOVERNMENT_FILES:
        assert not (tmp_path / name).exists(), name


@pytest.mark.parametrize("steps", [1, 3])
def test_a_run_with_no_closed_case_still_writes_everything(tmp_path, steps):
    # work that takes far longer than the run: no case can close
    model = run(f"run.steps={steps}", "government.levels[0].service_hours=100000")
    assert all(c.closed is None for c in model.government.cases)
    paths = write_run(model, tmp_path)
    assert list(paths) == list(FILES)
    table = pd.read_parquet(tmp_path / "cases.parquet")
    assert tuple(table.columns) == CASE_COLUMNS
    assert len(table) == len(model.government.cases)
    assert table["closed"].isna().all()
    assert_png(tmp_path / "response.png")


def test_a_run_with_no_case_at_all_still_writes_everything(tmp_path):
    model = run("run.steps=1", "incidents.initial_issues=0", "incidents.rate_per_hour=0")
    assert model.government.cases == []
    write_run(model, tmp_path)
    table = pd.read_parquet(tmp_path / "cases.parquet")
    assert tuple(table.columns) == CASE_COLUMNS and table.empty
    assert_png(tmp_path / "response.png")


def test_a_single_level_organisation_is_plotted(tmp_path):
    model = run('government.levels=[{ name = "one-stop desk", staff = 10 }]')
    assert len(model.government.params.levels) == 1
    write_run(model, tmp_path)
    assert_png(tmp_path / "response.png")
    series = pd.read_parquet(tmp_path / "timeseries.parquet")
    assert "backlog_level_0" in series and "backlog_level_1" not in series
