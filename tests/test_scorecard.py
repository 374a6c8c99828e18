"""The scorecard's text (ui/scorecard.py): every value passes its one display boundary, small
numbers are hidden below national level, the comparison with England carries a symbol and a
word, and the columns fit the unit (trust, region, England)."""
from __future__ import annotations

import pandas as pd

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


def test_counts_are_rounded_and_shares_rates_and_waits_come_from_the_shown_counts():
    """ui.disclosure's rules at the scorecard: a month is a breakdown by period, so England's
    monthly figures are protected too; a share is recomputed from the rounded counts (12 of 26
    shows as 10 of 25: 40%, its Wilson CI from 10 and 25); a wait over 1-7 questions is hidden."""
    card = pd.DataFrame([
        card_row("questions", 12, n=12, region_value=3, region_n=3, nation_value=26, nation_n=26),
        card_row("answered", 12 / 26, n=26, events=12, ci_low=0.27, ci_high=0.65,
                 region_value=0.6, region_n=500, region_events=300, nation_value=0.7, nation_n=5000, nation_events=3500),
        card_row("flags", 1000 * 9 / 412, n=412, events=9, region_value=20.0, region_n=4000, region_events=80,
                 nation_value=25.0, nation_n=40000, nation_events=1000),
        card_row("median_wait", 3600.0, n=5, events=3, nation_value=7200.0, nation_ci_low=3600.0,
                 nation_ci_high=10800.0, nation_n=5000, nation_events=4000)])
    table = scorecard.table(card, "trust").set_index("Measure")
    assert table.loc["Patient questions", ["This unit", "Region", "England"]].tolist() == ["10", "*", "25"]
    p, low, high = stats.wilson(10, 25)
    assert table.loc["Questions answered", "This unit"] == f"{p:.0%} ({low:.0%}–{high:.0%})".replace("%–", "–")
    rate = stats.rate_ci(10, 410)
    assert table.loc["Flags per 1,000 staff posts", "This unit"].startswith(f"{rate['rate']:.1f} (")
    assert table.loc["Median wait", "This unit"] == scorecard.SUPPRESSED and table.loc["Median wait", "England"] != "*"


def test_every_figure_passes_ui_disclosure(monkeypatch):
    """The display boundary is ui.disclosure.protect: each role (unit, region, nation) of each
    kind of measure goes through it."""
    from ui import disclosure
    calls = []
    real = disclosure.protect

    def recording(frame, *args, **kwargs):
        calls.append(len(frame))
        return real(frame, *args, **kwargs)

    monkeypatch.setattr(disclosure, "protect", recording)
    card = pd.DataFrame([card_row("questions", 12, region_value=40, nation_value=900),
                         card_row("answered", 0.5, region_value=0.6, nation_value=0.7)])
    scorecard.table(card, "trust")
    assert sorted(calls) == [1] * 6  # 3 roles x 2 kinds, one row each


def test_the_comparison_has_a_symbol_and_a_word_and_columns_fit_the_unit():
    # 50 of 100 (45-55%... Wilson on the shown counts) against England's 30%, 70%, 50% and a hidden unit
    card = pd.DataFrame([card_row(m, 0.5, n=100, events=50, nation_value=v, nation_n=10000, nation_events=v * 10000,
                                  suppressed=hide, vs_nation="similar")
                         for m, v, hide in zip(["answered", "within_target", "signposting", "compassion"],
                                               [0.3, 0.7, 0.5, 0.5], [False, False, False, True])])
    trust = scorecard.table(card, "trust")
    assert trust["Compared with England"].tolist() == ["▲ better", "▼ worse", "● similar", "– not compared"]
    assert list(trust.columns) == scorecard.COLUMNS
    assert "Region" not in scorecard.table(card, "region").columns
    nation = scorecard.table(card, "nation")
    assert "Region" not in nation.columns and "Compared with England" not in nation.columns
    assert "England" not in nation.columns  # the unit is England
    # a region that is its nation's whole (Wales) is shown as its nation: not beside itself
    wales = card.assign(nation_unit_code="WLS", nation_value=0.5, whole_nation=True)
    assert list(scorecard.table(wales, "region").columns) == ["Measure", "Period", "This unit", "SPC", "Assurance"]
    assert list(scorecard.table(wales.assign(whole_nation=False), "region").columns) == [
        "Measure", "Period", "This unit", "Wales", "Compared with Wales", "SPC", "Assurance"]
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
            assert (table.loc[hidden, "This unit"] == scorecard.SUPPRESSED).all()
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


def test_a_region_that_is_its_nations_whole_is_marked_and_not_compared_with_itself(demo_data):
    """Wales is one region and one nation: its scorecard says ``whole_nation`` and compares with
    nothing (every "similar" was Wales beside itself); an English region and a Welsh trust do not."""
    import duckdb

    from store import config
    from warehouse import spc_queries
    con = duckdb.connect(str(demo_data / config.WAREHOUSE_FILE), read_only=True)
    try:
        def card(unit_type, code):
            return spc_queries.scorecard(con.cursor(), None, unit_type=unit_type, unit_code=code)
        wales = card("region", "W92000004")
        assert len(wales) and wales["whole_nation"].all() and (wales["vs_nation"] == "not_compared").all()
        assert (wales["nation_unit_code"].dropna() == "WLS").all()  # still named after Wales
        english = con.execute("SELECT min(unit_code) FROM spc_points WHERE unit_type = 'region' "
                              "AND unit_code LIKE 'Y%'").fetchone()[0]
        assert not card("region", english)["whole_nation"].any()
        welsh = con.execute("SELECT min(trust_code) FROM trusts WHERE nation = 'Wales' AND trust_code IN "
                            "(SELECT unit_code FROM spc_points WHERE unit_type = 'trust')").fetchone()[0]
        assert not card("trust", welsh)["whole_nation"].any()
    finally:
        con.close()
