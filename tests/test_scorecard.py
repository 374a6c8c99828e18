"""The scorecard's text (ui/scorecard.py): every value passes its one display boundary, small
numbers are hidden below national level, the comparison with England carries a symbol and a
word, and the columns fit the unit (trust, region, England)."""
from __future__ import annotations

import pandas as pd
import pytest

from ui import scorecard
from warehouse import stats
from warehouse.measures import HEADLINE, MEASURES


def card_row(measure: str, value, n: int = 50, suppressed: bool = False, vs_nation: str = "similar",
             region_value=None, nation_value=None, **extra) -> dict:
    row = {"measure": measure, "label": MEASURES[measure].label, "period_start": pd.Timestamp("2025-05-01"),
           "value": value, "ci_low": None, "ci_high": None, "n": n, "events": n, "suppressed": suppressed,
           "unit_code": "ZZ101", "variation_icon": "common_cause", "assurance_icon": None, "trial_limits": False,
           "region_value": region_value, "region_ci_low": None, "region_ci_high": None, "region_n": 500,
           "region_events": 300, "region_suppressed": False, "region_unit_code": "Y1",
           "nation_value": nation_value, "nation_ci_low": None, "nation_ci_high": None, "nation_n": 5000,
           "nation_events": 3500, "nation_suppressed": False, "nation_unit_code": "ENG",
           "vs_region": "similar", "vs_nation": vs_nation}
    return row | extra


@pytest.mark.parametrize("value, national, expected", [
    (0, False, "0"), (3, False, "*"), (7, False, "*"), (8, False, "10"), (12, False, "10"), (13, False, "15"),
    (1234, False, "1,235"), (3, True, "3"), (1234, True, "1,234")])
def test_counts_follow_the_small_number_rules(value, national, expected):
    assert scorecard.shown("questions", value, national=national) == expected


def test_a_suppressed_statistic_is_a_star_and_others_show_their_ci():
    assert scorecard.shown("answered", 0.5, 0.4, 0.6, suppressed=True) == stats.SUPPRESSED
    assert scorecard.shown("answered", 0.5, 0.4, 0.6) == "50% (40–60%)"
    assert scorecard.shown("flags", 12.5, 6.0, 23.0).startswith("12.5 (")
    assert scorecard.shown("median_wait", 3600.0, 1800.0, 7200.0).startswith("1 h")
    assert scorecard.shown("answered", None) == "—" and scorecard.shown("answered", float("nan")) == "—"


def test_every_count_the_table_shows_goes_through_the_one_display_boundary(monkeypatch):
    """DISCLOSE is the one call to the small-number rules: swapping it changes every count."""
    seen = []

    def boundary(n, national=False):
        seen.append((n, national))
        return stats.suppress_count(n, national=national)

    monkeypatch.setattr(scorecard, "DISCLOSE", boundary)
    card = pd.DataFrame([card_row("questions", 12, region_value=40, nation_value=900),
                         card_row("answered", 0.5, region_value=0.6, nation_value=0.7)])
    table = scorecard.table(card, "trust")
    assert seen == [(12, False), (40, False), (900, True)]
    assert table.loc[0, ["This unit", "Region", "England"]].tolist() == ["10", "40", "900"]


def test_the_comparison_has_a_symbol_and_a_word_and_columns_fit_the_unit():
    card = pd.DataFrame([card_row(m, 0.5, vs_nation=v, nation_value=0.6)
                         for m, v in zip(["answered", "within_target", "signposting", "compassion"],
                                         ["better", "worse", "similar", None])])
    trust = scorecard.table(card, "trust")
    assert trust["Compared with England"].tolist() == ["▲ better", "▼ worse", "● similar", "– not compared"]
    assert list(trust.columns) == scorecard.COLUMNS
    assert "Region" not in scorecard.table(card, "region").columns
    nation = scorecard.table(card, "nation")
    assert "Region" not in nation.columns and "Compared with England" not in nation.columns
    assert set(scorecard.COMPARISON_COLOUR) == {"better", "worse"}  # similar and the rest: grey


def test_a_hidden_unit_value_is_never_compared(demo_data):
    """On the demo warehouse: wherever the unit's value is hidden, the table says so and makes no
    comparison (the comparison would give the hidden value away)."""
    import duckdb

    from store import config
    from warehouse import spc_queries
    con = duckdb.connect(str(demo_data / config.WAREHOUSE_FILE), read_only=True)
    try:
        trusts = [t for (t,) in con.execute("SELECT DISTINCT unit_code FROM spc_points WHERE unit_type = 'trust'"
                                            " ORDER BY 1 LIMIT 12").fetchall()]
        checked = 0
        for trust in trusts:
            card = spc_queries.scorecard(con.cursor(), None, unit_type="trust", unit_code=trust)
            table = scorecard.table(card, "trust")
            assert table["Measure"].tolist() == [MEASURES[m].label for m in HEADLINE if m in set(card["measure"])]
            hidden = card["suppressed"].fillna(False).astype(bool).to_numpy()
            assert (table.loc[hidden, "This unit"] == stats.SUPPRESSED).all()
            assert (table.loc[hidden, "Compared with England"] == "– not compared").all()
            checked += int(hidden.sum())
        assert checked > 0  # the premise: some trust values are hidden on the demo
    finally:
        con.close()


def test_the_scorecard_query_puts_the_units_region_and_nation_side_by_side(demo_data):
    """warehouse.spc_queries.scorecard against spc_points read here: for every English trust's
    latest month, the region's and England's points of the same month and measure, and the
    comparisons by Fingertips' method (not_compared where a value is hidden)."""
    import duckdb
    import numpy as np

    from store import config
    from warehouse import spc_queries
    con = duckdb.connect(str(demo_data / config.WAREHOUSE_FILE), read_only=True)
    try:
        points = con.execute("SELECT * FROM spc_points WHERE grain = 'month'").df().set_index(
            ["unit_type", "unit_code", "measure", "period_start"])
        trusts = con.execute("SELECT trust_code, region_code FROM trusts WHERE nation = 'England' AND trust_code IN"
                             " (SELECT unit_code FROM spc_points WHERE unit_type = 'trust') ORDER BY 1 LIMIT 8").fetchall()
        compared = 0
        for trust, region in trusts:
            card = spc_queries.scorecard(con.cursor(), None, unit_type="trust", unit_code=trust)
            assert list(card["measure"]) == [m for m in HEADLINE if m in set(card["measure"])]
            for row in card.to_dict("records"):
                period = row["period_start"]
                for role, key in (("region", ("region", region)), ("nation", ("nation", "ENG"))):
                    if (*key, row["measure"], period) not in points.index:  # no point of theirs that month
                        assert pd.isna(row[f"{role}_value"]) and row[f"vs_{role}"] == "not_compared"
                        continue
                    want = points.loc[(*key, row["measure"], period)]
                    assert row[f"{role}_unit_code"] == key[1]
                    assert (row[f"{role}_n"], row[f"{role}_suppressed"]) == (want["n"], want["suppressed"])
                    assert np.isclose(row[f"{role}_value"], want["value"], equal_nan=True)
                    hidden = row["suppressed"] or want["suppressed"]
                    expected = "not_compared" if hidden else stats.compare_with_benchmark(
                        row["value"], row["ci_low"], row["ci_high"], want["value"], MEASURES[row["measure"]].better)
                    assert row[f"vs_{role}"] == expected, (trust, row["measure"], role)
                    compared += not hidden
        assert compared > 0  # premise: some comparisons are made, not all hidden
    finally:
        con.close()
