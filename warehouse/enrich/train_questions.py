"""``python -m warehouse.enrich.train_questions``: train the question model and write its artefact.

Reads the labelled corpus (:mod:`warehouse.enrich.question_corpus`: real text from
``../shared/realdata`` with the labels in ``warehouse/enrich/labels/``, and the domain sets in
``tests/data``), keeps only the train and dev splits (no test split, no held-out set, no copy
of a test text), cuts each text's features with the SQL the build runs, fits two logistic
regressions with a fixed seed and writes ``warehouse/enrich/question_model.json``:

- ``ask``: every training row, label "asks" (Tweet-Act: its QUE label);
- ``health``: the rows that ask, label "about health care" (DESIGN.md's patient question).

Weights are rounded to 4 decimals and written one per line, sorted, so the artefact is
reviewable in a diff and the same inputs give the same bytes (the tests check this).
``--in-use PATH`` adds the service's own blind-audit judgements of public posts (``python -m
warehouse audit --export DIR`` writes ``DIR/in_use_questions.csv``: ids, text hashes and labels;
the texts are read from the published warehouse), each weighing :data:`IN_USE_WEIGHT`; the
artefact then records the file's name, sha256, rows and samples under ``training.in_use``, and
so has a new version. Not used by default, so the committed artefact is reproducible from the
committed data alone.
``--check`` trains into memory and says whether the committed artefact is what training gives.
``--cv`` prints 5-fold cross-validated scores on the training rows (for choosing the settings
below; never the test splits).
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from warehouse.enrich import question_corpus, question_model, questions
from warehouse.enrich.question_model import HEADS
from warehouse.enrich.question_cues import (HEALTH_WORDS, INSTITUTION_WORDS, OFF_TOPIC_WORDS, QUESTION_CUES,
                                            SERVICE_WORDS, STYLE_WORDS)
from warehouse.enrich.question_model import QUIET_WORDS

SEED = 0
MIN_COUNT = 3  # a word or pair must occur in at least this many training texts
C = {"ask": 1.0, "health": 1.0}  # inverse regularisation strength per head (chosen by --cv)
# Each head's decision threshold on its score is chosen from this grid by 5-fold cross-validation
# on the training rows. "ask": the best mean F1 over the sources with at least MIN_POSITIVES
# asks (each counts once, so the 5,665 tweets do not outvote the domain texts); "health": the
# best F1 over all its rows pooled (its positives are all domain texts, its negatives mostly
# real off-topic asks, so a per-source F1 would not see false positives).
THRESHOLD_GRID = (-1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5)
MIN_POSITIVES = 20
FOLDS = 5
# The domain texts are few and the ones the product is for: each counts three times.
SOURCE_WEIGHT = {"tweet_act": 1.0, "customer_care": 1.0, "recordings": 1.0, "radiography": 3.0, "kinds": 3.0,
                 "written": 3.0}
IN_USE_WEIGHT = 3.0  # the service's own judgements of its own posts: as much as a domain text
LEXICONS = {"lex:health_words": HEALTH_WORDS, "lex:off_topic_words": OFF_TOPIC_WORDS,
            "lex:service_words": SERVICE_WORDS, "lex:institution_words": INSTITUTION_WORDS}
# The previous version's score (the sum of the cue weights) as one more feature of the ask
# head: the hand-set weights are a direction the model can use cheaply, folded back into the
# cue weights when the artefact is written.
RULE_PRIOR = "prior:rule_score"
CUE_WEIGHT = {cue.name: cue.weight for cue in QUESTION_CUES}


NOT_CONTENT = frozenset({"?", "!", "^", "$", "atmention", "url"}) | QUIET_WORDS | STYLE_WORDS


def content_feature(feature: str) -> bool:
    """Features the health head may use: content words, pairs of words at least one of which is
    a content word ("car park", "my biopsy", "band 5": what is asked about, questions-3) and
    the word lists — not punctuation, position markers, mentions, links, cues, common words
    alone or the words of asking (STYLE_WORDS). Whether a post is about health care is in what
    it is about, not in how it asks or whom it tags: the off-topic asks in the real data are
    @replies to support accounts written with "any help / thanks / does anyone know", and
    patients write so too."""
    if feature.startswith("lex:"):
        return True
    if feature.startswith("b:"):
        first, second = feature[2:].split(" ", 1)
        return (first not in NOT_CONTENT or second not in NOT_CONTENT) and not {first, second} & PAIR_EXCLUDED
    return feature.startswith("w:") and feature[2:] not in NOT_CONTENT


PAIR_EXCLUDED = frozenset({"?", "!", "atmention", "url"})
DECIMALS = 4


@dataclass
class Design:
    """The training matrix: one column per kept feature, counts."""
    features: list[str]
    matrix: object  # scipy.sparse.csr_matrix


def training_frame(in_use: pd.DataFrame | None = None) -> pd.DataFrame:
    """The training rows; ``in_use`` (:func:`in_use_rows`) joins before the test texts are
    taken out, so an audited post that copies a test text is not trained on either."""
    real, problems = question_corpus.real_corpus()
    if problems:
        raise SystemExit("cannot train, the labels do not match the real data:\n  " + "\n  ".join(problems[:20]))
    parts = [real, question_corpus.domain_sets(), question_corpus.written_sets()]
    return question_corpus.training_rows(pd.concat(parts + ([in_use] if in_use is not None else []),
                                                   ignore_index=True))


def in_use_rows(path: Path) -> tuple[pd.DataFrame, dict]:
    """The audit's training rows of an export (file or folder; texts from the published
    warehouse, :func:`warehouse.audit.question_training_rows`) and what the artefact records
    of them: the file's name and sha256, the rows used, the samples and the model versions
    that were audited."""
    from warehouse import audit

    return audit.training_source(path, "questions")


def _source_weight(frame: pd.DataFrame) -> dict[str, float]:
    return {**SOURCE_WEIGHT, **({"in_use": IN_USE_WEIGHT} if (frame["source"] == "in_use").any() else {})}


def design(feature_lists: list[list[str]], vocabulary: list[str] | None = None) -> Design:
    """Count matrix over ``vocabulary`` (default: features in >= MIN_COUNT texts, every cue,
    and one column per word list counting its words)."""
    from scipy import sparse

    if vocabulary is None:
        document_counts: dict[str, int] = {}
        for features in feature_lists:
            for f in set(features):
                document_counts[f] = document_counts.get(f, 0) + 1
        vocabulary = sorted(f for f, n in document_counts.items() if n >= MIN_COUNT or f.startswith("c:"))
        vocabulary += sorted(LEXICONS) + [RULE_PRIOR]
    index = {f: n for n, f in enumerate(vocabulary)}
    rows, cols, values = [], [], []
    for r, features in enumerate(feature_lists):
        counts: dict[int, int] = {}
        for f in features:
            if f in index:
                counts[index[f]] = counts.get(index[f], 0) + 1
            if f.startswith("w:"):
                for name, words in LEXICONS.items():
                    if f[2:] in words:
                        counts[index[name]] = counts.get(index[name], 0) + 1
        prior = sum(CUE_WEIGHT.get(f[2:], 0.0) for f in features if f.startswith("c:"))
        counts[index[RULE_PRIOR]] = prior
        for c, v in sorted(counts.items()):
            rows.append(r), cols.append(c), values.append(float(v))
    matrix = sparse.csr_matrix((values, (rows, cols)), shape=(len(feature_lists), len(vocabulary)))
    return Design(vocabulary, matrix)


def _fit(x, y, weights, c: float):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, solver="liblinear", random_state=SEED, max_iter=1000)
    model.fit(x, y, sample_weight=weights)
    return model


def _columns(features: list[str], head: str) -> np.ndarray:
    """The design columns a head reads: all for "ask", the content features for "health"."""
    return np.array([n for n, f in enumerate(features) if head == "ask" or content_feature(f)])


# Sources whose rows say "about health care" whether or not they ask (the written and domain
# sets); elsewhere only the asks carry a health label.
HEALTH_EVERY_ROW = ("radiography", "kinds", "written")


def _heads(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """Which rows each head trains on (a boolean mask per head): "ask" every row; "health" the
    rows that ask, and every row of the sets labelled for health care throughout (a
    statement about a mammogram is about health care as much as a question is)."""
    labelled = (frame["asks"] == True) | frame["source"].isin(HEALTH_EVERY_ROW)  # noqa: E712
    return {"ask": frame["asks"].notna(), "health": labelled & frame["health"].notna()}


def _labels(frame: pd.DataFrame, head: str) -> np.ndarray:
    return (frame["asks"] if head == "ask" else frame["health"] == 1).astype(int).to_numpy()


def train(frame: pd.DataFrame, in_use: dict | None = None) -> dict:
    """The artefact's content (a dict ready for :func:`dumps`); ``in_use``: what
    :func:`in_use_rows` says of the audit rows in ``frame`` (recorded in the artefact)."""
    lists = questions.feature_lists(frame["text"].tolist())
    d = design(lists)
    weights = frame["source"].map(_source_weight(frame)).to_numpy()
    heads, coefficients = {}, {}
    for head, mask in _heads(frame).items():
        rows, columns = np.flatnonzero(mask.to_numpy()), _columns(d.features, head)
        model = _fit(d.matrix[rows][:, columns], _labels(frame.iloc[rows], head), weights[rows], C[head])
        coefficients[head] = dict.fromkeys(d.features, 0.0)
        coefficients[head].update(zip([d.features[c] for c in columns], model.coef_[0].tolist()))
        threshold = choose_threshold(frame, *cv_scores(frame, lists, head), head)
        heads[head] = {"intercept": round(float(model.intercept_[0]), DECIMALS), "threshold": threshold,
                       "C": C[head], "rows": int(len(rows)), "positives": int(_labels(frame.iloc[rows], head).sum())}
    table: dict[str, list[float]] = {}
    for f in d.features:
        if f in LEXICONS or f == RULE_PRIOR:
            continue
        table[f] = [coefficients["ask"][f], coefficients["health"][f]]
    for cue, weight in CUE_WEIGHT.items():  # fold the previous version's score into its cues
        row = table.setdefault(f"c:{cue}", [0.0, 0.0])
        row[0] += coefficients["ask"][RULE_PRIOR] * weight
    for name, words in LEXICONS.items():  # fold each word list's weight into its words
        for word in sorted(words):
            row = table.setdefault(f"w:{word}", [0.0, 0.0])
            row[0] += coefficients["ask"][name]
            row[1] += coefficients["health"][name]
    rows = [[f, round(a, DECIMALS) + 0.0, round(h, DECIMALS) + 0.0] for f, (a, h) in sorted(table.items())]
    rows = [r for r in rows if r[1] != 0.0 or r[2] != 0.0]
    return {
        "format": question_model.FORMAT,
        "about": "Question classifier weights: trained by python -m warehouse.enrich.train_questions; "
                 "see docs/questions.md. Score = intercept + sum of the weights of a post's features.",
        "heads": heads,
        "training": {"seed": SEED, "min_count": MIN_COUNT, "source_weight": _source_weight(frame),
                     **({"in_use": in_use} if in_use else {}),
                     "rows": {k: int(v) for k, v in frame["source"].value_counts().sort_index().items()},
                     "word_lists": {name: [round(coefficients["ask"][name], DECIMALS),
                                           round(coefficients["health"][name], DECIMALS)] for name in sorted(LEXICONS)},
                     "rule_score": round(coefficients["ask"][RULE_PRIOR], DECIMALS)},
        "weights": rows,
    }


def dumps(content: dict) -> str:
    """JSON with one weight per line (reviewable diffs), keys in a fixed order."""
    head = {k: v for k, v in content.items() if k != "weights"}
    text = json.dumps(head, indent=1, sort_keys=True, ensure_ascii=False)[:-2]
    lines = ",\n".join("  " + json.dumps(row, ensure_ascii=False) for row in content["weights"])
    return f'{text},\n "weights": [\n{lines}\n ]\n}}\n'


def cv_scores(frame: pd.DataFrame, lists: list[list[str]], head: str) -> tuple[np.ndarray, np.ndarray]:
    """(rows, out-of-fold scores) of one head: each training row scored by a model fitted on
    the other folds."""
    from sklearn.model_selection import StratifiedKFold

    weights = frame["source"].map(_source_weight(frame)).to_numpy()
    rows = np.flatnonzero(_heads(frame)[head].to_numpy())
    y = _labels(frame.iloc[rows], head)
    scores = np.zeros(len(rows))
    for train_idx, test_idx in StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(rows, y):
        d = design([lists[i] for i in rows[train_idx]])
        columns = _columns(d.features, head)
        model = _fit(d.matrix[:, columns], y[train_idx], weights[rows[train_idx]], C[head])
        held = design([lists[i] for i in rows[test_idx]], d.features)
        scores[test_idx] = model.decision_function(held.matrix[:, columns])
    return rows, scores


def _f1(y: np.ndarray, predicted: np.ndarray) -> float:
    tp = int((predicted & (y == 1)).sum())
    return 2 * tp / (int(predicted.sum()) + int(y.sum())) if predicted.sum() + y.sum() else 0.0


def choose_threshold(frame: pd.DataFrame, rows: np.ndarray, scores: np.ndarray, head: str) -> float:
    """The grid threshold with the best cross-validated F1 (see THRESHOLD_GRID; ties: the one
    nearest 0, i.e. probability 0.5)."""
    y = _labels(frame.iloc[rows], head)
    sources = frame["source"].to_numpy()[rows]
    groups = [sources == s for s in sorted(set(sources)) if y[sources == s].sum() >= MIN_POSITIVES] \
        if head == "ask" else [np.ones(len(rows), dtype=bool)]

    def mean_f1(threshold: float) -> float:
        return float(np.mean([_f1(y[g], scores[g] > threshold) for g in groups]))

    return max(THRESHOLD_GRID, key=lambda t: (round(mean_f1(t), 6), -abs(t)))


def cross_validate(frame: pd.DataFrame) -> list[str]:
    """Cross-validated precision/recall per head and source at the chosen threshold (training rows only)."""
    lists = questions.feature_lists(frame["text"].tolist())
    out = []
    for head in HEADS:
        rows, scores = cv_scores(frame, lists, head)
        threshold = choose_threshold(frame, rows, scores, head)
        y, predicted = _labels(frame.iloc[rows], head), scores > threshold
        sources = frame["source"].to_numpy()[rows]
        for source in sorted(set(sources)):
            part = sources == source
            tp = int((predicted[part] & (y[part] == 1)).sum())
            if y[part].sum() == 0:
                out.append(f"{head} cv {source} (threshold {threshold}): n={part.sum()} no positives, "
                           f"predicted positive {int(predicted[part].sum())}")
                continue
            p = tp / max(int(predicted[part].sum()), 1)
            r = tp / int(y[part].sum())
            out.append(f"{head} cv {source} (threshold {threshold}): n={part.sum()} P={p:.2f} R={r:.2f} "
                       f"F1={_f1(y[part], predicted[part]):.3f}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse.enrich.train_questions", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=question_model.ARTEFACT, help="where to write the artefact")
    parser.add_argument("--check", action="store_true", help="exit 1 if the artefact differs from what training gives")
    parser.add_argument("--cv", action="store_true", help="print cross-validated scores on the training rows")
    parser.add_argument("--in-use", type=Path, metavar="PATH",
                        help="also train on the audit judgements in PATH (the folder of python -m warehouse audit "
                             "--export, or its in_use_questions.csv)")
    args = parser.parse_args(argv)
    try:
        in_use, record = in_use_rows(args.in_use) if args.in_use is not None else (None, None)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    frame = training_frame(in_use)
    if args.cv:
        for line in cross_validate(frame):
            print(line)
        return 0
    text = dumps(train(frame, record))
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'matches' if same else 'differs from'} what training gives "
              f"({question_model.version_of(text.encode())})")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({question_model.version_of(text.encode())}, {len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
