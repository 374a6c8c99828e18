"""Concurrency benchmark (issue #6): simulated users changing filters at once while an ingest
and a build run.

    python bench/users.py --data PATH [--users 10] [--changes 20] [--posts-per-import 10000]

``--data`` is a data folder with a published warehouse (e.g. one made by
``python -m ingest demo --posts 1000000``). Each simulated user is a thread that does what the
dashboard process does for one session: on each "filter change" it picks a page and a filter
scenario (``bench/scenarios.py``: the fixed set the page benchmark uses) and runs that page's
queries, each on a fresh cursor of the process's shared read-only connection, reopened
when a build publishes a new snapshot (as ``ui/data.py`` does). Meanwhile a writer thread runs
``python -m ingest file`` (new posts) and ``python -m warehouse build`` in subprocesses, in a
loop until the users are done. Reported: filter changes, errors (any exception), p50/p95/max
seconds per filter change, snapshots seen, and the writer's commands and exit codes.

What it does not measure: Streamlit's own rendering per session (the page benchmark in
``bench/run.py`` reports page time against bare SQL time for one session).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # ``python bench/users.py``: the packages below are beside bench/

from bench import scenarios  # noqa: E402
from ingest import demo  # noqa: E402
from store import config, reader  # noqa: E402


def _snapshot(path: Path):
    stat = os.stat(path)
    return (stat.st_ino, stat.st_mtime_ns)


class SharedConnection:
    """One connection per published snapshot, as the dashboard keeps one per process."""

    def __init__(self, path: Path):
        self.path, self.lock = path, threading.Lock()
        self.version, self.con, self.snapshots = None, None, 0

    def get(self):
        version = _snapshot(self.path)
        with self.lock:
            if version != self.version:
                self.con = reader.connect_published(self.path)  # the old one closes when unused
                self.version = version
                self.snapshots += 1
            return self.con


def user(n: int, changes: int, shared: SharedConnection, times: list, errors: list, seed: int,
         built: threading.Event) -> None:
    rng = random.Random(seed + n)
    pages = sorted(scenarios.PAGE_QUERIES)
    done = 0
    while done < changes or not built.is_set():  # at least one build publishes under the users
        done += 1
        page = rng.choice(pages)
        filters = scenarios.scenario(rng.randrange(len(scenarios.BASES) * 4))
        started = time.perf_counter()
        try:
            con = shared.get()
            for function, options in scenarios.PAGE_QUERIES[page]:
                cursor = reader.reader_cursor(con)
                try:
                    function(cursor, filters, **options)
                finally:
                    cursor.close()
            times.append(time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 - every failure is a finding
            errors.append(f"user {n} {page}: {type(exc).__name__}: {exc}")


def writer(data: Path, stop: threading.Event, posts_per_import: int, log: list,
           built: threading.Event) -> None:
    """Ingest new posts and build, again and again, until ``stop`` is set; ``built`` is set
    once the first build has published."""
    env = dict(os.environ, RADSOME_DATA=str(data))
    round_ = 0
    with tempfile.TemporaryDirectory(prefix="radsome-users-") as tmp:
        while not stop.is_set():
            round_ += 1
            posts = demo.generate(n_posts=posts_per_import, seed=1000 + round_).posts
            ids = [f"{p}-users{round_}" for p in posts.column("post_id").to_pylist()]
            posts = posts.set_column(posts.column_names.index("post_id"), "post_id",
                                     pa.array(ids))
            path = Path(tmp) / f"round-{round_}.jsonl"
            with path.open("w") as out:
                for row in posts.to_pylist():
                    out.write(json.dumps(row, default=str) + "\n")
            for args in (["ingest", "file", str(path), "--source", "bench-users"], ["warehouse", "build"]):
                started = time.perf_counter()
                done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env,
                                      capture_output=True, text=True)
                log.append((" ".join(args[:2]), done.returncode, round(time.perf_counter() - started, 2),
                            done.stderr.strip().splitlines()[-1:] if done.returncode else []))
                if args[0] == "warehouse" or done.returncode:
                    built.set()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="data folder with a published warehouse")
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--changes", type=int, default=20,
                        help="filter changes per user, at least (users go on until a build has published)")
    parser.add_argument("--posts-per-import", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    os.environ["RADSOME_DATA"] = str(args.data)
    shared = SharedConnection(config.warehouse_path())
    times: list[float] = []
    errors: list[str] = []
    log: list = []
    stop, built = threading.Event(), threading.Event()
    write = threading.Thread(target=writer, args=(args.data, stop, args.posts_per_import, log, built))
    write.start()
    started = time.perf_counter()
    users = [threading.Thread(target=user, args=(n, args.changes, shared, times, errors, args.seed, built))
             for n in range(args.users)]
    for thread in users:
        thread.start()
    for thread in users:
        thread.join()
    elapsed = time.perf_counter() - started
    stop.set()
    write.join()

    ordered = sorted(times)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)] if ordered else float("nan")
    print(f"{args.users} simulated users, {len(times) + len(errors)} filter changes in {elapsed:.1f} s"
          f" while ingest and build ran")
    print(f"filter changes: {len(times)} ok, {len(errors)} errors")
    if times:
        print(f"seconds per filter change (all of a page's queries): p50 {statistics.median(times):.3f},"
              f" p95 {p95:.3f}, max {ordered[-1]:.3f}")
    print(f"published snapshots seen by the users: {shared.snapshots}")
    for command, code, seconds, tail in log:
        print(f"  writer: {command} exit {code} in {seconds} s {tail or ''}")
    for error in errors[:10]:
        print(f"  error: {error}")
    return 1 if errors or any(code != 0 for _, code, _, _ in log) else 0


if __name__ == "__main__":
    sys.exit(main())
