"""The one definition of the response targets, the attribution labels and the headline
measures (warehouse.measures): the SQL it writes counts what its numbers say, and the tables,
charts and funnels read their labels from it."""
from __future__ import annotations

import duckdb
import pandas as pd

from ui import charts, funnels, labels
from warehouse import measures
from warehouse.measures import MEASURES, SERVICE_DAYS, TARGET, TARGETS, UNATTRIBUTED, UNATTRIBUTED_LABEL

H = measures.HOUR_S


def test_targets_count_what_their_thresholds_say():
    """Per episode: (calendar response, calendar duration, service response, service duration,
    the trust's service day); each target's SQL against the same rule written in Python."""
    rows = [(3_600, 3_600, 1_000, 1_000, 36_000), (3_601, 5_000, 36_001, 40_000, 36_000),
            (None, 200, None, 200, 36_000), (None, 300_000, None, 80_000, 72_000),
            (259_200, 259_200, 30_000, 30_000, 30_000), (None, 7_200, None, 7_200, 36_000)]
    frame = pd.DataFrame(rows, columns=["response_seconds", "duration_seconds", "service_response_seconds",
                                        "service_duration_seconds", "service_day_seconds"])
    con = duckdb.connect()
    con.register("patient_questions", frame)
    got = con.execute(f"SELECT {measures.target_counts_sql()} FROM patient_questions").df().iloc[0]
    for t in TARGETS:
        if t.clock == SERVICE_DAYS:  # the trust's own staffed day, in staffed seconds
            response, duration = frame["service_response_seconds"], frame["service_duration_seconds"]
            limit = frame["service_day_seconds"] * t.seconds / measures.DAY_S
        else:
            response, duration, limit = frame["response_seconds"], frame["duration_seconds"], t.seconds
        answered = response <= limit
        assert got[f"n_answered_{t.code}"] == answered.sum(), t.code
        assert got[f"n_followed_{t.code}"] == (answered | (duration >= limit)).sum(), t.code
    assert (got["n_answered_1h"], got["n_followed_1h"], got["n_answered_3d"]) == (1, 5, 3)


def test_attribution_sql():
    con = duckdb.connect()
    sql = (f"SELECT {measures.name_sql('code', 'name')}, {measures.group_code_sql('code')},"
           f" {measures.group_name_sql(measures.group_code_sql('code'), 'name')}"
           " FROM (VALUES (NULL, NULL), ('RR8', 'Leeds'), ('RXX', NULL)) t(code, name)")
    assert con.execute(sql).fetchall() == [
        (UNATTRIBUTED_LABEL, UNATTRIBUTED, UNATTRIBUTED_LABEL), ("Leeds", "RR8", "Leeds"), ("RXX", "RXX", "RXX")]


def test_tables_charts_and_funnels_read_the_targets():
    assert [MEASURES[f"within_{t.code}"].label for t in TARGETS] == ["Within 1 hour", "Within 1 service day",
                                                                     "Within 3 days"]
    # "1 service day" is each trust's own staffed day: no one line on the service-hours curve
    assert [label for _, label in charts._TARGET_LINES["calendar"] + charts._TARGET_LINES["service"]] == \
           ["1 h", "3 days"]
    assert [funnels.FUNNEL_MEASURES[t.code][3] for t in TARGETS] == ["Within 1 hour", "Within 1 service day",
                                                                     "Within 3 days"]
    summary = pd.DataFrame({"group_code": ["all"], "group_name": ["All questions"], "n": [100], "events": [60],
                            "median_s": [5_000.0], "median_ci_low_s": [4_000.0], "median_ci_high_s": [7_000.0],
                            **{f"{k}_{t.seconds}": [v] for t in TARGETS
                               for k, v in (("p", 0.4), ("p", 0.4), ("events", 40))},
                            **{f"p_{t.seconds}_{end}": [v] for t in TARGETS
                               for end, v in (("low", 0.3), ("high", 0.5))}})
    table = labels.response_table(summary, summary, summary, national=True)
    assert [c for c in table.columns if c.startswith("Within")] == [f"Within {t.short} (95% CI)" for t in TARGETS]
    figures = labels.response_headline(summary, summary, summary, national=True)
    assert figures[f"within_{TARGET['1h'].code}"] == ("40%", "95% CI 30–50%")
    assert figures["median_wait"] == ("1 h 23 min", "95% CI 1.1–1.9 h")
    assert set(figures) - {"questions"} <= set(MEASURES)


def test_every_measure_says_which_way_is_better():
    for m in MEASURES.values():
        assert m.better in (measures.HIGHER, measures.LOWER, measures.NEITHER) and m.label and m.page
        assert (m.better == measures.NEITHER) == (m.unit == measures.COUNT), m.name
    assert MEASURES["median_wait"].better == measures.LOWER and MEASURES["within_1h"].better == measures.HIGHER
    assert H == 3_600


def test_every_question_measure_has_its_one_sentence_definition():
    for name in ("questions", "answered", "acknowledged", "median_wait", "within_1h", "within_service_day",
                 "within_3d"):
        sentence = MEASURES[name].definition
        assert sentence == measures.DEFINITIONS[name] and sentence.endswith(".")
        assert sentence.count(". ") == 0, f"{name}: one sentence"
    assert "3 service hours" in measures.DEFINITIONS["service_hours"]
