"""The demo generator: shape, determinism, thread integrity, trusts, time range and content."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pandas as pd
import pyarrow as pa
import pytest

from ingest import demo, demo_text as T
from store.reference import DEFAULT_TRUSTS
from tests.support import realdata

END = datetime(2025, 6, 1, tzinfo=timezone.utc)
N = 3000
COLUMNS = ["platform", "post_id", "parent_id", "thread_id", "author_id", "author_name", "author_bio",
           "author_location", "created_at", "text", "url", "source", "trust_code"]
TRUSTS = pd.read_csv(DEFAULT_TRUSTS, dtype=str, keep_default_na=False)
REGIONS = {"Y56", "Y58", "Y59", "Y60", "Y61", "Y62", "Y63", "S92000003", "W92000004", "N92000002"}


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.lower().replace("?", "")).strip()


@pytest.fixture(scope="module")
def data():
    return demo.generate(N, seed=11, end=END)


@pytest.fixture(scope="module")
def posts(data):
    df = data.posts.to_pandas()
    df["ts"] = pd.to_datetime(df["created_at"], utc=True)
    return df


@pytest.fixture(scope="module")
def staff_keys(data, posts):
    keys = set(zip(data.accounts["platform"], data.accounts["author_id"]))
    posts["by_staff"] = [k in keys for k in zip(posts["platform"], posts["author_id"])]
    return keys


@pytest.fixture(scope="module")
def questions(posts):
    """Public root posts that contain one of the topic asks, with the topic they came from."""
    asks = [(_norm(a), topic) for topic in T.TOPICS for a in T.ASKS[topic]]
    roots = posts[posts["parent_id"].isna() & posts["author_id"].str.startswith("u")]
    rows = []
    for i, text in zip(roots.index, roots["text"]):
        low = _norm(text)
        hit = next(((a, topic) for a, topic in asks if a in low), None)
        if hit:
            rows.append((i, hit[1], hit[0]))
    return pd.DataFrame(rows, columns=["row", "topic", "ask"])


def test_columns_types_and_size(data):
    assert data.posts.column_names == COLUMNS
    assert all(f.type == pa.string() for f in data.posts.schema)
    assert data.posts.num_rows == N
    assert list(data.accounts.columns) == ["platform", "author_id", "role", "trust_code", "title", "automated"]


@pytest.mark.parametrize("n", [0, 1, 7, 250])
def test_row_count_is_exact(n):
    assert demo.generate(n, seed=3, end=END).posts.num_rows == n


def test_deterministic(data):
    again = demo.generate(N, seed=11, end=END)
    assert again.posts.equals(data.posts)
    assert again.accounts.equals(data.accounts)
    assert not demo.generate(N, seed=12, end=END).posts.equals(data.posts)


def test_naive_end_is_utc(data):
    assert demo.generate(N, seed=11, end=END.replace(tzinfo=None)).posts.equals(data.posts)


def test_values(posts):
    assert set(posts["platform"]) <= {"x", "facebook", "mastodon", "bluesky", "reddit"}
    assert {"x", "facebook"} <= set(posts["platform"])
    assert (posts["source"] == "demo").all()
    assert posts["text"].notna().all() and (posts["text"].str.len() > 0).all()
    assert posts["author_id"].notna().all() and posts["author_name"].notna().all()
    assert posts["url"].str.startswith("https://").all()


def test_post_ids_unique_per_platform(posts):
    assert not posts.duplicated(["platform", "post_id"]).any()


def test_threads_are_consistent(posts):
    by_key = posts.set_index(["platform", "post_id"])
    replies = posts[posts["parent_id"].notna()]
    parents = by_key.reindex(list(zip(replies["platform"], replies["parent_id"])))
    assert parents["text"].notna().all(), "every parent exists on the same platform"
    assert (parents["ts"].to_numpy() < replies["ts"].to_numpy()).all(), "parents are earlier"
    assert (parents["thread_id"].to_numpy() == replies["thread_id"].to_numpy()).all()
    roots = posts[posts["parent_id"].isna()]
    assert (roots["thread_id"] == roots["post_id"]).all()
    assert set(zip(posts["platform"], posts["thread_id"])) <= set(zip(roots["platform"], roots["post_id"]))
    assert len(replies) > N / 3


def test_created_at_has_offset_and_is_in_range(posts):
    assert posts["created_at"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d").all()
    assert posts["ts"].min() >= END - timedelta(days=731)
    assert posts["ts"].max() < END
    assert posts["ts"].min() < END - timedelta(days=700), "the history spans two years"


def test_default_end_is_today_midnight_utc():
    df = demo.generate(200, seed=1).posts.to_pandas()
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    assert pd.to_datetime(df["created_at"], utc=True).max() < today


def test_weekly_pattern(posts):
    weekend = posts["ts"].dt.day_of_week >= 5
    assert weekend.mean() < 0.8 * 2 / 7


def test_trusts_are_fictional_and_cover_every_region(posts, data):
    """No invented outcome under a real organisation's name (issue #12): the demo's trusts are
    its own, in the real regions, with codes and names no ODS organisation has."""
    codes = set(posts["trust_code"].dropna())
    assert len(codes) >= 40
    fictional = demo.pick_trusts()
    assert codes <= set(fictional["ods_code"]) and set(data.accounts["trust_code"]) <= set(fictional["ods_code"])
    assert set(fictional[fictional["ods_code"].isin(codes)]["region_code"]) == REGIONS
    real = pd.read_csv(realdata("reference/ods_etr_2026_snapshot.csv"), header=None, dtype=str)
    for table in (TRUSTS, real.rename(columns={0: "ods_code", 1: "name"})):
        assert not codes & set(table["ods_code"]), "a demo code is a real organisation's"
        real_names = set(table["name"].str.upper())
        assert not {n.upper() for n in fictional["name"]} & real_names
    assert all(re.fullmatch(r"ZZ1\d\d", c) for c in fictional["ods_code"])
    towns = " ".join(real[[4, 5, 6, 7, 8]].fillna("").astype(str).agg(" ".join, axis=1)).upper()
    assert not [t for t in fictional["town"] if f" {t.upper()} " in f" {towns} "], "a demo town is a real one"
    per_trust = posts["trust_code"].value_counts()
    assert per_trust.max() > 4 * per_trust.min(), "some trusts are much busier than others"


def test_policies_cover_every_trust_and_do_not_depend_on_the_effect(data):
    trusts = set(demo.pick_trusts()["ods_code"])
    assert {p["trust_code"] for p in data.policies} == trusts
    assert sum(p["policy_version"] == "2" for p in data.policies) >= 5
    clauses = {k: {p[k] for p in data.policies} for k in ("patient_engagement", "personal_use_in_working_hours",
                                                          "approved_accounts_only")}
    assert clauses == {"patient_engagement": {"encouraged", "permitted", "discouraged"},
                       "personal_use_in_working_hours": {"permitted", "not_permitted"},
                       "approved_accounts_only": {True, False}}
    none = demo.generate(N, seed=11, end=END, policy_effect="none")
    assert none.policies == data.policies and none.accounts.equals(data.accounts)
    assert data.policy_effect == "default" and none.policy_effect == "none"
    with pytest.raises(ValueError, match="policy_effect"):
        demo.generate(10, seed=1, end=END, policy_effect="huge")


def test_some_trusts_send_automatic_acknowledgements(posts, data):
    automated = data.accounts[data.accounts["automated"].fillna(False).astype(bool)]
    assert len(automated) > 0 and (automated["role"] == "organisation").all()
    texts = posts[posts["text"].str.contains("NHS 111|within 2 working days", regex=True)
                  & posts["author_id"].isin(data.accounts.loc[data.accounts["role"] == "organisation", "author_id"])]
    quick = (texts["ts"].to_numpy() - posts.set_index("post_id").loc[texts["parent_id"], "ts"].to_numpy())
    assert len(texts) > 10 and (quick < pd.Timedelta(seconds=10)).mean() > 0.9


def test_some_public_posts_are_unattributed(posts):
    public = posts[posts["author_id"].str.startswith("u")]
    assert 0.03 < public["trust_code"].isna().mean() < 0.25


def test_accounts_registry(data, posts, staff_keys):
    acc = data.accounts
    assert set(acc["role"]) == {"professional", "organisation"}
    assert not acc.duplicated(["platform", "author_id"]).any()
    assert acc["title"].str.len().gt(0).all()
    assert acc.loc[acc["role"] == "organisation", "title"].str.contains(", ").all()
    staff_posts = posts[~posts["author_id"].str.startswith("u")]
    assert set(zip(staff_posts["platform"], staff_posts["author_id"])) <= staff_keys
    public = posts[posts["author_id"].str.startswith("u")]
    assert not set(zip(public["platform"], public["author_id"])) & staff_keys
    assert (staff_posts["trust_code"].notna()).all()


def test_public_authors_post_more_than_once(posts):
    public = posts[posts["author_id"].str.startswith("u")]
    assert public["author_id"].value_counts().max() >= 3
    assert public["author_bio"].notna().mean() > 0.1
    assert public["author_bio"].str.contains("mum", case=False).any()


def test_question_variety(questions, posts):
    assert len(questions) > 0.2 * N
    for topic in T.TOPICS:
        assert questions.loc[questions["topic"] == topic, "ask"].nunique() >= 8, topic
    texts = posts.loc[questions["row"], "text"]
    assert (~texts.str.contains("?", regex=False)).mean() > 0.2
    assert texts.nunique() > 0.8 * len(texts)


def test_some_questions_unanswered(questions, posts, staff_keys):
    staff = posts[posts["by_staff"]]
    answered_threads = set(zip(staff["platform"], staff["thread_id"]))
    q = posts.loc[questions["row"]]
    answered = pd.Series([k in answered_threads for k in zip(q["platform"], q["post_id"])])
    assert 0.1 < 1 - answered.mean() < 0.5


def test_response_times_range_from_minutes_to_days(posts, staff_keys):
    by_key = posts.set_index(["platform", "post_id"])
    staff = posts[posts["by_staff"] & posts["parent_id"].notna()]
    parent = by_key.reindex(list(zip(staff["platform"], staff["parent_id"])))
    public_parent = parent["author_id"].str.startswith("u").to_numpy()
    delay = (staff["ts"].to_numpy() - parent["ts"].to_numpy())[public_parent] / pd.Timedelta(hours=1)
    assert delay.min() < 0.5 and delay.max() > 48
    assert 0.5 < pd.Series(delay).median() < 48


def test_staff_replies_signpost_and_some_posts_breach(posts, staff_keys):
    staff = posts[posts["by_staff"]]
    assert staff["text"].str.contains("nhs.uk").mean() > 0.15
    fragments = ["DOB ", "NHS no ", "PACS screenshot", "screenshot attached", "sounds benign", "just a cyst",
                 "DM me", "message me privately", "send me a DM", "managers are clueless", "band 7", "morons",
                 "don't have cancer", "skip the recall", "back again for her"]
    breach = staff["text"].apply(lambda s: any(f in s for f in fragments))
    assert 0 < breach.mean() < 0.05


def test_progress_is_reported():
    seen = []
    demo.generate(100, seed=1, end=END, progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert len(seen) >= 3 and fractions == sorted(fractions)
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(isinstance(m, str) and m for _, m in seen)


def test_phrase_banks_are_consistent():
    for topic in T.TOPICS:
        assert len(T.ASKS[topic]) >= 10 and len(T.CONTEXTS[topic]) >= 4
        assert len(T.ASK_ANSWER[topic]) == len(T.ASKS[topic])
        assert max(T.ASK_ANSWER[topic]) < len(T.ANSWERS[topic])
    assert sum(1 for topic in T.TOPICS for a in T.ASKS[topic] if "?" not in a) >= 15


def test_trust_choice():
    trusts = demo.pick_trusts()
    assert len(trusts) == 48 and trusts["ods_code"].is_unique
    assert set(trusts["region_code"]) == REGIONS
    assert trusts["slug"].is_unique
