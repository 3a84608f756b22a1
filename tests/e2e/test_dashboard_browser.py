"""End-to-end check of the ops dashboard in headless Chromium: it renders its charts offline, without errors.

The browser is driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: NUL-separated
JSON on file descriptors 3 and 4), so no websocket library, no port and no browser download is needed.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import queue
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from clea_intake.ops.dashboard_data import CaseSummary, DashboardData, build_dashboard_data
from clea_intake.ops.dashboard_html import render_dashboard
from clea_intake.runtime import aws_ports

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs headless Chromium at /usr/bin/chromium (apt-get install chromium)",
    ),
    # The handlers emit one metric at a time, so their end-of-invocation flush is empty (runtime.py
    # filters this warning at import, but pytest resets the filters for each test).
    pytest.mark.filterwarnings("ignore:No application metrics to publish"),
]

PARIS = ZoneInfo("Europe/Paris")
VIEWPORT_WIDTH = 1280
TIMEOUT_S = 30.0
CHART_IDS = {"chart-parcours", "chart-etats", "chart-refus", "chart-delais", "chart-montants", "chart-pieces"}


# --- realistic sample season ---------------------------------------------------------------------

AIDS = {
    ("clea_socle", "initial"): 450,
    ("clea_socle", "final"): 250,
    ("clea_numerique", "initial"): 300,
    ("clea_numerique", "final"): 150,
}
# Weighted like a real season: late files and residence are the usual refusals.
REASONS = (
    ["LATE_COMPLETION"] * 5
    + ["NOT_RESIDENT"] * 3
    + ["INELIGIBLE_SITUATION"] * 3
    + ["FUNDED_ELSEWHERE"] * 2
    + ["EVALUATOR_NOT_IN_REGION", "EVALUATOR_NOT_QUALIOPI", "EVALUATOR_NOT_HABILITATED", "DUPLICATE_AID"]
)
OUTCOMES = {
    "RECEIVED": 4,
    "INCOMPLETE": 8,
    "COMPLETE": 3,
    "REFUSED": 18,
    "AWARDED": 14,
    "CLAIM_INCOMPLETE": 4,
    "PAYMENT_ORDERED": 6,
    "PAID": 36,
    "CLOSED_UNPAID": 3,
    "LAPSED": 4,
    "WITHDRAWN": 3,
}
DOCUMENTS = {
    "identity_card": 118,
    "passport": 14,
    "residence_permit": 9,
    "proof_of_address": 131,
    "quote": 137,
    "qualiopi_certificate": 135,
    "clea_habilitation": 133,
    "disp_liaison": 4,
    "execution_report": 61,
    "hours_attestation": 60,
    "bank_details": 63,
    "unknown": 7,
}


def sample_cases(count: int = 140, seed: int = 2026) -> list[CaseSummary]:
    """A season of cases spread over 2026, every state and reason represented, deterministic."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 5, 9, 0, tzinfo=PARIS)
    cases = []
    refusals = 0
    for number in range(1, count + 1):
        received = start + timedelta(days=rng.uniform(0, 200), hours=rng.uniform(0, 8))
        certification = rng.choice(["clea_socle", "clea_socle", "clea_numerique"])
        evaluation = rng.choice(["initial", "initial", "final"])
        # The first cases take each state once, so that every bar of the chart has something.
        if number <= len(OUTCOMES):
            state = list(OUTCOMES)[number - 1]
        else:
            state = rng.choices(list(OUTCOMES), weights=list(OUTCOMES.values()))[0]
        aid = Decimal(AIDS[(certification, evaluation)])
        # Some quotes are below the fixed sum: the award is then the quoted price.
        awarded = aid if rng.random() > 0.15 else min(aid, Decimal(rng.choice(["210", "275.50", "380"])))
        completed = received + timedelta(days=rng.uniform(0.5, 20))
        decided = completed + timedelta(days=rng.uniform(0.1, 6))
        common: dict[str, Any] = {
            "case_id": f"NA-CLEA-2026-{number:06d}",
            "state": state,
            "received_at": received,
            "certification": certification,
            "evaluation": evaluation,
        }
        if state in ("RECEIVED", "INCOMPLETE", "WITHDRAWN"):
            cases.append(CaseSummary(**common, updated_at=received + timedelta(days=rng.uniform(0, 9))))
        elif state == "COMPLETE":
            cases.append(CaseSummary(**common, completed_at=completed))
        elif state == "REFUSED":
            # Likewise the first refusals take each reason once.
            refusals += 1
            if refusals <= len(set(REASONS)):
                reasons = [sorted(set(REASONS))[refusals - 1]]
            else:
                reasons = sorted(set(rng.sample(REASONS, k=rng.choice([1, 1, 1, 2]))))
            late = "LATE_COMPLETION" in reasons
            cases.append(
                CaseSummary(
                    **common, decided_at=decided, completed_at=None if late else completed, reasons=reasons
                )
            )
        else:
            paid_at = decided + timedelta(days=rng.uniform(25, 70)) if state == "PAID" else None
            cases.append(
                CaseSummary(
                    **common,
                    completed_at=completed,
                    decided_at=decided,
                    awarded_eur=awarded,
                    paid_eur=awarded if paid_at else Decimal(0),
                    paid_at=paid_at,
                    updated_at=paid_at or decided + timedelta(days=rng.uniform(1, 30)),
                )
            )
    return cases


def sample_data() -> DashboardData:
    return build_dashboard_data(
        sample_cases(),
        season="Campagne 2026",
        generated_at=datetime(2026, 11, 27, 17, 38, tzinfo=PARIS),
        document_counts=DOCUMENTS,
        open_review_items=6,
    )


# --- a tiny DevTools-protocol client over Chromium's debugging pipe --------------------------------


class DevTools:
    """Chromium started with `--remote-debugging-pipe`; commands go to its fd 3, replies come on fd 4."""

    def __init__(self, profile_dir: Path, log_path: Path) -> None:
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        # Copy the child's ends to free descriptors above 9, so that placing them on 3 and 4 in the
        # child never lands a descriptor on itself (which would leave it close-on-exec).
        child_in = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_out = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD_CLOEXEC, 10)

        def attach_pipes() -> None:
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        self._log = open(log_path, "wb")  # closed in close()
        self.process = subprocess.Popen(
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--hide-scrollbars",
                # Any name lookup fails: a page that tried to reach the network would show it.
                "--host-resolver-rules=MAP * ~NOTFOUND",
                f"--user-data-dir={profile_dir}",
                f"--window-size={VIEWPORT_WIDTH},900",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
            close_fds=False,
            # Chromium's debugging pipe is fixed on fds 3 and 4; only the child can place them there.
            preexec_fn=attach_pipes,
        )
        for fd in {to_browser_r, from_browser_w, child_in, child_out}:
            os.close(fd)
        self._writer = os.fdopen(to_browser_w, "wb", buffering=0)
        self._reader = os.fdopen(from_browser_r, "rb", buffering=0)
        self._messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.events: list[dict[str, Any]] = []
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buffer = b""
        while chunk := self._reader.read(65536):
            buffer += chunk
            *complete, buffer = buffer.split(b"\0")
            for raw in complete:
                self._messages.put(json.loads(raw))

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._writer.write(json.dumps(message).encode() + b"\0")
        reply = self._wait(lambda m: m.get("id") == message["id"], f"reply to {method}")
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def wait_event(self, method: str, session: str, after: int) -> dict[str, Any]:
        """The first `method` event of the session among the events received from index `after` on."""
        for event in self.events[after:]:
            if event.get("method") == method and event.get("sessionId") == session:
                return event
        return self._wait(lambda m: m.get("method") == method and m.get("sessionId") == session, method)

    def _wait(self, wanted: Any, what: str) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT_S
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = self._messages.get(timeout=left)
            except queue.Empty:
                break
            if "method" in message:
                self.events.append(message)
            if wanted(message):
                return message
        raise TimeoutError(f"no {what} from Chromium within {TIMEOUT_S:.0f} s")

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self._writer.close()
        self._log.close()


class Page:
    """One tab, with the protocol domains that report console messages, errors and requests."""

    def __init__(self, browser: DevTools) -> None:
        self.browser = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": VIEWPORT_WIDTH, "height": 900, "deviceScaleFactor": 1, "mobile": False},
        )

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.send(method, params, self.session)

    def open(self, path: Path) -> None:
        # Only a load event after this navigation counts, not one left over from about:blank.
        mark = len(self.browser.events)
        self.send("Page.navigate", {"url": path.as_uri()})
        self.browser.wait_event("Page.loadEventFired", self.session, after=mark)

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"]["value"]

    def screenshot(self) -> bytes:
        height = self.evaluate("document.documentElement.scrollHeight")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": VIEWPORT_WIDTH, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        shot = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        return base64.b64decode(shot["data"])

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions, error log entries and any request leaving the file."""
        found = []
        for event in (e for e in self.browser.events if e.get("sessionId") == self.session):
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(f"uncaught: {params['exceptionDetails'].get('text')}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(f"console.{params['type']}: {[a.get('value') for a in params.get('args', [])]}")
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(f"log: {params['entry']['text']}")
            elif method == "Network.requestWillBeSent":
                url = params["request"]["url"]
                if not url.startswith(("file:", "data:", "about:")):
                    found.append(f"network: {url}")
        return found


# Measured in the page once it is laid out: every chart drawn, every label inside its chart.
INSPECT = """
(() => {
  const charts = [...document.querySelectorAll('svg.chart')].map((svg) => {
    const box = svg.getBoundingClientRect();
    const bars = [...svg.querySelectorAll('rect.bar')];
    // Screen boxes, so that rotated axis labels are measured where they are drawn.
    const clipped = [...svg.querySelectorAll('text')].filter((t) => {
      const b = t.getBoundingClientRect();
      return b.left < box.left - 1 || b.top < box.top - 1 || b.right > box.right + 1 || b.bottom > box.bottom + 1;
    }).map((t) => t.textContent);
    return {
      id: svg.id,
      width: box.width,
      height: box.height,
      bars: bars.length,
      painted: bars.filter((r) => r.getBBox().width > 0 && r.getBBox().height > 0).length,
      values: [...svg.querySelectorAll('text.value')].map((t) => t.textContent),
      title: svg.querySelector('title')?.textContent,
      clipped,
    };
  });
  const overflowing = [...document.querySelectorAll('.kpi, .card')]
    .filter((el) => el.scrollWidth > el.clientWidth + 1)
    .map((el) => el.textContent.slice(0, 40));
  return {
    title: document.title,
    charts,
    overflowing,
    pageOverflowsX: document.documentElement.scrollWidth > window.innerWidth,
    tableRows: document.querySelectorAll('table.latest tbody tr').length,
  };
})()
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevTools]:
    work = tmp_path_factory.mktemp("chromium")
    profile = work / "profile"
    profile.mkdir()
    devtools = DevTools(profile, work / "chromium.log")
    try:
        yield devtools
    finally:
        devtools.close()


@pytest.fixture(scope="module")
def rendered(browser: DevTools, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("dashboard")
    html_path = out / "clea-dashboard.html"
    html_path.write_text(render_dashboard(sample_data()), encoding="utf-8")
    page = Page(browser)
    page.open(html_path)
    report = page.evaluate(INSPECT)
    screenshot = page.screenshot()
    (out / "clea-dashboard.png").write_bytes(screenshot)
    return {"report": report, "screenshot": screenshot, "problems": page.problems(), "dir": out}


def test_dashboard_browser_sample_season_draws_every_chart(rendered: dict[str, Any]) -> None:
    # Given a realistic season rendered and opened in Chromium
    charts = {chart["id"]: chart for chart in rendered["report"]["charts"]}
    # When the laid-out charts are measured
    # Then all six are on the page, visibly sized, with painted bars and values written
    assert set(charts) == CHART_IDS
    for chart in charts.values():
        assert chart["width"] > 300 and chart["height"] > 150, chart["id"]
        assert chart["painted"] > 0, chart["id"]
        assert chart["values"], chart["id"]
        assert chart["title"], chart["id"]
    assert charts["chart-etats"]["bars"] == charts["chart-etats"]["painted"] == 11
    assert charts["chart-refus"]["bars"] == charts["chart-refus"]["painted"] == 8
    assert charts["chart-parcours"]["values"][0].startswith("140")


def test_dashboard_browser_sample_season_keeps_text_inside_its_box(rendered: dict[str, Any]) -> None:
    # Given the laid-out page  When labels and tiles are measured
    report = rendered["report"]
    # Then no chart label spills out of its chart, no tile or card overflows, no sideways scroll
    assert {c["id"]: c["clipped"] for c in report["charts"] if c["clipped"]} == {}
    assert report["overflowing"] == []
    assert report["pageOverflowsX"] is False
    assert report["tableRows"] == 15


def test_dashboard_browser_sample_season_opens_offline_without_errors(rendered: dict[str, Any]) -> None:
    # Given the page loaded with name resolution disabled
    # When console, log, exceptions and requests are collected  Then there is nothing to report
    assert rendered["problems"] == []
    assert rendered["report"]["title"].startswith("clea-intake — tableau de bord des opérations")


def test_dashboard_browser_screenshot_shows_the_charts_colours(rendered: dict[str, Any]) -> None:
    # Given the full-page screenshot
    image = Image.open(BytesIO(rendered["screenshot"])).convert("RGB")
    # When its pixels are counted by colour
    colours = {colour: count for count, colour in image.getcolors(maxcolors=1 << 20)}
    # Then it is the page's width and the bar colours were really painted (blue, green, vermilion)
    assert image.width == VIEWPORT_WIDTH and image.height > 1500
    for rgb in ((0x00, 0x72, 0xB2), (0x00, 0x9E, 0x73), (0xD5, 0x5E, 0x00)):
        assert colours.get(rgb, 0) > 2000, rgb


# --- a dashboard written from cases played on the local stack --------------------------------------------

PLAYED_START = date(2026, 5, 4)


@pytest.fixture(scope="module")
def played(stack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A paid file, a late refusal and a file still incomplete, played on the local stack; its dashboard."""
    from clea_intake import clock
    from clea_intake.local import ops
    from clea_intake.services.payments import export_and_confirm
    from tests.e2e.conftest import Applicant, at

    paid = Applicant(stack, 9301, start=PLAYED_START)
    paid.submit(PLAYED_START - timedelta(days=42))
    paid.deliver(paid.end + timedelta(days=5), paid.claim_email(paid.end + timedelta(days=5)))
    stack.set_time(at(paid.end + timedelta(days=12), 15))
    export_and_confirm(aws_ports(stack.repo(), stack.cfg()), clock.now(), actor="finance:test")
    late = Applicant(stack, 9302, start=PLAYED_START)
    late.submit(PLAYED_START - timedelta(days=30), with_documents=False)
    waiting = Applicant(stack, 9303, start=PLAYED_START + timedelta(days=120))
    waiting.submit(PLAYED_START - timedelta(days=25), with_documents=False)
    stack.tick(at(PLAYED_START - timedelta(days=14), 6))

    out = tmp_path_factory.mktemp("played") / "clea-dashboard.html"
    ops.write_dashboard(stack.repo(), out, generated_at=at(PLAYED_START + timedelta(days=30), 18))
    states = {a.case_id: a.outcome()["state"] for a in (paid, late, waiting)}
    return {"path": out, "states": states}


@pytest.fixture(scope="module")
def played_page(browser: DevTools, played: dict[str, Any]) -> dict[str, Any]:
    page = Page(browser)
    page.open(played["path"])
    report = page.evaluate(INSPECT)
    screenshot = page.screenshot()
    played["path"].with_suffix(".png").write_bytes(screenshot)
    return {"report": report, "problems": page.problems(), "screenshot": screenshot}


def test_dashboard_browser_played_cases_reach_their_states(played: dict[str, Any]) -> None:
    # Given the three files played on the local stack  When their states are read
    # Then they are paid, refused late and incomplete: the dashboard has something in every chart
    assert sorted(played["states"].values()) == ["INCOMPLETE", "PAID", "REFUSED"]


def test_dashboard_browser_played_cases_draw_every_chart(played_page: dict[str, Any]) -> None:
    # Given the dashboard written by `ops.write_dashboard` from the played cases, opened in Chromium
    charts = {chart["id"]: chart for chart in played_page["report"]["charts"]}
    # When its charts are measured
    # Then all six are drawn with painted bars, values and a title, and the funnel starts at three files
    assert set(charts) == CHART_IDS
    for chart in charts.values():
        assert chart["width"] > 300 and chart["height"] > 150, chart["id"]
        assert chart["painted"] > 0, chart["id"]
        assert chart["values"] and chart["title"], chart["id"]
    assert charts["chart-parcours"]["values"][0].startswith("3")
    assert charts["chart-refus"]["painted"] == 1
    assert played_page["report"]["tableRows"] == 3


def test_dashboard_browser_played_cases_open_without_errors(played_page: dict[str, Any]) -> None:
    # Given the page loaded offline  When console, log, exceptions and requests are collected
    # Then there is nothing to report, and nothing spills out of its box
    assert played_page["problems"] == []
    assert played_page["report"]["overflowing"] == [] and played_page["report"]["pageOverflowsX"] is False
    assert {c["id"]: c["clipped"] for c in played_page["report"]["charts"] if c["clipped"]} == {}


def test_dashboard_browser_played_cases_screenshot_is_painted(played_page: dict[str, Any]) -> None:
    # Given the full-page screenshot  When its colours are counted
    image = Image.open(BytesIO(played_page["screenshot"])).convert("RGB")
    colours = {colour: count for count, colour in image.getcolors(maxcolors=1 << 20)}
    # Then the page is as wide as the window and the bars' blue was painted
    assert image.width == VIEWPORT_WIDTH
    assert colours.get((0x00, 0x72, 0xB2), 0) > 500


def test_dashboard_browser_broken_page_is_reported(browser: DevTools, tmp_path: Path) -> None:
    # Given a page that throws, logs an error and tries to fetch from the network (the harness's own check)
    broken = tmp_path / "broken.html"
    broken.write_text(
        "<!DOCTYPE html><html><body><img src='https://cdn.example.invalid/x.png'>"
        "<script>console.error('boom'); undefined_function();</script></body></html>",
        encoding="utf-8",
    )
    page = Page(browser)
    # When it is opened
    page.open(broken)
    problems = " | ".join(page.problems())
    # Then each fault is caught, so a clean result above means a clean page
    assert "console.error" in problems
    assert "uncaught" in problems
    assert "network: https://cdn.example.invalid/x.png" in problems


# --- the dashboard of `clea-intake demo` ------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_page(browser: DevTools, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A short demo season (paid, refused late, incomplete) played by `clea-intake demo`, its page opened.

    The demo runs in its own process, as a user runs it: moto's backends are per process, and this
    module already has a local stack of its own.
    """
    out = tmp_path_factory.mktemp("demo") / "clea-dashboard.html"
    done = subprocess.run([sys.executable, "-m", "clea_intake.cli", "demo", "--applications", "3", "--dashboard",
                           str(out)], capture_output=True, text=True, timeout=600, check=False)
    code = done.returncode
    page = Page(browser)
    page.open(out)
    return {"code": code, "report": page.evaluate(INSPECT), "problems": page.problems()}


def test_dashboard_browser_demo_season_renders_every_chart_without_errors(demo_page: dict[str, Any]) -> None:
    # Given the dashboard `clea-intake demo` wrote for its season, opened in Chromium
    charts = {chart["id"]: chart for chart in demo_page["report"]["charts"]}
    # When its charts, console and requests are inspected
    # Then the season reached its expected outcomes and every chart is drawn, with nothing to report
    assert demo_page["code"] == 0
    assert set(charts) == CHART_IDS and all(chart["painted"] > 0 for chart in charts.values())
    assert demo_page["problems"] == []
