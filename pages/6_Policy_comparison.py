"""Policy comparison, for regional leads: each trust's local social-media policy beside its
outcomes (questions, response rate, answers within target, enabling practice, flag rates),
trusts compared in funnel plots marked by policy, and a plain answer to "do trusts with
enabling policies have more breaches?" with its uncertainty."""
from __future__ import annotations

import streamlit as st

from store import demo_effects
from ui import chart_view, charts, data, labels, page, tables
from warehouse import compare, funnel as funnel_words, policy_queries
from warehouse.policy_queries import CLAUSES
from warehouse.queries import Filters

chosen = page.start("Policy comparison")
national = page.national(chosen)  # anything narrower hides counts of 1-7 and rounds the rest

st.caption("Each trust's local social-media policy beside what happened under it. Outcomes are "
           "counted under the policy **in force on the day** (a staff post's day for flags, the day "
           "a question was asked for answers), so a trust that changed policy counts in both "
           "groups, each for its own days.")

if data.is_synthetic():  # say what the generator planted, so the demo checks the method
    origin = data.query(policy_queries.demo_origin)
    effect = demo_effects.effect_of(origin["origin"].iloc[0] if len(origin) else None)
    st.info(demo_effects.describe(effect) if effect else
            "This synthetic demo was generated before its policy effects were recorded; regenerate it "
            "with `python -m ingest demo --policy-effect none` or `default` to see what was planted.",
            icon=":material/science:")

register = data.query(policy_queries.policy_register, chosen)
if register.empty:
    st.info("No trust in the chosen region or trusts has a local policy in force in these dates. "
            "Load a policy register with `python -m ingest policies PATH`, or widen the filters.")
    st.stop()

# --- the plain answer --------------------------------------------------------------------------------
# The enabling clause feeds the plain answer and the funnels' markers: one fragment, so
# changing it reruns only these two sections (not the register and the matrix).
@st.fragment
def by_clause(chosen, national: bool) -> None:
    st.header("Do trusts with enabling policies have more breaches?")
    clause = st.selectbox("Enabling clause", list(CLAUSES), key="policy_clause",
                          format_func=lambda c: CLAUSES[c].label,
                          help="Which clause of the local policy defines an enabling policy.")
    yes, no = CLAUSES[clause].yes, CLAUSES[clause].no
    comparison = data.query(policy_queries.policy_comparison, chosen, clause=clause)
    kind, answer = labels.policy_answer(comparison, yes, no, national)
    {"more": st.warning, "fewer": st.success, "unclear": st.info, "unknown": st.info}[kind](answer)
    st.caption("Trusts, not posts, are compared, because posts from one trust are not independent: a "
               "permutation test asks how often splitting the same trusts into two groups at random gives "
               "a difference as large (p), and the interval holds the effects it does not rule out; it "
               "widens when trusts differ a lot. This compares trusts, it is "
               "not a trial: trusts that choose enabling policies may differ in other ways (size, "
               "staffing, who posts), and flags are automatic unless counted as confirmed. Flags here "
               "are breaches of the national guidance (HCPC, SCoR, RCGP, NHS Employers); the rules a local "
               "policy adds are left out, since they exist only under the policies that switch them on.")
    tables.show(labels.policy_comparison_table(comparison, CLAUSES[clause].yes_short, CLAUSES[clause].no_short,
                                                national), "policy comparison", chosen, hide_index=True)
    st.caption("Rates are per 1,000 staff and organisation posts; shares are of questions (answered, "
               "within target) or of answers (signposting, compassion). Ratio: the first group's rate "
               "divided by the second's (1.00 = no difference); points: the first group's share minus "
               "the second's. 95% CIs by inverting a permutation test over trusts (every split of the "
               f"trusts when there are at most {compare.EXACT_LIMIT:,}, else {compare.MONTE_CARLO:,} random "
               "ones); none when a group has so few trusts that no split could reach p ≤ 0.05 (3 against 3, "
               "or 3 against 4): too few trusts to tell.")

    # --- funnels marked by policy --------------------------------------------------------------------------
    st.header("Trusts compared, marked by policy")
    peers = Filters(chosen.start, chosen.end, chosen.regions, (), chosen.platforms)
    peer_register = data.query(policy_queries.policy_register, peers)
    groups = tuple(
        (code, "Enabling: " + CLAUSES[clause].label.lower() if enabling else "Not enabling")
        for code, enabling in policy_queries.enabling_in_force(peer_register, clause).items()
    )
    spread = st.toggle(funnel_words.OVERDISPERSION_LABEL, key="policy_overdispersion",
                       help=funnel_words.OVERDISPERSION_HELP)
    left, right = st.columns(2)
    with left:
        st.markdown("**Flags per 1,000 staff posts** (national guidance)")
        chart_view.show(data.figure(policy_queries.trust_outcomes, charts.flag_funnel, peers, unit="trust",
                                    highlight=chosen.trusts, groups=groups, overdispersion=spread),
                        key="chart_policy_flag_funnel", filters=chosen)
    with right:
        st.markdown("**Response rate**")
        chart_view.show(data.figure(policy_queries.trust_outcomes, charts.funnel, peers, measure="answered",
                                    unit="trust", highlight=chosen.trusts, groups=groups, overdispersion=spread),
                        key="chart_policy_answer_funnel", filters=chosen)
    if spread:
        st.caption(funnel_words.OVERDISPERSION_NOTE)
    st.caption("Funnel plots, not league tables: each marker is a trust (shape: its policy at the end "
               "of the dates chosen), placed by its number of staff posts or questions (across) and its "
               "rate (up). Lines are 95% (dotted) and 99.8% (dashed) limits around the overall value; "
               "only trusts beyond the 99.8% limits differ more than chance explains. Trusts with "
               "1–7 posts, flags or questions are not shown. The trust filter rings trusts; peers are "
               "all trusts in the chosen regions.")


by_clause(chosen, national)

# --- the matrix ---------------------------------------------------------------------------------------
st.header("Policies and outcomes by trust")
outcomes = data.query(policy_queries.trust_outcomes, chosen)
tables.show(labels.policy_matrix_table(register, outcomes), "policies and outcomes by trust", chosen,
            hide_index=True)
st.caption("Policy clauses are those of the version in force at the end of the dates chosen; "
           "outcomes cover the whole range. Counts of 1–7 show as * and others are rounded to the "
           "nearest 5; rates and shares over such counts are hidden (NHS Digital's disclosure "
           "control). Brackets: 95% CIs (exact Poisson/Byar for rates, Wilson for shares).")
