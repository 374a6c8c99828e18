"""``python -m warehouse evaluate --rules``: per-family precision and recall of the guideline
rules, the current packs beside the previous version, on every labelled split.

- ``tests/data/guideline_posts.csv`` (columns text, families, split, note): staff and
  organisation posts written here, each labelled with the families a reviewer would flag
  (none for the hard negatives). ``dev`` is what the rules were tuned on; ``test`` was split
  off before tuning and never tuned on.
- ``warehouse/enrich/training/staff_posts_w*.csv``: staff posts written blind by two other
  writers; 80% trained the learned rules ("written (other writers) train"), a fixed 20% by id
  hash is held back ("written (other writers) test").
- ``tests/data/heldout/guideline_posts.csv`` (columns id, text, families, author, kind), when
  present: a blind set written by someone else, reported as its own block ("held-out
  (blind)"). Nothing here was tuned on it.
- Real text (``../shared/realdata``, resolved by :func:`question_corpus.realdata_dir`), run
  as staff posts, split as the question evaluation splits it: Tweet-Act train (its 6,000 tweets
  were training negatives, ``tweet-act train*``) and test (1,500, never trained on), and the
  customer-care turns and platform recordings ("real text", 30% test by conversation or text
  hash; the flag model never saw either split). Nothing there was labelled for flags: the
  block counts the posts each version flags, every family in its own column (zeros too), then
  each family's precision from :data:`VERDICTS`, where every flag raised there was read by hand
  (recall cannot be measured: no real text is a staff post about a patient, so every
  confidentiality flag there would be false). Skipped, saying so, when the folder is absent.

Posts are run as staff posts (most rules apply to staff only), except held-out rows whose
``author`` names a known author role. The previous packs (``rules-3``: the regex rules without
``OFFENSIVE-PROFANITY`` and the learned rules, run by the same engine) are scored beside the
current ones (``rules-4``). ``rules-2`` stays frozen under ``warehouse/rules/previous``.
"""
from __future__ import annotations

import csv
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from warehouse.enrich import question_corpus
from warehouse.rules import engine, packs, train_flags

REPO = Path(__file__).resolve().parents[2]
LABELLED = REPO / "tests" / "data" / "guideline_posts.csv"
HELDOUT = REPO / "tests" / "data" / "heldout" / "guideline_posts.csv"
ROLES = ("professional", "organisation", "patient_public", "media", "charity")


def _realdata() -> Path:
    """The shared real-data folder: $RADSOME_REALDATA, else beside the repository, else
    /work/shared/realdata (:func:`question_corpus.realdata_dir`, the one resolver); the folder
    beside the repository when none exists, so a skip names where it looked."""
    return question_corpus.realdata_dir() or REPO.parent / "shared" / "realdata"


TWEET_ACT = _realdata() / question_corpus.TWEET_ACT
# The real-text splits, in the order printed; "*" marks the one the flag model trained on (as negatives).
# Every flag the packs raise on the real text, read by hand: record id, text hash, family, 1/0.
VERDICTS = Path(__file__).with_name("labels") / "real_text_flags.csv"
VERDICT_COLUMNS = ("record_id", "text_sha", "family", "verdict", "note")
REAL_SPLITS = (("tweet_act", "train", "tweet-act train*"), ("tweet_act", "test", "tweet-act test"),
               ("other", "train", "real text train"), ("other", "test", "real text test"))


@dataclass(frozen=True)
class Packs:
    """A version of the rule packs: its name, how to run it, and each rule's families."""
    version: str
    flag_texts: Callable[[pd.DataFrame], pd.DataFrame]
    families_of: dict[str, frozenset[str]]


CURRENT = Packs(packs.ENGINE_VERSION, engine.flag_texts, {r.rule_id: frozenset({r.family}) for r in packs.RULES})
PREVIOUS = Packs("rules-3", lambda frame: engine.flag_texts(frame, packs.RULES_3),
                 {r.rule_id: frozenset({r.family}) for r in packs.RULES_3})


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


def _families(value: str) -> frozenset[str]:
    return frozenset(f.strip() for f in value.split(";") if f.strip())


def load_labelled(path: Path = LABELLED) -> pd.DataFrame:
    """Columns text, families (a frozenset), split, note, role."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["families"] = [_families(s) for s in frame["families"]]
    unknown = set().union(*frame["families"]) - set(packs.FAMILIES)
    if unknown:
        raise ValueError(f"{path}: unknown families {sorted(unknown)}")
    frame["role"] = "professional"
    return frame


def load_written() -> pd.DataFrame:
    """The staff posts written by other writers, as (text, families, split, note, role)."""
    frame = train_flags.written_sets()
    frame["split"] = frame["split"].map({"train": "written train*", "test": "written test"})
    frame["note"], frame["role"] = frame["kind"], "professional"
    return frame[["text", "families", "split", "note", "role"]]


def load_heldout(path: Path | None = None) -> pd.DataFrame | None:
    """The blind held-out set (default :data:`HELDOUT`, read at call time) as (text, families,
    split='held-out (blind)', note, role), or None when absent. Families the packs do not know
    are kept: they count as misses."""
    path = path or HELDOUT
    if not path.exists():
        return None
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = {"text", "families"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}")
    frame["families"] = [_families(s) for s in frame["families"]]
    frame["split"] = "held-out (blind)"
    frame["note"] = frame.get("kind", "")
    author = frame["author"] if "author" in frame.columns else pd.Series([""] * len(frame))
    frame["role"] = [a if a in ROLES else "professional" for a in author.str.strip()]
    return frame[["text", "families", "split", "note", "role"]]


def rule_hits(texts: list[str], role: str = "professional", version: Packs = CURRENT) -> list[set[str]]:
    """The rule ids that hit each text, run as posts by ``role``."""
    return rule_hits_by_role(texts, [role] * len(texts), version)


def rule_hits_by_role(texts: list[str], roles: list[str], version: Packs = CURRENT) -> list[set[str]]:
    frame = pd.DataFrame({"platform": "eval", "post_id": [str(i) for i in range(len(texts))],
                          "author_role": roles, "text": texts})
    out = version.flag_texts(frame)
    found: list[set[str]] = [set() for _ in texts]
    for post_id, rule_id in zip(out["post_id"], out["rule_id"]):
        found[int(post_id)].add(rule_id)
    return found


def predict(frame: pd.DataFrame, version: Packs = CURRENT) -> pd.DataFrame:
    """``frame`` with ``rules`` (ids that hit) and ``predicted`` (their families)."""
    frame = frame.reset_index(drop=True).copy()
    roles = frame["role"].tolist() if "role" in frame.columns else ["professional"] * len(frame)
    hits = rule_hits_by_role(frame["text"].tolist(), roles, version)
    frame["rules"] = [frozenset(h) for h in hits]
    frame["predicted"] = [frozenset().union(*(version.families_of[r] for r in h)) for h in hits]
    return frame


def families_in(frame: pd.DataFrame) -> list[str]:
    extra = sorted(set().union(*frame["families"]) - set(packs.FAMILIES)) if len(frame) else []
    return list(packs.FAMILIES) + extra


def family_scores(frame: pd.DataFrame, families: list[str] | None = None) -> list[FamilyScore]:
    """Per family tp/fp/fn of ``predicted`` against ``families`` (rows of :func:`predict`)."""
    out = []
    for family in families or families_in(frame):
        truth = [family in t for t in frame["families"]]
        pred = [family in p for p in frame["predicted"]]
        out.append(FamilyScore(family, sum(p and t for p, t in zip(pred, truth)),
                               sum(p and not t for p, t in zip(pred, truth)),
                               sum(t and not p for p, t in zip(pred, truth))))
    return out


def _score(value: float) -> str:
    """Two decimals, or "—" where there is nothing to divide (no flag raised, or no positive)."""
    return "—" if value != value else f"{value:.2f}"


def score_table(before: pd.DataFrame, after: pd.DataFrame) -> list[str]:
    """One line per split x family: the previous packs' scores, then the current ones."""
    head = f"{'split':17} {'family':16} {'n+':>3}   {PREVIOUS.version + ' P':>9} {'R':>5}   {CURRENT.version + ' P':>9} {'R':>5}  tp/fp/fn"
    lines = [head]
    for split in dict.fromkeys(after["split"]):
        b, a = before[before["split"] == split], after[after["split"] == split]
        families = families_in(a)
        for sb, sa in zip(family_scores(b, families), family_scores(a, families)):
            lines.append(f"{split:17} {sa.family:16} {sa.tp + sa.fn:3d}   {_score(sb.precision):>9} "
                         f"{_score(sb.recall):>5}   {_score(sa.precision):>9} {_score(sa.recall):>5}  "
                         f"{sa.tp}/{sa.fp}/{sa.fn}")
    return lines


def disagreements(frame: pd.DataFrame, split: str) -> list[str]:
    part = frame[(frame["split"] == split) & (frame["families"] != frame["predicted"])]
    lines = [f"{split} disagreements: {len(part)}"]
    for text, truth, rules in zip(part["text"], part["families"], part["rules"]):
        lines.append(f"  truth={','.join(sorted(truth)) or '-'} predicted={','.join(sorted(rules)) or '-'} | {text[:110]!r}")
    return lines


def load_tweet_act(path: Path = TWEET_ACT) -> list[str]:
    with open(path, encoding="utf-8", newline="") as f:
        return [row[0] for row in csv.reader(f) if row]


def tweet_act_line(version: Packs = CURRENT, path: Path = TWEET_ACT) -> tuple[str, pd.DataFrame | None]:
    """One line: Tweet-Act texts run as staff posts; every confidentiality flag is false."""
    if not path.exists():
        return (f"tweet-act: skipped, {path} is absent (the shared realdata folder is not checked out)", None)
    texts = load_tweet_act(path)
    frame = pd.DataFrame({"platform": "twitter", "post_id": [str(i) for i in range(len(texts))],
                          "author_role": "professional", "text": texts})
    out = version.flag_texts(frame)
    by_family = out.drop_duplicates(["post_id", "family"])["family"].value_counts()
    counts = ", ".join(f"{f} {int(by_family.get(f, 0))}" for f in by_family.index)
    nhs = int((out["rule_id"] == "CONF-NHS-NUMBER").sum())
    flagged = out["post_id"].nunique()
    out["text"] = [texts[int(i)] for i in out["post_id"]]
    return (f"tweet-act {version.version} (n={len(texts)} real tweets as staff posts): {flagged} flagged "
            f"({flagged / len(texts):.2%}); by family: {counts or 'none'}; CONF-NHS-NUMBER {nhs}", out)


def load_real_text(root: Path | None = None) -> pd.DataFrame | None:
    """Every real text as (record_id, text, split) with ``split`` one of :data:`REAL_SPLITS`'
    names, or None when the real data is absent."""
    root = root or question_corpus.realdata_dir()
    if root is None:
        return None
    frames = []
    for source, read in (("tweet_act", question_corpus.read_tweet_act),
                         ("other", question_corpus.read_customer_care), ("other", question_corpus.read_recordings)):
        frame = read(root)
        names = {split: name for s, split, name in REAL_SPLITS if s == source}
        frames.append(pd.DataFrame({"record_id": frame["record_id"], "text": frame["text"],
                                    "split": frame["split"].map(names)}))
    return pd.concat(frames, ignore_index=True)


class VerdictError(ValueError):
    """The real-text verdict file is malformed: the message names the file, line and field."""


def load_verdicts(path: Path | None = None) -> dict[tuple[str, str], tuple[str, bool]]:
    """(record_id, family) -> (text_sha, right?) from :data:`VERDICTS` (read at call time): every
    flag the packs raised on real text, read by hand (docs/labelling.md)."""
    path = path or VERDICTS
    out: dict[tuple[str, str], tuple[str, bool]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != VERDICT_COLUMNS:
            raise VerdictError(f"{path}:1: columns must be {', '.join(VERDICT_COLUMNS)}")
        for line, row in enumerate(reader, start=2):
            if row["family"] not in packs.FAMILIES:
                raise VerdictError(f"{path}:{line}: family {row['family']!r} is not a flag family")
            if row["verdict"] not in ("0", "1"):
                raise VerdictError(f"{path}:{line}: verdict {row['verdict']!r} must be 1 (right) or 0 (wrong)")
            if not re.fullmatch(r"[0-9a-f]{16}", row["text_sha"]):
                raise VerdictError(f"{path}:{line}: text_sha {row['text_sha']!r} is not 16 hex digits")
            key = (row["record_id"], row["family"])
            if key in out:
                raise VerdictError(f"{path}:{line}: record_id {row['record_id']!r} has a second {row['family']} verdict")
            out[key] = (row["text_sha"], row["verdict"] == "1")
    return out


def real_text_flags(frame: pd.DataFrame, versions: tuple[Packs, ...] = (PREVIOUS, CURRENT)) -> dict[str, list]:
    """Each version's predicted families per real text (run as staff posts)."""
    return {v.version: list(predict(frame.assign(role="professional"), v)["predicted"]) for v in versions}


def real_text_precision(frame: pd.DataFrame, flagged: dict[str, list],
                        verdicts: dict[tuple[str, str], tuple[str, bool]]) -> list[str]:
    """Per family and version, over every real-text split: flags read right / flags read, and the
    flags with no verdict for their text (a rule that changed raises flags nobody has read)."""
    shas = [question_corpus.text_sha(t) for t in frame["text"]]
    names = list(flagged)
    lines = [f"real text, flags read by hand ({VERDICTS.relative_to(REPO)}; right / read, all four splits)",
             f"{'family':16} " + "  ".join(f"{n + ' P':>18}" for n in names)]
    unread = {n: 0 for n in names}
    for family in packs.FAMILIES:
        cells = []
        for name in names:
            right = read = 0
            for record, sha, predicted in zip(frame["record_id"], shas, flagged[name]):
                if family not in predicted:
                    continue
                verdict = verdicts.get((record, family))
                if verdict is None or verdict[0] != sha:
                    unread[name] += 1
                    continue
                read, right = read + 1, right + verdict[1]
            cells.append(f"{right / read:.2f} ({right}/{read})" if read else "— (no flag)")
        lines.append(f"{family:16} " + "  ".join(f"{c:>18}" for c in cells))
    if any(unread.values()):
        lines.append("flags with no verdict (read them and add them to the file): "
                     + ", ".join(f"{n} {k}" for n, k in unread.items()))
    return lines


def real_text_table(frame: pd.DataFrame, versions: tuple[Packs, ...] = (PREVIOUS, CURRENT),
                    flagged: dict[str, list] | None = None) -> list[str]:
    """Posts flagged per real-text split and family (every family, zeros too), each version beside
    the next, run as staff posts; the texts carry no flag labels, so these are counts."""
    flagged = flagged or real_text_flags(frame, versions)
    names = " → ".join(v.version for v in versions)
    lines = [f"real text as staff posts (posts flagged, {names}; none labelled for flags: precision read by hand below)",
             f"{'split':17} {'n':>5}  " + "  ".join(f"{f:>15}" for f in (*packs.FAMILIES, "any"))]
    for _, _, split in REAL_SPLITS:
        rows = (frame["split"] == split).to_numpy()
        cells = []
        for family in (*packs.FAMILIES, "any"):
            counts = [sum(1 for p, keep in zip(flagged[v.version], rows)
                          if keep and (p if family == "any" else family in p)) for v in versions]
            cells.append(f"{' → '.join(str(c) for c in counts):>15}")
        lines.append(f"{split:17} {int(rows.sum()):5d}  " + "  ".join(cells))
    return lines


def labelled_frames(blind: bool = True) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """All labelled rows (dev, test and, when present and ``blind``, held-out) scored by both versions."""
    frame = pd.concat([load_labelled(), load_written()], ignore_index=True)
    heldout = load_heldout() if blind else None
    where = HELDOUT.relative_to(REPO) if HELDOUT.is_relative_to(REPO) else HELDOUT
    note = (f"held-out (blind): {where} (n={len(heldout)})" if heldout is not None
            else f"held-out (blind): left out (--skip-blind)" if not blind
            else f"held-out (blind): {where} is not present, block skipped")
    if heldout is not None:
        frame = pd.concat([frame, heldout], ignore_index=True)
    return predict(frame, PREVIOUS), predict(frame, CURRENT), note


def main(explain: bool = False, blind: bool = True) -> int:
    start = time.perf_counter()
    before, after, note = labelled_frames(blind)
    sizes = ", ".join(f"{s} {int((after['split'] == s).sum())}" for s in dict.fromkeys(after["split"]))
    print(f"guideline rules {CURRENT.version} beside {PREVIOUS.version}: {LABELLED.relative_to(REPO)}, the other "
          f"writers' staff posts and the held-out set ({sizes}); n+ = posts labelled with the family; staff posts unless the held-out author "
          f"says otherwise")
    print(note)
    print("* trained on: dev and written train* trained the learned rules (test and written test never did)")
    for line in score_table(before, after):
        print(line)
    real = load_real_text()
    if real is None:
        print(f"real text: skipped, the real data is absent (set ${question_corpus.REALDATA_ENV} or mount "
              f"{_realdata()})")
    else:
        flagged = real_text_flags(real)
        for line in real_text_table(real, flagged=flagged) + real_text_precision(real, flagged, load_verdicts()):
            print(line)
    tweets = None
    for version in (PREVIOUS, CURRENT):
        line, tweets = tweet_act_line(version)
        print(line)
    if explain:
        for split in dict.fromkeys(after["split"]):
            for line in disagreements(after, split):
                print(line)
        if tweets is not None:
            for rule_id, evidence, text in zip(tweets["rule_id"], tweets["evidence"], tweets["text"]):
                print(f"  tweet-act {rule_id:22} {evidence!r:30} | {text[:100]!r}")
    print(f"({time.perf_counter() - start:.1f} s)")
    return 0
