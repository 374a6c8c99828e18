"""The audit log and the review decisions are tamper-evident (issue #18 item 11): a replaced id
is refused, every row is chained by hash to the one before, and editing, deleting or
re-inserting a row with sqlite3 directly (triggers dropped first) is found and the row named;
each audit event can be forwarded to syslog (a real local UDP socket receives it)."""
from __future__ import annotations

import json
import socket
import sqlite3
import threading

import pytest

from store import access, config, integrity, ledger, reviews, syslog

SIGNED_IN = access.Scope("admin", "ann@nhs.net", review=True)


def _events(n: int = 4) -> None:
    for i in range(n):
        access.audit(SIGNED_IN, "export", f"{i} posts")
        reviews.record_decision("x", str(i), "CONF-NHS-NUMBER", "confirmed", f"note {i}", "Ann")


def _raw(path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)  # what anyone with the file can do


def _check(log: str) -> ledger.ChainCheck:
    return {c.table: c for c in integrity.check_logs()}[log]


LOGS = [("audit_log", access.access_path, "detail"), ("review_decisions", reviews.reviews_path, "note")]


def test_an_intact_log_checks_out(data_dir):
    assert all(c.ok and c.rows == 0 for c in integrity.check_logs())  # no stores yet
    _events()
    checks = integrity.check_logs()
    assert [(c.table, c.ok, c.rows) for c in checks] == [("audit_log", True, 4), ("review_decisions", True, 4)]
    assert integrity.broken(checks) == []


@pytest.mark.parametrize("table, path, column", LOGS)
def test_insert_or_replace_and_a_duplicate_id_are_refused(data_dir, table, path, column):
    _events()
    con = _raw(path())
    try:
        for verb in ("INSERT OR REPLACE", "REPLACE", "INSERT"):  # the same id again
            with pytest.raises(sqlite3.IntegrityError):
                con.execute(f"{verb} INTO {table} SELECT * FROM {table} WHERE id = 2")
        with pytest.raises(sqlite3.IntegrityError):
            con.execute(f"UPDATE {table} SET {column} = 'forged' WHERE id = 2")
        with pytest.raises(sqlite3.IntegrityError, match="append"):
            con.execute(f"INSERT INTO {table} ({column}) VALUES ('no hashes')")
    finally:
        con.close()
    assert _check(table).ok


@pytest.mark.parametrize("table, path, column", LOGS)
def test_an_edited_row_is_named(data_dir, table, path, column):
    _events()
    con = _raw(path())
    con.execute(f"DROP TRIGGER {table}_no_update")
    con.execute(f"UPDATE {table} SET {column} = 'forged' WHERE id = 3")
    con.close()
    check = _check(table)
    assert (check.ok, check.broken_id) == (False, 3)
    assert "edited" in check.reason and "row 3" in check.summary()


@pytest.mark.parametrize("table, path, column", LOGS)
def test_a_deleted_row_is_named(data_dir, table, path, column):
    _events()
    con = _raw(path())
    con.execute(f"DROP TRIGGER {table}_no_delete")
    con.execute(f"DELETE FROM {table} WHERE id = 2")
    con.close()
    check = _check(table)
    assert (check.ok, check.broken_id) == (False, 2)
    assert "missing" in check.reason


@pytest.mark.parametrize("table, path, column", LOGS)
def test_a_row_deleted_and_reinserted_with_other_content_is_named(data_dir, table, path, column):
    """Triggers dropped, the row replaced (its id and hashes kept, its content changed)."""
    _events()
    con = _raw(path())
    for trigger in ("no_delete", "no_replace"):
        con.execute(f"DROP TRIGGER {table}_{trigger}")
    row = con.execute(f"SELECT * FROM {table} WHERE id = 2").fetchall()[0]
    names = [d[1] for d in con.execute(f"PRAGMA table_info({table})").fetchall()]
    forged = tuple("forged" if name == column else value for name, value in zip(names, row))
    con.execute(f"INSERT OR REPLACE INTO {table} VALUES ({', '.join('?' * len(forged))})", forged)
    con.close()
    check = _check(table)
    assert (check.ok, check.broken_id) == (False, 2)


@pytest.mark.parametrize("table, path, column", LOGS)
def test_a_forged_row_appended_without_the_chain_is_named(data_dir, table, path, column):
    _events()
    con = _raw(path())
    con.execute(f"DROP TRIGGER {table}_chained")
    last = con.execute(f"SELECT * FROM {table} ORDER BY id DESC LIMIT 1").fetchall()[0]
    con.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(last))})",
                (5, *last[1:-2], "0" * 64, "f" * 64))
    con.close()
    check = _check(table)
    assert (check.ok, check.broken_id) == (False, 5)


def test_a_dropped_trigger_is_reported(data_dir):
    _events()
    con = _raw(access.access_path())
    con.execute("DROP TRIGGER audit_log_no_delete")
    con.close()
    check = _check("audit_log")
    assert not check.ok and check.broken_id is None and "audit_log_no_delete" in check.reason
    access.audit(SIGNED_IN, "export", "next")  # the next writer puts it back
    assert _check("audit_log").ok


OLD_SCHEMA = """
CREATE TABLE audit_log (id INTEGER PRIMARY KEY, at TEXT NOT NULL, user TEXT NOT NULL,
    role TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '');
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TABLE review_decisions (id INTEGER PRIMARY KEY, platform TEXT NOT NULL, post_id TEXT NOT NULL,
    rule_id TEXT NOT NULL, decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'dismissed', 'actioned')),
    note TEXT NOT NULL DEFAULT '', reviewer TEXT NOT NULL, decided_at TEXT NOT NULL);
"""


def test_rows_written_before_the_chain_are_chained_once_as_they_were(data_dir):
    config.data_dir()
    for path in (access.access_path(), reviews.reviews_path()):
        con = _raw(path)
        con.executescript(OLD_SCHEMA)
        con.execute("INSERT INTO audit_log (at, user, role, action, detail) VALUES"
                    " ('2025-01-01T00:00:00+00:00', 'old@nhs.net', 'admin', 'login', ''),"
                    " ('2025-01-02T00:00:00+00:00', 'old@nhs.net', 'admin', 'export', '3 posts')")
        con.execute("INSERT INTO review_decisions (platform, post_id, rule_id, decision, reviewer, decided_at)"
                    " VALUES ('x', '1', 'R', 'confirmed', 'Old', '2025-01-01T00:00:00+00:00')")
        con.close()
    before = access.audit_log()
    checks = integrity.check_logs()
    assert not any(c.ok for c in checks) and all("not chained yet" in c.reason for c in checks)
    _events(1)  # the first write of each store chains what it held, then appends
    assert [(c.ok, c.rows) for c in integrity.check_logs()] == [(True, 3), (True, 2)]
    assert access.audit_log().head(2).equals(before)  # the old rows as they were
    assert reviews.all_decisions()["reviewer"].tolist() == ["Old", "Ann"]


def test_concurrent_writers_keep_one_chain(data_dir):
    access.audit(SIGNED_IN, "export", "first")  # the store exists before the threads race

    def write(who: str) -> None:
        for i in range(25):
            access.audit(access.Scope("admin", who), "export", f"{who} {i}")
            reviews.record_decision("x", f"{who}{i}", "R", "confirmed", "", who)

    threads = [threading.Thread(target=write, args=(f"user{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [(c.ok, c.rows) for c in integrity.check_logs()] == [(True, 101), (True, 100)]


def test_each_audit_event_is_forwarded_to_syslog(data_dir, monkeypatch):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    try:
        monkeypatch.setenv(syslog.SYSLOG_ENV, f"127.0.0.1:{receiver.getsockname()[1]}")
        access.audit(SIGNED_IN, "export", "12 posts; trusts ['RR8']")
        message = receiver.recv(65536).decode("utf-8")
    finally:
        receiver.close()
    # <priority>ident message: facility auth (4) x 8 + severity info (6) = 38
    assert message.startswith("<38>radsome-audit: ")
    event = json.loads(message.removeprefix("<38>radsome-audit: ").rstrip("\x00"))
    row = access.audit_log().iloc[-1]
    assert event == {"log": "audit", "id": int(row["id"]), "at": row["at"], "user": "ann@nhs.net",
                     "role": "admin", "action": "export", "detail": "12 posts; trusts ['RR8']",
                     "row_hash": event["row_hash"]}
    con = _raw(access.access_path())
    assert con.execute("SELECT row_hash FROM audit_log WHERE id = ?", (event["id"],)).fetchall() == [
        (event["row_hash"],)]
    con.close()


@pytest.mark.parametrize("value, expected", [
    ("logs.example.nhs.uk:514", (("logs.example.nhs.uk", 514), socket.SOCK_DGRAM)),
    ("udp://10.0.0.5:1514", (("10.0.0.5", 1514), socket.SOCK_DGRAM)),
    ("tcp://[::1]:6514", (("::1", 6514), socket.SOCK_STREAM)),
    ("/dev/log", ("/dev/log", socket.SOCK_DGRAM)),
])
def test_syslog_addresses(value, expected):
    assert syslog.parse_address(value) == expected


@pytest.mark.parametrize("value", ["nowhere", "host:", "host:99999", "tcp://:514"])
def test_a_bad_syslog_address_is_a_setting_error_and_never_blocks_the_audit(data_dir, monkeypatch, value):
    with pytest.raises(config.SettingError, match=syslog.SYSLOG_ENV):
        syslog.parse_address(value)
    monkeypatch.setenv(syslog.SYSLOG_ENV, value)
    access.audit(SIGNED_IN, "export", "kept")  # the row is written whatever syslog says
    assert access.audit_log()["detail"].tolist() == ["kept"]
