"""``python -m warehouse.rules.train_flags``: train the learned guideline detector (one linear
model per flag family) and write ``warehouse/rules/flag_model.json``.

Training rows (never a test split nor the blind held-out set):

- the Tweet-Act tweets of its train split (``../shared/realdata``; lines not divisible by 5),
  as real text by people who are not staff writing about patients or colleagues: negatives for
  :data:`REAL_NEGATIVE_FAMILIES`, each weighing :data:`REAL_WEIGHT`; left out of ``offensive``,
  where a real tweet may really swear (they were not labelled for it). Their words enter the
  vocabulary only if the labelled rows use them;

- ``tests/data/guideline_posts.csv``, its ``dev`` split (written here; ``test`` is held back);
- ``warehouse/enrich/training/staff_posts_w*.csv`` (written blind by two other writers), except
  a fixed 20% by the id's hash, held back as "written (other writers) test";
- with ``--in-use PATH``: the service's own blind-audit judgements, exported by ``python -m
  warehouse audit --export DIR`` (``DIR/in_use_flags.csv``: ids and text hashes; the texts
  are read from the published warehouse, :func:`warehouse.audit.training_rows`). Not used by
  default, so ``--check`` keeps comparing the committed artefact with the committed data.

Each text's features are cut by the SQL the build runs (the regex rules of the packs first:
their hits are features too). Per family a logistic regression (liblinear, fixed seed) is
fitted on every training row, label "a reviewer flags this family". Its threshold is the
lowest on a fixed grid at which, 5-fold cross-validated on the training rows, the family's
flags keep a precision of at least :data:`MIN_PRECISION` and the flags the learned rule adds
(rows no regex rule of the family hits) at least :data:`MIN_ADDED_PRECISION` (recall as high
as that allows; :func:`choose_threshold`); weights are rounded to 4 decimals and
written one per line, sorted, so the same inputs give the same bytes (``--check`` says whether
the committed artefact is what training gives; ``--cv`` prints the cross-validated scores).
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from warehouse.enrich import scratch_connection
from warehouse.enrich.train_questions import dumps  # one artefact format: a weight per line
from warehouse.enrich.question_model import feature_sql
from warehouse.rules import engine, flag_model, packs

REPO = Path(__file__).resolve().parents[2]
GUIDELINE_POSTS = REPO / "tests" / "data" / "guideline_posts.csv"
WRITTEN = tuple(sorted((REPO / "warehouse" / "enrich" / "training").glob("staff_posts_w*.csv")))
WRITTEN_TEST_SHARE = 20  # percent of the written rows held back, by the sha256 of the id
SEED = 0
MIN_COUNT = 2  # a word or pair must occur in at least this many training texts
C = 3.0  # inverse regularisation strength (chosen by --cv)
FOLDS = 5
MIN_PRECISION = 0.85
MIN_ADDED_PRECISION = 0.8
THRESHOLD_GRID = tuple(round(float(x), 2) for x in np.arange(-2.0, 3.01, 0.25))
DECIMALS = 4
REAL_NEGATIVE_FAMILIES = ("confidentiality", "clinical_advice", "boundaries", "incivility", "discrimination",
                          "copyright")
REAL_WEIGHT = 0.25


def written_split(record_id: str) -> str:
    return "test" if int(hashlib.sha256(record_id.encode("utf-8")).hexdigest()[:8], 16) % 100 < WRITTEN_TEST_SHARE \
        else "train"


def _families(value: str, path: Path, line: int) -> frozenset[str]:
    found = frozenset(f.strip() for f in value.split(";") if f.strip())
    unknown = found - set(packs.FAMILIES)
    if unknown:
        raise ValueError(f"{path}, line {line}, field families: unknown families {sorted(unknown)}")
    return found


def written_sets(paths: tuple[Path, ...] = WRITTEN) -> pd.DataFrame:
    """The staff posts written by other writers: id, text, families, kind, split, source."""
    frames = []
    for path in paths:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        missing = {"id", "text", "families", "kind"} - set(frame.columns)
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        frame["families"] = [_families(v, path, n) for n, v in enumerate(frame["families"], start=2)]
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True)
    frame["split"] = frame["id"].map(written_split)
    frame["source"] = "written"
    return frame[["id", "text", "families", "kind", "split", "source"]]


def tweet_act_train() -> pd.DataFrame:
    """Tweet-Act's train split as (text, families=None, source='tweet_act'); empty when the real data is absent."""
    from warehouse.enrich import question_corpus

    root = question_corpus.realdata_dir()
    if root is None:
        raise SystemExit("cannot train: the real data is absent (../shared/realdata or $RADSOME_REALDATA)")
    tweets = question_corpus.read_tweet_act(root)
    tweets = tweets[tweets["split"] == "train"]
    return pd.DataFrame({"text": tweets["text"].tolist(), "families": None, "source": "tweet_act"})


def training_frame() -> pd.DataFrame:
    """Guideline dev rows, the written train rows and Tweet-Act's train split (text, families, source;
    families is None for a tweet: labelled only as a negative of REAL_NEGATIVE_FAMILIES)."""
    guideline = pd.read_csv(GUIDELINE_POSTS, dtype=str, keep_default_na=False)
    guideline = guideline[guideline["split"] == "dev"].copy()
    guideline["families"] = [_families(v, GUIDELINE_POSTS, n) for n, v in enumerate(guideline["families"], start=2)]
    guideline["source"] = "guideline_dev"
    written = written_sets()
    rows = pd.concat([guideline[["text", "families", "source"]],
                      written.loc[written["split"] == "train", ["text", "families", "source"]],
                      tweet_act_train()], ignore_index=True)
    return rows.reset_index(drop=True)


def in_use_frame(path: Path) -> tuple[pd.DataFrame, dict]:
    """The blind-audit training rows of an export (its folder or ``in_use_flags.csv``; texts
    from the published warehouse) and what the artefact records of them (file name, sha256,
    rows, samples, the versions audited)."""
    from warehouse import audit

    return audit.training_source(path, "flags")


def regex_rules() -> tuple[packs.Rule, ...]:
    return tuple(r for r in packs.RULES if r.detector.kind != "learned")


def feature_lists(texts: list[str]) -> list[list[str]]:
    """Each text's features as the build cuts them for a staff post: its words and pairs, and
    ``c:<RULE-ID>`` for every regex rule that hits it."""
    frame = pd.DataFrame({"platform": "train", "post_id": [str(i) for i in range(len(texts))],
                          "author_role": "professional", "text": texts})
    hits = engine.flag_texts(frame, regex_rules())
    rules: list[list[str]] = [[] for _ in texts]
    for post_id, rule_id in zip(hits["post_id"], hits["rule_id"]):
        rules[int(post_id)].append(rule_id)
    con = scratch_connection()
    try:
        con.execute("CREATE TABLE t AS SELECT unnest($i) AS i, unnest($x) AS text, unnest($r) AS r",
                    {"i": list(range(len(texts))), "x": list(texts), "r": rules})
        con.execute(f"CREATE TABLE c AS SELECT i, {flag_model.clean_sql('text')} AS text, r FROM t")
        rows = con.execute(f"""SELECT c.i, coalesce(list(f.f) FILTER (WHERE f.f IS NOT NULL), []::VARCHAR[])
            FROM c LEFT JOIN ({feature_sql("c", "i", "text", "r")}) f USING (i) GROUP BY c.i ORDER BY c.i""").fetchall()
    finally:
        con.close()
    return [sorted(features) for _, features in rows]


def design(lists: list[list[str]], vocabulary: list[str] | None = None, labelled: np.ndarray | None = None):
    """Count matrix over ``vocabulary`` (default: features in >= MIN_COUNT of the ``labelled``
    rows, and every rule cue)."""
    from scipy import sparse

    if vocabulary is None:
        counts: dict[str, int] = {}
        for n, features in enumerate(lists):
            if labelled is not None and not labelled[n]:
                continue
            for f in set(features):
                counts[f] = counts.get(f, 0) + 1
        vocabulary = sorted(f for f, n in counts.items() if n >= MIN_COUNT or f.startswith("c:"))
    index = {f: n for n, f in enumerate(vocabulary)}
    rows, cols, values = [], [], []
    for r, features in enumerate(lists):
        seen: dict[int, int] = {}
        for f in features:
            if f in index:
                seen[index[f]] = seen.get(index[f], 0) + 1
        for c, v in sorted(seen.items()):
            rows.append(r), cols.append(c), values.append(float(v))
    return vocabulary, sparse.csr_matrix((values, (rows, cols)), shape=(len(lists), len(vocabulary)))


def _fit(x, y, weights):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, solver="liblinear", random_state=SEED, max_iter=1000).fit(x, y, sample_weight=weights)


def _labels(frame: pd.DataFrame, family: str) -> np.ndarray:
    return np.array([f is not None and family in f for f in frame["families"]], dtype=int)


def _rows(frame: pd.DataFrame, family: str) -> np.ndarray:
    """Which rows a family trains and is scored on: every labelled row, and the tweets for
    the families they are negatives of."""
    labelled = frame["families"].notna().to_numpy()
    return labelled | (family in REAL_NEGATIVE_FAMILIES)


def _weights(frame: pd.DataFrame) -> np.ndarray:
    return np.where(frame["source"].to_numpy() == "tweet_act", REAL_WEIGHT, 1.0)


def cv_scores(frame: pd.DataFrame, lists: list[list[str]]) -> dict[str, np.ndarray]:
    """Out-of-fold scores per family (each row scored by models fitted on the other folds)."""
    from sklearn.model_selection import KFold

    scores = {f: np.zeros(len(frame)) for f in packs.FAMILIES}
    for train_idx, test_idx in KFold(FOLDS, shuffle=True, random_state=SEED).split(np.arange(len(frame))):
        part = frame.iloc[train_idx]
        vocabulary, x = design([lists[i] for i in train_idx], labelled=part["families"].notna().to_numpy())
        _, held = design([lists[i] for i in test_idx], vocabulary)
        for family in packs.FAMILIES:
            use = _rows(part, family)
            model = _fit(x[use], _labels(part, family)[use], _weights(part)[use])
            scores[family][test_idx] = model.decision_function(held)
    return scores


def precision_recall(y: np.ndarray, predicted: np.ndarray) -> tuple[float, float]:
    tp = int((predicted & (y == 1)).sum())
    return (tp / int(predicted.sum()) if predicted.sum() else 1.0), (tp / int(y.sum()) if y.sum() else 0.0)


def regex_hit(lists: list[list[str]], family: str) -> np.ndarray:
    """Whether a regex rule of ``family`` hit each row (its ``c:`` feature)."""
    ids = {f"c:{r.rule_id}" for r in regex_rules() if r.family == family}
    return np.array([bool(ids & set(features)) for features in lists])


def choose_threshold(y: np.ndarray, scores: np.ndarray, regex: np.ndarray) -> float:
    """The lowest grid threshold at which, cross-validated, the family's flags (regex or
    learned) keep a precision of at least MIN_PRECISION (or the regex rules' own, if lower)
    and the learned rule's own flags (rows without a regex hit of the family) at least
    MIN_ADDED_PRECISION."""
    floor = min(MIN_PRECISION, precision_recall(y, regex)[0])
    for threshold in THRESHOLD_GRID:
        added = (scores > threshold) & ~regex
        if (added.sum() and precision_recall(y, added)[0] >= MIN_ADDED_PRECISION
                and precision_recall(y, regex | added)[0] >= floor):
            return float(threshold)
    return float(THRESHOLD_GRID[-1])


def combined(y: np.ndarray, scores: np.ndarray, regex: np.ndarray, threshold: float) -> str:
    """Cross-validated precision/recall of the regex rules alone, and with the learned rule."""
    (p0, r0), (p1, r1) = precision_recall(y, regex), precision_recall(y, regex | (scores > threshold))
    added = (scores > threshold) & ~regex
    return (f"regex P={p0:.2f} R={r0:.2f}; with learned P={p1:.2f} R={r1:.2f} "
            f"(learned adds {int(added.sum())}, {int((added & (y == 1)).sum())} right)")


def train(frame: pd.DataFrame, in_use: dict | None = None) -> dict:
    """The artefact's content (a dict ready for :func:`dumps`)."""
    lists = feature_lists(frame["text"].tolist())
    vocabulary, x = design(lists, labelled=frame["families"].notna().to_numpy())
    cv = cv_scores(frame, lists)
    heads, coefficients = {}, {}
    for family in packs.FAMILIES:
        use = _rows(frame, family)
        model = _fit(x[use], _labels(frame, family)[use], _weights(frame)[use])
        coefficients[family] = model.coef_[0]
        y, regex = _labels(frame, family)[use], regex_hit(lists, family)[use]
        threshold = choose_threshold(y, cv[family][use], regex)
        p, r = precision_recall(y, regex | (cv[family][use] > threshold))
        heads[family] = {"intercept": round(float(model.intercept_[0]), DECIMALS), "threshold": threshold,
                         "positives": int(y.sum()), "cv_precision": round(p, 3), "cv_recall": round(r, 3)}
    rows = []
    for n, feature in enumerate(vocabulary):
        values = [round(float(coefficients[f][n]), DECIMALS) + 0.0 for f in packs.FAMILIES]
        if any(values):
            rows.append([feature, *values])
    return {
        "format": flag_model.FORMAT,
        "about": "Guideline flag weights: trained by python -m warehouse.rules.train_flags; see docs/methods.md. "
                 "Score of a family = intercept + sum of the weights of a post's features.",
        "families": list(packs.FAMILIES),
        "heads": heads,
        "training": {**({"in_use": in_use} if in_use else {}),
                     "seed": SEED, "min_count": MIN_COUNT, "C": C, "min_precision": MIN_PRECISION,
                     "min_added_precision": MIN_ADDED_PRECISION, "real_weight": REAL_WEIGHT,
                     "real_negative_families": list(REAL_NEGATIVE_FAMILIES),
                     "rows": {k: int(v) for k, v in frame["source"].value_counts().sort_index().items()}},
        "weights": rows,
    }


def cross_validate(frame: pd.DataFrame) -> list[str]:
    lists = feature_lists(frame["text"].tolist())
    cv = cv_scores(frame, lists)
    out = []
    for family in packs.FAMILIES:
        use = _rows(frame, family)
        y, regex = _labels(frame, family)[use], regex_hit(lists, family)[use]
        threshold = choose_threshold(y, cv[family][use], regex)
        out.append(f"{family} cv (threshold {threshold}): n={int(use.sum())} n+={int(y.sum())} "
                   f"{combined(y, cv[family][use], regex, threshold)}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse.rules.train_flags", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=flag_model.ARTEFACT, help="where to write the artefact")
    parser.add_argument("--check", action="store_true", help="exit 1 if the artefact differs from what training gives")
    parser.add_argument("--cv", action="store_true", help="print cross-validated scores on the training rows")
    parser.add_argument("--in-use", type=Path, metavar="PATH",
                        help="also train on the audit judgements in PATH (the folder of python -m warehouse audit --export, "
                             "or its in_use_flags.csv)")
    args = parser.parse_args(argv)
    frame, record = training_frame(), None
    if args.in_use is not None:
        try:
            rows, record = in_use_frame(args.in_use)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        frame = pd.concat([frame, rows], ignore_index=True)
    if args.cv:
        for line in cross_validate(frame):
            print(line)
        return 0
    text = dumps(train(frame, record))
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'matches' if same else 'differs from'} what training gives ({flag_model.version_of(text.encode())})")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({flag_model.version_of(text.encode())}, {len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
