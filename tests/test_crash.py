"""A crash (SIGKILL) or a failed write (disk full, read-only folder) at any point of an
import, a registry, policy or deletions load, the retention purge or a build leaves the
stores consistent: no post lost or duplicated, every run accounted for, and the published
warehouse the last complete one.

Every crash point is named in ``store.runs.FAULT_POINTS``; ``RADSOME_FAULT=<point>`` makes a
real CLI process SIGKILL itself there and ``RADSOME_FAULT=enospc:<point>`` makes it raise
``OSError(ENOSPC)`` there. Each point is exercised by the command in :data:`SCENARIO`.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ingest import jobs
from store import config, reader
from store.runs import FAULT_POINTS, fault_point
from tests.conftest import TEST_KEY
from tests.support import ROOT, post, published_query, raw_query, run_cli, write_jsonl
from warehouse.build import build

pytestmark = pytest.mark.slow  # crash and fault points: real CLI processes killed at every point

# The command each crash point is reached by.
SCENARIO = {
    "run_after_start": "file",
    "import_after_read": "file",
    "land_after_validate": "file",
    "after_land": "file",
    "land_after_quarantine": "file",
    "before_commit": "file",
    "land_after_commit": "file",
    "accounts_after_insert": "accounts",
    "accounts_before_commit": "accounts",
    "policies_after_insert": "policies",
    "policies_before_commit": "policies",
    "deletions_after_insert": "deletions",
    "deletions_after_purge": "deletions",
    "deletions_after_commit": "deletions",
    "purge_after_payloads": "build",
    "purge_after_profiles": "build",
    "purge_before_commit": "build",
    "build_after_purge": "build",
    "build_after_models": "build",
    "build_before_publish": "build",
    "build_after_publish": "build",
    # python -m warehouse refresh: killed at these in tests/test_delta.py (a delta needs a base
    # built by a refresh-aware build and posts a delta can take exactly)
    "refresh_before_publish": "refresh",
    "refresh_after_publish": "refresh",
    # the deletions run removes a post, then rewrites the raw store (so does the build's purge)
    "rewrite_after_copy": "deletions",
    "rewrite_before_swap": "deletions",
    "rewrite_after_swap": "deletions",
    # python -m alerts: killed at each of these in tests/test_alerts_crash.py (real SMTP and
    # webhook receivers; exactly once across the kill and the next run)
    "alerts_after_claim": "alerts",
    "alerts_mid_send": "alerts",
    "alerts_after_send": "alerts",
    "alerts_after_sent": "alerts",
}
STORE_POINTS = sorted(p for p in FAULT_POINTS if SCENARIO[p] not in ("alerts", "refresh"))

ACCOUNTS = "platform,author_id,role,trust_code,title\nx,leeds,organisation,RR8,Leeds\n"
POLICIES = """\
- trust_code: RR8
  policy_version: "1"
  effective_from: 2020-01-01
  personal_use_in_working_hours: not_permitted
  patient_engagement: permitted
  disclaimer_required: true
  approved_accounts_only: false
"""


def _commands(inputs: Path) -> dict[str, tuple[str, ...]]:
    return {
        "file": ("ingest", "file", str(inputs / "second.jsonl")),
        "accounts": ("ingest", "accounts", str(inputs / "accounts.csv")),
        "policies": ("ingest", "policies", str(inputs / "policies.yaml")),
        "deletions": ("ingest", "deletions", str(inputs / "deletions.csv")),
        "build": ("warehouse", "build"),
    }


def _env(folder: Path, fault: str | None = None) -> dict:
    env = os.environ | {config.DATA_ENV: str(folder), config.PSEUDONYM_KEY_ENV: TEST_KEY}
    env.pop("RADSOME_FAULT", None)
    env.pop(config.RETENTION_ENV, None)
    if fault:
        env["RADSOME_FAULT"] = fault
    return env


def raw_state(folder: Path) -> dict:
    """What the raw store holds, independent of run ids and times."""
    con = duckdb.connect(str(folder / config.RAW_FILE), read_only=True)
    try:
        one = lambda sql: con.execute(sql).fetchall()  # noqa: E731
        return {
            "posts": one("SELECT platform, post_id, payload_hash, payload IS NULL,"
                         " author_bio IS NULL, author_name IS NULL FROM raw_posts ORDER BY ALL"),
            "quarantine": one("SELECT origin_line, field, record_hash, record IS NULL FROM quarantine ORDER BY ALL"),
            "deletions": one("SELECT platform, post_id FROM deletions ORDER BY ALL"),
            "registry": one("SELECT registry_version, platform, author_id FROM account_registry ORDER BY ALL"),
            "policies": one("SELECT load_version, trust_code, policy_version FROM trust_policies ORDER BY ALL"),
            "purges": one("SELECT trigger, n_payloads, n_profiles, n_deleted_versions FROM purge_log ORDER BY ALL"),
            "cursors": one("SELECT source, cursor_key, value FROM cursors ORDER BY ALL"),
        }
    finally:
        con.close()


def runs(folder: Path) -> list[tuple]:
    con = duckdb.connect(str(folder / config.RAW_FILE), read_only=True)
    try:
        return con.execute("SELECT command, status FROM ingest_runs ORDER BY started_at").fetchall()
    finally:
        con.close()


def published_digest(folder: Path) -> dict:
    """The published warehouse's content (readable as the dashboard reads it), without the
    build's own times and the run log."""

    con = reader.connect_published(folder / config.WAREHOUSE_FILE)
    try:
        tables = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                  for t in tables if t not in ("build_info", "ingest_runs")}
        posts = con.execute("SELECT platform, post_id, author_key, author_role, text, trust_code,"
                            " created_at FROM posts ORDER BY ALL").fetchall()
        return {"counts": counts, "posts": posts}
    finally:
        con.close()


@pytest.fixture(scope="module")
def crash_base(tmp_path_factory):
    """A data folder with a published warehouse and a pending import (new posts, and an old
    post past the retention period for the next build to purge); the input files of every
    scenario; and, per scenario, the states a complete run of it leads to."""
    root = tmp_path_factory.mktemp("crash")
    inputs, base = root / "inputs", root / "base"
    inputs.mkdir()
    write_jsonl(inputs / "second.jsonl", [
        post("4"), post("5", parent_id="1", thread_id="1", author_id="leeds"),
        post("2", text="post 2, edited"), post("6", platform="myspace"),
    ])
    (inputs / "accounts.csv").write_text(ACCOUNTS)
    (inputs / "policies.yaml").write_text(POLICIES)
    (inputs / "deletions.csv").write_text("platform,post_id,deleted_at\nx,1,2025-04-01T00:00:00Z\n")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in _env(base).items():
            if name.startswith("RADSOME_"):
                patch.setenv(name, value)
        patch.delenv("RADSOME_FAULT", raising=False)
        patch.delenv(config.RETENTION_ENV, raising=False)

        jobs.import_file(write_jsonl(root / "first.jsonl", [
            post("1", trust_code="RR8", text="can I bring someone to my mammogram?"),
            post("2"), post("3", platform="nope"),
        ]))
        build()
        jobs.import_file(write_jsonl(root / "pending.jsonl", [
            post("7", text="a new one"),
            post("9", created_at="2020-01-01T09:00:00+00:00", author_id="old-public",
                 author_name="Pat Example", author_bio="mum of two", author_location="Leeds"),
        ]))
    commands = _commands(inputs)
    expected = {}
    for kind, command in commands.items():
        folder = root / f"complete-{kind}"
        shutil.copytree(base, folder)
        result = run_cli(*command, env=_env(folder))
        assert result.returncode == 0, result.stderr
        after_command = raw_state(folder)
        result = run_cli("warehouse", "build", env=_env(folder))
        assert result.returncode == 0, result.stderr
        expected[kind] = {"raw": after_command, "raw_built": raw_state(folder),
                          "published": published_digest(folder)}
    # Every scenario changes both stores, so "before or after" below is a real check.
    for kind, states in expected.items():
        assert states["raw"] != raw_state(base), kind
        assert states["published"] != published_digest(base), kind
    return {"base": base, "commands": commands, "expected": expected,
            "raw": raw_state(base), "published": published_digest(base),
            "published_bytes": (base / config.WAREHOUSE_FILE).read_bytes()}


def test_every_fault_point_in_the_code_is_listed_and_exercised():
    called = set()
    for folder in ("store", "ingest", "warehouse", "alerts"):
        for path in (ROOT / folder).rglob("*.py"):
            called |= set(re.findall(r"\bfault_point\(\s*\"([a-z_]+)\"\s*\)", path.read_text()))
    assert called == set(FAULT_POINTS), "every fault_point(...) name is in FAULT_POINTS"
    assert set(SCENARIO) == set(FAULT_POINTS), "every fault point has a kill scenario"


def _copy(base: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(base, folder)
    return folder


def _check_consistent(folder: Path, crash_base, kind: str) -> None:
    """After a crash or failed write: the raw store opens and holds what it held before the
    command or what a complete run of it stores (nothing half-way, no duplicate version);
    the published warehouse opens and is the last complete one."""
    state = raw_state(folder)
    keys = [row[:3] for row in state["posts"]]
    assert len(keys) == len(set(keys)), "a post version is stored twice"
    assert state in (crash_base["raw"], crash_base["expected"][kind]["raw"])
    if kind != "build":
        assert (folder / config.WAREHOUSE_FILE).read_bytes() == crash_base["published_bytes"]
    assert published_digest(folder) in (crash_base["published"], crash_base["expected"][kind]["published"])


@pytest.mark.parametrize("point", STORE_POINTS)
def test_killed_at_any_point_loses_nothing_and_recovers(crash_base, tmp_path, point):
    kind = SCENARIO[point]
    command = crash_base["commands"][kind]
    folder = _copy(crash_base["base"], tmp_path)

    result = run_cli(*command, env=_env(folder, point))
    assert result.returncode == -signal.SIGKILL, (point, result.returncode, result.stderr)
    _check_consistent(folder, crash_base, kind)
    dead = sum(status == "running" for _, status in runs(folder))
    assert dead <= 1

    # The next run succeeds, marks the dead run interrupted, and ends where a run that was
    # never killed ends.
    result = run_cli(*command, env=_env(folder))
    assert result.returncode == 0, result.stderr
    if kind != "build":
        result = run_cli("warehouse", "build", env=_env(folder))
        assert result.returncode == 0, result.stderr
    statuses = [status for _, status in runs(folder)]
    assert "running" not in statuses
    assert statuses.count("interrupted") == dead
    assert raw_state(folder) == crash_base["expected"][kind]["raw_built"]
    assert published_digest(folder) == crash_base["expected"][kind]["published"]
    assert not list(folder.glob(config.WAREHOUSE_FILE + ".building-*"))
    assert not list(folder.glob(config.RAW_FILE + ".rewrite-*"))  # a killed rewrite's copy is gone
    assert raw_query("SELECT count(*) FROM purge_log WHERE NOT rewritten", folder=folder) == [(0,)]


@pytest.mark.parametrize("point", STORE_POINTS)
def test_disk_full_at_any_point_is_a_clear_error_and_corrupts_nothing(crash_base, tmp_path, point):
    kind = SCENARIO[point]
    folder = _copy(crash_base["base"], tmp_path)

    result = run_cli(*crash_base["commands"][kind], env=_env(folder, f"enospc:{point}"))
    assert result.returncode == 2, (point, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: cannot write to the data folder {folder.resolve()}")
    assert "No space left on device" in lines[0]
    _check_consistent(folder, crash_base, kind)
    assert "running" not in [status for _, status in runs(folder)]
    assert not list(folder.glob(config.WAREHOUSE_FILE + ".building-*"))
    assert not list(folder.glob(config.RAW_FILE + ".rewrite-*"))


# Root writes whatever the file modes say; without the capabilities that let it (setpriv
# drops them from the bounding set), root is held to the modes like anyone else.
_AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
_NO_OVERRIDE = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--"]


@pytest.mark.skipif(_AS_ROOT and shutil.which("setpriv") is None,
                    reason="running as root without setpriv: file modes do not stop root writing"
                           " (the disk-full faults above cover the failed-write paths)")
@pytest.mark.parametrize("kind", ["file", "accounts", "deletions", "build"])
def test_read_only_data_folder_is_a_clear_error(crash_base, tmp_path, kind):
    folder = _copy(crash_base["base"], tmp_path)
    files = [p for p in folder.iterdir() if p.is_file()]
    module, *args = crash_base["commands"][kind]
    try:
        for path in files:
            path.chmod(0o444)
        folder.chmod(0o555)
        result = subprocess.run([*(_NO_OVERRIDE if _AS_ROOT else []), sys.executable, "-m", module, *args],
                                cwd=ROOT, env=_env(folder), capture_output=True, text=True, timeout=600)
    finally:
        folder.chmod(0o755)
        for path in files:
            path.chmod(0o644)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"error: cannot write to the data folder {folder.resolve()}"), result.stderr
    assert raw_state(folder) == crash_base["raw"]
    assert (folder / config.WAREHOUSE_FILE).read_bytes() == crash_base["published_bytes"]


def test_killed_build_leaves_its_half_built_file_for_the_next_build(data_dir, tmp_path):
    jobs.import_file(write_jsonl(tmp_path / "a.jsonl", [post("1")]))
    build()
    published = config.warehouse_path().read_bytes()
    jobs.import_file(write_jsonl(tmp_path / "b.jsonl", [post("2")]))

    result = run_cli("warehouse", "build", env=os.environ | {"RADSOME_FAULT": "build_before_publish"})
    assert result.returncode == -signal.SIGKILL
    assert config.warehouse_path().read_bytes() == published
    assert published_query("SELECT count(*) FROM posts") == [(1,)]
    assert list(config.data_dir().glob("warehouse.duckdb.building-*"))

    build()
    assert published_query("SELECT count(*) FROM posts") == [(2,)]
    assert not list(config.data_dir().glob("warehouse.duckdb.building-*"))
    assert raw_query("SELECT count(*) FROM raw_posts") == [(2,)]


def test_unknown_fault_point_is_a_programming_error():
    with pytest.raises(ValueError, match="FAULT_POINTS"):
        fault_point("no_such_point")
