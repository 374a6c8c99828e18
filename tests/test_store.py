"""What the stores share: the one transaction helper, and the sources file's budgets as the
dashboard reads them (without the connectors)."""
from __future__ import annotations

import duckdb
import pytest

from store import sources
from store.transaction import transaction


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (n INTEGER)")
    yield con
    con.close()


def test_a_transaction_commits_when_its_block_ends(con):
    with transaction(con):
        con.execute("INSERT INTO t VALUES (1)")
    assert con.execute("SELECT n FROM t").fetchall() == [(1,)]


@pytest.mark.parametrize("error", [ValueError("bad row"), KeyboardInterrupt()])
def test_a_transaction_rolls_back_and_reraises_on_any_exception(con, error):
    with pytest.raises(type(error)):
        with transaction(con):
            con.execute("INSERT INTO t VALUES (1)")
            raise error
    assert con.execute("SELECT count(*) FROM t").fetchall() == [(0,)]
    with transaction(con):  # nothing was left open
        con.execute("INSERT INTO t VALUES (2)")
    assert con.execute("SELECT n FROM t").fetchall() == [(2,)]


def test_a_failed_statement_rolls_back_the_whole_block(con):
    with pytest.raises(duckdb.Error):
        with transaction(con):
            con.execute("INSERT INTO t VALUES (1)")
            con.execute("INSERT INTO t VALUES ('not a number')")
    assert con.execute("SELECT count(*) FROM t").fetchall() == [(0,)]


def test_budgets_per_source(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("x:\n  - name: leeds\n    query: a\n    budget: {per_run: 50, per_month: 10000}\n"
                    "  - name: york\n    query: b\nreddit:\n  - name: r-nhs\n    subreddit: NHS\n")
    assert sources.budgets(path) == {"x:leeds": 10000}


@pytest.mark.parametrize("text", ["- just a list\n", "x: a target\n", "x:\n  - name: a\n    budget: 5\n"])
def test_a_sources_file_of_the_wrong_shape_is_an_error(tmp_path, text):
    path = tmp_path / "sources.yaml"
    path.write_text(text)
    with pytest.raises(ValueError):
        sources.budgets(path)
