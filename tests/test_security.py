"""Issue #18, the dashboard's side: counts-only without login reads no rows (item 1), the open
demo is an explicit setting and never prepares data for a visitor before sign-in (items 2 and
10), sign-in admits only verified identities of the configured tenant (item 4), Data health is
for administrators with paths stripped (item 12), links are checked (item 14) and the
production configuration (item 15). Real DuckDB warehouses, real Streamlit (AppTest)."""
from __future__ import annotations

import re
import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from store import access, config, reader
from tests.conftest import OPEN_DEMO_ENV
from tests.support import ROOT, load_and_build, post
from tests.conftest import TEST_KEY
from tests.test_access import ACCOUNTS, SECRET, VISIBLE, _shown
from tests.test_app import HEADINGS, HOME, TEST_AUTH, TEST_SECRETS, TEST_TENANT, claims, signed_in, texts
from ui import auth, labels, page, safe

pytestmark = pytest.mark.app

TENANT_ENV = "RADSOME_TENANT_ID"
OTHER_TENANT = "0d7a1e2b-5c3f-4e6a-8b9d-1f2e3a4b5c6d"
WHOLE_YEAR = {"from": "2025-01-01", "to": "2025-12-31"}
# Columns of a table made of rows (posts, questions, flags): none may show a row without login.
ROW_COLUMNS = {"Post id", "Thread id", "Author", labels.EXPLORE_TEXT, "Posted (UK time)", "Asked (UK time)",
               "Question (identifiers removed)", "Evidence (identifiers removed)",
               "Post (identifiers removed)", "Link", "Waiting"}
POST_IDS = [f"{trust}-{kind}{i}" for trust in ("RR8", "RJZ") for kind in "qaf" for i in range(6)]


def _two_trust_posts() -> list[dict]:
    """Per trust: 6 patient questions (3 answered by the trust's radiographer) and 6 staff posts
    that break the confidentiality rule; every text carries the trust's marker word."""
    rows = []
    for trust, staff, word in (("RR8", "jo", VISIBLE), ("RJZ", "al", SECRET)):
        for i in range(6):
            day = f"2025-03-{i + 1:02d}T10:00:00+00:00"
            rows.append(post(f"{trust}-q{i}", author_id=f"pat-{trust}-{i}", trust_code=trust, created_at=day,
                             text=f"Hi, how long do my MRI results take? I'm worried {word} {i}"))
            if i % 2 == 0:
                rows.append(post(f"{trust}-a{i}", author_id=staff, parent_id=f"{trust}-q{i}",
                                 created_at=day.replace("T10", "T12"),
                                 text=f"Sorry to hear, about two weeks, see nhs.uk {word} {i}"))
            rows.append(post(f"{trust}-f{i}", author_id=staff, created_at=day.replace("T10", "T15"),
                             text=f"lady in bay 4 NHS no 401 023 2137 needs rebooking {word} {i}"))
    return rows


@pytest.fixture(scope="module")
def real_two_trusts(tmp_path_factory):
    """A real (not demo) warehouse of two trusts with questions, answers and flags; no login."""
    folder = tmp_path_factory.mktemp("no-login")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(config.DATA_ENV, str(folder / "data"))
        patch.setenv(config.PSEUDONYM_KEY_ENV, TEST_KEY)
        load_and_build(folder, _two_trust_posts(), ACCOUNTS)
    return folder / "data"


@pytest.fixture
def use_two_trusts(real_two_trusts, use_data):
    return use_data(real_two_trusts)


def _open(page_file: str = HOME, params: dict | None = None, secrets: dict | None = None,
          user: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / HOME), default_timeout=60)
    for name, section in (secrets or {}).items():
        at.secrets[name] = section
    if user is not None:
        at.user = user
    at.query_params.update(params or {})
    if page_file != HOME:
        at.switch_page(page_file)
    return at.run()


# --- item 1: without login, no rows -------------------------------------------------------------

@pytest.mark.slow
def test_the_no_login_scope_reads_no_row_in_the_connection(use_two_trusts):
    con = reader.connect_published(scope=access.NO_LOGIN)
    try:
        cursor = reader.reader_cursor(con)
        for table in access.ROW_TABLES:
            assert cursor.execute(f'SELECT count(*) FROM "{table}"').fetchall() == [(0,)], table
        # counts and rates stay: the daily pre-aggregates are not row tables
        assert cursor.execute("SELECT sum(n_posts) FROM daily_post_counts").fetchall() == [(30,)]
        assert cursor.execute("SELECT sum(n_questions) FROM daily_question_counts").fetchall() == [(12,)]
        for table in access.ADMIN_TABLES:
            assert cursor.execute(f'SELECT count(*) FROM "{table}"').fetchall() == [(0,)], table
    finally:
        con.close()


@pytest.mark.slow
@pytest.mark.parametrize("page_file", sorted(HEADINGS))
def test_without_login_no_page_shows_a_post_question_or_flag(use_two_trusts, page_file):
    at = _open(page_file, WHOLE_YEAR | {"q": "MRI"})
    assert not at.exception, at.exception
    assert auth.NO_LOGIN_WARNING in texts(at.warning)
    for table in at.dataframe:
        shown = table.value
        assert not ROW_COLUMNS & set(shown.columns) or shown.empty, (page_file, list(shown.columns))
    text = _shown(at)
    assert not [post_id for post_id in POST_IDS if post_id in text], page_file
    assert not re.search(r"\b[ps]_[0-9a-f]{8,}", text), "an author pseudonym is shown"
    assert VISIBLE not in text and SECRET not in text
    if page_file in ("pages/1_Explore.py", "pages/2_Patient_questions.py", "pages/4_Review_queue.py",
                     "pages/5_Guideline_flags.py"):
        assert any(t.startswith("Sign in to see") for t in texts(at.info)), page_file


# --- items 2 and 10: the open demo is a setting, and nothing is prepared before sign-in ----------

def test_demo_data_runs_open_only_with_the_open_demo_setting(demo_data, use_data, monkeypatch):
    use_data(demo_data)
    params = {"from": "2025-04-01", "to": "2025-06-30"}
    monkeypatch.delenv(OPEN_DEMO_ENV)
    at = _open("pages/1_Explore.py", params)
    assert not at.exception, at.exception
    assert auth.LOCAL_DEMO not in texts(at.caption) and auth.NO_LOGIN_WARNING in texts(at.warning)
    assert not at.dataframe and any(t.startswith("Sign in to see posts") for t in texts(at.info))
    # on in .streamlit/secrets.toml
    at = _open("pages/1_Explore.py", params, secrets={"radsome": {"open_demo": True}})
    assert auth.LOCAL_DEMO in texts(at.caption) and len(at.dataframe[0].value) > 0
    # on in the environment
    monkeypatch.setenv(OPEN_DEMO_ENV, "1")
    at = _open("pages/1_Explore.py", params)
    assert auth.LOCAL_DEMO in texts(at.caption) and len(at.dataframe[0].value) > 0
    monkeypatch.setenv(OPEN_DEMO_ENV, "0")
    assert auth.LOCAL_DEMO not in texts(_open("pages/1_Explore.py", params).caption)


def test_the_open_demo_is_ignored_with_a_warning_when_login_is_configured(demo_data, use_data):
    use_data(demo_data)  # RADSOME_OPEN_DEMO=1 (tests/conftest.py)
    at = _open("pages/1_Explore.py", secrets=TEST_SECRETS, user={"is_logged_in": False})
    assert not at.exception, at.exception
    assert any("open demo" in t and "ignored because login is configured" in t for t in texts(at.warning))
    assert [b.label for b in at.button] == ["Sign in"] and not at.dataframe


def test_a_first_run_without_the_open_demo_generates_nothing(tmp_path, use_data, monkeypatch):
    monkeypatch.setattr(page, "DEMO_POSTS", 300)  # should the demo be made after all, quickly
    monkeypatch.delenv(OPEN_DEMO_ENV)
    use_data(tmp_path / "fresh")
    at = _open()
    assert not at.exception, at.exception
    assert not config.raw_path().exists() and not config.warehouse_path().exists()
    assert not at.status
    assert any("python -m ingest file" in t and f"{OPEN_DEMO_ENV}=1" in t for t in texts(at.info))


def test_a_first_run_with_login_configured_generates_nothing(tmp_path, use_data, monkeypatch):
    monkeypatch.setattr(page, "DEMO_POSTS", 300)
    use_data(tmp_path / "fresh")  # the open demo is set, and must not matter
    at = _open(secrets=TEST_SECRETS, user={"is_logged_in": False})  # the first anonymous visitor
    assert not at.exception, at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert not config.raw_path().exists() and not config.warehouse_path().exists()
    at = _open(secrets=TEST_SECRETS, user=signed_in("ann@nhs.net", "admin"))  # even an admin
    assert not at.exception, at.exception
    assert not config.raw_path().exists() and not config.warehouse_path().exists() and not at.status
    assert any("python -m warehouse build" in t for t in texts(at.info))


# --- item 4: sign-in admits verified identities of the configured tenant only --------------------

def _issuer(tenant: str) -> str:
    return f"https://login.microsoftonline.com/{tenant}/v2.0"


REFUSED = [
    # another tenant's unverified admin@ (the red team's case)
    (claims("admin@nhs.net", OTHER_TENANT, xms_edov=None, email_verified=False), "another tenant"),
    (claims("admin@nhs.net", OTHER_TENANT), "another tenant"),
    (claims("admin@nhs.net", iss=_issuer(OTHER_TENANT)), "not issued by the configured tenant"),
    (claims("admin@nhs.net", xms_edov=None), "not verified"),
    (claims("admin@nhs.net", xms_edov=False, email_verified="false"), "not verified"),
    # no fallback to claims a user can type
    ({k: v for k, v in claims("x").items() if k != "email"} | {"preferred_username": "admin@nhs.net",
                                                                 "upn": "admin@nhs.net"}, "no e-mail"),
    (claims("stranger@nhs.net"), "not in the users register"),
    # the register ties lead@ to one account (oid): the address alone is not enough
    (claims("lead@nhs.net", oid="11111111-2222-3333-4444-555555555555"), "another account"),
]


@pytest.fixture
def register(data_dir, tmp_path):
    load_and_build(tmp_path, [post("1")])
    access.store_users([
        {"email": "admin@nhs.net", "role": "admin", "trust_code": None, "region_code": None, "name": "Admin"},
        {"email": "lead@nhs.net", "role": "regional_lead", "trust_code": None, "region_code": "Y63",
         "name": "Lead", "oid": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"},
    ], "tests")


@pytest.mark.parametrize("user,why", REFUSED, ids=[why for _, why in REFUSED])
def test_sign_in_refuses_anyone_but_a_verified_identity_of_the_tenant(register, user, why):
    user = {k: v for k, v in user.items() if v is not None}
    at = _open(secrets=TEST_SECRETS, user=user)
    assert not at.exception, at.exception
    assert not at.metric and any("cannot use RadSoMe" in t and why in t for t in texts(at.error)), texts(at.error)
    denied = access.audit_log().query("action == 'denied'")
    assert len(denied) == 1 and why in denied["detail"].iloc[0]
    assert "login" not in access.audit_log()["action"].tolist()


@pytest.mark.parametrize("user,who", [
    (claims("Admin@NHS.net"), "admin@nhs.net"),                       # xms_edov: the tenant owns nhs.net
    (claims("admin@nhs.net", xms_edov=None, email_verified=True), "admin@nhs.net"),
    # keyed on the object id: the e-mail claim (here none) does not matter
    ({k: v for k, v in claims("x").items() if k != "email"} | {"oid": "AAAAAAAA-bbbb-cccc-dddd-eeeeeeeeeeee"},
     "lead@nhs.net"),
    (claims("lead@nhs.net", oid="aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"), "lead@nhs.net"),
    (claims("admin@nhs.net", iss=f"https://sts.windows.net/{TEST_TENANT}/"), "admin@nhs.net"),  # v1.0 token
])
def test_sign_in_admits_a_verified_identity_of_the_tenant(register, user, who):
    at = _open(secrets=TEST_SECRETS, user=user)
    assert not at.exception, at.exception
    assert f"Signed in as {safe.literal(who)}" in texts(at.caption)[0] and not at.error
    assert access.audit_log().query("action == 'login'")["user"].tolist() == [who]


def test_without_a_configured_tenant_nobody_is_admitted(register, monkeypatch):
    at = _open(secrets={"auth": TEST_AUTH}, user=claims("admin@nhs.net"))
    assert not at.metric and any("no tenant is configured" in t for t in texts(at.error))
    monkeypatch.setenv(TENANT_ENV, "nhs.net")  # a domain is not a tenant id
    at = _open(secrets={"auth": TEST_AUTH}, user=claims("admin@nhs.net"))
    assert not at.metric and any("is not a tenant id" in t for t in texts(at.error))
    monkeypatch.setenv(TENANT_ENV, TEST_TENANT.upper())  # the environment variable works
    at = _open(secrets={"auth": TEST_AUTH}, user=claims("admin@nhs.net"))
    assert not at.error and at.metric


def test_a_users_file_may_carry_each_person_s_object_id(data_dir, tmp_path):
    load_and_build(tmp_path, [post("1")])
    path = tmp_path / "users.csv"
    path.write_text("email,role,oid\nann@nhs.net,admin,AAAAAAAA-bbbb-cccc-dddd-eeeeeeeeeeee\n")
    access.load_users(path)
    assert access.find_user_by_oid("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")["email"] == "ann@nhs.net"
    path.write_text("email,role,oid\nann@nhs.net,admin,not-a-guid\n")
    with pytest.raises(access.UsersFileError, match=r"line 2: field 'oid'"):
        access.load_users(path)


# --- item 12: Data health is for administrators, paths stripped ---------------------------------

@pytest.fixture
def failed_run(data_dir, tmp_path):
    """A real (not demo) warehouse whose last file import failed with a server path in its error."""
    from store import runs

    load_and_build(tmp_path, [post("1", trust_code="RR8")])

    def work(con, run_id):
        raise ValueError("cannot read /srv/radsome/incoming/secret-folder/posts.csv: line 3")

    with pytest.raises(ValueError):
        runs.run("file", "nightly-import", "/srv/radsome/incoming/secret-folder/posts.csv", work)
    from warehouse.build import build
    build()


@pytest.mark.parametrize("role,allowed", [("admin", True), ("analyst", False), ("trust_manager", False),
                                          ("reviewer", False), (None, False)])
def test_data_health_is_for_administrators_only(failed_run, role, allowed):
    user = (signed_in("x@nhs.net", role, trust_code="RR8" if role == "trust_manager" else None)
            if role else None)
    at = _open("pages/7_Data_health.py", secrets=TEST_SECRETS if role else None, user=user)
    assert not at.exception, at.exception
    shown = _shown(at)
    if not allowed:
        assert "nightly-import" not in shown and "secret-folder" not in shown and not at.dataframe
        assert any("for RadSoMe administrators" in t for t in texts(at.info))
        return
    assert "nightly-import" in shown
    assert "secret-folder" not in shown and "/srv/radsome" not in shown, "a server path is shown"
    assert "posts.csv: line 3" in shown  # the file's name and the line stay
    assert at.dataframe[0].value["Last error"].str.contains("…/posts.csv").any()


def test_strip_paths_removes_folders_but_not_urls():
    assert safe.strip_paths("cannot read /srv/a/b/posts.csv: line 3") == "cannot read …/posts.csv: line 3"
    assert safe.strip_paths("locked: '/home/ann/data/raw.duckdb'") == "locked: '…/raw.duckdb'"
    assert safe.strip_paths(r"C:\Users\ann\in.csv bad") == "…/in.csv bad"
    assert safe.strip_paths("GET https://api.x.com/2/tweets/search failed") == "GET https://api.x.com/2/tweets/search failed"
    assert safe.strip_paths(None) == "" and safe.strip_paths(float("nan")) == ""


# --- item 14: links ----------------------------------------------------------------------------------

def test_explore_links_are_only_plain_web_addresses():
    import pandas as pd

    frame = pd.DataFrame({"posted_at": [pd.Timestamp("2025-01-01")] * 3, "text": ["a", "b", "c"],
                          "platform": ["x"] * 3, "author_role": ["patient_public"] * 3, "trust_name": ["T"] * 3,
                          "region_name": ["R"] * 3, "author": ["p_1"] * 3, "post_id": ["1", "2", "3"],
                          "thread_id": ["1", "2", "3"],
                          "url": ["javascript:alert(1)", "data:text/html,<script>", "https://x.com/i/status/3"]})
    links = [u if isinstance(u, str) else None for u in labels.explore_table(frame)["Link"]]
    assert links == [None, None, "https://x.com/i/status/3"]


# --- item 15: production configuration --------------------------------------------------------------

def test_the_dashboard_config_hides_errors_developer_options_and_table_downloads():
    client = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["client"]
    assert client["showErrorDetails"] == "none"
    assert client["toolbarMode"] == "viewer"
    assert client["showErrorLinks"] is False
    assert client["disableDataExport"] is True  # the data grid's own (unaudited) CSV download
