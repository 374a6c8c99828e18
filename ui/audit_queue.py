"""The Review queue's blind audit tab (issue #20): one sampled post at a time, in the sample's
shuffled order, to judge against the guidance (staff posts) or as a patient question or not
(public posts). The reader is never told the post's stratum, what the rules or the
classifier said, or another reader's opinion. Post text only for roles that may read it,
redacted of identifiers unless revealed (each reveal audited)."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import streamlit as st

from store import access, audits, reader
from ui import auth, data, disclosure, inuse, redact, safe, tables
from warehouse import audit, inuse_queries

# A "no" says why (store.audits.PUBLIC_LABELS): the question model's two heads learn from it.
ANSWERS = {"1": "Yes, a patient question", "0:off_topic": "No: it asks, but not about health care",
           "0:not_asking": "No: it does not ask for anything"}


def _families() -> list[str]:
    from warehouse.rules import packs

    return sorted({r.family for r in packs.RULES})


def waiting(chosen, scope, reviewer: str):
    """The audit items in view still needing an opinion that ``reviewer`` has not given."""
    items = audit.in_view(audit.finished(), chosen, scope)
    if items.empty:
        return items, items
    mine = np.array([reviewer in r for r in items["reviewers"]], dtype=bool)
    open_items = items[items["final"].isna().to_numpy() & ~mine]
    return items, open_items


def schedule(scope) -> None:
    """When the last sample was drawn and whether last week's is due; an administrator may draw
    it here (the same draw as ``python -m warehouse audit``: same seed, never twice)."""
    newest = data.query(inuse_queries.newest_post_day, None)
    status = audit.sampling_status(audits.items(), newest["day"].iloc[0] if len(newest) else None,
                                   date.today())
    drawn = (f"The last audit sample ({status['last_sample']}) was drawn on "
             f"{pd.Timestamp(status['drawn_at']):%d %b %Y at %H:%M} UTC." if status["last_sample"]
             else "No audit sample has been drawn yet.")
    due = (f" The sample of {status['due_week']} is due: an administrator draws it with "
           "`python -m warehouse audit`, weekly from cron (docs/alerts.md, \"Scheduling\")." if status["due"]
           else f" The sample of {status['due_week']} is drawn; the next is due after that week ends.")
    st.caption(drawn + due)
    if status["due"] and scope.role == "admin" and scope.everything and st.button(
            f"Draw the {status['due_week']} sample now", key="audit_draw"):
        con = reader.connect_published(scope=scope)
        try:
            added = audit.sample_week(con.cursor(), status["due_day"])
        finally:
            con.close()
        access.audit(scope, "review", f"blind audit sample {status['due_week']} drawn ({sum(added.values())} posts)")
        st.rerun()


def agreement(items) -> None:
    """The readers' agreement per family (Cohen's / Fleiss' kappa) on the finished samples in view."""
    frame = audit.estimates(items, shown=disclosure.rounded) if not items.empty else pd.DataFrame()
    if frame.empty or not (frame["n_double"] + frame["n_multi"]).any():
        return
    with st.expander("Agreement between readers"):
        tables.show(inuse.agreement_table(frame), hide_index=True, key="audit_agreement")
        st.caption("Kappa of the posts read independently by two (Cohen's) or more (Fleiss', interval by "
                   "bootstrap over posts); 1 = perfect, 0 = chance. The reader who settles a disagreement "
                   "is not counted (docs/methods.md).")


def render(chosen) -> None:
    scope = auth.current_scope()
    if not scope.review:
        st.info("Judging audit samples needs the reviewer or admin role.")
        return
    schedule(scope)
    if not scope.text:
        st.info("Your role may not read post text, which an audit judgement needs.")
        return
    reviewer = scope.user if scope.signed_in else st.text_input("Your name", key="audit_reviewer").strip()
    if not reviewer:
        st.info("Type your name to see the audit posts waiting for you: each post is read by "
                "different people, so the queue is per reader.")
        return
    items, open_items = waiting(chosen, scope, reviewer)
    if items.empty:
        st.info("No audit sample in these dates and filters. An administrator draws one each week "
                "with `python -m warehouse audit` (docs/methods.md, \"Quality measured in use\").")
        return
    posts = data.query(inuse_queries.audit_posts, None,
                       keys=tuple(zip(open_items["platform"], open_items["post_id"])))
    shown = open_items.merge(posts, on=["platform", "post_id"])
    st.markdown(f"**{len(shown):,}** audit post{'s' if len(shown) != 1 else ''} wait for you; "
                f"{int(items['final'].notna().sum()):,} of {len(items):,} sampled posts are judged.")
    st.caption("A blind audit: these posts were drawn at random, whatever the rules said of them. Judge "
               "each as you would any post, without looking it up; nothing here says what the rules "
               "or other reviewers decided.")
    agreement(items)
    if shown.empty:
        st.success("Nothing waits for you in the audit.")
        return
    item = shown.iloc[0]
    st.markdown(safe.html_block(safe.html_text(redact.redact(item["text"] or ""))), unsafe_allow_html=True)
    if st.button("Reveal this post", key="audit_reveal", help="Shows the post without redaction, once; "
                                                              "the reveal is recorded in the audit log."):
        access.audit(scope, "reveal", f"audit item {int(item['id'])}")
        st.markdown(safe.html_block(safe.html_text(item["text"] or "")), unsafe_allow_html=True)
    st.caption(f"{safe.literal(item['platform'])} · sample {safe.literal(item['sample_id'])}")
    with st.form("audit_form", clear_on_submit=True):
        if item["kind"] == "staff":
            label = st.multiselect("Which guidance does this staff post breach? (none: leave empty)",
                                   _families(), key="audit_families")
        else:
            label = st.radio("Is this a patient question?", list(ANSWERS), format_func=ANSWERS.get,
                             key="audit_question", horizontal=True, index=None)
        note = st.text_area("Note", key="audit_note")
        if st.form_submit_button("Record judgement"):
            if label is None:
                st.error("Choose an answer.")
            else:
                audits.record_opinion(int(item["id"]), label, reviewer, note, scope=scope)
                st.success("Recorded.")
                st.rerun()
