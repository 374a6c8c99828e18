"""Review queue: flagged staff posts, highest severity then newest first, each with its
evidence, rule, clause and explanation; a reviewer confirms, dismisses or marks a flag
actioned. Decisions go to the operational store (reviews.sqlite) and show at once."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from store import access, reviews
from ui import audit_queue, auth, data, first_run, formats, labels, page, redact, safe, tables
from warehouse import flag_queries, rules

LIMIT = 500
LABELS = {"confirmed": "Confirm", "dismissed": "Dismiss", "actioned": "Actioned"}
TABLE_KEY = "review_queue_table"  # the queue; its selected row is the flag reviewed


def highlighted(text: str, evidence: str, reveal: bool = False) -> str:
    """The post text redacted of identifiers (ui.redact) as one inert HTML block (ui.safe: no
    Markdown, link or tag comes of it), the evidence span wrapped in a mark; an identifier in
    or across the evidence is marked as its label. With ``reveal``, the text as posted (still
    inert)."""
    text, evidence = text or "", evidence or ""
    at = text.find(evidence) if evidence else -1
    if at < 0:
        return safe.html_block(safe.html_text(text if reveal else redact.redact(text)))
    if reveal:
        before, mark, after = text[:at], evidence, text[at + len(evidence):]
    else:
        before, mark, after = redact.redact_around(text, at, at + len(evidence))
    return safe.html_block(safe.html_text(before) + "<mark>" + safe.html_text(mark) + "</mark>"
                           + safe.html_text(after))


def current(queue: pd.DataFrame) -> pd.DataFrame:
    """The published statuses, overlaid with the store's latest decisions (written since
    the last build)."""
    latest = reviews.latest_decisions()
    queue = queue.copy()
    if latest.empty or queue.empty:
        return queue
    key = ["platform", "post_id", "rule_id"]
    latest = latest.set_index(key)
    for i, row in queue.iterrows():
        k = (row["platform"], row["post_id"], row["rule_id"])
        if k in latest.index:
            found = latest.loc[k]
            queue.at[i, "status"] = found["decision"]
            queue.at[i, "reviewer"] = found["reviewer"]
            queue.at[i, "note"] = found["note"]
    return queue


chosen = page.start("Review queue")
if not page.rows_visible("the flagged posts and their review"):
    st.stop()
if not auth.current_scope().signed_in:
    st.caption("Without sign-in, reviewers type their name with each decision; with login "
               "configured (docs/security.md, \"Security and privacy\") decisions are recorded under the "
               "signed-in account.")
if st.segmented_control("Queue", ["flags", "audit"], key="review_mode", default="flags",
                        format_func={"flags": "Flags", "audit": "Blind audit"}.get) == "audit":
    audit_queue.render(chosen)  # the weekly blind audit sample (issue #20)
    st.stop()

queue = current(data.query(flag_queries.review_queue, chosen, limit=LIMIT + 1))
if len(queue) > LIMIT:
    st.info(f"Showing the first {LIMIT:,} flags; narrow the dates or filters to see the rest.")
    queue = queue.head(LIMIT)
if queue.empty:
    first_run.empty("Review queue", "flagged posts")  # says why when no date would help
    st.stop()

# The queue, the picked flag, its decision form and its history: a fragment, so picking another
# flag (a row of the table) or revealing a post reruns only this part. Recording a decision calls
# st.rerun(), a full rerun (scope "app"), so the queue shows the new status at once.
@st.fragment
def review(queue: pd.DataFrame) -> None:
    st.markdown(f"**{len(queue):,}** flag{'s' if len(queue) != 1 else ''}, highest severity first, "
                "then newest first. Pick a row to review its flag.")
    shown = tables.show(labels.review_queue_table(queue), "flags in the review queue", chosen, hide_index=True,
                        key=TABLE_KEY, on_select="rerun", selection_mode="single-row")
    rows = [r for r in shown.selection.rows if r < len(queue)]
    if not rows:
        st.info("Pick a flag: select its row in the table above (the box at the row's left).")
        return
    flag = queue.iloc[rows[0]]
    rule = rules.find(flag["rule_id"])
    scope = auth.current_scope()

    left, right = st.columns([3, 2])
    with left:
        st.header(rule.title)
        st.markdown(highlighted(flag["text"], flag["evidence"]), unsafe_allow_html=True)
        # Reviewers may see one post as posted; every reveal is written to the audit log.
        if scope.review and st.button("Reveal this post", key="reveal_post",
                                      help="Shows this post without redaction, once; the reveal is "
                                           "recorded in the audit log."):
            access.audit(scope, "reveal", f"{flag['platform']}/{flag['post_id']} {flag['rule_id']}")
            st.caption("As posted (this reveal is recorded in the audit log):")
            st.markdown(highlighted(flag["text"], flag["evidence"], reveal=True), unsafe_allow_html=True)
        st.caption(f"{safe.literal(flag['platform'])} · post {safe.literal(flag['post_id'])} · "
                   f"{formats.moment(pd.Timestamp(flag['posted_at']))} UK time")
        if redact.safe_url(flag["url"]):
            st.link_button("Open the post", redact.safe_url(flag["url"]))
    with right:
        st.markdown(f"**Rule:** {safe.literal(rule.title)} · {safe.literal(formats.family(flag['family']))} · "
                    f"severity {safe.literal(labels.SEVERITIES.get(flag['severity'], flag['severity']))}")
        st.markdown(safe.html_block("<b>Clause</b> " + safe.html_text(flag["clause"])), unsafe_allow_html=True)
        if redact.safe_url(flag["clause_url"]):  # the edition cited on the post's day
            st.link_button("Open the guidance", redact.safe_url(flag["clause_url"]))
        st.markdown(safe.html_block("<b>Why</b> " + safe.html_text(rule.explanation)), unsafe_allow_html=True)
        st.markdown(f"**Status:** {safe.literal(labels.REVIEW_STATUS.get(flag['status'], flag['status']))}")

    if not scope.review:
        st.info("You can read this queue and its decisions; recording decisions needs the reviewer "
                "or admin role.")
    else:
        with st.form("review_form", clear_on_submit=True):
            # No default: a reviewer must choose (issue #15), so a hurried click records nothing.
            decision = st.radio("Decision", list(LABELS), format_func=LABELS.get, horizontal=True,
                                key="review_decision", index=None)
            note = st.text_area("Note", key="review_note")
            if scope.signed_in:
                st.caption(f"Recorded as {safe.literal(scope.user)}.")
                reviewer = scope.user
            else:
                reviewer = st.text_input("Your name", key="review_reviewer")
            if st.form_submit_button("Record decision"):
                if decision is None:
                    st.error("Choose a decision: confirm, dismiss or mark the flag actioned.")
                elif not reviewer.strip():
                    st.error("Type your name: every decision says who made it.")
                else:
                    reviews.record_decision(flag["platform"], flag["post_id"], flag["rule_id"],
                                            decision, note, reviewer, scope=scope)
                    st.success(f"Recorded: {LABELS[decision].lower()}.")
                    st.rerun()

    st.header("Decision history")
    history = reviews.decisions_for(flag["platform"], flag["post_id"], flag["rule_id"])
    if history.empty:
        st.caption("No decisions yet.")
    else:
        tables.show(
            pd.DataFrame({"When (UK time)": pd.to_datetime(history["decided_at"], utc=True)
                          .dt.tz_convert("Europe/London").dt.tz_localize(None),
                          "Decision": history["decision"].map(labels.REVIEW_STATUS).fillna(history["decision"]),
                          "Reviewer": history["reviewer"] if auth.current_scope().staff_names else "(hidden)",
                          "Note": history["note"] if auth.current_scope().text else "(hidden)"}).iloc[::-1],
            "review decisions", chosen, hide_index=True, key="review_history")


review(queue)
