"""Every command the README shows is run here, as a user would type it."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def shell_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, flags=re.S)


def commands() -> list[str]:
    lines = [line.strip() for block in shell_blocks() for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def test_quick_start_is_exactly_two_commands_and_ci_runs_the_second():
    section = README.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.S).group(1)
    quick = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert quick == ["./dev run scenarios/baseline.toml", "./dev test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "./dev test" in ci


RUNNABLE = [c for c in commands() if not c.startswith("./dev test")]


def test_every_shown_command_is_covered():
    assert RUNNABLE, "README shows no commands?"
    assert all(c.startswith("./dev ") for c in commands()), "a README command that is not ./dev"


@pytest.mark.parametrize("command", RUNNABLE)
def test_readme_command_runs(command):
    result = subprocess.run(
        shlex.split(command), cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    if " run " in f" {command} ":
        out = re.search(r"--out (\S+)", command)
        folder = ROOT / (out.group(1) if out else "results/baseline")
        assert (folder / "summary.json").exists()
