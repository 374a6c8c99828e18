"""Patient questions: how many patients ask, about what, where, and which questions are still
waiting for an answer (the open-questions queue, text redacted of identifiers)."""
from __future__ import annotations

import streamlit as st

from ui import (
    auth, chart_view, charts, data, disclosure, exports, filters, first_run, formats, inuse, labels, page, tables,
)
from warehouse import question_queries
from warehouse.measures import DEFINITIONS, definitions

QUEUE_LIMIT = 500
ORDERS = {"overdue": "Most overdue first", "newest": "Newest first"}  # kept in the URL (?order=)
TOP_UNITS = 15

chosen = page.start("Patient questions")
national = page.national(chosen)  # anything narrower hides counts of 1-7 and rounds the rest

st.markdown(definitions("questions", "answered") + " Questions are found by a classifier that keeps, "
            "for each post, the words that made it count.")

# --- headline ----------------------------------------------------------------------------
head = data.query(question_queries.question_headline, chosen).iloc[0]
n_questions = int(head["n_questions"])
if n_questions == 0:
    first_run.empty("Patient questions", "patient questions")  # says why when no date would help
    st.stop()
# Counts cover every trust (as in public benchmarking); the questions behind them only the
# trusts the signed-in person may read (none without login): outside it there are none to time.
rows = auth.current_scope().rows
# one query of the two clocks the headline reads (not the service clock's), their KM summaries
# made once per filters for every session (issue #16)
figures = data.table(question_queries.response_histograms, labels.response_headline_of, chosen,
                     {"clocks": labels.headline_clocks()}, national=national) if rows else {}
if rows and not figures:
    st.caption("The questions behind these counts are outside your access, so their answers are not shown.")
cols = st.columns(5)
cols[0].metric("Questions asked", disclosure.count_text(n_questions, national), border=True,
               help=DEFINITIONS["questions"])
value, ci = figures.get("answered", ("—", None))
cols[1].metric("Answered so far", value, ci, delta_color="off", delta_arrow="off", border=True,
               help=DEFINITIONS["answered"])
value, ci = labels.acknowledged_share(head, national)
cols[2].metric("Acknowledged automatically", value, ci, delta_color="off", delta_arrow="off", border=True,
               help=DEFINITIONS["acknowledged"])
cols[3].metric("Still unanswered", disclosure.count_text(int(head["n_open"]), national), border=True,
               help=DEFINITIONS["open"] + " Listed below.")
cols[4].metric("Median wait for an answer", figures.get("median_wait", ("—",))[0], border=True,
               help=DEFINITIONS["median_wait"] + " See the Response times page.")
st.caption(definitions("acknowledged", "open", "median_wait"))

# --- what and when -----------------------------------------------------------------------
# A fragment: changing its grain or lines reruns only this section (not the page's queries).
@st.fragment
def questions_over_time(chosen, national: bool) -> None:
    st.header("Questions over time")
    left, mid, _ = st.columns([1, 1.4, 1.6])
    default_grain = "day" if chosen.days <= 31 else "week" if national and chosen.days <= 400 else "month"
    grain = left.segmented_control("Grain", ["day", "week", "month"], key="questions_grain",
                                   default=default_grain, format_func=str.capitalize) or default_grain
    by = mid.segmented_control("Lines", ["all", "topic", "region"], key="questions_by", default="all",
                               format_func=lambda b: "All questions" if b == "all" else f"By {b}") or "all"
    chart_view.show(data.figure(question_queries.questions_over_time, charts.questions_over_time, chosen,
                                {"grain": grain, "by": by}, grain=grain, by=by),
                    key="chart_questions_over_time", filters=chosen)
    st.caption(("Click a name in the legend to hide or show its line. " if by != "all" else "") +
               "Counts per period are rounded to the nearest 5; gaps mean 1–7 questions in that period "
               "(hidden to protect privacy)" +
               (f"; the first and last {grain}s may be partial." if grain != "day" else "."))


questions_over_time(chosen, national)

left, right = st.columns(2)
with left:
    st.header("What patients ask about")
    chart_view.show(data.figure(question_queries.question_topics, charts.question_topics, chosen),
                    key="chart_topics", filters=chosen)
    st.caption("Each question has one topic: the one its words point to most strongly.")
with right:
    st.header("Questions by region")
    if page.rows_visible("questions by region and trust"):  # counted from the question rows
        chart_view.show(data.figure(question_queries.question_units, charts.questions_by_unit, chosen,
                                    {"by": "region"}, top=TOP_UNITS), key="chart_regions", filters=chosen)
        st.caption("“Unattributed”: questions on channels not linked to any trust. Nobody "
                   "registered has answered them, or they would be attributed.")

if rows:
    st.header("Questions by trust")
    tables.show(data.table(question_queries.question_units, labels.question_unit_table, chosen, {"by": "trust"},
                           unit="trust"),
                "questions by trust", chosen, hide_index=True)
    st.caption("Response rate: the share of *all* questions with an answer, unanswered ones "
               "included (95% Wilson interval). Unattributed questions are never answered by "
               "definition: an answer from a registered account would attribute them to its trust.")

# --- the open-questions queue --------------------------------------------------------------
st.header("Open questions: still waiting for an answer")


def open_queue(chosen) -> None:
    order = filters.url_choice("Order", ORDERS, key="queue_order", param="order", default="overdue")
    queue = data.query(question_queries.open_questions, chosen, limit=QUEUE_LIMIT + 1, order=order)
    table = data.table(question_queries.open_questions, labels.open_questions_table, chosen,
                       {"limit": QUEUE_LIMIT + 1, "order": order}).head(QUEUE_LIMIT)
    if queue.empty:
        st.success("Every question in the chosen dates and filters has had an answer.")
        return
    as_of = formats.moment(queue["as_of"].iloc[0])
    more = f"the first {QUEUE_LIMIT:,} are shown" if len(queue) > QUEUE_LIMIT else f"{len(table):,} shown"
    st.markdown(f"{ORDERS[order]}; {more}. *Waiting* is the time from the question to the newest "
                f"post in the data ({as_of} UK time); most overdue means furthest past the response target "
                "of the trust's policy, then the longest waiting where there is no target.")
    tables.show(
        table, "open questions", chosen, hide_index=True, height=min(560, 38 + 35 * len(table)),
        column_config={
            "Question (identifiers removed)": st.column_config.TextColumn(width="large"),
            "Link": st.column_config.LinkColumn(display_text="open"),
        },
    )
    st.caption("Question text has handles, emails, phone and NHS numbers, postcodes, dates of "
               "birth and introduced names replaced by [labels]; follow the link to answer on "
               "the platform. “Someone of unknown role replied”: the platform did not say who "
               "replied, so the question still counts as unanswered.")


if page.rows_visible("the open questions"):
    open_queue(chosen)
    exports.episodes(chosen)  # every question, one row each (issue #15)

inuse.question_quality(chosen, national)  # the classifier's precision and recall in use (issue #20)

st.caption(
    "Small numbers: below national level (any filter or a shorter date range, and every topic, "
    "period, region or trust) counts of 1–7 show as * and others are rounded to the nearest 5; "
    "shares are computed from the rounded counts and hidden over a hidden one (NHS Digital's "
    "disclosure control; docs/methods.md). The open-questions list is a "
    "worklist of public posts, not a statistic, so it is shown in full.")
