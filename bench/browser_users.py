"""Ten people at once (issue #16 item 4): the dashboard's memory under concurrent sessions in
a real browser.

    python bench/browser_users.py --data DIR [--users 10] [--rounds 3] [--json PATH]

Serves ``dashboard.py`` as ``bench/browser.py`` does (``streamlit run``, open demo, default
settings) and opens ``--users`` tabs of headless Chromium, each its own Streamlit session, one
per page in turn (Overview, Explore, ...). In each round every tab loads its page with a new
filter scenario from ``bench/scenarios.py`` (on days no earlier round used, so each round's
queries miss the server's caches) without waiting for the others; then the round waits until
every tab has settled. Reported: the server process's peak resident memory (VmHWM, the whole
run from a fresh process, after one untimed open), its resident memory before the rounds (one
session served) and after each round, with the time each tab
took to settle while the others loaded (p50/p95/max over all opens). DuckDB's memory is part
of the process's (the dashboard's connections live in it).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import browser, scenarios  # noqa: E402

FIRST_SCENARIO = 100  # days shifted past those bench/browser.py's page timings use


def rss_mb(pid: int, field: str = "VmRSS:") -> float:
    """A /proc/PID/status memory field (VmRSS now, VmHWM the peak) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError(f"no {field} for process {pid}")


def run_rounds(context, base: str, pid: int, users: int, rounds: int) -> dict:
    pages = list(browser.HEADINGS)
    tabs = [browser.Tab(context, browser.HEADINGS[pages[u % len(pages)]]) for u in range(users)]
    waits, after = [], []
    before = rss_mb(pid)  # the process with one session served: imports, presidio, connection
    try:
        for r in range(rounds):
            for u, tab in enumerate(tabs):  # all start loading before any is waited for
                page = pages[u % len(pages)]
                filters = scenarios.scenario(FIRST_SCENARIO + r * users + u)
                tab.page.goto(f"{base}/{browser.url_path(page)}?{browser.query_string(filters)}",
                              wait_until="commit")
            for tab in tabs:
                waits.append(tab.settle(0.0, "a concurrent open")["seconds"])
            after.append(rss_mb(pid))
    finally:
        for tab in tabs:
            tab.close()
    ordered = sorted(waits)
    return {"users": users, "rounds": rounds, "opens": len(waits), "open_p50_s": statistics.median(waits),
            "open_p95_s": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
            "open_max_s": ordered[-1], "rss_before_rounds_mb": before, "rss_after_round_mb": after,
            "peak_rss_mb": rss_mb(pid, "VmHWM:"),
            "load_avg_1m": os.getloadavg()[0]}


def measure(data: Path, users: int = 10, rounds: int = 3, log_dir: Path | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    _, last_day = browser.data_facts(data)
    previous, scenarios.LAST_DAY = scenarios.LAST_DAY, last_day
    env = dict(os.environ, RADSOME_DATA=str(data), RADSOME_OPEN_DEMO="1")
    env.setdefault("RADSOME_PSEUDONYM_KEY", "benchmark-key")
    log = Path(log_dir or data.parent) / "dashboard-users.log"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=browser.CHROMIUM, args=browser.CHROMIUM_ARGS)
            try:
                context = chromium.new_context(viewport=browser.VIEWPORT)
                with browser.serve(browser.ROOT, "dashboard.py", env, log) as (base, pid):
                    browser._warm(context, base, "Overview")  # a server that has been up a while
                    return run_rounds(context, base, pid, users, rounds)
            finally:
                chromium.close()
    finally:
        scenarios.LAST_DAY = previous


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="data folder with a published demo warehouse")
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the server when killed
    result = measure(args.data.resolve(), args.users, args.rounds)
    print(f"{result['users']} concurrent sessions, {result['rounds']} rounds ({result['opens']} opens): "
          f"settled p50 {result['open_p50_s']:.2f} s, p95 {result['open_p95_s']:.2f} s, max {result['open_max_s']:.2f} s;"
          f" dashboard memory before the rounds {result['rss_before_rounds_mb']:,.0f} MB,"
          f" after each round {', '.join(f'{m:,.0f}' for m in result['rss_after_round_mb'])} MB,"
          f" peak {result['peak_rss_mb']:,.0f} MB (load average {result['load_avg_1m']:.1f})")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
