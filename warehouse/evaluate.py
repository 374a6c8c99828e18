"""``python -m warehouse evaluate``: how well the question classifier does on labelled text.

One line per data set and split, each with the classifier (``new``), the bare "contains ?"
baseline (``"?"``), the previous model (``q2``: questions-2, its artefact frozen in
``warehouse/enrich/previous/``) and the version before it (``prev``: the cue rules alone,
questions-1):

- **Tweet-Act** (real tweets, ``../shared/realdata``): does the text ask (its label QUE).
  Lines whose 1-based number is divisible by 5 are TEST, never trained or tuned on.
- **real text** (customer-care turns and the platform recordings, labelled here, see
  docs/labelling.md): does it ask; and of the posts that ask about something other than health
  care, the share counted as patient questions (a patient question needs health care: the
  target is at most 3%). A fixed 30% is TEST, by conversation or text hash.
- **domain** (``tests/data/radiography_questions.csv``, written here; dev was trained on) and
  the **kinds** dev set (``tests/data/question_kinds_dev.csv``): is it a patient question,
  and topic accuracy on the true ones (a missed question counts as a wrong topic).
- **written (other writers)** (``warehouse/enrich/training/public_posts_w*.csv``, written blind
  by two other writers): 80% trained on, a fixed 20% by id hash held back as its test split.
- **held-out (blind)** (``tests/data/heldout/patient_questions.csv``, written by someone else
  and never seen here) when the file is present.

After the questions, the guideline rules: every flag family on every labelled split and on
each real-text split, the current packs beside the previous ones (:mod:`warehouse.rules.evaluate`).
``--questions`` prints the questions only, ``--rules`` the rules only.

``--explain`` lists the disagreements on the test splits; ``--skip-blind`` leaves the blind
held-out sets out (for runs while changing a classifier, which must not look at them); ``--speed N`` times the classifier in
DuckDB over N labelled texts (the build's speed is measured by ``bench/run.py``).
"""
from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import pandas as pd

from pathlib import Path

from warehouse.enrich import question_corpus as corpus
from warehouse.enrich import question_model, questions, scratch_connection

PREVIOUS_MODEL = Path(question_model.__file__).with_name("previous") / "question_model_questions2.json"

@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float

    def __str__(self) -> str:
        return f"P={self.precision:.2f} R={self.recall:.2f} F1={self.f1:.3f}"


def scores(predicted, truth) -> Scores:
    pairs = list(zip(predicted, truth))
    tp = sum(1 for p, t in pairs if p and t)
    fp = sum(1 for p, t in pairs if p and not t)
    fn = sum(1 for p, t in pairs if not p and t)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1)


def has_question_mark(texts) -> list[bool]:
    return ["?" in (t or "") for t in texts]


def load_radiography() -> pd.DataFrame:
    """The domain set as written (text, is_question, topic, split, asks, health)."""
    frame = pd.read_csv(corpus.DOMAIN, dtype={"text": str, "topic": str, "split": str}, keep_default_na=False)
    frame["is_question"] = frame["is_question"].astype(int) == 1
    return frame


def predicted(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the new classifier's columns and the previous version's (``prev_*``)."""
    texts = frame["text"].tolist()
    new = questions.classify(texts).drop(columns="text").rename(columns={"asks": "asks_pred", "topic": "topic_pred"})
    old = questions.classify(texts, previous=True)[["is_question", "topic"]].add_prefix("prev_")
    q2 = questions.classify(texts, model=question_model.load(PREVIOUS_MODEL))[["asks", "is_question", "topic"]]
    return frame.reset_index(drop=True).join(new).join(old).join(q2.add_prefix("q2_"))


def _line(name: str, frame: pd.DataFrame, truth: str, new: str, prev: str) -> str:
    q2 = "q2_asks" if new == "asks_pred" else "q2_" + new
    return (f"{name} (n={len(frame)}, {int(frame[truth].sum())} true): new {scores(frame[new], frame[truth])} | "
            f"\"?\" {scores(has_question_mark(frame['text']), frame[truth])} | q2 {scores(frame[q2], frame[truth])} | "
            f"prev {scores(frame[prev], frame[truth])}")


def _topic_accuracy(frame: pd.DataFrame) -> str:
    asked = frame[frame["patient_question"]]
    if asked.empty:
        return ""
    new = int((asked["topic_pred"] == asked["topic"]).sum())
    q2 = int((asked["q2_topic"] == asked["topic"]).sum())
    old = int((asked["prev_topic"] == asked["topic"]).sum())
    return (f" | topic accuracy new {new / len(asked):.2f} q2 {q2 / len(asked):.2f} prev {old / len(asked):.2f} "
            f"({len(asked)} questions)")


def _off_topic(frame: pd.DataFrame) -> str:
    """Of the rows that ask about something other than health care, the share counted as
    patient questions (new, previous version, and "?" which has no notion of a topic)."""
    off = frame[(frame["asks"] == True) & (frame["health"] == 0)]  # noqa: E712
    if off.empty:
        return ""
    share = lambda s: f"{s.mean():.1%} ({int(s.sum())}/{len(s)})"  # noqa: E731
    return (f"  off-topic asks counted as patient questions: new {share(off['is_question'])} | "
            f"\"?\" {share(pd.Series(has_question_mark(off['text'])))} | q2 {share(off['q2_is_question'])} | "
            f"prev {share(off['prev_is_question'])}")


def evaluate_real() -> tuple[list[str], pd.DataFrame | None]:
    real, problems = corpus.real_corpus()
    if real.empty:
        return [f"real text: skipped, {problems[0]}"], None
    lines = [f"real text: label problem: {p}" for p in problems[:10]]
    frame = predicted(real)
    tweets = frame[frame["source"] == "tweet_act"]
    for split, name in (("train", "tweet-act train (trained on)"), ("test", "tweet-act test")):
        lines.append(_line(f"{name}, asks", tweets[tweets["split"] == split], "asks", "asks_pred", "prev_is_question"))
    others = frame[frame["source"] != "tweet_act"]
    for split, name in (("train", "real text train (trained on)"), ("test", "real text test")):
        part = others[others["split"] == split]
        lines.append(_line(f"{name}, asks", part, "asks", "asks_pred", "prev_is_question"))
        lines.append(f"  patient questions: {int(part['patient_question'].sum())} true; counted by new "
                     f"{int(part['is_question'].sum())}, by prev {int(part['prev_is_question'].sum())}")
        lines.append(_off_topic(part))
    return [line for line in lines if line], frame


def evaluate_domain() -> tuple[list[str], pd.DataFrame]:
    frame = predicted(corpus.domain_sets())
    lines = []
    for source, split, name in (("radiography", "dev", "domain dev (trained on)"), ("radiography", "test", "domain test"),
                                ("kinds", "dev", "kinds dev (trained on)")):
        part = frame[(frame["source"] == source) & (frame["split"] == split)]
        lines.append(_line(f"{name}, patient questions", part, "patient_question", "is_question", "prev_is_question")
                     + _topic_accuracy(part))
        lines.append(_off_topic(part))
    return [line for line in lines if line], frame


def evaluate_written() -> tuple[list[str], pd.DataFrame]:
    """The public posts written by other writers: train (trained on) and the held-back test."""
    frame = predicted(corpus.written_sets())
    lines = []
    for split, name in (("train", "written (other writers) train (trained on)"),
                        ("test", "written (other writers) test")):
        part = frame[frame["split"] == split]
        lines.append(_line(f"{name}, patient questions", part, "patient_question", "is_question", "prev_is_question")
                     + _topic_accuracy(part))
        lines.append(_line(f"{name}, asks", part, "asks", "asks_pred", "prev_is_question"))
        lines.append(_off_topic(part))
    return [line for line in lines if line], frame


def evaluate_heldout() -> tuple[list[str], pd.DataFrame | None]:
    labelled = corpus.heldout()
    if labelled is None:
        return [f"held-out (blind): absent ({corpus.HELDOUT} is not on this branch)"], None
    frame = predicted(labelled)
    lines = [_line("held-out (blind), patient questions", frame, "patient_question", "is_question", "prev_is_question")
             + _topic_accuracy(frame)]
    if "kind" in frame and frame["kind"].str.contains("off", case=False).any():
        off = frame[frame["kind"].str.contains("off", case=False) & ~frame["patient_question"]]
        lines.append(f"  off-topic asks counted as patient questions: new {off['is_question'].mean():.1%} "
                     f"({int(off['is_question'].sum())}/{len(off)}) | q2 {off['q2_is_question'].mean():.1%} "
                     f"| prev {off['prev_is_question'].mean():.1%}")
    return lines, frame


def explain(frames: list[pd.DataFrame], examples: int = 40) -> list[str]:
    """The test-split rows where the classifier and the label disagree, with its reasons."""
    lines = []
    for frame in frames:
        if frame is None:
            continue
        test = frame[frame["split"] == "test"]
        if test.empty:
            continue
        real = test["source"].iloc[0] in ("tweet_act", "customer_care", "recordings")
        truth, column = ("asks", "asks_pred") if real else ("patient_question", "is_question")
        wrong = test[test[column] != test[truth]]
        for _, row in wrong.head(examples).iterrows():
            kind = "missed" if not row[column] else "false"
            lines.append(f"  {row['source']} {truth} {kind}: {row['text'][:120]!r} -> {list(row['question_cues'])}")
    return lines


def speed(n: int) -> str:
    """Classify ``n`` texts inside DuckDB (as the build does) and report texts/s: the labelled
    texts repeated with a varying suffix."""
    real, _ = corpus.real_corpus()
    sample = corpus.domain_sets()["text"].tolist() + real["text"].tolist()
    con = scratch_connection()
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute("CREATE TABLE sample AS SELECT unnest($t) AS text", {"t": sample})
        con.execute(f"""CREATE TABLE bench AS SELECT i AS post_id, s.text || ' #' || (i % 997) AS text
                        FROM range({int(n)}) r(i)
                        JOIN (SELECT row_number() OVER () - 1 AS k, text FROM sample) s ON s.k = i % {len(sample)}""")
        rows = con.execute("SELECT count(*) FROM bench").fetchall()[0][0]
        start = time.perf_counter()
        con.execute(f"CREATE TABLE out AS {questions.annotate_sql('bench')}")
        seconds = time.perf_counter() - start
        share = con.execute("SELECT avg(is_question::INT) FROM out").fetchall()[0][0]
        threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    finally:
        con.close()
    return (f"speed (labelled texts): {rows:,} classified in {seconds:.2f} s = {rows / seconds:,.0f} texts/s "
            f"({threads} DuckDB threads; {share:.0%} patient questions)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--explain", nargs="?", const="test", choices=["test"],
                        help="list the disagreements on the test splits")
    parser.add_argument("--speed", type=int, metavar="N", help="also time the classifier over N texts in DuckDB")
    parser.add_argument("--skip-blind", action="store_true",
                        help="leave the blind held-out sets out (while changing a classifier)")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--rules", action="store_true", help="the guideline rules only (per family)")
    only.add_argument("--questions", action="store_true", help="the question classifier only")
    args = parser.parse_args(argv)
    if not args.rules:
        evaluate_questions(args)
    if not args.questions:
        from warehouse.rules import evaluate as rules_evaluate

        if not args.rules:
            print()
        return rules_evaluate.main(explain=bool(args.explain), blind=not args.skip_blind)
    return 0


def evaluate_questions(args: argparse.Namespace) -> None:
    """Print the question classifier's lines (every data set and split, "?", q2 and prev beside it)."""
    print(f"classifier {questions.version()} (q2: questions-2+{question_model.load(PREVIOUS_MODEL).version}; "
          f"prev: {questions.RULES_VERSION}, the cue rules alone)")
    frames = []
    steps = (evaluate_real, evaluate_domain, evaluate_written) + (() if args.skip_blind else (evaluate_heldout,))
    for evaluate in steps:
        lines, frame = evaluate()
        frames.append(frame)
        for line in lines:
            print(line)
    if args.explain:
        real = frames[0]
        parts = [] if real is None else [real[real["source"] == "tweet_act"], real[real["source"] != "tweet_act"]]
        for line in explain(parts + [frames[1][frames[1]["source"] == "radiography"]] + frames[2:]):
            print(line)
    if args.speed:
        print(speed(args.speed))


if __name__ == "__main__":
    raise SystemExit(main())
