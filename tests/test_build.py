"""The build: models with grain and key, key checks, atomic publish, readers undisturbed."""
from __future__ import annotations

import shutil

import duckdb
import pytest

from ingest import jobs
from store import config, reader
from tests.support import post, published_query, write_jsonl
from warehouse import build as build_module
from warehouse.build import BuildError, build, load_models


def test_every_model_states_grain_and_key():
    models = load_models()
    assert {m.layer for m in models} == {"staging", "intermediate", "marts"}
    for model in models:
        assert model.grain.startswith("one row per"), model.path
        assert model.key, model.path


def test_posts_table_has_the_published_columns(data_dir, tmp_path):
    jobs.import_file(write_jsonl(tmp_path / "p.jsonl", [
        post("1", trust_code="RR8", author_id="patient-a"),
        post("2", parent_id="1", thread_id="1", author_id="patient-b"),
    ]))
    build()
    con = duckdb.connect(str(config.warehouse_path()), read_only=True)
    columns = [r[0] for r in con.execute("DESCRIBE posts").fetchall()]
    for required in ["platform", "post_id", "parent_id", "thread_id", "author_key", "author_role",
                     "created_at", "text", "trust_code", "region_code", "source"]:
        assert required in columns
    rows = con.execute("SELECT post_id, author_key, trust_code, region_code, attribution FROM posts ORDER BY post_id").fetchall()
    con.close()
    # members of the public are pseudonymised: no author id appears in the published file
    assert all(r[1].startswith("p_") and "patient" not in r[1] for r in rows)
    assert rows[0][2:] == ("RR8", "Y63", "post")
    # the reply has no trust of its own: it takes its thread's (the root post's)
    assert rows[1][2:] == ("RR8", "Y63", "thread")
    assert b"patient-a" not in config.warehouse_path().read_bytes()


def test_registry_gives_role_and_trust(data_dir, tmp_path):
    jobs.import_file(write_jsonl(tmp_path / "p.jsonl", [post("1", author_id="leeds_breast")]))
    registry = tmp_path / "accounts.csv"
    registry.write_text("platform,author_id,role,trust_code,title\nx,leeds_breast,organisation,RR8,Leeds Breast Screening\n")
    jobs.load_accounts(registry)
    build()
    assert published_query("SELECT author_role, trust_code, attribution, account_title FROM posts") == [
        ("organisation", "RR8", "registry", "Leeds Breast Screening")
    ]


@pytest.mark.slow
def test_duplicated_key_fails_the_build_and_keeps_the_published_file(data_dir, tmp_path):
    jobs.import_file(write_jsonl(tmp_path / "p.jsonl", [post("1"), post("2")]))
    build()
    before = config.warehouse_path().read_bytes()

    models = tmp_path / "models"
    shutil.copytree(build_module.MODELS, models)
    (models / "marts" / "posts_doubled.sql").write_text(
        "-- grain: one row per post\n-- key: platform, post_id\n"
        "SELECT * FROM intermediate.int_posts UNION ALL SELECT * FROM intermediate.int_posts\n"
    )
    with pytest.raises(BuildError, match=r"posts_doubled: 2 duplicated key\(s\)"):
        build(models_dir=models)
    assert config.warehouse_path().read_bytes() == before
    assert not list(config.data_dir().glob("*.building-*"))


@pytest.mark.slow
def test_null_key_fails_the_build(data_dir, tmp_path):
    jobs.import_file(write_jsonl(tmp_path / "p.jsonl", [post("1")]))
    models = tmp_path / "models"
    shutil.copytree(build_module.MODELS, models)
    (models / "marts" / "bad.sql").write_text(
        "-- grain: one row per post\n-- key: trust_code\nSELECT trust_code FROM intermediate.int_posts\n"
    )
    with pytest.raises(BuildError, match="bad: 1 row\\(s\\) with trust_code null"):
        build(models_dir=models)


def test_model_without_grain_is_refused(tmp_path):
    models = tmp_path / "models"
    shutil.copytree(build_module.MODELS, models)
    (models / "marts" / "nograin.sql").write_text("-- key: x\nSELECT 1 AS x\n")
    with pytest.raises(BuildError, match="missing '-- grain:'"):
        load_models(models)


def test_open_reader_keeps_its_snapshot_while_a_build_swaps_in(data_dir, tmp_path):
    jobs.import_file(write_jsonl(tmp_path / "a.jsonl", [post("1")]))
    build()
    reader = duckdb.connect(str(config.warehouse_path()), read_only=True)
    jobs.import_file(write_jsonl(tmp_path / "b.jsonl", [post("2"), post("3")]))
    build()  # must not be blocked by the open reader
    assert reader.execute("SELECT count(*) FROM posts").fetchall() == [(1,)]
    reader.close()
    assert published_query("SELECT count(*) FROM posts") == [(3,)]


def test_a_new_connection_in_the_same_process_sees_the_new_build(data_dir, tmp_path):
    """DuckDB caches databases by path within a process: the dashboard's next connection must
    still see a swapped-in build while its old connection is open."""

    jobs.import_file(write_jsonl(tmp_path / "a.jsonl", [post("1")]))
    build()
    old = reader.connect_published()
    jobs.import_file(write_jsonl(tmp_path / "b.jsonl", [post("2")]))
    build()
    new = reader.connect_published()
    assert reader.reader_cursor(old).execute("SELECT count(*) FROM posts").fetchall() == [(1,)]
    assert reader.reader_cursor(new).execute("SELECT count(*) FROM posts").fetchall() == [(2,)]
    old.close()
    new.close()


def test_daily_counts_add_up_to_posts(data_dir, tmp_path):
    jobs.import_file(write_jsonl(tmp_path / "p.jsonl", [
        post("1", created_at="2025-06-30T23:30:00+00:00"),   # 1 July in the UK (BST)
        post("2", created_at="2025-07-01T10:00:00+01:00", trust_code="RR8"),
        post("3", created_at="2025-12-31T23:30:00+00:00"),   # GMT: still 31 Dec
    ]))
    build()
    assert published_query("SELECT day::VARCHAR, sum(n_posts) FROM daily_post_counts GROUP BY day ORDER BY day") == [
        ("2025-07-01", 2), ("2025-12-31", 1)
    ]
