"""The real thing: ``streamlit run dashboard.py`` in a subprocess, every page opened in
headless Chromium. Fails on any exception box or a missing heading; screenshots each page.

Skipped (with the reason) where Chromium or playwright is missing, except under CI (env CI
set), where that is a failure.
"""
from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.test_app import HEADINGS, HOME

pytestmark = pytest.mark.slow  # a real browser against a running dashboard

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
START_TIMEOUT = 60
PAGE_TIMEOUT_MS = 60_000


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the browser test must run)")
    pytest.skip(reason)


def url_path(page: str) -> str:
    """Streamlit's URL for a page file: 'pages/1_Explore.py' -> 'Explore', home -> ''."""
    if page == HOME:
        return ""
    return re.sub(r"^\d+[_ -]*", "", Path(page).stem).replace(" ", "_")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(data: Path, log: Path):
    """``streamlit run dashboard.py`` on the data folder ``data`` in the open demo; yields its
    base URL once healthy, stops it afterwards."""
    port = _free_port()
    env = dict(os.environ, RADSOME_DATA=str(data), RADSOME_PSEUDONYM_KEY="test-key-not-secret",
               RADSOME_OPEN_DEMO="1")
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"streamlit exited with {process.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit not healthy after {START_TIMEOUT} s:\n{log.read_text()}")
            time.sleep(0.25)
        yield base
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(demo_data, tmp_path_factory):
    """Base URL of a streamlit server on the demo warehouse; stopped after the module."""
    with serve(demo_data, tmp_path_factory.mktemp("streamlit") / "server.log") as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        _unavailable(f"Chromium is not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


# True once the script has finished and the browser has drawn everything it sent: no
# placeholder skeletons left, every plotly chart has its SVG and every Vega-Lite chart its marks.
SETTLED = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-testid="stSkeleton"], [data-testid="stSkeletonElement"],'
                               + ' [data-testid="stAppSkeleton"]')) return false;
    for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
        if (!chart.querySelector('.main-svg')) return false;
    }
    for (const chart of document.querySelectorAll('[data-testid="stVegaLiteChart"]')) {
        if (!chart.querySelector('canvas.marks, svg.marks')) return false;
    }
    return true;
}"""


def wait_settled(page) -> None:
    """Wait until the page has settled, twice with a pause between (a rerun may follow)."""
    for _ in range(2):
        page.wait_for_function(SETTLED)
        page.wait_for_timeout(400)
    page.wait_for_function(SETTLED)


def open_and_wait(browser, url: str, heading: str, screenshot: Path, requested: list[str] | None = None):
    """Load ``url``, wait until the heading is shown and the page has settled, then
    screenshot it (the viewport is tall because Streamlit scrolls inside the page); return
    the page. ``requested``: a list to append the URL of every request the page makes to."""
    page = browser.new_page(viewport={"width": 1400, "height": 2400})
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    if requested is not None:
        page.on("request", lambda request: requested.append(request.url))
    page.goto(url)
    page.get_by_role("heading", name=re.compile(re.escape(heading))).first.wait_for()
    wait_settled(page)
    page.screenshot(path=str(screenshot), full_page=True)
    return page


def third_party(requested: list[str], server: str) -> list[str]:
    """The requests that went anywhere but the dashboard's own server (inline data aside)."""
    return [url for url in requested if not (url.startswith(f"{server}/") or url.startswith(("data:", "blob:")))]


@pytest.mark.parametrize("page_file", sorted(HEADINGS))
def test_page_renders_without_exception(page_file, browser, server, tmp_path):
    """Each page opens without an exception box, and asks nothing of a third party: found in
    the issue #16 tryout, the favicon (a material icon) came from fonts.gstatic.com."""
    heading = HEADINGS[page_file]
    shot = tmp_path / f"{url_path(page_file) or 'Overview'}.png"
    requested: list[str] = []
    page = open_and_wait(browser, f"{server}/{url_path(page_file)}", heading, shot, requested)
    try:
        errors = page.locator('[data-testid="stException"]')
        assert errors.count() == 0, errors.first.inner_text()
        assert page.get_by_role("heading", name=re.compile(re.escape(heading))).count() >= 1
        assert page.get_by_text("Local demo: no login").count() >= 1
        assert shot.stat().st_size > 10_000
        # the tab icon is the dashboard's own file (headless Chromium may never fetch it, so the
        # link is read as well as the requests)
        icon = page.evaluate("() => document.querySelector(\"link[rel='shortcut icon']\")?.href")
        assert icon and icon.startswith(f"{server}/media/") and icon.endswith(".png"), icon
        assert requested and not third_party(requested, server), third_party(requested, server)
    finally:
        page.close()


def test_shared_url_reproduces_the_view_and_survives_page_switch(browser, server, tmp_path):
    url = f"{server}/Explore?from=2025-01-01&to=2025-03-31&region=Y63&q=scan"
    page = open_and_wait(browser, url, HEADINGS["pages/1_Explore.py"], tmp_path / "explore-url.png")
    try:
        assert page.locator('[data-testid="stException"]').count() == 0
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert sidebar.get_by_text("North East and Yorkshire").count() >= 1
        assert page.locator('input[aria-label="Search post text"]').input_value() == "scan"
        assert "region=Y63" in page.url and "q=scan" in page.url
        sidebar.get_by_role("link", name=re.compile("Overview")).click()
        page.get_by_role("heading", name=re.compile("Overview")).first.wait_for()
        wait_settled(page)
        page.wait_for_function("() => location.search.includes('region=Y63')")
        assert "from=2025-01-01" in page.url and "q=" not in page.url
        assert sidebar.get_by_text("North East and Yorkshire").count() >= 1
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        page.close()


# Each Vega-Lite chart's plot width: the span of its x axis's grid lines and domain (vertical
# lines), i.e. the drawing area between the axes, in CSS pixels.
PLOT_WIDTHS = """() => Array.from(document.querySelectorAll('[data-testid="stVegaLiteChart"] svg.marks')).map(svg => {
    const xs = Array.from(svg.querySelectorAll('.role-axis-grid line, .role-axis-domain line'))
        .map(l => l.getBoundingClientRect()).filter(r => r.height > 20);
    if (!xs.length) return null;
    return Math.round(Math.max(...xs.map(r => r.right)) - Math.min(...xs.map(r => r.left)));
})"""


def test_half_width_charts_keep_a_usable_plot_at_1024_px(browser, server):
    """SPC trends draws nine charts two to a row: at a 1024 px window a legend wider than the
    column made Vega's autosize shrink each plot to 0-38 px (issue #16)."""
    page = browser.new_page(viewport={"width": 1024, "height": 900})
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        page.goto(f"{server}/SPC_trends")
        page.get_by_role("heading", name=re.compile("SPC trends")).first.wait_for()
        wait_settled(page)
        widths = [w or 0 for w in page.evaluate(PLOT_WIDTHS)]  # no vertical line: no plot
        charts = page.locator('[data-testid="stVegaLiteChart"]')
        half = [charts.nth(i).bounding_box()["width"] for i in range(charts.count())]
        assert len(widths) == len(half) >= 2, (widths, half)
        assert all(w < 400 for w in half), half  # two to a row at this width
        assert min(widths) >= 120, widths
    finally:
        page.close()


def test_a_tooltip_shows_its_lines_from_the_shared_table(browser, server, tmp_path):
    """A Kaplan-Meier curve's hover targets draw from the table the line draws (an Arrow
    dataset), their first tooltip line, the curve's name on every point, made once by a
    ``calculate`` (issue #16): hovering a target shows both lines as text."""
    page = open_and_wait(browser, f"{server}/Response_times", HEADINGS["pages/3_Response_times.py"],
                         tmp_path / "tooltip.png")
    try:
        chart = page.locator('[data-testid="stVegaLiteChart"]').first
        targets = chart.locator("svg.marks g.mark-symbol path")
        assert targets.count() > 10
        shown = ""
        for i in range(targets.count() // 2, targets.count()):
            targets.nth(i).hover(force=True)
            tip = page.locator("#vg-tooltip-element.visible")
            if tip.count():
                shown = tip.inner_text()
                break
        lines = [line.strip() for line in shown.splitlines() if line.strip()]
        assert lines[0] == "All questions", shown  # the calculated line: the trace's name
        assert re.fullmatch(r"\d+% still waiting after .+", lines[1]), shown
    finally:
        page.close()


def test_a_page_number_typed_past_the_end_is_the_page_shown(browser, server, tmp_path):
    """Found in Chromium (4 Dec 2026): with max_value set, typing 11 into "Page (of 10)" (or 0)
    was refused by the browser, which kept 11 in the box while the old page stayed shown. The
    box and the rows shown now agree: the last (or first) page."""
    url = f"{server}/Explore?from=2023-01-01&to=2025-06-30"
    page = open_and_wait(browser, url, HEADINGS["pages/1_Explore.py"], tmp_path / "explore-pages.png")
    try:
        box = page.get_by_test_id("stNumberInputField").first
        pages = int(re.search(r"Page \(of (\d+)\)", page.inner_text('[data-testid="stMain"]')).group(1))
        assert pages > 1
        for typed, shown in ((pages + 1, pages), (0, 1), (2, 2)):
            box.fill(str(typed))
            box.press("Enter")
            first = (shown - 1) * 100 + 1
            page.get_by_text(re.compile(rf"^Rows {first:,}–")).wait_for()
            wait_settled(page)
            assert box.input_value() == str(shown), typed
    finally:
        page.close()


# Counts the runs of the page's script that start from now on (the app's script state turning
# to "running"), so a test can tell whether an action reran the page.
COUNT_RUNS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    window.radsomeRuns = 0;
    new MutationObserver(() => {
        if (app.getAttribute('data-test-script-state') === 'running') window.radsomeRuns += 1;
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def test_a_download_serves_the_file_audits_it_and_does_not_rerun_the_page(browser, server, tmp_path,
                                                                          demo_data, use_data):
    """Issue #16 tryout: the file is made by the button's deferred callable when it is clicked,
    which writes the audit row (ui.tables.audited), and the click does not rerun the page
    (``on_click="ignore"``): the real server, in the thread Streamlit runs the callable in."""
    from store import access
    use_data(demo_data)  # this process reads the server's audit log
    url = f"{server}/Explore?from=2025-06-01&to=2025-06-30"
    page = open_and_wait(browser, url, HEADINGS["pages/1_Explore.py"], tmp_path / "explore-download.png")
    try:
        before = len(access.audit_log().query("action == 'export'"))
        page.evaluate(COUNT_RUNS)
        with page.expect_download() as download:
            page.get_by_role("button", name="Download posts (CSV)").click()
        saved = tmp_path / "posts.csv"
        download.value.save_as(saved)
        assert download.value.suggested_filename.endswith(".csv") and saved.read_bytes().startswith(b"\xef\xbb\xbf")
        page.wait_for_timeout(1_500)  # time for a rerun to start, had the click asked for one
        assert page.evaluate("() => window.radsomeRuns") == 0
        exports = access.audit_log().query("action == 'export'")
        assert len(exports) == before + 1
        rows = len(list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"), newline="")))) - 1
        assert exports["detail"].iloc[-1].startswith(f"{rows:,} posts as CSV; 2025-06-01 to 2025-06-30; ")
    finally:
        page.close()
