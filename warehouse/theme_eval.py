"""How well the themes of patient questions match people's themes (issue #19):
``python -m warehouse evaluate --themes``.

Labelled themes (``tests/data/theme_labels.csv``: source, record id, group, theme; written with
the guideline in docs/methods.md "What patients ask"; no text is kept there) for two sets the
method was never tuned on:

- ``heldout``: the 165 patient questions of the blind held-out set
  (``tests/data/heldout/patient_questions.csv``, written by someone who never saw the
  classifiers), grouped by their labelled topic;
- ``ibm_customer_care``: the first customer turn of 141 real conversations with three
  companies' care accounts on X (``../shared/realdata/twitter/ibm_twitter_customer_care_
  conversations_test.json``: HP, Mojang, eBay), grouped by company. Real text, not about health
  care: it tests the clustering, not the radiography concepts.

Each group is themed as the build themes a topic (:func:`warehouse.theme_model.theme_topic`,
default parameters). Reported: coverage (the share put in a theme; the rest wait for more
similar questions), purity (of themed questions, the share in their theme's majority label),
the adjusted Rand index (ARI; every unthemed question its own cluster, labels marked "single"
each their own) and stability (themes made from 90% of a group, then the other 10% added as a
new build: the share of themed questions keeping their theme, the share of the new ones put in
an existing theme, and the ARI between that incremental result and a build from nothing).
"""
from __future__ import annotations

import json
import random
from collections import Counter
from datetime import datetime, timezone
from math import comb
from pathlib import Path

import pandas as pd

from warehouse.enrich.question_corpus import realdata_dir
from warehouse.theme_model import Question, theme_topic

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "data" / "theme_labels.csv"
HELDOUT = ROOT / "tests" / "data" / "heldout" / "patient_questions.csv"
IBM = "twitter/ibm_twitter_customer_care_conversations_test.json"
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
SEED = 19
NEW_SHARE = 0.10


def adjusted_rand(truth: list, found: list) -> float:
    """Hubert and Arabie's adjusted Rand index of two labellings of the same items (1: the
    same partition; about 0: no better than chance)."""
    pairs = Counter(zip(truth, found))
    index = sum(comb(n, 2) for n in pairs.values())
    a = sum(comb(n, 2) for n in Counter(truth).values())
    b = sum(comb(n, 2) for n in Counter(found).values())
    expected = a * b / comb(len(truth), 2) if len(truth) > 1 else 0.0
    top = (a + b) / 2
    return 1.0 if top == expected else (index - expected) / (top - expected)


def labelled_sets() -> dict[str, pd.DataFrame]:
    """source -> rows of (record_id, group, theme, text, asker); a source whose text is absent
    (the real data not beside this clone) is left out."""
    labels = pd.read_csv(LABELS, dtype=str)
    out = {}
    heldout = pd.read_csv(HELDOUT, dtype=str).set_index("id")
    rows = labels[labels["source"] == "heldout"].copy()
    rows["text"] = [heldout.loc[i, "text"] for i in rows["record_id"]]
    rows["asker"] = rows["record_id"]
    out["heldout"] = rows
    folder = realdata_dir()
    path = folder / IBM if folder is not None else None
    if path is not None and path.exists():
        turns = {}
        for conversation in json.loads(path.read_text(encoding="utf-8")):
            first = conversation["dialogContent"][0]
            turns[first["tweet_ID"]] = (first["message"], first["client"])
        rows = labels[labels["source"] == "ibm_customer_care"].copy()
        rows["text"] = [turns[i][0] for i in rows["record_id"]]
        rows["asker"] = [turns[i][1] for i in rows["record_id"]]
        out["ibm_customer_care"] = rows
    return out


def _questions(rows: pd.DataFrame) -> list[Question]:
    return [Question(("q", i), t, a) for i, t, a in zip(rows["record_id"], rows["text"], rows["asker"])]


def _truth(rows: pd.DataFrame) -> list[str]:
    return [f"{g}/{t}" if t != "single" else f"single/{i}"
            for i, g, t in zip(rows["record_id"], rows["group"], rows["theme"])]


def _found(rows: pd.DataFrame, theme_of: dict) -> list[str]:
    return [theme_of[("q", i)] or f"unthemed/{i}" for i in rows["record_id"]]


def quality(rows: pd.DataFrame) -> dict[str, float]:
    """Coverage, purity and ARI of the themes the method makes on ``rows`` (group by group)."""
    theme_of = {}
    for group, part in rows.groupby("group", sort=True):
        theme_of |= theme_topic(group, _questions(part), [], {}, set(), NOW).theme_of
    truth, found = _truth(rows), _found(rows, theme_of)
    themed = [(t, f) for t, f in zip(truth, found) if not f.startswith("unthemed/")]
    majority = sum(max(Counter(t for t, f2 in themed if f2 == f).values()) for f in {f for _, f in themed})
    return {"n": len(rows), "themes": len({f for _, f in themed}), "coverage": len(themed) / len(rows),
            "purity": majority / len(themed) if themed else float("nan"), "ari": adjusted_rand(truth, found),
            "labelled_themes": len({t for t in truth if not t.startswith("single/")})}


def stability(rows: pd.DataFrame) -> dict[str, float]:
    """Themes from 90% of each group, then a build with the other 10% added."""
    kept_same = kept_total = joined = new_total = 0
    incremental, fresh = {}, {}
    for group, part in rows.groupby("group", sort=True):
        questions = _questions(part)
        order = sorted(questions, key=lambda q: q.key)
        random.Random(SEED).shuffle(order)
        cut = len(order) - max(1, round(NEW_SHARE * len(order)))
        first = theme_topic(group, order[:cut], [], {}, set(), NOW)
        kept = {q.key: (q.text_key, first.theme_of[q.key]) for q in order[:cut] if first.theme_of[q.key]}
        known = {t.theme_id for t in first.themes}
        second = theme_topic(group, questions, first.themes, kept, set(known), NOW)
        kept_total += len(kept)
        kept_same += sum(second.theme_of[k] == t for k, (_, t) in kept.items())
        new_total += len(order) - cut
        joined += sum(second.theme_of[q.key] in known for q in order[cut:])
        incremental |= second.theme_of
        fresh |= theme_topic(group, questions, [], {}, set(), NOW).theme_of
    return {"kept": kept_same / kept_total if kept_total else float("nan"), "n_kept": kept_total,
            "joined": joined / new_total if new_total else float("nan"), "n_new": new_total,
            "ari_incremental_vs_fresh": adjusted_rand(_found(rows, incremental), _found(rows, fresh))}


def report() -> list[str]:
    lines = ["Themes of patient questions against labelled themes (never tuned on these sets):"]
    sets = labelled_sets()
    for source, rows in sets.items():
        q, s = quality(rows), stability(rows)
        lines.append(
            f"  {source}: {q['n']} questions in {rows['group'].nunique()} groups, {q['labelled_themes']} labelled"
            f" themes; {q['themes']} themes made, coverage {q['coverage']:.0%}, purity {q['purity']:.2f},"
            f" ARI {q['ari']:.2f}; +10% new data: {s['kept']:.0%} of {s['n_kept']} themed questions keep"
            f" their theme, {s['joined']:.0%} of {s['n_new']} new ones join an existing theme, ARI incremental"
            f" vs from nothing {s['ari_incremental_vs_fresh']:.2f}")
    if "ibm_customer_care" not in sets:
        lines.append(f"  ibm_customer_care: skipped ({IBM} is not in ../shared/realdata beside this clone)")
    return lines


def main() -> int:
    print("\n".join(report()))
    return 0
