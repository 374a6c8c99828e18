"""Demo status comes from the run that landed a post's version, never from imported data
(issue #18 item 2): only versions landed by ``python -m ingest demo`` are demo; a file or
connector row that says ``source = demo`` is quarantined, and ``--source demo`` is refused."""
from __future__ import annotations

from datetime import datetime, timezone

import pyarrow as pa
import pytest

from ingest import jobs
from ingest.landing import POST_COLUMNS, land
from store import config
from store.errors import InputError
from store.runs import run
from tests.support import post, published_query, raw_query, run_cli, write_jsonl
from warehouse.build import build

pytestmark = pytest.mark.slow  # ingest and build: a data folder and a build per test

END = datetime(2025, 6, 30, tzinfo=timezone.utc)


def _demo_counts():
    return published_query("SELECT n_posts, n_demo_posts FROM build_info")[0]


def test_a_file_row_saying_demo_is_quarantined_and_real_data_stays_real(data_dir, tmp_path):
    path = write_jsonl(tmp_path / "posts.jsonl", [
        post("1", source="demo"),
        post("2", source="  DEMO "),
        post("3", source="De\u00a0mo"),
        post("4", source="file-export"),
        post("5"),
    ])
    counts = jobs.import_file(path)
    assert (counts.read, counts.new, counts.quarantined) == (5, 2, 3)
    rows = raw_query("SELECT origin, origin_line, field, reason FROM quarantine ORDER BY origin_line")
    assert [(line, field) for _, line, field, _ in rows] == [(1, "source"), (2, "source"), (3, "source")]
    assert all(origin == str(path.resolve()) for origin, *_ in rows)
    assert all("python -m ingest demo" in reason for *_, reason in rows)
    build()
    assert _demo_counts() == (2, 0)
    assert published_query("SELECT count(*) FROM posts WHERE is_demo") == [(0,)]


def test_source_demo_on_the_command_line_is_refused(data_dir, tmp_path):
    path = write_jsonl(tmp_path / "posts.jsonl", [post("1")])
    with pytest.raises(InputError, match="--source"):
        jobs.import_file(path, source="Demo")
    result = run_cli("ingest", "file", str(path), "--source", " demo ")
    assert result.returncode == 2
    assert result.stderr.startswith("error: --source") and "python -m ingest demo" in result.stderr
    assert not config.raw_path().exists()  # refused before anything was opened or stored


def test_a_connector_row_saying_demo_is_quarantined(data_dir):
    """A connector lands its page as ``incoming`` under its own run (command = connector)."""
    rows = [post("1", source="demo", url=None), post("2", url=None)]
    table = pa.table({c: pa.array([r.get(c) for r in rows], pa.string()) for c in POST_COLUMNS})

    def work(con, run_id):
        jobs.land_table(con, table, "https://api.example/page")
        return land(con, run_id, default_source="x:target", default_trust=None)

    counts = run("x", "x:target", "x:target", work)
    assert (counts.new, counts.quarantined) == (1, 1)
    assert raw_query("SELECT origin_line, field FROM quarantine") == [(1, "source")]
    build()
    assert _demo_counts() == (1, 0)


def test_only_versions_the_demo_run_landed_are_demo(data_dir, tmp_path):
    jobs.run_demo(n_posts=300, seed=1, end=END)
    demo_posts = raw_query("SELECT count(DISTINCT (platform, post_id)) FROM raw_posts")[0][0]
    platform, post_id, author_id = raw_query(
        "SELECT platform, post_id, author_id FROM raw_posts ORDER BY post_id LIMIT 1")[0]
    # a real file: a new version of one demo post (its content changed) and two new posts
    jobs.import_file(write_jsonl(tmp_path / "real.jsonl", [
        post(post_id, platform=platform, author_id=author_id, text="edited by a real import"),
        post("real-1"), post("real-2"),
    ]))
    build()
    assert _demo_counts() == (demo_posts + 2, demo_posts - 1)
    assert published_query("SELECT is_demo FROM posts WHERE platform = $p AND post_id = $i",
                           {"p": platform, "i": post_id}) == [(False,)]
    assert published_query("SELECT count(*) FROM posts WHERE is_demo AND source <> 'demo'") == [(0,)]
