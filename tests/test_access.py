"""Access control (issue #7): the users register, scopes enforced in the database connection
for every page query, login gating, and no page leaking another trust's post text to a trust
manager through any filter, URL parameter or search. Real DuckDB, real Streamlit (AppTest)."""
from __future__ import annotations

import textwrap
from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from bench import scenarios
from store import access, config, reader, reviews
from tests.conftest import TEST_KEY
from tests.support import ROOT, load_and_build, post, run_cli
from tests.test_app import HEADINGS, HOME, TEST_SECRETS, claims, downloads  # noqa: F401 (fixture)
from warehouse import queries

pytestmark = pytest.mark.slow  # every page and query under each access scope, on its own build

ACCOUNTS = ("platform,author_id,role,trust_code,title\n"
            "x,jo,professional,RR8,Jo (radiographer)\nx,al,professional,RJZ,Al (radiographer)\n")
SECRET = "SECRETB"          # in every text of trust B (RJZ), and in its staff handle's posts
VISIBLE = "VISIBLEA"        # in every text of trust A (RR8)
EVERYTHING = queries.Filters(date(2025, 1, 1), date(2025, 12, 31))
USERS_CSV = textwrap.dedent("""\
    email,role,trust_code,region_code,name
    manager.a@nhs.net,trust_manager,RR8,,Manager A
    lead@nhs.net,regional_lead,,Y63,Lead North East
    analyst@nhs.net,analyst,,,Analyst
    reviewer.a@nhs.net,reviewer,RR8,,Reviewer A
    admin@nhs.net,admin,,,Admin
""")


def _posts() -> list[dict]:
    rows = []
    for trust, staff, word in (("RR8", "jo", VISIBLE), ("RJZ", "al", SECRET)):
        for i in range(12):
            day = f"2025-03-{i + 1:02d}T10:00:00+00:00"
            rows.append(post(f"{trust}-q{i}", author_id=f"pat-{trust}-{i}", trust_code=trust, created_at=day,
                             text=f"{word} how long do my MRI results take? question {i}"))
            rows.append(post(f"{trust}-a{i}", author_id=staff, parent_id=f"{trust}-q{i}", created_at=day.replace("T10", "T12"),
                             text=f"{word} sorry to hear, about two weeks, see nhs.uk {i}"))
            rows.append(post(f"{trust}-f{i}", author_id=staff, created_at=day.replace("T10", "T15"),
                             text=f"{word} lady in bay 4 NHS no 401 023 2137 needs rebooking {i}"))
    return rows


@pytest.fixture(scope="module")
def two_trusts(tmp_path_factory):
    """A real (not demo) warehouse with two trusts: A = RR8 (North East and Yorkshire), B = RJZ
    (London); every text of B carries SECRET."""

    folder = tmp_path_factory.mktemp("access")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(config.DATA_ENV, str(folder / "data"))
        patch.setenv(config.PSEUDONYM_KEY_ENV, TEST_KEY)
        load_and_build(folder, _posts(), ACCOUNTS)
        (folder / "users.csv").write_text(USERS_CSV)
        access.load_users(folder / "users.csv")
    return folder / "data"


@pytest.fixture
def use_two_trusts(two_trusts, use_data):
    use_data(two_trusts)
    return two_trusts


def _strings(frame: pd.DataFrame) -> str:
    return frame.astype(str).to_csv(index=False) if isinstance(frame, pd.DataFrame) else str(frame)


def _run_all(scope: access.Scope, filters: queries.Filters) -> dict[str, str]:
    """Every page's queries, with their default options, as ``scope`` sees the warehouse."""
    con = reader.connect_published(scope=scope)
    out = {}
    try:
        for page_queries in scenarios.PAGE_QUERIES.values():
            for function, options in page_queries:
                cursor = reader.reader_cursor(con)
                try:
                    out[f"{function.__name__}{options}"] = _strings(function(cursor, filters, **options))
                finally:
                    cursor.close()
    finally:
        con.close()
    return out


# --- scopes in the connection -------------------------------------------------------------------

def test_a_trust_manager_reads_no_other_trust_text_through_any_query(use_two_trusts):
    manager = access.scope_for(access.find_user("Manager.A@nhs.net"))
    assert manager.trusts == ("RR8",)
    for filters in (EVERYTHING, queries.Filters(EVERYTHING.start, EVERYTHING.end, trusts=("RJZ",)),
                    queries.Filters(EVERYTHING.start, EVERYTHING.end, regions=("Y56",), text=SECRET),
                    queries.Filters(EVERYTHING.start, EVERYTHING.end, text=SECRET)):
        results = _run_all(manager, filters)
        leaked = [name for name, text in results.items() if SECRET in text or "RJZ-" in text]
        assert not leaked, (filters, leaked)
    mine = _run_all(manager, EVERYTHING)
    assert any(VISIBLE in text for text in mine.values()), "the manager must see their own trust's posts"
    # the unrestricted connection does see B's text: the test above can fail
    assert any(SECRET in text for text in _run_all(access.EVERYTHING, EVERYTHING).values())


def test_counts_stay_national_for_comparison_but_rows_are_scoped(use_two_trusts):
    manager = access.scope_for(access.find_user("manager.a@nhs.net"))
    con = reader.connect_published(scope=manager)
    try:
        cur = reader.reader_cursor(con)
        assert cur.execute("SELECT count(DISTINCT trust_code) FROM daily_post_counts").fetchall() == [(2,)]
        assert cur.execute("SELECT DISTINCT trust_code FROM posts").fetchall() == [("RR8",)]
        assert cur.execute("SELECT DISTINCT trust_code FROM flags").fetchall() == [("RR8",)]
        assert cur.execute("SELECT count(*) FROM quarantine").fetchall() == [(0,)]
    finally:
        con.close()


def test_a_regional_lead_sees_their_region_only(use_two_trusts):
    lead = access.scope_for(access.find_user("lead@nhs.net"))
    results = _run_all(lead, EVERYTHING)
    assert not [n for n, t in results.items() if SECRET in t]
    assert any(VISIBLE in t for t in results.values())


def test_no_login_scope_reads_no_text_and_analyst_gets_pseudonyms(use_two_trusts):
    results = _run_all(access.NO_LOGIN, EVERYTHING)
    assert not [n for n, t in results.items() if SECRET in t or VISIBLE in t]
    analyst = access.scope_for(access.find_user("analyst@nhs.net"))
    con = reader.connect_published(scope=analyst)
    try:
        cur = reader.reader_cursor(con)
        keys = {k for (k,) in cur.execute("SELECT DISTINCT author_key FROM posts WHERE author_role = 'professional'").fetchall()}
        titles = cur.execute("SELECT count(account_title) FROM posts").fetchall()
        texts = cur.execute("SELECT count(*) FROM posts WHERE text LIKE '%' || $s || '%'", {"s": SECRET}).fetchall()
    finally:
        con.close()
    assert len(keys) == 2 and all(k.startswith("s_") and "jo" not in k for k in keys)
    assert titles == [(0,)] and texts[0][0] > 0  # analysts read (redacted) text, not staff names


# --- the users register ----------------------------------------------------------------------------

@pytest.mark.parametrize("row,field,words", [
    ("x@nhs.net,boss,,,", "role", "must be one of"),
    ("x@nhs.net,trust_manager,,,", "trust_code", "needs their trust"),
    ("x@nhs.net,trust_manager,ZZZ,,", "trust_code", "unknown trust"),
    ("x@nhs.net,regional_lead,,Q99,", "region_code", "unknown region"),
    ("not-an-email,admin,,,", "email", "not an e-mail"),
    ("admin@nhs.net,admin,,,", "email", "listed twice"),
    ("x@nhs.net,analyst,RR8,,", "trust_code", "sees every trust"),
])
def test_users_file_errors_name_file_line_and_field(use_two_trusts, tmp_path, row, field, words):
    path = tmp_path / "users.csv"
    path.write_text(USERS_CSV + row + "\n")
    before = access.find_user("manager.a@nhs.net")
    with pytest.raises(access.UsersFileError) as error:
        access.load_users(path)
    message = str(error.value)
    assert str(path) in message and "line 7" in message and repr(field) in message and words in message
    assert access.find_user("manager.a@nhs.net") == before  # nothing changed


def test_users_yaml_replaces_the_register_and_is_audited(data_dir, tmp_path):
    load_and_build(tmp_path, [post("1")])
    path = tmp_path / "users.yaml"
    path.write_text("- {email: Ann@NHS.net, role: reviewer, region_code: Y56}\n")
    assert access.load_users(path) == 1
    assert access.find_user("ann@nhs.net")["region_code"] == "Y56"
    assert access.find_user("manager.a@nhs.net") is None
    assert access.audit_log()["action"].tolist() == ["users_loaded"]


# --- reviews need the reviewer role and the flag in scope --------------------------------------------

def test_review_permission_is_enforced_in_code(use_two_trusts):
    manager = access.scope_for(access.find_user("manager.a@nhs.net"))
    reviewer = access.scope_for(access.find_user("reviewer.a@nhs.net"))
    admin = access.scope_for(access.find_user("admin@nhs.net"))
    with pytest.raises(PermissionError):
        reviews.record_decision("x", "RR8-f0", "CONF-NHS-NUMBER", "confirmed", "", "x", scope=manager)
    with pytest.raises(PermissionError):
        reviews.record_decision("x", "RJZ-f0", "CONF-NHS-NUMBER", "confirmed", "", "x", scope=reviewer)
    reviews.record_decision("x", "RR8-f0", "CONF-NHS-NUMBER", "confirmed", "", "typed name", scope=reviewer)
    reviews.record_decision("x", "RJZ-f0", "CONF-NHS-NUMBER", "dismissed", "", "", scope=admin)
    latest = reviews.latest_decisions().set_index("post_id")
    assert latest.loc["RR8-f0", "reviewer"] == "reviewer.a@nhs.net"  # the login, not a typed name
    log = access.audit_log()
    assert (log["action"] == "review").sum() == 2 and "RJZ-f0" in " ".join(log["detail"])


# --- the pages ----------------------------------------------------------------------------------------

def _app(page: str, user: dict | None, params: dict | None = None, login: bool = True) -> AppTest:
    at = AppTest.from_file(str(ROOT / HOME), default_timeout=60)
    if login:
        for name, section in TEST_SECRETS.items():
            at.secrets[name] = section
    if user is not None:
        at.user = user
    at.query_params.update(params or {})
    if page != HOME:
        at.switch_page(page)
    return at.run()


def _shown(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "text", "info", "warning", "error", "success", "title",
                 "subheader", "header", "code", "json", "table", "dataframe", "metric", "plotly_chart", "vega_lite_chart",
                 "selectbox", "multiselect", "text_input", "download_button"):
        for element in at.get(kind):
            for attr in ("value", "label", "body"):
                value = getattr(element, attr, None)
                if value is not None and not callable(value):
                    parts.append(_strings(value))
            proto = getattr(element, "proto", None)
            if proto is not None:
                parts.append(str(proto))
    return "\n".join(parts)


@pytest.mark.app
@pytest.mark.parametrize("page", sorted(HEADINGS))
def test_no_page_shows_another_trusts_text_to_a_trust_manager(use_two_trusts, page):
    user = claims("manager.a@nhs.net", name="Manager A")
    # B's trust and region in the URL, and a search that matches B's posts too (the search
    # term itself must not be the secret: the page rightly echoes what was typed)
    hostile = {"from": "2025-01-01", "to": "2025-12-31", "trust": "RJZ", "region": "Y56", "q": "MRI results"}
    for params in ({"from": "2025-01-01", "to": "2025-12-31"}, hostile):
        at = _app(page, user, params)
        assert not at.exception, at.exception
        shown = _shown(at)
        assert "Signed in as `manager.a@nhs.net`" in shown
        assert SECRET not in shown and "RJZ-" not in shown, page


@pytest.mark.app
def test_sign_in_is_required_and_unknown_accounts_are_refused(use_two_trusts):
    at = _app("pages/1_Explore.py", {"is_logged_in": False})
    assert not at.exception and [b.label for b in at.button] == ["Sign in"]
    assert not at.dataframe and VISIBLE not in _shown(at)
    at = _app("pages/1_Explore.py", claims("stranger@example.org"))
    assert not at.exception and "not in the users register" in _shown(at)
    assert not at.dataframe and VISIBLE not in _shown(at)
    log = access.audit_log()
    assert "denied" in log["action"].tolist() and "stranger@example.org" in log["user"].tolist()


@pytest.mark.app
def test_real_data_without_login_shows_counts_but_no_text(use_two_trusts):
    at = _app("pages/1_Explore.py", None, {"from": "2025-01-01", "to": "2025-12-31"}, login=False)
    assert not at.exception, at.exception
    shown = _shown(at)
    assert "No login is configured" in shown and VISIBLE not in shown and SECRET not in shown
    at = _app(HOME, None, {"from": "2025-01-01", "to": "2025-12-31"}, login=False)
    assert not at.exception and any(m.label == "Posts" for m in at.metric)


@pytest.mark.app
def test_a_login_is_audited_once_per_session(use_two_trusts):
    before = (access.audit_log()["action"] == "login").sum()
    at = _app(HOME, claims("admin@nhs.net"))
    at.run()
    assert (access.audit_log()["action"] == "login").sum() == before + 1


@pytest.mark.app
def test_an_export_is_audited_with_its_rows_and_filters(use_two_trusts, downloads):  # noqa: F811
    at = _app("pages/1_Explore.py", claims("manager.a@nhs.net"),
              {"from": "2025-01-01", "to": "2025-12-31", "q": "MRI"})
    assert not at.exception
    button = at.get("download_button")[0]
    served = downloads[button.proto.deferred_file_id]()  # as the server does, outside the page's run
    assert VISIBLE.encode() in served and SECRET.encode() not in served
    exports = access.audit_log().query("action == 'export'")
    assert len(exports) == 1
    assert exports["user"].iloc[0] == "manager.a@nhs.net" and "12 posts" in exports["detail"].iloc[0]
    assert "'MRI'" in exports["detail"].iloc[0]


def test_users_command_loads_and_errors_exit_2(data_dir, tmp_path):
    load_and_build(tmp_path, [post("1")])
    good, bad = tmp_path / "users.csv", tmp_path / "bad.csv"
    good.write_text(USERS_CSV)
    bad.write_text(USERS_CSV + "x@nhs.net,boss,,,\n")
    result = run_cli("ingest", "users", str(good))
    assert result.returncode == 0, result.stderr
    assert "5 users" in result.stdout and access.find_user("lead@nhs.net")["role"] == "regional_lead"
    result = run_cli("ingest", "users", str(bad))
    assert result.returncode == 2 and "line 7" in result.stderr and "'role'" in result.stderr
    assert access.find_user("lead@nhs.net") is not None  # the register is unchanged
