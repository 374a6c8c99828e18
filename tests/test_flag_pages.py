"""Guideline flags page: the queries, rates with exact-Poisson/Byar CIs, suppression and
the drill-down, against a small hand-written warehouse whose numbers are counted by hand.

The data (platform x, March 2025, so UK time = UTC):

* Leeds (RR8, North East and Yorkshire), professional ``jo``: ten posts with an NHS number
  (one CONF-NHS-NUMBER flag each, high severity) on 1..10 March, and twenty clean posts.
* Blackpool (RXL, North West), professional ``sam``: three posts with an NHS number on 2..4
  March and seven clean posts.
* A patient (``pat``) posting an NHS number: not a staff post, so neither flagged by the staff
  rule nor counted in the denominator.

So: 13 flags over 40 staff posts (325 per 1,000); Leeds 10 / 30, Blackpool 3 / 10.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pandas as pd
import pytest

from ingest import jobs
from tests.support import published_queries, write_jsonl
from tests.test_app import open_page
from ui import charts, disclosure, formats, funnels, labels
from warehouse import flag_queries, stats
from warehouse.queries import Filters

UTC = timezone.utc
ALL = Filters(date(2025, 3, 1), date(2025, 3, 31))
FLAGGED = "Lady in bay 4 NHS no 401 023 2137 needs rebooking"
CLEAN = "Bay 4 has our new scanner, come and see it"


def _post(post_id, author, at, text):
    return {"platform": "x", "post_id": post_id, "author_id": author, "created_at": at.isoformat(),
            "text": text, "url": f"https://x.com/{author}/status/{post_id}"}


def _records() -> list[dict]:
    posts = []
    for i in range(10):
        posts.append(_post(f"L{i}", "jo", datetime(2025, 3, 1 + i, 9, 0, tzinfo=UTC), FLAGGED))
    for i in range(20):
        posts.append(_post(f"LC{i}", "jo", datetime(2025, 3, 1 + i, 12, 0, tzinfo=UTC), CLEAN))
    for j in range(3):
        posts.append(_post(f"B{j}", "sam", datetime(2025, 3, 2 + j, 10, 0, tzinfo=UTC), FLAGGED))
    for j in range(7):
        posts.append(_post(f"BC{j}", "sam", datetime(2025, 3, 2 + j, 15, 0, tzinfo=UTC), CLEAN))
    posts.append(_post("P0", "pat", datetime(2025, 3, 5, 8, 0, tzinfo=UTC), FLAGGED))
    return posts


@pytest.fixture(scope="module")
def flag_data(make_warehouse, tmp_path_factory):
    def load():
        folder = tmp_path_factory.mktemp("flags-input")
        jobs.import_file(write_jsonl(folder / "posts.jsonl", _records()))
        accounts = folder / "accounts.csv"
        accounts.write_text("platform,author_id,role,trust_code,title\n"
                            "x,jo,professional,RR8,Jo (radiographer)\n"
                            "x,sam,professional,RXL,Sam (radiographer)\n")
        jobs.load_accounts(accounts)

    return make_warehouse("flag-pages", load)


@pytest.fixture(scope="module")
def run(flag_data):
    query, close = published_queries(flag_data)
    yield lambda function, filters=ALL, **options: query(function, filters, **options)
    close()


def test_the_marts_hold_only_staff_flags_and_staff_posts(read_published, flag_data):
    flags = read_published(flag_data, "SELECT trust_code, rule_id, severity, sum(n_flags) FROM daily_flag_counts"
                                      " GROUP BY ALL ORDER BY 1")
    assert flags == [("RR8", "CONF-NHS-NUMBER", "high", 10), ("RXL", "CONF-NHS-NUMBER", "high", 3)]
    posts = read_published(flag_data, "SELECT trust_code, sum(n_posts) FROM daily_staff_post_counts"
                                      " GROUP BY ALL ORDER BY 1")
    assert posts == [("RR8", 30), ("RXL", 10)]


def test_headline_rate_and_ci_equal_hand_counts_and_rate_ci(run):
    head = run(flag_queries.flag_headline).iloc[0]
    assert (head["n_flags"], head["n_high"], head["n_posts"]) == (13, 13, 40)
    expected = stats.rate_ci(13, 40)
    assert head["rate"] == pytest.approx(325.0)
    assert (head["ci_low"], head["ci_high"]) == pytest.approx((expected["ci_low"], expected["ci_high"]))
    assert head["method"] == "Byar"


def test_rates_by_trust_region_family_and_rule(run):
    trusts = run(flag_queries.flag_rates, by="trust").set_index("group_code")
    assert trusts.loc["RR8", ["n_flags", "n_posts"]].tolist() == [10, 30]
    assert trusts.loc["RXL", ["n_flags", "n_posts"]].tolist() == [3, 10]
    small = stats.rate_ci(3, 10)  # fewer than 10 flags: exact Poisson
    assert trusts.loc["RXL", "method"] == "exact Poisson"
    assert trusts.loc["RXL", ["rate", "ci_low", "ci_high"]].tolist() == pytest.approx(
        [300.0, small["ci_low"], small["ci_high"]])
    assert "LEEDS" in trusts.loc["RR8", "group_name"].upper()
    regions = run(flag_queries.flag_rates, by="region")
    assert regions["n_flags"].sum() == 13 and regions["n_posts"].sum() == 40
    assert sorted(regions["n_flags"]) == [3, 10]
    family = run(flag_queries.flag_rates, by="family")
    assert family[["group_code", "n_flags", "n_posts"]].values.tolist() == [["confidentiality", 13, 40]]
    rule = run(flag_queries.flag_rates, by="rule")
    assert rule[["group_code", "n_flags", "n_posts"]].values.tolist() == [["CONF-NHS-NUMBER", 13, 40]]
    only_leeds = run(flag_queries.flag_rates, Filters(ALL.start, ALL.end, trusts=("RR8",)), by="all").iloc[0]
    assert (only_leeds["n_flags"], only_leeds["n_posts"]) == (10, 30)


def test_over_time_is_zero_filled_and_adds_up(run):
    daily = run(flag_queries.flags_over_time, grain="day")
    assert len(daily) == 31 and daily["n_flags"].sum() == 13 and daily["n_posts"].sum() == 40
    first = daily.set_index("period").loc[pd.Timestamp("2025-03-02")]
    assert (first["n_flags"], first["n_posts"]) == (2, 4)  # L1, B0; LC1, BC0
    assert daily.set_index("period").loc[pd.Timestamp("2025-03-31"), "n_posts"] == 0
    with pytest.raises(ValueError):
        run(flag_queries.flags_over_time, grain="year")


def test_drill_down_lists_staff_flags_newest_first_with_evidence(run):
    rows = run(flag_queries.flagged_posts)
    assert len(rows) == 13 and set(rows["author_role"]) == {"professional"}
    assert rows["post_id"].iloc[0] == "L9"  # 10 March, the newest day
    assert (rows["posted_at"].diff().dropna() <= pd.Timedelta(0)).all()
    assert set(rows["evidence"]) == {"401 023 2137"} and rows["text"].iloc[0] == FLAGGED
    shown = labels.flagged_posts_table(rows)
    assert not shown["Evidence (identifiers removed)"].str.contains("401 023 2137").any()
    assert not shown["Post (identifiers removed)"].str.contains("401 023 2137").any()
    assert len(run(flag_queries.flagged_posts, limit=2)) == 2


def test_drill_down_names_each_flags_guidance_or_says_none_was_in_force(run):
    rows = run(flag_queries.flagged_posts)
    assert rows["clause"].str.startswith("HCPC, Standards of conduct, performance and ethics (2024)").all()
    rows.loc[0, "clause"] = None  # a post older than every edition in the register
    shown = labels.flagged_posts_table(rows)["Guidance"]
    assert shown.iloc[0] == labels.NO_CLAUSE_IN_FORCE and shown.iloc[1:].eq(rows["clause"].iloc[1:]).all()


def test_suppression_below_national_level(run):
    trusts = run(flag_queries.flag_rates, by="trust")
    table = labels.flag_rate_table(trusts, unit="trust").set_index("Trust")
    blackpool = next(n for n in table.index if "BLACKPOOL" in n.upper())
    leeds = next(n for n in table.index if "LEEDS" in n.upper())
    assert table.loc[blackpool, "Flags"] == "*"  # 3 flags
    assert table.loc[blackpool, "Flags per 1,000 posts (95% CI)"] == "*"
    # Leeds: the headline total (13) minus Leeds would reveal Blackpool's 3, so Leeds' flags
    # (and the rate over them) are hidden too (secondary suppression); its posts are shown
    assert table.loc[leeds, "Flags"] == "*" and table.loc[leeds, "Staff posts"] == "30"
    assert table.loc[leeds, "Flags per 1,000 posts (95% CI)"] == "*"
    national = labels.flag_rate_table(trusts, unit="trust", national=True).set_index("Trust")
    assert national.loc[blackpool, "Flags"] == "3"
    ci = stats.rate_ci(10, 30)
    assert national.loc[leeds, "Flags per 1,000 posts (95% CI)"] == formats.rate_text(
        ci["rate"], ci["ci_low"], ci["ci_high"])
    # a count of 8 or more is rounded to 5 below national level
    assert disclosure.protect(trusts.assign(n_flags=[13, 0]), ["n_flags"])["n_flags"].tolist() == [15, 0]
    # the funnel leaves hidden units out (here both: Leeds by secondary suppression)
    points, rate0 = funnels.flag_funnel_points(trusts)
    assert points.empty and rate0 == pytest.approx(375.0)  # 13 of 40 posts: the centre from 15 of 40
    points, _ = funnels.flag_funnel_points(trusts.assign(n_flags=[10, 9]))
    assert sorted(points["group_code"]) == ["RR8", "RXL"]
    fig = charts.flag_funnel(trusts)
    assert "BLACKPOOL" not in str(fig.to_dict()["data"]).upper()
    # charts over time below national level hide periods with 1-7 flags
    daily = run(flag_queries.flags_over_time, grain="day")
    fig = charts.flags_over_time(daily, grain="day")
    assert all(pd.isna(v) for v in fig.data[-1].y)  # every day has 1-7 flags or posts (and no band is drawn)
    assert len(fig.data) == 1


@pytest.mark.app
def test_page_shows_national_numbers_and_suppresses_below(flag_data, use_data):
    use_data(flag_data)
    at = open_page("pages/5_Guideline_flags.py", {"from": "2025-03-01", "to": "2025-03-31"})
    assert not at.exception, at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["Flags"] == "13" and shown["Flags per 1,000 staff posts"] == "325.0"
    at = open_page("pages/5_Guideline_flags.py", {"from": "2025-03-01", "to": "2025-03-31", "trust": "RXL"})
    assert not at.exception, at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["Flags"] == "*" and shown["Flags per 1,000 staff posts"] == "*"


@pytest.mark.app
def test_page_shows_enabling_practice_beside_breaches_and_switches_to_confirmed(demo_data, use_data,
                                                                                  read_published):
    use_data(demo_data)
    at = open_page("pages/5_Guideline_flags.py", {"from": "2023-01-01", "to": "2025-06-30"})
    assert not at.exception, at.exception
    shown = {m.label: m.value for m in at.metric}
    answered, signposting, within, known = read_published(demo_data, """
        SELECT count(*) FILTER (WHERE is_answered), count(answer_signposting),
               count(*) FILTER (WHERE within_target), count(within_target)
        FROM patient_questions
        WHERE (asked_at AT TIME ZONE 'Europe/London')::DATE BETWEEN DATE '2023-01-01' AND DATE '2025-06-30'
    """)[0]
    assert answered > 0 and known > 0
    assert shown["Answers that signpost"] == f"{signposting / answered:.0%}"
    assert shown["Answered within the trust's target"] == f"{within / known:.0%}"
    assert shown["Reviewed"] == "0"
    at.segmented_control(key="flag_basis").set_value("confirmed").run()
    assert not at.exception, at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["Confirmed flags"] == "0" and shown["Confirmed flags per 1,000 staff posts"] == "0.0"
