"""The "what a user would write instead" baseline (issue #6): three representative page
queries written the obvious pandas way — load the rows into memory once, then filter and group
per filter change — timed side by side with RadSoMe's queries on the same filters.

    python bench/pandas_baseline.py --data PATH [--repeat 7]

The three: posts per week by platform (Overview), questions answered per trust (Response
times' funnel), flags per 1,000 staff posts by rule family (Guideline flags). Each pandas
version computes the same numbers as the SQL (checked on every run, so the comparison is
like for like). Loading the rows is timed apart: a notebook pays it once, a dashboard process
per snapshot.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # ``python bench/pandas_baseline.py``: the packages are beside bench/

from bench import scenarios  # noqa: E402
from store import reader  # noqa: E402
from warehouse import flag_queries, queries, question_queries  # noqa: E402
from warehouse.measures import UNATTRIBUTED  # noqa: E402


def load(con) -> dict[str, pd.DataFrame]:
    """The rows a pandas user would pull: posts, patient questions, flags (only the columns
    the three computations need)."""
    return {
        "posts": con.execute("SELECT created_at, platform, region_code, trust_code, author_role FROM posts").df(),
        "questions": con.execute("SELECT asked_at, platform, region_code, trust_code, is_answered"
                                 " FROM patient_questions").df(),
        "flags": con.execute("SELECT created_at, platform, region_code, trust_code, family, author_role"
                             " FROM flags").df(),
    }


def _uk_day(series: pd.Series) -> pd.Series:
    return series.dt.tz_convert("Europe/London").dt.date


def _chosen(frame: pd.DataFrame, time_column: str, filters) -> pd.DataFrame:
    days = _uk_day(frame[time_column])
    keep = (days >= filters.start) & (days <= filters.end)
    if filters.regions:
        keep &= frame["region_code"].fillna(UNATTRIBUTED).isin(filters.regions)
    if filters.trusts:
        keep &= frame["trust_code"].isin(filters.trusts)
    if filters.platforms:
        keep &= frame["platform"].isin(filters.platforms)
    return frame[keep]


def posts_per_week(data, filters) -> pd.DataFrame:
    chosen = _chosen(data["posts"], "created_at", filters)
    local = chosen["created_at"].dt.tz_convert("Europe/London").dt.tz_localize(None)
    week = local.dt.normalize() - pd.to_timedelta(local.dt.day_of_week, unit="D")
    return (chosen.assign(period=week.dt.date).groupby(["period", "platform"]).size()
            .rename("n_posts").reset_index())


def answered_by_trust(data, filters) -> pd.DataFrame:
    chosen = _chosen(data["questions"], "asked_at", filters)
    grouped = chosen.assign(trust=chosen["trust_code"].fillna(UNATTRIBUTED)).groupby("trust")
    return pd.DataFrame({"n_questions": grouped.size(), "n_answered": grouped["is_answered"].sum()}).reset_index()


def flags_by_family(data, filters) -> pd.DataFrame:
    staff = ["professional", "organisation"]
    posts = _chosen(data["posts"], "created_at", filters)
    flags = _chosen(data["flags"], "created_at", filters)
    n_posts = int(posts["author_role"].isin(staff).sum())
    counts = flags[flags["author_role"].isin(staff)].groupby("family").size().rename("n_flags").reset_index()
    return counts.assign(rate=1000 * counts["n_flags"] / n_posts if n_posts else float("nan"))


PAIRS = [  # (pandas function, the query it stands for, its options)
    (posts_per_week, queries.posts_over_time, {"grain": "week", "by": "platform"}),
    (answered_by_trust, question_queries.question_units, {"by": "trust"}),
    (flags_by_family, flag_queries.flag_rates, {"by": "family"}),
]


def _same(query, mine: pd.DataFrame, sql: pd.DataFrame) -> None:
    """The pandas answer equals the SQL's (so the timing compares like with like)."""
    if query is queries.posts_over_time:
        a = mine.groupby("platform")["n_posts"].sum().sort_index()
        b = sql.groupby("series")["n_posts"].sum()
        b = b[b > 0].sort_index()
        assert a.to_dict() == b.astype(int).to_dict(), (a, b)
    elif query is question_queries.question_units:
        assert int(mine["n_questions"].sum()) == int(sql["n_questions"].sum())
        assert int(mine["n_answered"].sum()) == int(sql["n_answered"].sum())
    else:
        assert sorted(zip(mine["family"], mine["n_flags"])) == sorted(zip(sql["group_code"], sql["n_flags"].astype(int)))
        rates = dict(zip(sql["group_code"], sql["rate"]))
        for family, rate in zip(mine["family"], mine["rate"]):
            assert abs(rate - rates[family]) < 1e-9 * max(1.0, rate), (family, rate, rates[family])


def compare(repeat: int = 7) -> dict:
    """Per pair: pandas p50 seconds per filter change, SQL p50, their ratio; and load seconds."""
    con = reader.connect_published()
    try:
        started = time.perf_counter()
        data = load(reader.reader_cursor(con))
        load_s = time.perf_counter() - started
        out = {"load_s": load_s, "rows": {k: len(v) for k, v in data.items()}, "pairs": {}}
        for function, query, options in PAIRS:
            mine, sql = [], []
            for i in range(repeat):
                filters = scenarios.scenario(i)
                filters = queries.Filters(filters.start, filters.end, filters.regions, filters.trusts,
                                          filters.platforms)  # the pre-aggregates have no text filter
                t = time.perf_counter()
                answer = function(data, filters)
                mine.append(time.perf_counter() - t)
                cursor = reader.reader_cursor(con)
                t = time.perf_counter()
                expected = query(cursor, filters, **options)
                sql.append(time.perf_counter() - t)
                cursor.close()
                _same(query, answer, expected)
            out["pairs"][query.__name__] = {"pandas_p50_s": statistics.median(mine), "sql_p50_s": statistics.median(sql),
                                  "ratio_pandas_to_sql": statistics.median(mine) / max(statistics.median(sql), 1e-9)}
        return out
    finally:
        con.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="data folder with a published warehouse")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    os.environ["RADSOME_DATA"] = str(args.data)
    print_report(compare(args.repeat))
    return 0


def print_report(result: dict) -> None:
    """The figures of :func:`compare` as a Markdown table (also used by bench/run.py)."""
    rows = ", ".join(f"{k} {v:,}" for k, v in result["rows"].items())
    print(f"pandas load: {result['load_s']:.2f} s ({rows})")
    print("| query | pandas p50 ms | RadSoMe SQL p50 ms | pandas / RadSoMe |")
    print("|---|---:|---:|---:|")
    for name, figures in result["pairs"].items():
        print(f"| {name} | {figures['pandas_p50_s'] * 1000:.1f} | {figures['sql_p50_s'] * 1000:.1f} |"
              f" {figures['ratio_pandas_to_sql']:.1f} |")


if __name__ == "__main__":
    sys.exit(main())
