"""What the sidebar filters offer beyond dates and places (issue #15), as pure functions: period
presets (last 30 days, the latest quarter, UK financial years), the trust search's exact match,
and Explore's own narrowing of the posts (author role, question or not, topic, flag family and
rule, review state). :mod:`ui.filters` draws them and keeps them in the URL.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from ui import formats
from warehouse import rules
from warehouse.rules import local, packs

# Period presets: URL value -> label. Each counts back from the data's last day (not today's
# date: a warehouse of older posts still gets a full period), clamped to the data's first day.
PERIODS = {"custom": "Dates chosen below", "30d": "Last 30 days", "quarter": "Latest quarter",
           "fy": "Latest financial year (April–March)", "previous_fy": "Previous financial year"}


def financial_year_start(day: date) -> date:
    """1 April of the UK financial year that ``day`` falls in (April to March)."""
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def period_range(code: str, first_day: date, last_day: date) -> tuple[date, date] | None:
    """The days of preset ``code`` ending at the data's ``last_day`` (clamped to ``first_day``);
    None for ``custom`` or an unknown code."""
    if code == "30d":
        start, end = last_day - timedelta(days=29), last_day
    elif code == "quarter":  # the calendar quarter holding the last day (UK financial quarters too)
        start, end = date(last_day.year, 3 * ((last_day.month - 1) // 3) + 1, 1), last_day
    elif code == "fy":
        start, end = financial_year_start(last_day), last_day
    elif code == "previous_fy":
        this = financial_year_start(last_day)
        start, end = date(this.year - 1, 4, 1), this - timedelta(days=1)
    else:
        return None
    start, end = max(start, first_day), min(end, last_day)
    return (start, end) if start <= end else (first_day, first_day)


_SPACE = re.compile(r"\s+")


def _key(text: str) -> str:
    return _SPACE.sub(" ", str(text or "")).strip().casefold()


def exact_trust(text: str, names: dict[str, str]) -> tuple[str | None, list[str]]:
    """The trust search: ``(code, [])`` when ``text`` is exactly one trust's name or ODS code
    (ignoring case and spacing), else ``(None, codes)`` of the trusts whose name contains it, so
    that Enter never picks several trusts, or one the person did not name ("Leeds" is two)."""
    wanted = _key(text)
    if not wanted:
        return None, []
    exact = [code for code, name in names.items() if wanted in (_key(code), _key(name))]
    if len(exact) == 1:
        return exact[0], []
    return None, [code for code, name in names.items() if wanted in _key(name)]


# Explore's narrowing of the posts: Filters field -> (URL parameter, label, options value -> label).
QUESTION = {"": "All posts", "yes": "Patient questions only", "no": "Not patient questions"}


def post_choices() -> dict[str, tuple[str, str, dict[str, str]]]:
    """Filters field -> (URL parameter, label, {value: label}) for Explore's lists."""
    all_rules = {r.rule_id: r.title for r in packs.RULES + local.LOCAL_RULES}
    families = sorted({r.family for r in packs.RULES + local.LOCAL_RULES})
    return {
        "roles": ("role", "Author role", dict(formats.ROLES)),
        "topics": ("topic", "Question topic", dict(formats.TOPICS)),
        "families": ("family", "Flag family", {f: rules.family_title(f) for f in families}),
        "rules": ("rule", "Flag rule", dict(sorted(all_rules.items(), key=lambda item: item[1]))),
        "reviews": ("review", "Flag review", {"unreviewed": "Not reviewed", "confirmed": "Confirmed",
                                              "dismissed": "Dismissed", "actioned": "Actioned"}),
    }
