"""Data health: is data arriving from every source? Per source: the last run and the last
success, runs and failures, new and quarantined posts, posts fetched against the monthly quota,
coverage gaps and where each connector will continue from; and the data-quality figure of
answers stamped before their question."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from store import sources
from ui import auth, chart_view, charts, data, labels, page, safe, tables
from warehouse import health_queries
from warehouse.measures import DEFINITIONS


def _budgets() -> tuple[dict[str, int], str | None]:
    """Monthly post budgets per source from the sources file (X's paid quota), if any; read
    once per version of the file."""
    path = sources.default_path()
    return _read_budgets(str(path), path.stat().st_mtime_ns if path.is_file() else 0)


@st.cache_data(max_entries=4, show_spinner=False)
def _read_budgets(path: str, mtime_ns: int) -> tuple[dict[str, int], str | None]:
    try:
        return (sources.budgets(Path(path)) if mtime_ns else {}), None
    except Exception as exc:  # noqa: BLE001 - a broken sources file must not break the page
        return {}, f"The sources file could not be read: {safe.literal(safe.strip_paths(exc))}"


WINDOWS = {7: "Last 7 days", 30: "Last 30 days", 90: "Last 90 days"}

page.start("Data health")  # set-up and sign-in; the post filters do not apply
# Sources, errors and cursors are for administrators (and the local open demo); the connection
# reads the run tables only for them too (store.access.ADMIN_TABLES).
if not auth.current_scope().operations:
    st.info("Data health (sources, runs, errors and cursors) is for RadSoMe administrators.", icon="🔒")
    st.stop()
page.log_status()  # the audit and review logs' hash chains (a broken one is shown by page.setup)
st.caption("Each source is a connector target of the sources file (e.g. `x:leeds-breast`) or an "
           "imported file. Health is about now: the window below counts runs up to the present "
           "(the sidebar's post dates do not apply); \"last\" columns look at every run.")
days = st.segmented_control("Window", list(WINDOWS), key="health_days", default=30,
                            format_func=WINDOWS.get) or 30

health = data.query(health_queries.source_health, None, days=days)
if health.empty:
    st.info("No ingest runs yet. Import a file (`python -m ingest file PATH`) or configure "
            "connectors in `sources.yaml` and run `python -m ingest all` (docs/connectors.md, \"Live connectors\").")
    st.stop()

failing = health[health["last_status"].isin(["failed", "interrupted"])]
cols = st.columns(4)
cols[0].metric("Sources", f"{len(health):,}", border=True)
cols[1].metric("Last run failed", f"{len(failing):,}", border=True,
               help="Sources whose most recent run failed or was interrupted.")
cols[2].metric("Coverage gaps", f"{int(health['n_gaps'].sum()):,}", border=True,
               help="Times a connector stopped early (rate limit beyond the longest wait, a server "
                    "error that did not clear, the post budget reached) in the window. The next run "
                    "continues from the cursor.")
cols[3].metric("Quarantined rows", f"{int(health['n_quarantined'].sum()):,}", border=True,
               help="Records that could not be stored, with file, line, field and reason, in the "
                    "window.")
for _, row in failing.iterrows():
    st.error(f"{safe.literal(row['source'])}: last run {safe.literal(row['last_status'])} — "
             f"{safe.literal(safe.strip_paths(row['last_error'])) or 'no message'}")

budgets, problem = _budgets()
if problem:
    st.warning(problem)
st.header("Sources")
tables.show(labels.health_table(health, budgets), "sources", None, hide_index=True)
st.caption("Fetched this month: posts the platform returned to RadSoMe this calendar month (what "
           "X's paid quota counts), against the source's `budget.per_month` where one is set.")

st.header("New posts per day")
chart_view.show(data.figure(health_queries.fetches_over_time, charts.fetches_over_time, None, {"days": days}),
                key="chart_fetches")

st.header("Data quality: answers stamped before their question")
stamped = data.table(health_queries.stamped_early_answers, labels.stamped_early_table, None)  # per platform
if stamped.empty:
    st.info("No answered patient questions yet.")
else:
    tables.show(stamped, "answers stamped before their question", None, hide_index=True)
st.caption(DEFINITIONS["stamped_early"] + " Usually an edited post that kept its new time, or clocks "
           "that differ between servers; many on one platform point at its timestamps. Over all the data "
           "(the sidebar's dates do not apply).")
