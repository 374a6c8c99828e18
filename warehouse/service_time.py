"""Response time in service hours: only the time a trust's service was staffed counts.

Why: a question asked at 17:30 on a Friday and answered at 08:30 on Monday waited 63 hours,
but the service was open for only one of them. Comparing trusts on wall-clock time would
penalise services that keep office hours (DESIGN.md "Episode and response time").

Model:
* Each trust has a weekly schedule, at most one staffed interval per weekday in UK local time,
  plus the hours it keeps on bank holidays (closed unless stated). The default is Mon–Fri
  08:00–18:00 Europe/London. A trust may override it, e.g. "24/7" (open on bank holidays
  too) or "Mon-Sat 07:00-20:00". Intervals lie within one local day (close <= 24:00). An
  overnight shift must be split over two days.
* A trust is closed on the bank holidays of its nation: ENG, WLS, SCT, NIR, from the
  ``holidays`` package, ``holidays.country_holidays("GB", subdiv=...)``. Scotland has 2 January
  and St Andrew's Day but no Easter Monday; Northern Ireland has St Patrick's Day and the
  Boyne.
* Trusts that share a nation and a schedule share one *calendar*, so 300 trusts on the default
  make four calendars. ``service_calendar`` returns one row per (calendar_key, UK day): the open
  and close instants in UTC (NULL when closed), converted with zoneinfo so that BST/GMT days
  of 23 and 25 hours are right, and ``service_seconds_before``, the open seconds from ``start``
  up to that day's 00:00.

Then service_at(t) = service_seconds_before(UK day of t) + clamp(t − open_utc, 0,
close_utc − open_utc), and service_response_seconds = service_at(stop) − service_at(asked).
The stop is the answer time, or the data's end time for censored episodes. The build does this
in DuckDB: ``warehouse.templates.make_service_calendars`` makes the calendars and the
``SERVICE_AT_MACRO_SQL`` macro, and the model ``int_episode_service_times`` reads them
(tests/test_service_time.py checks it against an independent Python reference). The calendar
covers every post's day; a time outside it gives no row.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from statistics import median
from typing import Mapping
from zoneinfo import ZoneInfo

import holidays
import pandas as pd

from store.schedule import parse_schedule

UK_TZ = ZoneInfo("Europe/London")
NATIONS = ("ENG", "WLS", "SCT", "NIR")


def calendar_key(nation: str, schedule=None) -> str:
    """Readable key shared by every trust with this nation and schedule.

    Example: "ENG|0800-1800,0800-1800,0800-1800,0800-1800,0800-1800,-,-" (a trust open on
    bank holidays gets ";bh 1000-1400" appended).
    """
    if nation not in NATIONS:
        raise ValueError(f"nation must be one of {NATIONS}, not {nation!r}")
    days = parse_schedule(schedule)
    fmt = lambda m: f"{m // 60:02d}{m % 60:02d}"  # noqa: E731
    text = ["-" if d is None else f"{fmt(d[0])}-{fmt(d[1])}" for d in days]
    return nation + "|" + ",".join(text[:7]) + ("" if days[7] is None else ";bh " + text[7])


def service_day_seconds(schedule=None) -> int:
    """Length of a typical open day (median over open weekdays): 36,000 s for the default.

    Used as the threshold for "answered within 1 service day".
    """
    days = [d[1] - d[0] for d in parse_schedule(schedule)[:7] if d is not None]
    return int(median(days) * 60) if days else 0


def _local_instant(day: date, minute: int) -> datetime:
    """UTC instant of a local wall-clock minute (1440 = next day's midnight) on ``day``."""
    if minute == 1440:
        day, minute = day + timedelta(days=1), 0
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=UK_TZ)
    return local.astimezone(timezone.utc)


def service_calendar(trust_schedules: Mapping[str, tuple], start: date, end: date) -> pd.DataFrame:
    """One row per (calendar_key, UK day) from ``start`` to ``end`` inclusive.

    Columns: calendar_key, day (date), open_utc, close_utc (UTC timestamps, NaT when closed),
    service_seconds_before (int: open seconds from ``start`` to the day's 00:00), holiday
    (bank holiday name or None). ``trust_schedules`` maps any key (a trust) -> (nation,
    schedule); a calendar's key is :func:`calendar_key` of its nation and schedule.
    """
    if end < start:
        raise ValueError("end before start")
    wanted = {calendar_key(n, s): (n, parse_schedule(s)) for n, s in trust_schedules.values()}
    years = range(start.year, end.year + 1)
    bank = {n: holidays.country_holidays("GB", subdiv=n, years=years)
            for n in {n for n, _ in wanted.values()}}
    rows = []
    for key in sorted(wanted):
        nation, days = wanted[key]
        before, day = 0, start
        while day <= end:
            name = bank[nation].get(day)
            hours = days[7] if name else days[day.weekday()]
            open_utc = close_utc = None
            if hours is not None:
                open_utc, close_utc = _local_instant(day, hours[0]), _local_instant(day, hours[1])
            rows.append((key, day, open_utc, close_utc, before, name))
            if hours is not None:
                before += int((close_utc - open_utc).total_seconds())
            day += timedelta(days=1)
    out = pd.DataFrame(rows, columns=["calendar_key", "day", "open_utc", "close_utc",
                                      "service_seconds_before", "holiday"])
    for col in ("open_utc", "close_utc"):
        out[col] = pd.to_datetime(out[col], utc=True).astype("datetime64[us, UTC]")
    out["service_seconds_before"] = out["service_seconds_before"].astype("int64")
    return out


# service_at(t) for one calendar row: before + clamp(t - open, 0, close - open), 0 when closed.
SERVICE_AT_MACRO_SQL = """
CREATE OR REPLACE TEMP MACRO service_at(seconds_before, open_utc, close_utc, t) AS
    seconds_before + coalesce(
        least(greatest((epoch_us(t) - epoch_us(open_utc)) / 1e6, 0),
              (epoch_us(close_utc) - epoch_us(open_utc)) / 1e6),
        0)
"""
