"""Issue #15, section 4 (import side): importing posts older than the retention period says, at
import time, that the next build purges their raw records, and how to keep them.

Real CLI (``python -m ingest file`` in a child process), real raw store, real build.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from store import config
from tests.conftest import TEST_KEY
from tests.support import post, raw_query, run_cli, write_jsonl


def _env(folder, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != config.RETENTION_ENV}
    return env | {config.DATA_ENV: str(folder), config.PSEUDONYM_KEY_ENV: TEST_KEY} | extra


def _posts(tmp_path):
    recent = datetime.now(timezone.utc) - timedelta(days=10)
    return write_jsonl(tmp_path / "posts.jsonl", [
        post("old-1", created_at="2015-03-01T10:00:00+00:00"),
        post("old-2", created_at="2016-06-01T10:00:00+00:00"),
        post("new-1", created_at=recent.isoformat()),
    ])


def test_importing_posts_older_than_the_retention_period_warns(data_dir, tmp_path):
    result = run_cli("ingest", "file", str(_posts(tmp_path)), env=_env(data_dir))
    assert result.returncode == 0, result.stderr
    keep = (datetime.now(timezone.utc) - datetime(2015, 3, 1, 10, tzinfo=timezone.utc)).days + 1
    [warning] = [line for line in result.stdout.splitlines() if line.startswith("warning:")]
    assert "2 of the posts stored are older than the retention period (730 days; the oldest is from 2015-03-01)" \
        in warning
    assert "purged at the next build" in warning
    assert f"set RADSOME_RETENTION_DAYS (or retention_days in .streamlit/secrets.toml) to at least {keep:,}" in warning
    # the warning is true: the next build purges their untouched records (store.retention)
    assert raw_query("SELECT count(*) FROM raw_posts WHERE payload IS NOT NULL")[0][0] == 3
    built = run_cli("warehouse", "build", env=_env(data_dir))
    assert built.returncode == 0, built.stderr
    assert sorted(r[0] for r in raw_query("SELECT post_id FROM raw_posts WHERE payload IS NOT NULL")) == ["new-1"]


def test_no_warning_when_the_retention_period_covers_them(data_dir, tmp_path):
    keep = (datetime.now(timezone.utc) - datetime(2015, 3, 1, 10, tzinfo=timezone.utc)).days + 1
    result = run_cli("ingest", "file", str(_posts(tmp_path)),
                     env=_env(data_dir, **{config.RETENTION_ENV: str(keep)}))
    assert result.returncode == 0, result.stderr
    assert "warning:" not in result.stdout
    again = run_cli("ingest", "file", str(_posts(tmp_path)), env=_env(data_dir))  # duplicates: nothing stored
    assert "warning:" not in again.stdout
