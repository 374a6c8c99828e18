"""What the build fills in from code: SQL fragments generated from rule constants
(``{{ name }}`` in a model) and small tables made in Python before the models run.

Both exist for rules that are clearer as Python data (classifier cues, role cues, service
calendars with bank holidays) than as hand-written SQL; the values in them are code
constants, never user input.
"""
from __future__ import annotations

from datetime import date, timedelta
from dataclasses import dataclass
from typing import Callable

import pandas as pd

from store import config, reviews
from warehouse import handles, measures, service_time, spc_build
from warehouse.enrich import questions, roles, sql_string
from warehouse.rules import clauses, enabling, engine, local, packs

NATION_CODES = measures.NATION_CODES  # the one definition is in warehouse.measures

def _question_annotations() -> str:
    """The question classifier (cues and the learned model's weights, as literals: the memo
    version of int_questions hashes this SQL, so it follows the model's version)."""
    return questions.annotate_sql("public_posts")

# Every self-description cue that reads post text (roles.TEXT_CUES) needs one of these
# words; a post without one cannot describe its author, so only bios are read for it.
# tests/test_threads_roles.py checks the gate against every text cue's examples.
ROLE_TEXT_GATE = (r"(?i)official|hcpc|radiograph|mammograph|sonograph|radiolog|practitioner"
                  r"|monitored|staffed|\bgive\b|\boffer\b|\bprovide\b|\brespond to\b")

def self_role_columns() -> str:
    """SQL select list: ``self_role`` (and its evidence) of an author from ``author_bio`` and
    ``text`` (``int_posts``; the retention purge keeps the profiles it reads)."""
    return roles.role_sql("author_bio", "text")

def role_text_gate() -> str:
    """:data:`ROLE_TEXT_GATE` as a SQL string literal."""
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
    return engine.flags_sql("posts_for_rules")

def make_rules_table(con) -> None:
    """staging.stg_rules (every guideline rule, national and local-policy), stg_rule_clauses
    (rule -> clause families in order of preference) and stg_clauses (the clause register, one
    row per edition with its dates): marts/flags cites, per flag, the edition in force on the
    post's UK day."""

    register = clauses.register()
    rules = packs.RULES + local.LOCAL_RULES
    known = {c.family for c in register}
    for rule in rules:
        unknown = [f for f in rule.clauses if f not in known]
        if unknown:
            raise ValueError(f"{rule.rule_id} cites clause families not in {clauses.REGISTER.name}: {unknown}")
    frames = {
        "stg_rules": pd.DataFrame([{
            "rule_id": r.rule_id, "title": r.title, "family": r.family, "severity": r.severity,
            "applies_to": r.applies_to, "explanation": r.explanation, "engine_version": packs.ENGINE_VERSION,
            "register_version": clauses.digest(),
        } for r in rules]),
        "stg_rule_clauses": pd.DataFrame([{"rule_id": r.rule_id, "preference": i, "clause_family": f}
                                          for r in rules for i, f in enumerate(r.clauses)]),
        "stg_clauses": pd.DataFrame([{
            "clause_id": c.clause_id, "clause_family": c.family, "issuer": c.issuer, "document": c.document,
            "edition": c.edition, "clause_number": c.clause_number or None, "summary": c.summary, "url": c.url,
            "effective_from": c.effective_from, "effective_to": c.effective_to, "verified": c.verified or None,
            "citation": c.citation,
        } for c in register]).astype({"effective_from": "datetime64[s]", "effective_to": "datetime64[s]"}),
    }
    for name, frame in frames.items():
        con.register("frame", frame)
        con.execute(f"CREATE TABLE staging.{name} AS SELECT * FROM frame")
        con.unregister("frame")
    con.execute("ALTER TABLE staging.stg_clauses ALTER effective_from TYPE DATE")
    con.execute("ALTER TABLE staging.stg_clauses ALTER effective_to TYPE DATE")

def _enabling_practice_columns() -> str:
    return enabling.practice_columns("text")

def _disclaimer_pattern() -> str:
    return sql_string(local.DISCLAIMER_PATTERN)

def _answered_within_targets() -> str:
    return measures.target_counts_sql(followed=False)

TEMPLATES: dict[str, Callable[[], str]] = {
    "answered_within_targets": _answered_within_targets,
    # the limits of an automatic reply (warehouse.measures, "answers and acknowledgements")
    "template_min_repeats": lambda: str(int(measures.TEMPLATE_MIN_REPEATS)),
    "template_min_kinds": lambda: str(int(measures.TEMPLATE_MIN_KINDS)),
    "fast_reply_seconds": lambda: str(int(measures.FAST_REPLY_SECONDS)),
    "fast_reply_min_chars": lambda: str(int(measures.FAST_REPLY_MIN_CHARS)),
    "disclaimer_pattern": _disclaimer_pattern,
    "enabling_practice_columns": _enabling_practice_columns,
    "guideline_flags": _guideline_flags,
    "question_annotations": _question_annotations,
    "self_role_columns": self_role_columns,
    "role_text_gate": role_text_gate,
}

def make_review_decisions(con) -> None:
    """staging.stg_review_decisions: every review decision, read from the operational store
    (read-only; an absent store is an empty table)."""
    con.execute("""CREATE TABLE staging.stg_review_decisions (
        id BIGINT, platform VARCHAR, post_id VARCHAR, rule_id VARCHAR, decision VARCHAR,
        note VARCHAR, reviewer VARCHAR, decided_at TIMESTAMPTZ)""")
    frame = reviews.all_decisions()
    if frame.empty:
        return
    con.register("frame", frame)
    try:
        # a Bluesky id recorded before ids were hashed gets the hash the posts have now
        con.execute("INSERT INTO staging.stg_review_decisions SELECT id::BIGINT, platform,"
                    " radsome_hide_did(platform, post_id, $key), rule_id, decision, note, reviewer,"
                    " decided_at::TIMESTAMPTZ FROM frame", {"key": config.pseudonym_key()})
    finally:
        con.unregister("frame")

PYTHON_TABLES: list[Callable] = [handles.make_macros, make_service_calendars, make_rules_table,
                                  make_review_decisions]


@dataclass(frozen=True)
class PythonMart:
    """A published table code makes after the SQL marts (``make(con)`` creates ``main.<name>``),
    with its grain and key, which the build checks as it checks a model's."""

    name: str
    grain: str
    key: tuple[str, ...]
    make: Callable


PYTHON_MARTS: list[PythonMart] = [
    PythonMart(spc_build.NAME, spc_build.GRAIN, spc_build.KEY, spc_build.make_spc_points),
]
