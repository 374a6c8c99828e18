"""The "What patients ask" page (issue #19) run with AppTest on real warehouses: themes with
counts suppressed below national level, example questions and best answers redacted (no
identifier, greeting or sign-off) and shown only to a session that may read rows, and the draft
FAQ preview without small counts or a patient's words."""
from __future__ import annotations

import re
import shutil

import pytest

from store import config, reader
from tests.conftest import OPEN_DEMO_ENV, TEST_KEY
from tests.test_app import open_page, signed_in, texts
from tests.test_disclosure_walk import _served_text, served  # noqa: F401 (a fixture)
from tests.test_faq import IDENTIFIERS, QUESTIONS, SECRET_WORDS, identifiers, read_back  # noqa: F401 (a fixture)

pytestmark = pytest.mark.app

PAGE = "pages/8_What_patients_ask.py"
MARCH = {"from": "2025-03-01", "to": "2025-03-31"}


def themes_table(at):
    return next(d.value for d in at.dataframe if "Theme id" in d.value.columns and "Good answer found" in d.value.columns)


def all_text(at) -> str:
    parts = texts(at.text) + texts(at.markdown) + texts(at.caption) + texts(at.info)
    parts += [d.value.to_csv() for d in at.dataframe]
    return "\n".join(parts)


def small(value: str) -> bool:
    return value.replace(",", "").isdigit() and 1 <= int(value.replace(",", "")) <= 7


def test_below_national_level_no_count_of_1_to_7_is_shown(demo_data, use_data, read_published):
    use_data(demo_data)
    region = read_published(demo_data, "SELECT region_code FROM daily_theme_counts WHERE region_code IS NOT NULL"
                                       " GROUP BY ALL ORDER BY sum(n_questions) DESC LIMIT 1")[0][0]
    at = open_page(PAGE, {"region": region})
    assert not at.exception, at.exception
    table = themes_table(at)
    assert len(table) > 0
    shown = list(table["Questions"])
    assert not [v for v in shown if small(v)], shown
    assert "*" in shown or all(int(v.replace(",", "")) % 5 == 0 for v in shown)
    preview = next(t for t in texts(at.text) if t.startswith("What patients ask:"))
    assert "Draft for review by the service" in preview
    asked = re.findall(r"^Asked (\d[\d,]*) times", preview, re.M)
    assert not [n for n in asked if small(n)], asked
    assert "Asked 1 to 7 times" in preview or asked


def test_over_all_trusts_and_days_counts_per_theme_follow_the_rule(demo_data, use_data, read_published):
    """A breakdown by theme is a narrowing: even over every day and every trust each theme's
    count is the rule's value of the exact count (exact, the all-trusts count minus each
    region's would pin a region's hidden count: tests/test_disclosure_walk.py)."""
    use_data(demo_data)
    at = open_page(PAGE, params={"from": "2023-01-01", "to": "2025-12-31"})  # every day of the data
    assert not at.exception, at.exception
    table = themes_table(at)
    first, last = at.query_params["from"], at.query_params["to"]
    for _, row in table.iterrows():
        exact = int(read_published(demo_data, "SELECT sum(n_questions) FROM daily_theme_counts WHERE theme_id = $t"
                                              " AND day BETWEEN $a AND $b",
                                   {"t": row["Theme id"], "a": first, "b": last})[0][0])
        assert exact >= 8 and row["Questions"] == f"{(exact + 2) // 5 * 5:,}", (row["Theme id"], exact)
    small = read_published(demo_data, "SELECT count(*) FROM (SELECT theme_id FROM daily_theme_counts WHERE day"
                                      " BETWEEN $a AND $b GROUP BY ALL HAVING sum(n_questions) BETWEEN 1 AND 7)",
                           {"a": first, "b": last})[0][0]
    assert small > 0 and len(table) > 0  # themes asked 1-7 times exist, and are not listed


@pytest.fixture
def copy_of(tmp_path, monkeypatch):
    def use(folder):
        target = tmp_path / "data"
        shutil.copytree(folder, target)
        monkeypatch.setenv(config.DATA_ENV, str(target))
        monkeypatch.setenv(config.PSEUDONYM_KEY_ENV, TEST_KEY)
        return target
    return use


def test_a_trust_manager_sees_redacted_examples_and_answers_and_suppressed_counts(identifiers, copy_of, served):
    copy_of(identifiers)
    user = signed_in("tm@nhs.net", role="trust_manager", trust_code="RR8")
    at = open_page(PAGE, MARCH | {"trust": "RR8"}, user=user)
    assert not at.exception, at.exception
    assert list(themes_table(at)["Questions"]) == ["10"]  # 9, rounded
    shown = all_text(at)
    assert "wear deodorant or talc" in shown  # the best answer is shown ...
    assert "[" in "".join(texts(at.text))  # ... and the examples, with identifiers as [labels]
    for secret in IDENTIFIERS:
        assert secret.lower() not in shown.lower(), secret
    assert "Asked 10 times" in shown and "Asked 9 times" not in shown
    for key, fmt in (("faq_md", "md"), ("faq_docx", "docx"), ("faq_csv", "csv"), ("faq_csv_xlsx", "xlsx")):
        button = at.download_button(key=key)  # every file the page offers: redacted and suppressed
        text = _served_text(served.get(button.proto.deferred_file_id) or served[button.proto.url], fmt)
        assert "wear deodorant or talc" in text and "Asked 10 times" in text and "Asked 9 times" not in text, fmt
        assert "Draft for review by the service" in text, fmt
        for secret in SECRET_WORDS:
            assert secret.lower() not in text.lower(), (fmt, secret)
        for question in QUESTIONS:
            assert question[:25].lower() not in text.lower(), (fmt, question)


def test_a_theme_asked_1_to_7_times_is_not_listed_on_the_page(identifiers, copy_of):
    """Four questions in the dates: no row, no "*", no example, answer or FAQ entry for it."""
    copy_of(identifiers)
    user = signed_in("tm@nhs.net", role="trust_manager", trust_code="RR8")
    at = open_page(PAGE, {"from": "2025-03-01", "to": "2025-03-06", "trust": "RR8"}, user=user)
    assert not at.exception, at.exception
    shown = all_text(at)
    assert "No theme of patient questions to list" in shown
    assert not at.dataframe and "wear deodorant or talc" not in shown and "Asked" not in shown


def test_the_registers_label_heads_the_theme_on_the_page_and_in_the_faq_files(identifiers, copy_of, tmp_path):
    """A rename in the themes register reaches the page's table, the FAQ's question heading and
    the command's Word and Markdown files at the next build."""
    import os

    from ingest import jobs
    from tests.support import run_cli
    from warehouse.build import build

    folder = copy_of(identifiers)
    con = reader.connect_published(folder / config.WAREHOUSE_FILE)
    try:
        theme = con.execute("SELECT theme_id FROM question_themes").fetchall()
    finally:
        con.close()
    assert len(theme) == 1
    (tmp_path / "themes.yaml").write_text(f"themes:\n  - action: rename\n    theme: {theme[0][0]}\n"
                                          "    label: Can I wear deodorant to my mammogram?\n", encoding="utf-8")
    assert jobs.load_themes(tmp_path / "themes.yaml")[0] == 1
    build()
    user = signed_in("tm@nhs.net", role="trust_manager", trust_code="RR8")
    at = open_page(PAGE, MARCH | {"trust": "RR8"}, user=user)
    assert not at.exception, at.exception
    assert list(themes_table(at)["Theme"]) == ["Can I wear deodorant to my mammogram?"]
    assert "\nCan I wear deodorant to my mammogram?\n" in "\n".join(texts(at.text))
    env = os.environ | {config.DATA_ENV: str(folder), config.PSEUDONYM_KEY_ENV: TEST_KEY}
    for fmt in ("md", "docx"):
        out = tmp_path / f"faq.{fmt}"
        done = run_cli("warehouse", "faq", "--trust", "RR8", "--from", "2025-03-01", "--to", "2025-03-31",
                       "--format", fmt, "--out", str(out), env=env)
        assert done.returncode == 0, done.stderr
        assert "Can I wear deodorant to my mammogram?" in read_back(out, fmt), fmt
        assert "Questions about" not in read_back(out, fmt), fmt


def test_without_login_only_counts_are_shown(identifiers, copy_of, monkeypatch):
    copy_of(identifiers)
    monkeypatch.delenv(OPEN_DEMO_ENV)
    at = open_page(PAGE, MARCH)
    assert not at.exception, at.exception
    assert list(themes_table(at)["Questions"]) == ["10"]  # all trusts and days: still a breakdown by theme
    shown = all_text(at)
    assert "Sign in to see example questions and answers" in shown
    assert "wear deodorant or talc" not in shown
    for question in QUESTIONS:
        assert question[:20].lower() not in shown.lower()


def _faq_csv(at, served):
    import io

    import pandas as pd
    button = at.download_button(key="faq_csv")
    return pd.read_csv(io.StringIO(_served_text(served.get(button.proto.deferred_file_id) or served[button.proto.url],
                                                "csv")), dtype=str, keep_default_na=False)


@pytest.mark.parametrize("place", ["trust", "region"])
def test_the_table_and_the_faq_agree_on_which_themes_have_a_good_answer(demo_data, use_data, read_published,
                                                                        served, place):
    """One criterion (ui.themes.good_quotes): for the same place and dates, the themes the table
    marks "yes" are exactly the FAQ's themes with a quoted answer (and "not yet" exactly those
    whose FAQ entry says no good answer has been found)."""
    use_data(demo_data)
    code = read_published(demo_data, f"SELECT {place}_code FROM daily_theme_counts WHERE {place}_code IS NOT NULL"
                                     " GROUP BY ALL ORDER BY sum(n_questions) DESC LIMIT 1")[0][0]
    at = open_page(PAGE, {place: code, "from": "2023-01-01", "to": "2025-12-31"})
    assert not at.exception, at.exception
    table = themes_table(at)
    document = _faq_csv(at, served)
    in_faq = {re.search(r"\(theme (\S+)\)$", t).group(1) for t in document["Theme"]}
    quoted = {re.search(r"\(theme (\S+)\)$", t).group(1) for t, who in zip(document["Theme"], document["From"]) if who}
    marked = {t for t, good in zip(table["Theme id"], table["Good answer found"]) if good == "yes"}
    assert len(in_faq) > 3 and quoted and in_faq - quoted, (in_faq, quoted)  # both kinds are tested
    assert marked & in_faq == quoted
    assert set(table["Good answer found"]) <= {"yes", "not yet"}


@pytest.mark.parametrize("place", ["trust", "region"])
def test_every_faq_file_names_the_place_by_its_name(demo_data, use_data, read_published, served, place):
    """The place as the page's header names it ("North West · Cragholme Imaging NHS Trust"), the
    code in brackets at most: in the title of the Markdown and Word files and in every row of
    the CSV and Excel files ("Where"), never "trust ZZ134" or "region Y62"."""
    use_data(demo_data)
    if place == "trust":
        code, name, region = read_published(
            demo_data, "SELECT t.trust_code, t.trust_name, r.region_name FROM trusts t JOIN regions r USING (region_code)"
                       " WHERE t.trust_code IN (SELECT trust_code FROM daily_theme_counts) ORDER BY 1 LIMIT 1")[0]
        expected = f"{region} · {name} ({code})"
    else:
        code, name = read_published(demo_data, "SELECT region_code, region_name FROM regions WHERE region_code IN"
                                               " (SELECT region_code FROM daily_theme_counts) ORDER BY 1 LIMIT 1")[0]
        expected = f"{name} ({code})"
    at = open_page(PAGE, {place: code, "from": "2023-01-01", "to": "2025-12-31"})
    assert not at.exception, at.exception
    assert set(_faq_csv(at, served)["Where"]) == {expected}
    for key, fmt in (("faq_md", "md"), ("faq_docx", "docx"), ("faq_csv_xlsx", "xlsx")):
        button = at.download_button(key=key)
        text = _served_text(served.get(button.proto.deferred_file_id) or served[button.proto.url], fmt)
        assert expected in text and f"{place} {code}" not in text, (fmt, expected)
        if fmt != "xlsx":
            assert f"What patients ask: {expected}" in text, fmt


def test_the_faq_preview_is_plain_text(identifiers, copy_of):
    """The on-page preview shows the draft FAQ as a person reads it: no Markdown escapes,
    backticks or "#" headings."""
    copy_of(identifiers)
    user = signed_in("tm@nhs.net", role="trust_manager", trust_code="RR8")
    at = open_page(PAGE, MARCH | {"trust": "RR8"}, user=user)
    assert not at.exception, at.exception
    preview = next(t for t in texts(at.text) if "Draft for review by the service" in t)
    assert "wear deodorant or talc" in preview and "See nhs.uk for more" in preview
    assert "\\" not in preview and "`" not in preview and not re.search(r"^#", preview, re.M)


def test_the_gaps_view_gives_no_all_clear_where_counts_are_hidden_or_small(demo_data, use_data, read_published):
    """For a trust whose themes are nearly all asked 1–7 times the gaps view says there are too
    few questions to tell (neutral), not a green "no theme ... is answered rarely"."""
    use_data(demo_data)
    trust = read_published(demo_data, "SELECT trust_code FROM daily_theme_counts WHERE trust_code IS NOT NULL"
                                      " GROUP BY ALL HAVING max(n_questions) > 0 ORDER BY sum(n_questions), 1 LIMIT 1")[0][0]
    at = open_page(PAGE, {"trust": trust, "from": "2023-01-01", "to": "2025-12-31"})
    assert not at.exception, at.exception
    shown = list(themes_table(at)["Questions"])
    assert "*" in shown, shown
    assert not [s.value for s in at.success if "answered rarely" in s.value]
    assert [i.value for i in at.info if i.value.startswith("Too few questions to tell")]


def test_the_gaps_view_gives_the_all_clear_where_every_theme_is_judged(identifiers, copy_of):
    copy_of(identifiers)
    user = signed_in("tm@nhs.net", role="trust_manager", trust_code="RR8")
    at = open_page(PAGE, MARCH | {"trust": "RR8"}, user=user)
    assert not at.exception, at.exception
    assert list(themes_table(at)["Questions"]) == ["10"]
    assert [s.value for s in at.success if s.value.startswith("No theme asked 10 times or more")]


@pytest.mark.parametrize("place", ["trust", "region"])
def test_themes_are_ordered_by_the_count_shown_never_by_a_hidden_one(demo_data, use_data, read_published, served,
                                                                    place):
    """Busiest first by the count as shown; equal shown counts, and every "*", in label order,
    "*" after every shown count: the order ranks nothing the counts hide. The draft FAQ takes
    its themes in the same order."""
    use_data(demo_data)
    code = read_published(demo_data, f"SELECT {place}_code FROM daily_theme_counts WHERE {place}_code IS NOT NULL"
                                     " GROUP BY ALL ORDER BY sum(n_questions) DESC LIMIT 1")[0][0]
    at = open_page(PAGE, {place: code, "from": "2023-01-01", "to": "2025-12-31"})
    assert not at.exception, at.exception
    table = themes_table(at)
    key = [(v == "*", 0 if v == "*" else -int(v.replace(",", "")), label.casefold())
           for v, label in zip(table["Questions"], table["Theme"])]
    assert key == sorted(key), list(zip(table["Questions"], table["Theme"]))
    ties = {v for v in table["Questions"] if list(table["Questions"]).count(v) > 1}
    assert ties, list(table["Questions"])  # equal shown counts (or several "*") are tested
    in_faq = [re.search(r"\(theme (\S+)\)$", t).group(1) for t in dict.fromkeys(_faq_csv(at, served)["Theme"])]
    assert in_faq == list(table["Theme id"])[:len(in_faq)]


def test_the_faq_download_buttons_have_short_distinct_labels(identifiers, copy_of):
    """At 1280 px "Download these draft FAQ entries (CSV)" and "(Excel)" were cut to the same
    words: each button says its format in a few words."""
    copy_of(identifiers)
    user = signed_in("tm@nhs.net", role="trust_manager", trust_code="RR8")
    at = open_page(PAGE, MARCH | {"trust": "RR8"}, user=user)
    assert not at.exception, at.exception
    labels = {key: at.download_button(key=key).label for key in ("faq_md", "faq_docx", "faq_csv", "faq_csv_xlsx")}
    assert labels == {"faq_md": "FAQ (Markdown)", "faq_docx": "FAQ (Word)", "faq_csv": "FAQ (CSV)",
                      "faq_csv_xlsx": "FAQ (Excel)"}, labels
