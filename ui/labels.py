"""How codes and names read on screen: pure functions, no Streamlit, easy to test."""
from __future__ import annotations

import re

import pandas as pd

PLATFORMS = {
    "x": "X (Twitter)", "facebook": "Facebook", "instagram": "Instagram", "mastodon": "Mastodon",
    "bluesky": "Bluesky", "reddit": "Reddit", "threads": "Threads", "linkedin": "LinkedIn",
    "youtube": "YouTube", "tiktok": "TikTok",
}
ROLES = {
    "patient_public": "Patients and public", "professional": "Professionals",
    "organisation": "Organisations", "unknown": "Unknown role",
}
_UPPER = {"NHS", "UK", "HSC", "ICB", "CIC", "LLP", "II", "III"}
_LOWER = {"and", "of", "the", "on", "upon", "in", "for", "at", "with"}
_WORD = re.compile(r"[A-Za-z']+")


def platform(code: str) -> str:
    return PLATFORMS.get(code, str(code).capitalize())


def role(code: str) -> str:
    return ROLES.get(code, str(code).replace("_", " ").capitalize())


def org_name(name: str | None) -> str:
    """ODS names are upper case: 'BARTS HEALTH NHS TRUST' -> 'Barts Health NHS Trust',
    'STOKE-ON-TRENT' -> 'Stoke-on-Trent'. Names already in mixed case are left alone."""
    if not name or name != name.upper():
        return name or ""
    first = True

    def fix(match: re.Match) -> str:
        nonlocal first
        word = match.group(0)
        if word in _UPPER:
            out = word
        elif not first and word.lower() in _LOWER:
            out = word.lower()
        else:
            out = word[:1] + word[1:].lower()
        first = False
        return out

    return _WORD.sub(fix, name)


def day(value) -> str:
    """'3 Mar 2025' (no leading zero)."""
    return f"{value.day} {value:%b %Y}"


def moment(value) -> str:
    """'3 Mar 2025, 14:05' for a time already in UK local time."""
    return f"{value.day} {value:%b %Y, %H:%M}"


def _each_distinct(series: pd.Series, function) -> pd.Series:
    """``series.map(function)``, calling ``function`` once per distinct value."""
    return series.map({value: function(value) for value in series.dropna().unique()})


def trust_table(frame: pd.DataFrame) -> pd.DataFrame:
    """posts_by_trust -> the table people read."""
    return pd.DataFrame({
        "Trust": _each_distinct(frame["trust_name"], org_name),
        "Region": frame["region_name"],
        "ODS code": frame["trust_code"].fillna("—"),
        "Posts": frame["n_posts"].astype("int64"),
        "Share of posts": frame["share"].astype("float64") * 100,  # percentage points
    })


def explore_table(frame: pd.DataFrame) -> pd.DataFrame:
    """explore_posts -> the table shown on the Explore page (and downloaded as CSV)."""
    return pd.DataFrame({
        "Posted (UK time)": frame["posted_at"],
        "Text": frame["text"],
        "Platform": _each_distinct(frame["platform"], platform),
        "Author role": _each_distinct(frame["author_role"], role),
        "Trust": _each_distinct(frame["trust_name"], org_name),
        "Region": frame["region_name"],
        "Author": frame["author"],
        "Link": frame["url"],
        "Post id": frame["post_id"],
        "Thread id": frame["thread_id"],
    })


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(value):
    """Post text is untrusted: a cell that starts like a spreadsheet formula gets a leading
    apostrophe so that Excel shows it instead of running it (OWASP "CSV injection")."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with a byte-order mark, so Excel reads the characters right) of exactly
    these rows and columns, text cells defused (see :func:`defuse`)."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(defuse)
    return safe.to_csv(index=False, date_format="%Y-%m-%d %H:%M:%S").encode("utf-8-sig")
