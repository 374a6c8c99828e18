"""Time ``python -m warehouse refresh`` on a copy of a built demo, and what a delta costs readers.

    RADSOME_DATA=/tmp/copy python bench/refresh_probe.py --replies N [--closed] [--new-authors] [--max-share F]

Imports N replies dated after the data's end (an hour on, a minute apart) into existing threads
by an author already in them (``--new-authors``: each by an author new to the data, who then
takes the next ``posts.author_n``), then runs the refresh and prints what it did and its steps. With
``--closed`` the threads are ones whose authors are all members of the public who posted
nowhere else (so the scope is the threads themselves); without, any thread and author. When
a delta was published, every page's bare SQL (bench/scenarios.py) is timed on the base with
the delta and without it (the delta moved aside), alternating, best of three each.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402

from store import config, reader  # noqa: E402

CLOSED = """
WITH a AS (SELECT platform, author_key, count(DISTINCT thread_id) AS threads FROM posts GROUP BY ALL),
t AS (SELECT p.platform, p.thread_id FROM posts p JOIN a USING (platform, author_key)
      WHERE p.platform <> 'bluesky' GROUP BY ALL
      HAVING bool_and(a.threads = 1 AND p.author_role = 'patient_public'))
SELECT platform, thread_id FROM t ORDER BY hash(thread_id) LIMIT $n
"""
ANY = """
SELECT platform, thread_id FROM posts WHERE platform <> 'bluesky' AND post_id = thread_id
ORDER BY hash(thread_id) LIMIT $n
"""


def increment(n: int, closed: bool, folder: Path, new_authors: bool = False) -> Path:
    con = reader.connect_published()
    threads = con.execute(CLOSED if closed else ANY, {"n": n}).fetchall()
    end = con.execute("SELECT max(created_at) FROM posts").fetchall()[0][0]
    con.close()
    raw = duckdb.connect(str(config.raw_path()), read_only=True)
    records = []
    for i, (platform, thread) in enumerate(threads):
        author = f"probe-author-{i}" if new_authors else raw.execute(
            "SELECT author_id FROM raw_posts WHERE platform = $p AND post_id = $t LIMIT 1",
            {"p": platform, "t": thread}).fetchall()[0][0]
        at = end + timedelta(hours=1, minutes=i)
        records.append({"platform": platform, "post_id": f"probe-{i}", "author_id": author, "parent_id": thread,
                        "thread_id": thread, "created_at": at.isoformat(), "text": "Thank you, that helped a lot."})
    raw.close()
    path = folder / "probe.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def readers(rounds: int = 3) -> dict[str, dict[str, float]]:
    from bench import scenarios

    delta, aside = config.delta_path(), config.delta_path().with_suffix(".aside")
    out: dict[str, dict[str, list[float]]] = {}
    for _ in range(rounds):
        for label in ("with delta", "base only"):
            if label == "base only":
                delta.rename(aside)
            try:
                con = reader.connect_published()
                for page in scenarios.PAGE_QUERIES:
                    seconds = sum(scenarios.bare_sql_seconds(page, scenarios.scenario(i), con) for i in range(7))
                    out.setdefault(page, {}).setdefault(label, []).append(seconds)
                con.close()
            finally:
                if label == "base only":
                    aside.rename(delta)
    return {page: {label: min(v) for label, v in d.items()} for page, d in out.items()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replies", type=int, default=20)
    parser.add_argument("--closed", action="store_true")
    parser.add_argument("--new-authors", action="store_true",
                        help="each reply by an author new to the data (numbered after every other)")
    parser.add_argument("--max-share", type=float, default=0.10)
    parser.add_argument("--rounds", type=int, default=3, help="reader timings: best of this many")
    parser.add_argument("--decide-only", action="store_true",
                        help="when a delta cannot be exact, report why and how long deciding took, without"
                             " the full build the refresh would run")
    args = parser.parse_args()
    from ingest import jobs
    from warehouse import delta

    path = increment(args.replies, args.closed, config.data_dir(), args.new_authors)
    started = time.perf_counter()
    counts = jobs.import_file(path)
    print(f"import: {counts.new:,} posts in {time.perf_counter() - started:.2f} s")
    if args.decide_only:
        from store import db

        started = time.perf_counter()
        try:
            with db.writer_lock():
                result = delta._Delta(lambda f, m: None, args.max_share).run(started)
        except delta.FullBuildNeeded as exc:
            print(f"refresh would build in full ({exc}); decided in {time.perf_counter() - started:.2f} s")
            return 0
    else:
        result = delta.refresh(max_share=args.max_share)
    print(f"refresh: {result.kind} in {result.seconds:.2f} s; {result.summary()}")
    print("steps:", json.dumps({k: round(v, 2) for k, v in result.step_seconds.items()}))
    if result.kind == "delta":
        print(f"delta file: {config.delta_path().stat().st_size / 1e6:.1f} MB")
        timings = readers(args.rounds)
        for page, by in timings.items():
            print(f"{page}: with delta {by['with delta']:.3f} s, base only {by['base only']:.3f} s"
                  f" ({by['with delta'] / by['base only'] - 1:+.0%})")
        total = {label: sum(by[label] for by in timings.values()) for label in ("with delta", "base only")}
        print(f"all pages x 7 filters: with delta {total['with delta']:.2f} s, base only {total['base only']:.2f} s;"
              f" median page ratio {statistics.median(b['with delta'] / b['base only'] for b in timings.values()):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
