"""How one value reads on screen: names of codes, times, waits, counts, shares and rates (what
may be shown is decided before, by :mod:`ui.disclosure`). Pure functions, no Streamlit; the tables people read (:mod:`ui.labels`) and the
charts (:mod:`ui.charts`) both build on them and import nothing of each other.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ui import disclosure
from warehouse import rules
from warehouse.measures import DAY_S, HOUR_S

PLATFORMS = {
    "x": "X (Twitter)", "facebook": "Facebook", "instagram": "Instagram", "mastodon": "Mastodon",
    "bluesky": "Bluesky", "reddit": "Reddit", "threads": "Threads", "linkedin": "LinkedIn",
    "youtube": "YouTube", "tiktok": "TikTok",
}
ROLES = {
    "patient_public": "Patients and public", "professional": "Professionals",
    "organisation": "Organisations", "unknown": "Unknown role",
}
TOPICS = {
    "pain_discomfort": "Pain and discomfort", "preparation": "Preparation",
    "appointments_access": "Appointments and access", "waiting_results": "Waiting for results",
    "recall_further_tests": "Recall and further tests", "radiation_pregnancy": "Radiation and pregnancy",
    "mri_safety": "MRI safety and claustrophobia", "contrast": "Contrast (dye)",
    "screening_eligibility": "Screening eligibility", "other": "Other",
}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # ISO 1..7
_UPPER = {"NHS", "UK", "HSC", "ICB", "CIC", "LLP", "II", "III"}
_LOWER = {"and", "of", "the", "on", "upon", "in", "for", "at", "with"}
_WORD = re.compile(r"[A-Za-z']+")


def platform(code: str) -> str:
    return PLATFORMS.get(code, str(code).capitalize())


def role(code: str) -> str:
    return ROLES.get(code, str(code).replace("_", " ").capitalize())


def topic(code: str) -> str:
    return TOPICS.get(code, str(code).replace("_", " ").capitalize())


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


# One UK format for dates and times everywhere (issue #15): text via day() and moment(), and the
# same rendering in the tables' date columns (ui.tables.show gives every datetime column GRID_MOMENT,
# moment.js tokens for the data grid). Exports write ISO 8601 (ui.export_files.DATE_FORMAT), which
# sorts and parses, and say so on their About sheet.
GRID_DAY = "D MMM YYYY"  # = day()
GRID_MOMENT = "D MMM YYYY, HH:mm"  # = moment()


def day(value) -> str:
    """'3 Mar 2025' (no leading zero)."""
    return f"{value.day} {value:%b %Y}"


def moment(value) -> str:
    """'3 Mar 2025, 14:05' for a time already in UK local time."""
    return f"{value.day} {value:%b %Y, %H:%M}"


def rule(rule_id: str) -> str:
    """A guideline rule by its title ("Patient question answered from a personal staff account"),
    never its code (``POLICY-ENGAGEMENT``)."""
    return rules.title(rule_id)


def family(code: str) -> str:
    """A rule family by name ("Clinical advice")."""
    return rules.family_title(code)


def duration(seconds, *, service: bool = False) -> str:
    """A wait in words: '45 min', '3 h 20 min', '3 days 4 h'; None/NaN -> '—'.

    ``service=True`` reads staffed time, always in hours ('34 h 20 min', '120 h'): trusts'
    staffed days differ in length, so a "service day" is no fixed number of hours."""
    if seconds is None or pd.isna(seconds):
        return "—"
    minutes = int(round(float(seconds) / 60))
    day = DAY_S // 60  # in minutes
    if minutes < 1:
        return "under 1 min"
    if minutes < 60:
        return f"{minutes} min"
    if service or minutes < day:
        hours, rest = divmod(minutes, 60)
        return f"{hours:,} h" + (f" {rest} min" if rest and hours < 100 else "")
    days, rest = divmod(minutes, day)
    hours = rest // 60
    return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")


def percent(p, low=None, high=None) -> str:
    """'62%' or '62% (58–66%)'; NaN/None -> '—'."""
    return joined(*percent_parts(p, low, high))


def joined(value: str, ci: str | None) -> str:
    """A value and its CI in one cell: '62% (58–66%)'."""
    return value if ci is None else f"{value} ({ci})"


def percent_parts(p, low=None, high=None) -> tuple[str, str | None]:
    """A share and its CI apart, as a metric shows them: ('62%', '58–66%'); the CI is None
    when it is not known, and both are '—' / None when the share is not."""
    if p is None or pd.isna(p):
        return "—", None
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return f"{p:.0%}", None
    return f"{p:.0%}", f"{low * 100:.0f}–{high:.0%}"


# --- numbers ------------------------------------------------------------------------------
# Suppression is not here: ui.disclosure decides what is shown; these only format it.
SUPPRESSED = disclosure.SUPPRESSED


def floats(series) -> np.ndarray:
    """Numbers for a chart: a hidden (<NA>) cell as NaN."""
    return pd.array(series, dtype="Float64").to_numpy(dtype=float, na_value=np.nan)


def count(value) -> str:
    """A count as text: '1,234'; a suppressed cell ('*') as it is; None/NaN -> '—'."""
    if isinstance(value, str):
        return value
    return "—" if value is None or pd.isna(value) else f"{int(value):,}"


def count_text(value) -> str:
    """A chart's count as text: a hidden (<NA>) count is "*" (not "fewer than 8": a cell hidden
    by secondary suppression may be larger, and saying so would tell which one is small)."""
    return SUPPRESSED if pd.isna(value) else f"{int(value):,}"


def with_interval(value, low=None, high=None, spec: str = ",.1f") -> str:
    """A figure with its CI: '12.3 (10.1–14.9)' in format ``spec``; the text itself when it is
    one ('*' hidden), '—' when undefined, the figure alone when the interval is missing."""
    if isinstance(value, str):
        return value
    if value is None or pd.isna(value):
        return "—"
    if low is None or isinstance(low, str) or pd.isna(low) or pd.isna(high):
        return f"{value:{spec}}"
    return f"{value:{spec}} ({low:{spec}}–{high:{spec}})"


def rate_text(rate, low=None, high=None) -> str:
    """A rate per 1,000 with its CI: '12.3 (10.1–14.9)'; '*' when hidden, '—' when undefined."""
    return with_interval(rate, low, high, ",.1f")


# --- times --------------------------------------------------------------------------------

def wait_text(seconds, low=None, high=None, *, service: bool = False) -> str:
    """A median wait: 'not reached' when fewer than half were answered (NaN median)."""
    if isinstance(seconds, str):
        return seconds
    if seconds is None or pd.isna(seconds):
        return "not reached"
    return duration(seconds, service=service)


def wait_ci_text(low, high, *, service: bool = False) -> str:
    """A median's 95% CI, compact: '20–35 min', '17–21 h', '2–4 days', '3 h to not reached'."""
    if isinstance(low, str) or isinstance(high, str):
        return SUPPRESSED
    if low is None or pd.isna(low):
        return "not estimable"
    if high is None or pd.isna(high):
        return f"{duration(low, service=service)} to not reached"
    day = DAY_S
    if high < HOUR_S:
        return f"{max(1, round(low / 60))}–{max(1, round(high / 60))} min"
    if service or high < 2 * day:
        if high < 3 * HOUR_S:  # short: keep a decimal so the two ends differ
            return f"{low / HOUR_S:.1f}–{high / HOUR_S:.1f} h"
        return f"{round(low / HOUR_S)}–{round(high / HOUR_S)} h"
    return f"{low / day:.1f}–{high / day:.1f} days"


def uk_moment(value) -> str:
    """A stored instant as '3 Mar 2025, 14:05' UK time; None/NaN -> '—'."""
    if value is None or pd.isna(value):
        return "—"
    return moment(pd.Timestamp(value).tz_convert("Europe/London"))
