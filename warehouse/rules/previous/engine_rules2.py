"""FROZEN copy of the rules-2 engine (do not edit): kept so that ``python -m warehouse evaluate
--rules`` can score the previous packs beside the current ones without git.

Compile the rule packs to one DuckDB SELECT: one row per (post, rule) hit, with evidence.

The SELECT reads the relation once. Each rule is a ``CASE`` (evaluated lazily, so a rule's
later patterns run only where its first one matched) producing a struct or NULL; the non-NULL
structs are unnested into rows. Patterns are code constants embedded as SQL string literals
(a constant pattern is compiled once by DuckDB).

NHS numbers (Modulus 11, NHS Data Dictionary): the 9 leading digits are weighted 10..2 and
summed; check = 11 - (sum mod 11), 11 means 0 and 10 means the number is invalid. All-same-digit
numbers and numbers starting 999 (test numbers) are rejected, as are numbers with a "+44"/"(0)"
phone prefix. Numbers in the Scottish CHI range (0101000000-3112999999) must also start with a
real DDMMYY date, as the ``nhs-number`` package requires.
"""
from __future__ import annotations

import pandas as pd

from warehouse.enrich import relation_name, scratch_connection, sql_string
from warehouse.rules.previous.packs_rules2 import RULES, STAFF_ROLES, Rule

_DIGITS = r"[^0-9]"


def nhs_valid_sql(digits: str) -> str:
    """SQL boolean: ``digits`` (an expression of 10 ASCII digits) is a valid NHS number."""
    def d(i: int) -> str:
        return f"(ascii(substr({digits}, {i}, 1)) - 48)"

    total = " + ".join(f"{d(i + 1)} * {10 - i}" for i in range(9))
    return (f"(length({digits}) = 10 AND (11 - (({total}) % 11)) % 11 = {d(10)}"
            f" AND {digits} <> repeat(substr({digits}, 1, 1), 10) AND NOT starts_with({digits}, '999')"
            f" AND (NOT ({digits} BETWEEN '0101000000' AND '3112999999')"
            f" OR try_strptime(substr({digits}, 1, 6), '%d%m%y') IS NOT NULL))")


def _nhs_evidence(rule: Rule, text: str) -> str:
    """SQL: the first candidate span that is a valid NHS number, else NULL."""
    candidates = f"regexp_extract_all({text}, {sql_string(rule.detector.pattern)})"
    digits = f"regexp_replace(x, {sql_string(_DIGITS)}, '', 'g')"
    keep = f"NOT regexp_matches(x, '^[+(]') AND {nhs_valid_sql(digits)}"
    return f"list_filter({candidates}, lambda x: {keep})[1]"


def _hit(rule: Rule, text: str, staff: str) -> str:
    det = rule.detector
    struct = (f"{{'rule_id': {sql_string(rule.rule_id)}, 'family': {sql_string(rule.family)}, "
              f"'severity': {sql_string(rule.severity)}, 'evidence': %s}}")
    conditions = [staff] if rule.applies_to == "staff" else []
    if det.kind == "regex":
        conditions.append(f"regexp_matches({text}, {sql_string(det.pattern)})")
        conditions += [f"regexp_matches({text}, {sql_string(p)})" for p in det.requires]
        if det.unless:
            conditions.append(f"NOT regexp_matches({text}, {sql_string(det.unless)})")
        evidence = f"regexp_extract({text}, {sql_string(det.pattern)})"
        # nested CASEs: DuckDB evaluates a CASE's branches lazily, an AND chain it may not
        expr = f"{struct % evidence}"
        for condition in reversed(conditions):
            expr = f"CASE WHEN {condition} THEN {expr} END"
        return expr
    if det.kind == "nhs_number":
        # gate on a cheap pattern, then extract and validate candidates
        gate = f"regexp_matches({text}, '\\d{{3}}[ -]?\\d{{3}}[ -]?\\d{{4}}')"
        evidence = _nhs_evidence(rule, text)
        inner = f"CASE WHEN {evidence} IS NOT NULL THEN {struct % evidence} END"
        expr = f"CASE WHEN {gate} THEN {inner} END"
        if rule.applies_to == "staff":
            expr = f"CASE WHEN {staff} THEN {expr} END"
        return expr
    raise ValueError(f"unknown detector kind {det.kind!r} in {rule.rule_id}")


def flags_sql(relation: str, rules: tuple[Rule, ...] = RULES) -> str:
    """A SELECT over ``relation`` (columns platform, post_id, author_role, text) yielding one row
    per (post, rule) hit: platform, post_id, rule_id, family, severity, evidence."""
    relation = relation_name(relation)
    staff = "author_role IN (" + ", ".join(sql_string(r) for r in STAFF_ROLES) + ")"
    hits = ",\n    ".join(_hit(r, "text", staff) for r in rules)
    return f"""WITH hits AS (
  SELECT platform, post_id, list_filter([
    {hits}
  ], lambda x: x IS NOT NULL) AS h
  FROM {relation}
  WHERE text IS NOT NULL
), flat AS (
  SELECT platform, post_id, unnest(h) AS f FROM hits WHERE len(h) > 0
)
SELECT platform, post_id, f.rule_id AS rule_id, f.family AS family, f.severity AS severity,
       f.evidence AS evidence
FROM flat"""


def flag_texts(rows, rules: tuple[Rule, ...] = RULES) -> pd.DataFrame:
    """Run :func:`flags_sql` over ``rows`` in a scratch DuckDB, for tests and the UI's "why".

    ``rows``: a DataFrame with platform, post_id, author_role, text, or an iterable of such
    dicts/tuples, or of plain strings (then post_id is the position, author_role 'professional').
    """
    if isinstance(rows, pd.DataFrame):
        frame = rows[["platform", "post_id", "author_role", "text"]].copy()
    else:
        rows = list(rows)
        if all(isinstance(r, str) for r in rows):
            frame = pd.DataFrame({"platform": "test", "post_id": [str(i) for i in range(len(rows))],
                                  "author_role": "professional", "text": rows})
        else:
            frame = pd.DataFrame(rows, columns=["platform", "post_id", "author_role", "text"])
    frame = frame.astype({"platform": "string", "post_id": "string", "author_role": "string", "text": "string"})
    con = scratch_connection()
    try:
        con.register("rule_input", frame)
        out = con.sql(flags_sql("rule_input", rules) + "\nORDER BY platform, post_id, rule_id").df()
    finally:
        con.close()
    return out
