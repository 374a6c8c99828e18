"""The disclosure walk (tests/test_disclosure_walk.py) on the pages it did not open: SPC trends,
and the quality-in-use figures of Guideline flags, Patient questions and the Review queue
(issue #20). Each page is opened as a browser would (AppTest, the seeded demo) and attacked with
what it shows (tests/disclosure_attacks.py), the truth read from the warehouse's own queries.

Kept in a module of its own so that it merges beside the walk's other extensions."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests import disclosure_attacks as attack
from tests.support import published_queries
from tests.test_app import open_page
from tests.test_disclosure_walk import _charts, _title
from ui import disclosure
from warehouse import spc_queries, stats
from warehouse.measures import COUNT, HEADLINE, HOUR_S, MEASURES, PER_1000, SHARE

pytestmark = [pytest.mark.app, pytest.mark.slow]

SPC_PAGE = "pages/9_SPC_trends.py"
SPC_UNITS = {  # name -> the unit parameter: England, a nation, a small region, a trust
    "England": "nation:ENG", "Wales": "nation:WLS", "small region": "region:N92000002", "one trust": "trust:ZZ109",
}
SEEN: set[str] = set()


def _rounded_medians(histograms: pd.DataFrame, clock: str) -> dict:
    """period -> the median from the histogram with rounded cumulative counts (what may be shown)."""
    mine = histograms[histograms["clock"] == clock].assign(group_code=lambda h: h["period_start"].astype(str))
    if mine.empty:
        return {}
    found = stats.km_medians(disclosure.km_rounded(mine[["group_code", "bin_s", "events", "censored"]]), ["group_code"])
    return dict(zip(found["group_code"], found["median_s"]))


def _spc_findings(where: str, spec: dict, truth: pd.DataFrame, measure: str, medians: dict) -> list[str]:
    """One SPC chart against the exact points of its unit: counts by the rule, shares, rates and
    medians hidden over 1-7 and never the exact figure where the rounded counts give another,
    and the mean line not an exact total."""
    truth = truth.sort_values("period_start")
    line = spec["data"][0]["y"] if spec["data"] else []
    if not line:
        return []
    ys = [None if y is None or y != y else float(y) for y in line]
    k, n = truth["events"].astype(int).tolist(), truth["n"].astype(int).tolist()
    unit = MEASURES[measure].unit
    found = []
    for i, (y, a, b, exact) in enumerate(zip(ys, k, n, truth["value"])):
        at = f"{where} {measure} {pd.Timestamp(truth['period_start'].iloc[i]).date()}"
        hidden = 1 <= a <= 7 or 1 <= b <= 7
        if unit == COUNT:
            SEEN.add("spc counts")
            found += attack.count_rule(at, "*" if y is None else f"{y:,.0f}", a)
            continue
        found += attack.derived_over_hidden(at, hidden, "*" if y is None else f"{y:.6f}")
        if unit in (SHARE, PER_1000):
            SEEN.add("spc shares and rates")
            found += attack.exact_ratio(at, y, a, b, 1000.0 if unit == PER_1000 else 1.0)
        elif y is not None:
            SEEN.add("spc medians")
            allowed = medians.get(str(pd.Timestamp(truth["period_start"].iloc[i]).date()))
            if abs(y * HOUR_S - exact) < 1e-6 and allowed is not None and abs(allowed - exact) > 1e-6:
                found.append(f"{at}: the exact median {exact:.0f} s drawn (the rounded counts give {allowed:.0f} s)")
    if unit == COUNT:
        mean = next((t["y"][0] for t in spec["data"] if t.get("name") == "Mean"), None)
        SEEN.add("spc mean line")
        found += attack.mean_total(f"{where} {measure}", mean, ys, k)
    return found


@pytest.mark.parametrize("grain", ["month", "week"])
@pytest.mark.parametrize("unit", list(SPC_UNITS))
def test_spc_trends_give_no_hidden_number_back(unit, grain, demo_data, use_data):
    use_data(demo_data)
    unit_type, unit_code = SPC_UNITS[unit].split(":")
    query, close = published_queries(demo_data)
    try:
        truth = query(spc_queries.spc_series, None, unit_type=unit_type, unit_code=unit_code, grain=grain)
        histograms = query(spc_queries.spc_histograms, None, unit_type=unit_type, unit_code=unit_code, grain=grain)
    finally:
        close()
    at = open_page(SPC_PAGE, {"unit": SPC_UNITS[unit]})
    if grain == "week":
        at.segmented_control(key="spc_grain").set_value("week").run()
    assert not at.exception, at.exception
    by_label = {MEASURES[m].label: m for m in HEADLINE}
    found = []
    for spec in _charts(at):
        measure = by_label.get(_title(spec, "yaxis").removesuffix(" (hours)"))
        if measure is None:
            continue
        clock = "calendar" if measure == "median_wait" else "service"
        found += _spc_findings(f"SPC {unit} {grain}", spec, truth[truth["measure"] == measure], measure,
                               _rounded_medians(histograms, clock))
    assert not found, f"{len(found)} disclosures on SPC trends ({unit}, {grain}):\n" + "\n".join(found[:40])


def test_the_spc_walk_looked_at_everything(demo_data):
    """Run after the SPC tests (same module, in order): every kind of SPC number was attacked."""
    if not SEEN:
        pytest.skip("run with the SPC walk")
    assert {"spc counts", "spc shares and rates", "spc medians", "spc mean line"} <= SEEN, sorted(SEEN)


def test_the_attacks_find_what_the_old_spc_page_drew():
    """The attacks themselves, on numbers the page drew before this change: a nation's exact
    share 24/59, an exact mean giving a trust's one hidden month."""
    assert attack.exact_ratio("share", 24 / 59, 24, 59)  # shown as the rounded 25/60 instead: nothing
    assert not attack.exact_ratio("share", 25 / 60, 24, 59)
    assert attack.mean_total("count", 5 / 7, [0.0, 0.0, None, 0.0, 0.0, 0.0, 0.0], [0, 0, 5, 0, 0, 0, 0])
    assert not attack.mean_total("count", 0.0, [0.0] * 6 + [None], [0, 0, 0, 0, 0, 0, 5])
    assert np.isclose(24 / 59, float(attack.exact_fraction(24 / 59)))


# --- quality in use: Guideline flags, Patient questions, the Review queue (issue #20) -------------

from datetime import date, timedelta  # noqa: E402  (this part's own imports, kept with it)

from store import audits, reader, reviews  # noqa: E402
from tests.test_app import QUESTIONS_PAGE  # noqa: E402
from tests.test_disclosure_walk import FILTER_SETS, _filters, _tables  # noqa: E402
from warehouse import audit, inuse_queries  # noqa: E402
from warehouse.build import build  # noqa: E402

FLAGS_PAGE, REVIEW_PAGE = "pages/5_Guideline_flags.py", "pages/4_Review_queue.py"
INUSE_FILTERS = {name: FILTER_SETS[name] for name in ("everything", "one month", "small region", "one trust")}
AUDIT_WEEKS = [date(2025, 6, 30) - timedelta(days=7 * w) for w in range(1, 13)]  # 12 weeks before the demo's end
INUSE_COUNTS = ("Flags", "Reviewed", "Upheld", "Dismissed", "Posts judged", "Judged yes", "Read twice")
ESTIMATES = ("Prevalence (95% CI)", "Precision (95% CI)", "Recall (95% CI)", "Cohen's kappa (95% CI)")


def _judge_everything() -> None:
    """Every sampled post judged by planted rules: one flag in four wrong, one unflagged staff
    post in ten a missed breach (confirmed by a second reader), the same for questions; a fifth
    of the double-read posts disagreed on, settled by an adjudicator."""
    for n, row in enumerate(audit.finished().itertuples(index=False)):
        if row.kind == "staff":
            label = ("none" if n % 4 == 0 else row.predicted) if row.stratum == "flagged" else \
                ("boundaries" if n % 10 == 0 else "none")
        else:
            label = ("0:off_topic" if n % 4 == 0 else "1") if row.stratum == "question" else \
                ("1" if n % 10 == 0 else "0:not_asking")
        audits.record_opinion(row.id, label, "Ann")
        wanted = audits.needed(row.readers, [audits.normalise_label(row.kind, label)], row.stratum in audits.CONFIRM_STRATA)
        if wanted > 1:
            other = ("none" if row.kind == "staff" else "0") if n % 5 == 0 and row.readers > 1 else label
            audits.record_opinion(row.id, other, "Bob")
            if audits.needed(row.readers, [audits.normalise_label(row.kind, v) for v in (label, other)],
                             row.stratum in audits.CONFIRM_STRATA) > 2:
                audits.record_opinion(row.id, label, "Cat")


@pytest.fixture(scope="module")
def inuse_data(demo_data, tmp_path_factory):
    """The demo with twelve weeks audited whole (every post of each stratum sampled, so each
    shown estimate is a plain ratio of sample counts an attacker could aim at), a third of them
    read twice, and 60 review decisions, rebuilt so the reviews are published."""
    import shutil

    from store import config
    from tests.conftest import TEST_KEY
    folder = tmp_path_factory.mktemp("inuse-walk")
    shutil.copytree(demo_data, folder, dirs_exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(config.DATA_ENV, str(folder))
        patch.setenv(config.PSEUDONYM_KEY_ENV, TEST_KEY)
        con = reader.connect_published()
        for week in AUDIT_WEEKS:
            audit.sample_week(con.cursor(), week, audit.Design(500, 500, 500, 500, double_share=0.3))
        con.close()
        _judge_everything()
        con = reader.connect_published()
        flags = con.execute("SELECT platform, post_id, rule_id FROM flags WHERE author_role IN "
                            "('professional', 'organisation') ORDER BY created_at DESC, 1, 2, 3 LIMIT 60").fetchall()
        con.close()
        for i, (platform, post_id, rule_id) in enumerate(flags):
            reviews.record_decision(platform, post_id, rule_id, "dismissed" if i % 3 == 0 else "confirmed", "", "Ann")
        build()
    return folder


def _truth_cells(items: pd.DataFrame, kind: str, family: str) -> tuple[int, int, int]:
    """tp, fp, fn of one family over the finished items (every post of its strata sampled)."""
    done = items[(items["kind"] == kind) & items["final"].notna()]
    if kind == "staff":
        predicted = done["predicted"].map(lambda p: family in str(p).split(","))
        judged = done["final"].map(lambda v: family in str(v).split(","))
    else:
        predicted, judged = done["predicted"] == "1", done["final"].map(audits.verdict) == "1"
    return int((predicted & judged).sum()), int((predicted & ~judged).sum()), int((~predicted & judged).sum())


def _inuse_table_findings(where: str, tables: list[pd.DataFrame], items: pd.DataFrame, kind: str) -> list[str]:
    found = []
    for n, table in enumerate(tables):
        counts = [c for c in table.columns if c in INUSE_COUNTS]
        estimates = [c for c in table.columns if c in ESTIMATES]
        if not counts:
            continue
        SEEN.add(f"in-use table {where.split()[0]}")
        for i, row in table.iterrows():
            at = f"{where} table {n} row {i}"
            for c in counts:
                found += attack.count_rule(f"{at} {c}", row[c])
            hidden = any(str(row[c]).strip() == attack.HIDDEN for c in ("Posts judged", "Judged yes", "Reviewed", "Upheld")
                         if c in table.columns)
            for c in estimates + (["Upheld share (95% CI)"] if "Upheld share (95% CI)" in table.columns else []):
                over = "Read twice" if "kappa" in c else None
                found += attack.derived_over_hidden(f"{at} {c}", str(row[over]).strip() == attack.HIDDEN if over
                                                    else hidden, row[c])
            family = {"patient question": audit.PATIENT_QUESTION}.get(row.iloc[0], row.iloc[0])
            if "Precision (95% CI)" in table.columns:
                SEEN.add("in-use estimates")
                tp, fp, fn = _truth_cells(items, kind, family)
                found += attack.share_text_exact(f"{at} precision", row["Precision (95% CI)"], tp, tp + fp)
                found += attack.share_text_exact(f"{at} recall", row["Recall (95% CI)"], tp, tp + fn)
    return found


def _review_findings(where: str, at, query, f) -> list[str]:
    """The share upheld per family, rule, trust and month against the exact review counts."""
    found = []
    for by in ("family", "rule", "trust", "month"):
        at.segmented_control(key="inuse_by").set_value(by).run()
        truth = query(inuse_queries.review_precision, f, by=by)
        exact = {str(g): (int(u), int(r)) for g, u, r in zip(truth["group_code"], truth["n_upheld"], truth["n_reviewed"])}
        table = next((t for t in _tables(at) if "Upheld share (95% CI)" in t.columns), None)
        if table is None:
            continue
        SEEN.add("in-use review precision")
        found += _inuse_table_findings(f"{where} upheld by {by}", [table], pd.DataFrame(), "staff")
        for i, row in table.iterrows():
            if str(row.iloc[0]) in exact:
                upheld, reviewed = exact[str(row.iloc[0])]
                found += attack.count_rule(f"{where} upheld by {by} row {i} Reviewed", row["Reviewed"], reviewed)
                found += attack.share_text_exact(f"{where} upheld by {by} row {i}", row["Upheld share (95% CI)"],
                                                 upheld, reviewed)
    return found


@pytest.mark.parametrize("name", list(INUSE_FILTERS))
def test_the_in_use_figures_give_no_hidden_number_back(name, inuse_data, use_data):
    use_data(inuse_data)
    query, close = published_queries(inuse_data)
    found = []
    try:
        at = open_page(FLAGS_PAGE, INUSE_FILTERS[name])
        assert not at.exception, at.exception
        f = _filters(at)
        items = audit.in_view(audit.finished(), f)
        found += _inuse_table_findings(f"{FLAGS_PAGE} ({name})", _tables(at), items, "staff")
        found += _review_findings(f"{FLAGS_PAGE} ({name})", at, query, f)
        at = open_page(QUESTIONS_PAGE, INUSE_FILTERS[name])
        assert not at.exception, at.exception
        tables = [t.rename(columns={"Measure": "Family"}) for t in _tables(at) if "Measure" in t.columns]
        found += _inuse_table_findings(f"{QUESTIONS_PAGE} ({name})", tables, items, "public")
        at = open_page(REVIEW_PAGE, INUSE_FILTERS[name])
        at.segmented_control(key="review_mode").set_value("audit").run()
        at.text_input(key="audit_reviewer").input("Zed").run()
        assert not at.exception, at.exception
        agreement = [t for t in _tables(at) if "Cohen's kappa (95% CI)" in t.columns]
        SEEN.add("in-use agreement") if agreement else None
        found += _inuse_table_findings(f"{REVIEW_PAGE} ({name})", agreement, items, "staff")
    finally:
        close()
    assert not found, f"{len(found)} disclosures in the in-use figures under {name!r}:\n" + "\n".join(found[:40])


def test_the_in_use_walk_looked_at_everything():
    """Run after the in-use tests (same module, in order)."""
    if not any(s.startswith("in-use") for s in SEEN):
        pytest.skip("run with the in-use walk")
    expected = {"in-use table pages/5_Guideline_flags.py", "in-use table pages/2_Patient_questions.py",
                "in-use table pages/4_Review_queue.py", "in-use estimates", "in-use review precision",
                "in-use agreement"}
    assert expected <= SEEN, sorted(expected - SEEN)
