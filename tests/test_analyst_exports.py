"""Issue #15, section 2: every table a page shows exports CSV and Excel through the one audited
path; the Excel file's second sheet states the filters, the build, the suppression rule and the
definitions, as strings; rules are read by title and dates in one UK format.

Real warehouses (the seeded demo), real Streamlit (AppTest), files read back with openpyxl.
"""
from __future__ import annotations

from tests.support import drawn_figures

import io
import json

import openpyxl
import pandas as pd
import pytest

from store import access
from tests.test_app import HEADINGS, downloads, open_page, signed_in  # noqa: F401 (fixture)
from ui import disclosure, formats, tables
from warehouse import rules
from warehouse.measures import DEFINITIONS
from warehouse.rules import packs

pytestmark = pytest.mark.app

RANGE = {"from": "2024-07-01", "to": "2025-06-30"}


def _workbook(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def _cells(sheet) -> list:
    return [cell for row in sheet.iter_rows() for cell in row]


@pytest.mark.parametrize("page", sorted(HEADINGS))
def test_every_table_on_every_page_has_its_csv_and_excel_download(page, demo_data, use_data):
    """Before issue #15 only Explore, the FAQ and no other table could be taken away (the
    Overview's trust table, the flag and response tables had no download at all)."""
    use_data(demo_data)
    at = open_page(page, RANGE)
    assert not at.exception, at.exception
    buttons = [b for b in at.get("download_button")]
    labels = [b.proto.label for b in buttons]
    csv = [lab for lab in labels if lab.endswith("(CSV)")]
    excel = [lab for lab in labels if lab.endswith("(Excel)")]
    # every table: one CSV and one Excel button (a chart's data table, issue #15 section 1, too)
    assert len(csv) == len(excel) >= len(at.dataframe), (page, len(at.dataframe), labels)


def test_excel_about_sheet_states_filters_build_suppression_and_definitions(demo_data, use_data, downloads,
                                                                             read_published):  # noqa: F811
    use_data(demo_data)
    at = open_page("pages/2_Patient_questions.py", RANGE | {"region": "Y63"})
    assert not at.exception, at.exception
    button = at.download_button(key="download_questions_by_trust_xlsx")
    book = _workbook(downloads[button.proto.deferred_file_id]())
    assert book.sheetnames == ["RadSoMe", "About"]
    shown = at.dataframe[0].value
    data_rows = list(book["RadSoMe"].iter_rows(values_only=True))
    assert len(data_rows) == len(shown) + 1  # header, then exactly the rows shown
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)}
    assert about["Table"] == "questions by trust" and about["Rows"] == f"{len(shown):,}"
    assert about["Filters"].startswith("2024-07-01 to 2025-06-30; regions ['Y63']; trusts all")
    built = read_published(demo_data, "SELECT built_at FROM build_info")[0][0]
    assert about["Warehouse built"] == pd.Timestamp(built).tz_convert("Europe/London").strftime("%Y-%m-%d %H:%M:%S")
    assert about["Suppression"] == disclosure.RULE
    assert set(DEFINITIONS.values()) <= set(about.values())
    assert "synthetic" in about["Data"].lower()  # demo data said on the About sheet too
    # strings only, on both sheets: nothing a spreadsheet would run or convert
    for sheet in book.worksheets:
        assert {c.data_type for c in _cells(sheet) if c.value is not None} == {"s"}, sheet.title


def test_about_sheet_is_formula_safe():
    """A table name or note that starts like a formula stays text on the About sheet."""
    about = tables.about_rows("=HYPERLINK(\"http://evil.example\")", 1, None, None,
                              notes=[("@SUM(1)", "+cmd|' /C calc'!A0")])
    book = _workbook(tables.to_xlsx(pd.DataFrame({"a": ["-2+3"]}), about=about))
    values = [c.value for c in _cells(book["About"])] + [c.value for c in _cells(book["RadSoMe"])]
    assert "'=HYPERLINK(\"http://evil.example\")" in values and "'@SUM(1)" in values and "'-2+3" in values
    assert not [v for v in values if isinstance(v, str) and v[:1] in "=+-@"]


def test_table_downloads_are_audited_with_their_filters(demo_data, use_data, tmp_path, monkeypatch,
                                                       downloads):  # noqa: F811
    use_data(demo_data)
    at = open_page("dashboard.py", RANGE | {"platform": "x"})
    assert not at.exception, at.exception
    downloads[at.download_button(key="download_posts_by_trust_xlsx").proto.deferred_file_id]()
    detail = access.audit_log().query("action == 'export'")["detail"].iloc[-1]
    assert " posts by trust as Excel; 2024-07-01 to 2025-06-30; regions all; trusts all; platforms ['x']" in detail


def test_rules_are_read_by_title_never_by_code(demo_data, use_data):
    """Guideline flags: the bars by family and by rule and the flagged posts name rules by title
    (before: ``POLICY-ENGAGEMENT`` and ``clinical_advice`` on the axis and in the table)."""
    use_data(demo_data)
    at = open_page("pages/5_Guideline_flags.py", RANGE)
    assert not at.exception, at.exception
    codes = {r.rule_id for r in packs.RULES} | {"POLICY-ENGAGEMENT", "POLICY-DISCLAIMER"}
    specs = json.dumps(drawn_figures(at))
    names = set()
    for spec in drawn_figures(at):
        for trace in spec["data"]:
            if trace.get("orientation") == "h":
                names |= {str(y) for y in trace.get("y", [])}
    assert names and not names & codes, names
    assert rules.title("CONF-NHS-NUMBER") in specs or names
    for frame in (d.value for d in at.dataframe):
        if "Rule" in frame.columns:
            assert not set(frame["Rule"]) & codes
            assert set(frame["Rule"]) <= {rules.title(c) for c in codes}


def test_dates_read_one_uk_way_in_every_table(demo_data, use_data):
    """Every date-time column of a table is drawn as "3 Mar 2025, 14:05" (ui.formats.GRID_MOMENT,
    as formats.moment writes it): before, the flagged posts showed "2025-03-03 14:05:00"."""
    use_data(demo_data)
    at = open_page("pages/5_Guideline_flags.py", RANGE, user=signed_in("ann@nhs.net", "admin"))
    assert not at.exception, at.exception
    [flagged] = [d for d in at.dataframe if "Posted (UK time)" in d.value.columns]
    config = json.loads(flagged.proto.columns)
    assert config["Posted (UK time)"]["type_config"]["format"] == formats.GRID_MOMENT
    assert formats.moment(pd.Timestamp("2025-03-03 14:05")) == "3 Mar 2025, 14:05"


# --- every matching row, streamed (Explore; one row per question) ---------------------------------

UK_DAY = "(created_at AT TIME ZONE 'Europe/London')::DATE"
ASKED_DAY = "(asked_at AT TIME ZONE 'Europe/London')::DATE"
ALL = {"from": "2023-01-01", "to": "2025-06-30"}


def _prepare(at, key: str, kind: str = "csv"):
    at.segmented_control(key=f"{key}_kind").set_value(kind).run()
    at.button(key=f"{key}_prepare").click().run()
    assert not at.exception, at.exception
    return at


def _served(at, key: str, downloads) -> bytes:  # noqa: F811
    return downloads[at.download_button(key=f"{key}_download").proto.deferred_file_id]()


def _csv(content: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(content), encoding="utf-8-sig", dtype=str, keep_default_na=False)


def test_explore_exports_every_matching_post_not_only_the_newest_1000(demo_data, use_data, downloads,
                                                                      read_published):  # noqa: F811
    use_data(demo_data)
    expected = read_published(demo_data, f"SELECT count(*) FROM posts WHERE {UK_DAY} BETWEEN '2023-01-01' AND '2025-06-30'")[0][0]
    assert expected > 1_000
    at = open_page("pages/1_Explore.py", ALL)
    assert len(at.dataframe[0].value) == tables.PAGE_ROWS  # the page shows the newest 1,000 a page at a time
    newest = _csv(downloads[at.download_button(key="download_posts").proto.deferred_file_id]())
    assert len(newest) == 1_000  # ... its download holds all of them ...
    assert any(f"{expected:,}" in m.value for m in at.markdown)  # ... and says how many match
    at = _prepare(at, "export_posts")
    progress = at.get("progress")
    assert progress and progress[-1].proto.value == 100 and f"{expected:,}" in progress[-1].proto.text
    exported = _csv(_served(at, "export_posts", downloads))
    assert len(exported) == expected and exported["Data"].eq(tables.SYNTHETIC_VALUE).all()
    ids = read_published(demo_data, f"SELECT platform, post_id FROM posts WHERE {UK_DAY} BETWEEN '2023-01-01' AND "
                                    "'2025-06-30' ORDER BY created_at DESC, platform, post_id")
    assert list(zip(exported["Platform"].map({v: k for k, v in formats.PLATFORMS.items()}), exported["Post id"])) == ids
    # the newest 1,000 shown are the first 1,000 exported, cell for cell (text redacted the same way)
    shown = at.dataframe[0].value
    assert exported[labels_text()].head(tables.PAGE_ROWS).tolist() == [tables.defuse(t) for t in shown[labels_text()]]
    assert exported[labels_text()].head(1_000).tolist() == newest[labels_text()].tolist()
    before = len(access.audit_log().query("action == 'export'"))
    assert at.download_button(key="export_posts_download").proto.ignore_rerun
    _served(at, "export_posts", downloads)  # the file asked for again: audited again
    exports = access.audit_log().query("action == 'export'")
    assert len(exports) == before + 1
    detail = exports["detail"].iloc[-1]
    assert detail.startswith(f"{expected:,} posts (every match) as CSV; ") and " to 2025-06-30; " in detail


def labels_text() -> str:
    from ui import labels
    return labels.EXPLORE_TEXT


def test_full_export_is_capped_newest_first_and_says_so(demo_data, use_data, downloads, monkeypatch):  # noqa: F811
    use_data(demo_data)
    monkeypatch.setattr(tables, "EXPORT_CAP", 700)
    at = open_page("pages/1_Explore.py", ALL)
    assert any("at most 700 rows: the newest 700" in m.value for m in at.markdown)
    at = _prepare(at, "export_posts", "xlsx")
    book = _workbook(_served(at, "export_posts", downloads))
    rows = list(book["RadSoMe"].iter_rows(values_only=True))
    assert len(rows) == 701  # header + the cap
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True)}
    assert about["Table"] == "posts (every match)" and about["Rows"] == "700"
    posted = pd.to_datetime([r[rows[0].index("Posted (UK time)")] for r in rows[1:]])
    assert posted.is_monotonic_decreasing  # newest first


def test_full_export_holds_only_the_rows_the_scope_may_read(demo_data, use_data, downloads,
                                                            read_published):  # noqa: F811
    use_data(demo_data)
    trust, name = read_published(demo_data, "SELECT p.trust_code, t.trust_name FROM posts p JOIN trusts t USING "
                                             "(trust_code) GROUP BY ALL ORDER BY count(*) DESC LIMIT 1")[0]
    expected = read_published(demo_data, f"SELECT count(*) FROM posts WHERE trust_code = $t AND {UK_DAY} "
                                         "BETWEEN '2023-01-01' AND '2025-06-30'", {"t": trust})[0][0]
    at = open_page("pages/1_Explore.py", ALL, user=signed_in("tm@nhs.net", "trust_manager", trust_code=trust))
    assert not at.exception, at.exception
    exported = _csv(_served(_prepare(at, "export_posts"), "export_posts", downloads))
    assert len(exported) == expected > 0
    assert set(exported["Trust"]) == {formats.org_name(name)}


def test_no_login_gets_no_row_export(demo_data, use_data, monkeypatch):
    """Without login on real-data terms (no open demo), no rows and so no row export."""
    use_data(demo_data)
    monkeypatch.delenv("RADSOME_OPEN_DEMO")
    at = open_page("pages/2_Patient_questions.py", ALL)
    assert not at.exception, at.exception
    assert not [b for b in at.button if (b.key or "").startswith("export_")]


def test_one_row_per_question_export_matches_the_episodes(demo_data, use_data, downloads,
                                                          read_published):  # noqa: F811
    use_data(demo_data)
    truth = read_published(demo_data, f"""
        SELECT post_id, author_key, answered_by_role, round(duration_seconds)::BIGINT,
               round(service_duration_seconds)::BIGINT, NOT is_answered, within_target, policy_version
        FROM patient_questions WHERE {ASKED_DAY} BETWEEN '2023-01-01' AND '2025-06-30'""")
    assert len(truth) > 50
    for page in ("pages/2_Patient_questions.py", "pages/3_Response_times.py"):
        at = open_page(page, ALL)
        assert not at.exception, at.exception
        exported = _csv(_served(_prepare(at, "export_questions"), "export_questions", downloads))
        assert len(exported) == len(truth), page
        assert exported["Post id"].is_unique
        rows = exported.set_index("Post id")
        for post_id, asker, by, wait, service, censored, met, policy in truth:
            row = rows.loc[post_id]
            assert row["Asker (pseudonym)"] == asker and asker.startswith("p_")
            assert row["Wait (seconds)"] == str(wait) and row["Service wait (staffed seconds)"] == ("" if service is None else str(service))
            assert row["Censored (no answer yet)"] == ("Yes" if censored else "No")
            assert (row["First answer (UK time)"] == "") == censored and (row["Waited until (UK time)"] == "") != censored
            assert row["Answered by (role)"] == ("" if by is None else formats.role(by))
            assert row["Target met"] in ({"Yes"} if met is True else {"No"} if met is False else {"Not yet known", "No target"})
            assert row["Policy version"] == ("" if policy is None else str(policy))
        assert exported["Question (identifiers removed)"].str.len().gt(0).all()


def test_the_overview_scorecard_downloads_as_shown(demo_data, use_data, downloads):  # noqa: F811
    """The scorecard is a table drawn cell by cell; it has the same audited download."""
    use_data(demo_data)
    at = open_page("dashboard.py", ALL)
    assert not at.exception, at.exception
    book = _workbook(downloads[at.download_button(key="download_scorecard_xlsx").proto.deferred_file_id]())
    rows = list(book["RadSoMe"].iter_rows(values_only=True))
    assert "Measure" in rows[0] and len(rows) > 3
    measures = [r[rows[0].index("Measure")] for r in rows[1:]]
    shown = [link.proto.label for link in at.main.get("page_link") if link.proto.label in measures]
    assert shown == measures  # the same rows, in the page's order


def test_in_use_tables_name_families_and_rules():
    """How often flags are right, by family or rule: names, not ``boundaries`` or rule codes."""
    from ui import inuse
    frame = pd.DataFrame({"group_code": ["boundaries", "CONF-NHS-NUMBER"], "n_flags": [10, 10], "n_reviewed": [0, 0],
                          "n_upheld": [0, 0], "n_dismissed": [0, 0]})
    assert inuse.review_precision_table(frame.head(1), by="family").iloc[0, 0] == "Professional boundaries"
    assert inuse.review_precision_table(frame.tail(1), by="rule").iloc[0, 0] == rules.title("CONF-NHS-NUMBER")
