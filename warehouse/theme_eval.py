"""How well the themes of patient questions match people's themes (issue #19):
``python -m warehouse evaluate --themes``.

Labelled themes (``tests/data/themes/labels.csv``: source, record id, group, theme; written with
the guideline in docs/methods.md "How well the themes do"; no text is kept there), in three roles:

- **dev** (the only sets the fixed parameters were tuned on, :mod:`warehouse.theme_tune`):
  ``care_dev``, the first customer turn of 177 real conversations with ten companies' care
  accounts on X (YouTube, Dropbox, PlayStation, Adobe, Yahoo, Hulu, Wells Fargo, Zoom,
  Microsoft, GoDaddy; ``../shared/realdata/twitter/ibm_twitter_customer_care_conversations_
  test.json``), grouped by company; ``tweet_act_dev``, the 303 Tweet-Act questions (label QUE)
  of its development split addressed to @jk_rowling or about #GifHistory (a line whose number
  is divisible by 5 is test data and is never read here);
- **held-out**: ``care_fresh``, the first turns of 156 conversations with four other companies
  (Rockstar, Google, Apple, Spotify), labelled and committed before any tuning and measured once
  after it;
- **earlier** (the first slice's sets, never tuned on): ``heldout``, the 165 patient questions
  of the blind held-out set (``tests/data/heldout/patient_questions.csv``, written by someone
  who never saw the classifiers), grouped by their labelled topic; ``ibm_customer_care``, the
  first turns of 141 conversations with HP, Mojang and eBay.

The real sets are not about health care (there is no real labelled set of patient questions):
they test the clustering, not the radiography concepts. Each group is themed as the build
themes a topic (:func:`warehouse.theme_model.theme_topic`), with the build's parameters and,
for comparison, the first slice's (:data:`FIRST_SLICE`). Reported: coverage (the share put in a theme; the rest wait for more
similar questions), purity (of themed questions, the share in their theme's majority label),
the adjusted Rand index (ARI; every unthemed question its own cluster, labels marked "single"
each their own) and stability (themes made from 90% of a group, then the other 10% added as a
new build: the share of themed questions keeping their theme, the share of the new ones put in
an existing theme, and the ARI between that incremental result and a build from nothing).

Best answers: for 31 real customer-care conversations in five labelled themes, the care
account's reply was ranked by hand (``tests/data/themes/answer_ranks.csv``: 1 = what the
customer would value most: a specific fix or answer to what was asked, then a way forward, then
a request for details) before the score was computed; the score is
:mod:`warehouse.theme_answers`'s (relevance against the question and the labelled theme's
centre, signposting and compassion by the enabling-practice patterns run in DuckDB as the build
runs them; no flags; the same speed for all, as the data hold no reply time). Reported: the
share of pairs of answers in one theme that the score orders as the hand does (ties half;
chance is 0.5), Kendall's tau-b between score and hand rank (mean over themes) and how often
the score's best is the hand's best.
"""
from __future__ import annotations

import csv
import json
import random
from collections import Counter
from datetime import datetime, timezone
from math import comb
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.stats import kendalltau

from warehouse import theme_answers
from warehouse.enrich.question_corpus import realdata_dir, text_sha
from warehouse.rules.enabling import practice_columns
from warehouse.theme_model import MIN_DF, MIN_THEME_SIZE, Params, Question, theme_topic
from warehouse.theme_text import Vectoriser, terms, unit_rows

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "data" / "themes" / "labels.csv"
HELDOUT = ROOT / "tests" / "data" / "heldout" / "patient_questions.csv"
RANKS = ROOT / "tests" / "data" / "themes" / "answer_ranks.csv"
IBM = "twitter/ibm_twitter_customer_care_conversations_test.json"
TWEET_ACT = "texts/tweet_act_TAC_TWEET_DATA.csv"
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


# Which labelled sets are which (docs/methods.md "How well the themes do"): ``DEV`` sets are the
# only ones the method's fixed parameters were tuned on; ``HELDOUT`` sets were labelled before
# any tuning and measured once after it; ``EARLIER`` sets are the first slice's, kept for the
# before/after comparison and never tuned on.
DEV = ("care_dev", "tweet_act_dev")
HELDOUT_SETS = ("care_fresh",)
EARLIER = ("heldout", "ibm_customer_care")
CARE_SOURCES = ("ibm_customer_care", "care_dev", "care_fresh")
ROLE = {"care_dev": "dev", "tweet_act_dev": "dev", "care_fresh": "held-out", "heldout": "earlier",
        "ibm_customer_care": "earlier"}
ORDER = DEV + HELDOUT_SETS + EARLIER
# The first slice's parameters (before tuning), measured beside the build's for comparison.
FIRST_SLICE = Params(assign=0.30, cluster=0.20, min_size=5, min_askers=3, min_df=2, pairs=True, linkage="average")


def _care_turns() -> dict[str, tuple[str, str]] | None:
    """first customer turn's tweet id -> (text, client) of every IBM conversation."""
    conversations = _ibm_conversations()
    if conversations is None:
        return None
    return {i: (c["dialogContent"][0]["message"], c["dialogContent"][0]["client"]) for i, c in conversations.items()}


def _tweet_act_dev() -> dict[str, str] | None:
    """``tweet_act:<line>`` -> text for the development lines only (a line whose number is
    divisible by 5 is the test split and is never read into a labelled set)."""
    folder = realdata_dir()
    path = folder / TWEET_ACT if folder is not None else None
    if path is None or not path.exists():
        return None
    with open(path, encoding="utf-8", newline="") as f:
        return {f"tweet_act:{n}": row[0] for n, row in enumerate(csv.reader(f), start=1) if n % 5}


def labelled_sets() -> dict[str, pd.DataFrame]:
    """source -> rows of (record_id, group, theme, text, asker); a source whose text is absent
    (the real data not beside this clone) is left out. A label naming a record that is not
    there (or a Tweet-Act test line), or whose text no longer has the label's ``text_sha``
    (question_corpus.text_sha), is an error naming the labels file and line."""
    labels = pd.read_csv(LABELS, dtype=str)
    labels["line"] = range(2, len(labels) + 2)
    out = {}
    heldout = pd.read_csv(HELDOUT, dtype=str).set_index("id")
    rows = labels[labels["source"] == "heldout"].copy()
    rows["text"] = [heldout.loc[i, "text"] for i in rows["record_id"]]
    rows["asker"] = rows["record_id"]
    out["heldout"] = rows
    turns, tweets = _care_turns(), _tweet_act_dev()
    for source in CARE_SOURCES + ("tweet_act_dev",):
        found = tweets if source == "tweet_act_dev" else turns
        if found is None:
            continue
        rows = labels[labels["source"] == source].copy()
        missing = rows[~rows["record_id"].isin(found.keys())]
        if len(missing):
            first = missing.iloc[0]
            raise ValueError(f"{LABELS}:{first['line']}: record_id {first['record_id']} is not a labelled"
                             f" record of {source} (a Tweet-Act line divisible by 5 is test data)")
        if source == "tweet_act_dev":
            rows["text"] = [found[i] for i in rows["record_id"]]
            rows["asker"] = rows["record_id"]
        else:
            rows["text"] = [found[i][0] for i in rows["record_id"]]
            rows["asker"] = [found[i][1] for i in rows["record_id"]]
        out[source] = rows
    for source, rows in out.items():
        changed = rows[[text_sha(t) != h for t, h in zip(rows["text"], rows["text_sha"])]]
        if len(changed):
            first = changed.iloc[0]
            raise ValueError(f"{LABELS}:{first['line']}: text_sha of {source} record {first['record_id']} does not"
                             " match its text (the source changed: read it again and relabel)")
    return out


def _questions(rows: pd.DataFrame) -> list[Question]:
    return [Question(("q", i), t, a) for i, t, a in zip(rows["record_id"], rows["text"], rows["asker"])]


def _truth(rows: pd.DataFrame) -> list[str]:
    return [f"{g}/{t}" if t != "single" else f"single/{i}"
            for i, g, t in zip(rows["record_id"], rows["group"], rows["theme"])]


def _found(rows: pd.DataFrame, theme_of: dict) -> list[str]:
    return [theme_of[("q", i)] or f"unthemed/{i}" for i in rows["record_id"]]


def quality(rows: pd.DataFrame, params: Params | None = None) -> dict[str, float]:
    """Coverage, purity and ARI of the themes the method makes on ``rows`` (group by group)."""
    theme_of = {}
    for group, part in rows.groupby("group", sort=True):
        theme_of |= theme_topic(group, _questions(part), [], {}, set(), NOW, params).theme_of
    truth, found = _truth(rows), _found(rows, theme_of)
    themed = [(t, f) for t, f in zip(truth, found) if not f.startswith("unthemed/")]
    majority = sum(max(Counter(t for t, f2 in themed if f2 == f).values()) for f in {f for _, f in themed})
    return {"n": len(rows), "themes": len({f for _, f in themed}), "coverage": len(themed) / len(rows),
            "purity": majority / len(themed) if themed else float("nan"), "ari": adjusted_rand(truth, found),
            "labelled_themes": len({t for t in truth if not t.startswith("single/")}),
            # the most a method with this size threshold could theme: questions in labelled themes
            # of at least MIN_THEME_SIZE
            "reachable": sum(n for n in Counter(truth).values() if n >= MIN_THEME_SIZE) / len(rows)}


def stability(rows: pd.DataFrame, params: Params | None = None) -> dict[str, float]:
    """Themes from 90% of each group, then a build with the other 10% added."""
    kept_same = kept_total = joined = new_total = 0
    incremental, fresh = {}, {}
    for group, part in rows.groupby("group", sort=True):
        questions = _questions(part)
        order = sorted(questions, key=lambda q: q.key)
        random.Random(SEED).shuffle(order)
        cut = len(order) - max(1, round(NEW_SHARE * len(order)))
        first = theme_topic(group, order[:cut], [], {}, set(), NOW, params)
        kept = {q.key: (q.text_key, first.theme_of[q.key]) for q in order[:cut] if first.theme_of[q.key]}
        known = {t.theme_id for t in first.themes}
        second = theme_topic(group, questions, first.themes, kept, set(known), NOW, params)
        kept_total += len(kept)
        kept_same += sum(second.theme_of[k] == t for k, (_, t) in kept.items())
        new_total += len(order) - cut
        joined += sum(second.theme_of[q.key] in known for q in order[cut:])
        incremental |= second.theme_of
        fresh |= theme_topic(group, questions, [], {}, set(), NOW, params).theme_of
    return {"kept": kept_same / kept_total if kept_total else float("nan"), "n_kept": kept_total,
            "joined": joined / new_total if new_total else float("nan"), "n_new": new_total,
            "ari_incremental_vs_fresh": adjusted_rand(_found(rows, incremental), _found(rows, fresh))}


def _ibm_conversations() -> dict[str, dict] | None:
    folder = realdata_dir()
    path = folder / IBM if folder is not None else None
    if path is None or not path.exists():
        return None
    return {c["dialogContent"][0]["tweet_ID"]: c for c in json.loads(path.read_text(encoding="utf-8"))}


def _practices(texts: list[str]) -> pd.DataFrame:
    """signposting and compassion (True/False) of each text, by the build's own SQL patterns."""
    con = duckdb.connect()
    try:
        con.register("answers", pd.DataFrame({"n": range(len(texts)), "text": texts}))
        frame = con.execute(f"SELECT n, {practice_columns('text')} FROM answers ORDER BY n").df()
    finally:
        con.close()
    return pd.DataFrame({"signposting": frame["signposting_evidence"].notna(),
                         "compassion": frame["compassion_evidence"].notna()})


def answer_scores() -> pd.DataFrame | None:
    """The hand-ranked answers with their scores (None without the real data); ``unit`` is the
    (source, company, theme) within which they were ranked."""
    conversations = _ibm_conversations()
    if conversations is None:
        return None
    ranks = pd.read_csv(RANKS, dtype={"record_id": str})
    labels = pd.read_csv(LABELS, dtype=str)
    labels = labels[labels["source"].isin(set(ranks["source"]))]
    question = {i: conversations[i]["dialogContent"][0]["message"] for i in labels["record_id"]}
    ranks["answer"] = [conversations[i].get("agentURL", {}).get("url_utterance", "") for i in ranks["record_id"]]
    ranks = ranks.join(_practices(list(ranks["answer"])))
    group_of = dict(zip(labels["record_id"], labels["group"]))
    ranks["unit"] = [f"{s}/{group_of[i]}/{t}" for s, i, t in zip(ranks["source"], ranks["record_id"], ranks["theme"])]
    relevance = {}
    for (source, group), part in labels.groupby(["source", "group"]):
        vectoriser = Vectoriser([terms(question[i]) for i in part["record_id"]], min_df=MIN_DF)
        for theme, members in part.groupby("theme"):
            ranked = ranks.loc[ranks["unit"] == f"{source}/{group}/{theme}"]
            if ranked.empty:
                continue
            rows = vectoriser.transform([terms(question[i]) for i in members["record_id"]])
            centre = unit_rows(sparse.csr_matrix(rows.mean(axis=0)))
            for i, text in zip(ranked["record_id"], ranked["answer"]):
                answer = vectoriser.transform([terms(text)])
                asked = vectoriser.transform([terms(question[i])])
                relevance[i] = 0.5 * float((answer @ asked.T).toarray()[0, 0]) + \
                    0.5 * float((answer @ centre.T).toarray()[0, 0])
    parts = [theme_answers.components(relevance[i], sp, co, None, False, False)
             for i, sp, co in zip(ranks["record_id"], ranks["signposting"], ranks["compassion"])]
    ranks["relevance"] = [p["relevance"] for p in parts]
    ranks["score"] = [theme_answers.score(p) for p in parts]
    return ranks


def answer_agreement(ranks: pd.DataFrame) -> dict[str, float]:
    """Pairwise agreement of the score with the hand ranks, and top-1 agreement, over themes
    (``unit`` when given: a theme within its set and company). Pairs the hand tied are left
    out; the score's best counts as the hand's best when the hand ranked it first (ties
    included)."""
    agree = pairs = ties = 0.0
    top1 = top2 = 0
    by = "unit" if "unit" in ranks.columns else "theme"
    for _, part in ranks.groupby(by):
        hand, score = part["hand_rank"].to_numpy(), part["score"].to_numpy()
        for a in range(len(part)):
            for b in range(a + 1, len(part)):
                if hand[a] == hand[b]:
                    continue
                pairs += 1
                product = (score[a] - score[b]) * (hand[b] - hand[a])
                tied = bool(np.isclose(score[a], score[b]))
                ties += tied
                agree += 0.5 if tied else 1.0 if product > 0 else 0.0
        best = part.sort_values(["score", "record_id"], ascending=[False, True]).iloc[0]["hand_rank"]
        top1 += best == 1
        top2 += best <= 2
    themes = ranks[by].nunique()
    taus = [kendalltau(part["hand_rank"], -part["score"]).statistic for _, part in ranks.groupby(by)]
    taus = [t for t in taus if t == t]  # a theme whose ranks or scores are all tied has none
    return {"pairs": pairs, "ties": ties, "agreement": agree / pairs, "themes": themes, "top1": top1, "top2": top2,
            "answers": len(ranks), "tau": float(np.mean(taus)) if taus else float("nan")}


def _set_line(source: str, rows: pd.DataFrame, params: Params) -> str:
    q, s = quality(rows, params), stability(rows, params)
    return (f"  {source} ({ROLE[source]}): {q['n']} questions in {rows['group'].nunique()} groups, {q['labelled_themes']}"
            f" labelled themes ({q['reachable']:.0%} of questions in labelled themes of {params.min_size}+);"
            f" {q['themes']} themes made, coverage {q['coverage']:.0%}, purity {q['purity']:.2f},"
            f" ARI {q['ari']:.2f}; +10% new data: {s['kept']:.0%} of {s['n_kept']} themed questions keep"
            f" their theme, {s['joined']:.0%} of {s['n_new']} new ones join an existing theme, ARI incremental"
            f" vs from nothing {s['ari_incremental_vs_fresh']:.2f}")


def report() -> list[str]:
    sets = labelled_sets()
    lines = ["Themes of patient questions against labelled themes, with the build's parameters (tuned on the"
             " dev sets only; the held-out set was labelled before tuning):"]
    lines += [_set_line(source, sets[source], Params()) for source in ORDER if source in sets]
    lines.append("With the first slice's parameters (clusters cut at average similarity 0.20), for comparison:")
    lines += [_set_line(source, sets[source], FIRST_SLICE) for source in ORDER if source in sets]
    missing = [source for source in ORDER if source not in sets]
    if missing:
        lines.append(f"  {', '.join(missing)}: skipped (../shared/realdata is not beside this clone)")
        return lines
    scored = answer_scores()
    for name, part in (("the first slice's set (HP, Mojang)", scored[scored["source"] == "ibm_customer_care"]),
                       ("new, dev and held-out care sets", scored[scored["source"] != "ibm_customer_care"]),
                       ("all", scored)):
        a = answer_agreement(part)
        lines.append(f"Best answers against hand ranks, {name}: {a['answers']} real care replies in {a['themes']}"
                     f" themes; the score orders {a['agreement']:.0%} of {a['pairs']:.0f} pairs as the hand does"
                     f" (chance 50%; {a['ties']:.0f} pairs tied, counted half); Kendall tau-b {a['tau']:.2f} (mean"
                     f" over themes); its best is the hand's best in {a['top1']} of {a['themes']} themes, in the"
                     f" hand's top two in {a['top2']}")
    return lines


def main() -> int:
    print("\n".join(report()))
    return 0
