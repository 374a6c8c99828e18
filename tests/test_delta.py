"""``python -m warehouse refresh`` (warehouse/delta.py): a base plus its delta reads, through the
reader's views, exactly as a full build of the same raw store; a refresh that cannot be exact
builds in full and says why; readers use a delta only with the base it names; a killed refresh
changes nothing; a full build removes the delta. Real DuckDB files from the real demo."""
from __future__ import annotations

import shutil
import signal
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from ingest import jobs
from store import access, config, reader
from tests.conftest import TEST_KEY
from tests.support import raw_query, run_cli, write_jsonl
from warehouse import delta
from warehouse.build import build

pytestmark = pytest.mark.slow
DEMO_END = datetime(2026, 10, 31, tzinfo=timezone.utc)


def _env(folder: Path, monkeypatch) -> None:
    monkeypatch.setenv(config.DATA_ENV, str(folder))
    monkeypatch.setenv(config.PSEUDONYM_KEY_ENV, TEST_KEY)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A demo data folder with a published base (a full build)."""
    folder = tmp_path_factory.mktemp("delta") / "base"
    with pytest.MonkeyPatch.context() as patch:
        _env(folder, patch)
        jobs.run_demo(n_posts=4_000, seed=7, end=DEMO_END)
        build()
    return folder


def _existing(folder: Path) -> dict:
    """An existing X thread (its root), a public author who posted in it and the data's end."""
    end = raw_query(folder=folder, sql="SELECT max(created_at) FROM raw_posts")[0][0]
    root, author, at = raw_query(folder=folder, sql="""
        SELECT r.post_id, p.author_id, p.created_at FROM raw_posts r
        JOIN raw_posts p ON p.platform = r.platform AND p.thread_id = r.post_id
        WHERE r.platform = 'x' AND r.parent_id IS NULL AND p.author_id NOT IN (SELECT author_id FROM account_registry)
        ORDER BY r.post_id LIMIT 1""")[0]
    return {"root": root, "author": author, "at": at, "end": end}


def _stamp(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat()


def _increment(folder: Path, existing: dict, *, later: bool, new_author: bool | None = None) -> Path:
    """A new thread (a post and a reply), a reply into an existing thread and a new post by an
    existing author; dated inside the data (``later``: after its end, so the data's end moves;
    ``new_author``, by default with ``later``: and a question by a new author)."""
    at = existing["end"] + timedelta(hours=1) if later else existing["at"] + timedelta(minutes=3)
    who = existing["author"]
    records = [
        {"platform": "x", "post_id": "delta-new-1", "author_id": who, "created_at": _stamp(at),
         "text": "Lovely team at the breast screening unit today, thank you all."},
        {"platform": "x", "post_id": "delta-new-2", "author_id": who, "parent_id": "delta-new-1",
         "thread_id": "delta-new-1", "created_at": _stamp(at + timedelta(minutes=1)),
         "text": "Also the car park was easy this time."},
        {"platform": "x", "post_id": "delta-new-3", "author_id": who, "parent_id": existing["root"],
         "thread_id": existing["root"], "created_at": _stamp(at + timedelta(minutes=2)),
         "text": "Same experience here, all very calm."},
    ]
    if later if new_author is None else new_author:
        records.append({"platform": "x", "post_id": "delta-new-4", "author_id": "delta-brand-new",
                        "created_at": _stamp(at + timedelta(minutes=5)),
                        "text": "How long do mammogram results take to come back?"})
    return write_jsonl(folder.parent / f"increment-{'later' if later else 'inside'}.jsonl", records)


def _tables(folder: Path, scope=None) -> dict[str, list]:
    """Every published table as the reader's views show it, rows sorted (build_info without
    its build time)."""
    con = reader.connect_published(folder / config.WAREHOUSE_FILE, scope)
    try:
        names = [n for (n,) in con.execute("SELECT view_name FROM duckdb_views() WHERE database_name = 'memory'"
                                           " AND NOT internal ORDER BY 1").fetchall()]
        out = {}
        for name in names:
            select = "* EXCLUDE (built_at)" if name == "build_info" else "*"
            out[name] = sorted(con.execute(f'SELECT {select} FROM "{name}"').fetchall(), key=repr)
        return out
    finally:
        con.close()


def _copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


@pytest.mark.parametrize("later", [False, True], ids=["inside-the-data", "after-its-end"])
def test_base_plus_delta_reads_as_a_full_build(base, tmp_path, monkeypatch, later):
    refreshed = _copy(base, tmp_path / "refreshed")
    _env(refreshed, monkeypatch)
    jobs.import_file(_increment(refreshed, _existing(refreshed), later=later, new_author=False))
    rebuilt = _copy(refreshed, tmp_path / "rebuilt")

    result = delta.refresh(max_share=1.0)
    assert result.kind == "delta", result.reason
    assert (refreshed / config.DELTA_FILE).is_file()
    assert result.changed_posts == 3 and result.scope_posts >= 3

    _env(rebuilt, monkeypatch)
    build()
    assert not (rebuilt / config.DELTA_FILE).exists()
    mine, theirs = _tables(refreshed), _tables(rebuilt)
    assert mine.keys() == theirs.keys()
    for name in theirs:
        assert mine[name] == theirs[name], name
    # the delta is really read: the new posts are there, once
    assert sum(row[1].startswith("delta-new-") for row in mine["posts"]) == 3
    if later:  # the base's unanswered questions are censored at the new end
        con = duckdb.connect(str(refreshed / config.DELTA_FILE), read_only=True)
        assert con.execute("SELECT count(*) FROM delta.keys__patient_questions").fetchall()[0][0] > result.scope_posts
        con.close()
    # and the base alone (no delta) does not read so
    (refreshed / config.DELTA_FILE).unlink()
    assert _tables(refreshed)["posts"] != theirs["posts"]


def test_a_refresh_that_cannot_be_exact_builds_in_full_and_says_why(base, tmp_path, monkeypatch):
    folder = _copy(base, tmp_path / "later")
    _env(folder, monkeypatch)
    jobs.import_file(_increment(folder, _existing(folder), later=True))
    result = delta.refresh(max_share=1.0)
    assert result.kind == "full" and result.full_build is not None
    assert "new author" in result.reason or "data's end" in result.reason or "themes" in result.reason
    assert not (folder / config.DELTA_FILE).exists()


# threads on X whose authors are all members of the public who posted nowhere else, and that
# hold no patient question (bench/refresh_probe.py --closed): new replies reach only them
CLOSED_THREADS = """
WITH a AS (SELECT platform, author_key, count(DISTINCT thread_id) AS threads FROM posts GROUP BY ALL)
SELECT p.thread_id FROM posts p JOIN a USING (platform, author_key)
WHERE p.platform = 'x' AND p.thread_id NOT IN (SELECT thread_id FROM patient_questions WHERE platform = 'x')
GROUP BY ALL HAVING bool_and(a.threads = 1 AND p.author_role = 'patient_public')
ORDER BY p.thread_id LIMIT 3
"""


def _numbers(folder: Path) -> dict[str, int]:
    """author_key -> posts.author_n as the reader's views show it."""
    con = reader.connect_published(folder / config.WAREHOUSE_FILE)
    try:
        return dict(con.execute("SELECT DISTINCT author_key, author_n FROM posts").fetchall())
    finally:
        con.close()


def test_new_authors_after_the_end_take_the_next_numbers_in_a_delta(base, tmp_path, monkeypatch):
    """posts.author_n numbers authors by first appearance, so new authors replying after the
    data's end (in threads no one else reaches) are a delta, numbered as a full build numbers
    them: after every author of the base, by their first post, then by key."""
    refreshed = _copy(base, tmp_path / "refreshed")
    _env(refreshed, monkeypatch)
    before = _numbers(refreshed)
    con = reader.connect_published(refreshed / config.WAREHOUSE_FILE)
    threads = [t for (t,) in con.execute(CLOSED_THREADS).fetchall()]
    con.close()
    assert len(threads) == 3
    end = _existing(refreshed)["end"]
    # the second author first posts before the first; the first and third at the same instant
    plan = [("delta-late-1", threads[0], end + timedelta(hours=2)),
            ("delta-late-2", threads[1], end + timedelta(hours=1)),
            ("delta-late-3", threads[2], end + timedelta(hours=2)),
            ("delta-late-2", threads[0], end + timedelta(hours=3))]
    records = [{"platform": "x", "post_id": f"delta-late-post-{i}", "author_id": who, "parent_id": thread,
                "thread_id": thread, "created_at": _stamp(at), "text": "Thank you, that helped a lot."}
               for i, (who, thread, at) in enumerate(plan)]
    jobs.import_file(write_jsonl(tmp_path / "late.jsonl", records))
    rebuilt = _copy(refreshed, tmp_path / "rebuilt")

    result = delta.refresh(max_share=1.0)
    assert result.kind == "delta", result.reason
    assert result.changed_posts == 4

    _env(rebuilt, monkeypatch)
    build()
    mine, theirs = _tables(refreshed), _tables(rebuilt)
    assert mine.keys() == theirs.keys()
    for name in theirs:
        assert mine[name] == theirs[name], name
    numbers = _numbers(refreshed)
    new = {key: n for key, n in numbers.items() if key not in before}
    assert len(new) == 3
    assert {key: numbers[key] for key in before} == before  # the base's authors keep theirs
    highest = max(before.values())
    assert sorted(new.values()) == [highest + 1, highest + 2, highest + 3]
    assert len(set(numbers.values())) == len(numbers)
    con = reader.connect_published(refreshed / config.WAREHOUSE_FILE)
    first = con.execute("SELECT author_key FROM posts WHERE post_id = 'delta-late-post-1'").fetchall()[0][0]
    assert new[first] == highest + 1  # the earliest first post, whatever its key
    assert con.execute("SELECT max_author_n FROM build_info").fetchall()[0][0] == highest + 3
    con.close()


def test_a_backfilled_new_author_renumbers_the_authors_and_builds_in_full(base, tmp_path, monkeypatch):
    folder = _copy(base, tmp_path / "backfill")
    _env(folder, monkeypatch)
    before = _numbers(folder)
    existing = _existing(folder)
    jobs.import_file(write_jsonl(tmp_path / "backfill.jsonl", [{
        "platform": "x", "post_id": "delta-backfill-1", "author_id": "delta-backfilled",
        "created_at": _stamp(existing["at"] + timedelta(minutes=3)),
        "text": "Lovely team at the breast screening unit today, thank you all."}]))
    result = delta.refresh(max_share=1.0)
    assert result.kind == "full" and result.full_build is not None
    assert "authors renumbered (posts.author_n)" in result.reason and "new author" in result.reason
    assert not (folder / config.DELTA_FILE).exists()
    after = _numbers(folder)  # the base's authors who first posted after it moved up by one
    assert any(after[key] == n + 1 for key, n in before.items())


@pytest.mark.parametrize("posts, reason", [(">", "first post"), ("=", "no posts left")],
                         ids=["first-of-several", "only-post"])
def test_an_authors_first_post_deleted_renumbers_the_authors_and_builds_in_full(base, tmp_path, monkeypatch,
                                                                                 posts, reason):
    """A member of the public (in threads holding no patient question, so the themes stay as
    they were) loses their first post: their first appearance moves, or they have none left."""
    folder = _copy(base, tmp_path / "deleted")
    _env(folder, monkeypatch)
    before = _numbers(folder)
    con = reader.connect_published(folder / config.WAREHOUSE_FILE)
    having = {">": "count(*) > 1 AND count(DISTINCT thread_id) > 1", "=": "count(*) = 1"}[posts]
    platform, post_id = con.execute(f"""
        SELECT platform, arg_min(post_id, created_at) FROM posts
        WHERE platform = 'x' AND author_role = 'patient_public'
        GROUP BY platform, author_key
        HAVING {having} AND NOT bool_or(thread_id IN (SELECT thread_id FROM patient_questions))
        ORDER BY author_key LIMIT 1""").fetchall()[0]
    con.close()
    deletions = tmp_path / "deletions.csv"
    deletions.write_text(f"platform,post_id\n{platform},{post_id}\n")
    jobs.load_deletions(deletions)
    result = delta.refresh(max_share=1.0)
    assert result.kind == "full"
    assert "authors renumbered (posts.author_n)" in result.reason and reason in result.reason
    after = _numbers(folder)  # and a full build did renumber authors of the base
    assert any(after.get(key) != n for key, n in before.items())


def test_nothing_new_is_unchanged(base, tmp_path, monkeypatch):
    folder = _copy(base, tmp_path / "same")
    _env(folder, monkeypatch)
    assert delta.refresh().kind == "unchanged"
    assert not (folder / config.DELTA_FILE).exists()


@pytest.fixture
def refreshed(base, tmp_path, monkeypatch) -> Path:
    folder = _copy(base, tmp_path / "data")
    _env(folder, monkeypatch)
    jobs.import_file(_increment(folder, _existing(folder), later=False))
    assert delta.refresh(max_share=1.0).kind == "delta"
    return folder


def test_a_delta_on_another_base_is_ignored_and_logged(refreshed, caplog):
    with_delta = _tables(refreshed)["posts"]
    con = duckdb.connect(str(refreshed / config.DELTA_FILE))
    con.execute("UPDATE delta.info SET base_id = 'someone-else'")
    con.close()
    with caplog.at_level("WARNING", logger="radsome.reader"):
        without = _tables(refreshed)["posts"]
    assert "made on base someone-else" in caplog.text
    assert len(without) == len(with_delta) - 3


def test_a_second_refresh_replaces_the_first(refreshed, tmp_path):
    first = duckdb.connect(str(refreshed / config.DELTA_FILE), read_only=True)
    first_id = first.execute("SELECT delta_id FROM delta.info").fetchall()[0][0]
    first.close()
    existing = _existing(refreshed)
    at = existing["at"] + timedelta(minutes=9)
    jobs.import_file(write_jsonl(tmp_path / "more.jsonl", [{
        "platform": "x", "post_id": "delta-new-9", "author_id": existing["author"], "parent_id": "delta-new-1",
        "thread_id": "delta-new-1", "created_at": _stamp(at), "text": "One more thing: the staff were kind."}]))
    result = delta.refresh(max_share=1.0)
    assert result.kind == "delta" and result.changed_posts == 4  # cumulative since the base
    second = duckdb.connect(str(refreshed / config.DELTA_FILE), read_only=True)
    assert second.execute("SELECT delta_id FROM delta.info").fetchall()[0][0] != first_id
    second.close()
    ids = [row[1] for row in _tables(refreshed)["posts"] if row[1].startswith("delta-new-")]
    assert sorted(ids) == ["delta-new-1", "delta-new-2", "delta-new-3", "delta-new-9"]


def test_a_full_build_removes_the_delta(refreshed):
    before = _tables(refreshed)
    build()
    assert not (refreshed / config.DELTA_FILE).exists()
    assert _tables(refreshed) == before


def test_scoping_applies_to_delta_rows(refreshed):
    trust = _tables(refreshed)["posts"]
    con = reader.connect_published(refreshed / config.WAREHOUSE_FILE)
    code = con.execute("SELECT trust_code FROM posts WHERE post_id = 'delta-new-3'").fetchall()[0][0]
    other = con.execute("SELECT min(trust_code) FROM trusts WHERE trust_code <> $t", {"t": code}).fetchall()[0][0]
    con.close()
    assert trust
    scoped = reader.connect_published(refreshed / config.WAREHOUSE_FILE, access.Scope(role="manager", user="m@example.org", trusts=(other,)))
    try:
        assert scoped.execute("SELECT count(*) FROM posts WHERE post_id LIKE 'delta-new-%'").fetchall()[0][0] == 0
    finally:
        scoped.close()


@pytest.mark.parametrize("point", ["refresh_before_publish", "refresh_after_publish"])
def test_a_killed_refresh_leaves_readers_on_a_whole_snapshot(base, tmp_path, monkeypatch, point):
    folder = _copy(base, tmp_path / "data")
    _env(folder, monkeypatch)
    jobs.import_file(_increment(folder, _existing(folder), later=False))
    before = _tables(folder)
    env = {**__import__("os").environ, config.DATA_ENV: str(folder), config.PSEUDONYM_KEY_ENV: TEST_KEY,
           "RADSOME_FAULT": point}
    result = run_cli("warehouse", "refresh", "--max-share", "1", env=env)
    assert result.returncode == -signal.SIGKILL, result.stderr
    after = _tables(folder)
    if point == "refresh_before_publish":
        assert after == before and not (folder / config.DELTA_FILE).exists()
    else:
        assert after != before and sum(r[1].startswith("delta-new-") for r in after["posts"]) == 3


def test_the_dashboard_notices_a_new_delta(refreshed, tmp_path):
    """ui/data.py keys every cache by the snapshot: a refresh's delta is a new one."""
    from ui import data

    with_delta = data.warehouse_version()
    assert with_delta[3] != ""
    (refreshed / config.DELTA_FILE).rename(tmp_path / "aside.duckdb")
    assert data.warehouse_version()[:3] == with_delta[:3] and data.warehouse_version()[3] == ""


def test_changed_reference_data_builds_in_full(base, tmp_path, monkeypatch):
    """A new account registry is a change (roles are registry-first): the refresh builds in full."""
    folder = _copy(base, tmp_path / "data")
    _env(folder, monkeypatch)
    jobs.import_file(_increment(folder, _existing(folder), later=False))
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("platform,author_id,role,trust_code,title\nx,delta-new-account,organisation,RR8,New\n")
    jobs.load_accounts(accounts)
    result = delta.refresh(max_share=1.0)
    assert result.kind == "full" and "reference data changed" in result.reason
