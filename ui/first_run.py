"""What a first import of real data lacks, said on each page it empties (issue #15, section 4).

A newcomer who imports posts and builds sees empty pages; "widen the dates" misleads when no
date would help. Over all the data (:func:`warehouse.queries.data_gaps`, aggregates every scope
may read) this names what is missing and the command that fixes it:

* ``staff``: no post is by a professional or an organisation (no account registry, or none of
  its accounts posted), so no question can be answered and no staff post flagged;
* ``trusts``: no post is linked to a trust, so trust and region figures are empty;
* ``authors``: most posts are of unknown role (replies whose author the data does not give),
  so replies from them never answer a question;
* ``questions``: no patient question was found at all.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import data
from warehouse import queries

GAPS = {
    "staff": ("No post is known to come from a professional or an organisation: there is no account registry, "
              "or none of its accounts posted. So no question can be answered and no staff post flagged.",
              "Load a registry of your staff and service accounts with `python -m ingest accounts accounts.csv` "
              "(docs/importing.md, \"Account registry\"), then `python -m warehouse build`."),
    "trusts": ("No post is linked to a trust, so the trust and region figures are empty.",
               "Give each account in the registry its trust's ODS code, or import a trust's own channel with "
               "`python -m ingest file PATH --trust CODE`, then `python -m warehouse build`."),
    "authors": ("Most posts have an author of unknown role (replies whose author the data does not name): a "
                "reply from one of them never answers a question.",
                "Import the data with its author ids (and the registry of staff accounts), then "
                "`python -m warehouse build`."),
    "questions": ("No patient question was found in any post.",
                  "Import the public's posts and replies as well as the service's own (whole threads), then "
                  "`python -m warehouse build`."),
}
# What each page needs to mean something (page title -> gaps that empty it).
NEEDS = {
    "Overview": ("trusts",), "Patient questions": ("questions", "staff", "trusts"),
    "Response times": ("questions", "staff", "authors"), "Review queue": ("staff",),
    "Guideline flags": ("staff", "trusts"), "Policy comparison": ("staff", "trusts"),
    "What patients ask": ("questions", "staff"), "SPC trends": ("trusts", "staff"),
}
UNKNOWN_SHARE = 0.5  # "most posts" of unknown role


def found(row: pd.Series) -> set[str]:
    """The gaps of the data whose counts are ``row`` (a :func:`warehouse.queries.data_gaps` row)."""
    if int(row["n_posts"]) == 0:
        return set()
    gaps = set()
    if int(row["n_staff"]) == 0:
        gaps.add("staff")
    if int(row["n_attributed"]) == 0:
        gaps.add("trusts")
    if int(row["n_unknown"]) >= UNKNOWN_SHARE * int(row["n_posts"]):
        gaps.add("authors")
    if int(row["n_questions"]) == 0:
        gaps.add("questions")
    return gaps


def gaps(page: str) -> list[str]:
    """The gaps that empty ``page`` (by title), in the order of :data:`GAPS`."""
    present = found(data.query(queries.data_gaps).iloc[0])
    return [g for g in GAPS if g in present and g in NEEDS.get(page, ())]


def explain(page: str) -> None:
    """At the top of a page: what the data lacks for it and how to fix it (nothing when it
    lacks nothing)."""
    missing = gaps(page)
    if missing:
        st.warning("**What this page needs that the data lacks**\n\n" +
                   "\n".join(f"- {GAPS[g][0]} *Fix:* {GAPS[g][1]}" for g in missing), icon="🧭")


def empty(page: str, what: str) -> None:
    """Instead of a page's content when its selection has nothing: the data-wide reason when
    there is one (listed at the top), else "widen the dates"."""
    if gaps(page):
        st.info(f"No {what} in any of the data, whatever the dates: see above for what is missing and how to "
                "add it.")
    else:
        st.info(f"No {what} in the chosen dates and filters. Widen the dates or clear a filter.")
