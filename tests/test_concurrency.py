"""The dashboard keeps serving while ingest, build and review writes happen (issue #7,
"Concurrency"): no page run fails on a lock, every write lands, and the last build is what the
dashboard shows afterwards. Real processes for ingest and build, real Streamlit (AppTest),
real DuckDB and SQLite."""
from __future__ import annotations

import pytest

import re
import threading
import time

from bench import users
from store import reviews
from tests.support import load_and_build, post, published_query, run_cli, write_jsonl
from tests.test_app import HEADINGS, open_page, signed_in

pytestmark = pytest.mark.slow  # concurrency: simulated users while ingest and build run

ACCOUNTS = "platform,author_id,role,trust_code,title\nx,jo,professional,RR8,Jo (radiographer)\n"
ROUNDS = 3
DECISIONS = 40


def _batch(n: int, start: int) -> list[dict]:
    rows = []
    for i in range(start, start + n):
        day = f"2025-03-{1 + i % 28:02d}T{8 + i % 10:02d}:00:00+00:00"
        rows.append(post(f"q{i}", author_id=f"pat{i}", trust_code="RR8", created_at=day,
                         text=f"How long do MRI results take? {i}"))
        rows.append(post(f"f{i}", author_id="jo", created_at=day.replace(":00:00+", ":30:00+"),
                         text=f"Lady in bay 4 NHS no 401 023 2137 needs rebooking {i}"))
    return rows


def test_pages_serve_while_ingest_build_and_reviews_write(data_dir, tmp_path):
    load_and_build(tmp_path, _batch(50, 0), ACCOUNTS)
    user = signed_in("admin@nhs.net", "admin")
    files = [write_jsonl(tmp_path / f"more-{r}.jsonl", _batch(50, 50 * (r + 1))) for r in range(ROUNDS)]
    results: list[tuple[str, int, str]] = []
    errors: list[BaseException] = []

    def ingest_and_build():
        for path in files:
            for args in (("ingest", "file", str(path)), ("warehouse", "build")):
                done = run_cli(*args)
                results.append((" ".join(args[:2]), done.returncode, done.stderr[-500:]))

    def review():
        try:
            for i in range(DECISIONS):
                reviews.record_decision("x", f"f{i % 50}", "CONF-NHS-NUMBER", "confirmed", f"round {i}", "Ann")
                time.sleep(0.05)
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    writers = [threading.Thread(target=ingest_and_build), threading.Thread(target=review)]
    for thread in writers:
        thread.start()
    pages, runs = sorted(HEADINGS), 0
    params = {"from": "2025-03-01", "to": "2025-03-31"}
    while any(thread.is_alive() for thread in writers) or runs < len(pages):
        at = open_page(pages[runs % len(pages)], params, user=user)
        assert not at.exception, (pages[runs % len(pages)], at.exception)
        runs += 1
    for thread in writers:
        thread.join()

    assert not errors, errors
    assert [code for _, code, _ in results] == [0] * (2 * ROUNDS), results
    assert len(reviews.decisions_for("x", "f0", "CONF-NHS-NUMBER")) == len(range(0, DECISIONS, 50))
    assert len(reviews.latest_decisions()) == min(DECISIONS, 50)
    assert runs >= len(pages)
    # the dashboard shows the last build: every post of every round
    assert published_query("SELECT count(*) FROM posts") == [(2 * 50 * (ROUNDS + 1),)]
    at = open_page("pages/1_Explore.py", params | {"q": f"rebooking {50 * (ROUNDS + 1) - 1}"}, user=user)
    assert not at.exception and len(at.dataframe[0].value) == 1
    print(f"\n{runs} page runs during {2 * ROUNDS} ingest/build commands and {DECISIONS} review writes")


def test_the_concurrency_benchmark_runs_clean(data_dir, tmp_path, capsys):
    """bench/users.py (issue #6) on a small warehouse: simulated users and a writer, no errors."""
    load_and_build(tmp_path, _batch(30, 0), ACCOUNTS)
    assert users.main(["--data", str(data_dir), "--users", "3", "--changes", "2", "--posts-per-import", "300"]) == 0
    out = capsys.readouterr().out

    assert ", 0 errors" in out
    assert int(re.search(r"published snapshots seen by the users: (\d+)", out).group(1)) >= 2
