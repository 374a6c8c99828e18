"""What the sidebar filters offer beyond dates and places (issue #15), as pure functions: period
presets (last 30 days, the latest full quarter, UK financial years), the trust search's exact match,
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
# ``quarter`` is the latest *complete* calendar quarter (read as such in the issue #16 tryout:
# the quarter holding the last day was usually a few weeks long); ``fy`` the financial year
# holding the last day, up to it. The codes stay: shared URLs carry them.
PERIODS = {"custom": "Dates chosen below", "30d": "Last 30 days", "quarter": "Latest full quarter",
           "fy": "Financial year to date (from 1 April)", "previous_fy": "Previous financial year"}


def financial_year_start(day: date) -> date:
    """1 April of the UK financial year that ``day`` falls in (April to March)."""
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def quarter_start(day: date) -> date:
    """1 January, April, July or October: the first day of the calendar quarter of ``day``."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def latest_full_quarter(last_day: date) -> tuple[date, date]:
    """The last calendar quarter that ended on or before ``last_day`` (the quarter of
    ``last_day`` itself when it is a quarter's last day). UK financial quarters (April–June,
    July–September, October–December, January–March) are the same quarters."""
    end = quarter_start(last_day + timedelta(days=1)) - timedelta(days=1)
    return quarter_start(end), end


def period_range(code: str, first_day: date, last_day: date) -> tuple[date, date] | None:
    """The days of preset ``code``, counted back from the data's ``last_day`` and clamped to
    ``first_day`` (the data's first day when the period ends before it); None for ``custom`` or
    an unknown code."""
    if code == "30d":
        start, end = last_day - timedelta(days=29), last_day
    elif code == "quarter":
        start, end = latest_full_quarter(last_day)
    elif code == "fy":  # the financial year to date
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
