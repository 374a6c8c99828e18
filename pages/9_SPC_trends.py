"""SPC trends: is this month better or worse than usual? Every headline measure of one trust,
region or nation as a Making Data Count XmR chart (monthly, or weekly), with MDC's variation
and assurance icons drawn as a symbol and words. From the ``spc_points`` mart; the limits
use the whole history, so the sidebar's dates and platforms do not apply (a single trust or
region chosen there is shown)."""
from __future__ import annotations

import streamlit as st

from ui import chart_view, data, page, safe, spc_charts, spc_shown, unit_choice
from warehouse import spc_queries
from warehouse.measures import HEADLINE, MEASURES

GRAINS = {"month": "Monthly", "week": "Weekly"}
ICONS = {"gray": ":material/horizontal_rule:", "blue": ":material/thumb_up:", "orange": ":material/warning:",
         "violet": ":material/swap_vert:"}

chosen = page.start("SPC trends")  # a single trust or region chosen there is shown
units = data.query(spc_queries.spc_units)
if units.empty:
    st.info("No SPC charts yet: the warehouse has no complete month of posts. They appear after the "
            "next `python -m warehouse build` once a whole month (or week) has data.")
    st.stop()

left, right = st.columns([3, 1])
with left:
    unit_type, unit_code, unit_label = unit_choice.controls(units, chosen)
grain = right.segmented_control("Periods", list(GRAINS), key="spc_grain", default="month",
                                format_func=GRAINS.get) or "month"
national = False  # a period breakdown is never national (ui.disclosure): counts of 1-7 hidden, others rounded
options = {"unit_type": unit_type, "unit_code": unit_code, "grain": grain}
points = data.query(spc_shown.shown_series, None, **options)  # as shown: ui.disclosure

# the unit charted, whatever the sidebar says (ui.unit_choice): its name as plain text (an
# escaped HTML block, never parsed as Markdown: ui.safe), not a code span
st.caption(safe.html_block(
    f"Charts of {safe.html_text(unit_label)}. "
    "Each chart is a Making Data Count XmR chart: the dots are the measure in each complete "
    f"{grain}, the solid line their mean and the dashed lines the process limits (mean ± 2.66 × "
    "the average moving range). Grey dots are common-cause variation; blue diamonds an improving "
    "and orange squares a concerning special cause (a point beyond a limit, 7 in a row on one "
    "side of the mean, 7 rising or falling, or 2 of 3 close to a limit); purple triangles a "
    "signal on patient questions, where more is neither better nor worse."), unsafe_allow_html=True)


def icons(rows) -> None:
    """MDC's variation and assurance icons as a badge each: symbol, colour and words."""
    if rows.empty:
        return
    symbol, colour, words = spc_charts.variation_words(rows["variation_icon"].iloc[-1])
    st.badge(f"{symbol} {words}", icon=ICONS.get(colour), color=colour)
    assurance = spc_charts.assurance_words(rows["assurance_icon"].iloc[-1])
    if assurance:
        symbol, colour, words = assurance
        st.badge(f"{symbol} {words}", icon=ICONS.get(colour), color=colour)


columns = st.columns(2)
for i, measure in enumerate(HEADLINE):
    with columns[i % 2]:
        rows = points[points["measure"] == measure]
        st.header(MEASURES[measure].label, divider="gray")
        icons(rows)
        chart_view.show(data.figure(spc_shown.shown_series, spc_charts.xmr_chart, None, options,
                                    measure=measure, national=national, grain=grain),
                        key=f"spc_{measure}", filters=chosen)
        st.page_link(MEASURES[measure].page, label="The figures behind it", icon=":material/arrow_forward:")

st.caption(
    "The charts use the whole history and every platform: the sidebar's dates and platforms do not "
    "apply. Only complete periods are charted, so the latest month (or week) still in progress is not. "
    "With fewer than 13 points the limits are trial limits and can still move. The median wait "
    "of a trust is assured against the response target of its local policy; no other measure "
    "has a target. Shares answered or within target of the latest periods can still rise as late "
    "answers arrive. Small numbers: a month or week is a breakdown, so counts are rounded to the nearest 5 "
    "and counts of 1–7 are not shown; below national level a point computed over 1–7 questions, answers "
    "or flags is not shown (a gap).")
