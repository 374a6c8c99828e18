"""RadSoMe home page (Overview): first a trust's or region's scorecard beside its region and
England; then how many posts, from how many people, where and when.

Run with ``streamlit run dashboard.py``. Thin by design: widget -> query function -> chart function.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import auth, chart_view, charts, data, disclosure, formats, labels, page, scorecard_view, tables
from warehouse import queries, question_queries
from warehouse.measures import DEFINITIONS, definitions

TOP_TRUSTS = 15

chosen = page.start("Overview")
national = page.national(chosen)  # anything narrower hides counts of 1-7 and rounds the rest

# --- scorecard: the chosen trust or region beside its region and England (ui/scorecard_view.py)
scorecard_view.section(chosen)

# --- headline figures -------------------------------------------------------------------
head = data.query(queries.headline, chosen).iloc[0]


def change(now: int, before: int) -> str | None:
    """The change on the previous period, from the counts as shown (rounded below national)."""
    now, before = (disclosure.shown_count(n, national) for n in (now, before))
    if not head["has_previous"] or not before or disclosure.SUPPRESSED in (now, before):
        return None
    return f"{(now - before) / before:+.0%} vs previous {chosen.days:,} days"


rows = auth.current_scope().rows  # without login, nothing counted from the post rows themselves
posts, authors = int(head["n_posts"]), int(head["n_authors"])
cols = st.columns(4)
cols[0].metric("Posts", disclosure.count_text(posts, national), change(posts, int(head["n_posts_prev"])),
               border=True, help="Posts, replies and comments in the chosen period.")
cols[1].metric("Distinct accounts", disclosure.count_text(authors, national) if rows else "—", border=True,
               help="Accounts that posted (one per platform: a person on two platforms counts "
                    "twice). Members of the public are pseudonymised." + ("" if rows else " Sign in to see."))
cols[2].metric("Platforms", f"{int(head['n_platforms']):,}", border=True)
last = head["last_post_at"]
last = None if pd.isna(last) else pd.Timestamp(last).tz_convert("Europe/London")
cols[3].metric("Latest post", "—" if last is None else formats.day(last),
               None if last is None else f"at {last:%H:%M} UK time", delta_color="off",
               delta_arrow="off", border=True, help="The newest post in the chosen period and filters.")

# --- patient questions (details on the Patient questions and Response times pages) ---------
# From the daily pre-aggregate and the SQL response-time histograms, never raw rows.
n_questions = int(data.query(question_queries.question_headline, chosen)["n_questions"].iloc[0])
# one query of the two clocks the headline reads (not the service clock's), their KM summaries
# made once per filters for every session (issue #16)
figures = data.table(question_queries.response_histograms, labels.response_headline_of, chosen,
                     {"clocks": labels.headline_clocks()}, national=national) if rows else {}
cols = st.columns(4)
cols[0].metric("Patient questions", disclosure.count_text(n_questions, national), border=True,
               help=DEFINITIONS["questions"])
median, median_ci = figures.get("median_wait", ("—", None))
cols[1].metric("Median time to first answer", median, median_ci, delta_color="off", delta_arrow="off",
               border=True, help=DEFINITIONS["median_wait"] + " Calendar time.")
value, ci = figures.get("within_service_day", ("—", None))
cols[2].metric("Answered in 1 service day", value, ci, delta_color="off", delta_arrow="off",
               border=True, help=DEFINITIONS["within_service_day"])
cols[3].page_link("pages/2_Patient_questions.py", label="Questions and the open queue",
                  icon=":material/contact_support:")
cols[3].page_link("pages/3_Response_times.py", label="Response times by trust", icon=":material/timer:")
if not national:
    cols[3].caption("Figures for anything narrower than every day of the data, everywhere, hide "
                    "counts of 1–7 (*) and round others to the nearest 5 (NHS Digital's small-number rules).")
st.caption(definitions("questions", "answered", "median_wait", "within_service_day"))

# --- posts over time --------------------------------------------------------------------
# A fragment: changing its grain or lines reruns only this section (not the page's queries).
@st.fragment
def posts_over_time(chosen) -> None:
    st.header("Posts over time")
    left, right = st.columns(2)
    grain = left.segmented_control("Grain", ["day", "week", "month"], key="overview_grain",
                                   default="day" if chosen.days <= 62 else "week",
                                   format_func=str.capitalize) or "week"
    by = right.segmented_control("Lines by", ["platform", "role"], key="overview_by",
                                 default="platform",
                                 format_func=lambda s: "Author role" if s == "role" else "Platform") or "platform"
    chart_view.show(data.figure(queries.posts_over_time, charts.posts_over_time, chosen,
                                {"grain": grain, "by": by}, grain=grain, by=by), key="chart_over_time", filters=chosen)
    st.caption("Counts per period are rounded to the nearest 5; gaps are 1–7 posts (hidden)."
               + (f" The first and last {grain}s may be partial: counts cover only the chosen days."
                  if grain != "day" else ""))


posts_over_time(chosen)

# --- where --------------------------------------------------------------------------------
by_trust = data.query(queries.posts_by_trust, chosen)
left, right = st.columns(2)
with left:
    st.header("Posts by region")
    chart_view.show(data.figure(queries.posts_by_region, charts.posts_by_region, chosen),
                    key="chart_regions", filters=chosen)
with right:
    shown_trusts = min(TOP_TRUSTS, len(by_trust))
    st.header("Busiest trust" if shown_trusts == 1 else f"Busiest {shown_trusts} trusts")
    chart_view.show(data.figure(queries.posts_by_trust, charts.posts_by_trust, chosen, top=TOP_TRUSTS),
                    key="chart_trusts", filters=chosen)

st.header("Posts by trust")
tables.show(labels.trust_table(by_trust), "posts by trust", chosen, hide_index=True)
st.caption("Region and trust figures are rounded to the nearest 5, and counts of 1–7 show as \\* "
           "(with one more where a single hidden one could be worked out from the total); shares are "
           "of the rounded counts (NHS Digital's disclosure control).")

info = data.query(queries.build_info).iloc[0]
st.caption(
    f"Warehouse built {formats.moment(pd.Timestamp(info['built_at']).tz_convert('Europe/London'))}"
    f" (UK time) from {int(info['n_posts']):,} posts; days are UK local days. "
    "Posts with no known trust are counted as “Unattributed”."
)
