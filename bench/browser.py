"""What a person waits for: every page timed in headless Chromium against a real
``streamlit run dashboard.py`` (issue #16).

    python bench/browser.py --data DIR [--repeat 7] [--json PATH] [--pages dashboard.py ...]

``--data`` is a data folder with a published demo warehouse (open demo: every post synthetic,
so no login; docs/security.md). The dashboard runs as a child process (headless, free port,
``RADSOME_DATA`` and ``RADSOME_OPEN_DEMO=1`` set). Beside it, served the same way (same
Python, same ``.streamlit/config.toml``, same browser) from a temporary folder, the floor: a
minimal Streamlit page (a title, a sentence, the same sidebar widgets), what any Streamlit
page costs on this machine; and the floor with one small plotly chart, to show what the chart
library costs a new session.

For each page, over the fixed filter scenarios of ``bench/scenarios.py``:

* **open**: a new tab (a new Streamlit session; the browser's HTTP cache is warm, as for
  someone who has used the dashboard before) loads the page's URL with the scenario's filters
  in it, timed from navigation start until the page has *settled*;
* **change**: in one tab, the sidebar filters are changed to the next ``repeat`` scenarios
  (the same kinds of filters on other days, so nothing is served from what the opens cached)
  as a person does it: the region
  multiselect ("Clear all", then picking each region from the list) and the dates (typing
  the day, month and year into the date field, then Escape, which commits them); each action
  is timed from the input event (pointer or key) that commits it until the page has settled.

*Settled* (checked in the page, on every animation frame and DOM change, by
``bench/browser_probe.js``): Streamlit's script state is ``notRunning`` (the "running" status is gone),
no element is marked stale (``data-stale="true"``, the greyed elements of the previous run),
no skeleton placeholder is left (``stSkeleton``, ``stAppSkeleton``), the page heading is
shown, and every plotly chart's div has drawn (``.main-svg`` present and plotly's
``_fullLayout`` set). After an action the probe also waits for the rerun it caused: a script
run finishing (the state leaving ``running``) or, for a run too short for the page ever to
show it as running, a websocket frame from the server after the action; so an action is
never timed as settled before its rerun ran. A page counts as settled at the first moment
from which it stays settled for ``QUIET_MS`` (a rerun that follows, e.g. a fragment,
restarts the wait); the figure is that moment minus the start.

Per open and per change it also records: the bytes and frames the server sent over the
websocket (``page.on("websocket")``, frames received), the time of the last frame (so the
wait splits into server-and-transfer time and the browser's own drawing after the last
byte), and Chrome's own counters from the DevTools Protocol (``Performance.getMetrics``:
ScriptDuration, LayoutDuration, RecalcStyleDuration, TaskDuration, as differences over the
action), with the number of Streamlit elements, plotly charts and DOM nodes on the page. An
open also records when the HTML and scripts had loaded, the first websocket frame (the
session has started) and the plotly chunk's download (:data:`OPEN_TIMES`).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # ``python bench/browser.py``: the packages are beside bench/

from bench import scenarios  # noqa: E402
from warehouse import queries  # noqa: E402
from warehouse.queries import Filters  # noqa: E402

CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright drives it (never a downloaded browser)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 1000}
QUIET_MS = 300
TIMEOUT_MS = 120_000
START_TIMEOUT_S = 120
HOME = "dashboard.py"
# Each page's title (its h1): a page has settled only once it shows it. tests/test_bench.py
# checks this lists every page.
HEADINGS = {HOME: "Overview", "pages/1_Explore.py": "Explore posts",
            "pages/2_Patient_questions.py": "Patient questions", "pages/3_Response_times.py": "Response times",
            "pages/4_Review_queue.py": "Review queue", "pages/5_Guideline_flags.py": "Guideline flags",
            "pages/6_Policy_comparison.py": "Policy comparison", "pages/7_Data_health.py": "Data health",
            "pages/8_What_patients_ask.py": "What patients ask", "pages/9_SPC_trends.py": "SPC trends"}
FLOOR = "floor"  # the minimal page's name in the results
METRICS = ("ScriptDuration", "LayoutDuration", "RecalcStyleDuration", "TaskDuration")

# Installed in every tab before any of the app's scripts: keeps window.__bench up to date
# (bench/browser_probe.js says how "settled" is decided).
PROBE = (Path(__file__).with_name("browser_probe.js").read_text().replace("QUIET_MS", str(QUIET_MS)))

COUNTS = """() => ({
  elements: document.querySelectorAll('[data-testid="stElementContainer"]').length,
  charts: document.querySelectorAll('[data-testid="stPlotlyChart"], [data-testid="stVegaLiteChart"]').length,
  dom_nodes: document.getElementsByTagName('*').length,
})"""

# Where an open's time goes, on the page clock (s from navigation start): the HTML and the
# app's scripts loaded (DOMContentLoaded), the websocket's first frame (the session has
# started), the plotly chunk downloaded (it is then parsed and compiled before a chart draws).
OPEN_TIMES = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const plotly = performance.getEntriesByType('resource').find(r => /PlotlyChart|VegaLiteChart/.test(r.name));
  return {dom_loaded_s: nav ? nav.domContentLoadedEventEnd / 1000 : null,
          first_frame_s: __bench.frames.length ? __bench.frames[0][0] / 1000 : null,
          plotly_loaded_s: plotly ? plotly.responseEnd / 1000 : null};
}"""

DIAGNOSIS = """() => ({state: document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state'),
  runs: window.__bench?.runs, want: window.__bench?.want, heading: window.__bench?.heading,
  headings: [...document.querySelectorAll('h1')].map(h => h.textContent),
  stale: document.querySelectorAll('[data-stale="true"]').length,
  skeletons: document.querySelectorAll('[data-testid="stSkeleton"], [data-testid="stAppSkeleton"]').length,
  charts: [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].map(c => {
    const p = c.querySelector('.js-plotly-plot'); return [!!p, !!(p && p._fullLayout), !!c.querySelector('.main-svg')]; }),
  exception: document.querySelector('[data-testid="stException"]')?.innerText?.slice(0, 300)})"""

FLOOR_PAGE = '''# The floor: a minimal Streamlit page with the dashboard's sidebar widgets (bench/browser.py).
from datetime import date

import streamlit as st

st.set_page_config(page_title="Floor", layout="wide")
st.title("Floor")
with st.sidebar:
    st.header("Filters")
    picked = st.date_input("Dates (UK days)", (date(2025, 11, 1), date(2026, 10, 31)), format="DD/MM/YYYY",
                           min_value=date(2024, 11, 1), max_value=date(2026, 10, 31), key="filter_dates")
    regions = st.multiselect("Region", REGIONS, key="filter_regions", placeholder="All regions")
st.write(f"{len(regions)} regions, {picked}")
if CHART == "plotly":  # one small line chart, drawn as the dashboard draws its charts
    st.plotly_chart({"data": [{"type": "scatter", "mode": "lines", "x": list(range(52)),
                               "y": [(i * 7) % 23 for i in range(52)]}],
                     "layout": {"height": 300}}, key="chart")
if CHART == "vega-lite":  # the same chart through Streamlit's other chart library (what a switch would buy)
    st.vega_lite_chart({"values": [{"x": i, "y": (i * 7) % 23} for i in range(52)]},
                       {"mark": "line", "encoding": {"x": {"field": "x", "type": "quantitative"},
                                                     "y": {"field": "y", "type": "quantitative"}},
                        "height": 300}, key="chart")
'''
FLOORS = {FLOOR: "none", "floor + 1 plotly chart": "plotly", "floor + 1 vega-lite chart": "vega-lite"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(app_dir: Path, script: str, env: dict, log: Path):
    """``streamlit run script`` in ``app_dir`` (headless, a free port); yields its base URL."""
    port = _free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
            cwd=app_dir, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit not healthy after {START_TIMEOUT_S} s:\n{log.read_text()}")
            time.sleep(0.25)
        yield base, process.pid
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def url_path(page: str) -> str:
    """Streamlit's URL for a page file: 'pages/1_Explore.py' -> 'Explore', home -> ''."""
    return "" if page == HOME else re.sub(r"^\d+[_ -]*", "", Path(page).stem)


def query_string(filters: Filters) -> str:
    """The filters as the dashboard writes them into its URL (ui/filters.py)."""
    parts = [("from", filters.start.isoformat()), ("to", filters.end.isoformat())]
    parts += [("region", r) for r in filters.regions] + [("trust", t) for t in filters.trusts]
    parts += [("platform", p) for p in filters.platforms]
    parts += [("q", filters.text)] if filters.text else []  # pages without a search box ignore it
    return urllib.parse.urlencode(parts)


class Tab:
    """One browser tab (one Streamlit session) with the probe installed, its websocket frames
    counted in Python too, and a DevTools session for Chrome's performance counters."""

    def __init__(self, context, heading: str):
        self.page = context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        # the heading to wait for and "one script run" are set before the app's scripts run, so
        # that tabs navigated without waiting (bench/browser_users.py) are judged the same way
        self.page.add_init_script(PROBE + f"\nwindow.__bench.heading = {json.dumps(heading)}; window.__bench.want = 1;")
        self.frames: list[int] = []  # sizes of websocket frames received, as Playwright saw them
        self.page.on("websocket", lambda ws: ws.on("framereceived", self._received))
        self.cdp = context.new_cdp_session(self.page)
        self.cdp.send("Performance.enable")
        self.heading = heading

    def _received(self, payload) -> None:
        self.frames.append(len(payload.encode()) if isinstance(payload, str) else len(payload))

    def metrics(self) -> dict:
        values = {m["name"]: m["value"] for m in self.cdp.send("Performance.getMetrics")["metrics"]}
        return {name: values.get(name, 0.0) for name in METRICS}

    def settle(self, started_ms: float | None, what: str = "open") -> dict:
        """Wait until settled; the figures of the wait that started at ``started_ms`` (page
        clock; None: the commit of the input event the probe saw last)."""
        try:
            self.page.wait_for_function("() => window.__bench && window.__bench.stable()", polling="raf")
        except Exception as exc:  # say what the page looked like
            raise RuntimeError(f"{self.page.url} never settled after {what}: {self.page.evaluate(DIAGNOSIS)}") from exc
        state = self.page.evaluate("() => ({since: __bench.since, mark: __bench.mark, frames: __bench.frames})")
        start = state["mark"] if started_ms is None else started_ms
        frames = [(t, size) for t, size in state["frames"] if t >= start]
        last = max((t for t, _ in frames), default=start)
        return {"seconds": (state["since"] - start) / 1000, "bytes": sum(size for _, size in frames),
                "frames": len(frames), "server_s": (last - start) / 1000,
                "browser_s": max(0.0, state["since"] - last) / 1000}

    def open(self, url: str) -> dict:
        before, seen = self.metrics(), len(self.frames)
        self.page.goto(url)
        self.page.evaluate(f"() => {{ __bench.heading = {json.dumps(self.heading)}; __bench.want = 1; }}")
        figures = self.settle(0.0)  # navigation start is 0 on the page clock
        return figures | self.page.evaluate(OPEN_TIMES) | self._after(before, seen)

    def act(self, action, what: str) -> dict:
        """Do ``action()`` (real clicks and keys), then wait until the rerun it caused has
        settled."""
        before, seen = self.metrics(), len(self.frames)
        self.page.evaluate("() => { __bench.want = __bench.runs + 1; __bench.mark = null; }")
        action()
        figures = self.settle(None, what)
        return figures | self._after(before, seen)

    def _after(self, before: dict, seen: int) -> dict:
        """Chrome's counters over the wait, the bytes Playwright saw (``ws_bytes``: a check on
        the probe's ``bytes``) and the page's element counts."""
        after = self.metrics()
        return ({name: after[name] - before[name] for name in METRICS}
                | {"ws_bytes": sum(self.frames[seen:]), "ws_frames": len(self.frames) - seen}
                | self.page.evaluate(COUNTS))

    def close(self) -> None:
        self.page.close()


def _sidebar(page):
    return page.locator('[data-testid="stSidebar"]')


def _blur(page) -> None:
    """Click the sidebar's heading, as a person moves on: while the multiselect keeps the
    focus, a click on its "Clear all" is dropped. Then wait out the transitions."""
    _sidebar(page).get_by_role("heading", name="Filters").click()
    page.wait_for_timeout(150)


def set_regions(tab: Tab, names: list[str], current: list[str]) -> list[dict]:
    """Change the region multiselect from ``current`` to ``names`` by clicks: "Clear all"
    (when something is chosen), then each region picked from the list. One timed rerun per
    click that changes the value."""
    page, out = tab.page, []
    if current == names:
        return out
    if current:
        out.append(tab.act(lambda: _sidebar(page).get_by_role("button", name="Clear all").first.click(), "clear regions"))
        _blur(page)
    for name in names:
        _sidebar(page).get_by_role("combobox", name="Region").click()  # opens the list (no rerun)
        option = page.get_by_role("option", name=name, exact=True)
        option.wait_for(state="visible")
        page.wait_for_timeout(150)  # the list's opening transition: a click during it is dropped
        out.append(tab.act(option.click, f"pick {name}"))
        page.keyboard.press("Escape")  # close the list (no rerun)
        page.get_by_role("listbox").wait_for(state="hidden")
        _blur(page)
    return out


def set_dates(tab: Tab, start, end) -> dict:
    """Type the start and end days into the date field (DD/MM/YYYY), then Escape, which
    commits the range: one timed rerun, from the Escape key."""
    page = tab.page

    def type_range():
        for field, day in (("start", start), ("end", end)):
            _sidebar(page).locator(f'[data-range-field="{field}"] [data-type="day"]').click()
            page.keyboard.type(day.strftime("%d%m%Y"))
        page.keyboard.press("Escape")

    figures = tab.act(type_range, f"dates {start} to {end}")
    _blur(page)
    return figures


def _summary(samples: list[dict]) -> dict:
    """p50/p95 of the wait; medians of the rest."""
    if not samples:
        return {}
    waits = sorted(s["seconds"] for s in samples)
    out = {"n": len(samples), "p50_s": statistics.median(waits),
           "p95_s": waits[min(len(waits) - 1, round(0.95 * (len(waits) - 1)))], "max_s": waits[-1]}
    for name in ("bytes", "ws_bytes", "frames", "server_s", "browser_s", *METRICS, "elements", "charts", "dom_nodes",
                 "dom_loaded_s", "first_frame_s", "plotly_loaded_s"):
        values = [s[name] for s in samples if s.get(name) is not None]
        if values:
            out[f"{name}_p50"] = statistics.median(values)
    return out


def measure_page(context, base: str, page: str, repeat: int, region_names: dict) -> dict:
    """Opens of one page (or the floor) over scenarios 1..repeat, then filter changes in one
    tab over scenarios repeat+1..2*repeat: the same kinds of filters on other days, so that no
    change is served from the results the opens cached on the server."""
    heading = HEADINGS.get(page, "Floor")
    path = "" if page in FLOORS else url_path(page)
    opens, changes = [], []
    for i in range(1, repeat + 1):
        tab = Tab(context, heading)
        try:
            opens.append(tab.open(f"{base}/{path}?{query_string(scenarios.scenario(i))}"))
        finally:
            tab.close()
    tab = Tab(context, heading)
    try:
        default = scenarios.scenario(0)
        tab.open(f"{base}/{path}?{query_string(default)}")
        current, dates = [region_names[r] for r in default.regions], (default.start, default.end)
        for i in range(repeat + 1, 2 * repeat + 1):
            wanted = scenarios.scenario(i)
            names = [region_names[r] for r in wanted.regions]
            changes.extend(set_regions(tab, names, current))
            current = names
            if (wanted.start, wanted.end) != dates:  # typing the same days changes nothing: no rerun
                changes.append(set_dates(tab, wanted.start, wanted.end))
                dates = (wanted.start, wanted.end)
    finally:
        tab.close()
    return {"open": _summary(opens), "change": _summary(changes), "opens": opens, "changes": changes}


def data_facts(data: Path) -> tuple[dict[str, str], date]:
    """(region code -> the name the multiselect shows, the data's last UK day), from the
    published warehouse."""
    from store import config, reader

    con = reader.connect_published(data / config.WAREHOUSE_FILE)
    try:
        cursor = reader.reader_cursor(con)
        names = dict(cursor.execute("SELECT region_code, region_name FROM regions").fetchall())
        last_day = queries.date_bounds(cursor).iloc[0]["last_day"]
        return names, pd.Timestamp(last_day).date()
    finally:
        con.close()


def measure(data: Path, repeat: int = 7, pages: list[str] | None = None, log_dir: Path | None = None,
            floor: bool = True) -> dict:
    """Every page (and, with ``floor``, the floor), opened and changed ``repeat`` times each."""
    names, last_day = data_facts(data)
    # The scenarios end on the data's last day: the date field refuses a day past it, so a
    # typed range ending later would never commit (a demo ending on 31 Oct may have no posts
    # that day).
    previous, scenarios.LAST_DAY = scenarios.LAST_DAY, last_day
    try:
        return _measure(data, repeat, pages or list(HEADINGS), names, log_dir, FLOORS if floor else {})
    finally:
        scenarios.LAST_DAY = previous


def _measure(data: Path, repeat: int, pages: list[str], names: dict, log_dir: Path | None, floors: dict) -> dict:
    from playwright.sync_api import sync_playwright

    env = dict(os.environ, RADSOME_DATA=str(data), RADSOME_OPEN_DEMO="1")
    env.setdefault("RADSOME_PSEUDONYM_KEY", "benchmark-key")
    out: dict = {"repeat": repeat, "quiet_ms": QUIET_MS, "pages": {}}

    def timed(context, base: str, page: str) -> None:
        load = os.getloadavg()[0]  # other work on the machine shares the CPU: say how busy it was
        out["pages"][page] = measure_page(context, base, page, repeat, names)
        out["pages"][page]["load_avg_1m"] = [load, os.getloadavg()[0]]

    with tempfile.TemporaryDirectory(prefix="radsome-floor-") as tmp:
        floor_dir, logs = Path(tmp), Path(log_dir or tmp)
        (floor_dir / ".streamlit").mkdir()
        (floor_dir / ".streamlit" / "config.toml").write_text((ROOT / ".streamlit" / "config.toml").read_text())
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(viewport=VIEWPORT)
                for floor, chart in floors.items():
                    (floor_dir / "floor.py").write_text(
                        f"REGIONS = {sorted(names.values())!r}\nCHART = {chart!r}\n" + FLOOR_PAGE)
                    with serve(floor_dir, "floor.py", env, logs / f"floor-{chart}.log") as (base, _):
                        _warm(context, base, "Floor")
                        timed(context, base, floor)
                with serve(ROOT, "dashboard.py", env, logs / "dashboard.log") as (base, pid):
                    _warm(context, base, "Overview")
                    for page in pages:
                        timed(context, base, page)
                    out["server_peak_rss_mb"] = _peak_rss_mb(pid)
            finally:
                browser.close()
    return out


def _warm(context, base: str, heading: str) -> None:
    """One untimed open: fills the browser's HTTP cache and the server's cross-session caches
    (as on a server that has been up for a while)."""
    tab = Tab(context, heading)
    try:
        tab.open(base)
    finally:
        tab.close()


def _peak_rss_mb(pid: int) -> float | None:
    """The dashboard server's peak resident memory (VmHWM), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        return None
    return None


def _cell(figures: dict, name: str, scale: float = 1.0, digits: int = 2) -> str:
    value = figures.get(name)
    return "—" if value is None else f"{value * scale:,.{digits}f}"


def _load(figures: dict) -> str:
    """The machine's 1-minute load average before and after the page was measured (2 cores:
    above 2, other work was sharing the CPU)."""
    load = figures.get("load_avg_1m")
    return "—" if not load else f"{load[0]:.1f}–{load[1]:.1f}"


def print_report(result: dict) -> None:
    """Two tables: pages opened with filters in the URL, and sidebar filter changes."""
    pages = result["pages"]
    floor = pages.get(FLOOR, {}).get("open", {}).get("p50_s")
    print(f"Browser (headless Chromium; settled = script done, nothing stale or skeleton, heading shown,"
          f" every chart drawn, for {result['quiet_ms']} ms), {result['repeat']} scenarios per page")
    print()
    print("| page opened (cold session) | p50 s | p95 s | p95 / floor p50 | HTML+scripts s | first frame s"
          " | last frame s | plotly chunk s | drawn after last frame s | KB sent | script s | task s"
          " | elements | charts | DOM nodes | load avg |")
    print("|---|" + "---:|" * 16)
    for page, fig in pages.items():
        o = fig["open"]
        ratio = f"{o['p95_s'] / floor:.1f}" if floor else "—"
        print(f"| {page} | {o['p50_s']:.2f} | {o['p95_s']:.2f} | {ratio} | {_cell(o, 'dom_loaded_s_p50')}"
              f" | {_cell(o, 'first_frame_s_p50')} | {_cell(o, 'server_s_p50')} | {_cell(o, 'plotly_loaded_s_p50')}"
              f" | {_cell(o, 'browser_s_p50')} | {_cell(o, 'bytes_p50', 1e-3, 0)} | {_cell(o, 'ScriptDuration_p50')}"
              f" | {_cell(o, 'TaskDuration_p50')} | {o['elements_p50']:.0f} | {o['charts_p50']:.0f}"
              f" | {o['dom_nodes_p50']:,.0f} | {_load(fig)} |")
    print()
    print("| sidebar filter change | changes | p50 s | p95 s | server and transfer s | drawn after last frame s"
          " | KB sent | script ms | layout ms | style ms | task ms | load avg |")
    print("|---|" + "---:|" * 11)
    for page, fig in pages.items():
        c = fig["change"]
        if not c:
            continue
        print(f"| {page} | {c['n']} | {c['p50_s']:.2f} | {c['p95_s']:.2f} | {c['server_s_p50']:.2f}"
              f" | {c['browser_s_p50']:.2f} | {c['bytes_p50'] / 1e3:,.0f} | {c['ScriptDuration_p50'] * 1e3:.0f}"
              f" | {c['LayoutDuration_p50'] * 1e3:.0f} | {c['RecalcStyleDuration_p50'] * 1e3:.0f}"
              f" | {c['TaskDuration_p50'] * 1e3:.0f} | {_load(fig)} |")
    if result.get("server_peak_rss_mb"):
        print(f"\ndashboard server peak memory: {result['server_peak_rss_mb']:,.0f} MB")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="data folder with a published demo warehouse")
    parser.add_argument("--repeat", type=int, default=7, help="filter scenarios per page (default 7)")
    parser.add_argument("--pages", nargs="+", help="only these page files (default: every page)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--no-floor", action="store_true", help="skip the floor (re-timing a few pages)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers when killed
    result = measure(args.data.resolve(), args.repeat, args.pages, floor=not args.no_floor)
    print_report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
