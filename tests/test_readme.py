"""Every command the README shows is run here, as a user would type it."""

from __future__ import annotations

import re
import shlex
import subprocess
import threading
import time
import urllib.request
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


def serve_and_stop(command: str) -> None:
    """Start a command that serves a page (``./dev view``): it must print its address and
    answer there; then it is stopped. Nothing is left running."""
    process = subprocess.Popen(
        shlex.split(command), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    timer = threading.Timer(600, process.kill)  # a hung start fails the test, not the suite
    timer.start()
    try:
        printed = []
        while not any("http://" in line for line in printed):
            line = process.stdout.readline()
            assert line, f"{command} ended without printing an address:\n{''.join(printed)}"
            printed.append(line)
        url = re.search(r"http://\S+/", printed[-1]).group(0)
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert process.poll() is None, f"{command} stopped:\n{process.stdout.read()}"
                assert time.monotonic() < deadline, f"{url} did not answer in 120 s"
                time.sleep(0.5)
    finally:
        timer.cancel()
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.parametrize("command", RUNNABLE)
def test_readme_command_runs(command):
    if command.startswith("./dev view"):
        serve_and_stop(command)
        return
    result = subprocess.run(
        shlex.split(command), cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    if " run " in f" {command} ":
        out = re.search(r"--out (\S+)", command)
        folder = ROOT / (out.group(1) if out else "results/baseline")
        assert (folder / "summary.json").exists()
    if command.startswith("./dev compare"):
        shown_output_is_what_compare_writes(command, result.stdout)


def shown_output_is_what_compare_writes(command: str, printed: str) -> None:
    """The reform team's section shows compare's output and verdict: both must be what
    the command prints and writes today, word for word."""
    import csv

    section = README.split(command, 1)[1].split("\n## ", 1)[0]
    shown = re.search(r"```text\n(.*?)```", section, flags=re.S).group(1)
    assert shown.splitlines()[0] == printed.splitlines()[0]
    folder = ROOT / re.search(r"--out (\S+)", command).group(1)
    with open(folder / "paired.csv", newline="") as handle:
        written = {row["sentence"] for row in csv.DictReader(handle)}
    verdicts = re.findall(r"^- (?:Better|Worse|Unclear|Context): (.*)$", section, flags=re.M)
    assert verdicts, "the section shows no verdict lines"
    for line in verdicts:
        assert line in written, f"README shows a verdict compare no longer writes: {line}"
