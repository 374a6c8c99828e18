"""Exports of every matching row (issue #15), for those allowed to read rows: all posts of
Explore, and every patient question as one row (an episode: asked, first answered, by whom,
the wait on both clocks, censored, the policy and its target). Written by
:func:`ui.tables.download_all` (streamed from the session's scoped connection, capped, with
progress, audited); the pages call these so the two question pages say the same.
"""
from __future__ import annotations

import streamlit as st

from ui import labels, tables
from warehouse import queries, question_queries


def posts(chosen) -> None:
    """Every post matching the filters and the search (Explore shows the newest 1,000)."""
    tables.download_all("posts", chosen, queries.explore_count, queries.explore_chunks, labels.explore_table,
                        key="export_posts", file_stem=f"radsome-all-posts-{chosen.start}-to-{chosen.end}")


def episodes(chosen) -> None:
    """Every question asked in the selection, one row each (Patient questions, Response times)."""
    st.subheader("Every question, one row each")
    st.caption("For analysis: when each question was asked and first answered, by whom (role), the wait on "
               "both clocks (to the answer, or to the newest post while still unanswered: censored), the "
               "policy in force and whether its target was met; the asker as a pseudonym, text redacted.")
    tables.download_all("questions", chosen, question_queries.episode_count, question_queries.episode_chunks,
                        labels.episodes_table, key="export_questions",
                        file_stem=f"radsome-questions-{chosen.start}-to-{chosen.end}")
