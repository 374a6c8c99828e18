"""``python -m warehouse evaluate --rules``: per-family precision and recall of the guideline rules.

- The labelled set ``tests/data/guideline_posts.csv`` (written before the rules were tuned;
  ``split`` keeps about a third held out as ``test``): realistic staff and organisation posts,
  each labelled with the rule families a reviewer would flag (none for the many hard
  negatives). Every post is run as a staff post, since most rules apply to staff only.
- The Tweet-Act real tweets (``../shared/realdata``), run as staff posts: none of them is about
  a patient, so every confidentiality flag (above all an NHS number) there is false; flags of
  other families are counted too (some of those tweets really are abusive). Skipped with a
  message when the shared folder is absent.
"""
from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from warehouse.rules.engine import flag_texts
from warehouse.rules.packs import ENGINE_VERSION, FAMILIES, RULES

REPO = Path(__file__).resolve().parents[2]
LABELLED = REPO / "tests" / "data" / "guideline_posts.csv"
TWEET_ACT = REPO.parent / "shared" / "realdata" / "texts" / "tweet_act_TAC_TWEET_DATA.csv"
FAMILY_OF = {r.rule_id: r.family for r in RULES}


@dataclass(frozen=True)
class FamilyScore:
    family: str
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")


def load_labelled(path: Path = LABELLED) -> pd.DataFrame:
    """Columns text, families (a frozenset), split, note."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["families"] = [frozenset(f for f in s.split(";") if f) for s in frame["families"]]
    unknown = set().union(*frame["families"]) - set(FAMILIES)
    if unknown:
        raise ValueError(f"{path}: unknown families {sorted(unknown)}")
    return frame


def rule_hits(texts: list[str], role: str = "professional") -> list[set[str]]:
    """The rule ids that hit each text, run as posts by ``role``."""
    frame = pd.DataFrame({"platform": "eval", "post_id": [str(i) for i in range(len(texts))],
                          "author_role": role, "text": texts})
    out = flag_texts(frame)
    found: list[set[str]] = [set() for _ in texts]
    for post_id, rule_id in zip(out["post_id"], out["rule_id"]):
        found[int(post_id)].add(rule_id)
    return found


def predict(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``rules`` (ids that hit) and ``predicted`` (their families)."""
    frame = frame.reset_index(drop=True).copy()
    hits = rule_hits(frame["text"].tolist())
    frame["rules"] = [frozenset(h) for h in hits]
    frame["predicted"] = [frozenset(FAMILY_OF[r] for r in h) for h in hits]
    return frame


def family_scores(frame: pd.DataFrame) -> list[FamilyScore]:
    """Per family tp/fp/fn of ``predicted`` against ``families`` (rows of :func:`predict`)."""
    out = []
    for family in FAMILIES:
        truth = [family in t for t in frame["families"]]
        pred = [family in p for p in frame["predicted"]]
        out.append(FamilyScore(family, sum(p and t for p, t in zip(pred, truth)),
                               sum(p and not t for p, t in zip(pred, truth)),
                               sum(t and not p for p, t in zip(pred, truth))))
    return out


def score_table(frame: pd.DataFrame) -> list[str]:
    lines = [f"{'split':5} {'family':16} {'tp':>3} {'fp':>3} {'fn':>3} {'precision':>9} {'recall':>6}"]
    for split in ("dev", "test"):
        part = frame[frame["split"] == split]
        for s in family_scores(part):
            lines.append(f"{split:5} {s.family:16} {s.tp:3d} {s.fp:3d} {s.fn:3d} {s.precision:9.2f} {s.recall:6.2f}")
    return lines


def disagreements(frame: pd.DataFrame, split: str) -> list[str]:
    part = frame[(frame["split"] == split) & (frame["families"] != frame["predicted"])]
    lines = [f"{split} disagreements: {len(part)}"]
    for text, truth, pred, rules in zip(part["text"], part["families"], part["predicted"], part["rules"]):
        lines.append(f"  truth={','.join(sorted(truth)) or '-'} predicted={','.join(sorted(rules)) or '-'} | {text[:110]!r}")
    return lines


def load_tweet_act(path: Path = TWEET_ACT) -> list[str]:
    with open(path, encoding="utf-8", newline="") as f:
        return [row[0] for row in csv.reader(f) if row]


def tweet_act_line(path: Path = TWEET_ACT) -> tuple[str, pd.DataFrame | None]:
    """One line: Tweet-Act texts run as staff posts; every flag is a false positive."""
    if not path.exists():
        return (f"tweet-act: skipped, {path} is absent (the shared realdata folder is not checked out)", None)
    texts = load_tweet_act(path)
    frame = pd.DataFrame({"platform": "twitter", "post_id": [str(i) for i in range(len(texts))],
                          "author_role": "professional", "text": texts})
    out = flag_texts(frame)
    by_family = out.drop_duplicates(["post_id", "family"])["family"].value_counts()
    counts = ", ".join(f"{f} {int(by_family.get(f, 0))}" for f in FAMILIES)
    nhs = int((out["rule_id"] == "CONF-NHS-NUMBER").sum())
    flagged = out["post_id"].nunique()
    out["text"] = [texts[int(i)] for i in out["post_id"]]
    return (f"tweet-act (n={len(texts)} real tweets run as staff posts; none is about a patient, so every "
            f"confidentiality flag is false): {flagged} flagged ({flagged / len(texts):.2%}); flagged posts by "
            f"family: {counts}; CONF-NHS-NUMBER {nhs}", out)


def main(explain: bool = False) -> int:
    start = time.perf_counter()
    frame = predict(load_labelled())
    print(f"guideline rules {ENGINE_VERSION}: {LABELLED.relative_to(REPO)} "
          f"(n={len(frame)}: dev {int((frame['split'] == 'dev').sum())}, test {int((frame['split'] == 'test').sum())}),"
          " every post run as a staff post")
    for line in score_table(frame):
        print(line)
    line, tweets = tweet_act_line()
    print(line)
    if explain:
        for split in ("dev", "test"):
            for line in disagreements(frame, split):
                print(line)
        if tweets is not None:
            for rule_id, evidence, text in zip(tweets["rule_id"], tweets["evidence"], tweets["text"]):
                print(f"  tweet-act {rule_id:22} {evidence!r:30} | {text[:100]!r}")
    print(f"({time.perf_counter() - start:.1f} s)")
    return 0
