"""Themes of patient questions in the build (issue #19): ids stay put across builds and rebuilds
from nothing, the themes register renames, merges and splits and is versioned, and bad register
files are refused naming file, line and field.
Real DuckDB files made by the real ingest and build."""
from __future__ import annotations

import os

import pytest

from ingest import jobs
from ingest.themes import ThemeRegisterError
from store import config
from tests.conftest import DEMO_END, TEST_KEY
from tests.support import published_query, raw_query, run_cli
from warehouse.build import build

THEME_TABLES = ("question_themes", "question_theme_members", "theme_answers", "daily_theme_counts")


def themes_now() -> dict[str, tuple]:
    return {r[0]: r[1:] for r in published_query(
        "SELECT theme_id, topic, label, label_source, n_questions FROM question_themes")}


def members_now() -> dict[tuple, str]:
    return {(r[0], r[1]): r[2] for r in published_query(
        "SELECT platform, post_id, theme_id FROM question_theme_members")}


@pytest.fixture(scope="module")
def demo_folder(make_warehouse):
    return make_warehouse("themes-demo", lambda: jobs.run_demo(n_posts=2_000, seed=3, end=DEMO_END))


@pytest.fixture
def demo_copy(demo_folder, tmp_path, monkeypatch):
    """A private copy of the demo's data folder (tests here rebuild and load registers)."""
    import shutil
    folder = tmp_path / "data"
    shutil.copytree(demo_folder, folder)
    monkeypatch.setenv(config.DATA_ENV, str(folder))
    monkeypatch.setenv(config.PSEUDONYM_KEY_ENV, TEST_KEY)
    return folder


def test_the_build_publishes_themes_with_unique_keys(demo_copy):
    themes = themes_now()
    assert len(themes) >= 5
    members = members_now()
    themed = [t for t in members.values() if t is not None]
    assert len(themed) > len(members) / 2, "most demo questions should be themed"
    assert set(themed) <= set(themes)
    assert sum(t[3] for t in themes.values()) == len(themed)
    for table in THEME_TABLES:
        assert published_query(f"SELECT count(*) FROM {table}")[0][0] > 0


def test_theme_examples_are_the_members_own_posts_at_their_asked_time(demo_copy):
    """theme_examples joins posts on asked_at = created_at as well as on the key (so DuckDB skips
    row groups at 10 M posts): every themed question's asked_at is its post's time, so no
    example is lost, and the examples are the themed questions' own texts."""
    from collections import Counter
    from datetime import timedelta

    from store import reader
    from warehouse import theme_queries
    from warehouse.queries import Filters
    assert published_query("""SELECT count(*) FROM question_theme_members m JOIN posts p USING (platform, post_id)
                              WHERE p.created_at IS DISTINCT FROM m.asked_at""")[0][0] == 0
    first, last = published_query("SELECT min(asked_at), max(asked_at) FROM question_theme_members")[0]
    filters = Filters(first.date() - timedelta(days=1), last.date() + timedelta(days=1))
    con = reader.connect_published()
    try:
        widest = published_query("""SELECT max(n) FROM (SELECT count(*) AS n FROM question_theme_members
                                    WHERE theme_id IS NOT NULL GROUP BY theme_id)""")[0][0]
        examples = theme_queries.theme_examples(reader.reader_cursor(con), filters, top=theme_queries.EVERY_THEME,
                                                limit=widest)
        nearest = theme_queries.theme_examples(reader.reader_cursor(con), filters, top=theme_queries.EVERY_THEME,
                                               limit=3)
    finally:
        con.close()
    themed = published_query("""SELECT p.text FROM question_theme_members m JOIN posts p USING (platform, post_id)
                                WHERE m.theme_id IS NOT NULL""")
    assert len(themed) > 10
    assert Counter(examples["text"]) == Counter(text for (text,) in themed)
    # each theme's first three are its three nearest (highest similarity, then post id), in order
    ranked = examples.sort_values(["theme_id", "similarity", "example"], ascending=[True, False, True])
    assert list(examples["example"]) == list(examples.groupby("theme_id").cumcount() + 1)
    expected = ranked.groupby("theme_id").head(3).sort_values(["theme_id", "example"])
    assert nearest[["theme_id", "example", "similarity", "text"]].reset_index(drop=True).equals(
        expected[["theme_id", "example", "similarity", "text"]].reset_index(drop=True))


def test_theme_counts_are_theme_summarys_counts_without_the_waits(demo_copy):
    """Which themes a view may list is read from theme_counts over every place (the page and the
    FAQ): the same rows and counts as theme_summary, without its costly median waits."""
    from datetime import timedelta

    from store import reader
    from ui import themes
    from warehouse import theme_queries
    from warehouse.queries import Filters
    last = published_query("SELECT max(asked_at) FROM question_theme_members")[0][0].date()
    filters = Filters(last - timedelta(days=364), last)
    con = reader.connect_published()
    try:
        counts = theme_queries.theme_counts(reader.reader_cursor(con), filters)
        summary = theme_queries.theme_summary(reader.reader_cursor(con), filters)
    finally:
        con.close()
    assert len(counts) > 0 and "median_wait_seconds" not in counts.columns
    assert counts.equals(summary[counts.columns])
    assert themes.listable(counts) == themes.listable(summary)


@pytest.mark.slow
def test_ids_and_memberships_survive_a_rebuild_and_a_rebuild_from_nothing(demo_copy):
    before_themes, before_members = themes_now(), members_now()
    build()  # with the previous warehouse: its themes are kept
    assert themes_now() == before_themes and members_now() == before_members
    (demo_copy / config.WAREHOUSE_FILE).unlink()
    build()  # from nothing: the same data make the same themes with the same ids
    assert themes_now() == before_themes and members_now() == before_members


def two_themes_of_one_topic() -> tuple[str, str, str]:
    rows = published_query("SELECT topic, list(theme_id ORDER BY n_questions DESC) FROM question_themes"
                           " GROUP BY topic HAVING count(*) >= 3 ORDER BY topic LIMIT 1")
    assert rows, "the demo should have a topic with three themes"
    ids = rows[0][1]
    return ids[0], ids[1], ids[2]


@pytest.mark.slow
def test_the_register_renames_merges_and_splits_and_each_load_is_a_version(demo_copy):
    keep, gone, split = two_themes_of_one_topic()
    term = published_query("SELECT top_terms[1] FROM question_themes WHERE theme_id = $t", {"t": split})[0][0]
    before = members_now()
    path = demo_copy / "themes.yaml"
    path.write_text(f"""
themes:
  - action: merge
    themes: [{keep}, {gone}]
    label: Two themes as one
  - action: split
    theme: {split}
    parts:
      - label: The first part
        terms: ["{term}"]
      - label: The second part
        terms: [zebra crossing]
  - action: rename
    theme: {split}.2
    label: Renamed part
""", encoding="utf-8")
    version, n, unknown = jobs.load_themes(path)
    assert (version, n, unknown) == (1, 3, [])
    build()
    themes, after = themes_now(), members_now()
    assert gone not in themes and themes[keep][1:3] == ("Two themes as one", "register")
    assert all(after[k] == keep for k, t in before.items() if t in (keep, gone))
    assert themes[f"{split}.2"][1] == "Renamed part"
    moved = {t for k, t in after.items() if before[k] == split}
    assert f"{split}.1" in moved and moved <= {split, f"{split}.1"}  # nobody wrote "zebra crossing"
    assert published_query("SELECT DISTINCT register_version FROM question_themes") == [(1,)]
    path.write_text("[]\n", encoding="utf-8")  # an empty register undoes it all
    assert jobs.load_themes(path)[0] == 2
    build()
    assert {t: v[3] for t, v in themes_now().items()} == {t: v[3] for t, v in themes_before_register(before).items()}
    assert raw_query("SELECT count(*) FROM theme_register_loads")[0][0] == 2


def themes_before_register(members: dict) -> dict[str, tuple]:
    counts: dict[str, int] = {}
    for t in members.values():
        if t is not None:
            counts[t] = counts.get(t, 0) + 1
    return {t: (None, None, None, n) for t, n in counts.items()}


@pytest.mark.parametrize("text, line, field", [
    ("- action: rename\n  theme: prep-abcdef\n", 1, "label"),
    ("- action: rename\n  theme: prep-abcdef\n  label: ok\n- action: explode\n  theme: prep-abcdef\n", 4, "action"),
    ("- action: merge\n  themes: [prep-abcdef]\n", 2, "themes"),
    ("- action: rename\n  theme: Not An Id\n  label: x\n", 2, "theme"),
    ("- action: split\n  theme: prep-abcdef\n  parts:\n    - label: only one\n      terms: [a]\n", 4, "parts"),
    ("- action: rename\n  theme: prep-abcdef\n  label: a\n  colour: red\n", 4, "colour"),
])
def test_a_bad_register_is_refused_naming_file_line_and_field_and_stores_nothing(data_dir, tmp_path, text, line, field):
    path = tmp_path / "themes.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ThemeRegisterError) as caught:
        jobs.load_themes(path)
    message = str(caught.value)
    assert f"{path}:{line}:" in message and f"'{field}'" in message, message
    assert raw_query("SELECT count(*) FROM theme_register_loads")[0][0] == 0


@pytest.mark.slow
def test_the_themes_command_loads_a_version(data_dir, tmp_path):
    path = tmp_path / "themes.yaml"
    path.write_text("- action: rename\n  theme: prep-abcdef\n  label: Deodorant\n", encoding="utf-8")
    env = os.environ | {config.DATA_ENV: str(data_dir), config.PSEUDONYM_KEY_ENV: TEST_KEY}
    done = run_cli("ingest", "themes", str(path), env=env)
    assert done.returncode == 0, done.stderr
    assert "themes register version 1: 1 entries" in done.stdout
    assert "prep-abcdef" in done.stdout  # named, but unknown to the (absent) warehouse
    bad = run_cli("ingest", "themes", str(tmp_path / "missing.yaml"), env=env)
    assert bad.returncode != 0 and "missing.yaml" in bad.stderr
