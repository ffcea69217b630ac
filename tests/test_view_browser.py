"""The interactive view in a real browser: Debian's chromium driven by Playwright.

One ``govsim view`` server (started as a user would, with ``HOST`` set to a public
address it must ignore) serves every test; each test opens its own browser context, so
its own Solara session. Every request to a host other than localhost is blocked, and
each test ends by checking that the page made none, had no failed request and logged no
console error. Screenshots go to ``test-artifacts/view/``; with
``GOVSIM_UPDATE_SCREENSHOT=1`` the README's screenshot (``docs/img/view.png``) is
rewritten from the first test.
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "view"
README_SHOT = ROOT / "docs" / "img" / "view.png"

#: Chromium's flags on these machines: without the background-networking ones it keeps
#: trying to reach Google's hosts, which a closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: Longest wait for the page or a change on it (seconds); the first load computes the
#: network layout.
TIMEOUT = 90

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail(
            f"{CHROMIUM} is missing: ./dev test installs it as root with apt-get", pytrace=False
        )
    pytest.skip(
        f"{CHROMIUM} is missing (./dev test installs it when run as root with apt-get)",
        allow_module_level=True,
    )

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect
expect.set_options(timeout=TIMEOUT * 1000)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_addresses(port: int) -> set[str]:
    """The local addresses listening on TCP ``port`` (IPv4 and IPv6), from /proc/net."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for row in Path(table).read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            address, hex_port = local.split(":")
            if int(hex_port, 16) != port or state != "0A":  # 0A: listening
                continue
            if len(address) == 8:
                found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
            else:
                found.add(address)  # an IPv6 listener: fails the check, as it should
    return found


@pytest.fixture(scope="module")
def server():
    """A ``govsim view`` server on a free port; yields its address."""
    port = _free_port()
    env = {**os.environ, "HOST": "0.0.0.0", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "sim", "view", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first = process.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in first, f"printed {first!r}"
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read()
                    raise AssertionError(f"server did not start:\n{output}") from None
                time.sleep(0.5)
        assert listening_addresses(port) == {"127.0.0.1"}, "not bound to 127.0.0.1 only"
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def browser():
    with playwright_sync.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


class Watched:
    """A page with everything that went wrong on it recorded."""

    def __init__(self, browser, url: str):
        self.context = browser.new_context(viewport={"width": 1500, "height": 1000})
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        self.page.on(
            "response",
            lambda r: self.failed.append(f"{r.url} {r.status}") if r.status >= 400 else 0,
        )
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)
        self.page.locator("img.govsim-network-a").wait_for(timeout=TIMEOUT * 1000)

    def _route(self, route) -> None:
        host = re.sub(r":\d+$", "", route.request.url.split("/")[2])
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def check_clean(self) -> None:
        assert not self.blocked, f"requests to other hosts: {self.blocked}"
        assert not self.failed, f"failed requests: {self.failed}"
        assert not self.errors, f"console errors: {self.errors}"

    def status(self, design: str = "a") -> str:
        return self.page.locator(f".govsim-status-{design}").inner_text()

    def wait_hour(self, hour: int, design: str = "a") -> None:
        expect(self.page.locator(f".govsim-status-{design}")).to_contain_text(
            re.compile(rf"^(Design . \(.*\): )?hour {hour} "), timeout=TIMEOUT * 1000
        )

    def image(self, css: str) -> np.ndarray:
        from PIL import Image

        data = self.page.locator(css).screenshot()
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)

    def choose(self, label: str, option: str, nth: int = 0) -> None:
        self.page.locator(".v-select", has_text=label).nth(nth).click()
        self.page.locator(".v-overlay .v-list-item", has_text=option).first.click()

    def speed(self, label: str) -> None:
        self.page.get_by_role("button", name=label, exact=True).click()
        expect(self.page.locator(".govsim-step")).to_contain_text(label)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def watched(browser, server, request):
    pages: list[Watched] = []

    def open_page() -> Watched:
        pages.append(Watched(browser, server))
        return pages[-1]

    yield open_page
    for i, w in enumerate(pages):
        w.screenshot(f"{request.node.name}-{i}")
        w.check_clean()
        w.context.close()


def assert_not_blank(pixels: np.ndarray, what: str) -> None:
    """Not a blank picture: enough pixels differ from the background, in several colours."""
    background = np.median(pixels.reshape(-1, 3), axis=0)
    drawn = np.abs(pixels - background).sum(axis=2) > 60
    colours = np.unique(pixels.reshape(-1, 3) // 16, axis=0)
    assert drawn.mean() > 0.02, f"{what}: only {drawn.mean():.2%} of pixels drawn"
    assert len(colours) > 8, f"{what}: only {len(colours)} colours"


def test_page_loads_offline_with_network_and_plots_drawn(watched):
    w = watched()
    assert w.status().startswith("hour 0 ")
    assert_not_blank(w.image("img.govsim-network-a"), "network picture")
    assert_not_blank(w.image("img.govsim-timelines-a"), "timelines")
    w.screenshot("first-load")
    if os.environ.get("GOVSIM_UPDATE_SCREENSHOT"):
        w.speed("1 day")
        for hour in (24, 48, 72):
            w.page.locator(".govsim-step").click()
            w.wait_hour(hour)
        README_SHOT.parent.mkdir(parents=True, exist_ok=True)
        w.page.screenshot(path=str(README_SHOT))  # the window, as a user first sees it


def test_step_advances_the_hour_and_changes_the_plots_run_and_pause(watched):
    w = watched()
    before = w.image("img.govsim-timelines-a")
    for hour in (1, 2, 3):
        w.page.locator(".govsim-step").click()
        w.wait_hour(hour)
    after = w.image("img.govsim-timelines-a")
    assert before.shape != after.shape or np.abs(before - after).sum() > 0, "plots unchanged"
    w.page.locator(".govsim-run").click()
    expect(w.page.locator(".govsim-status-a")).not_to_contain_text("hour 3 ", timeout=30_000)
    w.page.locator(".govsim-run").click()  # now "Pause"
    expect(w.page.locator(".govsim-run")).to_contain_text("Run", timeout=30_000)
    paused = w.status()
    time.sleep(1.0)
    assert w.status() == paused, "the run went on after Pause"


def expected_status(*overrides: str, hours: int) -> str:
    """The status line the page should show, computed in this process (same seed)."""
    from sim.config import load
    from sim.model import GovSimModel
    from sim.view.app import _status_line
    from sim.view.session import model_status

    model = GovSimModel(load(ROOT / "scenarios" / "baseline.toml", list(overrides)))
    model.run(hours)
    return _status_line(model_status(model))


def test_a_mechanism_change_takes_effect(watched):
    hierarchical = expected_status(hours=24)
    flat = expected_status('government.structure.kind="flat"', hours=24)
    assert flat != hierarchical
    w = watched()
    w.choose("Organisation", "flat")
    expect(w.page.locator(".govsim-controls")).to_contain_text("flat: the front line has")
    w.speed("1 day")
    w.page.locator(".govsim-step").click()
    w.wait_hour(24)
    assert w.status() == f"{flat} of 720"


def test_side_by_side_shows_the_difference_of_two_designs(watched):
    w = watched()
    w.page.get_by_text("Compare with a second design").click()
    expect(w.page.locator(".govsim-status-b")).to_be_visible(timeout=TIMEOUT * 1000)
    w.choose("Organisation", "flat", nth=1)
    expect(w.page.locator(".govsim-status-b")).to_contain_text("flat, fixed")
    w.speed("1 day")
    w.page.locator(".govsim-step").click()
    w.wait_hour(24, "a")
    w.wait_hour(24, "b")
    difference = w.page.locator(".govsim-difference")
    expect(difference).to_contain_text("At hour 24, B minus A:")
    line = difference.inner_text()
    gaps = [float(v) for v in re.findall(r" ([+-][0-9.e+-]+)", line)]
    assert any(g != 0 for g in gaps), line
    assert_not_blank(w.image("img.govsim-comparison"), "comparison")
    assert_not_blank(w.image("img.govsim-network-b"), "network picture of design B")


def test_an_invalid_input_shows_the_validation_message(watched):
    w = watched()
    field = w.page.locator(".v-text-field", has_text="Citizens").locator("input")
    field.fill("0")
    field.press("Enter")
    expect(w.page.locator(".govsim-error")).to_contain_text(
        "population.n_citizens: must be >= 1, got 0", timeout=TIMEOUT * 1000
    )
    expect(w.page.locator(".govsim-step")).to_be_disabled()
    field.fill("10000")
    field.press("Enter")
    expect(w.page.locator(".govsim-error")).to_have_count(0, timeout=TIMEOUT * 1000)


def test_two_sessions_stay_independent(watched):
    first = watched()
    for hour in (1, 2, 3):
        first.page.locator(".govsim-step").click()
        first.wait_hour(hour)
    second = watched()  # opened after the first stepped: a model of its own, at hour 0
    assert second.status().startswith("hour 0 ")
    second.page.locator(".govsim-step").click()
    second.wait_hour(1)
    assert first.status().startswith("hour 3 ")
    first.page.locator(".govsim-step").click()
    first.wait_hour(4)
    assert second.status().startswith("hour 1 ")
