"""Response times: how long patients wait for a first professional answer (Kaplan–Meier, with
unanswered questions counted as still waiting), by region or trust, on the calendar or the
service clock; when questions arrive; and a funnel plot comparing regions or trusts."""
from __future__ import annotations

import streamlit as st

from ui import chart_text, chart_view, charts, data, exports, first_run, funnels, labels, page, tables
from warehouse import funnel as funnel_words, question_queries
from warehouse.measures import DEFINITIONS, MEASURES, TARGETS, definitions
from warehouse.queries import Filters

CLOCKS = {"calendar": "Calendar time", "service": "Service hours"}
COMPARE = {"all": "All together", "region": "By region", "trust": "By trust"}
UNITS = {"trust": "Trusts", "region": "Regions"}
HEADLINE = ("median_wait", *(f"within_{t.code}" for t in TARGETS))  # the metrics, in order

chosen = page.start("Response times")
if not page.rows_visible("response times"):  # Kaplan–Meier reads each question's wait: rows
    st.stop()
national = page.national(chosen)  # anything narrower hides counts of 1-7 and rounds the rest

# The clock feeds the headline figures and the curves, "Compare" the curves and their table:
# one fragment, so changing them reruns only this part. With no questions at all, st.stop()
# ends the page in a full run as before (the emptiness does not depend on these controls).
@st.fragment
def waits(chosen, national: bool) -> None:
    left, mid, right = st.columns([1, 1.3, 1])
    clock = left.segmented_control(
        "Clock", list(CLOCKS), key="response_clock", default="calendar", format_func=CLOCKS.get,
        help="Calendar time counts every hour. " + DEFINITIONS["service_hours"] + " A question sent on "
             "Friday evening and answered at 09:00 on Monday waited 1 service hour (Mon–Fri 08:00–18:00, "
             "the default).") or "calendar"
    by = mid.segmented_control("Compare", list(COMPARE), key="response_by", default="all",
                               format_func=COMPARE.get) or "all"
    top = right.slider("Busiest trusts shown", 2, 10, 5, key="response_top") if by == "trust" else 10_000
    service = clock == "service"

    # --- the whole selection ------------------------------------------------------------------
    figures = data.response_headline(chosen, clock=clock, national=national)
    if not figures:
        first_run.empty("Response times", "patient questions")  # says why when no date would help
        st.stop()
    row = data.response_table(chosen, clock=clock, national=national).iloc[0]
    head = data.query(question_queries.question_headline, chosen).iloc[0]
    acknowledged, acknowledged_ci = labels.acknowledged_share(head, national)
    cols = st.columns(4)
    for col, name in zip(cols, HEADLINE):
        label = MEASURES[name].label + (" (service hours)" if service and name == "median_wait" else "")
        value, ci = figures[name]
        col.metric(label, value, ci, delta_color="off", delta_arrow="off", border=True,
                   help=MEASURES[name].definition)
    # a hidden figure is "*": escaped, or the bold markers around it print as "*****"
    shown = {k: str(v).replace("*", "\\*") for k, v in
             {"n": row["Questions"], "answered": row["Answered (95% CI)"], "ack": acknowledged}.items()}
    st.markdown(f"**{shown['n']}** questions; answered at all so far: "
                f"**{shown['answered']}** (95% Wilson interval); acknowledged automatically "
                f"before any answer: **{shown['ack']}**" + (f" ({acknowledged_ci})." if acknowledged_ci else "."))
    st.caption("**Unanswered questions are counted, never dropped.** In the figures above and the "
               "curves below they count as still waiting up to the newest post in the data (the "
               "Kaplan–Meier method), so recent questions do not make the service look faster. "
               + definitions(*HEADLINE, "answered", "acknowledged", "stamped_early")
               + (" " + DEFINITIONS["service_hours"] if service else ""))

    # --- curves ---------------------------------------------------------------------------------
    st.header("How long patients wait for a first answer")
    chart_view.show(data.figure(question_queries.response_histogram, charts.response_curves, chosen,
                                {"by": by, "clock": clock, "top": top}, clock=clock,
                                national=national and by == "all"),
                    key="chart_response_curves", filters=chosen)
    st.caption("Read across from a time to see the share of questions still waiting then; lower "
               "and further left is faster. Where a line crosses the dashed 50% line is the median; "
               "where it levels off, the rest have had no answer at all so far. "
               "Shaded bands (shown for up to three lines) are 95% confidence intervals. Below national "
               "level the curves are drawn from counts rounded to 5, and groups with 1–7 questions, "
               "answers or open questions are not drawn." +
               (" Service hours are staffed hours as they elapsed on each trust's own schedule (listed "
                "below): answers given while the service was closed took 0 service hours, so lines can "
                "drop at once." if service else "") +
               (" Trusts: the busiest in the selection; unattributed questions are not a trust."
                if by == "trust" else ""))
    if by != "all":
        tables.show(data.response_table(chosen, by=by, top=top, clock=clock,
                                         unit="Trust" if by == "trust" else "Region"),
                    f"response times by {by}", chosen, hide_index=True)


waits(chosen, national)

# --- the schedules service hours were counted on ---------------------------------------------
st.header("The staffed hours each trust had")
schedules = data.table(question_queries.trust_schedules, labels.schedule_table, chosen)
tables.show(schedules, "staffed-hours schedules", chosen, hide_index=True,
            height=min(320, 38 + 35 * len(schedules)))
st.caption("Service hours and “within 1 service day” use these schedules: each question is timed on "
           "the staffed hours of the trust's local policy in force on the day it was asked (the "
           "default Mon–Fri 08:00–18:00 without one), closed on its nation's bank holidays. One "
           "service day is one of the trust's own staffed days.")

# --- funnel ---------------------------------------------------------------------------------
# A fragment: changing "Compare" or "Measure" reruns only the funnel.
@st.fragment
def funnel(chosen) -> None:
    st.header("How regions and trusts compare")
    left, right = st.columns([1, 2.5])
    unit = left.segmented_control("Compare", list(UNITS), key="funnel_unit", default="trust",
                                  format_func=UNITS.get) or "trust"
    measure = right.segmented_control("Measure", list(funnels.FUNNEL_MEASURES), key="funnel_measure",
                                      default="service_day",
                                      format_func=lambda m: funnels.FUNNEL_MEASURES[m][3]) or "service_day"
    words = funnels.FUNNEL_MEASURES[measure][2]
    # Peers: a trust is compared with all trusts in the chosen regions, a region with all regions;
    # the trust (or region) filter only highlights.
    peers = Filters(chosen.start, chosen.end, chosen.regions if unit == "trust" else (), (), chosen.platforms)
    highlight = chosen.trusts if unit == "trust" else chosen.regions
    spread = st.toggle(funnel_words.OVERDISPERSION_LABEL, key="funnel_overdispersion",
                       help=funnel_words.OVERDISPERSION_HELP)
    figure = data.figure(question_queries.question_units, charts.funnel, peers, {"by": unit},
                         measure=measure, unit=unit, highlight=highlight, overdispersion=spread)
    chart_view.show(figure, key="chart_funnel", filters=chosen)
    if spread:
        st.caption(funnel_words.OVERDISPERSION_NOTE)
    st.caption(data.table(question_queries.question_units, labels.funnel_centre_note, peers, {"by": unit},
                          measure=measure, unit=unit, national=page.national(peers)))
    if highlight:
        st.caption(f"Ringed: the {UNITS[unit].lower()} chosen in the filters, shown among all "
                   + ("trusts in the chosen regions." if unit == "trust" and chosen.regions else
                      f"{UNITS[unit].lower()}."))
    outliers = data.table(question_queries.question_units, labels.funnel_outliers, peers, {"by": unit},
                          measure=measure, unit=unit, overdispersion=spread)
    if not chart_text.data_traces(figure):
        pass  # no dots: the panel above says why, and no unit can be said to be within the limits
    elif outliers.empty:
        st.markdown(f"No {unit} is outside the 99.8% limits: the differences are within what chance explains.")
    else:
        st.markdown(f"**{len(outliers)} {UNITS[unit].lower()} beyond the 99.8% limits**, most different first:")
        tables.show(outliers, f"{unit}s beyond the limits", peers, hide_index=True,
                    height=min(400, 38 + 35 * len(outliers)))
    st.caption(
        f"A funnel plot, not a league table: each dot is a {unit}, placed by its number of "
        f"questions (across) and its share {words} (up). The lines show how far from the overall "
        "value chance alone would put a unit of that size: 95% (dotted) and 99.8% (dashed) limits, "
        "narrower where there are more questions. Only dots beyond the 99.8% limits differ more "
        "than chance explains. “Within” shares count only questions old enough to have met the "
        "target. Not shown: units with 1–7 questions or answers, and unattributed questions. "
        + DEFINITIONS["answered" if measure == "answered" else f"within_{measure}"])


funnel(chosen)

# --- when questions arrive ---------------------------------------------------------------------
st.header("When questions arrive, and how fast they are answered")
left, right = st.columns(2)
with left:
    st.markdown("**Questions asked** by weekday and hour (UK time)")
    chart_view.show(data.figure(question_queries.asking_times, charts.asking_times, chosen, show="volume"),
                    key="chart_asking_volume", filters=chosen)
with right:
    st.markdown("**Share answered within 1 hour** by when they were asked")
    chart_view.show(data.figure(question_queries.asking_times, charts.asking_times, chosen, show="within_1h"),
                    key="chart_asking_within", filters=chosen)
st.caption("Cells group hours into blocks when there are too few questions for single hours. "
           "Blank cells: too few questions to show. Questions asked in the last hour of the data "
           "are left out of the share, as they could not yet be answered within 1 hour.")

exports.episodes(chosen)  # every question, one row each (issue #15)

st.caption(
    "Small numbers: below national level (any filter or a shorter date range, and every region, "
    "trust or cell) counts of 1–7 show as * and others are rounded to the nearest 5; medians, "
    "shares and curves come from the rounded counts and are hidden over a hidden one (NHS "
    "Digital's disclosure control; docs/methods.md).")
