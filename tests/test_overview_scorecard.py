"""The Overview's scorecard, run headless with AppTest against the seeded demo warehouse: which
unit it shows (a trust or a region chosen in the sidebar, the signed-in user's home trust or
region, a unit pinned in the URL), and that what it shows is that unit's latest complete month
beside its region and England as the spc_points mart holds them (read here directly), small
numbers hidden, better / similar / worse with a symbol and a word, each row a link to its page
carrying the unit."""
from __future__ import annotations

import io
import shutil

import duckdb
import pandas as pd
import pytest

from store import config
from tests.test_app import downloads, open_page, signed_in  # noqa: F401 (fixture)
from ui import scorecard
from warehouse.measures import HEADLINE, MEASURES

pytestmark = pytest.mark.app


@pytest.fixture
def demo(demo_data, use_data, tmp_path):
    """A copy of the demo warehouse (signing in writes a users register into the data folder)."""
    folder = tmp_path / "data"
    shutil.copytree(demo_data, folder)
    use_data(folder)
    return folder


def published(folder, sql: str, params: dict | None = None) -> pd.DataFrame:
    con = duckdb.connect(str(folder / config.WAREHOUSE_FILE), read_only=True)
    try:
        return con.execute(sql, params or {}).df()
    finally:
        con.close()


def english_trust(folder) -> tuple[str, str]:
    """An English trust with a monthly point shown (not hidden) in its latest month, and its region."""
    row = published(folder, """
        SELECT p.unit_code, t.region_code, count(*) FILTER (WHERE NOT p.suppressed) AS shown
        FROM spc_points p JOIN trusts t ON t.trust_code = p.unit_code
        WHERE p.unit_type = 'trust' AND p.grain = 'month' AND t.nation = 'England'
          AND p.period_start = (SELECT max(period_start) FROM spc_points WHERE grain = 'month')
        GROUP BY ALL ORDER BY shown DESC, p.unit_code LIMIT 1""")
    return row["unit_code"].iloc[0], row["region_code"].iloc[0]


def clearly_better_and_worse(folder, trust: str) -> None:
    """The 3,000-post demo has no trust month big enough to differ from England: make the trust's
    latest month of 'answered' clearly better (190 of 200 questions) and of 'within_target'
    clearly worse (10 of 200) than any England value. The comparison itself is
    made by the page's query (Fingertips' method) from these values and CIs."""
    con = duckdb.connect(str(folder / config.WAREHOUSE_FILE))
    try:
        for measure, value, low, high, events in (("answered", 0.95, 0.90, 0.98, 190),
                                                  ("within_target", 0.05, 0.02, 0.10, 10)):
            con.execute("""UPDATE spc_points SET value = $v, ci_low = $lo, ci_high = $hi, n = 200, events = $e,
                               suppressed = false
                           WHERE unit_type = 'trust' AND unit_code = $t AND grain = 'month' AND measure = $m
                             AND period_start = (SELECT max(period_start) FROM spc_points
                                                 WHERE unit_type = 'trust' AND unit_code = $t AND grain = 'month'
                                                   AND measure = $m)""",
                        {"v": value, "lo": low, "hi": high, "e": events, "t": trust, "m": measure})
    finally:
        con.close()


def expected(folder, unit_type: str, unit_code: str, region: str | None, nation: str = "ENG") -> dict[str, list[str]]:
    """measure label -> [unit, (region,) nation] as text, from spc_points read directly: each
    measure's latest monthly point of the unit, and the same month's point of its region and
    nation, through the scorecard's display boundary (ui.disclosure via ui.scorecard.table)."""
    points = published(folder, "SELECT * FROM spc_points WHERE grain = 'month'")
    rows = []
    for measure in HEADLINE:
        mine = points[(points.unit_type == unit_type) & (points.unit_code == unit_code) & (points.measure == measure)]
        if mine.empty:
            continue
        latest = mine.sort_values("period_start").iloc[-1]
        row = {"measure": measure, "label": MEASURES[measure].label, "period_start": latest.period_start,
               "variation_icon": latest.variation_icon, "assurance_icon": latest.assurance_icon,
               "vs_region": "similar", "vs_nation": "similar"}
        for prefix, kind, code in (("", unit_type, unit_code), ("region_", "region", region), ("nation_", "nation", nation)):
            same = points[(points.unit_type == kind) & (points.unit_code == code) & (points.measure == measure)
                          & (points.period_start == latest.period_start)]
            use = prefix == "" or (code is not None and unit_type != "nation" and not same.empty)
            for c in ("value", "ci_low", "ci_high", "n", "events", "suppressed", "unit_code"):
                row[prefix + c] = same[c].iloc[0] if use else None
        rows.append(row)
    text = scorecard.table(pd.DataFrame(rows), unit_type)
    width = {"trust": 3, "region": 2, "nation": 1}[unit_type]
    return {r[0]: list(r[2:2 + width]) for r in text.itertuples(index=False)}


def links(at) -> dict[str, tuple[str, str]]:
    """label -> (page, query string) of the scorecard's row links."""
    labels = {MEASURES[m].label for m in HEADLINE}
    out: dict[str, tuple[str, str]] = {}
    for pl in at.get("page_link"):  # the scorecard's come first (the page's own links come later)
        if pl.proto.label in labels:
            out.setdefault(pl.proto.label, (pl.proto.page, pl.proto.query_string))
    return out


def rows(at, width: int) -> list[list[str]]:
    """The scorecard's value cells (st.text), ``width`` a row, in order."""
    cells = [t.value for t in at.text]
    return [cells[i:i + width] for i in range(0, len(cells), width)]


def badges(at) -> list[str]:
    return [m.value for m in at.markdown if "-badge[" in m.value]


def test_a_trust_chosen_in_the_sidebar_beside_its_region_and_england(demo):
    trust, region = english_trust(demo)
    clearly_better_and_worse(demo, trust)
    at = open_page(params={"trust": trust})
    assert not at.exception, at.exception
    assert at.selectbox(key="unit_choice").value == f"trust:{trust}"
    assert [c.value for c in at.caption][2:8] == ["Measure", "This trust", "Region", "England", "Compared with England",
                                                  "SPC"]
    want = expected(demo, "trust", trust, region)
    assert len(want) == len(HEADLINE)
    assert rows(at, 3) == list(want.values())
    assert any(row[0] == "*" for row in want.values())  # premise: a hidden value of the trust, shown as *
    assert want["Questions answered"][0].startswith("95% (")  # 190 of 200: Wilson on the shown counts
    # the row links open the measure's page filtered to the trust
    assert links(at) == {MEASURES[m].label: (MEASURES[m].page.removeprefix("pages/").removesuffix(".py")
                                             .split("_", 1)[1], f"trust={trust}") for m in HEADLINE}
    # better / worse than England: a symbol, a word and a colour; similar and hidden ones grey
    compared = dict(zip(want, badges(at)[0::2]))
    assert compared["Questions answered"] == ":blue-badge[▲ better]"
    assert compared["Answered within the trust's target"] == ":orange-badge[▼ worse]"
    for label, row in want.items():
        if row[0] == "*":
            assert compared[label] == ":gray-badge[– not compared]", label
    # the SPC icon of each measure, in words
    spc = badges(at)[1::2]
    assert len(spc) == len(HEADLINE) and all("Common cause" in b or "Special cause" in b for b in spc)


def test_a_region_chosen_in_the_sidebar_has_no_region_column(demo):
    _, region = english_trust(demo)
    at = open_page(params={"region": region})
    assert not at.exception, at.exception
    assert at.selectbox(key="unit_choice").value == f"region:{region}"
    headings = [c.value for c in at.caption]
    assert "This region" in headings and "Region" not in headings and "England" in headings
    assert rows(at, 2) == list(expected(demo, "region", region, None).values())
    assert {q for _, q in links(at).values()} == {f"region={region}"}


@pytest.mark.parametrize("role", ["trust_manager", "regional_lead"])
def test_a_signed_in_user_sees_their_home_trust_or_region(demo, role):
    trust, region = english_trust(demo)
    user = (signed_in("manager@nhs.net", role, trust_code=trust) if role == "trust_manager"
            else signed_in("lead@nhs.net", role, region_code=region))
    at = open_page(user=user)
    assert not at.exception, at.exception
    unit = f"trust:{trust}" if role == "trust_manager" else f"region:{region}"
    assert at.selectbox(key="unit_choice").value == unit
    assert at.query_params["unit"] == unit  # pinned in the URL: the address opens the same scorecard
    width = 3 if role == "trust_manager" else 2
    assert rows(at, width) == list(expected(demo, *unit.split(":"), region if width == 3 else None).values())


def test_a_trust_pinned_in_the_url_wins_over_the_home_trust(demo):
    trust, region = english_trust(demo)
    other = published(demo, "SELECT min(unit_code) AS u FROM spc_points WHERE unit_type = 'trust' AND unit_code <> $t",
                      {"t": trust})["u"].iloc[0]
    other_region = published(demo, "SELECT region_code FROM trusts WHERE trust_code = $t", {"t": other}).iloc[0, 0]
    user = signed_in("manager@nhs.net", "trust_manager", trust_code=trust)
    at = open_page(params={"unit": f"trust:{other}"}, user=user)
    assert not at.exception, at.exception
    assert at.selectbox(key="unit_choice").value == f"trust:{other}"
    assert rows(at, 3) == list(expected(demo, "trust", other, other_region).values())
    # and without login too: anyone can pin "my trust"
    at = open_page(params={"unit": f"trust:{other}"})
    assert at.selectbox(key="unit_choice").value == f"trust:{other}"
    assert rows(at, 3) == list(expected(demo, "trust", other, other_region).values())


def test_without_a_choice_it_is_england_alone(demo):
    at = open_page()
    assert not at.exception, at.exception
    assert at.selectbox(key="unit_choice").value == "nation:ENG"
    assert rows(at, 1) == [[v[0]] for v in expected(demo, "nation", "ENG", None).values()]
    assert "Compared with England" not in [c.value for c in at.caption]


def downloaded_csv(at, downloads) -> pd.DataFrame:  # noqa: F811
    content = downloads[at.download_button(key="download_scorecard").proto.deferred_file_id]()
    return pd.read_csv(io.BytesIO(content), encoding="utf-8-sig", dtype=str, keep_default_na=False)


def test_a_trust_outside_england_is_beside_its_own_nation(demo, downloads):  # noqa: F811
    welsh = published(demo, "SELECT min(p.unit_code) AS u FROM spc_points p "
                            "JOIN trusts t ON t.trust_code = p.unit_code WHERE p.unit_type = 'trust' "
                            "AND t.nation = 'Wales'")
    trust = welsh["u"].iloc[0]
    assert trust, "premise: the demo has a Welsh trust"
    region = published(demo, "SELECT region_code FROM trusts WHERE trust_code = $t", {"t": trust}).iloc[0, 0]
    at = open_page(params={"unit": f"trust:{trust}"})
    assert not at.exception, at.exception
    headings = [c.value for c in at.caption]
    assert "Wales" in headings and "Compared with Wales" in headings and "England" not in headings
    # the nation's column holds Wales' values
    assert rows(at, 3) == list(expected(demo, "trust", trust, region, nation="WLS").values())
    # and the download says so too (it was headed "England", "Compared with England": tryout 3)
    taken = downloaded_csv(at, downloads)
    assert "Wales" in taken.columns and "Compared with Wales" in taken.columns
    assert not any("England" in c for c in taken.columns)
    assert [list(r) for r in taken[["This unit", "Region", "Wales"]].itertuples(index=False)] == rows(at, 3)


def test_a_region_that_is_a_whole_nation_is_not_compared_with_itself(demo, downloads):  # noqa: F811
    """Region · Wales is all of Wales: no column of Wales beside it, no "similar" to itself."""
    at = open_page(params={"unit": "region:W92000004"})
    assert not at.exception, at.exception
    assert at.selectbox(key="unit_choice").value == "region:W92000004"
    headings = [c.value for c in at.caption]
    assert "This region" in headings and "Wales" not in headings and "Compared with Wales" not in headings
    assert not badges(at)[0].startswith(":gray-badge[● similar")  # the first badge is SPC's now
    assert rows(at, 1) == [[v[0]] for v in expected(demo, "region", "W92000004", None, nation="WLS").values()]
    assert any("whole of Wales" in c.value for c in at.caption)
    taken = downloaded_csv(at, downloads)
    assert list(taken.columns) == ["Data", "Measure", "Period", "This unit", "SPC", "Assurance"]


def test_a_trust_chosen_on_another_page_moves_the_scorecard_from_the_urls_unit(demo):
    """``unit=nation:ENG`` carried in the URL from the SPC page does not keep England's scorecard
    once one trust is chosen in the sidebar (on any page): the sidebar changed since."""
    trust, region = english_trust(demo)
    at = open_page("pages/9_SPC_trends.py", {"unit": "nation:ENG"})
    at.switch_page("pages/1_Explore.py").run()
    at.multiselect(key="filter_trusts").set_value([trust]).run()
    at.switch_page("dashboard.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="unit_choice").value == f"trust:{trust}" == at.query_params["unit"]
    assert rows(at, 3) == list(expected(demo, "trust", trust, region).values())
    assert not any(c.value.startswith("Shown:") for c in at.caption)
    # a unit picked here is kept, and the page says it is not the sidebar's trust
    at.selectbox(key="unit_choice").set_value("nation:ENG").run()
    assert rows(at, 1) == [[v[0]] for v in expected(demo, "nation", "ENG", None).values()]
    assert any(c.value.startswith("Shown: `Nation · ") for c in at.caption)
