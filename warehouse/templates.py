"""What the build fills in from code: SQL fragments generated from rule constants
(``{{ name }}`` in a model) and small tables made in Python before the models run.

Both exist for rules that are clearer as Python data (classifier cues, role cues, service
calendars with bank holidays) than as hand-written SQL; the values in them are code
constants, never user input.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Callable

import pandas as pd

NATION_CODES = {"England": "ENG", "Wales": "WLS", "Scotland": "SCT", "Northern Ireland": "NIR"}


def _question_annotations() -> str:
    """The question classifier (cues and the learned model's weights, as literals: the memo
    version of int_questions hashes this SQL, so it follows the model's version)."""
    from warehouse.enrich import questions

    return questions.annotate_sql("public_posts")


# Every self-description cue that reads post text (roles.TEXT_CUES) needs one of these
# words; a post without one cannot describe its author, so only bios are read for it.
# tests/test_threads_roles.py checks the gate against every text cue's examples.
ROLE_TEXT_GATE = (r"(?i)official|hcpc|radiograph|mammograph|sonograph|radiolog|practitioner"
                  r"|monitored|staffed|\bgive\b|\boffer\b|\bprovide\b|\brespond to\b")


def _self_role_columns() -> str:
    from warehouse.enrich import roles

    return roles.role_sql("author_bio", "text")


def _role_text_gate() -> str:
    from warehouse.enrich import sql_string

    return sql_string(ROLE_TEXT_GATE)


# Periods are [valid_from, valid_to) in UK days; these stand for "no bound" in the calendar
# tables (a DATE column, so no NULL juggling in the joins).
OPEN_START, OPEN_END = date(1900, 1, 1), date(9999, 12, 31)


def trust_calendar_periods(con) -> list[dict]:
    """The staffed hours and response target in force for each trust over time.

    One dict per (trust, period): trust_code, nation, schedule (text or None for the default
    Mon–Fri 08:00–18:00), valid_from, valid_to ([from, to) UK days), policy_version and
    response_target_hours (None when no policy is in force). A trust's local policy versions
    (the register in force, ``raw.trust_policies_current``) give their own periods; the gaps
    before, between and after them get the default schedule and no target, so every day of
    every trust has exactly one period. ``__default__`` (unattributed posts) is England's
    default.
    """
    nations = dict(con.execute("SELECT ods_code, nation FROM raw.ref_trusts").fetchall())
    policies: dict[str, list[tuple]] = {}
    for row in con.execute(
        "SELECT trust_code, effective_from, effective_to, policy_version, staffed_hours,"
        " response_target_hours FROM raw.trust_policies_current ORDER BY trust_code, effective_from"
    ).fetchall():
        policies.setdefault(row[0], []).append(row[1:])
    periods = []
    for trust in sorted(set(nations) | set(policies)):
        nation = NATION_CODES.get(nations.get(trust), "ENG")
        cursor = OPEN_START
        for start, stop, version, schedule, target in policies.get(trust, []):
            if start > cursor:
                periods.append(dict(trust_code=trust, nation=nation, schedule=None, valid_from=cursor,
                                    valid_to=start, policy_version=None, response_target_hours=None))
            periods.append(dict(trust_code=trust, nation=nation, schedule=schedule, valid_from=start,
                                valid_to=stop or OPEN_END, policy_version=version,
                                response_target_hours=target))
            cursor = stop or OPEN_END
        if cursor < OPEN_END:
            periods.append(dict(trust_code=trust, nation=nation, schedule=None, valid_from=cursor,
                                valid_to=OPEN_END, policy_version=None, response_target_hours=None))
    periods.append(dict(trust_code="__default__", nation="ENG", schedule=None, valid_from=OPEN_START,
                        valid_to=OPEN_END, policy_version=None, response_target_hours=None))
    return periods


def make_service_calendars(con) -> None:
    """staging.stg_service_calendar (one row per calendar x UK day), stg_trust_calendars
    (trust x period of a policy version -> calendar, response target) and stg_calendars
    (calendar -> length of a service day), covering the posts' whole time span, plus the
    build connection's service_at() macro.

    Trusts that share a nation and staffed hours share a calendar, so a policy change that
    keeps the hours adds no calendar.
    """
    from warehouse import service_time

    first, last = con.execute(
        "SELECT min(created_at), max(created_at) FROM raw.raw_posts"
    ).fetchall()[0]
    today = date.today()
    start = (first.date() if first else today) - timedelta(days=1)
    end = (last.date() if last else today) + timedelta(days=1)
    periods = trust_calendar_periods(con)
    schedules = {(p["nation"], p["schedule"]) for p in periods}
    calendar = service_time.service_calendar({i: s for i, s in enumerate(sorted(
        schedules, key=lambda s: (s[0], s[1] or "")))}, start, end)
    calendars = pd.DataFrame(
        sorted({(service_time.calendar_key(n, s), service_time.service_day_seconds(s)) for n, s in schedules}),
        columns=["calendar_key", "service_day_seconds"],
    )
    trusts = pd.DataFrame([{
        "trust_code": p["trust_code"], "valid_from": p["valid_from"], "valid_to": p["valid_to"],
        "calendar_key": service_time.calendar_key(p["nation"], p["schedule"]),
        "policy_version": p["policy_version"], "staffed_hours": p["schedule"],
        "response_target_hours": p["response_target_hours"],
    } for p in periods]).astype({"policy_version": "object", "staffed_hours": "object",
                                  "response_target_hours": "float64"})
    for name, frame in (("stg_service_calendar", calendar), ("stg_calendars", calendars),
                        ("stg_trust_calendars", trusts)):
        con.register("frame", frame)
        con.execute(f"CREATE TABLE staging.{name} AS SELECT * FROM frame")
        con.unregister("frame")
    con.execute(service_time.SERVICE_AT_MACRO_SQL)


def _guideline_flags() -> str:
    from warehouse.rules import engine

    return engine.flags_sql("posts_for_rules")


def make_rules_table(con) -> None:
    """staging.stg_rules: every guideline rule with its clause, from the rule packs (data) and
    the local-policy rules that trusts' policies switch on."""
    from warehouse.rules import local, packs

    frame = pd.DataFrame([{
        "rule_id": r.rule_id, "title": r.title, "family": r.family, "severity": r.severity,
        "applies_to": r.applies_to, "clause_id": r.clause.clause_id, "clause_body": r.clause.body,
        "clause_document": r.clause.document, "clause_url": r.clause.url,
        "clause_excerpt": r.clause.excerpt, "explanation": r.explanation,
        "engine_version": packs.ENGINE_VERSION,
    } for r in packs.RULES + local.LOCAL_RULES])
    con.register("frame", frame)
    con.execute("CREATE TABLE staging.stg_rules AS SELECT * FROM frame")
    con.unregister("frame")


def _enabling_practice_columns() -> str:
    from warehouse.rules import enabling

    return enabling.practice_columns("text")


def _disclaimer_pattern() -> str:
    from warehouse.enrich import sql_string
    from warehouse.rules import local

    return sql_string(local.DISCLAIMER_PATTERN)


TEMPLATES: dict[str, Callable[[], str]] = {
    "disclaimer_pattern": _disclaimer_pattern,
    "enabling_practice_columns": _enabling_practice_columns,
    "guideline_flags": _guideline_flags,
    "question_annotations": _question_annotations,
    "self_role_columns": _self_role_columns,
    "role_text_gate": _role_text_gate,
}
def make_review_decisions(con) -> None:
    """staging.stg_review_decisions: review decisions read from the operational store."""
    from warehouse import reviews

    reviews.make_review_decisions_table(con)


PYTHON_TABLES: list[Callable] = [make_service_calendars, make_rules_table, make_review_decisions]
