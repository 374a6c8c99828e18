"""RadSoMe benchmark: ``python bench/run.py --posts N [--json PATH] [--skip-pages]``.

Builds a warehouse of N demo posts in a temporary data folder and measures, on this machine:

* file import (bulk): the demo written as one JSONL file, landed by ``python -m ingest file``'s
  code path -> posts/s; and an incremental import of 10,000 new posts on top -> posts/s;
* full build (staging -> marts, key checks, swap) -> posts/s;
* every page's server time under ``streamlit.testing`` (AppTest), in a fresh process: first
  render, a cached rerun, and filter changes made through the sidebar widgets of one session
  (median and p95 over a fixed set of filter values), beside the bare SQL time of the same
  filter changes' queries; and that process's peak memory;
* the pandas baseline (``bench/pandas_baseline.py``) on the same warehouse, in the same run;
* with ``--browser``, what a person waits for (``bench/browser.py``): every page opened with
  filters in the URL and changed through the sidebar in headless Chromium against a real
  ``streamlit run``, until settled, beside a minimal Streamlit page (the floor).

Targets are in ../shared/DESIGN.md ("Performance targets"). Figures are measured, never
assumed: quote them from this script's output.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import streamlit
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # ``python bench/run.py``: the packages are beside bench/

from bench import browser, pandas_baseline, scenarios  # noqa: E402
from store import db, reader  # noqa: E402

END = datetime(2026, 11, 1, tzinfo=timezone.utc)  # fixed, so runs are comparable
INCREMENT = 10_000
SEED = 7  # the demo generator's seed, fixed like END
PAGES = ["dashboard.py", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))]
ENRICHMENT_MODELS = ("intermediate/int_posts", "intermediate/int_questions",
                     "intermediate/int_automatic_replies", "intermediate/int_episodes",
                     "intermediate/int_episode_service_times",
                     "intermediate/int_answer_practice")
RULE_ENGINE_MODELS = ("intermediate/int_rule_hits", "intermediate/int_policy_rule_hits")


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def _p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def write_jsonl(table, path: Path) -> None:
    """Write an Arrow table as JSONL with DuckDB (fast; one object per line)."""
    con = db.connect_scratch()
    con.register("posts", table)
    con.execute(f"COPY posts TO '{path}' (FORMAT json)")  # path: our own temp file
    con.close()


def generate(n_posts: int, workdir: Path) -> float:
    """Write the demo as files in ``workdir``: posts.jsonl (N posts), increment.jsonl (10,000
    posts never seen before: the last 10,000 re-keyed) and demo_parts.pkl (the fictional
    trusts, account registry, local policies and planted truth). Returns the seconds
    the generator took. Run in a child process (``--generate-only``), so the memory the
    generator holds is not the importer's or the build's."""
    # Imported here, not at the top: the page-timing child process (bench_pages_in_child)
    # stands in for the dashboard, whose peak memory must not include the ingest or the build.
    import pyarrow.compute as pc

    from ingest import demo

    data, gen_s = _timed(lambda: demo.generate(n_posts=n_posts, seed=SEED, end=END))
    write_jsonl(data.posts, workdir / "posts.jsonl")
    parts = {"trusts": data.trusts, "accounts": data.accounts, "policies": data.policies, "planted": data.planted}
    (workdir / "demo_parts.pkl").write_bytes(pickle.dumps(parts))  # our own file, read back by bench_ingest
    tail = data.posts.slice(max(0, data.posts.num_rows - INCREMENT))
    tail = tail.set_column(
        tail.column_names.index("post_id"), "post_id", pc.binary_join_element_wise(tail["post_id"], "-inc", "")
    )
    write_jsonl(tail, workdir / "increment.jsonl")
    return gen_s


def bench_ingest(n_posts: int, workdir: Path) -> dict:
    """Import N posts in bulk, build, then import 10,000 new posts and build again.

    The posts are landed from their JSONL files by the file reader and the landing of
    ``python -m ingest file``, as a demo run (:func:`ingest.jobs.land_demo`): only the demo
    generator's runs may land demo posts, and the pages are timed in the open demo."""
    # Imported here, not at the top: see generate().
    from types import SimpleNamespace

    from ingest import files, jobs
    from warehouse import delta
    from warehouse.build import build

    def import_demo_file(path: Path):
        origin = str(path.resolve())
        return jobs.land_demo(parts, SEED, f"demo:bench:{path.name}", lambda con: files.read_file(con, path, origin))

    out = workdir / "generated.json"
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--generate-only", "--posts", str(n_posts),
                    "--workdir", str(workdir), "--json", str(out)], check=True, cwd=ROOT)
    gen_s = json.loads(out.read_text())["demo_generation_s"]
    bulk, inc = workdir / "posts.jsonl", workdir / "increment.jsonl"
    parts = SimpleNamespace(**pickle.loads((workdir / "demo_parts.pkl").read_bytes()))

    counts, import_s = _timed(lambda: import_demo_file(bulk))
    result, build_s = _timed(build)
    inc_counts, inc_s = _timed(lambda: import_demo_file(inc))
    # python -m warehouse refresh first: a delta beside the base, or (when a delta cannot be
    # exact) a full build, which is then the incremental build too
    refreshed, refresh_s = _timed(delta.refresh)
    if refreshed.full_build is not None:
        inc_result, inc_build_s = refreshed.full_build, refreshed.full_build.seconds
    else:
        inc_result, inc_build_s = _timed(build)  # folds the delta in (and removes it)
    bulk.unlink()
    return {
        "demo_generation_s": gen_s,
        "import_bulk_posts": counts.new,
        "import_bulk_s": import_s,
        "import_bulk_posts_per_s": counts.read / import_s,
        "import_incremental_posts": inc_counts.new,
        "import_incremental_s": inc_s,
        "import_incremental_posts_per_s": inc_counts.read / inc_s,
        "build_posts": result.posts,
        "build_s": build_s,
        "build_posts_per_s": result.posts / build_s,
        # The enrichment: roles and attribution, question classifier, episodes, service time.
        "enrichment_s": sum(result.model_seconds.get(m, 0.0) for m in ENRICHMENT_MODELS),
        "build_model_s": result.model_seconds,
        # The guideline rule engine: every national rule over every post (int_rule_hits) and
        # the local-policy rules (int_policy_rule_hits); then the policy-in-force judgement
        # that turns hits into flags.
        "rule_engine_s": sum(result.model_seconds.get(m, 0.0) for m in RULE_ENGINE_MODELS),
        "flags_s": result.model_seconds.get("marts/flags", 0.0),
        # The build after the 10k incremental import: the previous build's enrichment is reused.
        "incremental_build_posts": inc_result.posts,
        "incremental_build_s": inc_build_s,
        "incremental_build_model_s": inc_result.model_seconds,
        "incremental_build_memo_reused": inc_result.memo_reused,
        "refresh_s": refresh_s,
        "refresh_kind": refreshed.kind,  # delta | full | unchanged
        "refresh_reason": refreshed.reason,  # why a delta could not be exact
        "refresh_scope_posts": refreshed.scope_posts,
        "refresh_step_s": refreshed.step_seconds,
        "warehouse_mb": _size_mb(workdir / "data" / "warehouse.duckdb"),
        "raw_store_mb": _size_mb(workdir / "data" / "raw.duckdb"),
    }


def _size_mb(path: Path) -> float:
    return path.stat().st_size / 1e6 if path.exists() else 0.0


def bench_pages_in_child(repeat: int) -> dict:
    """The page timings in a fresh process (so "first render" is a fresh process's, and its
    peak resident memory is the dashboard's, not the import's or the build's)."""
    out = Path(os.environ["RADSOME_DATA"]).parent / "pages.json"
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--pages-only", "--repeat", str(repeat),
                    "--json", str(out)], check=True, cwd=ROOT)
    return json.loads(out.read_text())


def _apply(at, filters) -> list:
    """Set the sidebar filters of a running session to ``filters`` as a user would, one rerun
    per change; returns the seconds of each rerun. Trusts are offered per region, so a trust
    within a new region takes two changes (region, then trust), as in the browser."""
    def rerun() -> float:
        _, seconds = _timed(at.run)
        if at.exception:
            raise RuntimeError(f"{filters}: {at.exception[0].value}")
        return seconds

    spent = []
    at.date_input(key="filter_dates").set_value((filters.start, filters.end))
    at.multiselect(key="filter_regions").set_value(list(filters.regions))
    if filters.trusts:
        spent.append(rerun())
    at.multiselect(key="filter_trusts").set_value(list(filters.trusts))
    at.multiselect(key="filter_platforms").set_value(list(filters.platforms))
    if any(w.key == "filter_text" for w in at.text_input):
        at.text_input(key="filter_text").set_value(filters.text)
    spent.append(rerun())
    return spent


def _peak_rss_mb() -> float:
    """This process's peak resident memory (Linux VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError("no VmHWM in /proc/self/status")


def _rss_mb() -> float:
    """This process's resident memory now (Linux)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def bench_pages(repeat: int) -> dict:
    """Server time of each page under AppTest (run in the dashboard's stead: this process
    does nothing else, so its memory is the dashboard's).

    Per page, one session (one AppTest, as one browser tab): the first render, a rerun with
    nothing changed (served from the caches), then ``repeat`` filter changes made through the
    sidebar widgets, each a rerun of the page's script, as Streamlit runs it when a user
    changes a filter. Each scenario's filters are new to the caches (distinct dates)."""
    out = {}
    for page in PAGES:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
        if page != "dashboard.py":
            at.switch_page(page)
        _, first_s = _timed(at.run)
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].value}")
        _, cached_s = _timed(at.run)
        change = []
        for i in range(1, repeat + 1):  # scenario 0 is the default view, already drawn
            change.extend(_apply(at, scenarios.scenario(i)))
        out[page] = {
            "first_render_s": first_s,
            "cached_rerun_s": cached_s,
            "filter_changes": len(change),
            "filter_change_p50_s": statistics.median(change),
            "filter_change_p95_s": _p95(change),
            "rss_after_mb": _rss_mb(),
        }
    return out


def bench_sql(repeat: int, pages: dict) -> None:
    """Add to each page's figures the bare SQL time of the same filter changes: its queries
    run straight on DuckDB (in this process, not the dashboard's)."""
    connection = reader.connect_published()
    try:
        for page, figures in pages.items():
            if page not in PAGES:
                continue
            sql = [scenarios.bare_sql_seconds(page, scenarios.scenario(i), connection)
                   for i in range(1, repeat + 1)]
            figures["bare_sql_p50_s"] = statistics.median(sql)
            figures["ratio_page_to_sql"] = figures["filter_change_p50_s"] / max(statistics.median(sql), 1e-9)
    finally:
        connection.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, metavar="N", help="demo posts to generate and import")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--repeat", type=int, default=7, help="filter changes per page (default 7)")
    parser.add_argument("--skip-pages", action="store_true",
                        help="only the import and the build: no page timings, no pandas baseline")
    parser.add_argument("--workdir", type=Path, metavar="DIR",
                        help="keep the data here (default: a temporary folder, removed afterwards)")
    parser.add_argument("--skip-baseline", action="store_true",
                        help="no pandas baseline (it holds the whole warehouse in pandas: minutes at 10 M posts)")
    parser.add_argument("--reuse", action="store_true",
                        help="with --workdir: time the pages and the baseline on the data already there")
    parser.add_argument("--browser", action="store_true",
                        help="also time every page in headless Chromium (bench/browser.py; needs playwright)")
    parser.add_argument("--pages-only", action="store_true", help=argparse.SUPPRESS)  # child processes
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--table", type=Path, nargs="+", metavar="JSON",
                        help="print the scaling table of earlier runs' JSON files and stop")
    args = parser.parse_args(argv)
    if args.table:
        print_scaling([json.loads(path.read_text()) for path in args.table])
        return 0
    if args.pages_only:
        pages = bench_pages(args.repeat)
        # This process is the dashboard (every page, its caches, its DuckDB connection): its
        # peak resident memory. VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over
        # exec from the forked parent, so it would report the benchmark's own size.
        pages["peak_rss_mb"] = _peak_rss_mb()
        args.json.write_text(json.dumps(pages, indent=2))
        return 0
    if args.generate_only:
        args.json.write_text(json.dumps({"demo_generation_s": generate(args.posts, args.workdir)}))
        return 0
    if not args.posts:
        parser.error("--posts is required")

    with tempfile.TemporaryDirectory(prefix="radsome-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        os.environ["RADSOME_DATA"] = str(workdir / "data")
        os.environ.setdefault("RADSOME_PSEUDONYM_KEY", "benchmark-key")
        os.environ.setdefault("RADSOME_OPEN_DEMO", "1")  # pages run open on the synthetic data, as a local user's
        os.chdir(ROOT)
        previous = workdir / "ingest.json"
        if args.reuse and previous.exists():
            ingest = json.loads(previous.read_text())
        elif args.reuse and (workdir / "data" / "warehouse.duckdb").is_file():
            ingest = {}  # a demo built by python -m ingest demo: the import and build not timed here
        else:
            ingest = bench_ingest(args.posts, workdir)
            previous.write_text(json.dumps(ingest, indent=2))
        pages, baseline = {}, {}
        if not args.skip_pages:
            pages = bench_pages_in_child(args.repeat)
            bench_sql(args.repeat, pages)
            baseline = {} if args.skip_baseline else pandas_baseline.compare(args.repeat)
        in_browser = browser.measure(workdir / "data", args.repeat, log_dir=workdir) if args.browser else {}

    report = {
        "posts": args.posts,
        "cores": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "streamlit": None if args.skip_pages else streamlit.__version__,
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "ingest": ingest,
        "pages": pages,
        "pandas_baseline": baseline,
        "browser": in_browser,
    }
    print_report(report)
    if report["browser"]:
        print()
        browser.print_report(report["browser"])
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


def print_report(report: dict) -> None:
    ingest = report["ingest"]
    print(f"RadSoMe benchmark: {report['posts']:,} posts, {report['cores']} cores, "
          f"duckdb {report['duckdb']}, streamlit {report['streamlit']}")
    print()
    if not ingest:
        print("(the import and the builds were not timed in this run: --reuse on data built elsewhere)")
    else:
        print_ingest(report)
    print_pages(report)


def print_ingest(report: dict) -> None:
    ingest = report["ingest"]
    print("| step | posts | seconds | posts/s |")
    print("|---|---:|---:|---:|")
    print(f"| demo generation | {report['posts']:,} | {ingest['demo_generation_s']:.2f} | |")
    print(f"| file import, bulk | {ingest['import_bulk_posts']:,} | {ingest['import_bulk_s']:.2f} | "
          f"{ingest['import_bulk_posts_per_s']:,.0f} |")
    print(f"| file import, incremental | {ingest['import_incremental_posts']:,} | "
          f"{ingest['import_incremental_s']:.2f} | {ingest['import_incremental_posts_per_s']:,.0f} |")
    print(f"| full build | {ingest['build_posts']:,} | {ingest['build_s']:.2f} | "
          f"{ingest['build_posts_per_s']:,.0f} |")
    print(f"| of which enrichment (roles, questions, episodes, service time) | {ingest['build_posts']:,} | "
          f"{ingest['enrichment_s']:.2f} | {ingest['build_posts'] / max(ingest['enrichment_s'], 1e-9):,.0f} |")
    print(f"| of which the guideline rule engine (`int_rule_hits`, `int_policy_rule_hits`) | {ingest['build_posts']:,} | "
          f"{ingest['rule_engine_s']:.2f} | {ingest['build_posts'] / max(ingest['rule_engine_s'], 1e-9):,.0f} |")
    print(f"| of which flags under the policy in force (`flags`) | {ingest['build_posts']:,} | "
          f"{ingest['flags_s']:.2f} | |")
    print(f"| incremental build ({INCREMENT:,} new posts onto {report['posts']:,}) | "
          f"{ingest.get('incremental_build_posts', 0):,} | {ingest.get('incremental_build_s', 0):.2f} | |")
    if "refresh_s" in ingest:
        what = (f"a delta of {ingest['refresh_scope_posts']:,} posts" if ingest["refresh_kind"] == "delta"
                else f"{ingest['refresh_kind']}: {ingest['refresh_reason']}")
        print(f"| `python -m warehouse refresh` ({INCREMENT:,} new posts onto {report['posts']:,}; {what}) | "
              f"{ingest.get('incremental_build_posts', 0):,} | {ingest['refresh_s']:.2f} | |")
    print(f"\nwarehouse {ingest.get('warehouse_mb', 0):,.0f} MB, raw store {ingest.get('raw_store_mb', 0):,.0f} MB")


def print_pages(report: dict) -> None:
    if not report["pages"]:
        return
    print()
    print("| page | first render ms | cached rerun ms | filter change p50 ms | p95 ms | bare SQL p50 ms | page/SQL"
          " | process memory after, MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    pages = dict(report["pages"])
    peak = pages.pop("peak_rss_mb", None)
    for page, figures in pages.items():
        print(f"| {page} | {figures['first_render_s'] * 1000:.0f} | {figures['cached_rerun_s'] * 1000:.0f} | "
              f"{figures['filter_change_p50_s'] * 1000:.0f} | {figures['filter_change_p95_s'] * 1000:.0f} | "
              f"{figures['bare_sql_p50_s'] * 1000:.1f} | {figures['ratio_page_to_sql']:.1f} |"
              f" {figures.get('rss_after_mb', float('nan')):,.0f} |")
    if peak is not None:
        print(f"\ndashboard process peak memory (all pages, fresh process): {peak:,.0f} MB")
    if report.get("pandas_baseline"):
        print()
        pandas_baseline.print_report(report["pandas_baseline"])



def print_scaling(reports: list[dict]) -> None:
    """One row per figure, one column per run (e.g. 100 k, 1 M, 10 M posts)."""
    reports = sorted(reports, key=lambda r: r["posts"])
    head = " | ".join(f"{r['posts']:,} posts" for r in reports)
    print(f"| figure | {head} |")
    print("|---|" + "---:|" * len(reports))
    ingest_rows = [
        ("file import, bulk (posts/s)", lambda i: f"{i['import_bulk_posts_per_s']:,.0f}"),
        ("file import, 10 k incremental (posts/s)", lambda i: f"{i['import_incremental_posts_per_s']:,.0f}"),
        ("full build (posts/s)", lambda i: f"{i['build_posts_per_s']:,.0f}"),
        ("full build (s)", lambda i: f"{i['build_s']:.1f}"),
        ("incremental build, 10 k new (s)", lambda i: f"{i.get('incremental_build_s', float('nan')):.1f}"),
        ("warehouse file (MB)", lambda i: f"{i.get('warehouse_mb', 0):,.0f}"),
    ]
    ingest_rows.append(("`python -m warehouse refresh`, 10 k new (s; what it did)",
                        lambda i: f"{i['refresh_s']:.1f} ({i['refresh_kind']})"))

    def ingest_cell(cell, ingest):
        try:
            return cell(ingest)
        except KeyError:  # not timed in that run (--reuse on data built elsewhere, or an older run)
            return "—"

    for label, cell in ingest_rows:
        print(f"| {label} | " + " | ".join(ingest_cell(cell, r.get("ingest", {})) for r in reports) + " |")
    pages = [p for p in reports[-1].get("pages", {}) if p != "peak_rss_mb"]
    for page in pages:
        for label, key, scale in (("filter change p95 (ms)", "filter_change_p95_s", 1000),
                                  ("cached rerun (ms)", "cached_rerun_s", 1000),
                                  ("first render (ms)", "first_render_s", 1000),
                                  ("page / bare SQL", "ratio_page_to_sql", 1)):
            cells = [f"{r['pages'][page][key] * scale:,.{0 if scale > 1 else 1}f}" if page in r.get("pages", {})
                     else "—" for r in reports]
            print(f"| {page}: {label} | " + " | ".join(cells) + " |")
    print_browser_scaling(reports)
    print("| dashboard peak memory (MB) | " + " | ".join(
        f"{r['pages']['peak_rss_mb']:,.0f}" if "peak_rss_mb" in r.get("pages", {}) else "—" for r in reports) + " |")
    for name in reports[-1].get("pandas_baseline", {}).get("pairs", {}):
        cells = [f"{r['pandas_baseline']['pairs'][name]['ratio_pandas_to_sql']:.1f}"
                 if r.get("pandas_baseline") else "—" for r in reports]
        print(f"| pandas / RadSoMe, {name} | " + " | ".join(cells) + " |")


def print_browser_scaling(reports: list[dict]) -> None:
    """The browser's figures beside the server's (rows of :func:`print_scaling`): for each page,
    the filter change as AppTest times it on the server and as a person waits for it in
    Chromium, and the open with filters in the URL against that run's floor (a minimal page)."""
    def timed_in(r, page):
        return r.get("browser", {}).get("pages", {}).get(page)

    def floor_p50(r):
        floor = timed_in(r, browser.FLOOR)
        return floor["open"]["p50_s"] if floor else None

    def cell(value, fmt="{:.2f}"):
        return "—" if value is None else fmt.format(value)

    if not any(r.get("browser") for r in reports):
        return
    print("| floor (minimal page): open p50 in the browser (s) | "
          + " | ".join(cell(floor_p50(r)) for r in reports) + " |")
    pages = [p for p in reports[-1].get("browser", {}).get("pages", {}) if p not in browser.FLOORS]
    for page in pages:
        rows = (
            ("filter change p95, server (s)",
             lambda r: r.get("pages", {}).get(page, {}).get("filter_change_p95_s")),
            ("filter change p95, browser (s)",
             lambda r: (timed_in(r, page) or {}).get("change", {}).get("p95_s")),
            ("open p95, browser (s)", lambda r: (timed_in(r, page) or {}).get("open", {}).get("p95_s")),
            ("open p95 / floor open p50",
             lambda r: (timed_in(r, page)["open"]["p95_s"] / floor_p50(r)
                        if timed_in(r, page) and floor_p50(r) else None)),
        )
        for label, value in rows:
            print(f"| {page}: {label} | " + " | ".join(
                cell(value(r), "{:.1f}" if label.startswith("open p95 /") else "{:.2f}") for r in reports) + " |")


if __name__ == "__main__":
    sys.exit(main())
