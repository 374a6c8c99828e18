"""The ingest commands that build (``demo``, ``all``) run ``python -m warehouse build`` as a
child process, so that ingest never imports the warehouse: its progress and summary reach the
terminal, and its exit code is the command's."""
from __future__ import annotations

import pytest

import os

from ingest import __main__ as ingest_cli, jobs
from store import config
from tests.support import published_query, raw_query, run_cli
from tests.test_connectors_base import CONNECTORS, SOURCES, ListConnector

pytestmark = pytest.mark.slow  # end to end: the CLIs run the build as a child process

DEMO = ("ingest", "demo", "--posts", "300", "--seed", "1", "--end", "2025-06-30")


def test_demo_lands_then_builds_in_a_child_process(data_dir):
    result = run_cli(*DEMO, env=os.environ.copy())
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    landed = next(i for i, line in enumerate(lines) if line.startswith("read "))
    built = next(i for i, line in enumerate(lines) if line.startswith("built "))
    assert landed < built  # the demo's own lines come first (flushed before the child starts)
    assert any("building marts/posts" in line for line in lines[landed:built])  # the build's progress
    assert published_query("SELECT count(*) FROM posts")[0][0] == raw_query("SELECT count(*) FROM raw_posts")[0][0]
    # then the demo's simulated review history (issue #20), published by a second build
    assert any(line.startswith("demo review history (simulated): ") for line in lines[built:]), result.stdout
    assert published_query("SELECT count(*) FROM flag_reviews WHERE status <> 'unreviewed'")[0][0] > 0


def test_no_reviews_leaves_the_demo_without_a_review_history(data_dir):
    result = run_cli(*DEMO, "--no-reviews", env=os.environ.copy())
    assert result.returncode == 0, result.stderr
    assert "demo review history" not in result.stdout
    assert not (data_dir / "reviews.sqlite").exists()


def test_a_failing_build_is_the_demo_commands_exit_code(data_dir):
    env = os.environ | {config.RETENTION_ENV: "none"}
    result = run_cli(*DEMO, env=env)
    assert result.returncode == 2
    assert "error: RADSOME_RETENTION_DAYS: 'none' is not a whole number of days" in result.stderr
    assert raw_query("SELECT count(*) FROM raw_posts")[0][0] > 0  # landed: only the build failed
    assert not config.warehouse_path().exists()
    assert run_cli(*DEMO, "--no-build", env=os.environ.copy()).returncode == 0
    assert not config.warehouse_path().exists()


def test_all_fetches_then_builds(data_dir, tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("RADSOME_TEST_TOKEN", "not-a-secret")
    monkeypatch.setattr(ListConnector, "failure", None)
    monkeypatch.setattr(jobs, "available", lambda: CONNECTORS)  # the test's connector, in this process
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCES)
    assert ingest_cli.main(["all", "--config", str(path)]) == 0
    out = capfd.readouterr().out
    assert "mastodon:main-feed: fetched 10" in out and "built " in out
    assert published_query("SELECT count(*) FROM posts") == [(9,)]
    monkeypatch.setenv(config.RETENTION_ENV, "0")
    assert ingest_cli.main(["all", "--config", str(path)]) == 2  # the build's exit code
    assert "error: RADSOME_RETENTION_DAYS" in capfd.readouterr().err
