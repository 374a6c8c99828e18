"""Is a post a patient question (DESIGN.md "Patient question"), and on which topic?

Two steps, both in SQL run by DuckDB (the build, evaluation, tests and the UI's "why" all run
the same SQL):

1. The transparent cues of :mod:`warehouse.enrich.question_cues` (named RE2 patterns with
   weights; links read as `` URL ``, "？" as "?") give ``rule_cues`` and ``rule_score``. Until
   ``questions-1`` they were the classifier: a post asked when ``rule_score`` reached
   :data:`THRESHOLD`. ``annotate_sql(..., previous=True)`` keeps that version for comparison.
2. The learned linear model of :mod:`warehouse.enrich.question_model` reads the words, word
   pairs and those cues and decides whether the post **asks** (``ask_score``) and whether what
   it asks is **about health care** (``health_score``). A patient question asks, is about
   health care and is not a retweet (someone else's words). ``question_cues`` says why in
   words a manager reads ("asks: says they are wondering", "health care: \"mammogram\""), and
   holds ``retweet`` for a retweet.

The topic is the topic whose cues score highest (ties go to the earlier topic in
:data:`TOPIC_CUES`), ``other`` when none match; only questions get one. A patient question
also needs a patient_public author: the build classifies only those posts.

:func:`version` names the classifier: ``questions-3+<model version>``. ``python -m warehouse
evaluate`` reports precision and recall on labelled text beside the previous version.
"""
from __future__ import annotations

import pandas as pd

from warehouse.enrich import (Cue, StagedColumns, chunks, identifier, matched_names, relation_name,
                              scratch_connection, sql_number, sql_string, union_pattern, weighted_sum)
from warehouse.enrich import question_model
# The cue lists are re-exported: tests and evaluation read them from here.
from warehouse.enrich.question_cues import (_QUESTION_GROUPS, _REQUIRES, ASKING_CUES, COUNTER_CUES,  # noqa: F401
                                            OPENER_CUES, POSITIVE_CUES, QUESTION_CUES, REQUEST_CUES, SHARING_CUES,
                                            TOPIC_CUES, TOPICS)

__all__ = ["ASKING_CUES", "COUNTER_CUES", "OPENER_CUES", "OUTPUT_COLUMNS", "POSITIVE_CUES", "QUESTION_CUES",
           "REQUEST_CUES", "RULES_VERSION", "SHARING_CUES", "THRESHOLD", "TOPICS", "TOPIC_CUES", "annotate_sql",
           "classify", "cue_matches", "feature_lists", "version"]

RULES_VERSION = "questions-1"  # the cue rules alone (annotate_sql(previous=True))
THRESHOLD = 1.0  # ... and their threshold on rule_score

OUTPUT_COLUMNS = ("rule_score", "rule_cues", "ask_score", "asks", "health_score", "about_health", "is_question",
                  "question_cues", "topic", "topic_cues")
# Links become " URL ": a "?" in a query string asks nothing. Only texts with "://" or "www."
# can hold one ("Www." aside), which a plain substring test finds far faster than the regex.
_URL = r"(?i)(?:https?://|www\.)\S+"


def version(model: question_model.Model | None = None) -> str:
    """``questions-3+<model version>``: changes with any change of the model artefact."""
    return f"questions-3+{(model or question_model.load()).version}"


_TOPICS_PER_GATE = 3  # topics are looked for a few at a time


def _question_hits(plan: StagedColumns) -> list[tuple[str, Cue]]:
    """Stage 0: any asking cue; 1: group gates; 2: sub-group gates; 3: cues."""
    # Every asking cue needs a "?", so the union scan is only needed for posts without one.
    others = [cue for cue in POSITIVE_CUES if cue not in ASKING_CUES]
    any_ = plan.add(0, "__q_any", "CASE WHEN contains(__q_text, '?') THEN true ELSE "
                                  f"regexp_matches(__q_text, {sql_string(union_pattern(others))}) END")
    hits = []
    for group, cues, how, part_size in _QUESTION_GROUPS:
        if how == "union":
            gate = plan.look(1, f"__q_g_{group}", any_, union_pattern(cues))
        elif how:
            gate = plan.add(1, f"__q_g_{group}", f"({any_} AND contains(__q_text, {sql_string(how)}))")
        else:
            gate = any_
        parts = chunks(cues, part_size) if part_size else [cues]
        for n, part in enumerate(parts):
            sub = plan.look(2, f"__q_g_{group}_{n}", gate, union_pattern(part)) if len(parts) > 1 else gate
            for cue in part:
                cue_gate = f"({sub} AND contains(__q_text, {sql_string(_REQUIRES[cue.name])}))" \
                    if cue.name in _REQUIRES else sub
                hits.append((plan.look(3, f"__q_{len(hits)}", cue_gate, cue.pattern), cue))
    return hits


def _topic_hits(plan: StagedColumns, is_question: str) -> dict[str, list[tuple[str, Cue]]]:
    """Stage 5: gates for a few topics at a time; 6: topic gates; 7: cues (questions only)."""
    topics = list(TOPIC_CUES.items())
    hits: dict[str, list[tuple[str, Cue]]] = {}
    for n, part in enumerate(chunks(topics, _TOPICS_PER_GATE)):
        part_gate = plan.look(5, f"__t_g{n}", is_question, union_pattern([c for _, cues in part for c in cues])) \
            if len(part) > 1 and _TOPICS_PER_GATE < len(topics) else is_question
        for topic, cues in part:
            k = len(hits)
            gate = plan.look(6, f"__t_g{n}_{k}", part_gate, union_pattern(cues))
            hits[topic] = [(gate, cues[0])] if len(cues) == 1 else \
                [(plan.look(7, f"__t_{k}_{j}", gate, cue.pattern), cue) for j, cue in enumerate(cues)]
    return hits


def _chain(plan: StagedColumns, prefix: str, source: str, materialize_last: bool = False) -> tuple[str, str]:
    """The CTEs of a staged plan (empty stages skipped), each reading the previous one:
    (SQL starting with ",", the last CTE's name)."""
    stages = [cols for cols in plan.stages if cols]
    names = [f"{prefix}{n}" for n in range(len(stages))]
    sql = "".join(
        f",\n{name} AS {'MATERIALIZED ' if materialize_last and name == names[-1] else ''}(\n    SELECT *,\n        "
        + ",\n        ".join(cols) + f"\n    FROM {source if n == 0 else names[n - 1]}\n)"
        for n, (name, cols) in enumerate(zip(names, stages)))
    return sql, names[-1]


def _rules(relation: str, text_column: str, materialize: bool) -> tuple[str, str, list[str]]:
    """CTEs from the relation to ``rule_score``/``rule_cues``: (SQL, last CTE, helper columns).

    For speed, counter-cues are looked for only in posts where some asking cue matched
    (elsewhere they could not make the rules ask: such posts have no cues), and patterns are
    looked for in groups: a group's cues only where the union of its patterns matches, which
    gives the same result as looking for each cue everywhere.
    """
    raw = f"coalesce(CAST({text_column} AS VARCHAR), '')"
    plan = StagedColumns("__q_text")
    hits = _question_hits(plan)
    plan.add(4, "rule_score", f"CASE WHEN __q_any THEN {weighted_sum(hits)} ELSE 0.0 END")
    plan.add(4, "rule_cues", f"CASE WHEN __q_any THEN {matched_names(hits)} ELSE []::VARCHAR[] END")
    stages, last = _chain(plan, "__q_s", "__q_norm", materialize_last=materialize)
    sql = f"""WITH __q_clean AS (
    SELECT *, row_number() OVER () AS __q_row,
        CASE WHEN contains({raw}, '://') OR contains({raw}, 'www.') OR contains({raw}, 'WWW.')
             THEN regexp_replace({raw}, {sql_string(_URL)}, ' URL ', 'g') ELSE {raw} END AS __q_text0
    FROM {relation}
),
__q_norm AS (  -- a full-width question mark counts as "?"
    SELECT * EXCLUDE (__q_text0), replace(__q_text0, '？', '?') AS __q_text
    FROM __q_clean
){stages}"""
    return sql, last, [h for h in plan.helpers if h not in ("rule_score", "rule_cues")]


def _model(source: str, model: question_model.Model) -> tuple[str, str]:
    """CTEs adding ask_score, asks, health_score, about_health, is_question and question_cues."""
    reasons = question_model.reasons_sql
    ask, health = question_model.decision_sql(model, "ask", "ask_score"), \
        question_model.decision_sql(model, "health", "health_score")
    sql = f""",
__m_f AS (
    {question_model.feature_sql(source, "__q_row", "__q_text", "rule_cues", keys=True)}
),
__m_s AS (
    {question_model.score_sql("__m_f", "__q_row", model)}
),
__m_j AS (
    SELECT q.*, s.* EXCLUDE (__q_row, __m_ask, __m_health),
        round({question_model.intercept_sql(model, "ask")} + coalesce(s.__m_ask, 0.0), 6) AS ask_score,
        round({question_model.intercept_sql(model, "health")} + coalesce(s.__m_health, 0.0), 6) AS health_score
    FROM {source} q LEFT JOIN __m_s s USING (__q_row)
),
__m_d AS (
    SELECT *, {ask} AS asks, {health} AS about_health,
        {ask} AND {health} AND NOT list_contains(rule_cues, 'retweet') AS is_question
    FROM __m_j
),
__m_w AS (
    SELECT *, list_concat(
        CASE WHEN list_contains(rule_cues, 'retweet') THEN ['retweet'] ELSE []::VARCHAR[] END,
        CASE WHEN asks THEN {reasons("asks: ", "__m_ask_for")}
             ELSE {reasons("does not ask: ", "", "__m_ask_against")} END,
        CASE WHEN NOT asks THEN []::VARCHAR[]
             WHEN about_health THEN {reasons("health care: ", "__m_health_for")}
             ELSE {reasons("not health care: ", "", "__m_health_against")} END
    ) AS question_cues
    FROM __m_d
)"""
    return sql, "__m_w"


def _previous(source: str) -> tuple[str, str]:
    """The previous version's verdict (questions-1): the cue rules alone."""
    asks = f"(rule_score >= {sql_number(THRESHOLD)})"
    return f""",
__m_w AS (
    SELECT *, rule_score AS ask_score, {asks} AS asks, CAST(NULL AS DOUBLE) AS health_score,
        CAST(NULL AS BOOLEAN) AS about_health, {asks} AS is_question, rule_cues AS question_cues
    FROM {source}
)""", "__m_w"


def annotate_sql(relation: str, text_column: str = "text", *, previous: bool = False,
                 model: question_model.Model | None = None) -> str:
    """A SELECT over ``relation`` with all its columns plus :data:`OUTPUT_COLUMNS`.

    ``previous=True`` gives the previous version (questions-1, the cue rules alone: ask_score
    is rule_score, health_score NULL). ``topic``/``topic_cues`` are NULL except for questions.

    ``relation`` and ``text_column`` are identifiers from code (checked); the cue patterns and
    the model's weights are code constants embedded as literals, so DuckDB compiles each
    pattern once and the build's memo version follows the model. No user value enters.
    """
    relation, text_column = relation_name(relation), identifier(text_column)
    model = None if previous else (model or question_model.load())
    rules, last, helpers = _rules(relation, text_column, materialize=not previous)
    scored, last = _previous(last) if previous else _model(last, model)
    topic_plan = StagedColumns("__q_text")
    t_hits = _topic_hits(topic_plan, "is_question")
    scores = ", ".join(weighted_sum(h) for h in t_hits.values())
    topic_plan.add(8, "__q_tscores", f"CASE WHEN is_question THEN [{scores}] END")
    topic_plan.add(9, "__q_tpos",
                   "CASE WHEN list_max(__q_tscores) > 0 THEN list_position(__q_tscores, list_max(__q_tscores)) END")
    names = " ".join(f"WHEN {k} THEN {matched_names(h)}" for k, h in enumerate(t_hits.values(), 1))
    topic_plan.add(10, "__q_tcues", f"CASE __q_tpos {names} END")  # the winning topic's cues only
    topics_sql, last = _chain(topic_plan, "__t_s", last)
    topics = "[" + ", ".join(sql_string(t) for t in TOPICS) + "]"
    internal = ["__q_text", "__q_row", *helpers, *topic_plan.helpers]
    if not previous:
        internal += ["__m_ask_for", "__m_ask_against", "__m_health_for", "__m_health_against"]
    label = RULES_VERSION if previous else version(model)
    return f"""-- question classifier {label}
{rules}{scored}{topics_sql}
SELECT * EXCLUDE ({", ".join(internal + list(OUTPUT_COLUMNS[:-2]))}),
    {", ".join(OUTPUT_COLUMNS[:-2])},
    CASE WHEN is_question THEN coalesce({topics}[__q_tpos], 'other') END AS topic,
    CASE WHEN is_question THEN coalesce(__q_tcues, []::VARCHAR[]) END AS topic_cues
FROM {last}
"""


def _texts_table(con, texts: list[str]) -> None:
    frame = pd.DataFrame({"i": range(len(texts)), "text": pd.Series(list(texts), dtype=object)})
    con.register("__texts", frame)
    con.execute("CREATE TABLE texts AS SELECT i, CAST(text AS VARCHAR) AS text FROM __texts")
    con.unregister("__texts")


def classify(texts: list[str], *, previous: bool = False, model: question_model.Model | None = None) -> pd.DataFrame:
    """Run :func:`annotate_sql` over ``texts`` in an in-memory DuckDB (evaluation, tests, the UI's "why").

    One row per text, in order: ``text`` and :data:`OUTPUT_COLUMNS`.
    """
    con = scratch_connection()
    try:
        _texts_table(con, texts)
        out = con.execute(f"SELECT * FROM ({annotate_sql('texts', previous=previous, model=model)}) ORDER BY i").df()
    finally:
        con.close()
    return out.drop(columns="i").reset_index(drop=True)


def feature_lists(texts: list[str]) -> list[list[str]]:
    """Each text's model features, cut by the same SQL the build runs (training reads these)."""
    con = scratch_connection()
    try:
        _texts_table(con, texts)
        rules, last, _ = _rules("texts", "text", materialize=True)
        rows = con.execute(f"""{rules},
__m_f AS ({question_model.feature_sql(last, "__q_row", "__q_text", "rule_cues")})
SELECT t.i, coalesce(list(f.f) FILTER (WHERE f.f IS NOT NULL), []::VARCHAR[]) FROM {last} t LEFT JOIN __m_f f USING (__q_row)
GROUP BY t.i ORDER BY t.i""").fetchall()
    finally:
        con.close()
    return [sorted(features) for _, features in rows]


def cue_matches(cue: Cue, texts: list[str]) -> list[bool]:
    """Whether one cue's pattern matches each text, prepared as in the SQL (links blanked, "？" as "?")."""
    con = scratch_connection()
    try:
        rows = con.execute(
            f"SELECT regexp_matches(replace(regexp_replace(t, {sql_string(_URL)}, ' URL ', 'g'), '？', '?'), "
            f"{sql_string(cue.pattern)}) "
            "FROM unnest($texts) WITH ORDINALITY AS u(t, n) ORDER BY n",
            {"texts": list(texts)},
        ).fetchall()
    finally:
        con.close()
    return [bool(r[0]) for r in rows]
