"""Exports of every matching row (issue #15), for those allowed to read rows: all posts of
Explore, and every patient question as one row (an episode: asked, first answered, by whom,
the wait on both clocks, censored, the policy and its target). Written by
:func:`ui.tables.download_all` (streamed from the session's scoped connection, capped, with
progress, audited); the pages call these so the two question pages say the same.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import formats, labels, redact, tables
from warehouse import queries, question_queries

TARGET_MET = {True: "Yes", False: "No"}


def _each(series: pd.Series, function) -> pd.Series:
    """``series.map(function)``, calling ``function`` once per distinct value."""
    return series.map({value: function(value) for value in series.dropna().unique()})


def _seconds(values) -> list:
    return [None if v is None or pd.isna(v) else int(round(float(v))) for v in values]


def episodes_table(frame: pd.DataFrame) -> pd.DataFrame:
    """episode_chunks -> the one-row-per-question export: when asked and first answered (UK
    time), the question redacted, the asker's pseudonym, where, who answered (role), the wait on
    both clocks (to the answer, or to the data's end when censored), the policy and its target."""
    met = [("No target" if pd.isna(t) else "Not yet known") if m is None or pd.isna(m) else TARGET_MET[bool(m)]
           for m, t in zip(frame["within_target"], frame["response_target_hours"])]
    return pd.DataFrame({
        "Asked (UK time)": frame["asked_at"],
        "Question (identifiers removed)": [redact.redact(t) for t in frame["text"]],
        "Asker (pseudonym)": frame["asker"],
        "Trust": _each(frame["trust_name"], formats.org_name),
        "Region": frame["region_name"],
        "Platform": _each(frame["platform"], formats.platform),
        "Topic": _each(frame["topic"], formats.topic),
        "First answer (UK time)": frame["answered_at"],
        "Answered by (role)": [formats.role(r) if isinstance(r, str) else "" for r in frame["answered_by_role"]],
        "Wait (seconds)": _seconds(frame["duration_seconds"]),
        "Wait": [formats.duration(s) for s in frame["duration_seconds"]],
        "Service wait (staffed seconds)": _seconds(frame["service_duration_seconds"]),
        "Censored (no answer yet)": ["Yes" if c else "No" for c in frame["censored"]],
        "Waited until (UK time)": frame["censored_at"].where(frame["censored"]),
        "Policy version": frame["policy_version"],
        "Response target (hours)": frame["response_target_hours"],
        "Target met": met,
        "Post id": frame["post_id"],
        "Thread id": frame["thread_id"],
    })


def posts(chosen) -> None:
    """Every post matching the filters and the search (Explore shows the newest 1,000)."""
    tables.download_all("posts", chosen, queries.explore_count, queries.explore_chunks, labels.explore_table,
                        key="export_posts", file_stem=f"radsome-all-posts-{chosen.start}-to-{chosen.end}")


def episodes(chosen) -> None:
    """Every question asked in the selection, one row each (Patient questions, Response times)."""
    st.header("Every question, one row each")
    st.caption("For analysis: when each question was asked and first answered, by whom (role), the wait on "
               "both clocks (to the answer, or to the newest post while still unanswered: censored), the "
               "policy in force and whether its target was met; the asker as a pseudonym, text redacted.")
    tables.download_all("questions", chosen, question_queries.episode_count, question_queries.episode_chunks,
                        episodes_table, key="export_questions",
                        file_stem=f"radsome-questions-{chosen.start}-to-{chosen.end}")
