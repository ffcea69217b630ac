"""The corpus of malformed scenarios: each file gives exactly the messages recorded for it.

``tests/scenario_corpus/expected.toml`` holds, for every file of the folder, the lines
``govsim validate FILE`` prints from inside the folder (file, line, dotted key, rule, value),
and for each ``--set`` case the lines it adds. The tests compare whole message lists, so
a lost line number, a missing problem or an extra one fails.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from sim.cli import main
from sim.config import ScenarioError, load

CORPUS = Path(__file__).resolve().parent / "scenario_corpus"
EXPECTED = tomllib.loads((CORPUS / "expected.toml").read_text())
FILES: dict[str, list[str]] = EXPECTED["files"]
OVERRIDES: dict[str, dict] = EXPECTED["overrides"]


def expected(lines: list[str]) -> list[str]:
    return [line.replace("{here}", str(CORPUS)) for line in lines]


def set_args(overrides: list[str]) -> list[str]:
    return [arg for text in overrides for arg in ("--set", text)]


@pytest.fixture
def in_corpus(monkeypatch):
    monkeypatch.chdir(CORPUS)


def test_corpus_and_expectations_match_one_to_one():
    on_disk = sorted(p.name for p in CORPUS.iterdir() if p.name != "expected.toml")
    assert on_disk == sorted(FILES), "every corpus file needs an entry in expected.toml"
    malformed = [name for name, lines in FILES.items() if lines]
    assert len(malformed) >= 50
    assert {case["file"] for case in OVERRIDES.values()} <= set(FILES)


@pytest.mark.usefixtures("in_corpus")
@pytest.mark.parametrize("name", sorted(FILES))
def test_load_reports_exactly_the_expected_problems(name):
    want = expected(FILES[name])
    if not want:
        assert load(name).source == name
        return
    with pytest.raises(ScenarioError) as exc:
        load(name)
    assert [str(p) for p in exc.value.problems] == want
    assert str(exc.value).splitlines() == want


@pytest.mark.usefixtures("in_corpus")
@pytest.mark.parametrize("name", sorted(FILES))
def test_validate_prints_one_line_per_problem_and_exits_2(name, capsys):
    status = main(["validate", name])
    out, err = capsys.readouterr()
    want = expected(FILES[name])
    if not want:
        assert (status, out, err) == (0, f"{name}: ok\n", "")
        return
    assert status == 2
    assert err.splitlines() == want
    assert out == ""


@pytest.mark.usefixtures("in_corpus")
@pytest.mark.parametrize("case", sorted(OVERRIDES))
def test_overrides_are_checked_like_the_file(case, capsys):
    spec = OVERRIDES[case]
    want = expected(spec["expect"])
    with pytest.raises(ScenarioError) as exc:
        load(spec["file"], spec["set"])
    assert [str(p) for p in exc.value.problems] == want
    assert main(["scenario", "show", spec["file"], *set_args(spec["set"])]) == 2
    out, err = capsys.readouterr()
    assert err.splitlines() == want
    assert out == ""


def test_missing_file_and_directory(tmp_path, capsys):
    missing, folder = tmp_path / "nowhere.toml", tmp_path / "scenarios"
    folder.mkdir()
    want = [f"{missing}: no such file", f"{folder}: is a directory, not a scenario file"]
    for path, line in zip((missing, folder), want, strict=True):
        with pytest.raises(ScenarioError) as exc:
            load(path)
        assert [str(p) for p in exc.value.problems] == [line]
    assert main(["validate", str(missing), str(folder)]) == 2
    assert capsys.readouterr().err.splitlines() == want


def test_a_user_sees_every_line_and_no_traceback(tmp_path):
    names = ["binary.toml", "utf16.toml", "unclosed_table_header.toml", "many_mistakes.toml"]
    names += ["reform.toml", "edge_list_missing_file.toml"]
    result = subprocess.run(
        [sys.executable, "-m", "sim", "validate", *names, str(tmp_path / "gone.toml")],
        cwd=CORPUS,
        capture_output=True,
        text=True,
        timeout=120,
    )
    want = [line for name in names for line in expected(FILES[name])]
    assert result.returncode == 2
    assert result.stderr.splitlines() == [*want, f"{tmp_path / 'gone.toml'}: no such file"]
    assert result.stdout == ""


def test_a_user_sees_override_problems_and_no_traceback():
    spec = OVERRIDES["file_and_override_together"]
    result = subprocess.run(
        [sys.executable, "-m", "sim", "scenario", "show", spec["file"], *set_args(spec["set"])],
        cwd=CORPUS,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == expected(spec["expect"])
    assert result.stdout == ""
