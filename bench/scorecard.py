"""The Overview scorecard's cost (issue #14): its two queries as bare SQL on a fresh cursor of
the published warehouse, and the text step (ui.scorecard.table, every value through the display
boundary), for England, one region and one trust; the median of ``--repeat`` runs after a
warm-up. The dashboard caches both queries per build, so this is the cost of a first view.

    python bench/scorecard.py --data PATH [--repeat 20]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # ``python bench/scorecard.py``: the packages are beside bench/

from store import config, reader  # noqa: E402
from ui import scorecard  # noqa: E402
from warehouse import spc_queries  # noqa: E402


def median_ms(function, repeat: int) -> float:
    function()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a data folder with a published warehouse")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    os.environ[config.DATA_ENV] = str(Path(args.data).resolve())
    con = reader.connect_published()
    try:
        def cursor():
            return reader.reader_cursor(con)

        units = spc_queries.spc_units(cursor())
        posts, points = con.execute("SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM spc_points)").fetchone()
        print(f"{posts:,} posts, {points:,} spc_points rows, {len(units)} units; median of {args.repeat} runs")
        print(f"spc_units query: {median_ms(lambda: spc_queries.spc_units(cursor()), args.repeat):.1f} ms")
        for kind in ("nation", "region", "trust"):
            code = units.loc[units.unit_type == kind, "unit_code"].iloc[0]
            card = spc_queries.scorecard(cursor(), None, unit_type=kind, unit_code=code)
            query = median_ms(lambda: spc_queries.scorecard(cursor(), None, unit_type=kind, unit_code=code), args.repeat)
            text = median_ms(lambda: scorecard.table(card, kind), args.repeat)
            print(f"scorecard of {kind} {code}: query {query:.1f} ms, text cells {text:.1f} ms ({len(card)} measures)")
    finally:
        con.close()


if __name__ == "__main__":
    main()
