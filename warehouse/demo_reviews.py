"""The demo's simulated review history (issue #20): so that a manager trying the demo sees
in-use precision, recall and agreement, ``python -m warehouse demo-reviews`` (run by
``python -m ingest demo`` after its build, and by the dashboard's first-start demo) writes

- review decisions by simulated reviewers on a random sample of the published flags, and
- a few weeks of blind audit samples, drawn by the real sampler (:func:`warehouse.audit.sample_week`),
  each item judged by simulated readers (the sample's double-read share read independently by
  two; an adjudicator where they disagree),

judged against what the demo generator planted (``demo_planted.csv``, written by ``python -m
ingest demo``: :func:`ingest.demo.planted`), each simulated person right with probability
``accuracy`` (95% by default). Everything goes through the same append-only, hash-chained
code paths as real reviewers' (:func:`store.reviews.record_decision`,
:func:`store.audits.record_opinion`), under names no real person has ("Demo reviewer A").

Only ever on demo data: refused unless every published post is synthetic demo data and the
planted truth is there. Re-running adds nothing: a flag already decided and an item with all
the opinions it needs are left as they are, and a week already sampled is not drawn again.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd

from store import audits, config, reviews
from warehouse import audit

ACCURACY = 0.95
REVIEWERS = ("Demo reviewer A", "Demo reviewer B", "Demo reviewer C")
READERS = ("Demo reader A", "Demo reader B", "Demo reader C", "Demo reader D")
N_FLAGS = 400  # flags given a simulated review decision
# Complete weeks of blind audit samples, the latest before the newest post's week: a quarter, so
# that about 20 planted confidentiality breaches are judged on the 150k demo (4 weeks give 1-7 a
# family, which the display boundary hides).
WEEKS = 13
SEED = 20


class NotDemo(ValueError):
    """The data folder does not hold demo data only: nothing simulated is written into it."""


@dataclass
class Seeded:
    decisions: int
    items: int
    opinions: int

    def summary(self) -> str:
        return (f"demo review history (simulated): {self.decisions:,} review decisions, {self.items:,} audit items "
                f"drawn, {self.opinions:,} audit opinions added")


def planted_truth() -> pd.DataFrame:
    """The demo's planted truth, keyed by ``platform:post_id`` (families, patient_question)."""
    path = config.data_dir() / config.DEMO_PLANTED_FILE
    if not path.is_file():
        raise NotDemo(f"{path.name} is not in the data folder: only a demo made by python -m ingest demo has "
                      "a planted truth to simulate reviews against")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frame.set_index(frame["platform"] + ":" + frame["post_id"])


def check_demo(cursor) -> None:
    """Refuse unless the published warehouse holds posts and every one is demo data."""
    n_posts, n_demo = cursor.execute("SELECT n_posts, n_demo_posts FROM build_info").fetchall()[0]
    if not n_posts or n_demo != n_posts:
        raise NotDemo(f"the published warehouse holds {n_posts - n_demo:,} posts that are not demo data: "
                      "a simulated review history is only ever written into a demo")


def seed(cursor, accuracy: float = ACCURACY, n_flags: int = N_FLAGS, weeks: int = WEEKS,
         design: audit.Design = audit.Design(), seed_value: int = SEED) -> Seeded:
    """Write the simulated history (see the module's docstring); what was added."""
    if not 0.5 < accuracy <= 1:
        raise ValueError("the simulated reviewers' accuracy must be above 0.5 and at most 1")
    check_demo(cursor)
    truth = planted_truth()
    decisions = _review_flags(cursor, truth, accuracy, n_flags, np.random.default_rng(seed_value))
    newest = cursor.execute("SELECT max(created_at) FROM posts").fetchall()[0][0]
    last_week = pd.Timestamp(newest).date() - timedelta(days=7)
    items = sum(sum(audit.sample_week(cursor, last_week - timedelta(days=7 * k), design).values())
                for k in range(weeks))
    opinions = _judge_items(truth, accuracy, seed_value)
    return Seeded(decisions, items, opinions)


def _truly(truth: pd.DataFrame, key: str, family: str) -> bool:
    return key in truth.index and family in truth.at[key, "families"].split(",")


def _review_flags(cursor, truth, accuracy, n_flags, rng) -> int:
    """A decision on each of ``n_flags`` guideline flags drawn at random (the same ones every
    run; not local-policy flags, for which nothing was planted):
    upheld when the post breaches the flag's family, dismissed when not, the other way round
    with probability 1 - accuracy. Flags with a decision already are skipped."""
    flags = cursor.execute("SELECT platform, post_id, rule_id, family FROM flags"
                           " WHERE list_contains($families::VARCHAR[], family) ORDER BY platform, post_id, rule_id",
                           {"families": sorted(audit_families())}).df()
    if flags.empty:
        return 0
    picked = flags.iloc[np.sort(rng.choice(len(flags), size=min(n_flags, len(flags)), replace=False))]
    wrong = rng.random(len(picked)) >= accuracy
    who = rng.integers(0, len(REVIEWERS), len(picked))
    done = reviews.all_decisions()
    decided = set(zip(done["platform"], done["post_id"], done["rule_id"]))
    added = 0
    for row, flip, w in zip(picked.itertuples(index=False), wrong, who):
        if (row.platform, row.post_id, row.rule_id) in decided:
            continue
        upheld = _truly(truth, f"{row.platform}:{row.post_id}", row.family) != bool(flip)
        reviews.record_decision(row.platform, row.post_id, row.rule_id, "confirmed" if upheld else "dismissed",
                                note="simulated demo review", reviewer=REVIEWERS[int(w)])
        added += 1
    return added


def _label(truth, item, accuracy, rng) -> str:
    """One simulated reader's judgement of an audit item: the planted truth, or with
    probability 1 - accuracy a wrong one (a breach missed or imagined, a question misread)."""
    key = f"{item.platform}:{item.post_id}"
    wrong = rng.random() >= accuracy
    if item.kind == "public":
        is_question = key in truth.index and truth.at[key, "patient_question"] == "1"
        return "1" if is_question != wrong else "0"
    families = truth.at[key, "families"] if key in truth.index else ""
    if not wrong:
        return families or audits.NONE
    return audits.NONE if families else str(rng.choice(sorted(audit_families())))


def audit_families() -> set[str]:
    from warehouse.rules import packs

    return {r.family for r in packs.RULES}


def _judge_items(truth, accuracy, seed_value) -> int:
    """Give every stored audit item the opinions it still needs, from simulated readers (a
    different one each time; the rng is the item's own, so a re-run is the same)."""
    items = audit.finished()
    added = 0
    for item in items.itertuples(index=False):
        labels, who = list(item.labels), list(item.reviewers)
        rng = np.random.default_rng([seed_value, int(item.id)])
        confirm = item.stratum in audits.CONFIRM_STRATA
        while len(labels) < audits.needed(int(item.readers), labels, confirm):
            reader = next(r for r in READERS if r not in who)
            label = audits.normalise_label(item.kind, _label(truth, item, accuracy, rng))
            audits.record_opinion(int(item.id), label, reviewer=reader, note="simulated demo reading")
            labels.append(label)
            who.append(reader)
            added += 1
    return added
