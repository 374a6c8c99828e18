"""A crash (SIGKILL) at any point of an import or a build leaves the stores consistent."""
from __future__ import annotations

import os
import signal

import pytest

from ingest import jobs
from tests.support import post, published_query, raw_query, run_cli, write_jsonl


@pytest.mark.parametrize("point", ["after_land", "before_commit"])
def test_killed_import_keeps_nothing_half_written(data_dir, tmp_path, point):
    first = write_jsonl(tmp_path / "first.jsonl", [post("1"), post("2")])
    jobs.import_file(first)
    second = write_jsonl(tmp_path / "second.jsonl", [post("3"), post("4"), post("5", platform="nope")])

    env = os.environ | {"RADSOME_FAULT": point}
    result = run_cli("ingest", "file", str(second), env=env)
    assert result.returncode == -signal.SIGKILL

    # Nothing of the killed run was kept: posts, quarantine and counts are as before it.
    assert raw_query("SELECT post_id FROM raw_posts ORDER BY post_id") == [("1",), ("2",)]
    assert raw_query("SELECT count(*) FROM quarantine") == [(0,)]
    assert raw_query("SELECT status FROM ingest_runs ORDER BY started_at") == [("ok",), ("running",)]

    # The next run marks the dead one interrupted, and the re-run lands everything once.
    counts = jobs.import_file(second)
    assert (counts.new, counts.quarantined) == (2, 1)
    assert raw_query("SELECT status FROM ingest_runs ORDER BY started_at") == [
        ("ok",), ("interrupted",), ("ok",)
    ]
    assert raw_query("SELECT count(*), count(DISTINCT post_id) FROM raw_posts") == [(4, 4)]


def test_killed_build_leaves_the_last_published_warehouse(data_dir, tmp_path):
    from warehouse import config
    from warehouse.build import build

    jobs.import_file(write_jsonl(tmp_path / "a.jsonl", [post("1")]))
    build()
    published = config.warehouse_path().read_bytes()
    jobs.import_file(write_jsonl(tmp_path / "b.jsonl", [post("2")]))

    result = run_cli("warehouse", "build", env=os.environ | {"RADSOME_FAULT": "build_before_publish"})
    assert result.returncode == -signal.SIGKILL
    assert config.warehouse_path().read_bytes() == published
    assert published_query("SELECT count(*) FROM posts") == [(1,)]
    leftovers = list(config.data_dir().glob("warehouse.duckdb.building-*"))
    assert leftovers, "the killed build should have left its half-built file"

    build()
    assert published_query("SELECT count(*) FROM posts") == [(2,)]
    assert not list(config.data_dir().glob("warehouse.duckdb.building-*"))
