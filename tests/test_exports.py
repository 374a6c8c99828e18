"""Issue #18, items 5 and 6: what leaves the dashboard as a file, and what its tables show.

A post's text can be a spreadsheet formula. The CSV quotes every field and defuses every line
of a cell (a bare carriage return ends the row for some readers); the Excel file holds strings
only; the tables on the page are defused too; and there is one download path, audited.
Real warehouse, real Streamlit (AppTest); the files are read back as a spreadsheet would.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from xml.etree import ElementTree

import pandas as pd
import pytest

from store import access
from tests.support import ROOT, load_and_build, post
from tests.test_app import downloads, open_page, signed_in  # noqa: F401 (fixture)
from ui import labels, tables

pytestmark = pytest.mark.app

FORMULA = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = ["\r=cmd|' /C calc'!A0", "fine\n+HYPERLINK(\"http://evil.example\",\"click\")",
           "@ SUM(1+1)*cmd|' /C calc'!A0", "=1+1", "see you\r\n-2+3 tomorrow", "\t=tab"]
PARAMS = {"from": "2025-05-01", "to": "2025-05-31"}


@pytest.fixture
def hostile(data_dir, tmp_path, downloads):  # noqa: F811 (downloads: recorded from the first run)
    load_and_build(tmp_path, [post(f"h{i}", text=text, trust_code="RR8", created_at=f"2025-05-0{i + 1}T09:00:00+00:00")
                              for i, text in enumerate(HOSTILE)])
    return open_page("pages/1_Explore.py", PARAMS, user=signed_in("ann@nhs.net", "admin"))


def _lines(text: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", text)


def _live(line: str) -> bool:
    """A physical line a spreadsheet could start a formula on: it starts with a formula
    character, or with a quote and then one."""
    return line.startswith(FORMULA) or (line.startswith('"') and line[1:2] != "" and line[1] in FORMULA)


def test_csv_download_quotes_every_field_and_defuses_every_line(hostile, downloads):  # noqa: F811
    at = hostile
    assert not at.exception, at.exception
    served = downloads[at.download_button(key="download_posts").proto.deferred_file_id]()
    text = served.decode("utf-8-sig")
    assert not [line for line in _lines(text) if _live(line)], "a line starts like a formula"
    records = list(csv.reader(io.StringIO(text, newline="")))
    assert len(records) == len(HOSTILE) + 1
    column = records[0].index(labels.EXPLORE_TEXT)
    shown = sorted(r[column] for r in records[1:])
    assert shown == sorted(tables.defuse(t) for t in HOSTILE)
    for cell in shown:  # every line of every cell defused
        assert not [line for line in _lines(cell) if line.startswith(FORMULA)], repr(cell)
    # every field quoted: writing the records back with every field quoted gives the same text
    again = io.StringIO()
    csv.writer(again, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(records)
    assert again.getvalue() == text


def _sheet(workbook: bytes) -> tuple[list[ElementTree.Element], list[str]]:
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(io.BytesIO(workbook)) as z:
        sheet = ElementTree.fromstring(z.read("xl/worksheets/sheet1.xml"))
        strings = ElementTree.fromstring(z.read("xl/sharedStrings.xml"))
    shared = ["".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")) for si in strings.findall("m:si", ns)]
    return sheet.findall(".//m:c", ns), shared


def test_excel_download_holds_strings_never_formulas(hostile, downloads):  # noqa: F811
    at = hostile
    served = downloads[at.download_button(key="download_posts_xlsx").proto.deferred_file_id]()
    cells, shared = _sheet(served)
    assert cells and all(c.get("t") == "s" for c in cells), "every cell a shared string"
    assert not [c for c in cells if c.find("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}f") is not None]
    def breaks(text: str) -> str:  # XlsxWriter keeps a carriage return as _x000D_; XML reads \r as \n
        return re.sub(r"\r\n?", "\n", text.replace("_x000D_", "\r"))

    for text in HOSTILE:
        assert breaks(tables.defuse(text)) in [breaks(s) for s in shared], repr(text)
    assert not [s for s in shared if any(line.startswith(FORMULA) for line in _lines(s.replace("_x000D_", "\r")))]


def test_tables_on_the_page_show_defused_text(hostile):
    shown = hostile.dataframe[0].value[labels.EXPLORE_TEXT].tolist()
    assert sorted(shown) == sorted(tables.defuse(t) for t in HOSTILE)
    assert "'=1+1" in shown


def _exports() -> pd.DataFrame:
    return access.audit_log().query("action == 'export'")


def test_each_download_is_audited_with_table_filters_rows_and_format(hostile, downloads):  # noqa: F811
    """The audit row is written when the file is made (the button's deferred callable, which
    Streamlit runs outside the page's script when the file is asked for), never on showing the
    button; a click does not rerun the page (``on_click="ignore"``, issue #16 tryout)."""
    at = hostile
    csv_button, xlsx_button = at.download_button(key="download_posts"), at.download_button(key="download_posts_xlsx")
    assert csv_button.proto.ignore_rerun and xlsx_button.proto.ignore_rerun
    at.run()  # another run of the page: still nothing downloaded, nothing audited
    assert _exports().empty
    served = downloads[at.download_button(key="download_posts").proto.deferred_file_id]()
    assert len(_exports()) == 1 and served.startswith(b"\xef\xbb\xbf")  # the file, then its row
    downloads[at.download_button(key="download_posts_xlsx").proto.deferred_file_id]()
    exports = _exports()
    assert exports["user"].tolist() == ["ann@nhs.net", "ann@nhs.net"]
    assert exports["detail"].str.startswith(f"{len(HOSTILE)} posts as ").all()
    assert [d.split(";")[0].rsplit(" ", 1)[1] for d in exports["detail"]] == ["CSV", "Excel"]
    assert all("; 2025-05-01 to 2025-05-06; regions all; trusts all" in d for d in exports["detail"])


def test_a_file_that_cannot_be_made_is_not_audited_and_every_made_file_is(data_dir):
    """``tables.audited`` writes the row after the file is made and before it is handed over:
    a failure to make it writes none; each file made (a second click too) writes one, under the
    person who was shown the button (the callable runs with no session of its own)."""
    scope = access.Scope("manager", "mo@nhs.net", trusts=("RR8",))

    def broken():
        raise RuntimeError("the warehouse went away")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tables.auth, "current_scope", lambda: scope)
        failing = tables.audited(broken, "posts", 3, "CSV", None)
        working = tables.audited(lambda: b"a,b\n", "posts", 3, "CSV", None)
    with pytest.raises(RuntimeError):
        failing()
    assert _exports().empty
    assert working() == b"a,b\n" and working() == b"a,b\n"
    exports = _exports()
    assert exports["user"].tolist() == ["mo@nhs.net"] * 2 and exports["role"].tolist() == ["manager"] * 2
    assert exports["detail"].tolist() == ["3 posts as CSV"] * 2


def test_every_download_button_is_made_by_the_audited_callable():
    """Every st.download_button call in ui/tables.py passes ``data=audited(...)`` and
    ``on_click="ignore"``: no button serves a file without its audit row, or reruns the page."""
    import ast
    tree = ast.parse((ROOT / "ui" / "tables.py").read_text())
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
             and getattr(node.func, "attr", "") == "download_button"]
    assert len(calls) == 4
    for call in calls:
        keywords = {k.arg: k.value for k in call.keywords}
        assert getattr(keywords["data"], "func", None) is not None and keywords["data"].func.id == "audited", \
            ast.unparse(call)
        assert isinstance(keywords["on_click"], ast.Constant) and keywords["on_click"].value == "ignore"


def _calling(*calls: str) -> list[str]:
    """The page and ui files (dashboard.py included) whose code holds any of ``calls``."""
    files = [ROOT / "dashboard.py", *(path for folder in ("pages", "ui") for path in sorted((ROOT / folder).glob("*.py")))]
    return [path.relative_to(ROOT).as_posix() for path in files if any(call in path.read_text() for call in calls)]


def test_there_is_one_download_path():
    """Every download button is made by ui.tables.download (audited, demo data marked); the
    data grid's own download is off (client.disableDataExport, tests/test_security.py)."""
    assert _calling("download_button(") == ["ui/tables.py"]


def test_there_is_one_table_path():
    """Every table a page shows goes through ui.tables.show (defused, captioned as synthetic on
    demo data): no page or other ui module makes a grid or table itself (issues #12, #18)."""
    assert _calling(".dataframe(", "st.table(", ".data_editor(") == ["ui/tables.py"], \
        "pages show tables through ui.tables.show"


def test_defuse_covers_every_line_of_a_cell():
    assert tables.defuse("a\r=b\n+c\r\n@d") == "a\r'=b\n'+c\r\n'@d"
    assert tables.defuse("-1") == "'-1" and tables.defuse("ok") == "ok" and tables.defuse(3) == 3
    frame = pd.DataFrame({"t": ["=x", None], "n": [1, 2]})
    assert tables.defused(frame)["t"].tolist()[0] == "'=x" and tables.defused(frame)["n"].tolist() == [1, 2]


def _linked_table() -> None:
    import pandas as pd
    import streamlit as st
    from ui import tables
    frame = pd.DataFrame({"Question": ["a", "b"], "Link": ["https://example.org/1", None]})
    tables.show(frame, "open questions", None, column_config={"Link": st.column_config.LinkColumn(display_text="open")})


def test_a_missing_link_is_an_empty_cell_and_the_buttons_read_naturally(demo_data, use_data, downloads):  # noqa: F811
    """Open questions showed a grey "None" where a post has no link; its buttons read
    "Download these open questions", and on other pages "Download these chart data"."""
    from streamlit.testing.v1 import AppTest
    use_data(demo_data)
    at = AppTest.from_function(_linked_table, default_timeout=60).run()
    assert not at.exception, at.exception
    assert at.dataframe[0].value["Link"].tolist() == ["https://example.org/1", ""]
    served = downloads[at.download_button(key="download_open_questions").proto.deferred_file_id]()
    assert pd.read_csv(io.BytesIO(served), encoding="utf-8-sig", dtype=str, keep_default_na=False)["Link"].tolist() \
        == ["https://example.org/1", ""]
    assert [b.label for b in at.get("download_button")] == ["Download open questions (CSV)",
                                                            "Download open questions (Excel)"]
