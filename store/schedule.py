"""A trust's weekly staffed hours: the one parser, shared by the policy register (ingest
checks staffed hours when a policy is loaded) and the build's service calendars
(:mod:`warehouse.service_time`, which explains the model).

A schedule is an 8-tuple, Monday to Sunday then bank holidays, of (open_minute,
close_minute) in UK local time, or None for closed. Intervals lie within one local day.
"""
from __future__ import annotations

import re
from typing import Mapping

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "bh")  # bh: bank holidays

# 8 entries, Mon..Sun then bank holidays: (open_minute, close_minute) local time, or None.
Schedule = tuple
DEFAULT_SCHEDULE: Schedule = ((480, 1080),) * 5 + (None, None, None)
ALWAYS_OPEN: Schedule = ((0, 1440),) * 8


def _minutes(text: str) -> int:
    h, m = text.strip().split(":")
    value = int(h) * 60 + int(m)
    if not 0 <= value <= 1440:
        raise ValueError(f"time out of range: {text!r}")
    return value


def _day_index(name: str) -> int:
    name = name.strip().lower()
    if name in {"bh", "bank_holiday", "bank_holidays", "bank holiday", "bank holidays"}:
        return 7
    return _DAYS.index(name[:3])


def parse_schedule(spec) -> Schedule:
    """Normalise a weekly schedule to an 8-tuple (Mon..Sun, bank holidays) of
    (open_minute, close_minute) or None (closed).

    Accepts None (the default Mon–Fri 08:00–18:00), "24/7" (every day, bank holidays too),
    a string such as "Mon-Fri 08:00-18:00; Sat 09:00-12:00; BH 10:00-14:00", a mapping
    {"mon": "08:00-18:00" or None, ..., "bh": ...} (days missing from it are closed), or a
    7- or 8-sequence in normal form (7 means closed on bank holidays).
    """
    if spec is None:
        return DEFAULT_SCHEDULE
    if isinstance(spec, str):
        if spec.strip().lower() in {"24/7", "24x7"}:
            return ALWAYS_OPEN
        days: list = [None] * 8
        for part in filter(None, (p.strip() for p in spec.split(";"))):
            m = re.fullmatch(r"(\w{2,3})(?:\s*-\s*(\w{3}))?\s+(\d\d?:\d\d)\s*-\s*(\d\d?:\d\d)", part)
            if not m:
                raise ValueError(f"cannot read schedule part {part!r}")
            first, last = _day_index(m[1]), _day_index(m[2] or m[1])
            for d in range(first, last + 1):
                days[d] = (_minutes(m[3]), _minutes(m[4]))
        return _check(tuple(days))
    if isinstance(spec, Mapping):
        days = [None] * 8
        for name, hours in spec.items():
            if hours:
                days[_day_index(name)] = tuple(_minutes(x) for x in hours.split("-"))
        return _check(tuple(days))
    days = tuple(None if d is None else (int(d[0]), int(d[1])) for d in spec)
    return _check(days + (None,) if len(days) == 7 else days)


def _check(days: tuple) -> Schedule:
    if len(days) != 8:
        raise ValueError("a schedule has 7 days, Monday first, then bank holidays")
    for d in days:
        if d is not None and not 0 <= d[0] < d[1] <= 1440:
            raise ValueError(f"bad interval {d}: need 00:00 <= open < close <= 24:00")
    return days
