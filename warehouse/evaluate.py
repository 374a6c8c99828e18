"""``python -m warehouse evaluate``: how well the question classifier does on labelled text.

One line per data set: precision, recall and F1 of the rules beside the bare "contains ?"
baseline.

- Tweet-Act (real tweets, positive = label QUE), from ``../shared/realdata``: lines whose
  1-based number is divisible by 5 are the test split, the rest are dev. The rules were
  developed on dev only; test is reported, never tuned on.
- The product's own domain, ``tests/data/radiography_questions.csv`` (written before the
  rules were tuned; its ``split`` column keeps about a third held out), with topic accuracy on
  the true questions.

``--explain`` breaks the Tweet-Act disagreements down by kind, with counts and examples;
``--speed N`` times the classifier in DuckDB over N texts. ``--rules`` evaluates the guideline
rules instead (per-family precision and recall, see :mod:`warehouse.rules.evaluate`).
"""
from __future__ import annotations

import argparse
import csv
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from warehouse.enrich import questions, scratch_connection

REPO = Path(__file__).resolve().parents[1]
REALDATA = REPO.parent / "shared" / "realdata"
TWEET_ACT = REALDATA / "texts" / "tweet_act_TAC_TWEET_DATA.csv"
RADIOGRAPHY = REPO / "tests" / "data" / "radiography_questions.csv"


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


def load_tweet_act(path: Path = TWEET_ACT) -> pd.DataFrame:
    """Columns text, label, is_question, line (1-based), split (test when line % 5 == 0)."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    frame = pd.DataFrame(rows, columns=["text", "label"])
    frame["line"] = range(1, len(frame) + 1)
    frame["is_question"] = frame["label"] == "QUE"
    frame["split"] = ["test" if n % 5 == 0 else "dev" for n in frame["line"]]
    return frame


def load_radiography(path: Path = RADIOGRAPHY) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"text": str, "topic": str, "split": str}, keep_default_na=False)
    frame["is_question"] = frame["is_question"].astype(int) == 1
    return frame


def _predicted(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the classifier's columns; its prediction is ``is_question_pred``."""
    out = questions.classify(frame["text"].tolist()).drop(columns="text")
    out = out.rename(columns={"is_question": "is_question_pred"})
    return frame.reset_index(drop=True).join(out)


def result_line(name: str, frame: pd.DataFrame, with_topics: bool = False) -> str:
    rules = scores(frame["is_question_pred"], frame["is_question"])
    base = scores(has_question_mark(frame["text"]), frame["is_question"])
    line = f"{name} (n={len(frame)}): rules {rules} | baseline \"?\" {base}"
    if with_topics:
        asked = frame[frame["is_question"]]
        right = int((asked["topic"] == asked["topic_label"]).sum())
        line += (f" | topic accuracy {right / len(asked):.2f} "
                 f"({right}/{len(asked)} true questions, a missed one counts as wrong)")
    return line


def evaluate_tweet_act(path: Path = TWEET_ACT) -> tuple[list[str], pd.DataFrame | None]:
    if not path.exists():
        return [f"tweet-act: skipped, {path} is absent (the shared realdata folder is not checked out)"], None
    frame = _predicted(load_tweet_act(path))
    lines = [result_line("tweet-act dev (development lines, tuned on)", frame[frame["split"] == "dev"]),
             result_line("tweet-act test", frame[frame["split"] == "test"])]
    return lines, frame


def evaluate_radiography(path: Path = RADIOGRAPHY) -> tuple[list[str], pd.DataFrame]:
    labelled = load_radiography(path).rename(columns={"topic": "topic_label"})
    frame = _predicted(labelled)
    lines = [result_line("radiography dev (tuned on)", frame[frame["split"] == "dev"], with_topics=True),
             result_line("radiography test (held out)", frame[frame["split"] == "test"], with_topics=True)]
    return lines, frame


def _kind(row) -> str:
    text, cues = row["text"], list(row["question_cues"])
    if row["is_question_pred"]:  # false positive
        if text.startswith("RT @"):
            return "FP retweet of a question"
        if row["label"] in ("REQ", "SUG"):
            return f"FP request/suggestion phrased as a question (gold {row['label']})"
        if "?" in text:
            return "FP rhetorical or opinion \"?\" (gold EXP/STM/THT/OTH)"
        return "FP no \"?\" but an interrogative opener or request (gold " + row["label"] + ")"
    if "?" not in text:
        return "FN question without \"?\""
    if text.startswith("RT @"):
        return "FN retweeted question (counter-cue: retweet)"
    negatives = [c.name for c in questions.QUESTION_CUES if c.weight < 0 and c.name in cues]
    return "FN \"?\" outweighed by counter-cues (" + ", ".join(negatives) + ")"


def explain(frame: pd.DataFrame, split: str, examples: int = 2) -> list[str]:
    part = frame[frame["split"] == split]
    wrong = part[part["is_question_pred"] != part["is_question"]]
    kinds = wrong.apply(_kind, axis=1)
    lines = [f"tweet-act {split} disagreements: {len(wrong)} "
             f"({int(wrong['is_question_pred'].sum())} false positives, "
             f"{int((~wrong['is_question_pred']).sum())} false negatives)"]
    for kind, count in kinds.value_counts().items():
        lines.append(f"  {count:4d}  {kind}")
        for text in wrong[kinds == kind]["text"].head(examples):
            lines.append(f"          e.g. {text[:140]!r}")
    return lines


def speed(n: int, source: str = "demo") -> str:
    """Classify ``n`` texts inside DuckDB (as the build does) and report texts/s.

    ``source`` "demo": the demo generator's posts (the shape the performance targets use);
    "labelled": the labelled texts (mostly Tweet-Act), repeated with a varying suffix.
    """
    con = scratch_connection()
    try:
        con.execute("SET enable_progress_bar = false")
        if source == "demo":
            from ingest.demo import generate

            posts = generate(n).posts.select(["text"])  # noqa: F841 (read by DuckDB below)
            con.execute("CREATE TABLE bench AS SELECT row_number() OVER () AS post_id, text FROM posts")
        else:
            sample = load_radiography()["text"].tolist() + (load_tweet_act()["text"].tolist() if TWEET_ACT.exists() else [])
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
    return (f"speed ({source} texts): {rows:,} classified in {seconds:.2f} s = {rows / seconds:,.0f} texts/s "
            f"({threads} DuckDB threads; {share:.0%} questions)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--explain", nargs="?", const="test", choices=["dev", "test"],
                        help="break Tweet-Act disagreements down by kind (default: the test split)")
    parser.add_argument("--speed", type=int, metavar="N", help="also time the classifier over N texts in DuckDB")
    parser.add_argument("--speed-source", choices=["demo", "labelled"], default="demo",
                        help="texts for --speed: the demo generator's posts, or the labelled texts repeated")
    parser.add_argument("--rules", action="store_true",
                        help="evaluate the guideline rules per family instead of the question classifier")
    args = parser.parse_args(argv)
    if args.rules:
        from warehouse.rules import evaluate as rules_evaluate

        return rules_evaluate.main(explain=bool(args.explain))
    print(f"classifier {questions.VERSION} (threshold {questions.THRESHOLD})")
    lines, tweets = evaluate_tweet_act()
    for line in lines:
        print(line)
    for line in evaluate_radiography()[0]:
        print(line)
    if args.explain and tweets is not None:
        for line in explain(tweets, args.explain):
            print(line)
    if args.speed:
        print(speed(args.speed, args.speed_source))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
