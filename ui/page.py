"""What every page does first: page config, navigation, sign-in, a warehouse to read (the
demo is generated on a first run only in the open demo: no login configured and
``RADSOME_OPEN_DEMO`` on), the demo-data banner and the "no login" caption; and
:func:`rows_visible`, what a page shows instead of a table of posts to a scope without rows.

Navigation: the app uses Streamlit's legacy ``pages/`` folder (not ``st.navigation``; see
docs/design.md "Design notes"). The built-in sidebar list is hidden in ``.streamlit/config.toml``
because it would name the home page after its file ("dashboard"); :func:`navigation` draws
the same links with readable names, one per file in ``pages/``, so a new page appears
without touching this module.
"""
from __future__ import annotations

import logging
import re
import subprocess
import sys
import threading
from pathlib import Path

import streamlit as st

from store import access, config, db, integrity
from store.ledger import ChainCheck
from ui import auth, data, disclosure, filters, first_run, safe, style
from ui.draw_icon import ICON
from warehouse import queries

ROOT = Path(__file__).resolve().parent.parent
HOME = "dashboard.py"
HOME_LABEL = "Overview"
DEMO_POSTS = 150_000  # as `python -m ingest demo`
DEMO_SEED = 7
PROGRESS_LINE = re.compile(r"^\s*\[\s*(\d+)%\]\s+(.*)$")  # "  [ 42%] message", as both CLIs print it
PAGE_ICONS = {"Explore": ":material/search:", "Patient questions": ":material/contact_support:",
              "Response times": ":material/timer:", "Review queue": ":material/fact_check:",
              "Guideline flags": ":material/flag:",
              "Policy comparison": ":material/policy:",
              "Data health": ":material/monitor_heart:",
              "SPC trends": ":material/monitoring:"}  # pages without one get a generic icon
_PREPARE = threading.Lock()  # sessions of this process wait for one another's demo build


def page_label(path: Path) -> str:
    """'pages/1_Explore.py' -> 'Explore'; '2_Trust_comparison.py' -> 'Trust comparison'."""
    return re.sub(r"^\d+[_ -]*", "", path.stem).replace("_", " ").strip()


def page_files() -> list[Path]:
    """The pages in the order Streamlit sorts them (numeric prefix, then name)."""
    def order(path: Path):
        match = re.match(r"^(\d+)", path.stem)
        return (0, int(match.group(1)), path.stem) if match else (1, 0, path.stem)

    return sorted((ROOT / "pages").glob("*.py"), key=order)


def setup(title: str) -> None:
    """Page config, navigation, sign-in, warehouse, title, caption and banner, in that order:
    nothing is prepared for a visitor before their scope is known (issue #18). The favicon is
    the local ``ui/icon.png`` (:mod:`ui.draw_icon`): Streamlit's browser code fetches a
    ``:material/…:`` page icon from fonts.gstatic.com, and the dashboard asks nothing of a
    third party."""
    st.set_page_config(page_title=f"{title} · RadSoMe", page_icon=ICON, layout="wide")
    style.apply()  # caption contrast, target sizes, visible focus (WCAG 2.2 AA)
    navigation()
    scope = auth.resolve()  # stops at sign-in or refusal when login is configured
    if auth.open_demo():
        ensure_warehouse()  # the first local run generates the demo
        if all_demo():
            scope = auth.remember(access.DEMO)
    else:
        require_warehouse()  # never generates anything: says how to load data
    auth.sidebar(scope)
    st.title(title)
    st.caption(auth.caption(scope))
    demo_banner()
    for check in integrity.broken(log_checks()):
        st.error(f"Integrity check failed: `{check.summary()}`. The log may have been tampered with; "
                 "tell your RadSoMe administrator (Data health lists both logs).", icon="🚨")
    if scope.role == "no_login":
        st.warning(auth.NO_LOGIN_WARNING, icon="🔒")


def log_checks() -> list[ChainCheck]:
    """The audit and review logs' hash chains (store.integrity), verified when the dashboard
    starts and again every 10 minutes, for every page (a broken chain is shown, never
    accepted silently) and for Data health."""
    return _log_checks(str(config.data_dir()))


@st.cache_data(ttl=600, show_spinner=False)
def _log_checks(folder: str) -> list[ChainCheck]:
    checks = integrity.check_logs()
    for check in integrity.broken(checks):
        logging.getLogger("radsome").error("integrity check failed: %s", check.summary())
    return checks


def log_status() -> None:
    """Data health's line on the logs: intact (with their rows), or each broken one."""
    checks = log_checks()
    if not integrity.broken(checks):
        st.caption("Audit and review logs: hash chains intact (" +
                   ", ".join(f"{c.table} {c.rows:,} rows" for c in checks) + "; checked every 10 minutes).")


def navigation() -> None:
    with st.sidebar:
        st.markdown("**RadSoMe** · imaging social media")
        st.page_link(HOME, label=HOME_LABEL, icon=":material/bar_chart:")
        for path in page_files():
            st.page_link(f"pages/{path.name}", label=page_label(path),
                         icon=PAGE_ICONS.get(page_label(path), ":material/article:"))
        st.divider()


def require_warehouse() -> None:
    """Stop with how to load data when there is no published warehouse (login configured, or
    no open demo): a visitor never starts an ingest or a build."""
    if config.warehouse_path().exists():
        return
    st.title("RadSoMe")
    st.info("There is no data yet. An administrator loads posts with `python -m ingest file PATH` "
            "(or the connectors, `python -m ingest all`) and publishes them with `python -m warehouse "
            "build`. To try RadSoMe on synthetic data on your own machine, with no login configured, "
            f"start it with `{auth.OPEN_DEMO_ENV}=1 streamlit run dashboard.py`.")
    st.stop()


def ensure_warehouse() -> None:
    """Open demo only (no login configured, ``RADSOME_OPEN_DEMO`` on; see :func:`setup`).
    Make sure a published warehouse exists. On a first local run (no raw posts either),
    generate the seeded demo with visible progress, build, and write the demo's simulated review
    history (``python -m warehouse demo-reviews``, which republishes); if raw posts exist, just
    build. All run as the CLIs' own child processes (``python -m ingest demo``, ``python -m
    warehouse build``): the dashboard reads the published warehouse only, and never imports the
    ingest or the build; their progress lines drive the progress bar."""
    if config.warehouse_path().exists():
        return
    with st.status("Preparing the local demo warehouse…", expanded=True) as status:
        bar = st.progress(0.0, text="Waiting for any other ingest or build to finish…")
        try:
            with _PREPARE:  # other sessions of this process; the writer lock covers processes
                if not config.warehouse_path().exists():
                    config.retention_days()  # a wrong setting is said here, not by the child
                    start = 0.0  # where the build's share of the bar starts
                    if not _raw_has_posts():
                        status.update(label=f"Generating {DEMO_POSTS:,} synthetic demo posts…")
                        _child(["ingest", "demo", "--posts", str(DEMO_POSTS), "--seed", str(DEMO_SEED),
                                "--no-build"], _progress(bar, 0.0, 0.6, "Demo data"), status)
                        start = 0.6
                    status.update(label="Building the warehouse…")
                    _child(["warehouse", "build"], _progress(bar, start, 0.9 if start else 1.0, "Build"), status)
                    if start:  # a demo made just now: its simulated review history (issue #20)
                        status.update(label="Simulating the demo's reviews and blind audits…")
                        _child(["warehouse", "demo-reviews"], _progress(bar, 0.9, 1.0, "Simulated reviews"), status)
        except db.WriterBusy as exc:
            status.update(label="Another ingest or build is running", state="error")
            st.error(f"{safe.literal(safe.strip_paths(exc))}. Reload this page when it has finished.")
            st.stop()
        except config.SettingError as exc:
            status.update(label="A setting is wrong", state="error")
            st.error(safe.literal(safe.strip_paths(exc)))
            st.stop()
        if not config.warehouse_path().exists():
            status.update(label="No warehouse was published", state="error")
            st.error("No warehouse was published; run `python -m warehouse build`.")
            st.stop()
        status.update(label="Demo warehouse ready", state="complete", expanded=False)


def _child(command: list[str], report, status) -> None:
    """Run ``python -m <command>`` and feed its progress lines to ``report``; on failure show
    its error lines (the CLIs print ``error: ...``, exit 2) and stop the page."""
    process = subprocess.Popen([sys.executable, "-m", *command], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, env=config.child_env())
    errors = []
    for line in process.stdout:
        match = PROGRESS_LINE.match(line)
        if match:
            report(int(match.group(1)) / 100, match.group(2).strip())
        elif line.startswith("error:"):
            errors.append(line.removeprefix("error:").strip())
    if process.wait() != 0:
        status.update(label=f"`python -m {' '.join(command[:2])}` failed", state="error")
        st.error(safe.literal(safe.strip_paths("; ".join(errors))) or f"it exited with status {process.returncode}")
        st.stop()


def _progress(bar, low: float, high: float, stage: str):
    def report(fraction: float, message: str) -> None:
        fraction = min(max(float(fraction), 0.0), 1.0)
        bar.progress(low + (high - low) * fraction, text=f"{stage}: {message}")

    return report


def _raw_has_posts() -> bool:
    if not config.raw_path().exists():
        return False
    with db.writer_lock():
        con = db.connect_raw()
        try:
            return bool(con.execute("SELECT count(*) > 0 FROM raw_posts").fetchall()[0][0])
        finally:
            con.close()


def all_demo() -> bool:
    """Every published post is synthetic demo data (so the dashboard may run without login)."""
    info = data.query(queries.build_info)
    if info.empty:
        return False
    n_posts, n_demo = int(info["n_posts"].iloc[0]), int(info["n_demo_posts"].iloc[0])
    return n_posts > 0 and n_demo >= n_posts


def demo_banner() -> None:
    """Say plainly when some or all of the posts are synthetic."""
    info = data.query(queries.build_info)
    if info.empty:
        return
    n_posts, n_demo = int(info["n_posts"].iloc[0]), int(info["n_demo_posts"].iloc[0])
    if n_demo == 0:
        return
    if n_demo >= n_posts:
        st.warning("Synthetic demo data — not real patients or staff.", icon="⚠️")
    else:
        st.warning(f"Mixed data: {n_demo:,} of {n_posts:,} posts are synthetic demo data — "
                   "not real patients or staff; the rest were imported.", icon="⚠️")


def start(title: str, *, search: bool = False, posts: bool = False):
    """Every page's first lines: set-up, then the sidebar filters (stopping with a hint when
    the warehouse has no posts; ``posts``: Explore's narrowing of the posts too) and a one-line
    description of what they select. Returns the chosen :class:`warehouse.queries.Filters`."""
    setup(title)
    options = filters.load_options()
    if options is None:
        no_data()
    chosen = filters.controls(options, search=search, posts=posts)
    st.caption(filters.describe(chosen, options))
    first_run.explain(title)  # what a first import of real data lacks for this page (issue #15)
    return chosen


def national(chosen, *, narrowed: bool = False) -> bool:
    """Whether figures over the whole of ``chosen`` are national, and so shown exactly: nothing
    narrows it (:func:`ui.disclosure.national_view`: every day of the data, no region, trust,
    platform or search; ``narrowed`` for a page's own narrowing, such as a topic or a rule)."""
    options = filters.load_options()
    return options is not None and disclosure.national_view(chosen, options.first_day, options.last_day,
                                                            narrowed=narrowed)


def rows_visible(what: str = "posts") -> bool:
    """Whether the session may see rows (posts, questions, flags); if not, say "Sign in to see
    …" where the table would be. The connection returns no rows anyway (store.access.NO_LOGIN):
    this only saves the page from showing an empty table as if nothing matched."""
    if auth.current_scope().rows:
        return True
    st.info(f"Sign in to see {what}. Without login only counts and rates are shown.", icon="🔒")
    return False


def no_data() -> None:
    """Shown instead of a page's content when the warehouse has no posts."""
    st.info("The warehouse has no posts yet. Load some with `python -m ingest file PATH` "
            "(or `python -m ingest demo`), then `python -m warehouse build`.")
    st.stop()
