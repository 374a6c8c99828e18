"""Policy comparison: outcomes attributed to the policy in force on their day, the two groups
compared with a permutation test over trusts, the plain answer, and the page. Real DuckDB."""
from __future__ import annotations

import io
import itertools
import json
import math
import os
import subprocess
import sys
from datetime import date

import numpy as np
import pandas as pd
import pytest

from store import config, reader
from tests.support import drawn_figures
from tests.support import ROOT, load_and_build, post
from tests.test_app import downloads, open_page  # noqa: F401 (downloads: a fixture)
from ui import labels
from bench import policy_null
from warehouse import compare, policy_queries, policy_report
from warehouse.queries import Filters

PAGE = "pages/6_Policy_comparison.py"
EVERYTHING = Filters(date(2020, 1, 1), date(2026, 12, 31))


def run(function, filters: Filters = EVERYTHING, **options):
    con = reader.connect_published()
    try:
        return function(reader.reader_cursor(con), filters, **options)
    finally:
        con.close()


# --- the statistics -----------------------------------------------------------------------------

def _brute_p(ea, xa, eb, xb, theta=1.0, kind="ratio") -> float:
    """The exact two-sided p-value worked out by hand: every split of the trusts, the
    difference of pooled values after putting the first group on the second's scale."""
    e = np.concatenate([np.asarray(ea, float) / theta if kind == "ratio" else np.asarray(ea, float)
                        - theta * np.asarray(xa, float), np.asarray(eb, float)])
    x = np.concatenate([xa, xb]).astype(float)
    stat = []
    for first in itertools.combinations(range(len(x)), len(xa)):
        inside = np.isin(np.arange(len(x)), first)
        stat.append(e[inside].sum() / x[inside].sum() - e[~inside].sum() / x[~inside].sum())
    stat, observed = np.array(stat), stat[0]
    tol = 1e-12 * max(1.0, abs(observed))
    return min(1.0, 2 * min(np.mean(stat <= observed + tol), np.mean(stat >= observed - tol)))


def test_compare_trusts_pools_groups_and_enumerates_every_split():
    ea, xa, eb, xb = [10, 20, 30, 25], [1000, 900, 1100, 1000], [5, 8, 12, 4, 9], [1000, 800, 1200, 900, 1000]
    got = compare.compare_trusts(ea, xa, eb, xb)
    assert got["value_a"] == pytest.approx(85 / 4000) and got["value_b"] == pytest.approx(38 / 4900)
    assert got["effect"] == pytest.approx((85 / 4000) / (38 / 4900))
    assert (got["clusters_a"], got["clusters_b"], got["relabellings"], got["exact"]) == (4, 5, 126, True)
    assert got["p_value"] == pytest.approx(_brute_p(ea, xa, eb, xb))
    assert got["p_value"] <= 0.05 and 1 < got["effect_low"] < got["effect"] < got["effect_high"]
    assert compare.compare_trusts(ea, xa, eb, xb) == got  # fixed seed: the page shows the same every time


@pytest.mark.parametrize("kind", ["ratio", "difference"])
def test_the_interval_is_the_effects_the_test_does_not_reject(kind):
    rng = np.random.default_rng(4)
    xa, xb = rng.integers(50, 400, 5), rng.integers(50, 400, 6)
    if kind == "ratio":
        ea, eb = rng.poisson(xa * 0.03), rng.poisson(xb * 0.015)
    else:
        ea, eb = rng.binomial(xa, 0.7), rng.binomial(xb, 0.55)
    got = compare.compare_trusts(ea, xa, eb, xb, kind=kind)
    low, high = got["effect_low"], got["effect_high"]
    step = (lambda v, s: v * (1 + s)) if kind == "ratio" else (lambda v, s: v + s)
    for edge, outward in ((low, -0.01), (high, 0.01)):
        assert _brute_p(ea, xa, eb, xb, step(edge, -outward / 10), kind) > 0.05  # just inside: kept
        assert _brute_p(ea, xa, eb, xb, step(edge, outward), kind) <= 0.05      # just outside: rejected


def test_too_few_trusts_to_tell_is_derived_from_the_number_of_splits():
    # the smallest two-sided p-value is 2 / C(n_a + n_b, n_a): 3 vs 3 -> 2/20, 3 vs 4 -> 2/35
    assert compare.smallest_p(3, 3) == pytest.approx(0.1) and compare.smallest_p(3, 4) == pytest.approx(2 / 35)
    told = {(a, b): compare.can_tell(a, b) for a, b in
            ((1, 38), (1, 39), (2, 7), (2, 8), (3, 4), (3, 5), (4, 4), (2, 2), (16, 16))}
    assert told == {(1, 38): False, (1, 39): True, (2, 7): False, (2, 8): True, (3, 4): False, (3, 5): True,
                    (4, 4): True, (2, 2): False, (16, 16): True}
    # even the most extreme data cannot reach it: 3 trusts with every flag against 3 with none
    few = compare.compare_trusts([50, 60, 70], [100, 100, 100], [0, 0, 0], [100, 100, 100])
    assert not few["can_tell"] and np.isnan(few["p_value"]) and np.isnan(few["effect_low"])
    assert _brute_p([50, 60, 70], [100] * 3, [0.001] * 3, [100] * 3) == pytest.approx(0.1)
    extreme = compare.compare_trusts([50, 60, 70, 80], [100] * 4, [1, 0, 0, 2], [100] * 4)
    assert extreme["can_tell"] and extreme["p_value"] == pytest.approx(2 / 70)


def test_many_trusts_are_sampled_with_the_plus_one_rule():
    rng = np.random.default_rng(5)
    x = rng.integers(100, 500, 24)
    e = rng.poisson(x * 0.02)
    got = compare.compare_trusts(e[:12], x[:12], e[12:], x[12:])
    assert not got["exact"] and got["relabellings"] == 2_704_156
    # p = 2 * min(b_low + 1, b_high + 1) / (m + 1): a multiple of 2 / 10,000, never 0
    assert got["p_value"] * (compare.MONTE_CARLO + 1) / 2 == pytest.approx(round(got["p_value"] * 5000))
    assert got["p_value"] >= 2 / (compare.MONTE_CARLO + 1)


def test_compare_trusts_difference_and_refusals():
    got = compare.compare_trusts([8, 9, 7, 8], [10] * 4, [5, 5, 5, 6], [10] * 4, kind="difference")
    assert got["effect"] == pytest.approx(0.275) and got["p_value"] == pytest.approx(2 / 70)
    zero = compare.compare_trusts([1, 2, 3, 1], [10] * 4, [0, 0, 0, 0], [10] * 4)
    assert np.isnan(zero["effect"]) and np.isnan(zero["effect_low"]) and zero["p_value"] <= 0.05
    skipped = compare.compare_trusts([1, 2, 3, 4, 0], [10, 10, 10, 10, 0], [1, 2, 3, 4], [10] * 4)
    assert skipped["clusters_a"] == 4  # a trust with no exposure in a group is not in it
    with pytest.raises(ValueError):
        compare.compare_trusts([1], [1], [1], [1], kind="odds")
    with pytest.raises(ValueError):
        compare.compare_trusts([1, 2], [1], [1], [1])


# Issue #12: with 3-16 trusts a group the cluster bootstrap called chance a difference 8-22% of
# the time. 400 null data sets a size and outcome, the demo's spread between trusts
# (bench/policy_null.py). Monte-Carlo error: each cell may exceed 5% by 3 standard errors
# (3.3 points: 8 cells, so 2 would fail one time in 6 by chance alone), and all 2,400 data sets
# of 4-12 trusts together by 2 (0.9 points).
NULL_SETS = 400


def _se(sets: int) -> float:
    return math.sqrt(0.05 * 0.95 / sets)


@pytest.mark.slow
def test_false_positive_rate_is_at_most_5_percent():
    rates = {(n, kind): policy_null.false_positive_rates(n, kind, NULL_SETS, seed=12)
             for n in (3, 4, 6, 12) for kind in ("ratio", "difference")}
    for (n, kind), got in rates.items():
        assert got["new"] <= 0.05 + 3 * _se(NULL_SETS), (n, kind, got)
        if n == 3:
            assert got["new"] == 0  # too few trusts to tell: never called a difference
        if n <= 4:
            assert got["old"] > 0.05 + 3 * _se(NULL_SETS), (n, kind, got)  # the bootstrap it replaced
    pooled = [got["new"] for (n, _), got in rates.items() if n > 3]
    assert np.mean(pooled) <= 0.05 + 2 * _se(NULL_SETS * len(pooled)), rates


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["ratio", "difference"])
def test_the_interval_covers_a_planted_effect(kind):
    sets = 200
    cover = policy_null.coverage(6, kind, sets, seed=12)
    assert cover["new"] >= 0.95 - 2 * math.sqrt(0.05 * 0.95 / sets), cover


# --- outcomes under the policy in force ------------------------------------------------------------

ACCOUNTS = ("platform,author_id,role,trust_code,title\n"
            "x,jo,professional,RR8,Radiographer\nx,al,professional,RJZ,Radiographer\n")
POLICIES = """
- trust_code: RR8
  policy_version: "1"
  effective_from: 2024-01-01
  effective_to: 2025-04-01
  personal_use_in_working_hours: not_permitted
  patient_engagement: discouraged
  disclaimer_required: true
  approved_accounts_only: true
  response_target_hours: 48
- trust_code: RR8
  policy_version: "2"
  effective_from: 2025-04-01
  personal_use_in_working_hours: permitted
  patient_engagement: encouraged
  disclaimer_required: false
  approved_accounts_only: false
  response_target_hours: 8
"""


@pytest.fixture
def changed_policy(data_dir, tmp_path):
    nhs = "Lady in bay 4 NHS no 401 023 2137 needs rebooking"
    load_and_build(tmp_path, [
        post("a", author_id="jo", text=nhs, created_at="2025-03-10T10:00:00+00:00"),
        post("b", author_id="jo", text="Great team today", created_at="2025-03-11T10:00:00+00:00"),
        post("c", author_id="jo", text=nhs, created_at="2025-05-10T10:00:00+00:00"),
        post("d", author_id="jo", text=nhs, created_at="2025-05-11T10:00:00+00:00"),
        post("e", author_id="jo", text="Open day on Saturday", created_at="2025-05-12T10:00:00+00:00"),
        post("q", author_id="pat", text="How long do results take?", created_at="2025-05-12T11:00:00+00:00"),
        post("r", author_id="jo", parent_id="q", created_at="2025-05-12T12:00:00+00:00",
             text="Thank you for asking - about two weeks, see nhs.uk/conditions/mri-scan"),
        post("f", author_id="al", text="Scanner upgrade finished", created_at="2025-05-12T10:00:00+00:00"),
    ], ACCOUNTS, POLICIES)


def test_outcomes_count_under_the_policy_in_force_on_their_day(changed_policy):
    rows = run(policy_queries.policy_outcomes).set_index(["trust_code", "policy_group"])
    cols = ["n_posts", "n_flags", "n_questions", "n_answered", "n_within_target",
            "n_answer_signposting", "n_answer_compassion"]
    assert rows.loc[("RR8", "no"), cols].tolist() == [2, 1, 0, 0, 0, 0, 0]      # policy 1 (March)
    assert rows.loc[("RR8", "yes"), cols].tolist() == [4, 2, 1, 1, 1, 1, 1]     # policy 2 (May)
    assert rows.loc[("RJZ", "none"), cols].tolist() == [1, 0, 0, 0, 0, 0, 0]    # no policy loaded
    register = run(policy_queries.policy_register)
    assert register[["trust_code", "policy_version", "n_versions", "patient_engagement"]].values.tolist() == [
        ["RR8", "2", 2, "encouraged"]]
    march = run(policy_queries.policy_register, Filters(date(2025, 3, 1), date(2025, 3, 31)))
    assert march[["policy_version", "n_versions", "enabling_engagement"]].values.tolist() == [["1", 1, False]]
    assert policy_queries.enabling_in_force(register) == {"RR8": True}
    totals = run(policy_queries.trust_outcomes).set_index("trust_code")
    assert totals.loc["RR8", "n_posts"] == 6 and totals.loc["RR8", "n_flags"] == 3
    assert totals.loc["RR8", "rate"] == pytest.approx(500.0)
    with pytest.raises(ValueError):
        run(policy_queries.policy_outcomes, clause="DROP TABLE trusts")


def test_too_few_trusts_gives_no_interval_and_says_so(changed_policy):
    comparison = run(policy_queries.policy_comparison)
    flags = comparison.set_index("outcome").loc["flags"]
    assert flags["value_yes"] == pytest.approx(500.0) and flags["value_no"] == pytest.approx(500.0)
    assert np.isnan(flags["effect_low"])
    kind, text = labels.policy_answer(comparison, "enabling", "other", national=True)
    assert kind == "unknown" and "too few trusts" in text


# --- the plain answer ---------------------------------------------------------------------------------

def _comparison(effect, low, high, events=(100, 100), exposure=(5000, 5000)) -> pd.DataFrame:
    return pd.DataFrame([{
        "outcome": "flags", "label": "Flags per 1,000 staff posts", "kind": "ratio", "per": 1000,
        "breach": True, "events_yes": events[0], "exposure_yes": exposure[0], "events_no": events[1],
        "exposure_no": exposure[1], "value_yes": 20.0 * effect, "value_no": 20.0, "effect": effect,
        "effect_low": low, "effect_high": high, "trusts_yes": 10, "trusts_no": 20,
        "p_value": 0.01 if low > 1 or high < 1 else 0.5, "can_tell": True,
    }])


@pytest.mark.parametrize("effect,low,high,kind,words", [
    (1.5, 1.2, 1.9, "more", "Yes."),
    (0.6, 0.4, 0.8, "fewer", "fewer flags"),
    (1.05, 0.8, 1.3, "unclear", "from 20% fewer to 30% more"),
])
def test_plain_answer_reads_the_interval(effect, low, high, kind, words):
    got_kind, text = labels.policy_answer(_comparison(effect, low, high), "enabling", "other")
    assert got_kind == kind and words in text
    assert f"{20.0 * effect:,.1f} per 1,000" in text


def test_plain_answer_without_flags_on_one_side_gives_no_ratio():
    one_sided = _comparison(0.0, np.nan, np.nan, events=(0, 60)).assign(p_value=0.004)
    kind, text = labels.policy_answer(one_sided, "enabling", "other", national=True)
    assert kind == "unknown" and "no flags under enabling" in text and "p = 0.004" in text
    none = _comparison(np.nan, np.nan, np.nan, events=(0, 0)).assign(p_value=np.nan)
    assert "no flags in either group" in labels.policy_answer(none, "a", "b", national=True)[1]


def test_plain_answer_hides_small_numbers_below_national_level():
    small = _comparison(1.0, 0.5, 2.0, events=(3, 40))
    assert labels.policy_answer(small, "a", "b", national=False)[0] == "unknown"
    assert labels.policy_answer(small, "a", "b", national=True)[0] == "unclear"
    table = labels.policy_comparison_table(small, "a", "b", national=False)
    assert table.iloc[0, 1] == "*" and table.iloc[0, 3] == "*"


# --- the page ------------------------------------------------------------------------------------------

@pytest.mark.app
def test_page_answers_and_shows_matrix_and_funnels(demo_data, use_data, read_published):
    use_data(demo_data)
    at = open_page(PAGE, {"from": "2023-01-01", "to": "2025-06-30"})
    assert not at.exception, at.exception
    answers = [m.value for m in list(at.info) + list(at.warning) + list(at.success)
               if "per 1,000" in m.value or "Not enough" in m.value or "Too few" in m.value]
    assert answers, "the plain answer is missing"
    comparison, matrix = at.dataframe[0].value, at.dataframe[1].value
    assert comparison["Outcome"].tolist()[:2] == [o.label for o in list(policy_queries.OUTCOMES.values())[:2]]
    assert "national guidance" in comparison["Outcome"][0]
    trusts_with_policy = read_published(demo_data, "SELECT count(DISTINCT trust_code) FROM trust_policies"
                                                   " WHERE effective_from <= DATE '2025-06-30'")[0][0]
    assert len(matrix) == trusts_with_policy
    assert {"Patient engagement", "Response target", "Flags per 1,000 posts (95% CI)", "Signposting"} <= set(matrix)
    assert len(drawn_figures(at)) == 2
    at.selectbox(key="policy_clause").set_value("any_account").run()
    assert not at.exception, at.exception
    assert "Any account" in at.dataframe[0].value.columns


# --- python -m warehouse compare-policies ---------------------------------------------------------

def test_the_command_uses_the_page_default_dates():
    from ui import filters
    assert policy_report.DEFAULT_DAYS == filters.DEFAULT_DAYS


def test_the_command_without_a_warehouse_says_so(data_dir, capsys):
    from warehouse.__main__ import main
    assert main(["compare-policies", "--clause", "engagement"]) == 2
    err = capsys.readouterr().err
    assert "no published warehouse at" in err and "python -m warehouse build" in err and "write" not in err


def test_the_command_refuses_an_unknown_clause_and_outcome(changed_policy):
    with pytest.raises(ValueError, match="--clause must be one of"):
        policy_report.report("DROP TABLE trusts")
    with pytest.raises(ValueError, match="--outcome must be one of"):
        policy_report.report("engagement", outcome="nothing")
    result = policy_report.report("engagement", outcome="flags")
    assert [r["outcome"] for r in result["outcomes"]] == ["flags"]
    flags = result["outcomes"][0]
    assert flags["can_tell"] is False and flags["p_value"] is None and flags["effect_low"] is None
    assert "too few trusts to tell" in policy_report.text(result)


@pytest.mark.app
def test_the_command_reproduces_the_page(demo_data, use_data):
    """The JSON of ``python -m warehouse compare-policies`` run as an analyst runs it holds the
    numbers the page shows for the same warehouse and the page's default dates."""
    use_data(demo_data)
    at = open_page(PAGE)
    assert not at.exception, at.exception
    shown = at.dataframe[0].value.set_index("Outcome")
    answer = next(m.value for m in list(at.info) + list(at.warning) + list(at.success) if "per 1,000" in m.value)
    done = subprocess.run([sys.executable, "-m", "warehouse", "compare-policies", "--clause", "engagement", "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env=os.environ | {config.DATA_ENV: str(demo_data)})
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert len(got["outcomes"]) == len(shown) == len(policy_queries.OUTCOMES)
    for row in got["outcomes"]:
        page = shown.loc[row["label"]]
        ratio = row["kind"] == "ratio"
        value = (lambda v: f"{v:,.1f}") if ratio else (lambda v: f"{round(v * 100):d}%")
        assert list(page.iloc[:2]) == [value(row["value_yes"]), value(row["value_no"])], row["label"]
        assert page["Trusts"] == f"{row['trusts_yes']} vs {row['trusts_no']}"
        effect = page["Ratio or difference (95% CI)"]
        if row["effect"] is None:
            assert effect == "—"
        elif ratio:
            assert effect.startswith(f"× {row['effect']:.2f}") and f"{row['effect_low']:.2f}–" in effect
        else:
            assert effect.startswith(f"Δ {round(row['effect'] * 100):+d} points")
            assert f"({round(row['effect_low'] * 100):+d} to {round(row['effect_high'] * 100):+d})" in effect
    flags = got["outcomes"][0]
    assert f"{flags['value_yes']:,.1f} per 1,000" in answer and f"p = {flags['p_value']:.2g}" in answer


@pytest.mark.app
def test_the_outcome_table_shows_differences_without_a_formula_guard(demo_data, use_data, downloads):  # noqa: F811
    """'+9 points (+2 to +16)' read "'+9 points" on screen: the tables defuse a cell starting
    with + or - (issue #18), so the difference is written "Δ +9 points", as a ratio is "× 1.47",
    and neither the grid nor the file needs a guard on it."""
    use_data(demo_data)
    at = open_page(PAGE)
    assert not at.exception, at.exception
    shown = at.dataframe[0].value
    effects = [e for e in shown["Ratio or difference (95% CI)"].tolist() if e != "—"]
    assert [e for e in effects if e.startswith("Δ ")], effects  # else this test checks nothing
    assert not [c for c in shown.astype(str).to_numpy().ravel() if c.startswith("'")]
    served = downloads[at.download_button(key="download_policy_comparison").proto.deferred_file_id]()
    exported = pd.read_csv(io.BytesIO(served), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert exported["Ratio or difference (95% CI)"].tolist() == shown["Ratio or difference (95% CI)"].tolist()


@pytest.mark.app
def test_a_region_with_too_few_trusts_says_so(demo_data, use_data):
    """In one region each group has a handful of trusts: every effect shown is marked "too few
    trusts to tell" exactly when no split of them could reach p <= 0.05."""
    use_data(demo_data)
    marked = 0
    for region in ("Y62", "Y56"):
        at = open_page(PAGE, {"region": region})
        assert not at.exception, at.exception
        for _, row in at.dataframe[0].value.iterrows():
            n_yes, n_no = (int(n) for n in row["Trusts"].split(" vs "))
            effect = row["Ratio or difference (95% CI)"]
            if effect in ("*", "—"):
                continue  # hidden (small numbers) or undefined
            assert ("too few trusts to tell" in effect) == (not compare.can_tell(n_yes, n_no)), (region, row.to_dict())
            marked += "too few trusts to tell" in effect
    assert marked >= 2  # (4 vs 2 and 1 vs 5 trusts on the demo: the premise holds)
