"""The queries against a small warehouse whose numbers are counted by hand below."""
from __future__ import annotations

import inspect
import json
from datetime import date

import pandas as pd
import pytest

from ingest import jobs
from store import reader
from warehouse import queries
from warehouse.queries import Filters

# 13 posts: 3 trusts in 2 regions (R1H and RAL in London Y56; RR8 in North East and
# Yorkshire Y63), 2 platforms, and one unattributed post. staff-1 and org-1 are in the account
# registry (their trust comes from it). An author is an account on one platform: pat-a posts on
# X and on Facebook, so counts as two distinct authors. Post 12 is 23:30 UTC on 30 June = 00:30 BST on 1 July.
POSTS = [
    # id, platform, trust, author, created_at (UTC), text
    ("1", "x", "R1H", "pat-a", "2025-03-01T09:00:00Z", "Will the mammogram hurt?"),
    ("2", "x", "R1H", "pat-b", "2025-03-01T12:00:00Z", "Can I wear deodorant?"),
    ("3", "facebook", "R1H", "pat-a", "2025-03-02T10:00:00Z", "100% worried about results"),
    ("4", "facebook", None, "staff-1", "2025-03-02T11:00:00Z", "It is quick, and we will look after you"),
    ("5", "x", "RAL", "pat-c", "2025-03-03T10:00:00Z", "testing under_score text"),
    ("6", "x", "RAL", "pat-d", "2025-03-04T10:00:00Z", "It's my first scan"),
    ("7", "facebook", "RAL", "pat-e", "2025-03-05T10:00:00Z", "'; DROP TABLE posts; --"),
    ("8", "x", "RR8", "pat-f", "2025-03-06T10:00:00Z", "Results took 3 weeks"),
    ("9", "x", "RR8", "pat-g", "2025-03-10T10:00:00Z", "Is the MRI LOUD?"),
    ("10", "facebook", None, "org-1", "2025-03-10T11:00:00Z", "Our breast screening unit is open"),
    ("11", "facebook", "RR8", "pat-a", "2025-03-11T10:00:00Z", "Thank you, 50% faster than expected"),
    ("12", "x", "RR8", "pat-h", "2025-06-30T23:30:00Z", "Late night question about recall"),
    ("13", "x", None, "pat-i", "2025-03-03T15:00:00Z", "Where is the clinic? loud car park"),
]
REGISTRY = (
    "platform,author_id,role,trust_code,title\n"
    "facebook,staff-1,professional,R1H,\"Jo, Radiographer\"\n"
    "facebook,org-1,organisation,RR8,Leeds Breast Screening\n"
)
ALL = Filters(date(2025, 3, 1), date(2025, 7, 1))


@pytest.fixture(scope="module")
def known(make_warehouse, tmp_path_factory):
    """An open cursor factory on the known warehouse."""
    def load():
        folder = tmp_path_factory.mktemp("known-input")
        path = folder / "posts.jsonl"
        path.write_text("".join(
            json.dumps({"platform": p, "post_id": i, "author_id": a, "created_at": t, "text": x,
                        **({"trust_code": tr} if tr else {})}) + "\n"
            for i, p, tr, a, t, x in POSTS))
        (folder / "accounts.csv").write_text(REGISTRY)
        jobs.import_file(path)
        jobs.load_accounts(folder / "accounts.csv")

    folder = make_warehouse("known", load)
    con = reader.connect_published(folder / "warehouse.duckdb")
    yield con
    con.close()


def run(con, function, filters=ALL, **options) -> pd.DataFrame:
    return function(reader.reader_cursor(con), filters, **options)


def ids(frame: pd.DataFrame) -> list[str]:
    return frame["post_id"].tolist()


def test_filters_are_normalised_and_checked():
    f = Filters(date(2025, 3, 2), date(2025, 3, 3), regions=["Y63", "Y56", "Y56"], text="  a ")
    assert f.regions == ("Y56", "Y63") and f.text == "a" and f.days == 2
    assert f.previous == Filters(date(2025, 2, 28), date(2025, 3, 1), ("Y56", "Y63"), text="a")
    assert hash(f) == hash(Filters(date(2025, 3, 2), date(2025, 3, 3), ("Y63", "Y56"), text="a"))
    with pytest.raises(ValueError):
        Filters(date(2025, 3, 2), date(2025, 3, 1))
    params = f.params()
    assert params["start_ts"].isoformat() == "2025-03-02T00:00:00+00:00"
    assert Filters(date(2025, 7, 1), date(2025, 7, 1)).params()["start_ts"].utcoffset().seconds == 3600


def test_filter_options(known):
    bounds = run(known, queries.date_bounds).iloc[0]
    assert (bounds["first_day"].date(), bounds["last_day"].date(), bounds["n_posts"]) == (
        date(2025, 3, 1), date(2025, 7, 1), 13)
    regions = run(known, queries.region_options)
    assert regions.values.tolist() == [
        ["Y56", "London", 7], ["Y63", "North East and Yorkshire", 5],
        ["unattributed", "Unattributed", 1]]
    trusts = run(known, queries.trust_options)
    assert trusts[["trust_code", "region_code", "n_posts"]].values.tolist() == [
        ["R1H", "Y56", 4], ["RR8", "Y63", 5], ["RAL", "Y56", 3]]  # by name: Barts, Leeds, Royal Free
    assert run(known, queries.platform_options).values.tolist() == [["x", 8], ["facebook", 5]]


def test_headline_counts_posts_authors_platforms_and_last_time(known):
    head = run(known, queries.headline).iloc[0]
    assert (head["n_posts"], head["n_authors"], head["n_platforms"]) == (13, 12, 2)
    assert head["last_post_at"] == pd.Timestamp("2025-06-30T23:30:00Z")
    assert not head["has_previous"]  # the data does not reach back before 1 March


def test_headline_compares_with_the_previous_equal_period(known):
    head = run(known, queries.headline, Filters(date(2025, 3, 8), date(2025, 3, 14))).iloc[0]
    assert head["has_previous"]
    assert (head["n_posts"], head["n_posts_prev"]) == (3, 9)  # posts 9-11; 1-8 and 13
    assert head["n_authors"] == 3


@pytest.mark.parametrize("filters, posts, authors", [
    (Filters(date(2025, 3, 1), date(2025, 3, 2)), 4, 4),
    (Filters(ALL.start, ALL.end, regions=("Y56",)), 7, 7),
    (Filters(ALL.start, ALL.end, regions=("unattributed",)), 1, 1),
    (Filters(ALL.start, ALL.end, regions=("Y56", "unattributed")), 8, 8),
    (Filters(ALL.start, ALL.end, regions=("Y56",), trusts=("RAL",)), 3, 3),
    (Filters(ALL.start, ALL.end, trusts=("RR8",), platforms=("facebook",)), 2, 2),
    (Filters(ALL.start, ALL.end, platforms=("facebook",)), 5, 4),  # pat-a twice
    (Filters(ALL.start, date(2025, 6, 30)), 12, 11),  # post 12 is on UK day 1 July
    (Filters(date(2025, 7, 1), date(2025, 7, 1)), 1, 1),
    (Filters(ALL.start, ALL.end, regions=("Y56'; DROP TABLE posts; --",)), 0, 0),
])
def test_filters_narrow_every_query_alike(known, filters, posts, authors):
    head = run(known, queries.headline, filters).iloc[0]
    assert (head["n_posts"], head["n_authors"]) == (posts, authors)
    assert run(known, queries.posts_by_region, filters)["n_posts"].sum() == posts
    assert run(known, queries.posts_by_trust, filters)["n_posts"].sum() == posts
    assert run(known, queries.posts_over_time, filters, grain="day")["n_posts"].sum() == posts
    assert len(run(known, queries.explore_posts, filters)) == posts


def test_posts_by_region_and_trust_label_unattributed(known):
    regions = run(known, queries.posts_by_region)
    assert regions[["region_code", "region_name", "n_posts"]].values.tolist() == [
        ["Y56", "London", 7], ["Y63", "North East and Yorkshire", 5],
        ["unattributed", "Unattributed", 1]]
    assert regions["share"].round(4).tolist() == [round(7 / 13, 4), round(5 / 13, 4), round(1 / 13, 4)]
    trusts = run(known, queries.posts_by_trust)
    assert trusts[["trust_name", "region_name", "n_posts"]].values.tolist() == [
        ["LEEDS TEACHING HOSPITALS NHS TRUST", "North East and Yorkshire", 5],
        ["BARTS HEALTH NHS TRUST", "London", 4],
        ["ROYAL FREE LONDON NHS FOUNDATION TRUST", "London", 3],
        ["Unattributed", "Unattributed", 1]]
    top = run(known, queries.posts_by_trust, limit=2)
    assert top["trust_code"].tolist() == ["RR8", "R1H"]
    assert top["share"].round(4).tolist() == [round(5 / 13, 4), round(4 / 13, 4)]  # of all 13


def test_posts_over_time_by_week_and_platform(known):
    f = Filters(date(2025, 3, 1), date(2025, 3, 16))
    frame = run(known, queries.posts_over_time, f, grain="week", by="platform")
    got = {(row.period.date().isoformat(), row.series): row.n_posts for row in frame.itertuples()}
    assert got == {
        ("2025-02-24", "facebook"): 2, ("2025-02-24", "x"): 2,
        ("2025-03-03", "facebook"): 1, ("2025-03-03", "x"): 4,
        ("2025-03-10", "facebook"): 2, ("2025-03-10", "x"): 1,
    }


def test_posts_over_time_by_role_is_zero_filled(known):
    f = Filters(date(2025, 3, 1), date(2025, 3, 16))
    frame = run(known, queries.posts_over_time, f, grain="week", by="role")
    assert len(frame) == 9  # 3 weeks x 3 roles, zeros included
    pivot = frame.pivot(index="period", columns="series", values="n_posts")
    assert pivot["patient_public"].tolist() == [3, 5, 2]
    assert pivot["professional"].tolist() == [1, 0, 0]
    assert pivot["organisation"].tolist() == [0, 0, 1]


def test_posts_over_time_by_day_and_month(known):
    days = run(known, queries.posts_over_time, Filters(date(2025, 3, 1), date(2025, 3, 7)), grain="day")
    assert len(days) == 14 and days[days["period"] == "2025-03-07"]["n_posts"].tolist() == [0, 0]
    months = run(known, queries.posts_over_time, grain="month")
    totals = months.groupby(months["period"].dt.strftime("%Y-%m"))["n_posts"].sum().to_dict()
    assert totals == {"2025-03": 12, "2025-04": 0, "2025-05": 0, "2025-06": 0, "2025-07": 1}
    with pytest.raises(ValueError):
        run(known, queries.posts_over_time, grain="year")


def test_explore_posts_newest_first_with_names_and_uk_time(known):
    frame = run(known, queries.explore_posts)
    assert ids(frame) == ["12", "11", "10", "9", "8", "7", "6", "13", "5", "4", "3", "2", "1"]
    first = frame.iloc[0]
    assert first["posted_at"] == pd.Timestamp("2025-07-01 00:30:00")  # BST
    assert (first["trust_name"], first["region_name"]) == ("LEEDS TEACHING HOSPITALS NHS TRUST",
                                                          "North East and Yorkshire")
    unattributed = frame[frame["post_id"] == "13"].iloc[0]
    assert (unattributed["trust_name"], unattributed["region_name"]) == ("Unattributed", "Unattributed")
    staff = frame[frame["post_id"] == "4"].iloc[0]
    assert (staff["author_role"], staff["author"], staff["trust_name"]) == (
        "professional", "Jo, Radiographer", "BARTS HEALTH NHS TRUST")
    assert ids(run(known, queries.explore_posts, limit=3)) == ["12", "11", "10"]


@pytest.mark.parametrize("text, expected", [
    ("loud", ["9", "13"]),  # case-insensitive
    ("100%", ["3"]),
    ("%", ["11", "3"]),
    ("0%", ["11", "3"]),
    ("_", ["5"]),
    ("d_r", []),  # "_" is not a one-character wildcard ("under", "deodorant")
    ("'", ["7", "6"]),
    ("It's", ["6"]),
    ('"', []),
    ("'; DROP TABLE posts; --", ["7"]),
    ("\\", []),
    ("  mri  ", ["9"]),  # surrounding spaces are trimmed
])
def test_text_search_is_literal(known, text, expected):
    f = Filters(ALL.start, ALL.end, text=text)
    assert ids(run(known, queries.explore_posts, f)) == expected
    assert run(known, queries.headline).iloc[0]["n_posts"] == 13  # and the posts table is still there


def test_every_query_returns_a_frame(known):
    functions = [f for f in vars(queries).values() if inspect.isfunction(f) and f.__module__ == queries.__name__
                 and list(inspect.signature(f).parameters)[:2] == ["cursor", "filters"]]
    assert {"date_bounds", "region_options", "trust_options", "platform_options", "headline",
            "posts_over_time", "posts_by_region", "posts_by_trust", "explore_posts",
            "build_info"} <= {f.__name__ for f in functions}
    for function in functions:
        result = run(known, function)
        if function.__name__.endswith("_chunks"):  # a stream of frames, for an export of every row
            result = pd.concat(list(result), ignore_index=True)
        assert isinstance(result, pd.DataFrame), function.__name__
    # the stream holds what the query holds, in its order (issue #15: Explore's full export)
    streamed = pd.concat(list(run(known, queries.explore_chunks, vectors=1)), ignore_index=True)
    pd.testing.assert_frame_equal(streamed, run(known, queries.explore_posts))
    assert len(streamed) == run(known, queries.explore_count).iloc[0]["n_posts"]
    info = run(known, queries.build_info).iloc[0]
    assert (info["n_posts"], info["n_demo_posts"]) == (13, 0)


def test_values_are_bound_never_formatted():
    """Every SQL constant names its values as $parameters; none carries a Python format slot."""
    texts = [v for k, v in vars(queries).items()
             if k.endswith("_SQL") and not k.startswith("_") and isinstance(v, str)]
    texts += list(queries.POSTS_OVER_TIME_SQL.values())
    assert len(texts) >= 10
    for sql in texts:
        assert "{" not in sql and "%s" not in sql


def test_the_flag_filter_leaves_the_statement_only_when_nothing_flag_related_is_chosen():
    """DuckDB builds the flag join even when the bound flags make it moot (Explore ran out of
    its 128 MB at 10 M posts): with no family, rule or review state chosen the statement has no
    flag_reviews in it; with any one chosen, it has."""
    sql = queries.EXPLORE_POSTS_SQL
    assert "flag_reviews" in sql
    assert "flag_reviews" not in queries._statement(sql, Filters(ALL.start, ALL.end).params())
    for chosen in ({"families": ("clinical_advice",)}, {"rules": ("R1",)}, {"reviews": ("confirmed",)}):
        assert "flag_reviews" in queries._statement(sql, Filters(ALL.start, ALL.end, **chosen).params())
    assert queries._statement("SELECT 1", {"all_families": True}) == "SELECT 1"


def test_flagged_posts_choose_their_rows_before_reading_wide_columns():
    """Guideline flags' list picks its 500 flags from narrow columns, then reads evidence,
    clause and review status for those rows only (joining every flag to its review first ran
    out of the dashboard's 128 MB at 10 M posts). The answers are checked against the page's
    figures in the flag page tests; here the statement's shape."""
    from warehouse import flag_queries
    sql = flag_queries.FLAGGED_POSTS_SQL
    picked = sql[sql.index("WITH picked AS ("):sql.index("chosen AS (")]
    columns = picked[picked.index("SELECT"):picked.index("FROM flags")]
    assert "LIMIT $limit" in picked and "evidence" not in columns and "JOIN flag_reviews" not in picked
