"""The Review queue's blind audit tab (issue #20): one sampled post at a time, in the sample's
shuffled order, to judge against the guidance (staff posts) or as a patient question or not
(public posts). The reader is never told the post's stratum, what the rules or the
classifier said, or another reader's opinion. Post text only for roles that may read it,
redacted of identifiers unless revealed (each reveal audited)."""
from __future__ import annotations

import numpy as np
import streamlit as st

from store import access, audits
from ui import auth, data, redact, safe
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


def render(chosen) -> None:
    scope = auth.current_scope()
    if not scope.review:
        st.info("Judging audit samples needs the reviewer or admin role.")
        return
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
