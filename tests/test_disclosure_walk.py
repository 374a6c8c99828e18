"""Disclosure control cannot be undone (issue #12 §2): every page, under many filter sets, is
opened as a browser would (AppTest, the seeded demo warehouse) and attacked with what it shows
(tests/disclosure_attacks.py): counts against the rule, numbers derived from a hidden count,
bars dropped instead of drawn as "*", totals minus parts, shares and rates inverted through
their rounded denominators (the floats a chart's JSON carries), funnel centre lines, and
Kaplan–Meier steps, and on What patients ask the themes' counts in the tables, the draft FAQ's
preview and every file the page offers (Markdown, Word, CSV, Excel), and a theme's national
count minus its count in every region. Truth comes from the warehouse's own query functions
(exact counts).

"National" is the view with no narrowing at all: every day of the data, no region, trust,
platform or search; any other view is below national level."""
from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import app_test as app_test_module

from tests import disclosure_attacks as attack
from tests.support import drawn_figures
from tests.support import published_queries
from tests.test_app import HOME, QUESTIONS_PAGE, RESPONSE_PAGE, open_page
from tests.support import xlsx_rows
from warehouse import flag_queries, queries, question_queries, theme_queries
from warehouse.queries import Filters

pytestmark = [pytest.mark.app, pytest.mark.slow]

FLAGS_PAGE, POLICY_PAGE = "pages/5_Guideline_flags.py", "pages/6_Policy_comparison.py"
HEALTH_PAGE = "pages/7_Data_health.py"  # over all the data whatever the filters: walked once
THEMES_PAGE = "pages/8_What_patients_ask.py"
FAQ_FILES = {"faq_md": "md", "faq_docx": "docx", "faq_csv": "csv", "faq_csv_xlsx": "xlsx"}  # button keys
FIRST, LAST = "2023-07-02", "2025-06-30"  # the seeded demo's days
FILTER_SETS = {  # name -> URL parameters
    "everything": {"from": FIRST, "to": LAST},
    "default year": {},
    "one month": {"from": "2025-06-01", "to": "2025-06-30"},
    "small region": {"region": "N92000002"},
    "one trust": {"trust": "ZZ109", "from": FIRST, "to": LAST},
    "one platform": {"platform": "mastodon", "from": FIRST, "to": LAST},
    "platform in a region": {"platform": "reddit", "region": "Y56"},
}
COUNT_COLUMNS = ("Posts", "Questions", "Flags", "Staff posts", "Answered questions",
                 "Answer stamped before its question")
DERIVED_OVER = {  # a table's derived column -> the shown count columns it is computed over
    "Share of posts": ("Posts",), "Response rate (95% CI)": ("Questions", "Answered"),
    "Answered (95% CI)": ("Questions",), "Median wait": ("Questions",), "Median 95% CI": ("Questions",),
    "Flags per 1,000 posts (95% CI)": ("Flags", "Staff posts"), "Answered": ("Questions",),
    "Within target": ("Questions",), "Share (95% CI)": ("Questions",),
    "Share": ("Answered questions", "Answer stamped before its question"),
    "Change on the period before": ("Questions",), "Within the trust's target": ("Questions",),
}


def _filters(at) -> Filters:
    """The filters the page applied, read back from its URL (as a link reproduces them)."""
    get = at.query_params.get
    def many(name):
        value = get(name)
        return tuple(value if isinstance(value, list) else [value]) if value else ()
    day = lambda name: pd.Timestamp(get(name) if isinstance(get(name), str) else get(name)[0]).date()
    return Filters(day("from"), day("to"), many("region"), many("trust"), many("platform"), "")


def _national(f: Filters) -> bool:
    return (not f.regions and not f.trusts and not f.platforms and not f.text
            and str(f.start) <= FIRST and str(f.end) >= LAST)


def _charts(at) -> list[dict]:
    """The figures as the browser gets them, typed arrays decoded."""
    specs = drawn_figures(at)
    for spec in specs:
        for trace in spec["data"]:
            for field in ("x", "y", "z", "text", "customdata"):
                if isinstance(trace.get(field), dict):
                    trace[field] = attack.values(trace[field])
    return specs


def _heatmap_findings(page: str, specs: list[dict]) -> list[str]:
    """Questions per weekday and hour block: each cell is a narrow slice of the view."""
    found = []
    for spec in specs:
        for trace in spec["data"]:
            if trace.get("type") == "heatmap" and "Questions" == trace.get("colorbar", {}).get("title", {}).get("text"):
                cells = [v for row in trace.get("z") or [] for v in row]
                SEEN.add("heatmap")
                found += attack.series_rule(f"{page} questions by weekday and hour", cells)
    return found


def _group_curve_findings(page: str, spec: dict, units: pd.DataFrame) -> list[str]:
    """Per-region or per-trust curves: none drawn for a group with 1-7 questions, answers or
    open questions."""
    from ui import formats  # noqa: PLC0415 - group names as the chart writes them
    small = units[units["n_questions"].between(1, 7) | units["n_answered"].between(1, 7)
                  | (units["n_questions"] - units["n_answered"]).between(1, 7)]
    names = {formats.org_name(n) for n in small["group_name"]}
    drawn = [str(t.get("name", "")).rsplit(" (", 1)[0] for t in spec["data"]
             if t.get("line", {}).get("shape") == "hv" and not t.get("fill")]
    SEEN.add("curves by group")
    return [f"{page} curve for {name!r} drawn over 1-7 questions, answers or open questions"
            for name in drawn if name in names]


def _interactions(page: str, at, f: Filters, query) -> list[str]:
    """The views behind a page's controls: lines by topic and region, response times by region."""
    found = []
    if page == QUESTIONS_PAGE and at.segmented_control(key="questions_by") is not None:
        for by in ("topic", "region"):
            at.segmented_control(key="questions_by").set_value(by).run()
            found += _series_findings(f"{page} by {by}", _charts(at))
    if page == RESPONSE_PAGE:
        at.segmented_control(key="response_by").set_value("region").run()
        assert not at.exception, at.exception
        found += _table_findings(f"{page} by region", _tables(at))
        units = query(question_queries.question_units, f, by="region")
        for spec in _charts(at):
            if _title(spec, "yaxis") == "Still waiting for a first answer":
                found += _group_curve_findings(f"{page} by region", spec, units)
    return found


def _series_findings(page: str, specs: list[dict]) -> list[str]:
    """Counts over time (posts or questions per period) follow the rule in every period."""
    found = []
    for spec in specs:
        title = _title(spec, "yaxis")
        if title.startswith(("Posts per", "Questions per")):
            for trace in spec["data"]:
                SEEN.add(f"series {title.split()[0]}" + (" by " + page.split(" by ")[-1] if " by " in page else ""))
                found += attack.series_rule(f"{page} {title} {trace.get('name')!r}", trace.get("y") or [])
    return found


def _title(spec: dict, axis: str) -> str:
    title = spec["layout"].get(axis, {}).get("title", {})
    return title.get("text", "") if isinstance(title, dict) else str(title)


def _metrics(at) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.proto.body if hasattr(m.proto, "body") else "") for m in at.metric}


def _tables(at) -> list[pd.DataFrame]:
    return [t.value for t in at.dataframe]


# --- the attacks on each kind of thing shown ------------------------------------------------------
SEEN: set[str] = set()  # what the attacks looked at, so that the walk cannot pass by seeing nothing

def _table_findings(page: str, tables: list[pd.DataFrame]) -> list[str]:
    """Counts against the rule; derived cells in a row with a hidden count."""
    found = []
    for n, table in enumerate(tables):
        counts = [c for c in table.columns if c in COUNT_COLUMNS]
        SEEN.add(f"table {page}") if counts else None
        derived = [c for c in table.columns if c in DERIVED_OVER]
        for i, row in table.iterrows():
            for c in counts:
                found += attack.count_rule(f"{page} table {n} row {i} {c}", row[c])
            for c in derived:
                hidden = any(str(row[b]).strip() == attack.HIDDEN for b in DERIVED_OVER[c] if b in table.columns)
                found += attack.derived_over_hidden(f"{page} table {n} row {i} {c}", hidden, row[c])
    return found


def _bar_findings(page: str, spec: dict, expected: list[str], what: str, counts: bool = True) -> list[str]:
    """Every unit of the truth has a bar (hidden ones as "*"), and the bars' counts (when the
    labels are ``counts``) follow the rule."""
    found = []
    shown_names = set()
    SEEN.add(f"bars {what}")
    for trace in spec["data"]:
        if trace.get("type") != "bar":
            continue
        names = trace.get("y") or []
        shown_names |= {str(y).replace("<br>", " ") for y in names}
        for j, text in enumerate(trace.get("text") or [] if counts else []):
            found += attack.count_rule(f"{page} {what} bar {names[j] if j < len(names) else j}", text)
    missing = [e for e in expected if e not in shown_names]
    if missing:
        found.append(f"{page} {what}: {len(missing)} of {len(expected)} units dropped instead of drawn as '*': "
                     f"{missing[:3]}")
    return found


def _funnel_findings(page: str, spec: dict, scale: float, hidden_truth: int | None) -> list[str]:
    """Each point's value inverted through its rounded size; the centre line read as a fraction."""
    points = [t for t in spec["data"] if t.get("mode") == "markers" and t.get("customdata") is not None
              and t.get("x") and t["x"][0] is not None]
    centre = [t for t in spec["data"] if str(t.get("name", "")).startswith("Overall")]
    found, exact = [], []
    SEEN.add(f"funnel {page}") if points else None
    for trace in points:
        for x, y in zip(trace["x"], trace["y"]):
            pair = attack.ratio_inversion(y, x, scale)
            if pair is not None and (pair[0] % 5 or pair[1] % 5):  # multiples of 5: the rounded counts
                exact.append(pair)
    n_points = sum(len(t["x"]) for t in points)
    if exact:
        found.append(f"{page} funnel: the exact counts of {len(exact)} of {n_points} units recovered from "
                     f"their plotted value and rounded size (e.g. {exact[0][0]} of {exact[0][1]})")
    if centre and scale == 1.0 and len(exact) == n_points and hidden_truth:
        total = attack.exact_fraction(centre[0]["y"][0])
        for multiple in range(1, 50):  # the fraction is in lowest terms: try its multiples
            left_out = total.denominator * multiple - sum(d for _, d in exact)
            if left_out == hidden_truth:
                found.append(f"{page} funnel: the units left out have {left_out} questions between them "
                             f"(centre line {float(total):.6f} = {total} minus the recovered points)")
                break
    return found


def _curve_findings(page: str, spec: dict, answered: int, still_open: int) -> list[str]:
    """A drawn Kaplan–Meier curve over a selection with 1-7 answered shows each answer as a step."""
    found = []
    SEEN.add("curve")
    for trace in spec["data"]:
        if trace.get("line", {}).get("shape") != "hv" or trace.get("fill"):
            continue
        steps = attack.km_steps(trace["y"])
        if 1 <= answered <= 7 and steps == answered:
            found.append(f"{page} curve {trace.get('name')!r}: {steps} steps = the {answered} answered (hidden)")
        if 1 <= still_open <= 7 and trace["y"] and trace["y"][-1] > 0:
            found.append(f"{page} curve {trace.get('name')!r}: ends at {trace['y'][-1]:.4f} still waiting, "
                         f"over {still_open} open questions (hidden)")
    return found


_ASKED = re.compile(r"Asked ([\d,*]+) times")


def _faq_findings(where: str, text: str) -> list[str]:
    """The draft FAQ's "Asked N times" (each a theme's count) follow the rule; after "Asked 1 to
    7 times" no share or wait (over the hidden count) follows."""
    found = []
    for shown in _ASKED.findall(text):
        SEEN.add(f"faq {where.rsplit(' ', 1)[-1]}")
        found += attack.count_rule(f"{where} 'Asked {shown} times'", shown)
    for line in re.findall(r"Asked 1 to 7 times[^\n]*", text):
        SEEN.add(f"faq {where.rsplit(' ', 1)[-1]}")
        if "answered" in line or "median wait" in line:
            found.append(f"{where}: {line[:80]!r}: a share or wait over a hidden count")
    return found


def _served_text(data, fmt: str) -> str:
    """A downloaded file as the text a person reads in it."""
    if callable(data):
        data = data()
    if fmt == "docx":
        import docx  # noqa: PLC0415
        document = docx.Document(io.BytesIO(data))
        return "\n".join([p.text for p in document.sections[0].header.paragraphs]
                         + [p.text for p in document.paragraphs])
    if fmt == "xlsx":
        return "\n".join("\t".join(row) for row in xlsx_rows(data))
    return data.decode("utf-8-sig") if isinstance(data, bytes) else str(data)


def _themes_findings(page: str, at, served: dict) -> list[str]:
    """What patients ask: the FAQ's preview and every FAQ file the page offers (the tables are
    attacked with every page's)."""
    preview = [t.value for t in at.text if t.value.startswith("What patients ask:")]
    found = [f for text in preview for f in _faq_findings(f"{page} preview", text)]
    for key, fmt in FAQ_FILES.items() if preview else ():  # no theme to list: no FAQ at all
        try:
            button = at.download_button(key=key)
        except KeyError:
            found.append(f"{page}: no {fmt} download of the draft FAQ")
            continue
        data = served.get(button.proto.deferred_file_id) or served.get(button.proto.url)
        assert data is not None, (key, "the file the button serves was not recorded")
        found += _faq_findings(f"{page} {fmt}", _served_text(data, fmt))
    return found


# --- one page under one filter set -----------------------------------------------------------------

def _walk(page: str, params: dict, query, served: dict | None = None) -> tuple[list[str], bool]:
    at = open_page(page, params)
    assert not at.exception, (page, params, at.exception)
    f = _filters(at)
    national = _national(f)
    metrics, tables, specs = _metrics(at), _tables(at), _charts(at)
    found = _table_findings(page, tables) + _series_findings(page, specs) + _heatmap_findings(page, specs)
    q = query(question_queries.question_headline, f).iloc[0]
    n_q, n_ans, n_open = int(q["n_questions"]), int(q["n_answered"]), int(q["n_open"])
    if page == HOME:
        head = query(queries.headline, f).iloc[0]
        truth = {"Posts": int(head["n_posts"]), "Distinct accounts": int(head["n_authors"]),
                 "Patient questions": n_q}
        regions = query(queries.posts_by_region, f)
        for spec in specs:
            if _title(spec, "xaxis") == "Posts" and len(spec["data"]) and spec["data"][0].get("type") == "bar":
                expected = [str(n) for n in regions["region_name"]]
                if len(set(expected) & {str(y) for y in spec["data"][0].get("y", [])}) > len(expected) / 2:
                    found += _bar_findings(page, spec, expected, "posts by region")
                    parts = list(spec["data"][0].get("text") or [])
                    truths = dict(zip(regions["region_name"], regions["n_posts"].astype(int)))
                    found += attack.subtraction(f"{page} posts by region", metrics["Posts"][0], parts,
                                                [truths.get(y) for y in spec["data"][0]["y"]])
    elif page == QUESTIONS_PAGE:
        truth = {"Questions asked": n_q, "Still unanswered": n_open}
        hidden = not national and (1 <= n_q <= 7 or 1 <= n_ans <= 7)
        if "Answered so far" in metrics:
            found += attack.derived_over_hidden(f"{page} Answered so far", hidden, metrics["Answered so far"][0])
        topics = query(question_queries.question_topics, f)
        from ui import formats  # noqa: PLC0415 - the topic labels as the page writes them
        for spec in specs:
            if _title(spec, "xaxis") == "Questions" and any(t.get("type") == "bar" for t in spec["data"]) \
                    and not any(t.get("name") == "Answered" for t in spec["data"]):
                found += _bar_findings(page, spec, [formats.topic(t) for t in topics["topic"]], "topics")
        units = query(question_queries.question_units, f, by="trust")
        for table in tables:
            if "Response rate (95% CI)" in table.columns and "Questions asked" in metrics:
                truths = dict(zip(units["group_name"].map(formats.org_name), units["n_questions"].astype(int)))
                found += attack.subtraction(f"{page} questions by trust", metrics["Questions asked"][0],
                                            list(table["Questions"]), [truths.get(t) for t in table.iloc[:, 0]])
    elif page == RESPONSE_PAGE:
        truth = {}
        for spec in specs:
            if _title(spec, "yaxis") == "Still waiting for a first answer" and not national:
                found += _curve_findings(page, spec, n_ans, n_open)
            if _title(spec, "xaxis") == "Questions (rounded to 5)":
                peers = Filters(f.start, f.end, f.regions, (), f.platforms)
                units = query(question_queries.question_units, peers, by="trust")
                units = units[units["group_code"] != "unattributed"]
                small = units[units["n_questions"].between(1, 7) | units["n_answered"].between(1, 7)]
                found += _funnel_findings(page, spec, 1.0, int(small["n_questions"].sum()))
    elif page == FLAGS_PAGE:
        head = query(flag_queries.flag_headline, f).iloc[0]
        truth = {"Flags": int(head["n_flags"]), "High-severity": int(head["n_high"]),
                 "Reviewed": int(head["n_reviewed"])}
        label = next((k for k in metrics if "per 1,000" in k), None)
        if label:
            hidden = not national and any(1 <= int(head[c]) <= 7 for c in ("n_flags", "n_posts"))
            found += attack.derived_over_hidden(f"{page} {label}", hidden, metrics[label][0])
        families = query(flag_queries.flag_rates, f, by="family")
        bars = [s for s in specs if _title(s, "xaxis") == "Flags per 1,000 staff posts"]
        if bars:  # the first is by family, the second by rule
            names = [str(n).replace("_", " ") for n in families["group_name"]]
            found += _bar_findings(page, bars[0], names, "flags by family", counts=False)
        if len(bars) > 1:
            rules = query(flag_queries.flag_rates, f, by="rule").head(15)
            found += _bar_findings(page, bars[1], [str(n).replace("_", " ") for n in rules["group_name"]],
                                   "flags by rule", counts=False)
        for spec in specs:
            if _title(spec, "xaxis").startswith("Staff and organisation posts"):
                found += _funnel_findings(page, spec, 1000.0, None)
    elif page == HEALTH_PAGE:  # answers stamped early, per platform: the tables' rule above
        truth = {}
    elif page == THEMES_PAGE:  # a breakdown by theme: never national, whatever the filters
        truth = {}
        found += _themes_findings(page, at, served if served is not None else {})
    else:  # Policy comparison
        truth = {}
        for spec in specs:
            if _title(spec, "xaxis") == "Questions (rounded to 5)":
                found += _funnel_findings(page, spec, 1.0, None)
            if _title(spec, "xaxis").startswith("Staff and organisation posts"):
                found += _funnel_findings(page, spec, 1000.0, None)
    if page in (QUESTIONS_PAGE, RESPONSE_PAGE) and not at.exception and (at.metric or at.dataframe):
        found += _interactions(page, at, f, query)
    if not national:
        for label, true in truth.items():
            if label in metrics:
                SEEN.add(f"metric {label}")
                found += attack.count_rule(f"{page} metric {label!r}", metrics[label][0], true)
    return found, national


PAGES = (HOME, QUESTIONS_PAGE, RESPONSE_PAGE, FLAGS_PAGE, POLICY_PAGE, THEMES_PAGE)


@pytest.fixture
def served(monkeypatch) -> dict:
    """What the page's download buttons would serve: file id or URL -> the bytes (or the
    callable a deferred button calls on click)."""
    files: dict = {}

    class Recording(MediaFileManager):
        def add(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
            url = super().add(path_or_data, mimetype, coordinates, file_name, is_for_static_download)
            files[url] = path_or_data
            return url

        def add_deferred(self, data_callable, *args, **kwargs):
            file_id = super().add_deferred(data_callable, *args, **kwargs)
            files[file_id] = data_callable
            return file_id

    monkeypatch.setattr(app_test_module, "MediaFileManager", Recording)
    return files


@pytest.mark.parametrize("name", list(FILTER_SETS))
def test_no_hidden_number_can_be_backed_out(name, demo_data, use_data, served):
    use_data(demo_data)
    query, close = published_queries(demo_data)
    try:
        found = []
        for page in PAGES + ((HEALTH_PAGE,) if name == "everything" else ()):
            findings, _ = _walk(page, FILTER_SETS[name], query, served)
            found += findings
    finally:
        close()
    assert not found, f"{len(found)} disclosures under {name!r}:\n" + "\n".join(found)


def test_a_themes_count_is_not_its_national_count_minus_the_regions(demo_data, use_data):
    """Differencing across filters on What patients ask: over the same days, a theme's count in
    the all-trusts view minus its count in every region (and the posts with no region) must
    not pin a region's hidden count."""
    use_data(demo_data)
    query, close = published_queries(demo_data)
    found, compared = [], 0
    try:
        regions = list(query(queries.region_options)["region_code"])
        views = {"": open_page(THEMES_PAGE, FILTER_SETS["everything"])}
        for region in regions:
            views[region] = open_page(THEMES_PAGE, FILTER_SETS["everything"] | {"region": region})
        shown = {}
        for region, at in views.items():
            assert not at.exception, (region, at.exception)
            table = next((t.value for t in at.dataframe if "Theme id" in t.value.columns
                          and "Good answer found" in t.value.columns), pd.DataFrame())
            shown[region] = dict(zip(table.get("Theme id", []), table.get("Questions", [])))
        truth = {r: query(theme_queries.theme_summary, _filters(views[r])).set_index("theme_id")["n_questions"]
                 for r in regions}
        for theme, total in shown[""].items():
            parts = [shown[r].get(theme, "0") for r in regions]
            if any(str(p).strip() == attack.HIDDEN for p in parts):
                compared += 1
            found += attack.subtraction(f"{THEMES_PAGE} theme {theme}: all trusts minus each region", total, parts,
                                        [int(truth[r].get(theme, 0)) for r in regions])
    finally:
        close()
    assert compared, "no theme hidden in a region: the attack tried nothing"
    assert not found, "\n".join(found)


def test_the_walk_looked_at_everything(demo_data, use_data):
    """Run after the filter sets (same module, in order): every kind of number was attacked."""
    if not SEEN:
        pytest.skip("run with the filter-set tests")
    expected = {"table " + p for p in (HOME, QUESTIONS_PAGE, FLAGS_PAGE, POLICY_PAGE, HEALTH_PAGE, THEMES_PAGE)} | {
        "faq preview", "faq md", "faq docx", "faq csv", "faq xlsx",
        "heatmap", "curve", "curves by group", "series Posts", "series Questions", "series Questions by topic",
        "series Questions by region", "bars posts by region", "bars topics", "bars flags by family",
        "bars flags by rule",
        "funnel " + RESPONSE_PAGE, "funnel " + FLAGS_PAGE, "funnel " + POLICY_PAGE,
        "metric Posts", "metric Questions asked", "metric Flags", "metric Still unanswered"}
    assert expected <= SEEN, sorted(expected - SEEN)
