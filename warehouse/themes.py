"""The build's themes step: themes of patient questions, their best answers and the tables
that publish them (issue #19). Runs after the SQL models (it reads ``patient_questions``,
``posts`` and ``flag_reviews``) and before the key checks.

What persists between builds lives in the published warehouse's ``memo`` schema (never shown to
readers), as the memoised models' rows do (:mod:`warehouse.build`):

- ``memo.theme_definitions``: every theme ever made (``status`` active or retired): id, topic,
  centroid (JSON term -> weight), generated label, created_at, medoid text key;
- ``memo.theme_assignments``: each question's generated theme, with its text key.

The next build reads them from the previous warehouse (attached as ``prev``); with none (a
first build, a rebuild from nothing) themes are made afresh from the same data in the same
way, so their ids are the same (:mod:`warehouse.theme_model`). The themes register in force
(``raw.theme_register_current``) is applied on top (:mod:`warehouse.theme_register`).

Published (docs/warehouse.md): ``question_theme_members`` (each patient question's theme),
``theme_answers`` (each answered question's answer with its score and components),
``question_themes`` (one row per theme) and ``daily_theme_counts`` (the pre-aggregate).
"""
from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
from scipy import sparse

from warehouse import stats, theme_answers, theme_register
from warehouse.theme_model import Question, Theme, theme_topic
from warehouse.theme_text import label_word, terms

TABLES = ("question_theme_members", "theme_answers", "question_themes", "daily_theme_counts")
KEYS = {"question_theme_members": ("platform", "post_id"), "theme_answers": ("platform", "question_post_id"),
        "question_themes": ("theme_id",),
        "daily_theme_counts": ("day", "platform", "region_code", "trust_code", "theme_id")}

QUESTIONS_SQL = """
SELECT q.platform, q.post_id, q.topic, q.author_key, q.trust_code, q.region_code, q.asked_at, p.text
FROM main.patient_questions q
JOIN main.posts p USING (platform, post_id)
ORDER BY q.platform, q.post_id
"""
ANSWERS_SQL = """
WITH reviewed AS (
    SELECT platform, post_id,
           bool_or(status <> 'dismissed') AS flagged,
           bool_or(status = 'dismissed') AS endorsed
    FROM main.flag_reviews
    GROUP BY ALL
)
SELECT q.platform, q.post_id AS question_post_id, q.answered_by_post_id AS post_id, q.answered_by_role,
       q.response_seconds, q.answer_signposting IS NOT NULL AS signposting,
       q.answer_compassion IS NOT NULL AS compassion, a.text,
       coalesce(r.flagged, false) AS flagged, coalesce(r.endorsed, false) AS endorsed
FROM main.patient_questions q
JOIN main.posts a ON a.platform = q.platform AND a.post_id = q.answered_by_post_id
LEFT JOIN reviewed r ON r.platform = q.platform AND r.post_id = q.answered_by_post_id
WHERE q.is_answered
ORDER BY q.platform, q.post_id
"""


def make_theme_tables(con, previous: str | None) -> dict[str, int]:
    """Theme every patient question, rank the answers, publish the four tables and store the
    definitions for the next build; returns each published table's rows. ``previous``: the
    catalog of the previous warehouse (``prev``), or None."""
    now = con.execute("SELECT max(created_at) FROM main.posts").fetchall()[0][0]
    questions = con.execute(QUESTIONS_SQL).df()
    defs, kept = _previous(con, previous)
    known = {t.theme_id for t in defs}
    by_topic, results = {}, {}
    for topic, group in questions.groupby("topic", sort=True):
        by_topic[topic] = [Question((p, i), t or "", a or "") for p, i, t, a in
                           zip(group["platform"], group["post_id"], group["text"], group["author_key"])]
        results[topic] = theme_topic(topic, by_topic[topic], defs, kept, known, now)
    themes = [t for t in defs if t.topic not in results] + [t for r in results.values() for t in r.themes]
    base_of = {k: v for r in results.values() for k, v in r.theme_of.items()}
    register, version = _register(con)
    applied = theme_register.apply(
        register, {t.theme_id: (t.topic, t.label) for t in themes if t.status == "active"}, base_of,
        {q.key: q.text for qs in by_topic.values() for q in qs})
    members = _members(questions, results, applied, base_of)
    answers = _answers(con, questions, results, applied, base_of, themes)
    _store_definitions(con, themes, by_topic, base_of)
    _publish(con, "question_theme_members", members)
    _publish(con, "theme_answers", answers)
    _publish_summary(con, applied, themes, version)
    con.execute(DAILY_SQL)
    return {name: con.execute(f"SELECT count(*) FROM main.{name}").fetchall()[0][0] for name in TABLES}


# --- what the previous build left --------------------------------------------------------------

def _previous(con, previous: str | None) -> tuple[list[Theme], dict[tuple, tuple[str, str]]]:
    """The previous build's theme definitions and assignments; none when there is no previous
    build or it has no themes (built before themes existed)."""
    if previous is None:
        return [], {}
    try:
        rows = con.execute(f"SELECT theme_id, topic, centroid, label, created_at, status, medoid_key"
                           f" FROM {previous}.memo.theme_definitions ORDER BY theme_id").fetchall()
        kept = con.execute(f"SELECT platform, post_id, text_key, base_theme_id"
                           f" FROM {previous}.memo.theme_assignments").fetchall()
    except duckdb.CatalogException:  # built before themes existed
        return [], {}
    defs = [Theme(i, t, json.loads(c), lab, at, s, m) for i, t, c, lab, at, s, m in rows]
    return defs, {(p, i): (k, b) for p, i, k, b in kept if b is not None}


def _register(con) -> tuple[list[dict], int | None]:
    rows = con.execute("SELECT action, theme_id, themes, into_theme_id, label, parts"
                       " FROM raw.theme_register_current ORDER BY seq").fetchall()
    version = con.execute("SELECT max(load_version) FROM raw.theme_register_loads").fetchall()[0][0]
    return theme_register.entries_from_rows(rows), version


# --- the published rows --------------------------------------------------------------------

def _members(questions: pd.DataFrame, results, applied, base_of) -> pd.DataFrame:
    similarity = {k: v for r in results.values() for k, v in r.similarity.items()}
    keys = list(zip(questions["platform"], questions["post_id"]))
    return pd.DataFrame({
        "platform": questions["platform"], "post_id": questions["post_id"],
        "theme_id": [applied.theme_of.get(k) for k in keys],
        "base_theme_id": [base_of.get(k) for k in keys],
        "topic": questions["topic"], "trust_code": questions["trust_code"],
        "region_code": questions["region_code"], "asked_at": questions["asked_at"],
        "similarity": [similarity.get(k) for k in keys],
    }).astype({"theme_id": "string", "base_theme_id": "string", "similarity": "float64"})  # VARCHAR even when empty


def _answers(con, questions, results, applied, base_of, themes) -> pd.DataFrame:
    """One row per answered, themed question: its answer's components, score and rank in the
    theme (1 = best; flagged answers rank after every unflagged one)."""
    frame = con.execute(ANSWERS_SQL).df()
    keys = list(zip(frame["platform"], frame["question_post_id"]))
    frame["theme_id"] = [applied.theme_of.get(k) for k in keys]
    frame["base_theme_id"] = [base_of.get(k) for k in keys]
    frame = frame[frame["theme_id"].notna()].reset_index(drop=True)
    about = questions.set_index(["platform", "post_id"])[["topic", "trust_code", "region_code", "asked_at"]]
    frame = frame.join(about, on=["platform", "question_post_id"])
    frame["relevance"] = 0.0
    centroid_of = {t.theme_id: t.centroid for t in themes}
    for topic, group in frame.groupby("topic", sort=True):
        frame.loc[group.index, "relevance"] = _relevance(group, results[topic], centroid_of)
    parts = [theme_answers.components(*row) for row in zip(
        frame["relevance"], frame["signposting"], frame["compassion"], frame["response_seconds"],
        frame["flagged"], frame["endorsed"])]
    out = frame[["platform", "question_post_id", "post_id", "theme_id", "topic", "trust_code", "region_code",
                 "asked_at", "answered_by_role", "response_seconds"]].copy()
    for name in theme_answers.COMPONENTS:
        out[name] = [p[name] for p in parts]
    out["score"] = [theme_answers.score(p) for p in parts]
    out["is_good"] = [theme_answers.is_good(p) for p in parts]
    out = out.sort_values(["theme_id", "no_flag", "score", "response_seconds", "platform", "post_id"],
                          ascending=[True, False, False, True, True, True], kind="stable")
    out["rank"] = (out.groupby("theme_id").cumcount() + 1).astype("int64")
    # ids stay VARCHAR when no question was themed (an empty column would be DOUBLE)
    return out.reset_index(drop=True).astype({"theme_id": "string"})


def _relevance(group: pd.DataFrame, result, centroid_of) -> np.ndarray:
    """Mean cosine of each answer with its question and with its generated theme's centroid."""
    answers = result.vectoriser.transform([terms(t) for t in group["text"]])
    questions = result.matrix[[result.vectors[k] for k in zip(group["platform"], group["question_post_id"])]]
    bases = sorted(set(group["base_theme_id"]))
    centroids = sparse.vstack([result.vectoriser.vector(centroid_of.get(b, {})) for b in bases])
    row = {b: i for i, b in enumerate(bases)}
    per_answer = centroids[[row[b] for b in group["base_theme_id"]]]
    with_question = np.asarray(answers.multiply(questions).sum(axis=1)).ravel()
    with_centroid = np.asarray(answers.multiply(per_answer).sum(axis=1)).ravel()
    return 0.5 * with_question + 0.5 * with_centroid


def _publish(con, name: str, frame: pd.DataFrame) -> None:
    con.register("theme_frame", frame)
    try:
        con.execute(f"CREATE TABLE main.{name} AS SELECT * FROM theme_frame")
    finally:
        con.unregister("theme_frame")


def _publish_summary(con, applied, themes, version) -> None:
    base = {t.theme_id: t for t in themes}
    frame = pd.DataFrame([{
        "theme_id": f.theme_id, "topic": f.topic, "label": f.label, "label_source": f.label_source,
        "generated_label": base[f.base_theme_id].label, "base_theme_id": f.base_theme_id,
        "merged_from": sorted(f.merged_from) or None,
        # only words a label may show (never a name or a rare word, however often written)
        "top_terms": [t for t in base[f.base_theme_id].centroid if label_word(t)][:10],
        "created_at": base[f.base_theme_id].created_at,
    } for f in applied.themes.values()], columns=["theme_id", "topic", "label", "label_source", "generated_label",
                                                  "base_theme_id", "merged_from", "top_terms", "created_at"])
    waits = _median_waits(con)
    frame = frame.merge(waits, on="theme_id", how="left") if not frame.empty else frame.assign(median_wait_seconds=None)
    con.register("theme_frame", frame)
    try:
        con.execute(SUMMARY_SQL, {"register_version": version})
    finally:
        con.unregister("theme_frame")


def refresh_summary(con, base: str) -> None:
    """``main.question_themes`` again, from the themes the build attached as ``base`` fitted and
    the questions as they read now (``main.*``): for a refresh (warehouse/delta.py) after which
    every question keeps its theme, but waits and targets moved (the data's end moved)."""
    frame = con.execute(f"SELECT theme_id, topic, label, label_source, generated_label, base_theme_id, merged_from,"
                        f" top_terms, created_at FROM {base}.main.question_themes").df()
    version = con.execute(f"SELECT max(register_version) FROM {base}.main.question_themes").fetchall()[0][0]
    waits = _median_waits(con)
    frame = frame.merge(waits, on="theme_id", how="left") if not frame.empty else frame.assign(median_wait_seconds=None)
    con.register("theme_frame", frame)
    try:
        con.execute(SUMMARY_SQL, {"register_version": version})
    finally:
        con.unregister("theme_frame")


def _median_waits(con) -> pd.DataFrame:
    """Kaplan–Meier median wait per theme (unanswered questions censored at the data's end;
    NaN: fewer than half answered), from durations rounded up to the minute."""
    hist = con.execute("""
        SELECT m.theme_id, ceil(q.duration_seconds / 60) * 60 AS bin_s,
               count(*) FILTER (WHERE q.is_answered) AS events,
               count(*) FILTER (WHERE NOT q.is_answered) AS censored
        FROM main.question_theme_members m JOIN main.patient_questions q USING (platform, post_id)
        WHERE m.theme_id IS NOT NULL
        GROUP BY ALL ORDER BY ALL""").df()
    rows = []
    for theme, group in hist.groupby("theme_id", sort=True):
        summary = stats.km_summary_from_counts(group["bin_s"], group["events"], group["censored"], within_s=())
        rows.append({"theme_id": theme, "median_wait_seconds": summary["median_s"]})
    return pd.DataFrame(rows, columns=["theme_id", "median_wait_seconds"]).astype({"median_wait_seconds": "float64"})


def _store_definitions(con, themes, by_topic, base_of) -> None:
    con.execute("CREATE TABLE memo.theme_definitions (theme_id VARCHAR, topic VARCHAR, centroid VARCHAR,"
                " label VARCHAR, created_at TIMESTAMPTZ, status VARCHAR, medoid_key VARCHAR)")
    defs = pd.DataFrame([{"theme_id": t.theme_id, "topic": t.topic, "centroid": json.dumps(t.centroid, sort_keys=True),
                          "label": t.label, "created_at": t.created_at, "status": t.status, "medoid_key": t.medoid_key}
                         for t in sorted(themes, key=lambda t: t.theme_id)])
    assignments = pd.DataFrame([{"platform": q.key[0], "post_id": q.key[1], "text_key": q.text_key,
                                 "base_theme_id": base_of.get(q.key)} for qs in by_topic.values() for q in qs],
                               columns=["platform", "post_id", "text_key", "base_theme_id"]).astype(
                                   {"base_theme_id": "object"})
    if not defs.empty:
        con.register("theme_frame", defs)
        con.execute("INSERT INTO memo.theme_definitions SELECT * FROM theme_frame")
        con.unregister("theme_frame")
    con.register("theme_frame", assignments)
    con.execute("CREATE TABLE memo.theme_assignments AS SELECT * FROM theme_frame")
    con.unregister("theme_frame")


SUMMARY_SQL = """
CREATE TABLE main.question_themes AS
WITH counts AS (
    SELECT m.theme_id, count(*) AS n_questions, count(*) FILTER (WHERE q.is_answered) AS n_answered,
           count(q.within_target) AS n_target_known, count(*) FILTER (WHERE q.within_target) AS n_within_target,
           max(q.asked_at) AS last_asked_at
    FROM main.question_theme_members m JOIN main.patient_questions q USING (platform, post_id)
    WHERE m.theme_id IS NOT NULL
    GROUP BY ALL
),
best AS (
    SELECT theme_id, arg_min(post_id, rank) AS best_answer_post_id, arg_min(platform, rank) AS best_answer_platform,
           count(*) FILTER (WHERE is_good) AS n_good_answers
    FROM main.theme_answers
    WHERE is_good
    GROUP BY ALL
)
SELECT f.theme_id, f.topic, f.label, coalesce(c.n_questions, 0)::BIGINT AS n_questions,
       coalesce(c.n_answered, 0)::BIGINT AS n_answered, f.median_wait_seconds::DOUBLE AS median_wait_seconds,
       b.best_answer_post_id, $register_version::INTEGER AS register_version,
       f.label_source, f.generated_label, f.base_theme_id, f.merged_from::VARCHAR[] AS merged_from,
       f.top_terms::VARCHAR[] AS top_terms, coalesce(c.n_target_known, 0)::BIGINT AS n_target_known,
       coalesce(c.n_within_target, 0)::BIGINT AS n_within_target, b.best_answer_platform,
       coalesce(b.n_good_answers, 0)::BIGINT AS n_good_answers,
       f.created_at::TIMESTAMPTZ AS created_at, c.last_asked_at
FROM theme_frame f
LEFT JOIN counts c USING (theme_id)
LEFT JOIN best b USING (theme_id)
ORDER BY n_questions DESC, f.theme_id
"""

DAILY_SQL = """
CREATE TABLE main.daily_theme_counts AS
SELECT (q.asked_at AT TIME ZONE 'Europe/London')::DATE AS day, q.platform, q.region_code, q.trust_code,
       m.theme_id, m.topic,
       count(*) AS n_questions,
       count(*) FILTER (WHERE q.is_answered) AS n_answered,
       count(q.within_target) AS n_target_known,
       count(*) FILTER (WHERE q.within_target) AS n_within_target
FROM main.question_theme_members m
JOIN main.patient_questions q USING (platform, post_id)
WHERE m.theme_id IS NOT NULL
GROUP BY ALL
ORDER BY day
"""


def check_keys(con) -> list[str]:
    """Duplicated keys in the published theme tables (the build's key checks cover models only)."""
    problems = []
    for table, key in KEYS.items():
        cols = ", ".join(key)
        dupes = con.execute(f"SELECT count(*) FROM (SELECT {cols} FROM main.{table} GROUP BY ALL"
                            " HAVING count(*) > 1)").fetchall()[0][0]
        if dupes:
            problems.append(f"{table}: {dupes} duplicated key(s) ({cols})")
    return problems

