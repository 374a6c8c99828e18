"""An honest demo (issue #12): fictional trusts in the real regions, policy effects that are a
parameter and that the Policy comparison recovers (and does not invent), and a visible
"synthetic" mark on every chart, table and export of demo data. Real demo runs, real builds,
real DuckDB, real Streamlit (AppTest)."""
from __future__ import annotations

import io
import subprocess
import sys
from datetime import date, datetime, timezone

import pandas as pd
import plotly.graph_objects as go
import pytest

from ingest import jobs
from store import db, reference
from store.errors import InputError
from tests.support import drawn_figures
from tests.support import ROOT, post, published_queries, raw_query, realdata, write_jsonl, xlsx_rows
from tests.test_app import HEADINGS, open_page
from ui import charts, labels, tables
from warehouse import policy_queries
from warehouse.queries import Filters

END = datetime(2025, 6, 30, tzinfo=timezone.utc)
HISTORY = Filters(date(2023, 7, 1), date(2025, 6, 30))
EFFECT_POSTS, EFFECT_SEED = 40_000, 3


def _demo(make_warehouse, effect: str):
    return make_warehouse(f"demo-effect-{effect}", lambda: jobs.run_demo(
        n_posts=EFFECT_POSTS, seed=EFFECT_SEED, end=END, policy_effect=effect))


def _comparison(folder, clause: str) -> pd.DataFrame:
    query, close = published_queries(folder)
    try:
        return query(policy_queries.policy_comparison, HISTORY, clause=clause).set_index("outcome")
    finally:
        close()


# --- the policy effect is a parameter, and the comparison finds what was planted ---------------

@pytest.mark.slow
def test_the_comparison_recovers_the_planted_effects(make_warehouse):
    from store.demo_effects import POLICY_EFFECTS  # (imported here: new in issue #12)
    folder = _demo(make_warehouse, "default")
    planted = POLICY_EFFECTS["default"]
    answered = _comparison(folder, "engagement").loc["answered"]
    # planted: +15 points in the chance of an answer, before the platform's own answer rate (0.6-1
    # on the platforms' mix: about 12-13 points in the share answered). 21 vs 27 trusts; measured
    # on 3 Dec 2026: +11.8 points (95% CI +7.1 to +18.4), p = 0.0002 (permutation test).
    assert answered["p_value"] <= 0.05 and answered["effect_low"] > 0, answered.to_dict()
    assert answered["effect_low"] <= planted.answered_points * 0.85 <= answered["effect_high"]
    assert 0.5 * planted.answered_points < answered["effect"] < 1.3 * planted.answered_points
    flags = _comparison(folder, "personal_use").loc["flags"]
    # planted: twice the breaches; a flag rate ratio a little under 2 (some flags are false alarms).
    # 23 vs 25 trusts; measured: x 2.12 (1.23-3.63), p = 0.005.
    assert flags["p_value"] <= 0.05 and flags["effect_low"] > 1, flags.to_dict()
    assert flags["effect_low"] <= planted.breach_ratio <= flags["effect_high"]
    assert 1.3 < flags["effect"] < 1.3 * planted.breach_ratio
    # the negative control: approved-accounts-only was given no effect
    control = _comparison(folder, "any_account")
    for outcome, null in (("flags", 1.0), ("answered", 0.0)):
        assert control.loc[outcome, "p_value"] > 0.05, outcome
        assert control.loc[outcome, "effect_low"] <= null <= control.loc[outcome, "effect_high"], outcome


@pytest.mark.slow
def test_with_no_effect_planted_the_comparison_finds_none(make_warehouse):
    folder = _demo(make_warehouse, "none")
    for clause in ("engagement", "personal_use", "any_account"):
        table = _comparison(folder, clause)
        for outcome, null in (("flags", 1.0), ("answered", 0.0), ("signposting", 0.0)):
            low, high, p = table.loc[outcome, ["effect_low", "effect_high", "p_value"]]
            assert p > 0.05 and low <= null <= high, (clause, outcome, low, high, p)
        verdict, _ = labels.policy_answer(table.reset_index(), "yes", "no", national=True)
        assert verdict == "unclear", clause


def test_the_effect_is_recorded_and_described():
    from store.demo_effects import describe, effect_of
    assert effect_of("demo:posts=10:seed=1:policy_effect=none") == "none"
    assert effect_of("demo:posts=10:seed=1") is None
    assert "15 percentage points" in describe("default") and "twice" in describe("default")
    assert "chance" in describe("none")
    parser_help = subprocess.run([sys.executable, "-m", "ingest", "demo", "--help"], cwd=ROOT,
                                 capture_output=True, text=True, timeout=60).stdout
    assert "--policy-effect {default,none}" in parser_help


# --- fictional trusts, in the reference data, never clashing with real ones --------------------

@pytest.mark.slow
def test_fictional_trusts_are_marked_and_survive_a_reference_reload(data_dir):
    jobs.run_demo(n_posts=500, seed=2, end=END, policy_effect="none")
    assert raw_query("SELECT count(*), bool_and(ods_code LIKE 'ZZ1%') FROM ref_trusts WHERE fictional") == [(48, True)]
    assert raw_query("SELECT count(*) FROM ref_trusts WHERE NOT fictional") == [(300,)]
    assert raw_query("SELECT origin FROM ingest_runs WHERE command = 'demo'") == [
        ("demo:posts=500:seed=2:policy_effect=none",)]
    jobs.load_reference(realdata("reference/ods_etr_2026_snapshot.csv"))
    assert raw_query("SELECT count(*) FROM ref_trusts WHERE fictional") == [(48,)]
    # posts never sit under a real organisation
    assert raw_query("SELECT count(*) FROM raw_posts r JOIN ref_trusts t ON t.ods_code = r.trust_code"
                     " WHERE NOT t.fictional") == [(0,)]
    with db.writer_lock():
        con = db.connect_raw()
        try:
            with pytest.raises(InputError, match="'RR8' is a real organisation's code"):
                reference.add_fictional_trusts(con, pd.DataFrame([{"ods_code": "RR8", "name": "Fake",
                                                                   "region_code": "Y63", "nation": "England"}]),
                                               "test", "test")
        finally:
            con.close()


# --- the synthetic mark: charts, tables, exports ----------------------------------------------

def test_mark_synthetic_adds_a_watermark_and_stays_valid():
    figure = charts.posts_over_time(pd.DataFrame({"period": pd.to_datetime(["2025-01-06"]), "series": ["x"],
                                                  "n_posts": [3]}))
    marked = charts.mark_synthetic(figure)
    valid = go.Figure(marked.to_dict())  # validates every property
    assert [a.text for a in valid.layout.annotations][-1] == charts.SYNTHETIC_MARK
    assert not [a for a in figure.layout.annotations if a.text == charts.SYNTHETIC_MARK]  # the cached one untouched


def test_csv_exports_of_demo_data_say_so_on_every_row():
    frame = pd.DataFrame({"Text": ["=1+1", "hello"], "Post id": ["1", "2"]})
    parsed = pd.read_csv(io.BytesIO(tables.to_csv(frame, synthetic=True)), encoding="utf-8-sig", dtype=str)
    assert parsed.columns.tolist() == [tables.SYNTHETIC_COLUMN, "Text", "Post id"]
    assert set(parsed[tables.SYNTHETIC_COLUMN]) == {tables.SYNTHETIC_VALUE}
    assert parsed["Text"].tolist() == ["'=1+1", "hello"]
    assert tables.SYNTHETIC_COLUMN not in pd.read_csv(io.BytesIO(tables.to_csv(frame)), encoding="utf-8-sig").columns


def test_excel_exports_of_demo_data_say_so_on_every_row():
    frame = pd.DataFrame({"Text": ["=1+1", "hello"], "Post id": ["1", "2"]})
    assert xlsx_rows(tables.to_xlsx(frame, synthetic=True)) == [
        [tables.SYNTHETIC_COLUMN, "Text", "Post id"],
        [tables.SYNTHETIC_VALUE, "'=1+1", "1"], [tables.SYNTHETIC_VALUE, "hello", "2"]]
    assert xlsx_rows(tables.to_xlsx(frame)) == [["Text", "Post id"], ["'=1+1", "1"], ["hello", "2"]]


def _charts(at) -> list[dict]:
    return drawn_figures(at)


def _marks(spec: dict) -> int:
    return sum(a.get("text") == charts.SYNTHETIC_MARK for a in spec["layout"].get("annotations", []))


PARAMS = {"from": "2023-07-01", "to": "2025-06-30"}


@pytest.mark.app
@pytest.mark.parametrize("page", sorted(HEADINGS))
def test_every_chart_and_table_of_demo_data_is_marked(page, demo_data, use_data):
    use_data(demo_data)
    at = open_page(page, PARAMS)
    assert not at.exception, at.exception
    specs = _charts(at)
    assert all(_marks(spec) == 1 for spec in specs), page
    marked = [c for c in at.caption if c.value == tables.SYNTHETIC_CAPTION]
    assert len(marked) == len(at.dataframe), page


@pytest.mark.app
def test_real_data_is_not_marked(make_warehouse, tmp_path_factory, use_data):
    def load():
        folder = tmp_path_factory.mktemp("real-input")
        jobs.import_file(write_jsonl(folder / "p.jsonl", [post(str(i), author_id=f"a{i}") for i in range(12)]))

    use_data(make_warehouse("real-unmarked", load))
    for page in ("dashboard.py", "pages/1_Explore.py"):
        at = open_page(page, {"from": "2025-02-01", "to": "2025-03-31"})
        assert not at.exception, at.exception
        assert not any(_marks(spec) for spec in _charts(at))
        assert not [c for c in at.caption if c.value == tables.SYNTHETIC_CAPTION]


@pytest.mark.app
def test_the_policy_page_says_what_was_planted(demo_data, use_data):
    from store.demo_effects import describe
    use_data(demo_data)
    at = open_page("pages/6_Policy_comparison.py", PARAMS)
    assert not at.exception, at.exception
    assert describe("default") in [i.value for i in at.info]
