"""Guideline flags: flags raised by the guideline rule packs on staff and organisation posts,
as rates per 1,000 of those posts with 95% CIs — automatic, or only those a reviewer
confirmed; by rule family and rule, over time, trusts compared in a funnel plot, a
region/trust table, and the flagged posts with the evidence and the review decision."""
from __future__ import annotations

import streamlit as st

from ui import chart_view, charts, data, disclosure, first_run, inuse, labels, page, tables
from warehouse import funnel as funnel_words, flag_queries
from warehouse.measures import MEASURES
from warehouse.queries import Filters

UNITS = {"trust": "Trusts", "region": "Regions"}
BASES = {"automatic": "Automatic flags", "confirmed": "Confirmed by a reviewer"}
GRAINS = {"week": "Weekly", "month": "Monthly", "day": "Daily"}

chosen = page.start("Guideline flags")
national = page.national(chosen)  # anything narrower hides counts of 1-7 and rounds the rest

basis = st.segmented_control(
    "Count", list(BASES), key="flag_basis", default="automatic", format_func=BASES.get,
    help="Automatic: every post a rule matched. Confirmed: only flags a reviewer confirmed or "
         "actioned in the Review queue (decisions up to the last warehouse build).") or "automatic"
opts = {"basis": basis}
if basis == "automatic":
    st.caption("These are **automatic flags**: a rule from the HCPC, SCoR, RCGP, NHS Employers or "
               "trust guidance matched a staff or organisation post. A flag is a prompt to look, "
               "not a finding; switch to *Confirmed by a reviewer* for the ones a person upheld.")
else:
    st.caption("**Confirmed flags**: automatic flags that a reviewer confirmed or actioned in the "
               "Review queue, counted from the decisions known at the last warehouse build. "
               "Unreviewed flags are not counted, so this is a floor, not an estimate.")

# --- headline -----------------------------------------------------------------------------------
head = data.query(flag_queries.flag_headline, chosen, **opts).iloc[0]
if int(head["n_posts"]) == 0:
    first_run.empty("Guideline flags", "staff or organisation posts")  # says why when no date would help
    st.stop()
shown = labels.flag_headline(head, national)
cols = st.columns(4)
noun = "Flags" if basis == "automatic" else "Confirmed flags"
cols[0].metric(noun, shown["n_flags"][0], border=True,
               help=f"{BASES[basis]} on staff and organisation posts in the selection.")
cols[1].metric("High-severity", shown["n_high"][0], border=True)
cols[3].metric("Reviewed", shown["n_reviewed"][0], border=True,
               help=f"Automatic flags with a review decision, of {shown['n_automatic'][0]}.")
# A chart too few to draw says why: none at all, where chart_text could only guess ("1–7 hidden").
none = f"no {noun.lower()} in this selection" if int(head["n_flags"]) == 0 else None
rate_label = MEASURES["flags" if basis == "automatic" else "confirmed_flags"].label
cols[2].metric(rate_label, *shown["rate"], delta_color="off", delta_arrow="off", border=True,
               help=f"Over {shown['n_posts'][0]} staff and organisation posts. 95% CI: exact Poisson "
                    "below 10 flags, Byar's method from 10" + ("." if national else
                    "; below national level both from the counts rounded to 5."))

# --- enabling practice -------------------------------------------------------------------------------
st.markdown("**Beside the breaches: what guidance encourages**, in professionals' answers to patient "
            "questions asked in the selection")
good = data.query(flag_queries.enabling_headline, chosen).iloc[0]
cols = st.columns(3)
for col, (label, share, num, den, tip) in zip(cols, (
        (MEASURES["within_target"].label, "within_target", "n_within_target", "n_target_known",
         "Questions answered within the response target of the trust's local policy in force when "
         "they were asked, of those whose outcome is known (answered, or open past the target). "
         "Trusts without a target are left out."),
        (MEASURES["signposting"].label, "signposting", "n_signposting", "n_answered",
         "Answers pointing to official information: nhs.uk (trusts' own sites too), gov.uk, NHS 111, "
         "NHS inform, the GP or the screening office."),
        (MEASURES["compassion"].label, "compassion", "n_compassion", "n_answered",
         "Answers that acknowledge the person: sorry to hear, understandable to feel anxious, "
         "thank you for asking, take care."))):
    value, ci = labels.share_metric(good, num, den, national)
    col.metric(label, value, ci, delta_color="off", delta_arrow="off", border=True,
               help=tip + f" Over {disclosure.count_text(good[den], national)}.")

# --- by family and rule -----------------------------------------------------------------------------
st.header("Which guidance is flagged")
left, _ = st.columns(2)
with left:
    st.markdown("**By rule family**")
    chart_view.show(data.figure(flag_queries.flag_rates, charts.flag_rate_bars, chosen, {"by": "family"} | opts),
                    key="chart_flag_family", filters=chosen, too_few=none)
st.markdown("**By rule** (most flagged first)")  # full width: rules are named by their titles (issue #15)
chart_view.show(data.figure(flag_queries.flag_rates, charts.flag_rate_bars, chosen, {"by": "rule"} | opts),
                key="chart_flag_rule", filters=chosen, too_few=none)
st.caption("Bars are flags per 1,000 staff and organisation posts in the selection; whiskers "
           "are 95% confidence intervals (exact Poisson below 10 flags, Byar's method from 10).")
inuse.flag_quality(chosen, national)  # how often flags are upheld; the blind audit (issue #20)

# --- over time ----------------------------------------------------------------------------------------
# A fragment: changing the period reruns only this chart.
@st.fragment
def flags_over_time(chosen, opts: dict, none: str | None) -> None:
    st.header("Flag rate over time")
    grain = st.segmented_control("Period", list(GRAINS), key="flag_grain", default="week",
                                 format_func=GRAINS.get) or "week"
    chart_view.show(data.figure(flag_queries.flags_over_time, charts.flags_over_time, chosen,
                                {"grain": grain} | opts), key="chart_flags_over_time", filters=chosen,
                    too_few=none)
    st.caption("Shaded: the 95% confidence interval. Rates come from counts rounded to the nearest 5; "
               "gaps: periods with no staff posts, or with 1–7 flags or posts (hidden).")


flags_over_time(chosen, opts, none)

# --- funnel -----------------------------------------------------------------------------------------
# A fragment: changing "Compare" reruns only the funnel and its table.
@st.fragment
def funnel(chosen, opts: dict) -> None:
    st.header("How regions and trusts compare")
    unit = st.segmented_control("Compare", list(UNITS), key="flag_unit", default="trust",
                                format_func=UNITS.get) or "trust"
    # Peers: trusts in the chosen regions (or all); the trust filter only highlights.
    peers = Filters(chosen.start, chosen.end, chosen.regions if unit == "trust" else (), (), chosen.platforms)
    highlight = chosen.trusts if unit == "trust" else chosen.regions
    spread = st.toggle(funnel_words.OVERDISPERSION_LABEL, key="flag_overdispersion",
                       help=funnel_words.OVERDISPERSION_HELP)
    chart_view.show(data.figure(flag_queries.flag_rates, charts.flag_funnel, peers, {"by": unit} | opts,
                                unit=unit, highlight=highlight, overdispersion=spread),
                    key="chart_flag_funnel", filters=chosen)
    if spread:
        st.caption(funnel_words.OVERDISPERSION_NOTE)
    st.caption(f"A funnel plot, not a league table: each dot is a {unit}, placed by its number of "
               "staff posts (across) and its flags per 1,000 of them (up). The lines show how far "
               "from the overall rate chance alone would put a unit of that size: 95% (dotted) and "
               "99.8% (dashed) limits. Only dots beyond the 99.8% limits differ more than chance "
               "explains. Not shown: units with 1–7 flags or posts, and unattributed posts.")
    tables.show(data.table(flag_queries.flag_rates, labels.flag_rate_table, peers, {"by": unit} | opts,
                            unit=unit),
                f"flag rates by {unit}", peers, hide_index=True)


funnel(chosen, opts)

# --- drill-down -------------------------------------------------------------------------------------
st.header("Flagged posts")
LIMIT = 500
if page.rows_visible("the flagged posts"):
    posts = data.table(flag_queries.flagged_posts, labels.flagged_posts_table, chosen, {"limit": LIMIT} | opts)
    if posts.empty:
        st.markdown("No flags in the chosen dates and filters.")
    else:
        # 50 rows at a time to the browser (a flagged post with its evidence is ~1 KB: 500 of
        # them were ~460 KB per filter change, issue #16); the download holds all of them.
        tables.show_paged(posts, "flagged posts", chosen, key="flagged_posts", page_rows=50, hide_index=True,
                          order="newest day first",
                          column_config={"Link": st.column_config.LinkColumn("Link", display_text="open")})
        st.caption("Newest day first, most severe first within a day"
                   + (f"; the {LIMIT} newest flags only" if len(posts) >= LIMIT else "") +
                   ". Evidence is the text that triggered the rule; names, NHS numbers, phone numbers "
                   "and other identifiers are removed from it and from the post.")

st.caption("Small numbers: below national level (any filter or a shorter date range, and every "
           "family, rule, period, region or trust) counts of 1–7 show as * and others are rounded to the "
           "nearest 5; rates are computed from the rounded counts and hidden over a hidden one (NHS "
           "Digital's disclosure control; docs/methods.md).")
