"""The Streamlit pages, run headless with AppTest against real warehouses.

Numbers shown are checked against SQL written here independently of warehouse/queries.py.
"""
from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest, app_test as app_test_module

from ingest import jobs
from ingest.landing import POST_COLUMNS, land
from store import access, audits, config, reviews
from store.runs import run
from tests import reference_km
from tests.support import xlsx_rows
from ui import disclosure, formats, labels, page, tables
from ui.auth import NO_LOGIN_WARNING

pytestmark = pytest.mark.app  # pages run with AppTest

ROOT = Path(__file__).resolve().parent.parent
HOME = "dashboard.py"
# Every page and the heading it must show; test_every_page_is_listed keeps this complete.
HEADINGS = {HOME: "Overview", "pages/1_Explore.py": "Explore posts",
            "pages/2_Patient_questions.py": "Patient questions", "pages/3_Response_times.py": "Response times",
            "pages/4_Review_queue.py": "Review queue",
            "pages/5_Guideline_flags.py": "Guideline flags",
            "pages/6_Policy_comparison.py": "Policy comparison",
            "pages/7_Data_health.py": "Data health", "pages/8_What_patients_ask.py": "What patients ask",
            "pages/9_SPC_trends.py": "SPC trends"}
QUESTIONS_PAGE, RESPONSE_PAGE = "pages/2_Patient_questions.py", "pages/3_Response_times.py"
ASKED_DAY = "(asked_at AT TIME ZONE 'Europe/London')::DATE"
BANNER = "Synthetic demo data — not real patients or staff."
NO_LOGIN = "Local demo: no login"
UK_DAY = "(created_at AT TIME ZONE 'Europe/London')::DATE"


# Login settings for AppTest (never a real secret); with them, st.user comes from ``at.user``.
TEST_AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "not-a-real-secret",
             "client_id": "test", "client_secret": "test",
             "server_metadata_url": "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"}


# The Entra ID tenant the test login trusts (ui.auth.authorise); made up, not a real tenant.
TEST_TENANT = "8b1f6c1e-2f44-4a51-9d0c-3c1b6f5a7e21"
TEST_SECRETS = {"auth": TEST_AUTH, "radsome": {"tenant_id": TEST_TENANT}}


def claims(email: str, tenant: str = TEST_TENANT, **extra) -> dict:
    """The ``at.user`` of a session signed in through Entra ID as ``email`` of ``tenant``: the
    ID token's tenant, issuer and Entra's "the tenant owns this address's domain" claim
    (``xms_edov``), plus ``extra`` claims."""
    return {"is_logged_in": True, "email": email, "tid": tenant,
            "iss": f"https://login.microsoftonline.com/{tenant}/v2.0", "xms_edov": True} | extra


def signed_in(email: str = "ann@nhs.net", role: str = "admin", trust_code: str | None = None,
              region_code: str | None = None) -> dict:
    """Put one user in the current data folder's users register; the ``at.user`` of their
    signed-in session (pass it to :func:`open_page`)."""

    access.store_users([{"email": email, "role": role, "trust_code": trust_code, "region_code": region_code,
                         "name": email.split("@")[0]}], "tests")
    return claims(email)


def open_page(page: str = HOME, params: dict | None = None, user: dict | None = None) -> AppTest:
    """Run ``page`` as a browser would open it: the app's main script is always dashboard.py
    (so that pages/ is discovered); other pages are reached with switch_page. With ``user``,
    login is configured and the session is signed in as that user (see :func:`signed_in`)."""
    at = AppTest.from_file(str(ROOT / HOME), default_timeout=60)
    if user is not None:
        for name, section in TEST_SECRETS.items():
            at.secrets[name] = section
        at.user = user
    at.query_params.update(params or {})
    if page != HOME:
        at.switch_page(page)
    return at.run()


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def count(read, folder, where: str = "TRUE", params: dict | None = None) -> int:
    return read(folder, f"SELECT count(*) FROM posts WHERE {where}", params)[0][0]


def shown_days(at: AppTest) -> tuple[date, date]:
    return date.fromisoformat(at.query_params["from"]), date.fromisoformat(at.query_params["to"])


@pytest.fixture
def downloads(monkeypatch) -> dict[str, object]:
    """file id -> the callable a deferred st.download_button would serve on click."""
    served: dict[str, object] = {}

    class Recording(MediaFileManager):
        def add_deferred(self, data_callable, *args, **kwargs):
            file_id = super().add_deferred(data_callable, *args, **kwargs)
            served[file_id] = data_callable
            return file_id

    monkeypatch.setattr(app_test_module, "MediaFileManager", Recording)
    return served


def test_every_page_is_listed():
    pages = {f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py")}
    assert pages == set(HEADINGS) - {HOME}, "add the new page (and its heading) to HEADINGS"


@pytest.mark.parametrize("page", sorted(HEADINGS))
def test_every_page_runs_with_title_banner_and_no_login_caption(page, demo_data, use_data):
    use_data(demo_data)
    at = open_page(page)
    assert not at.exception, at.exception
    assert any(HEADINGS[page] in t for t in texts(at.title))
    assert NO_LOGIN in texts(at.caption)
    assert BANNER in texts(at.warning)
    assert set(at.query_params) >= {"from", "to"}  # the view is in the URL


@pytest.mark.parametrize("page", sorted(HEADINGS))
def test_every_page_runs_with_url_filters(page, demo_data, use_data, read_published):
    use_data(demo_data)
    region, platform = read_published(
        demo_data, "SELECT region_code, platform FROM posts WHERE region_code IS NOT NULL"
                   " GROUP BY ALL ORDER BY count(*) DESC LIMIT 1")[0]
    trust = read_published(demo_data, "SELECT trust_code FROM posts WHERE region_code = $r"
                                      " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1", {"r": region})[0][0]
    at = open_page(page, {"from": "2025-01-01", "to": "2025-03-31", "region": region,
                          "trust": trust, "platform": platform, "q": "scan"})
    assert not at.exception, at.exception
    assert at.multiselect(key="filter_regions").value == [region]
    assert at.multiselect(key="filter_trusts").value == [trust]
    assert at.multiselect(key="filter_platforms").value == [platform]
    assert shown_days(at) == (date(2025, 1, 1), date(2025, 3, 31))
    assert at.query_params["region"] == region and at.query_params["trust"] == trust


def test_overview_headline_equals_the_warehouse(demo_data, use_data, read_published):
    use_data(demo_data)
    last = read_published(demo_data, "SELECT max(day) FROM daily_post_counts")[0][0]
    # the last 12 months of the data (the default for recent data; the fixture's data ends over a
    # year before today, so its default is all of it: tests/test_first_run.py, issue #15)
    at = open_page(params={"from": (last - timedelta(days=364)).isoformat(), "to": last.isoformat()})
    assert not at.exception, at.exception
    start, end = shown_days(at)
    assert end == last and (end - start).days == 364
    expected = count(read_published, demo_data, f"{UK_DAY} BETWEEN $s AND $e", {"s": start, "e": end})
    # a year of two years' data narrows the view: rounded to 5 (issue #12 §2)
    assert metric(at, "Posts") == disclosure.count_text(expected) != f"{expected:,}"
    accounts = read_published(demo_data, f"SELECT count(DISTINCT author_key) FROM posts WHERE {UK_DAY}"
                                         " BETWEEN $s AND $e", {"s": start, "e": end})[0][0]
    assert metric(at, "Distinct accounts") == disclosure.count_text(accounts)
    everything = open_page(params={"from": "2023-01-01", "to": "2025-12-31"})  # clamped to all the data
    assert metric(everything, "Posts") == f"{count(read_published, demo_data):,}"  # national: exact

    trusts = at.dataframe[0].value
    truth = dict(read_published(
        demo_data, f"SELECT coalesce(trust_code, '—'), count(*) FROM posts WHERE {UK_DAY}"
                   " BETWEEN $s AND $e GROUP BY 1", {"s": start, "e": end}))
    assert sum(truth.values()) == expected
    # every trust with posts is a row, unattributed too; counts are suppressed below national
    # level: 1-7 show "*", others are rounded to 5 (or hidden to protect another cell)
    assert sorted(trusts["ODS code"]) == sorted(truth)
    for code, shown in zip(trusts["ODS code"], trusts["Posts"]):
        n = truth[code]
        assert shown == "*" or shown == disclosure.count_text(n), (code, n, shown)
        if 1 <= n <= 7:
            assert shown == "*"


def test_overview_follows_url_and_widget_changes(demo_data, use_data, read_published):
    use_data(demo_data)
    window = {"s": date(2025, 1, 1), "e": date(2025, 3, 31)}
    at = open_page(params={"from": "2025-01-01", "to": "2025-03-31", "region": "Y63"})
    where = f"{UK_DAY} BETWEEN $s AND $e AND region_code = 'Y63'"
    assert metric(at, "Posts") == disclosure.count_text(count(read_published, demo_data, where, window))

    at.multiselect(key="filter_regions").set_value(["Y56"]).run()  # a user picks London
    assert not at.exception, at.exception
    where = f"{UK_DAY} BETWEEN $s AND $e AND region_code = 'Y56'"
    assert metric(at, "Posts") == disclosure.count_text(count(read_published, demo_data, where, window))
    assert at.query_params["region"] == "Y56"

    at.multiselect(key="filter_regions").set_value([]).run()
    assert "region" not in at.query_params
    everything = count(read_published, demo_data, f"{UK_DAY} BETWEEN $s AND $e", window)
    assert metric(at, "Posts") == disclosure.count_text(everything)  # three months: still narrowed


def test_bad_url_values_fall_back_to_defaults(demo_data, use_data):
    use_data(demo_data)
    at = open_page("pages/1_Explore.py", {"from": "yesterday", "to": "1900-01-01",
                                          "region": "Y56'; DROP TABLE posts; --",
                                          "platform": ["x", "myspace"], "q": "%_'\""})
    assert not at.exception, at.exception
    assert at.multiselect(key="filter_regions").value == []
    assert at.multiselect(key="filter_platforms").value == ["x"]
    assert "region" not in at.query_params
    assert at.text_input(key="filter_text").value == "%_'\""


def test_explore_table_and_download_are_the_matching_posts(demo_data, use_data, read_published,
                                                          downloads):
    use_data(demo_data)
    at = open_page("pages/1_Explore.py", {"from": "2025-04-01", "to": "2025-06-30", "q": "Scan"})
    assert not at.exception, at.exception
    expected = read_published(
        demo_data, f"SELECT post_id FROM posts WHERE {UK_DAY} BETWEEN $s AND $e"
                   " AND lower(text) LIKE '%scan%' ORDER BY created_at DESC, platform, post_id",
        {"s": date(2025, 4, 1), "e": date(2025, 6, 30)})
    shown = at.dataframe[0].value
    assert 0 < len(shown) == len(expected)
    assert shown["Post id"].tolist() == [r[0] for r in expected]
    assert f"**{len(shown):,}** matching posts, newest first." in texts(at.markdown)

    button = at.download_button(key="download_posts")
    csv = downloads[button.proto.deferred_file_id]()
    assert csv == tables.to_csv(shown, synthetic=True)  # demo data: every row says so (issue #12)
    parsed = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert parsed.columns.tolist() == [tables.SYNTHETIC_COLUMN, *shown.columns]
    assert set(parsed[tables.SYNTHETIC_COLUMN]) == {tables.SYNTHETIC_VALUE}
    assert parsed["Post id"].tolist() == shown["Post id"].tolist()
    workbook = xlsx_rows(downloads[at.download_button(key="download_posts_xlsx").proto.deferred_file_id]())
    assert workbook[0] == [tables.SYNTHETIC_COLUMN, *shown.columns]  # the Excel file says so too
    assert [row[0] for row in workbook[1:]] == [tables.SYNTHETIC_VALUE] * len(shown)
    assert [row[workbook[0].index("Post id")] for row in workbook[1:]] == shown["Post id"].tolist()


def test_explore_search_box_filters_and_goes_into_the_url(demo_data, use_data, read_published):
    use_data(demo_data)
    at = open_page("pages/1_Explore.py", {"from": "2025-04-01", "to": "2025-06-30"})
    everything = len(at.dataframe[0].value)
    at.text_input(key="filter_text").input("MAMMOGRAM").run()
    assert not at.exception, at.exception
    assert at.query_params["q"] == "MAMMOGRAM"
    shown = at.dataframe[0].value
    expected = count(read_published, demo_data, f"{UK_DAY} BETWEEN $s AND $e AND text ILIKE '%mammogram%'",
                     {"s": date(2025, 4, 1), "e": date(2025, 6, 30)})
    assert 0 < len(shown) == expected < everything


def test_filters_survive_a_page_switch(demo_data, use_data):
    use_data(demo_data)
    at = open_page(params={"from": "2025-02-01", "to": "2025-02-28"})
    at.multiselect(key="filter_regions").set_value(["Y63"]).run()
    at.switch_page("pages/1_Explore.py").run()
    assert not at.exception, at.exception
    assert at.multiselect(key="filter_regions").value == ["Y63"]
    assert at.query_params["region"] == "Y63" and at.query_params["from"] == "2025-02-01"
    regions = set(at.dataframe[0].value["Region"])
    assert regions == {"North East and Yorkshire"}
    at.query_params.clear()  # a browser may drop the query string on a page switch
    at.switch_page(HOME).run()
    assert at.multiselect(key="filter_regions").value == ["Y63"]
    assert at.query_params["region"] == "Y63" and at.query_params["to"] == "2025-02-28"


def _small(make_warehouse, tmp_path_factory, name: str, sources: list[str]) -> Path:
    """A warehouse of one post per entry of ``sources``: "demo" posts landed by a run of the
    demo generator's kind (``command = 'demo'``, the only thing that makes a post demo), the
    others imported from a file."""
    def load():
        folder = tmp_path_factory.mktemp(f"{name}-input")
        rows = [{"platform": "x", "post_id": str(i), "author_id": f"a{i}", "source": source,
                 "created_at": f"2025-03-0{i + 1}T10:00:00Z", "text": f"post {i}"}
                for i, source in enumerate(sources)]
        demo = [r for r in rows if r["source"] == "demo"]
        if demo:
            table = pa.table({c: pa.array([r.get(c) for r in demo], pa.string()) for c in POST_COLUMNS})

            def work(con, run_id):
                jobs.land_table(con, table, "demo:test")
                return land(con, run_id, default_source="demo", default_trust=None, demo_run=True)

            run("demo", "demo", "demo:test", work)
        lines = [json.dumps(r) + "\n" for r in rows if r["source"] != "demo"]
        if lines:
            (folder / "posts.jsonl").write_text("".join(lines))
            jobs.import_file(folder / "posts.jsonl")

    return make_warehouse(name, load)


def test_banner_says_when_data_is_mixed_or_real(make_warehouse, tmp_path_factory, use_data):
    use_data(_small(make_warehouse, tmp_path_factory, "mixed", ["demo", "file", "file"]))

    at = open_page()
    # real posts and no login configured: counts only, and the page says why (besides what the
    # tiny data lacks for the page: tests/test_first_run.py)
    assert [w for w in texts(at.warning) if "the data lacks" not in w] == [
        "Mixed data: 1 of 3 posts are synthetic demo data — not real patients or staff; the rest "
        "were imported.", NO_LOGIN_WARNING]
    use_data(_small(make_warehouse, tmp_path_factory, "real", ["file", "file"]))
    at = open_page()
    assert not at.exception and [w for w in texts(at.warning) if "the data lacks" not in w] == [NO_LOGIN_WARNING]
    assert metric(at, "Posts") == "2"


@pytest.mark.parametrize("page", sorted(HEADINGS))
def test_an_empty_warehouse_says_how_to_load_data(page, make_warehouse, tmp_path_factory, use_data):
    use_data(_small(make_warehouse, tmp_path_factory, "empty", []))
    at = open_page(page)
    assert not at.exception, at.exception
    assert any("no posts yet" in t for t in texts(at.info))


def test_first_run_generates_the_demo_with_progress(tmp_path, use_data, monkeypatch):
    monkeypatch.setattr(page, "DEMO_POSTS", 1_500)  # the real default takes a few seconds more
    use_data(tmp_path / "fresh")
    at = open_page()
    assert not at.exception, at.exception
    assert config.warehouse_path().exists()
    assert [s.label for s in at.status] == ["Demo warehouse ready"]
    assert BANNER in texts(at.warning)
    assert metric(at, "Posts") != "0"
    # the demo's simulated review history (issue #20): decisions by "Demo reviewer" names, published
    decided = reviews.all_decisions()
    assert len(decided) and decided["reviewer"].str.startswith("Demo reviewer ").all()
    assert len(audits.opinions())


def test_first_run_with_a_wrong_setting_says_which(tmp_path, use_data, monkeypatch):
    use_data(tmp_path / "fresh")
    monkeypatch.setenv(config.RETENTION_ENV, "none")
    at = open_page()
    assert [s.label for s in at.status] == ["A setting is wrong"]
    assert "RADSOME_RETENTION_DAYS: 'none' is not a whole number of days" in texts(at.error)[0]
    assert not config.raw_path().exists()  # nothing was started


def test_first_run_shows_why_the_demo_could_not_be_made(tmp_path, use_data, monkeypatch):
    use_data(tmp_path / "fresh")
    monkeypatch.setenv("RADSOME_FAULT", "enospc:run_after_start")  # the demo's child process: disk full
    at = open_page()
    assert [s.label for s in at.status] == ["`python -m ingest demo` failed"]
    assert "cannot write to the data folder" in texts(at.error)[0]
    assert not config.warehouse_path().exists()


def test_first_run_with_imported_posts_builds_them_without_demo(tmp_path, use_data):
    use_data(tmp_path / "imported")
    posts = tmp_path / "posts.jsonl"
    posts.write_text("".join(
        f'{{"platform": "x", "post_id": "{i}", "author_id": "a", "created_at": "2025-03-01T1{i}:00:00Z",'
        f' "text": "t"}}\n' for i in range(3)))
    jobs.import_file(posts)
    assert not config.warehouse_path().exists()
    at = open_page()
    assert not at.exception, at.exception

    assert metric(at, "Posts") == "3"
    assert [w for w in texts(at.warning) if "the data lacks" not in w] == [NO_LOGIN_WARNING]


# --- patient questions and response times -------------------------------------------------

def _questions(read, folder, where: str = "TRUE", params: dict | None = None) -> list[tuple]:
    return read(folder, f"SELECT post_id, is_answered, duration_seconds FROM patient_questions WHERE {where}",
                params)


def test_overview_question_headline_equals_the_warehouse(demo_data, use_data, read_published):
    use_data(demo_data)
    at = open_page(params={"from": "2023-01-01", "to": "2025-12-31"})  # every day of the data: national
    start, end = shown_days(at)
    rows = _questions(read_published, demo_data, f"{ASKED_DAY} BETWEEN $s AND $e", {"s": start, "e": end})
    assert rows, "the demo should contain patient questions"
    assert metric(at, "Patient questions") == f"{len(rows):,}"  # national: not rounded
    km = reference_km.km_summary([r[2] for r in rows], [r[1] for r in rows])
    shown = metric(at, "Median time to first answer")
    assert shown == ("not reached" if km["median_s"] is None else formats.duration(km["median_s"])) or \
        abs(_minutes(shown) - km["median_s"] / 60) <= 1  # histogram bins: within one minute


def _minutes(text: str) -> float:
    parts = dict((unit, int(n)) for n, unit in re.findall(r"(\d+) (day|h|min)", text))
    return parts.get("day", 0) * 1440 + parts.get("h", 0) * 60 + parts.get("min", 0)


def test_overview_question_headline_is_suppressed_below_national_level(demo_data, use_data, read_published):
    use_data(demo_data)
    at = open_page(params={"from": "2025-01-01", "to": "2025-06-30", "region": "Y63"})
    assert not at.exception, at.exception
    n = len(_questions(read_published, demo_data, f"{ASKED_DAY} BETWEEN $s AND $e AND region_code = 'Y63'",
                       {"s": date(2025, 1, 1), "e": date(2025, 6, 30)}))
    assert n > 7 and metric(at, "Patient questions") == disclosure.count_text(n)  # rounded to 5


@pytest.mark.parametrize("params", [{}, {"from": "2025-01-01", "to": "2025-06-30", "region": "Y63"},
                                    {"from": "2025-04-01", "to": "2025-06-30", "platform": "facebook"}])
def test_open_questions_queue_lists_every_unanswered_question(params, demo_data, use_data, read_published):
    use_data(demo_data)
    at = open_page(QUESTIONS_PAGE, params)
    assert not at.exception, at.exception
    start, end = shown_days(at)
    where = f"NOT is_answered AND {ASKED_DAY} BETWEEN $s AND $e"
    if "region" in params:
        where += " AND region_code = 'Y63'"
    if "platform" in params:
        where += " AND platform = 'facebook'"
    expected = read_published(demo_data, f"SELECT post_id FROM patient_questions WHERE {where}"
                                         " ORDER BY asked_at, platform, post_id", {"s": start, "e": end})
    queue = next(d.value for d in at.dataframe if "Waiting" in d.value.columns)
    assert 0 < len(queue) == len(expected)
    # most overdue first by default (issue #15; the order itself: tests/test_analyst_filters.py)
    assert all(" min" in w or " h" in w or "day" in w for w in queue["Waiting"])


def test_response_times_page_shows_kaplan_meier_figures(demo_data, use_data, read_published):
    use_data(demo_data)
    # every day of the data: national, so exact (a narrower view computes them from counts
    # rounded to 5, ui.disclosure.km_summaries)
    at = open_page(RESPONSE_PAGE, {"from": "2023-01-01", "to": "2025-12-31"})
    assert not at.exception, at.exception
    start, end = shown_days(at)
    rows = _questions(read_published, demo_data, f"{ASKED_DAY} BETWEEN $s AND $e", {"s": start, "e": end})
    km = reference_km.km_summary([r[2] for r in rows], [r[1] for r in rows], within_s=(3600, 3 * 86400))
    assert metric(at, "Within 1 hour") == f"{km['p_within'][3600]['p']:.0%}"
    assert metric(at, "Within 3 days") == f"{km['p_within'][3 * 86400]['p']:.0%}"
    assert any("never dropped" in c for c in texts(at.caption))
    at.segmented_control(key="response_by").set_value("trust").run()  # compare trusts
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert "Trust" in table.columns and 0 < len(table) <= 5
    at.segmented_control(key="response_clock").set_value("service").run()
    assert not at.exception, at.exception
    assert any("service hours" in m.label for m in at.metric)

