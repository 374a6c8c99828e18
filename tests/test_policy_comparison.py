"""Policy comparison: outcomes attributed to the policy in force on their day, the two groups
compared with a cluster bootstrap over trusts, the plain answer, and the page. Real DuckDB."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from store import reader
from tests.support import load_and_build, post
from tests.test_app import open_page
from ui import labels
from warehouse import policy_queries, stats
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

def test_compare_clustered_pools_groups_and_resamples_trusts():
    got = stats.compare_clustered([10, 20, 30], [1000, 1000, 1000], [5, 5, 5, 5], [1000, 1000, 1000, 1000])
    assert got["value_a"] == pytest.approx(0.02) and got["value_b"] == pytest.approx(0.005)
    assert got["effect"] == pytest.approx(4.0)
    assert got["effect_low"] < 4.0 < got["effect_high"] and got["effect_low"] > 1
    assert (got["clusters_a"], got["clusters_b"]) == (3, 4)
    again = stats.compare_clustered([10, 20, 30], [1000, 1000, 1000], [5, 5, 5, 5], [1000, 1000, 1000, 1000])
    assert again == got  # fixed seed: the page shows the same interval every time


def test_between_trust_spread_widens_the_interval_beyond_poisson():
    rng = np.random.default_rng(1)
    exposure = np.full(12, 2000)
    steady = rng.poisson(40, 12)                           # trusts alike
    spread = rng.poisson(40 * rng.gamma(2, 0.5, 12))       # trusts differ
    base = rng.poisson(40, 12)
    narrow = stats.compare_clustered(steady, exposure, base, exposure)
    wide = stats.compare_clustered(spread, exposure, base, exposure)
    assert wide["effect_high"] - wide["effect_low"] > 1.5 * (narrow["effect_high"] - narrow["effect_low"])


def test_compare_clustered_difference_and_refusals():
    got = stats.compare_clustered([8, 9, 7], [10, 10, 10], [5, 5, 5], [10, 10, 10], kind="difference")
    assert got["effect"] == pytest.approx(0.3)
    few = stats.compare_clustered([1, 2], [10, 10], [1, 2, 3], [10, 10, 10])
    assert np.isnan(few["effect_low"]) and few["effect"] == pytest.approx(1.5 / 2)
    zero = stats.compare_clustered([1, 2, 3], [10, 10, 10], [0, 0, 0], [10, 10, 10])
    assert np.isnan(zero["effect"]) and np.isnan(zero["effect_low"])
    with pytest.raises(ValueError):
        stats.compare_clustered([1], [1], [1], [1], kind="odds")
    with pytest.raises(ValueError):
        stats.compare_clustered([1, 2], [1], [1], [1])


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
    assert len(at.get("plotly_chart")) == 2
    at.selectbox(key="policy_clause").set_value("any_account").run()
    assert not at.exception, at.exception
    assert "Any account" in at.dataframe[0].value.columns
