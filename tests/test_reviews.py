"""Review decisions: an append-only operational store (SQLite, WAL) that builds only read,
the flag_reviews mart, and the Review queue page."""
from __future__ import annotations

import sqlite3
import threading
from datetime import date

import pytest

from ingest import jobs
from store import db, reader, reviews
from tests.support import load_and_build, pick_row, post, published_query, write_jsonl
from tests.test_app import open_page, signed_in, texts
from tests.test_flags import LOCAL_ACCOUNTS, LOCAL_POLICY
from warehouse import flag_queries, rules
from warehouse.build import build
from warehouse.queries import Filters

pytestmark = pytest.mark.slow  # ingest and build: a data folder and a build per test

PAGE = "pages/4_Review_queue.py"
ACCOUNTS = "platform,author_id,role,trust_code,title\nx,jo,professional,RR8,Mammographer\n"
HOSTILE = "'); DROP TABLE review_decisions; -- <script>alert(1)</script> **bold** [x](javascript:1)"
STAFF_POSTS = [
    post("old-high", author_id="jo", text="Lady in bay 4 NHS no 401 023 2137 needs rebooking",
         created_at="2025-03-01T10:00:00+00:00"),
    post("new-high", author_id="jo", text="<b>Bay 2</b> NHS no 401 023 2137 *again*",
         created_at="2025-03-05T10:00:00+00:00"),
    post("medium", author_id="jo", text="DM me and I'll sort it", created_at="2025-03-06T10:00:00+00:00"),
    post("clean", author_id="jo", text="Bay 4 has our new scanner, come and see it",
         created_at="2025-03-07T10:00:00+00:00"),
]


def _load(tmp_path):
    jobs.import_file(write_jsonl(tmp_path / "p.jsonl", STAFF_POSTS))
    (tmp_path / "accounts.csv").write_text(ACCOUNTS)
    jobs.load_accounts(tmp_path / "accounts.csv")
    build()


def test_decisions_are_append_only_and_the_latest_wins(data_dir):
    assert reviews.latest_decisions().empty  # no file yet: no decisions
    first = reviews.record_decision("x", "1", "CONF-NHS-NUMBER", "confirmed", "looks real", "Ann")
    second = reviews.record_decision("x", "1", "CONF-NHS-NUMBER", "dismissed", "test number", "Bob")
    reviews.record_decision("x", "2", "CONF-NHS-NUMBER", "actioned", "", "Ann")
    assert second > first
    history = reviews.decisions_for("x", "1", "CONF-NHS-NUMBER")
    assert history["decision"].tolist() == ["confirmed", "dismissed"]
    assert history["decided_at"].str.endswith("+00:00").all()
    latest = reviews.latest_decisions()
    assert sorted(zip(latest["post_id"], latest["decision"])) == [("1", "dismissed"), ("2", "actioned")]
    con = sqlite3.connect(reviews.reviews_path())
    try:
        assert con.execute("PRAGMA journal_mode").fetchall()[0][0] == "wal"
        for sql in ("UPDATE review_decisions SET decision = 'confirmed'", "DELETE FROM review_decisions"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                con.execute(sql)
        with pytest.raises(sqlite3.IntegrityError):
            con.execute("INSERT INTO review_decisions (platform, post_id, rule_id, decision, reviewer,"
                        " decided_at) VALUES ('x', '1', 'R', 'maybe', 'A', 'now')")
    finally:
        con.close()
    with pytest.raises(ValueError):
        reviews.record_decision("x", "1", "CONF-NHS-NUMBER", "maybe", "", "Ann")
    with pytest.raises(ValueError):
        reviews.record_decision("x", "1", "CONF-NHS-NUMBER", "confirmed", "", "  ")


def test_decisions_survive_rebuilds_and_appear_in_flag_reviews(data_dir, tmp_path):
    _load(tmp_path)
    rows = published_query("SELECT post_id, status, n_decisions FROM flag_reviews ORDER BY post_id, rule_id")
    assert rows and all(r[1] == "unreviewed" and r[2] == 0 for r in rows)
    assert published_query("SELECT count(*) FROM flag_reviews") == published_query("SELECT count(*) FROM flags")
    reviews.record_decision("x", "old-high", "CONF-NHS-NUMBER", "confirmed", "first", "Ann")
    reviews.record_decision("x", "old-high", "CONF-NHS-NUMBER", "actioned", HOSTILE, "Bob")
    build()
    build()  # and again: the store is read, never rewritten
    got = published_query("SELECT status, decision, reviewer, note, n_decisions FROM flag_reviews"
                          " WHERE post_id = 'old-high' AND rule_id = 'CONF-NHS-NUMBER'")
    assert got == [("actioned", "actioned", "Bob", HOSTILE, 2)]
    assert len(reviews.decisions_for("x", "old-high", "CONF-NHS-NUMBER")) == 2


def test_confirmed_flag_rates_count_confirmed_and_actioned_decisions(data_dir, tmp_path):
    _load(tmp_path)
    everything = Filters(date(2025, 1, 1), date(2025, 12, 31))

    def run(function, **options):
        con = reader.connect_published()
        try:
            return function(reader.reader_cursor(con), everything, **options)
        finally:
            con.close()

    def headline(basis):
        row = run(flag_queries.flag_headline, basis=basis).iloc[0]
        return int(row["n_flags"]), int(row["n_reviewed"]), int(row["n_automatic"])

    automatic = headline("automatic")[0]
    assert automatic >= 3 and headline("confirmed") == (0, 0, automatic)
    reviews.record_decision("x", "old-high", "CONF-NHS-NUMBER", "confirmed", "", "Ann")
    reviews.record_decision("x", "new-high", "CONF-NHS-NUMBER", "actioned", "", "Ann")
    reviews.record_decision("x", "medium", "BOUND-PRIVATE-CHANNEL", "dismissed", "", "Ann")
    assert headline("confirmed")[0] == 0  # decisions reach the rates at the next build
    build()
    assert headline("confirmed") == (2, 3, automatic)
    assert headline("automatic")[0] == automatic
    shown = run(flag_queries.flagged_posts, basis="confirmed")
    families = run(flag_queries.flag_rates, by="family", basis="confirmed")
    with pytest.raises(ValueError):
        run(flag_queries.flag_rates, basis="guessed")
    assert sorted(shown["post_id"]) == ["new-high", "old-high"]
    assert sorted(shown["status"]) == ["actioned", "confirmed"]
    assert families[["group_code", "n_flags"]].values.tolist() == [["confidentiality", 2]]


def test_a_review_is_not_blocked_by_a_build_holding_the_writer_lock(data_dir):
    done = threading.Event()

    def write():
        reviews.record_decision("x", "9", "CONF-NHS-NUMBER", "confirmed", "", "Ann")
        done.set()

    with db.writer_lock():
        worker = threading.Thread(target=write)
        worker.start()
        assert done.wait(5), "a review write waited for the writer lock"
        worker.join()
    assert reviews.latest_decisions()["post_id"].tolist() == ["9"]


def test_the_build_does_not_create_the_store(data_dir, tmp_path):
    _load(tmp_path)
    assert not reviews.reviews_path().exists()


@pytest.mark.app
def test_review_queue_page_orders_shows_and_records(data_dir, tmp_path):
    _load(tmp_path)
    user = signed_in("ann@nhs.net", "reviewer", region_code="Y63")  # RR8's region
    at = open_page(PAGE, {"from": "2025-03-01", "to": "2025-03-31"}, user=user)
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert table["Post id"].tolist()[:2] == ["new-high", "old-high"]  # high first, newest first
    severities = table["Severity"].tolist()
    order = {"High": 0, "Medium": 1, "Low": 2}
    assert severities == sorted(severities, key=order.get) and "Medium" in severities
    assert "clean" not in table["Post id"].tolist()
    # issue #15: rules by title, statuses in words, never codes
    assert table["Rule"].iloc[0] == rules.title("CONF-NHS-NUMBER") != "CONF-NHS-NUMBER"
    assert set(table["Status"]) == {"Not reviewed"}
    assert not at.radio  # no flag is picked until a reviewer picks a row
    at = pick_row(at, "review_queue_table", 0)
    assert not at.exception, at.exception
    shown = " ".join(texts(at.markdown))
    assert "<mark>[NHS number]</mark>" in shown and "401 023 2137" not in shown  # redacted
    assert "<b>Bay" not in shown and "&lt;b&gt;" in shown  # the post's HTML is inert (ui.safe.html_block)
    assert f"`{rules.title('CONF-NHS-NUMBER')}`" in shown and "CONF-NHS-NUMBER" not in shown
    assert "Status:** `Not reviewed`" in shown
    assert any("Recorded as `ann@nhs.net`" in c for c in texts(at.caption))
    assert not [t for t in at.text_input if t.key == "review_reviewer"]  # a signed-in reviewer types no name

    at.radio(key="review_decision").set_value("dismissed")
    at.text_area(key="review_note").input(HOSTILE)
    [b for b in at.button if b.label == "Record decision"][0].click().run()
    assert not at.exception, at.exception
    history = reviews.decisions_for("x", "new-high", "CONF-NHS-NUMBER")
    assert history[["decision", "note", "reviewer"]].values.tolist() == [["dismissed", HOSTILE, "ann@nhs.net"]]
    at.run()
    assert at.dataframe[0].value["Status"].tolist()[0] == "Dismissed"  # shown before a rebuild
    assert "Status:** `Dismissed`" in " ".join(texts(at.markdown))
    notes = at.dataframe[1].value["Note"].tolist()
    assert notes == [HOSTILE]  # shown verbatim as data, in a table cell: inert
    assert "<script>" not in " ".join(texts(at.markdown))


@pytest.mark.app
def test_the_review_decision_has_no_default(data_dir, tmp_path):
    """Issue #15: the decision starts unchosen; recording without one records nothing and says
    why (before, "Confirm" was preselected and one click confirmed a flag)."""
    _load(tmp_path)
    at = open_page(PAGE, {"from": "2025-03-01", "to": "2025-03-31"},
                   user=signed_in("ann@nhs.net", "reviewer", region_code="Y63"))
    at = pick_row(at, "review_queue_table", 1)
    assert at.radio(key="review_decision").value is None
    [b for b in at.button if b.label == "Record decision"][0].click().run()
    assert not at.exception, at.exception
    assert reviews.all_decisions().empty
    assert any("Choose a decision" in e.value for e in at.error)


@pytest.mark.app
def test_review_queue_shows_a_local_policy_flag_with_its_rule(data_dir, tmp_path):
    load_and_build(tmp_path, [post("j", author_id="jo", author_bio="Radiographer at Leeds",
                                   text="Busy list today", created_at="2025-05-01T10:00:00+00:00")],
                   LOCAL_ACCOUNTS, LOCAL_POLICY)
    at = open_page(PAGE, {"from": "2025-05-01", "to": "2025-05-31"}, user=signed_in())
    assert not at.exception, at.exception
    assert at.dataframe[0].value["Rule"].tolist() == [rules.title("POLICY-DISCLAIMER")]
    at = pick_row(at, "review_queue_table", 0)
    shown = " ".join(texts(at.markdown))
    assert "HCPC-TIP-4" in shown or "employer" in shown
    assert "disclaimer" in " ".join(texts(at.header)).lower()
