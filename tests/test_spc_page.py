"""The SPC trends page, run headless with AppTest against the seeded demo warehouse: which unit
it shows (URL, home trust, sidebar, England), what its charts hold (checked against the
spc_points rows read here directly) and that small numbers stay hidden below national level."""
from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from store import config
from tests.support import drawn_figures
from tests.support import published_queries
from tests.test_app import open_page, signed_in, texts
from ui import disclosure, spc_charts, spc_shown
from warehouse import spc_build, spc_queries, stats
from warehouse.measures import COUNT, HEADLINE, HOUR_S, MEASURES, PER_1000, SHARE

pytestmark = pytest.mark.app

PAGE = "pages/9_SPC_trends.py"


@pytest.fixture
def demo(demo_data, use_data, tmp_path, monkeypatch):
    """The demo warehouse, with a users register of our own (the session's data folder is a copy
    of the demo's, so signing in writes nowhere shared)."""
    import shutil
    folder = tmp_path / "data"
    shutil.copytree(demo_data, folder)
    use_data(folder)
    return folder


@pytest.fixture
def points(demo_data, read_published) -> pd.DataFrame:
    rows = read_published(demo_data, "SELECT * FROM spc_points")
    return pd.DataFrame(rows, columns=list(spc_build.COLUMNS))


def figures(at) -> list[dict]:
    return drawn_figures(at)


def shown_points(figure: dict) -> list[float]:
    """Every value drawn as a marker (the points people see), sorted."""
    return sorted(y for trace in figure["data"] if trace.get("mode") == "markers" for y in trace["y"])


def busy_trust(points: pd.DataFrame) -> str:
    """The trust with the most shown monthly points among those with some suppressed."""
    month = points[(points.unit_type == "trust") & (points.grain == "month")]
    counts = month.groupby("unit_code")["suppressed"].agg(["sum", "count"])
    counts = counts[counts["sum"] > 0].assign(shown=lambda c: c["count"] - c["sum"])
    return counts.sort_values(["shown"], ascending=False).index[0]


def _expected(rows: pd.DataFrame, measure: str, histograms: pd.DataFrame) -> list[float]:
    """What the display boundary lets a person see of one measure's points, worked out here
    from the mart's exact counts (a period is a breakdown, so never national, a nation's
    included): counts rounded to 5; shares and rates from the rounded counts; medians from the
    histogram with rounded cumulative counts (the Response times rule); nothing over 1-7."""
    k, n = rows["events"].to_numpy(dtype=float), rows["n"].to_numpy(dtype=float)
    small = ((k >= 1) & (k <= 7)) | ((n >= 1) & (n <= 7))
    unit = MEASURES[measure].unit
    if unit == COUNT:
        return sorted(float(disclosure.rounded(int(v))) for v, s in zip(k, small) if not s)
    if unit in (SHARE, PER_1000):
        scale = 1000.0 if unit == PER_1000 else 1.0
        return sorted(scale * disclosure.rounded(int(a)) / disclosure.rounded(int(b))
                      for a, b, s in zip(k, n, small) if not s)
    clock = "calendar" if measure == "median_wait" else "service"
    mine = histograms[histograms["clock"] == clock].assign(group_code=lambda h: h["period_start"].astype(str))
    medians = stats.km_medians(disclosure.km_rounded(mine[["group_code", "bin_s", "events", "censored"]]),
                               ["group_code"]).set_index("group_code")["median_s"]
    at = [medians.get(str(pd.Timestamp(p).date()), np.nan) for p in rows["period_start"]]
    return sorted(v / HOUR_S for v, s in zip(at, small) if not s and not np.isnan(v))


def test_without_a_choice_it_shows_england_and_pins_it_in_the_url(demo, points):
    at = open_page(PAGE)
    assert not at.exception, at.exception
    assert at.selectbox(key="unit_choice").value == "nation:ENG"
    assert at.query_params["unit"] == "nation:ENG"
    shown = figures(at)
    assert len(shown) == len(HEADLINE)
    assert [s.value for s in at.header if s.value != "Filters"] == [MEASURES[m].label for m in HEADLINE[0::2] + HEADLINE[1::2]]
    # England's monthly values as the display boundary allows: a month is a breakdown
    england = points[(points.unit_type == "nation") & (points.unit_code == "ENG") & (points.grain == "month")]
    query, close = published_queries(demo)
    histograms = query(spc_queries.spc_histograms, None, unit_type="nation", unit_code="ENG", grain="month")
    close()
    by_label = {MEASURES[m].label: m for m in HEADLINE}
    exact_somewhere = False
    for figure in shown:
        measure = by_label[figure["layout"]["yaxis"]["title"]["text"].removesuffix(" (hours)")]
        rows = england[england.measure == measure].sort_values("period_start")
        if MEASURES[measure].unit == COUNT:
            assert all(v % 5 == 0 for v in shown_points(figure)), measure
        assert shown_points(figure) == pytest.approx(_expected(rows, measure, histograms)), measure
        exact = sorted(rows["value"] / (HOUR_S if measure.startswith("median") else 1))
        exact_somewhere |= shown_points(figure) != pytest.approx(exact)
    assert exact_somewhere  # before, a nation's shares and medians were drawn exactly


def test_the_mean_and_limits_are_those_of_the_shown_values(demo, points):
    """Drawn from exact values, the mean line times the points gave back a unit's exact total
    (a trust whose only questions are in one hidden month shows them all in its mean)."""
    at = open_page(PAGE)
    questions = next(f for f in figures(at) if f["layout"]["yaxis"]["title"]["text"] == "Patient questions")
    drawn = [v for v in questions["data"][0]["y"] if v is not None]
    mean = next(t for t in questions["data"] if t.get("name") == "Mean")["y"][0]
    assert mean == pytest.approx(np.mean(drawn))
    assert all(v % 5 == 0 for v in drawn)


def test_the_icons_are_badges_with_words(demo, points):
    at = open_page(PAGE)
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    query, close = published_queries(demo)
    shown = query(spc_shown.shown_series, None, unit_type="nation", unit_code="ENG", grain="month")
    close()
    latest = shown.sort_values("period_start").groupby("measure").last()
    expected = [spc_charts.variation_words(latest.loc[m, "variation_icon"])[2] for m in HEADLINE]
    assert len(badges) == len(HEADLINE)  # no assurance icon at national level: no target
    for words in expected:
        assert any(words in b for b in badges), words


def test_a_unit_in_the_url_pins_a_trust_and_hides_its_small_numbers(demo, points):
    trust = busy_trust(points)
    at = open_page(PAGE, {"unit": f"trust:{trust}"})
    assert not at.exception, at.exception
    assert at.selectbox(key="unit_choice").value == f"trust:{trust}"
    rows = points[(points.unit_type == "trust") & (points.unit_code == trust) & (points.grain == "month")]
    by_label = {MEASURES[m].label: m for m in HEADLINE}
    hidden_somewhere = False
    for figure in figures(at):
        measure = by_label[figure["layout"]["yaxis"]["title"]["text"].removesuffix(" (hours)")]
        series = rows[rows.measure == measure].sort_values("period_start")
        if series.empty:  # no complete period has this measure: an empty chart that says so
            assert not figure["data"] and "No points yet" in figure["layout"]["annotations"][0]["text"]
            continue
        line = np.array([np.nan if v is None else v for v in figure["data"][0]["y"]], dtype=float)
        hidden = series["suppressed"].to_numpy(dtype=bool)
        assert np.isnan(line[hidden]).all(), measure  # the mart's small points, and those whose
        assert len(shown_points(figure)) == (~np.isnan(line)).sum() <= (~hidden).sum(), measure  # rounded median
        hidden_somewhere |= hidden.any()  # is not reached
    assert hidden_somewhere


def test_a_signed_in_trust_manager_sees_their_trust_first(demo, points):
    trust = busy_trust(points)
    user = signed_in("manager@nhs.net", "trust_manager", trust_code=trust)
    at = open_page(PAGE, user=user)
    assert not at.exception, at.exception
    assert at.selectbox(key="unit_choice").value == f"trust:{trust}"
    # the URL still pins another unit (anyone may open England's charts: aggregates)
    at = open_page(PAGE, {"unit": "nation:ENG"}, user=user)
    assert at.selectbox(key="unit_choice").value == "nation:ENG"


def test_one_region_chosen_in_the_sidebar_is_shown(demo, points):
    region = points.loc[points.unit_type == "region", "unit_code"].iloc[0]
    at = open_page(PAGE, {"region": region})
    assert not at.exception, at.exception
    assert at.selectbox(key="unit_choice").value == f"region:{region}"


def test_weekly_and_changing_the_unit(demo, points):
    at = open_page(PAGE)
    at.segmented_control(key="spc_grain").set_value("week").run()
    assert not at.exception, at.exception
    england = points[(points.unit_type == "nation") & (points.unit_code == "ENG") & (points.grain == "week")
                     & (points.measure == "questions")]
    questions = next(f for f in figures(at) if f["layout"]["yaxis"]["title"]["text"] == "Patient questions")
    weekly = [disclosure.shown_count(int(v)) for v in england["value"]]  # a week is a breakdown
    assert shown_points(questions) == pytest.approx(sorted(float(v) for v in weekly if v != disclosure.SUPPRESSED))
    region = points.loc[points.unit_type == "region", "unit_code"].iloc[0]
    at.selectbox(key="unit_choice").set_value(f"region:{region}").run()
    assert not at.exception and at.query_params["unit"] == f"region:{region}"


@pytest.mark.parametrize("hostile", ["trust:'; DROP TABLE spc_points; --", "nation:XX", "trust", "<b>x</b>"])
def test_a_unit_that_is_not_offered_falls_back_to_england(demo, hostile):
    at = open_page(PAGE, {"unit": hostile})
    assert not at.exception, at.exception
    assert at.selectbox(key="unit_choice").value == "nation:ENG"
    assert at.query_params["unit"] == "nation:ENG"


def test_an_old_warehouse_without_spc_points_says_so_plainly(demo):
    """A warehouse whose build made no point yet (no complete month): a plain message."""
    import duckdb
    path = config.warehouse_path()
    con = duckdb.connect(str(path))
    con.execute("DELETE FROM spc_points")
    con.close()
    at = open_page(PAGE)
    assert not at.exception, at.exception
    assert any("No SPC charts yet" in t for t in texts(at.info))


def charted(at) -> tuple[str, list[list[float]]]:
    """The unit in the selector and every chart's drawn points, in order: what is charted."""
    return at.selectbox(key="unit_choice").value, [shown_points(f) for f in figures(at)]


def captions(at) -> list[str]:
    return [c.value for c in at.caption]


def busy_trusts(points: pd.DataFrame) -> tuple[str, str]:
    """Two trusts whose charts differ from each other's and England's (the premise of the tests)."""
    month = points[(points.unit_type == "trust") & (points.grain == "month") & ~points.suppressed]
    first, second = month.groupby("unit_code").size().sort_values(ascending=False).index[:2]
    return first, second


def test_a_trust_chosen_in_the_sidebar_moves_the_charts_from_the_urls_unit(demo, points):
    """The tryout's bug: ``unit=nation:ENG`` carried in the URL from another page kept England's
    charts under the trust the sidebar (and its caption) named."""
    trust, _ = busy_trusts(points)
    direct = charted(open_page(PAGE, {"unit": f"trust:{trust}"}))
    at = open_page(PAGE, {"unit": "nation:ENG"})
    england = charted(at)
    assert england[0] == "nation:ENG" and england[1] != direct[1]  # premise: the charts differ
    # on this page
    at.multiselect(key="filter_trusts").set_value([trust]).run()
    assert not at.exception, at.exception
    assert charted(at) == direct and at.query_params["unit"] == f"trust:{trust}"
    name = next(c for c in captions(at) if "Charts of " in c)
    assert name.startswith("<div>Charts of Trust · ") and "`" not in name  # plain text (escaped HTML)
    assert not any(c.startswith("Shown:") for c in captions(at))  # the sidebar's trust is the one charted
    # on another page, the URL still saying England when the charts' page opens again
    at = open_page(PAGE, {"unit": "nation:ENG"})
    at.switch_page("pages/1_Explore.py").run()
    at.multiselect(key="filter_trusts").set_value([trust]).run()
    assert at.query_params["unit"] == "nation:ENG"  # premise: Explore leaves it in the URL
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert charted(at) == direct and at.query_params["unit"] == f"trust:{trust}"


def test_a_unit_picked_is_kept_while_the_sidebar_is_unchanged(demo, points):
    trust, other = busy_trusts(points)
    region = points.loc[points.unit_type == "region", "unit_code"].iloc[0]
    at = open_page(PAGE, {"trust": trust})
    assert at.selectbox(key="unit_choice").value == f"trust:{trust}"
    at.selectbox(key="unit_choice").set_value(f"region:{region}").run()
    direct = charted(open_page(PAGE, {"unit": f"region:{region}"}))
    for step in (lambda: at.segmented_control(key="spc_grain").set_value("month").run(),  # a rerun
                 lambda: at.switch_page("pages/1_Explore.py").run().switch_page(PAGE).run()):  # and back
        step()
        assert not at.exception, at.exception
        assert charted(at) == direct and at.query_params["unit"] == f"region:{region}"
        # the sidebar still names the trust: the page says which unit is charted
        said = [c for c in captions(at) if c.startswith("Shown:")]
        assert len(said) == 1 and "Region · " in said[0]
    # a change of the sidebar wins again
    at.multiselect(key="filter_trusts").set_value([other]).run()
    assert charted(at) == charted(open_page(PAGE, {"unit": f"trust:{other}"}))


def test_the_urls_unit_on_a_first_open_wins_over_the_sidebar(demo, points):
    trust, _ = busy_trusts(points)
    at = open_page(PAGE, {"unit": "nation:ENG", "trust": trust})
    assert not at.exception, at.exception
    assert charted(at) == charted(open_page(PAGE, {"unit": "nation:ENG"}))
    assert any(c.startswith("Shown: `Nation · ") for c in captions(at))


def test_clearing_the_sidebars_trust_goes_back_to_england(demo, points):
    """Charts that followed the sidebar's one trust do not stay on it once it is cleared (or a
    second trust is added): the sidebar no longer names it."""
    trust, other = busy_trusts(points)
    at = open_page(PAGE, {"trust": trust})
    assert at.selectbox(key="unit_choice").value == f"trust:{trust}"
    at.multiselect(key="filter_trusts").set_value([trust, other]).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="unit_choice").value == "nation:ENG" == at.query_params["unit"]
    at.multiselect(key="filter_trusts").set_value([]).run()
    assert at.selectbox(key="unit_choice").value == "nation:ENG"
    assert not any(c.startswith("Shown:") for c in captions(at))


def test_the_charted_units_name_is_plain_text_never_markup(demo):
    """The caption names the unit as text: escaped HTML in one block, never a code span (tryout 3)
    nor Markdown; a name with markup characters stays those characters."""
    from ui import safe
    at = open_page(PAGE, {"unit": "nation:ENG"})
    assert not at.exception, at.exception
    name = next(c for c in captions(at) if "Charts of " in c)
    assert name.startswith("<div>Charts of Nation · England. ") and name.endswith("</div>") and "`" not in name
    assert safe.html_block("Charts of " + safe.html_text("Trust · <b>[x](www.a.example)</b>")) == (
        "<div>Charts of Trust · &lt;b&gt;[x](www.a.example)&lt;/b&gt;</div>")
