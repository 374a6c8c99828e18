"""Service-hours response time: hand-checked cases, and the build's own SQL (the service
calendars it makes and the int_episode_service_times model) against an independent Python
reference that sums the overlap of [asked, stop] with each open interval."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pytest

from store import schedule
from warehouse import build, templates
from warehouse import service_time as st

UK = ZoneInfo("Europe/London")
H = 3600.0
SPAN = (date(2024, 1, 1), date(2026, 12, 31))

TRUSTS = {
    "ENG1": ("ENG", None),
    "ENG2": ("ENG", None),
    "WLS1": ("WLS", None),
    "SCT1": ("SCT", None),
    "NIR1": ("NIR", None),
    "ENG247": ("ENG", "24/7"),
    "NIRLONG": ("NIR", "Mon-Sat 07:00-20:00"),
    "ENGSAT": ("ENG", {"mon": "08:00-18:00", "sat": "09:30-12:15", "bh": "10:00-14:00"}),
}
# ENGSAT's hours as a trust's policy states them (text), for the build.
STAFFED_HOURS = {"ENG247": "24/7", "NIRLONG": "Mon-Sat 07:00-20:00",
                 "ENGSAT": "Mon 08:00-18:00; Sat 09:30-12:15; BH 10:00-14:00"}
NATIONS = {code: name for name, code in templates.NATION_CODES.items()}
MODEL = next(m for m in build.load_models() if m.name == "int_episode_service_times")


def keys(trusts) -> dict[str, str]:
    """trust_code -> calendar_key, for {trust_code: (nation, schedule or None)}."""
    return {trust: st.calendar_key(nation, hours) for trust, (nation, hours) in trusts.items()}


KEYS = keys(TRUSTS)


@pytest.fixture(scope="module")
def calendar() -> pd.DataFrame:
    return st.service_calendar(TRUSTS, *SPAN)


@pytest.fixture(scope="module")
def built():
    """A build connection with the service calendars the build makes (templates.
    make_service_calendars) for the trusts above, their staffed hours set by local policies,
    and posts spanning SPAN."""
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS raw")
    con.execute("CREATE TABLE raw.ref_trusts (ods_code VARCHAR, nation VARCHAR)")
    con.executemany("INSERT INTO raw.ref_trusts VALUES (?, ?)", [(t, NATIONS[n]) for t, (n, _) in TRUSTS.items()])
    con.execute("CREATE TABLE raw.trust_policies_current (trust_code VARCHAR, effective_from DATE,"
                " effective_to DATE, policy_version VARCHAR, staffed_hours VARCHAR, response_target_hours DOUBLE)")
    con.executemany("INSERT INTO raw.trust_policies_current VALUES (?, DATE '2000-01-01', NULL, '1', ?, NULL)",
                    list(STAFFED_HOURS.items()))
    con.execute("CREATE TABLE raw.raw_posts (created_at TIMESTAMPTZ)")
    con.executemany("INSERT INTO raw.raw_posts VALUES (?)",
                    [(datetime.combine(day, datetime.min.time(), timezone.utc),) for day in SPAN])
    con.execute("CREATE SCHEMA staging")
    con.execute("CREATE SCHEMA intermediate")
    templates.make_service_calendars(con)
    yield con
    con.close()


def model_seconds(con, episodes: list[tuple]) -> dict[int, float]:
    """Service seconds of (id, trust, asked, stopped) episodes as the build computes them
    (int_episode_service_times over int_episodes); an episode it leaves out is missing."""
    frame = pd.DataFrame([("x", str(i), trust, asked, stopped, stopped) for i, trust, asked, stopped in episodes],
                         columns=["platform", "post_id", "trust_code", "asked_at", "answered_at", "data_end_at"])
    con.register("episodes_frame", frame)
    con.execute("CREATE OR REPLACE TABLE intermediate.int_episodes AS SELECT * FROM episodes_frame")
    con.unregister("episodes_frame")
    rows = con.execute(f"SELECT post_id, service_duration_seconds FROM ({build.render(MODEL)})").fetchall()
    return {int(post_id): seconds for post_id, seconds in rows}


def reference_seconds(asked: datetime, answered: datetime, calendar: pd.DataFrame, key: str) -> float:
    """Reference: open seconds of one calendar overlapping [asked, answered] (aware datetimes)."""
    calendar = calendar[calendar["calendar_key"] == key]
    first, last = asked.astimezone(UK).date(), answered.astimezone(UK).date()
    days = calendar[(calendar["day"] >= first) & (calendar["day"] <= last)]
    assert len(days) == (last - first).days + 1, "the calendar covers these timestamps"
    total = 0.0
    for open_utc, close_utc in zip(days["open_utc"], days["close_utc"]):
        if pd.isna(open_utc):
            continue
        lo, hi = max(asked, open_utc.to_pydatetime()), min(answered, close_utc.to_pydatetime())
        total += max((hi - lo).total_seconds(), 0.0)
    return total


def uk(*args) -> datetime:
    return datetime(*args, tzinfo=UK)


@pytest.fixture
def both(calendar, built):
    def check(trust, asked, stopped) -> float:
        """Service seconds by the reference and by the build's SQL; they must agree."""
        py = reference_seconds(asked, stopped, calendar, KEYS[trust])
        assert model_seconds(built, [(1, trust, asked, stopped)])[1] == pytest.approx(py, abs=1e-6)
        return py

    return check


def test_friday_evening_to_monday_morning_is_one_hour(both):
    assert both("ENG1", uk(2025, 6, 6, 17, 30), uk(2025, 6, 9, 8, 30)) == 60 * 60


def test_asked_and_answered_outside_hours_same_night_is_zero(both):
    assert both("ENG1", uk(2025, 6, 10, 20, 0), uk(2025, 6, 11, 7, 45)) == 0
    assert both("ENG1", uk(2025, 6, 14, 10, 0), uk(2025, 6, 15, 16, 0)) == 0  # weekend


def test_within_one_open_day(both):
    assert both("ENG1", uk(2025, 6, 10, 9, 0), uk(2025, 6, 10, 9, 20)) == 20 * 60
    assert both("ENG1", uk(2025, 6, 10, 7, 0), uk(2025, 6, 10, 19, 0)) == 10 * H


def test_easter_england_and_scotland_differ(both):
    # Thu 17 Apr 2025 17:00 -> Tue 22 Apr 09:00. Good Friday is closed everywhere; Easter
    # Monday is a bank holiday in England, Wales and NI but not in Scotland.
    asked, answered = uk(2025, 4, 17, 17, 0), uk(2025, 4, 22, 9, 0)
    assert both("ENG1", asked, answered) == 2 * H
    assert both("WLS1", asked, answered) == 2 * H
    assert both("NIR1", asked, answered) == 2 * H
    assert both("SCT1", asked, answered) == 12 * H


def test_christmas_and_new_year(both):
    # 25 and 26 Dec 2025 closed in every nation.
    assert both("ENG1", uk(2025, 12, 24, 17, 0), uk(2025, 12, 29, 9, 0)) == 2 * H
    assert both("SCT1", uk(2025, 12, 24, 17, 0), uk(2025, 12, 29, 9, 0)) == 2 * H
    # 1 Jan closed everywhere; 2 Jan 2026 (Friday) is a bank holiday in Scotland only.
    asked, answered = uk(2025, 12, 31, 17, 0), uk(2026, 1, 5, 9, 0)
    assert both("ENG1", asked, answered) == 12 * H
    assert both("SCT1", asked, answered) == 2 * H


def test_st_andrews_and_st_patricks_days(both):
    # St Andrew's Day 30 Nov 2025 is a Sunday: substitute Monday 1 Dec, Scotland only.
    asked, answered = uk(2025, 11, 28, 17, 0), uk(2025, 12, 2, 9, 0)
    assert both("ENG1", asked, answered) == 12 * H
    assert both("SCT1", asked, answered) == 2 * H
    # St Patrick's Day Monday 17 Mar 2025, Northern Ireland only.
    asked, answered = uk(2025, 3, 14, 17, 0), uk(2025, 3, 18, 9, 0)
    assert both("ENG1", asked, answered) == 12 * H
    assert both("NIR1", asked, answered) == 2 * H


def test_clock_changes(calendar, both):
    eng = calendar[calendar["calendar_key"] == KEYS["ENG1"]].set_index("day")
    # 08:00 local is 08:00 UTC in GMT and 07:00 UTC in BST.
    assert eng.loc[date(2025, 3, 28), "open_utc"] == pd.Timestamp("2025-03-28 08:00Z")
    assert eng.loc[date(2025, 3, 31), "open_utc"] == pd.Timestamp("2025-03-31 07:00Z")
    assert eng.loc[date(2025, 10, 27), "open_utc"] == pd.Timestamp("2025-10-27 08:00Z")
    # Fri 17:00 GMT -> Mon 09:00 BST, and Fri 17:00 BST -> Mon 09:00 GMT: two open hours each.
    assert both("ENG1", uk(2025, 3, 28, 17, 0), uk(2025, 3, 31, 9, 0)) == 2 * H
    assert both("ENG1", uk(2025, 10, 24, 17, 0), uk(2025, 10, 27, 9, 0)) == 2 * H
    # A 24/7 service counts real elapsed time: the March Sunday has 23 hours, October's 25.
    assert both("ENG247", uk(2025, 3, 29, 12, 0), uk(2025, 3, 30, 12, 0)) == 23 * H
    assert both("ENG247", uk(2025, 10, 25, 12, 0), uk(2025, 10, 26, 12, 0)) == 25 * H


def test_always_open_service_is_open_on_bank_holidays(both):
    asked, answered = uk(2025, 12, 24, 12, 0), uk(2025, 12, 27, 12, 0)
    assert both("ENG247", asked, answered) == (answered - asked).total_seconds()


def test_override_schedules(both):
    # Mon-Sat 07:00-20:00: Sat 19:00 -> Mon 07:30 = 1 h Saturday + 30 min Monday.
    assert both("NIRLONG", uk(2025, 6, 7, 19, 0), uk(2025, 6, 9, 7, 30)) == 1.5 * H
    # The default would have counted only Monday 08:00-07:30 -> nothing.
    assert both("NIR1", uk(2025, 6, 7, 19, 0), uk(2025, 6, 9, 7, 30)) == 0
    # Mon and Sat only, open 10:00-14:00 on bank holidays: Sat 12:00 -> Easter Mon 2025 11:00.
    assert both("ENGSAT", uk(2025, 4, 19, 12, 0), uk(2025, 4, 21, 11, 0)) == 0.25 * H + 1 * H


def test_calendars_are_shared():
    many = {f"T{i:03d}": ("ENG", None) for i in range(300)} | {"S1": ("SCT", None)}
    cal = st.service_calendar(many, date(2025, 1, 1), date(2025, 12, 31))
    assert cal["calendar_key"].nunique() == 2
    assert len(cal) == 2 * 365
    assert len(set(keys(many).values())) == 2
    assert KEYS["ENG1"] == KEYS["ENG2"] != KEYS["WLS1"]
    eng = cal[cal["calendar_key"] == st.calendar_key("ENG")]
    # 2025 in England: 261 weekdays, 8 bank holidays on weekdays, 10 h each.
    last = eng.iloc[-1]
    year_total = last["service_seconds_before"] + (last["close_utc"] - last["open_utc"]).total_seconds()
    assert year_total == (261 - 8) * 10 * H
    assert eng["service_seconds_before"].is_monotonic_increasing
    assert eng.loc[eng["day"] == date(2025, 12, 25), "open_utc"].isna().all()
    assert eng.loc[eng["day"] == date(2025, 12, 25), "holiday"].iloc[0] == "Christmas Day"


def test_schedule_parsing():
    assert schedule.parse_schedule(None) == schedule.DEFAULT_SCHEDULE
    assert schedule.parse_schedule("Mon-Fri 08:00-18:00") == schedule.DEFAULT_SCHEDULE
    assert schedule.parse_schedule({d: "08:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")}) \
        == schedule.DEFAULT_SCHEDULE
    assert schedule.parse_schedule("24/7") == schedule.ALWAYS_OPEN
    assert st.service_day_seconds(None) == 36_000
    assert st.service_day_seconds("24/7") == 86_400
    for bad in ("Mon-Fri 18:00-08:00", "Mon 08:00-25:00", "every day"):
        with pytest.raises(ValueError):
            schedule.parse_schedule(bad)
    with pytest.raises(ValueError):
        st.calendar_key("XX")


def test_the_build_equals_the_reference_on_random_pairs(calendar, built):
    rng = random.Random(20250630)
    lo = datetime(2024, 1, 1, tzinfo=timezone.utc)
    span = (datetime(2026, 12, 30, tzinfo=timezone.utc) - lo).total_seconds()
    rows = []
    for i in range(600):
        trust = rng.choice(sorted(TRUSTS))
        asked = lo + timedelta(seconds=rng.uniform(0, span))
        # Mostly short waits, some long ones spanning weekends, holidays and clock changes.
        wait = rng.choice([rng.uniform(0, 4 * H), rng.uniform(0, 5 * 86400), rng.uniform(0, 60 * 86400)])
        stopped = min(asked + timedelta(seconds=wait), datetime(2026, 12, 31, 23, tzinfo=timezone.utc))
        rows.append((i, trust, asked, stopped))
    rows.append((600, "UNKNOWN", uk(2025, 6, 6, 17, 30).astimezone(timezone.utc),
                 uk(2025, 6, 9, 8, 30).astimezone(timezone.utc)))  # no calendar: the default
    got = model_seconds(built, rows)
    for i, trust, asked, stopped in rows:
        expected = reference_seconds(asked, stopped, calendar, KEYS.get(trust, st.calendar_key("ENG")))
        assert got[i] == pytest.approx(expected, abs=1e-3), (trust, asked, stopped)
    assert got[600] == 3600
    # Times beyond the calendar (the build covers every post's day) give no number, not a wrong one.
    late = datetime(2027, 6, 1, 10, tzinfo=timezone.utc)
    assert model_seconds(built, [(1, "ENG1", late, late + timedelta(days=1))]) == {}
