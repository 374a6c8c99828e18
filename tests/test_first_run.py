"""Issue #15, section 4 (import side): importing posts older than the retention period says, at
import time, that the next build purges their raw records, and how to keep them.

Real CLI (``python -m ingest file`` in a child process), real raw store, real build.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest

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


@pytest.mark.slow  # the real CLI and a build, in child processes
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


@pytest.mark.slow  # the real CLI, twice
def test_no_warning_when_the_retention_period_covers_them(data_dir, tmp_path):
    keep = (datetime.now(timezone.utc) - datetime(2015, 3, 1, 10, tzinfo=timezone.utc)).days + 1
    result = run_cli("ingest", "file", str(_posts(tmp_path)),
                     env=_env(data_dir, **{config.RETENTION_ENV: str(keep)}))
    assert result.returncode == 0, result.stderr
    assert "warning:" not in result.stdout
    again = run_cli("ingest", "file", str(_posts(tmp_path)), env=_env(data_dir))  # duplicates: nothing stored
    assert "warning:" not in again.stdout


# --- the dashboard after a first import of real data ----------------------------------------------

def _real_first_import(tmp_path) -> None:
    """A newcomer's first run: two real recorded threads (a Reddit thread of 2014, a Facebook
    page's comments of 2021 whose authors the Graph API omitted), no account registry, no trust."""
    import json

    from ingest import jobs
    from ingest.sources import facebook, reddit
    from tests.support import realdata
    from warehouse.build import build

    records = reddit.transform_thread(json.loads(realdata("reddit/reddit_thread_redditdev_2gmzqe.json").read_text()))
    records += facebook.transform_comments([json.loads(realdata(f"facebook/pyfacebook_page_post_comments_{p}.json")
                                                       .read_text()) for p in ("p1", "p2")])
    jobs.import_file(write_jsonl(tmp_path / "first.jsonl", records))
    build()


@pytest.mark.app
def test_pages_say_what_real_data_lacks_and_how_to_fix_it(data_dir, tmp_path):
    """Before: "No patient questions in the chosen dates and filters. Widen the dates or clear a
    filter." over a default year that left out the 2014 thread; no date would have helped."""
    from tests.test_app import open_page, signed_in
    from ui import first_run

    _real_first_import(tmp_path)
    user = signed_in("ann@nhs.net", "admin")
    home = open_page("dashboard.py", user=user)
    assert not home.exception, home.exception
    assert (home.query_params["from"], home.query_params["to"]) == ("2014-09-17", "2021-08-14")  # all the data
    assert any("over a year ago" in c.value for c in home.sidebar.caption)

    for page, expected in (("pages/2_Patient_questions.py", ("questions", "staff", "trusts")),
                           ("pages/3_Response_times.py", ("questions", "staff", "authors")),
                           ("pages/5_Guideline_flags.py", ("staff", "trusts")),
                           ("pages/4_Review_queue.py", ("staff",))):
        at = open_page(page, user=user)
        assert not at.exception, (page, at.exception)
        [warning] = [w.value for w in at.warning if "the data lacks" in w.value]
        for gap in first_run.GAPS:
            assert (first_run.GAPS[gap][0] in warning) == (gap in expected), (page, gap)
        if "staff" in expected:
            assert "python -m ingest accounts" in warning
        shown = " ".join(i.value for i in at.info)
        assert "Widen the dates" not in shown and "whatever the dates" in shown, page
    explore = open_page("pages/1_Explore.py", user=user)  # the posts are all there
    assert len(explore.dataframe[0].value) == 18
    assert not [w for w in explore.warning if "the data lacks" in w.value]


@pytest.mark.app
def test_a_registry_and_trusts_clear_the_gaps(data_dir, tmp_path):
    from ingest import jobs
    from tests.test_app import open_page, signed_in
    from ui import first_run
    from warehouse.build import build

    _real_first_import(tmp_path)
    (tmp_path / "accounts.csv").write_text("platform,author_id,role,trust_code,title\n"
                                           "reddit,bboe,professional,RR8,Leeds imaging team\n")
    jobs.load_accounts(tmp_path / "accounts.csv")
    build()
    at = open_page("pages/5_Guideline_flags.py", user=signed_in("ann@nhs.net", "admin"))
    assert not at.exception, at.exception
    assert not [w for w in at.warning if "the data lacks" in w.value]
    assert first_run.found(__import__("pandas").Series({"n_posts": 0, "n_staff": 0, "n_unknown": 0,
                                                         "n_attributed": 0, "n_questions": 0})) == set()
