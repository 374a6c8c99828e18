"""The path every user has: import a JSONL file, build, and see the posts in the dashboard,
including in a dashboard that was already running when the new build was published."""
from __future__ import annotations

import pytest

import os

from tests.support import post, run_cli, write_jsonl
from tests.test_app import metric, open_page, signed_in

pytestmark = [pytest.mark.slow, pytest.mark.app]  # end to end: the CLIs, then the dashboard


def test_imported_posts_appear_in_a_running_dashboard(data_dir, tmp_path):
    first = write_jsonl(tmp_path / "leeds.jsonl", [
        post("101", text="Can I wear deodorant to my mammogram?", trust_code="RR8",
             created_at="2025-05-01T09:00:00+01:00"),
        post("102", parent_id="101", thread_id="101", author_id="leeds_breast",
             text="Please don't on the day; it shows on the images.", created_at="2025-05-03T10:30:00+01:00"),
    ])
    env = os.environ.copy()
    for args in (("ingest", "file", str(first), "--source", "leeds-export"), ("warehouse", "build")):
        result = run_cli(*args, env=env)
        assert result.returncode == 0, result.stderr

    params = {"from": "2025-05-01", "to": "2025-05-31"}
    user = signed_in("manager@leedsth.nhs.uk", "trust_manager", "RR8")  # real posts need a login
    at = open_page("pages/1_Explore.py", params | {"q": "deodorant"}, user=user)
    assert not at.exception, at.exception
    shown = at.dataframe[0].value
    assert shown["Post id"].tolist() == ["101"]
    assert all("synthetic" not in w.value.lower() for w in at.warning)  # no demo banner

    overview = open_page(params=params, user=user)
    assert metric(overview, "Posts") == "2"

    # A new import and build while the dashboard is running: the next run shows it.
    second = write_jsonl(tmp_path / "more.jsonl", [
        post("103", text="How long for results after a mammogram?", trust_code="RR8",
             created_at="2025-05-02T09:00:00+01:00"),
    ])
    for args in (("ingest", "file", str(second)), ("warehouse", "build")):
        assert run_cli(*args, env=env).returncode == 0
    overview.run()
    assert not overview.exception, overview.exception
    assert metric(overview, "Posts") == "3"
