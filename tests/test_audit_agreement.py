"""Agreement between audit readers (issue #20): items read by three or more independent
readers (``--double-readers``), an adjudicator on disagreement who is not counted, Fleiss'
kappa with a bootstrap interval beside Cohen's; a store made by the first slice is widened
in place with its hash chain intact; and when the last sample was drawn and whether one is due."""
from __future__ import annotations

import sqlite3
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from store import audits, integrity, ledger, reader, reviews
from tests.test_audit import WEEK, audit_data  # noqa: F401  (the fixture)
from warehouse import __main__ as cli
from warehouse import audit, audit_stats


def _cursor():
    return reader.connect_published().cursor()


def test_three_readers_disagreeing_go_to_an_adjudicator_who_decides_alone(audit_data):
    audit.sample_week(_cursor(), WEEK, audit.Design(2, 2, 0, 0, double_share=1.0, double_readers=3))
    items = audits.items()
    assert set(items["readers"]) == {3}
    agreed, split = (int(i) for i in items["id"].iloc[:2])
    for reader_name in ("Ann", "Bob", "Cat"):
        audits.record_opinion(agreed, "none", reader_name)
    assert audit.finished().set_index("id").loc[agreed, "final"] == "none"
    for reader_name, label in (("Ann", "boundaries"), ("Bob", "boundaries"), ("Cat", "none")):
        audits.record_opinion(split, label, reader_name)
    assert pd.isna(audit.finished().set_index("id").loc[split, "final"])  # two against one: not a vote
    audits.record_opinion(split, "none", "Dan")  # the adjudicator
    assert audit.finished().set_index("id").loc[split, "final"] == "none"
    with pytest.raises(ValueError, match="no more opinions"):
        audits.record_opinion(split, "none", "Eve")


def test_fleiss_kappa_counts_the_independent_readings_only(audit_data):
    audit.sample_week(_cursor(), WEEK, audit.Design(3, 6, 0, 0, double_share=1.0, double_readers=3))
    items = audits.items().reset_index(drop=True)
    # readers Ann, Bob, Cat: Cat says "boundaries" on the first two items, the others never
    for n, item_id in enumerate(items["id"]):
        for name in ("Ann", "Bob", "Cat"):
            audits.record_opinion(int(item_id), "boundaries" if name == "Cat" and n < 2 else "none", name)
        if n < 2:
            audits.record_opinion(int(item_id), "boundaries", "Dan")  # adjudicator: not counted
    row = audit.estimates().set_index("family").loc["boundaries"]
    ratings = [[False, False, n < 2] for n in range(len(items))]
    expected = audit_stats.fleiss(ratings)
    assert row["n_multi"] == len(items) and row["multi_readers"] == 3 and row["n_double"] == 0
    assert row["fleiss"] == pytest.approx(expected["kappa"]) and row["fleiss"] < 0  # Cat against the rest
    assert np.isnan(row["kappa"])  # no item read by exactly two


def test_fleiss_kappa_is_statsmodels_and_its_bootstrap_is_the_same_statistic():
    from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

    rng = np.random.default_rng(1)
    for _ in range(20):
        ratings = rng.random((40, 4)) < rng.uniform(0.1, 0.9)
        expected = fleiss_kappa(aggregate_raters(ratings.astype(int), n_cat=2)[0], method="fleiss")
        assert audit_stats._fleiss_from_yes(ratings.sum(axis=1), 4) == pytest.approx(expected)
        assert audit_stats.fleiss(ratings)["kappa"] == pytest.approx(expected)
    # Fleiss (1971) style check by hand: 4 items, 3 readers, yes counts 3, 0, 2, 1
    # P_i = 1, 1, 1/3, 1/3 -> P = 2/3; p_yes = 6/12 -> Pe = 1/2; kappa = (2/3 - 1/2) / (1/2) = 1/3
    by_hand = [[1, 1, 1], [0, 0, 0], [1, 1, 0], [1, 0, 0]]
    assert audit_stats.fleiss(by_hand)["kappa"] == pytest.approx(1 / 3)
    assert np.isnan(audit_stats.fleiss([[1, 1, 1]] * 5)["kappa"])  # one answer only: undefined


def _three_readers(rng, items: int, accuracy: float, prevalence: float) -> np.ndarray:
    truth = rng.random(items) < prevalence
    right = rng.random((items, 3)) < accuracy
    return np.where(right, truth[:, None], ~truth[:, None])


def test_the_fleiss_bootstrap_interval_covers_the_true_kappa():
    """Three 90%-accurate readers, prevalence 0.3, 100 items: the 95% bootstrap interval covers
    the population kappa (from 400,000 items) in at least 90% of 200 samples."""
    rng = np.random.default_rng(7)
    population = _three_readers(rng, 400_000, 0.9, 0.3)
    true = audit_stats._fleiss_from_yes(population.sum(axis=1), 3)
    covered = 0
    for seed in range(200):
        result = audit_stats.fleiss(_three_readers(np.random.default_rng(1000 + seed), 100, 0.9, 0.3), seed=seed,
                                    draws=1000)
        covered += result["kappa_low"] <= true <= result["kappa_high"]
    assert covered / 200 >= 0.90, covered


def test_readers_are_configurable_and_checked():
    with pytest.raises(ValueError, match="2 to 9"):
        audit.Design(double_readers=1)
    with pytest.raises(ValueError, match="between 0 and 1"):
        audit.Design(double_share=1.5)
    assert cli.main(["audit", "--double-readers", "12"]) == 2


OLD_ITEMS = """CREATE TABLE audit_items (id INTEGER PRIMARY KEY, sample_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('staff', 'public')), platform TEXT NOT NULL, post_id TEXT NOT NULL,
    trust_code TEXT, region_code TEXT, stratum TEXT NOT NULL,
    stratum_size INTEGER NOT NULL CHECK (stratum_size >= stratum_sampled),
    stratum_sampled INTEGER NOT NULL CHECK (stratum_sampled >= 0), predicted TEXT NOT NULL,
    model_version TEXT NOT NULL, readers INTEGER NOT NULL CHECK (readers IN (1, 2)),
    created_at TEXT NOT NULL, prev_hash TEXT, row_hash TEXT)"""


def test_a_first_slice_store_is_widened_with_its_chain_intact(audit_data):
    """reviews.sqlite made by the first slice (CHECK readers IN (1, 2)): opening it for
    writing rebuilds audit_items once, rows and hashes as they were, so three readers fit."""
    path = reviews.reviews_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute(OLD_ITEMS)
    with ledger.immediate(con):
        ledger.append(con, audits.ITEMS_LOG, ("2025-W01", "staff", "x", "1", None, None, "flagged", 5, 1, "boundaries",
                                              "rules-4", 2, datetime(2025, 1, 6).isoformat()))
    con.executescript(ledger.trigger_sql(audits.ITEMS_LOG))
    con.close()
    with pytest.raises(sqlite3.IntegrityError):  # the old CHECK refuses three readers
        c = sqlite3.connect(path)
        c.execute("INSERT INTO audit_items (id, sample_id, kind, platform, post_id, stratum, stratum_size, "
                  "stratum_sampled, predicted, model_version, readers, created_at, prev_hash, row_hash) "
                  "VALUES (9, 's', 'staff', 'x', '2', 'flagged', 5, 1, '', 'v', 3, 't', 'a', 'b')")
    c.close()
    before = audits.items()
    added = audit.sample_week(_cursor(), WEEK, audit.Design(1, 1, 0, 0, double_share=1.0, double_readers=3))
    assert added["staff"] == 2
    after = audits.items()
    assert after.iloc[:1].astype(str).values.tolist() == before.astype(str).values.tolist() and set(after["readers"].iloc[1:]) == {3}
    assert all(c.ok for c in integrity.check_logs())
    sql = sqlite3.connect(path).execute("SELECT sql FROM sqlite_master WHERE name = 'audit_items'").fetchone()[0]
    assert audits.OLD_READERS_CHECK not in sql
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):  # the triggers are back
        sqlite3.connect(path).execute("DELETE FROM audit_items")


def test_the_status_says_when_the_last_sample_was_drawn_and_whether_one_is_due(audit_data):
    newest = date(2025, 6, 30)  # the demo's last day (a Monday): last week is 2025-W26
    status = audit.sampling_status(audits.items(), newest, date(2026, 12, 3))
    assert (status["last_sample"], status["due_week"], status["due"]) == (None, "2025-W26", True)
    audit.sample_week(_cursor(), status["due_day"], audit.Design(1, 1, 1, 1))
    status = audit.sampling_status(audits.items(), newest, date(2026, 12, 3))
    assert (status["last_sample"], status["due"]) == ("2025-W26", False) and status["drawn_at"].startswith("20")
    later = audit.sampling_status(audits.items(), date(2026, 12, 3), date(2026, 12, 3))  # live data: by today
    assert (later["due_week"], later["due"]) == ("2026-W48", True)


def test_below_national_level_estimates_and_kappa_come_from_rounded_cells():
    """The display boundary's rounding (ui.disclosure.rounded) applied to each stratum's cells
    and size: precision 23/32 is shown as the rounded 25/30, never the exact ratio."""
    from ui import disclosure

    items = pd.DataFrame({"stratum": ["f"] * 32 + ["u"] * 40,
                          "predicted": [True] * 32 + [False] * 40,
                          "judged": [True] * 23 + [False] * 9 + [True] * 2 + [False] * 38})
    strata = pd.DataFrame({"stratum": ["f", "u"], "size": [32, 40], "predictable": [True, False]})
    exact = audit_stats.estimate(items, strata)
    shown = audit_stats.estimate(items, strata, shown=disclosure.rounded)
    assert exact["precision"] == pytest.approx(23 / 32) and exact["recall"] == pytest.approx(23 / 25)
    assert shown["precision"] == pytest.approx(25 / 35) and shown["recall"] == pytest.approx(1.0)  # fn 2 -> 0
    assert (shown["n"], shown["n_judged"]) == (exact["n"], exact["n_judged"])  # counts stay exact: hidden later
    first = [True] * 12 + [False] * 30 + [True] * 3 + [False] * 1
    second = [True] * 12 + [False] * 30 + [False] * 3 + [True] * 1
    # table [[12, 3], [1, 30]] is shown as [[10, 5], [0, 30]]: kappa of that table
    assert audit_stats.kappa(first, second, disclosure.rounded)["kappa"] == pytest.approx(
        audit_stats.kappa([True] * 10 + [False] * 30 + [True] * 5, [True] * 10 + [False] * 30 + [False] * 5)["kappa"])
