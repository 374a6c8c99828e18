"""Hostile input through the UI (issue #7): SQL-injection, script, control and huge strings in
every URL parameter and in Explore's search box are inert.

Every page opens with them without an exception, shows its heading, never lets a ``<script>``
reach an element that renders HTML, keeps only offered codes, and leaves the published
warehouse untouched. Searching is literal: every row shown contains the text as typed.
"""
from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from tests.test_app import HEADINGS, open_page, texts
from ui import labels, tables
from ui.filters import KEYS

pytestmark = pytest.mark.app  # pages run with AppTest

EXPLORE = "pages/1_Explore.py"
SCRIPT = "<script>alert('xss')</script>"
SQL = "'); DROP TABLE posts; --"
HOSTILE_VALUES = [
    SQL,
    "x' OR '1'='1",
    "1; DELETE FROM flags WHERE 1=1; --",
    SCRIPT,
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "[click](javascript:alert(1))",
    "%00",
    "\x00",
    "%' OR text LIKE '%",
    "_%\\",
    "\u202e\u200b\ufeff",
    "caf\u00e9 \U0001f600 \u4e2d",
    "$text_pattern",
    "{0} %s ?",
    "x" * 5_000,
]
# One URL per case: every filter parameter hostile at once (repeated where repeatable).
URLS = {
    "sql": {"from": SQL, "to": "2025-13-45'--", "region": [SQL, "unattributed' OR 1=1--"],
            "trust": [SQL, "RR8' --"], "platform": [SQL, "x' OR '1'='1"], "q": SQL},
    "script": {"from": SCRIPT, "to": SCRIPT, "region": [SCRIPT], "trust": [SCRIPT, SCRIPT],
               "platform": [SCRIPT], "q": SCRIPT},
    "mixed": {"from": "%00", "to": "9999-99-99", "region": HOSTILE_VALUES, "trust": HOSTILE_VALUES,
              "platform": HOSTILE_VALUES, "q": ["first", "\x00%00" + "y" * 10_000]},
}


def rendered(at) -> list[tuple[str, str, bool]]:
    """(element type, its text, whether it renders HTML) for every element of the page."""
    out = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "info", "warning",
                 "error", "success", "text", "latex", "code"):
        for element in getattr(at, kind):
            out.append((kind, str(element.value), bool(getattr(element, "allow_html", False))))
    for element in at.get("html"):
        out.append(("html", str(element.proto.body), True))
    return out


def published_counts(read, folder) -> tuple:
    return read(folder, "SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM flags),"
                        " (SELECT count(*) FROM patient_questions),"
                        " (SELECT md5(string_agg(platform || post_id || text, ',' ORDER BY platform, post_id)) FROM posts)")[0]


def assert_inert(at, page: str) -> None:
    assert not at.exception, at.exception
    assert any(HEADINGS[page] in t for t in texts(at.title))
    for kind, text, html in rendered(at):
        if html:  # only trusted markup may render as HTML
            lowered = text.lower()
            assert "<script" not in lowered and "onerror=" not in lowered, (kind, text[:200])
            assert "javascript:" not in lowered, (kind, text[:200])
    for name in ("filter_regions", "filter_trusts", "filter_platforms"):
        chosen = at.multiselect(key=name).value
        assert not any(v in HOSTILE_VALUES or v == SCRIPT for v in chosen), (name, chosen)


@pytest.mark.parametrize("case", sorted(URLS))
@pytest.mark.parametrize("page", sorted(HEADINGS))
def test_hostile_url_parameters_are_inert_on_every_page(page, case, demo_data, use_data, read_published):
    use_data(demo_data)
    before = published_counts(read_published, demo_data)
    stat = os.stat(demo_data / "warehouse.duckdb")
    at = open_page(page, URLS[case])
    assert_inert(at, page)
    # unparseable dates fall back to the default view; codes not offered are dropped
    assert set(at.query_params) >= {"from", "to"}
    for name in ("region", "trust", "platform"):
        assert name not in at.query_params, (name, at.query_params.get(name))
    if page == EXPLORE:
        q = URLS[case]["q"]
        typed = (q[-1] if isinstance(q, list) else q)[:200]  # the last one; the box's limit
        assert at.text_input(key=KEYS["text"]).value == typed  # it reached the search
        shown = explore_texts(at)
        assert all(typed.strip().lower() in text.lower() for text in shown)
    assert published_counts(read_published, demo_data) == before
    after = os.stat(demo_data / "warehouse.duckdb")
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def explore_limit() -> int:
    """The Explore page's row limit (pages/ files are scripts, so it is read, not imported)."""
    source = (Path(__file__).resolve().parent.parent / EXPLORE).read_text()
    return next(ast.literal_eval(node.value) for node in ast.parse(source).body
                if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "LIMIT")


def explore_texts(at) -> list[str]:
    frames = [d.value for d in at.dataframe]
    assert frames, "Explore shows no table"
    return list(frames[0][labels.EXPLORE_TEXT].astype(str))


@pytest.mark.parametrize("typed", [SQL, SCRIPT, "%", "_", "\\", "'", "%' OR '1'='1", "\x00",
                                   "?", "$text", "x" * 200, "scan", "SCAN"])
def test_explore_search_is_literal_and_inert(typed, demo_data, use_data, read_published):
    use_data(demo_data)
    before = published_counts(read_published, demo_data)
    at = open_page(EXPLORE)
    at.text_input(key=KEYS["text"]).input(typed).run()
    assert_inert(at, EXPLORE)
    shown = explore_texts(at)
    needle = typed.strip().lower()
    assert all(needle in text.lower() for text in shown), [t[:80] for t in shown[:5]]
    start, end = at.query_params["from"], at.query_params["to"]
    expected = read_published(
        demo_data,
        "SELECT count(*) FROM posts WHERE (created_at AT TIME ZONE 'Europe/London')::DATE"
        " BETWEEN $s::DATE AND $e::DATE AND contains(lower(text), $n)",
        {"s": start, "e": end, "n": needle})[0][0]
    found = min(expected, explore_limit())  # the newest LIMIT posts that match, shown a page at a time
    assert len(shown) == min(found, tables.PAGE_ROWS)
    if found > tables.PAGE_ROWS:
        assert any(c.value.endswith(f" of {found:,}.") for c in at.caption), [c.value for c in at.caption]
    if needle == "scan":
        assert shown, "a literal search for a common word finds posts"
    else:
        assert at.query_params.get("q") == (typed if typed.strip() else None)
    assert published_counts(read_published, demo_data) == before
