"""Service-hours response time: hand-checked cases, and the DuckDB SQL against the reference."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pytest

from store import schedule
from warehouse import service_time as st

UK = ZoneInfo("Europe/London")
H = 3600.0

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


@pytest.fixture(scope="module")
def calendar() -> pd.DataFrame:
    return st.service_calendar(TRUSTS, date(2024, 1, 1), date(2026, 12, 31))


KEYS = st.trust_calendar_keys(TRUSTS)


def uk(*args) -> datetime:
    return datetime(*args, tzinfo=UK)


def sql_seconds(calendar, trust, asked, stopped) -> float:
    con = duckdb.connect()
    st.register_calendar(con, calendar, KEYS)
    con.execute("CREATE TABLE ep(episode_id INT, trust_code VARCHAR, asked_at TIMESTAMPTZ, "
                "stopped_at TIMESTAMPTZ)")
    con.execute("INSERT INTO ep VALUES (1, ?, ?, ?)", [trust, asked, stopped])
    rows = con.execute(st.service_response_sql("ep")).fetchall()
    con.close()
    return rows[0][1]


def both(calendar, trust, asked, stopped) -> float:
    """Service seconds by the reference and by the SQL; they must agree."""
    py = st.service_seconds_py(asked, stopped, calendar, KEYS[trust])
    assert sql_seconds(calendar, trust, asked, stopped) == pytest.approx(py, abs=1e-6)
    return py


def test_friday_evening_to_monday_morning_is_one_hour(calendar):
    assert both(calendar, "ENG1", uk(2025, 6, 6, 17, 30), uk(2025, 6, 9, 8, 30)) == 60 * 60


def test_asked_and_answered_outside_hours_same_night_is_zero(calendar):
    assert both(calendar, "ENG1", uk(2025, 6, 10, 20, 0), uk(2025, 6, 11, 7, 45)) == 0
    assert both(calendar, "ENG1", uk(2025, 6, 14, 10, 0), uk(2025, 6, 15, 16, 0)) == 0  # weekend


def test_within_one_open_day(calendar):
    assert both(calendar, "ENG1", uk(2025, 6, 10, 9, 0), uk(2025, 6, 10, 9, 20)) == 20 * 60
    assert both(calendar, "ENG1", uk(2025, 6, 10, 7, 0), uk(2025, 6, 10, 19, 0)) == 10 * H


def test_easter_england_and_scotland_differ(calendar):
    # Thu 17 Apr 2025 17:00 -> Tue 22 Apr 09:00. Good Friday is closed everywhere; Easter
    # Monday is a bank holiday in England, Wales and NI but not in Scotland.
    asked, answered = uk(2025, 4, 17, 17, 0), uk(2025, 4, 22, 9, 0)
    assert both(calendar, "ENG1", asked, answered) == 2 * H
    assert both(calendar, "WLS1", asked, answered) == 2 * H
    assert both(calendar, "NIR1", asked, answered) == 2 * H
    assert both(calendar, "SCT1", asked, answered) == 12 * H


def test_christmas_and_new_year(calendar):
    # 25 and 26 Dec 2025 closed in every nation.
    assert both(calendar, "ENG1", uk(2025, 12, 24, 17, 0), uk(2025, 12, 29, 9, 0)) == 2 * H
    assert both(calendar, "SCT1", uk(2025, 12, 24, 17, 0), uk(2025, 12, 29, 9, 0)) == 2 * H
    # 1 Jan closed everywhere; 2 Jan 2026 (Friday) is a bank holiday in Scotland only.
    asked, answered = uk(2025, 12, 31, 17, 0), uk(2026, 1, 5, 9, 0)
    assert both(calendar, "ENG1", asked, answered) == 12 * H
    assert both(calendar, "SCT1", asked, answered) == 2 * H


def test_st_andrews_and_st_patricks_days(calendar):
    # St Andrew's Day 30 Nov 2025 is a Sunday: substitute Monday 1 Dec, Scotland only.
    asked, answered = uk(2025, 11, 28, 17, 0), uk(2025, 12, 2, 9, 0)
    assert both(calendar, "ENG1", asked, answered) == 12 * H
    assert both(calendar, "SCT1", asked, answered) == 2 * H
    # St Patrick's Day Monday 17 Mar 2025, Northern Ireland only.
    asked, answered = uk(2025, 3, 14, 17, 0), uk(2025, 3, 18, 9, 0)
    assert both(calendar, "ENG1", asked, answered) == 12 * H
    assert both(calendar, "NIR1", asked, answered) == 2 * H


def test_clock_changes(calendar):
    eng = calendar[calendar["calendar_key"] == KEYS["ENG1"]].set_index("day")
    # 08:00 local is 08:00 UTC in GMT and 07:00 UTC in BST.
    assert eng.loc[date(2025, 3, 28), "open_utc"] == pd.Timestamp("2025-03-28 08:00Z")
    assert eng.loc[date(2025, 3, 31), "open_utc"] == pd.Timestamp("2025-03-31 07:00Z")
    assert eng.loc[date(2025, 10, 27), "open_utc"] == pd.Timestamp("2025-10-27 08:00Z")
    # Fri 17:00 GMT -> Mon 09:00 BST, and Fri 17:00 BST -> Mon 09:00 GMT: two open hours each.
    assert both(calendar, "ENG1", uk(2025, 3, 28, 17, 0), uk(2025, 3, 31, 9, 0)) == 2 * H
    assert both(calendar, "ENG1", uk(2025, 10, 24, 17, 0), uk(2025, 10, 27, 9, 0)) == 2 * H
    # A 24/7 service counts real elapsed time: the March Sunday has 23 hours, October's 25.
    assert both(calendar, "ENG247", uk(2025, 3, 29, 12, 0), uk(2025, 3, 30, 12, 0)) == 23 * H
    assert both(calendar, "ENG247", uk(2025, 10, 25, 12, 0), uk(2025, 10, 26, 12, 0)) == 25 * H


def test_always_open_service_is_open_on_bank_holidays(calendar):
    asked, answered = uk(2025, 12, 24, 12, 0), uk(2025, 12, 27, 12, 0)
    assert both(calendar, "ENG247", asked, answered) == (answered - asked).total_seconds()


def test_override_schedules(calendar):
    # Mon-Sat 07:00-20:00: Sat 19:00 -> Mon 07:30 = 1 h Saturday + 30 min Monday.
    assert both(calendar, "NIRLONG", uk(2025, 6, 7, 19, 0), uk(2025, 6, 9, 7, 30)) == 1.5 * H
    # The default would have counted only Monday 08:00-07:30 -> nothing.
    assert both(calendar, "NIR1", uk(2025, 6, 7, 19, 0), uk(2025, 6, 9, 7, 30)) == 0
    # Mon and Sat only, open 10:00-14:00 on bank holidays: Sat 12:00 -> Easter Mon 2025 11:00.
    assert both(calendar, "ENGSAT", uk(2025, 4, 19, 12, 0), uk(2025, 4, 21, 11, 0)) == 0.25 * H + 1 * H


def test_calendars_are_shared(calendar):
    many = {f"T{i:03d}": ("ENG", None) for i in range(300)} | {"S1": ("SCT", None)}
    cal = st.service_calendar(many, date(2025, 1, 1), date(2025, 12, 31))
    assert cal["calendar_key"].nunique() == 2
    assert len(cal) == 2 * 365
    assert len(set(st.trust_calendar_keys(many).values())) == 2
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


def test_sql_equals_reference_on_random_pairs(calendar):
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
    con = duckdb.connect()
    st.register_calendar(con, calendar, KEYS)
    frame = pd.DataFrame(rows, columns=["episode_id", "trust_code", "asked_at", "stopped_at"])
    con.register("ep", frame)
    got = dict(con.execute(st.service_response_sql("ep")).fetchall())
    for i, trust, asked, stopped in rows:
        key = KEYS.get(trust, st.calendar_key("ENG"))
        expected = st.service_seconds_py(asked, stopped, calendar, key)
        assert got[i] == pytest.approx(expected, abs=1e-3), (trust, asked, stopped)
    assert got[600] == 3600
    # Timestamps outside the calendar give NULL, not a wrong number.
    con.execute("CREATE TABLE late AS SELECT 1 AS episode_id, 'ENG1' AS trust_code, "
                "TIMESTAMPTZ '2027-06-01 10:00:00+00' AS asked_at, "
                "TIMESTAMPTZ '2027-06-02 10:00:00+00' AS stopped_at")
    assert con.execute(st.service_response_sql("late")).fetchall() == [(1, None)]
