"""File import: idempotent, quarantines bad rows with file/line/field, refuses non-files."""
from __future__ import annotations

import os

import pytest

from ingest import jobs
from ingest.files import FileFormatError
from store.errors import InputError
from tests.support import post, published_query, raw_query, run_cli, write_jsonl
from warehouse.build import build

pytestmark = pytest.mark.slow  # ingest and build: a data folder and a build per test


def test_reimport_adds_nothing(data_dir, tmp_path):
    path = write_jsonl(tmp_path / "posts.jsonl", [post("1"), post("2"), post("3", parent_id="1")])
    first = jobs.import_file(path)
    assert (first.read, first.new, first.duplicate, first.quarantined) == (3, 3, 0, 0)
    second = jobs.import_file(path)
    assert (second.read, second.new, second.duplicate, second.quarantined) == (3, 0, 3, 0)
    assert raw_query("SELECT count(*) FROM raw_posts") == [(3,)]


def test_same_posts_as_csv_are_duplicates(data_dir, tmp_path):
    write = write_jsonl(tmp_path / "a.jsonl", [post("1", text="Will it hurt?")])
    jobs.import_file(write)
    csv_path = tmp_path / "a.csv"
    csv_path.write_text(
        "platform,post_id,author_id,created_at,text\n"
        "x,1,author-1,2025-03-01T10:00:00+00:00,Will it hurt?\n"
    )
    counts = jobs.import_file(csv_path)
    assert (counts.new, counts.duplicate) == (0, 1)


def test_changed_post_is_a_new_version_and_build_takes_latest(data_dir, tmp_path):
    jobs.import_file(write_jsonl(tmp_path / "a.jsonl", [post("1", text="first")]))
    counts = jobs.import_file(write_jsonl(tmp_path / "b.jsonl", [post("1", text="edited")]))
    assert (counts.new, counts.changed) == (0, 1)
    build()
    assert published_query("SELECT text FROM posts") == [("edited",)]


def test_quarantine_names_file_line_field_reason(data_dir, tmp_path):
    path = write_jsonl(tmp_path / "bad.jsonl", [
        post("ok"),
        "",                                                   # line 2: blank, skipped
        post("p", platform="myspace"),                        # line 3
        post("t", created_at="2025-02-30T10:00:00+00:00"),    # line 4
        post("o", created_at="2025-03-01T10:00:00"),          # line 5
        "{not json",                                          # line 6
        post("r", trust_code="NOPE"),                         # line 7
        {"platform": "x", "post_id": "m", "created_at": "2025-03-01T10:00:00Z"},  # line 8
        "[1, 2]",                                             # line 9
    ])
    counts = jobs.import_file(path)
    assert (counts.read, counts.new, counts.quarantined) == (8, 1, 7)
    rows = raw_query("SELECT origin, origin_line, field, reason FROM quarantine ORDER BY origin_line, field")
    assert {r[0] for r in rows} == {str(path.resolve())}
    got = [(line, field) for _, line, field, _ in rows]
    assert got == [
        (3, "platform"), (4, "created_at"), (5, "created_at"), (6, "record"), (7, "trust_code"),
        (8, "author_id"), (8, "text"), (9, "record"),
    ]
    reasons = {(line, field): reason for _, line, field, reason in rows}
    assert "unknown platform 'myspace'" in reasons[(3, "platform")]
    assert "not an ISO 8601 time" in reasons[(4, "created_at")]
    assert "no UTC offset" in reasons[(5, "created_at")]
    assert reasons[(6, "record")] == "not valid JSON"
    assert "unknown trust code 'NOPE'" in reasons[(7, "trust_code")]
    assert reasons[(8, "text")] == "missing"
    assert reasons[(9, "record")] == "not a JSON object"
    # a re-run neither duplicates the good row nor the quarantine rows
    jobs.import_file(path)
    assert raw_query("SELECT count(*) FROM quarantine") == [(8,)]
    assert raw_query("SELECT count(*) FROM raw_posts") == [(1,)]


def test_csv_line_numbers_count_quoted_newlines(data_dir, tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text(
        "platform,post_id,author_id,created_at,text,trust_code\n"
        'x,1,a,2025-03-01T10:00:00+00:00,"a question\nover two lines?",RR8\n'
        "x,2,a,not-a-time,hello,\n"
        "x,3,a,2025-03-01T10:00:00+00:00,too,many,fields\n"
    )
    counts = jobs.import_file(path, trust="RTD")
    assert (counts.new, counts.quarantined) == (1, 2)
    rows = raw_query("SELECT origin_line, field FROM quarantine ORDER BY origin_line")
    assert rows == [(4, "created_at"), (5, "record")]
    assert raw_query("SELECT origin_line, trust_code, text FROM raw_posts") == [
        (2, "RR8", "a question\nover two lines?")
    ]


def test_defaults_apply_only_to_rows_without_values(data_dir, tmp_path):
    path = write_jsonl(tmp_path / "p.jsonl", [post("1"), post("2", trust_code="RR8", source="own")])
    jobs.import_file(path, source="leeds-export", trust="RTD")
    assert raw_query("SELECT post_id, source, trust_code FROM raw_posts ORDER BY post_id") == [
        ("1", "leeds-export", "RTD"), ("2", "own", "RR8"),
    ]


def test_undecodable_line_is_quarantined_alone(data_dir, tmp_path):
    path = tmp_path / "latin1.jsonl"
    good = write_jsonl(tmp_path / "g.jsonl", [post("1")]).read_bytes()
    path.write_bytes(good + b'{"platform": "x", "post_id": "2", "text": "caf\xe9"}\n' + good.replace(b'"1"', b'"3"'))
    counts = jobs.import_file(path)
    assert (counts.new, counts.quarantined) == (2, 1)
    assert raw_query("SELECT origin_line, field FROM quarantine") == [(2, "record")]
    assert "not valid UTF-8" in raw_query("SELECT reason FROM quarantine")[0][0]


@pytest.mark.parametrize("content, message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
    (b"", "empty file"),
    (b"just some prose\nover lines\n", "not JSONL"),
    (b"a,b,c\n1,2,3\n", "CSV header must name"),
    (b"{broken\n{also broken\n", "no record could be read"),
])
def test_not_jsonl_or_csv_is_one_clear_error_and_stores_nothing(data_dir, tmp_path, content, message):
    jobs.import_file(write_jsonl(tmp_path / "first.jsonl", [post("1")]))
    bad = tmp_path / "upload.jsonl"
    bad.write_bytes(content)
    with pytest.raises(FileFormatError, match=message):
        jobs.import_file(bad)
    assert raw_query("SELECT count(*) FROM raw_posts") == [(1,)]
    assert raw_query("SELECT count(*) FROM quarantine") == [(0,)]
    assert raw_query("SELECT status FROM ingest_runs ORDER BY started_at") == [("ok",), ("failed",)]


def test_cli_summary_and_exit_codes(data_dir, tmp_path):
    good = write_jsonl(tmp_path / "p.jsonl", [post("1"), post("2", platform="myspace")])
    result = run_cli("ingest", "file", str(good), env=os.environ.copy())
    assert result.returncode == 0, result.stderr
    assert "read 2, new 1, changed 0, duplicate 0, quarantined 1" in result.stdout
    assert f"{good.resolve()}:2: platform: unknown platform 'myspace'" in result.stdout
    bad = tmp_path / "x.bin"
    bad.write_bytes(b"\x00\x01")
    result = run_cli("ingest", "file", str(bad), env=os.environ.copy())
    assert result.returncode == 2
    assert "binary file" in result.stderr and "Traceback" not in result.stderr


def test_million_line_numbers_stay_exact(data_dir, tmp_path):
    """DuckDB reads JSONL lines in parallel-safe order: line N is record N."""
    n = 200_000
    path = tmp_path / "big.jsonl"
    with path.open("w") as handle:
        for i in range(1, n + 1):
            handle.write('{"platform":"x","post_id":"%d","author_id":"a","created_at":'
                         '"2025-03-01T10:00:00+00:00","text":"t"}\n' % i)
    counts = jobs.import_file(path)
    assert counts.new == n
    assert raw_query(
        "SELECT count(*) FROM raw_posts WHERE origin_line <> post_id::BIGINT"
    ) == [(0,)]


def test_unknown_trust_option_is_refused_before_reading(data_dir, tmp_path):
    path = write_jsonl(tmp_path / "p.jsonl", [post("1")])
    with pytest.raises(InputError, match="--trust: unknown trust code 'XYZ'"):
        jobs.import_file(path, trust="XYZ")
    assert raw_query("SELECT count(*) FROM raw_posts") == [(0,)]
