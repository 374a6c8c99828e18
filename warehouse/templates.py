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


def trust_schedules(con) -> dict[str, tuple]:
    """trust_code -> (nation, staffed-hours schedule). Everyone has the default schedule
    (Mon–Fri 08:00–18:00 UK time) and their nation's bank holidays until a trust's local
    policy says otherwise."""
    rows = con.execute("SELECT ods_code, nation FROM raw.ref_trusts").fetchall()
    return {code: (NATION_CODES.get(nation, "ENG"), None) for code, nation in rows}


def make_service_calendars(con) -> None:
    """staging.stg_service_calendar (one row per calendar x UK day), stg_trust_calendars
    (trust -> calendar) and stg_calendars (calendar -> length of a service day), covering the
    posts' whole time span, plus the build connection's service_at() macro."""
    from warehouse import service_time

    first, last = con.execute(
        "SELECT min(created_at), max(created_at) FROM raw.raw_posts"
    ).fetchall()[0]
    today = date.today()
    start = (first.date() if first else today) - timedelta(days=1)
    end = (last.date() if last else today) + timedelta(days=1)
    schedules = trust_schedules(con)
    schedules["__default__"] = ("ENG", None)  # unattributed posts: England's calendar
    keys = service_time.trust_calendar_keys(schedules)
    calendar = service_time.service_calendar(schedules, start, end)
    calendars = pd.DataFrame(
        sorted({(keys[t], service_time.service_day_seconds(s)) for t, (_, s) in schedules.items()}),
        columns=["calendar_key", "service_day_seconds"],
    )
    trusts = pd.DataFrame(sorted(keys.items()), columns=["trust_code", "calendar_key"])
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
    """staging.stg_rules: every guideline rule with its clause, from the rule packs (data)."""
    from warehouse.rules import packs

    frame = pd.DataFrame([{
        "rule_id": r.rule_id, "title": r.title, "family": r.family, "severity": r.severity,
        "applies_to": r.applies_to, "clause_id": r.clause.clause_id, "clause_body": r.clause.body,
        "clause_document": r.clause.document, "clause_url": r.clause.url,
        "clause_excerpt": r.clause.excerpt, "explanation": r.explanation,
        "engine_version": packs.ENGINE_VERSION,
    } for r in packs.RULES])
    con.register("frame", frame)
    con.execute("CREATE TABLE staging.stg_rules AS SELECT * FROM frame")
    con.unregister("frame")


TEMPLATES: dict[str, Callable[[], str]] = {
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
