"""ui.disclosure, the one disclosure-control step (issue #12 §2): NHS Digital's rule, what
counts as national, derived figures from the shown counts, secondary suppression, and
Kaplan–Meier curves from rounded counts. Pure functions; the pages are walked in
tests/test_disclosure_walk.py."""
from __future__ import annotations

import random
from datetime import date

import numpy as np
import pandas as pd
import pytest

from tests import disclosure_attacks as attack
from ui import disclosure as D
from warehouse import question_queries, stats
from warehouse.queries import Filters


def test_shown_count_follows_nhs_digital():
    shown = {n: D.shown_count(n) for n in (0, 1, 7, 8, 10, 12, 13, 17, 18, 100, 102, 103)}
    assert shown == {0: 0, 1: "*", 7: "*", 8: 10, 10: 10, 12: 10, 13: 15, 17: 15, 18: 20,
                     100: 100, 102: 100, 103: 105}
    assert D.shown_count(5, national=True) == 5
    assert D.shown_count(None) is None
    assert D.count_text(1234) == "1,235" and D.count_text(1234, national=True) == "1,234"
    assert D.count_text(3) == "*" and D.count_text(0) == "0"
    with pytest.raises(ValueError):
        D.shown_count(-1)


def test_national_means_no_narrowing_at_all():
    first, last = date(2023, 7, 2), date(2025, 6, 30)
    everything = Filters(first, last)
    assert D.national_view(everything, first, last)
    for narrower in (Filters(date(2024, 7, 1), last), Filters(first, date(2025, 6, 1)),
                     Filters(first, last, regions=("Y56",)), Filters(first, last, trusts=("ZZ101",)),
                     Filters(first, last, platforms=("mastodon",)), Filters(first, last, text="mri")):
        assert not D.national_view(narrower, first, last), narrower
    assert not D.national_view(everything, first, last, narrowed=True)  # a topic, a rule, a period
    assert not D.national_view(everything, None, None)  # no data: nothing is national


def trust_table() -> pd.DataFrame:
    rows = [
        # region, trust, questions, answered, posts, median_s
        ("R1", "a", 5, 5, 900, 3000.0),    # primary
        ("R1", "b", 20, 18, 1200, 4000.0),
        ("R1", "c", 12, 9, 300, 5000.0),   # smallest other non-zero → secondary
        ("R1", "d", 0, 0, 40, None),
        ("R1", "TOTAL", 37, 32, 2440, 4100.0),
        ("R2", "e", 3, 3, 50, 100.0),      # primary; total 3 is hidden too → no secondary
        ("R2", "f", 0, 0, 60, None),
        ("R2", "TOTAL", 3, 3, 110, 100.0),
        ("R3", "g", 2, 1, 500, 10.0),      # two primaries: nothing to add
        ("R3", "h", 6, 6, 4, 20.0),        # posts 4: the rate over it is hidden
        ("R3", "i", 40, 30, 800, 30.0),
        ("R3", "TOTAL", 48, 37, 1304, 25.0),
    ]
    df = pd.DataFrame(rows, columns=["region", "trust", "questions", "answered", "posts", "median_s"])
    df["is_total"] = df["trust"] == "TOTAL"
    return df


def test_primary_secondary_and_statistics_over_hidden_counts():
    df = trust_table()
    out = D.protect(df, ["questions", "answered"], [D.Rate("questions", "posts", "per_1000")],
                    {"median_s": "answered"}, groups="region", totals="is_total")
    q = dict(zip(out["trust"] + out["region"], out["questions"]))
    assert q == {"aR1": "*", "bR1": 20, "cR1": "*", "dR1": 0, "TOTALR1": 35,
                 "eR2": "*", "fR2": 0, "TOTALR2": "*",
                 "gR3": "*", "hR3": "*", "iR3": 40, "TOTALR3": 50}
    a = dict(zip(out["trust"] + out["region"], out["answered"]))
    # answered: a=5 primary → smallest other non-zero (c=9) hidden; R3: g=1, h=6 both primary.
    assert a["aR1"] == "*" and a["cR1"] == "*" and a["bR1"] == 20 and a["TOTALR1"] == 30
    assert a["iR3"] == 30 and a["TOTALR3"] == 35
    rate = dict(zip(out["trust"] + out["region"], out["per_1000"]))
    assert rate["aR1"] == "*" and rate["cR1"] == "*"  # a secondary count hides its rate too
    assert rate["bR1"] == pytest.approx(20 / 1200 * 1000)  # 20 and 1,200 are their own rounding
    assert rate["hR3"] == "*" and rate["iR3"] == pytest.approx(40 / 800 * 1000)
    med = dict(zip(out["trust"] + out["region"], out["median_s"]))
    assert med["cR1"] == "*" and med["bR1"] == 4000.0 and med["dR1"] is None
    assert med["iR3"] == 30.0 and med["TOTALR3"] == 25.0
    assert out["posts"].tolist() == df["posts"].tolist()  # not a shown count here: untouched
    assert df["questions"].iloc[0] == 5  # input left alone


def test_groups_and_totals_and_national():
    df = pd.DataFrame({"region": ["R", "R", "R", "S", "S"], "n": [4, 30, 9, 0, 100]})
    assert D.protect(df, ["n"], groups=None)["n"].tolist() == ["*", 30, 10, 0, 100]
    assert D.protect(df, ["n"])["n"].tolist() == ["*", 30, "*", 0, 100]  # the whole frame adds up
    assert D.protect(df, ["n"], groups="region")["n"].tolist() == ["*", 30, "*", 0, 100]
    whole = pd.concat([df, pd.DataFrame({"region": ["ALL"], "n": [143]})], ignore_index=True)
    out = D.protect(whole, ["n"], groups=None, totals=[False] * 5 + [True])
    assert out["n"].tolist() == ["*", 30, "*", 0, 100, 145]
    assert D.protect(df, ["n"], national=True)["n"].tolist() == [4, 30, 9, 0, 100]
    na = D.protect(df, ["n"], marker=None)["n"]
    assert na.isna().tolist() == [True, False, True, False, False] and na[1] == 30


def test_shares_and_rates_are_computed_from_the_shown_counts():
    """Percentages times denominators and CI widths give back only the rounded counts."""
    df = pd.DataFrame({"k": [24, 3, 0, 9], "n": [59, 40, 12, 14], "posts": [1441, 1441, 1441, 1441]})
    out = D.protect(df, ["k", "n"], [D.Share("k", "n", "p", "low", "high"), D.Rate("k", "posts", "rate", "lo", "hi")],
                    groups=None)
    assert out["p"][0] == pytest.approx(25 / 60) and out["p"][1] == "*" and out["p"][2] == 0.0
    p, low, high = stats.wilson(25, 60)
    assert (out["low"][0], out["high"][0]) == pytest.approx((low, high))
    assert out["rate"][0] == pytest.approx(25 / 1440 * 1000)  # 24 of 1,441 shown as 25 of 1,440
    assert attack.ratio_inversion(out["p"][0], out["n"][0]) in (None, (25, 60))
    assert attack.ratio_inversion(24 / 59, 60) == (24, 59)  # what an exact share gave away
    national = D.protect(df, ["k", "n"], [D.Share("k", "n", "p")], national=True)
    assert national["p"][0] == pytest.approx(24 / 59)


def test_rounding_alone_can_be_undone_secondary_suppression_cannot():
    """15 = 10 + 10 + *: parts of at least 8 each and a total of at most 17 pin the hidden 1."""
    group = pd.DataFrame({"n": [8, 8, 1]})
    rounded_only = D.protect(group, ["n"], groups=None)["n"].tolist()
    assert attack.subtraction("example", D.shown_count(17), rounded_only, [8, 8, 1]) != []
    protected = D.protect(group, ["n"])["n"].tolist()
    assert protected.count("*") == 2
    assert attack.subtraction("example", D.shown_count(17), protected, [8, 8, 1]) == []
    rng = random.Random(12)
    recovered = 0
    for _ in range(3000):  # many random groups: nothing is ever pinned once protected
        truth = [rng.choice([0, 1, 2, 3, 5, 7, 8, 9, 11, 13, 20, 40]) for _ in range(rng.randint(2, 6))]
        shown = D.protect(pd.DataFrame({"n": truth}), ["n"])["n"].tolist()
        recovered += bool(attack.subtraction("random", D.shown_count(sum(truth)), shown, truth))
    assert recovered == 0


def _histogram(times_events_censored, group="g") -> pd.DataFrame:
    return pd.DataFrame([{"group_code": group, "group_name": group, "region_name": "R", "bin_s": t,
                          "events": e, "censored": c} for t, e, c in times_events_censored])


def test_kaplan_meier_from_rounded_counts():
    hist = _histogram([(60 * i, 1, 0) for i in range(1, 21)] + [(3600, 0, 9)])  # 20 answers, 9 open
    rounded = D.km_rounded(hist)
    assert set(rounded["events"]) <= {0, 5} and rounded["events"].sum() == 20
    assert rounded["censored"].sum() == 10  # 9 open shown as 10
    curve = question_queries.km_curves(rounded)
    assert attack.km_steps(curve["survival"].tolist()) == 4  # steps of 5 answers, never of one
    assert D.km_rounded(hist, national=True) is hist
    assert D.km_hidden(hist) == {"g": False}
    assert D.km_hidden(_histogram([(60, 3, 0), (120, 0, 20)])) == {"g": True}  # 3 answered
    assert D.km_hidden(_histogram([(60, 20, 0), (120, 0, 2)])) == {"g": True}  # 2 still open
    assert D.km_hidden(_histogram([(60, 3, 0)]), national=True) == {"g": False}


def test_kaplan_meier_summaries_keep_exact_counts_and_rounded_values():
    hist = _histogram([(60 * i, 1, 0) for i in range(1, 24)] + [(3600, 0, 9)])
    exact = question_queries.km_summaries(hist, within_s=(600,))
    shown = D.km_summaries(hist, within_s=(600,))
    assert shown["n"].tolist() == exact["n"].tolist() == [32]  # what is hidden is decided on these
    assert shown["p_600"][0] == pytest.approx(10 / 35)  # 10 answered in 10 min, over 35 (rounded)
    assert exact["p_600"][0] == pytest.approx(10 / 32)
    assert np.isclose(D.km_summaries(hist, within_s=(600,), national=True)["p_600"][0], 10 / 32)


def test_hidden_bars_are_drawn_as_stars():
    shown = D.protect(pd.DataFrame({"n": [0, 3, 12, 40]}), ["n"], marker=None)["n"]
    assert D.bar_labels(shown) == ([0, 0, 0, 40], ["0", "*", "*", "40"])  # 12 hidden too: secondary


def test_a_cell_hidden_in_one_view_is_hidden_in_every_view_of_it(demo_data):
    """The policy matrix (trusts with a policy) and the funnels (every trust) hide the same
    trusts' questions: secondary suppression is chosen over every trust in both, so one view
    cannot fill in another's gap. Four trusts with 3, 20, 30 and 12 questions, the last without
    a policy: both hide the 3 and the 12; choosing among the matrix's rows alone hid the 20,
    which the funnel draws, and the matrix's total minus 20 and 30 gave the 3 back."""
    from tests.support import published_queries
    from ui import formats, funnels, labels
    from warehouse import policy_queries

    query, close = published_queries(demo_data)
    try:
        everything = Filters(date(2023, 7, 1), date(2025, 6, 30))
        outcomes = query(policy_queries.trust_outcomes, everything)
        register = query(policy_queries.policy_register, everything)
    finally:
        close()
    codes = [c for c in outcomes["trust_code"] if c in set(register["trust_code"])][:4]
    outcomes = outcomes[outcomes["trust_code"].isin(codes)].set_index("trust_code").loc[codes].reset_index()
    outcomes = outcomes.assign(n_questions=[3, 20, 30, 12], n_answered=[0, 10, 15, 10])
    register = register[register["trust_code"].isin(codes[:3])]
    matrix = labels.policy_matrix_table(register, outcomes)
    shown = dict(zip(matrix["Trust"], matrix["Questions"]))
    points, _ = funnels.funnel_points(outcomes, "answered")
    drawn = {formats.org_name(n): int(x) for n, x in zip(points["group_name"], points["n_shown"])}
    names = [formats.org_name(n) for n in outcomes["trust_name"]]
    assert shown == {names[0]: "*", names[1]: "20", names[2]: "30"}
    assert drawn == {names[1]: 20, names[2]: 30}
