"""Issue #18, items 6, 9 and 14 in a real browser: values from the URL and from data are shown
as text. A shared link (``?q=``) and imported posts, post ids, source names and error text
carrying Markdown links, images, HTML and bare ``www.`` addresses must not become a live link,
a loaded image or a tag on any page; and a table has no toolbar download.

The data: the seeded demo (so the dashboard runs open, as a local demo) with hostile posts
written by the demo run itself, and a failed import whose source and error are hostile.
Headless Chromium (Debian's) against ``streamlit run dashboard.py``.
"""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from urllib.parse import quote

import pyarrow as pa
import pytest

from ingest import demo, jobs
from store import runs
from tests.conftest import DEMO_END, DEMO_SEED
from tests.test_app import HEADINGS
from tests.test_browser import browser, open_and_wait, serve, url_path, wait_settled  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow

HOSTILE = ["[sign in again](https://evil.example)", "![x](https://tracker.example/p.png)",
           "<img src=x onerror=alert(1)>", "www.evil.example"]
HOSTILE_TEXT = " ".join(HOSTILE)
BAD_HOSTS = ("evil.example", "tracker.example")
HOSTILE_ID = HOSTILE[0]
SERVER_FOLDER = "/srv/radsome/incoming"


def _with_hostile_posts(data: demo.DemoData) -> demo.DemoData:
    """The demo plus, as its newest posts: a staff post that breaks the NHS-number rule with a
    hostile id, text and link, and a patient question with hostile text."""
    posts = data.posts.to_pylist()
    accounts = data.accounts
    professionals = accounts[(accounts["platform"] == "x") & (accounts["role"] == "professional")]
    trust_of = dict(zip(professionals["author_id"], professionals["trust_code"]))
    like = next(p for p in posts if p["platform"] == "x" and p["author_id"] in trust_of)
    staff = {"trust_code": trust_of[like["author_id"]]}
    newest = max(datetime.fromisoformat(p["created_at"]) for p in posts)
    later = (newest + timedelta(seconds=30)).isoformat()
    posts.append(like | {"post_id": HOSTILE_ID, "thread_id": HOSTILE_ID, "parent_id": None, "created_at": later,
                         "text": f"lady in bay 4 NHS no 401 023 2137 needs rebooking {HOSTILE_TEXT}",
                         "url": "javascript:alert(1)", "trust_code": staff["trust_code"]})
    posts.append(like | {"post_id": "hostile-question", "thread_id": "hostile-question", "parent_id": None,
                         "author_id": "hostile-public", "author_name": HOSTILE[0], "author_bio": None,
                         "created_at": later, "url": "https://www.evil.example/q",
                         "text": f"Hi, how long do my MRI results take? {HOSTILE_TEXT}",
                         "trust_code": staff["trust_code"]})
    return dataclasses.replace(data, posts=pa.Table.from_pylist(posts, schema=data.posts.schema), accounts=accounts)


@pytest.fixture(scope="module")
def hostile_demo(make_warehouse):
    def load():
        real = demo.generate
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(demo, "generate", lambda **kw: _with_hostile_posts(real(**kw)))
            jobs.run_demo(n_posts=1_500, seed=DEMO_SEED, end=DEMO_END)

        def fail(con, run_id):
            raise ValueError(f"cannot read {SERVER_FOLDER}/posts.csv: line 3: {HOSTILE_TEXT}")

        with pytest.raises(ValueError):
            runs.run("file", HOSTILE[0], f"{SERVER_FOLDER}/posts.csv", fail)

    return make_warehouse("hostile-demo", load)


@pytest.fixture(scope="module")
def hostile_server(hostile_demo, tmp_path_factory):
    with serve(hostile_demo, tmp_path_factory.mktemp("streamlit-hostile") / "server.log") as base:
        yield base


LIVE = """() => [...document.querySelectorAll('a[href], img, [src], [srcset], [onerror]')].map(
    e => e.outerHTML.slice(0, 300))"""


def _assert_inert(page, where: str) -> str:
    """No element of the page links to, loads or runs anything hostile; the page's text."""
    live = [html for html in page.evaluate(LIVE)
            if any(host in html for host in BAD_HOSTS) or 'src="x"' in html or "onerror" in html]
    assert not live, (where, live)
    assert page.locator('[data-testid="stException"]').count() == 0, where
    return page.locator('[data-testid="stApp"]').inner_text()


def _pick_first_flag(page) -> str:
    """Select the Review queue's first row, as a reviewer does (issue #15: a flag is picked from
    the table, by the box at its row's left), wait for its panel, and check the page again."""
    grid = page.locator('[data-testid="stDataFrame"]').first.bounding_box()
    page.mouse.click(grid["x"] + 18, grid["y"] + 35 + 17)  # header ~35 px, rows ~35 px
    page.get_by_text("Decision history").wait_for()
    wait_settled(page)
    return _assert_inert(page, "review queue, a flag picked")


@pytest.mark.parametrize("page_file", sorted(HEADINGS))
def test_hostile_url_and_data_are_shown_as_text(page_file, browser, hostile_server, tmp_path):
    params = f"?from=2025-01-01&to=2025-06-30&q={quote(HOSTILE_TEXT)}"
    page = open_and_wait(browser, f"{hostile_server}/{url_path(page_file)}{params}", HEADINGS[page_file],
                         tmp_path / "page.png")
    try:
        text = _assert_inert(page, page_file)
        if page_file == "pages/1_Explore.py":  # the search text is echoed, as text
            assert HOSTILE[0] in text and HOSTILE[2] in text
        if page_file == "pages/4_Review_queue.py":  # the hostile flag is the first: its id and text
            text = _pick_first_flag(page)
            assert f"post {HOSTILE_ID}" in text and HOSTILE[1] in text and HOSTILE[3] in text
        if page_file == "pages/7_Data_health.py":  # the failed import: source and error as text
            assert HOSTILE[0] in text and HOSTILE[1] in text
            assert "…/posts.csv: line 3" in text and SERVER_FOLDER not in text
    finally:
        page.close()


def test_a_reviewer_s_reveal_is_inert_too(browser, hostile_server, tmp_path):
    page = open_and_wait(browser, f"{hostile_server}/Review_queue?from=2025-01-01&to=2025-06-30",
                         HEADINGS["pages/4_Review_queue.py"], tmp_path / "review.png")
    try:
        _pick_first_flag(page)
        page.get_by_role("button", name="Reveal this post").click()
        page.get_by_text("As posted (this reveal is recorded in the audit log):").wait_for()
        wait_settled(page)  # the post itself is drawn by the same rerun, after its label
        page.locator('[data-testid="stApp"]').get_by_text("401 023 2137").first.wait_for()
        text = _assert_inert(page, "reveal")
        assert "401 023 2137" in text and HOSTILE[2] in text
    finally:
        page.close()


def test_tables_have_no_toolbar_download(browser, hostile_server, tmp_path):
    page = open_and_wait(browser, f"{hostile_server}/Explore?from=2025-01-01&to=2025-06-30",
                         HEADINGS["pages/1_Explore.py"], tmp_path / "explore.png")
    try:
        page.locator('[data-testid="stDataFrame"]').first.hover()
        toolbar = page.locator('[data-testid="stElementToolbar"] button')
        toolbar.first.wait_for()
        labels = [button.get_attribute("aria-label") for button in toolbar.all()]
        assert "Search" in labels and "Download as CSV" not in labels, labels
        assert page.get_by_role("button", name="Download posts (CSV)").count() == 1  # the audited one
    finally:
        page.close()
