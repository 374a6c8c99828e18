"""Issue #15, section 2: every table a page shows exports CSV and Excel through the one audited
path; the Excel file's second sheet states the filters, the build, the suppression rule and the
definitions, as strings; rules are read by title and dates in one UK format.

Real warehouses (the seeded demo), real Streamlit (AppTest), files read back with openpyxl.
"""
from __future__ import annotations

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


def test_table_downloads_are_audited_with_their_filters(demo_data, use_data, tmp_path, monkeypatch):
    use_data(demo_data)
    at = open_page("dashboard.py", RANGE | {"platform": "x"})
    at.download_button(key="download_posts_by_trust_xlsx").click().run()
    assert not at.exception, at.exception
    detail = access.audit_log().query("action == 'export'")["detail"].iloc[-1]
    assert " posts by trust as Excel; 2024-07-01 to 2025-06-30; regions all; trusts all; platforms ['x']" in detail


def test_rules_are_read_by_title_never_by_code(demo_data, use_data):
    """Guideline flags: the bars by family and by rule and the flagged posts name rules by title
    (before: ``POLICY-ENGAGEMENT`` and ``clinical_advice`` on the axis and in the table)."""
    use_data(demo_data)
    at = open_page("pages/5_Guideline_flags.py", RANGE)
    assert not at.exception, at.exception
    codes = {r.rule_id for r in packs.RULES} | {"POLICY-ENGAGEMENT", "POLICY-DISCLAIMER"}
    specs = " ".join(chart.proto.spec for chart in at.get("plotly_chart"))
    names = set()
    for spec in (json.loads(c.proto.spec) for c in at.get("plotly_chart")):
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
