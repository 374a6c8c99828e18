"""The spc_points mart, built by the real build from the seeded demo, checked against figures
computed here from the published marts with SQL and lifelines written independently of
warehouse/spc_build.py, and its charts against warehouse.spc.xmr (itself checked against
NHSRplotthedots)."""
from __future__ import annotations

from datetime import date
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from tests import reference_km
from tests.conftest import DEMO_END
from warehouse import spc, spc_build, stats
from warehouse.measures import HEADLINE, improvement_direction

MONTH = "date_trunc('month', (asked_at AT TIME ZONE 'Europe/London')::DATE)::DATE"


@pytest.fixture(scope="module")
def points(demo_data, read_published) -> pd.DataFrame:
    rows = read_published(demo_data, "SELECT * FROM spc_points ORDER BY ALL")
    return pd.DataFrame(rows, columns=list(spc_build.COLUMNS))


@pytest.fixture(scope="module")
def busiest(demo_data, read_published) -> str:
    """The trust with the most patient questions."""
    return read_published(demo_data, "SELECT trust_code FROM patient_questions WHERE trust_code IS NOT NULL"
                                     " GROUP BY ALL ORDER BY count(*) DESC, trust_code LIMIT 1")[0][0]


def series(points, unit_type, unit_code, measure, grain="month") -> pd.DataFrame:
    rows = points[(points.unit_type == unit_type) & (points.unit_code == unit_code) & (points.measure == measure)
                  & (points.grain == grain)]
    return rows.sort_values("period_start", ignore_index=True)


def plain(values) -> list:
    """Values with every missing one as None (a NaN from a str column, a None from object)."""
    return [None if pd.isna(v) else v for v in values]


def test_every_headline_measure_of_every_kind_of_unit_and_grain(points):
    assert set(points["measure"]) == set(HEADLINE)
    assert set(points["unit_type"]) == {"trust", "region", "nation"}
    assert set(points["grain"]) == {"month", "week"}
    assert not points.duplicated(list(spc_build.KEY)).any()
    assert "ENG" in set(points.loc[points.unit_type == "nation", "unit_code"])


def test_only_complete_periods(points):
    """The demo's last post is on 30 June 2025 at noon: June is incomplete, and so is the
    week of Monday 30 June; the first month and week start on or after the first post's day."""
    months = points.loc[points.grain == "month", "period_start"]
    weeks = points.loc[points.grain == "week", "period_start"]
    assert pd.Timestamp(months.max()).date() == date(2025, 5, 1)
    assert pd.Timestamp(weeks.max()).date() == date(2025, 6, 23) and DEMO_END.date() == date(2025, 6, 30)
    assert all(pd.Timestamp(w).day_of_week == 0 for w in weeks.unique())
    assert all(pd.Timestamp(m).day == 1 for m in months.unique())


def test_share_answered_and_question_counts_match_sql(points, busiest, demo_data, read_published):
    expected = read_published(demo_data, f"""
        SELECT {MONTH} AS m, count(*), count(*) FILTER (WHERE is_answered) FROM patient_questions
        WHERE trust_code = $t GROUP BY ALL ORDER BY m""", {"t": busiest})
    expected = {pd.Timestamp(m): (n, k) for m, n, k in expected}
    answered = series(points, "trust", busiest, "answered")
    assert len(answered) >= 6
    for row in answered.itertuples():
        n, k = expected[pd.Timestamp(row.period_start)]
        assert (row.n, row.events) == (n, k)
        p, low, high = stats.wilson(k, n)
        assert row.value == pytest.approx(k / n) and (row.ci_low, row.ci_high) == pytest.approx((low, high))
    questions = series(points, "trust", busiest, "questions")
    for row in questions.itertuples():  # a month without questions is a 0, not a gap
        assert row.value == expected.get(pd.Timestamp(row.period_start), (0, 0))[0]


def test_flag_rate_matches_sql(points, demo_data, read_published):
    region = points.loc[(points.unit_type == "region") & (points.measure == "flags"), "unit_code"].iloc[0]
    expected = dict(((pd.Timestamp(m), (f, n)) for m, f, n in read_published(demo_data, """
        WITH s AS (SELECT date_trunc('month', day)::DATE AS m, sum(n_posts) AS n FROM daily_staff_post_counts
                   WHERE region_code = $r GROUP BY ALL),
             f AS (SELECT date_trunc('month', (created_at AT TIME ZONE 'Europe/London')::DATE)::DATE AS m,
                          count(*) AS f
                   FROM flags WHERE region_code = $r AND author_role IN ('professional', 'organisation')
                   GROUP BY ALL)
        SELECT s.m, coalesce(f.f, 0), s.n FROM s LEFT JOIN f USING (m)""", {"r": region})))
    rates = series(points, "region", region, "flags")
    assert len(rates)
    for row in rates.itertuples():
        flags, posts = expected[pd.Timestamp(row.period_start)]
        assert (row.events, row.n) == (flags, posts)
        assert row.value == pytest.approx(1000 * flags / posts)


def test_median_wait_matches_lifelines(points, busiest, demo_data, read_published):
    """Kaplan–Meier of the month's questions, fitted by lifelines on the durations rounded up
    to the minute (as the mart's histogram), unanswered ones censored."""
    rows = read_published(demo_data, f"""
        SELECT {MONTH} AS m, ceil(duration_seconds / 60) * 60, is_answered FROM patient_questions
        WHERE trust_code = $t""", {"t": busiest})
    frame = pd.DataFrame(rows, columns=["m", "d", "answered"])
    medians = series(points, "trust", busiest, "median_wait")
    assert len(medians) >= 3
    for row in medians.itertuples():
        month = frame[frame["m"] == pd.Timestamp(row.period_start).date()]
        want = reference_km.km_summary(month["d"].to_numpy(float), month["answered"].to_numpy(bool), within_s=())
        exact = exact_median(month["d"].to_numpy(float), month["answered"].to_numpy(bool))
        assert (exact is None and np.isnan(row.value)) or row.value == exact
        if exact != want["median_s"]:  # lifelines' float product lands a hair above 1/2 on an exact tie
            assert exact_survival(month["d"].to_numpy(float), month["answered"].to_numpy(bool), exact) == Fraction(1, 2)
        else:
            assert row.value == pytest.approx(want["median_s"])
        assert (row.n, row.events) == (len(month), int(month["answered"].sum()))
        for got, key in ((row.ci_low, "median_ci_low_s"), (row.ci_high, "median_ci_high_s")):
            assert (np.isnan(got) and want[key] is None) or got == pytest.approx(want[key])


def exact_survival(durations: np.ndarray, answered: np.ndarray, at: float) -> Fraction:
    """The Kaplan–Meier curve at ``at``, in exact fractions."""
    s = Fraction(1)
    for t in sorted(set(durations[durations <= at])):
        events = int(((durations == t) & answered).sum())
        if events:
            s *= 1 - Fraction(events, int((durations >= t).sum()))
    return s


def exact_median(durations: np.ndarray, answered: np.ndarray) -> float | None:
    """The first time the Kaplan–Meier curve is at or below 1/2 (lifelines' rule), in exact
    fractions: 5/6 × 4/5 × 3/4 is 1/2, which a float product may make 0.5000000000000001."""
    for t in sorted(set(durations[answered])):
        if exact_survival(durations, answered, t) <= Fraction(1, 2):
            return float(t)
    return None


def test_each_series_is_warehouse_spc_xmr_of_its_values(points):
    checked = 0
    for (unit_type, unit_code, measure, grain), rows in points.groupby(["unit_type", "unit_code", "measure", "grain"]):
        if checked > 60:
            break
        rows = rows.sort_values("period_start")
        target = rows["target"].iloc[0]
        chart = spc.xmr(rows["period_start"], rows["value"], improvement_direction=improvement_direction(measure),
                        target=None if np.isnan(target) else target)
        assert plain(rows["special_cause"]) == plain(chart.points["special_cause"])
        assert rows["upper"].to_numpy() == pytest.approx(chart.points["upper"].to_numpy(), nan_ok=True)
        assert rows["variation_icon"].iloc[-1] == chart.variation_icon
        assert plain(rows["assurance_icon"])[-1] == chart.assurance_icon
        assert bool(rows["trial_limits"].iloc[-1]) == chart.trial_limits and rows["n_points"].iloc[0] == len(rows)
        checked += 1


def test_small_numbers_are_marked_below_national_level_only(points):
    small = ((points["n"].between(1, 7)) | (points["events"].between(1, 7)))
    national = points["unit_type"] == "nation"
    assert (points.loc[small & ~national, "suppressed"]).all()
    assert not points.loc[national, "suppressed"].any()
    assert not points.loc[~small, "suppressed"].any()
    assert (small & ~national).any(), "the demo has small numbers to mark"
    assert points.loc[small & ~national, "value"].notna().all(), "the value is kept for the limits"


def test_median_wait_of_a_trust_with_a_policy_target_has_an_assurance_icon(points, demo_data, read_published):
    targets = dict(read_published(demo_data, "SELECT trust_code, response_target_hours * 3600 FROM trust_policies"
                                             " WHERE effective_to IS NULL AND response_target_hours IS NOT NULL"))
    waits = points[(points.measure == "median_wait") & (points.unit_type == "trust")]
    with_target = waits[waits["unit_code"].isin(list(targets))]
    assert len(with_target)
    assert (with_target["target"] == with_target["unit_code"].map(targets)).all()
    limits = with_target[with_target["n_points"] > 1]
    assert limits["assurance_icon"].isin(spc.ASSURANCE_ICONS).all()
    others = points[(points.measure != "median_wait") | (points.unit_type != "trust")]
    assert others["target"].isna().all() and others["assurance_icon"].isna().all()


def test_period_bounds():
    b = spc_build.period_bounds(date(2024, 7, 1), date(2025, 6, 30))
    assert (b["first_month"], b["last_month"]) == (date(2024, 7, 1), date(2025, 5, 1))
    assert (b["first_week"], b["last_week"]) == (date(2024, 7, 1), date(2025, 6, 23))  # 1 Jul 2024: a Monday
    b = spc_build.period_bounds(date(2024, 7, 2), date(2025, 7, 1))
    assert (b["first_month"], b["last_month"]) == (date(2024, 8, 1), date(2025, 6, 1))
    assert b["first_week"] == date(2024, 7, 8) and b["last_week"] == date(2025, 6, 23)
