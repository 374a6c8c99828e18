"""Compile the rule packs to one DuckDB SELECT: one row per (post, rule) hit, with evidence.

The SELECT reads the relation once. Each rule is a ``CASE`` (evaluated lazily, so a rule's
later patterns run only where its first one matched) producing a struct or NULL; the non-NULL
structs are unnested into rows. Patterns are code constants embedded as SQL string literals
(a constant pattern is compiled once by DuckDB).

NHS numbers (Modulus 11, NHS Data Dictionary): the 9 leading digits are weighted 10..2 and
summed; check = 11 - (sum mod 11), 11 means 0 and 10 means the number is invalid. All-same-digit
numbers and numbers starting 999 (test numbers) are rejected, as are numbers with a "+44"/"(0)"
phone prefix. Numbers in the Scottish CHI range (0101000000-3112999999) must also start with a
real DDMMYY date, as the ``nhs-number`` package requires. Candidates come from the text with
full-width digits and odd separators folded to ASCII (:func:`fold_digits_sql`), in any grouping
of whole digit groups (:func:`_nhs_evidence`); the rule's ``requires`` asks for patient context
and ``label_before`` drops ticket/order/invoice numbers.
"""
from __future__ import annotations

import pandas as pd

from warehouse.enrich import relation_name, scratch_connection, sql_string
from warehouse.rules import flag_model, packs
from warehouse.rules.packs import STAFF_ROLES, Rule

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


# Full-width digits and separators, Unicode dashes and spaces -> ASCII (DuckDB has NFC, not
# NFKC, normalisation; these are the characters NFKC would fold that matter for a number).
_FOLD_FROM = ("\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19"
              "\uff0d\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0f\uff0e"
              "\u00a0\u2007\u2009\u202f\u3000")
_FOLD_TO = "0123456789" + "--------" + "/." + "     "
# cheap gate on the raw text: ten digits (ASCII or full-width) with at most one separator between
_NHS_GATE = r"[0-9\x{ff10}-\x{ff19}](?:[^0-9\x{ff10}-\x{ff19}]?[0-9\x{ff10}-\x{ff19}]){9}"


def fold_digits_sql(text: str) -> str:
    """SQL: ``text`` with full-width digits and odd separators folded to ASCII."""
    return f"translate({text}, {sql_string(_FOLD_FROM)}, {sql_string(_FOLD_TO)})"


def fold_digits(text: str) -> str:
    """Python twin of :func:`fold_digits_sql` (for showing evidence against a post's text)."""
    return text.translate(str.maketrans(_FOLD_FROM, _FOLD_TO))


def _nhs_evidence(rule: Rule, text: str) -> str:
    """SQL: the first candidate that is a valid NHS number, else NULL.

    Runs of digit groups are split into their groups (each with its trailing separator); every
    run of whole consecutive groups holding exactly 10 digits is a candidate ("401 023 2137" in
    "NHS 401 023 2137 07700", but never the middle of a longer group). Runs with a phone
    prefix are dropped; a candidate with a non-patient label right before it is dropped."""
    det = rule.detector
    folded = fold_digits_sql(text)
    runs = f"list_filter(regexp_extract_all({folded}, {sql_string(det.pattern)}), lambda r: NOT regexp_matches(r, '^[+(]'))"
    pieces = "regexp_extract_all(r, '[0-9]+[ .\\-/]?')"
    spans = (f"flatten(list_transform(range(1, len(g) + 1), lambda i: list_transform(range(i, len(g) + 1), "
             f"lambda j: rtrim(array_to_string(g[i:j], ''), ' .-/'))))")
    candidates = (f"flatten(list_transform({runs}, lambda r: list_transform([{pieces}], lambda g: "
                  f"list_filter({spans}, lambda c: length(regexp_replace(c, '[^0-9]', '', 'g')) = 10))[1]))")
    digits = "regexp_replace(c, '[^0-9]', '', 'g')"
    keep = nhs_valid_sql(digits)
    if det.label_before:
        before = f"substr({folded}, greatest(1, strpos({folded}, c) - 30), least(strpos({folded}, c) - 1, 30))"
        keep += f" AND NOT regexp_matches({before}, {sql_string(det.label_before)})"
    return f"list_filter({candidates}, lambda c: {keep})[1]"


def _text_conditions(rule: Rule, text: str) -> list[str]:
    """SQL conditions besides the main pattern: requires, any_of (at least min_any), unless."""
    det = rule.detector
    out = [f"regexp_matches({text}, {sql_string(p)})" for p in det.requires]
    if det.any_of:
        count = " + ".join(f"regexp_matches({text}, {sql_string(p)})::INT" for p in det.any_of)
        out.append(f"({count}) >= {det.min_any}")
    if det.unless:
        out.append(f"NOT regexp_matches({text}, {sql_string(det.unless)})")
    return out


def _nest(conditions: list[str], expr: str) -> str:
    # nested CASEs: DuckDB evaluates a CASE's branches lazily, an AND chain it may not
    for condition in reversed(conditions):
        expr = f"CASE WHEN {condition} THEN {expr} END"
    return expr


def _hit(rule: Rule, text: str, staff: str) -> str:
    det = rule.detector
    struct = (f"{{'rule_id': {sql_string(rule.rule_id)}, 'family': {sql_string(rule.family)}, "
              f"'severity': {sql_string(rule.severity)}, 'evidence': %s}}")
    conditions = [staff] if rule.applies_to == "staff" else []
    if det.kind == "regex":
        conditions.append(f"regexp_matches({text}, {sql_string(det.pattern)})")
        conditions += _text_conditions(rule, text)
        return _nest(conditions, struct % f"regexp_extract({text}, {sql_string(det.pattern)})")
    if det.kind == "nhs_number":
        conditions.append(f"regexp_matches({text}, {sql_string(_NHS_GATE)})")
        conditions += _text_conditions(rule, text)
        evidence = _nhs_evidence(rule, text)
        # a NULL evidence (no valid candidate) is dropped with the non-hits in flags_sql
        return _nest(conditions, struct % evidence)
    raise ValueError(f"unknown detector kind {det.kind!r} in {rule.rule_id}")


def _learned(rules: tuple[Rule, ...], staff: str, model: flag_model.FlagModel | None) -> str:
    """CTEs (starting with ",") adding ``learned``: one struct per (staff post, family) that a
    learned rule flags and no regex rule of its family did; empty when no learned rule is on."""
    learned = [r for r in rules if r.detector.kind == "learned"]
    if not learned:
        return ""
    model = model or flag_model.load()
    by_family = {r.detector.pattern: r for r in learned}
    unknown = set(by_family) - set(model.families)
    if unknown:
        raise ValueError(f"learned rules for families the flag model does not have: {sorted(unknown)}")
    rule_of = " ".join(f"WHEN {sql_string(f)} THEN {{'rule_id': {sql_string(r.rule_id)}, "
                       f"'severity': {sql_string(r.severity)}}}" for f, r in sorted(by_family.items()))
    scores = flag_model.scores_sql("__f_in", "__f_row", "__f_text", "__f_rules", model, tuple(sorted(by_family)))
    return f""", __f_in AS (
  SELECT row_number() OVER () AS __f_row, platform, post_id, {flag_model.clean_sql("text")} AS __f_text,
         list_transform(h, lambda x: x.rule_id) AS __f_rules, list_transform(h, lambda x: x.family) AS __f_families
  FROM hits WHERE {staff}
), __f_scores AS (
  {scores}
), learned AS (
  SELECT i.platform, i.post_id, CASE s.family {rule_of} END AS r, s.family, s.evidence
  FROM __f_scores s JOIN __f_in i USING (__f_row)
  WHERE NOT list_contains(i.__f_families, s.family)
)"""


def flags_sql(relation: str, rules: tuple[Rule, ...] | None = None,
              model: flag_model.FlagModel | None = None) -> str:
    """A SELECT over ``relation`` (columns platform, post_id, author_role, text) yielding one row
    per (post, rule) hit: platform, post_id, rule_id, family, severity, evidence.

    Regex and NHS-number rules run on every post (staff-only ones on staff posts); the learned
    rules (:mod:`warehouse.rules.flag_model`) on staff posts, after them."""
    relation = relation_name(relation)
    rules = packs.RULES if rules is None else rules  # read at call time: the build's memo version follows it
    staff = "author_role IN (" + ", ".join(sql_string(r) for r in STAFF_ROLES) + ")"
    hits = ",\n    ".join(_hit(r, "text", staff) for r in rules if r.detector.kind != "learned")
    learned = _learned(rules, staff, model)
    union = ("\nUNION ALL\nSELECT platform, post_id, r.rule_id, family, r.severity, evidence FROM learned"
             if learned else "")
    return f"""WITH hits AS MATERIALIZED (
  SELECT platform, post_id, author_role, text, list_filter([
    {hits or "NULL"}
  ], lambda x: x.evidence IS NOT NULL) AS h
  FROM {relation}
  WHERE text IS NOT NULL
), flat AS (
  SELECT platform, post_id, unnest(h) AS f FROM hits WHERE len(h) > 0
){learned}
SELECT platform, post_id, f.rule_id AS rule_id, f.family AS family, f.severity AS severity,
       f.evidence AS evidence
FROM flat{union}"""


def flag_texts(rows, rules: tuple[Rule, ...] | None = None, model: flag_model.FlagModel | None = None) -> pd.DataFrame:
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
        out = con.sql(f"SELECT * FROM ({flags_sql('rule_input', rules, model)})\nORDER BY platform, post_id, rule_id").df()
    finally:
        con.close()
    return out
