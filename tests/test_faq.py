"""The draft FAQ of what patients ask (issue #19), Markdown, HTML, Word and CSV, from the command line
(``python -m warehouse faq``): answers are quoted without greetings, sign-offs or identifiers and
attributed to a role and a trust, no patient's words appear (not even redacted), and counts
below national level are suppressed. A real warehouse built from posts with identifiers."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest

from ingest import jobs
from store import config
from tests.conftest import TEST_KEY
from tests.support import run_cli, write_jsonl
from ui import faq
from warehouse.build import build

pytestmark = pytest.mark.slow  # every test runs the CLI as a user does (the slow tier's end to end)

UTC = timezone.utc
START = datetime(2025, 3, 3, 9, tzinfo=UTC)
PHONE, EMAIL, HANDLE, NHS_NUMBER = "07700 900461", "sue.brown@example.com", "@suebrown77", "943 476 5919"
QUESTIONS = [
    f"Can I wear deodorant before my mammogram? ring me on {PHONE}",
    f"is deodorant ok before a mammogram, email me {EMAIL}",
    f"{HANDLE} should I skip deodorant for my mammogram",
    f"Deodorant before the mammogram, yes or no? my nhs number is {NHS_NUMBER}",
    "Can I use antiperspirant before a mammogram on Tuesday",
    "No deodorant before the mammogram, is that right?",
    "Is roll-on deodorant allowed before my mammogram appointment?",
    "Do I have to avoid deodorant before a mammogram?",
    "deodorant and mammogram, what is the rule?",
]
ANSWER = (f"Hi Sue, please don't wear deodorant or talc on the day: it can show on the images. "
          f"Ring us on {PHONE} if unsure. See nhs.uk for more. - Rachel, Breast Screening Team")
IDENTIFIERS = (PHONE, EMAIL, HANDLE.lstrip("@"), NHS_NUMBER, "Sue", "Rachel")
SECRET_WORDS = IDENTIFIERS + ("ring me", "email me")  # the FAQ has no patient words at all


def records():
    out = []
    for i, text in enumerate(QUESTIONS):
        asked = START + timedelta(days=i)
        out.append({"platform": "x", "post_id": f"q{i}", "author_id": f"patient{i % 3}",
                    "created_at": asked.isoformat(), "text": text, "trust_code": "RR8"})
        out.append({"platform": "x", "post_id": f"a{i}", "author_id": "leeds_unit", "parent_id": f"q{i}",
                    "thread_id": f"q{i}", "created_at": (asked + timedelta(hours=2)).isoformat(), "text": ANSWER})
    return out


@pytest.fixture(scope="module")
def identifiers(make_warehouse, tmp_path_factory):
    folder = tmp_path_factory.mktemp("themes-ids")

    def load():
        jobs.import_file(write_jsonl(folder / "posts.jsonl", records()))
        (folder / "accounts.csv").write_text("platform,author_id,role,trust_code,title,automated\n"
                                             "x,leeds_unit,organisation,RR8,Leeds Breast Screening,\n")
        jobs.load_accounts(folder / "accounts.csv")
        build()

    return make_warehouse("themes-identifiers", load)


@pytest.mark.parametrize("fmt", sorted(faq.FORMATS))
@pytest.mark.parametrize("place", [("--trust", "RR8"), ()])
def test_the_faq_command_quotes_answers_without_identifiers_and_hides_small_counts(identifiers, tmp_path, fmt, place):
    out = tmp_path / f"faq.{fmt}"
    env = os.environ | {config.DATA_ENV: str(identifiers), config.PSEUDONYM_KEY_ENV: TEST_KEY}
    done = run_cli("warehouse", "faq", *place, "--from", "2025-03-01", "--to", "2025-03-31",
                   "--format", fmt, "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr
    text = read_back(out, fmt)
    assert "Draft for review by the service" in text
    assert "1 Mar 2025 to 31 Mar 2025" in text  # the dates it came from
    assert "please don" in text.lower() and "wear deodorant or talc" in text  # the answer is quoted
    for secret in SECRET_WORDS:
        assert secret.lower() not in text.lower(), secret
    for question in QUESTIONS:  # no patient's words, not even redacted
        assert question[:25].lower() not in text.lower()
    # 9 questions show as 10, never as 9: for one trust, and over all trusts too (counts per
    # theme are a breakdown; exact there, all trusts minus each region would pin a region's)
    assert "Asked 10 times" in text and "Asked 9 times" not in text
    assert "Leeds" in text or "RR8" in text  # attributed to the trust, not a person


@pytest.mark.parametrize("fmt", ["md", "docx"])
def test_a_theme_asked_1_to_7_times_is_not_listed(identifiers, tmp_path, fmt):
    """Over 3 to 6 March the theme was asked 4 times in all: listed nowhere, not even as "*" (a
    "*" says "at least once", which differencing across places can pin), its answers not quoted."""
    out = tmp_path / f"faq.{fmt}"
    env = os.environ | {config.DATA_ENV: str(identifiers), config.PSEUDONYM_KEY_ENV: TEST_KEY}
    done = run_cli("warehouse", "faq", "--trust", "RR8", "--from", "2025-03-01", "--to", "2025-03-06",
                   "--format", fmt, "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr
    text = read_back(out, fmt)
    assert "No theme of patient questions to list" in text and "Draft for review" in text
    assert "Asked" not in text and "deodorant" not in text.lower()


def test_the_faq_command_names_a_bad_trust(identifiers, tmp_path):
    env = os.environ | {config.DATA_ENV: str(identifiers), config.PSEUDONYM_KEY_ENV: TEST_KEY}
    done = run_cli("warehouse", "faq", "--trust", "ZZZ99", "--out", str(tmp_path / "f.md"), env=env)
    assert done.returncode == 2 and "--trust" in done.stderr and not (tmp_path / "f.md").exists()


def test_the_pages_faq_files_csv_and_excel_hold_no_identifier(identifiers):
    """The page's download of the FAQ table (ui.tables.download: CSV and Excel) from the same
    document, read back as a spreadsheet shows it."""
    from tests.support import published_queries, xlsx_rows
    from ui import tables, themes
    from warehouse import theme_queries
    from warehouse import queries
    from warehouse.queries import Filters
    from datetime import date

    query, close = published_queries(identifiers)
    try:
        filters = Filters(date(2025, 3, 1), date(2025, 3, 31), trusts=("RR8",))
        document = faq.for_page(query(theme_queries.theme_summary, filters),
                                query(theme_queries.best_answers, filters, limit=10), filters, synthetic=False,
                                shown_themes=themes.listable(query(theme_queries.theme_counts,
                                                                   themes.everywhere(filters))),
                                regions=query(queries.region_options), trusts=query(queries.trust_options))
    finally:
        close()
    frame = faq.table(document)
    cells = [c for row in xlsx_rows(tables.to_xlsx(frame)) for c in row]
    text = "\n".join(cells) + tables.to_csv(frame).decode("utf-8-sig")
    assert "wear deodorant or talc" in text and any(c.startswith("Asked 10 times;") for c in cells), cells
    for secret in SECRET_WORDS:
        assert secret.lower() not in text.lower(), secret


def test_html_shows_hostile_answer_text_as_text():
    """An answer holding markup is escaped in the HTML (and the Markdown) FAQ, never live."""
    hostile = faq.Faq(title="What patients ask: t", where="t", period="p", counts_note="c", synthetic=True,
                      entries=(faq.Entry("Questions about deodorant", "deodorant (theme prep-abcdef)", "Asked 1 to 7 times.",
                                         (('<script>alert(1)</script> [x](javascript:alert(2)) "q"', "Staff at X"),), None),))
    page = faq.render(hostile, "html").decode()
    assert "<script>" not in page and "&lt;script&gt;" in page and "&quot;q&quot;" in page
    assert faq.DRAFT_NOTE.replace("—", "&mdash;") in page or html_unescape(page).count(faq.DRAFT_NOTE) == 1
    assert faq.SYNTHETIC_NOTE in html_unescape(page)
    text = faq.render(hostile, "md").decode()
    assert "<script>" not in text and "[x](javascript" not in text  # brackets escaped: no link


def read_back(path, fmt: str) -> str:
    """The text a person would read in the file: a Word document is opened with python-docx
    (paragraphs and the page header), every other format decoded."""
    if fmt != "docx":
        return path.read_bytes().decode("utf-8-sig")
    import docx
    document = docx.Document(str(path))
    header = [p.text for p in document.sections[0].header.paragraphs]
    return "\n".join(header + [p.text for p in document.paragraphs])


def test_word_shows_hostile_answer_text_as_text_and_marks_every_page_a_draft(tmp_path):
    """A quote holding markup, a field code, a link and control characters is one plain text run
    in the Word FAQ: no hyperlink or field element, the characters Word cannot hold dropped, the
    draft note in the page header and the body, and the same lines as the Markdown."""
    import docx
    hostile = faq.Faq(title="What patients ask: t", where="t", period="1 March 2025 to 31 March 2025",
                      counts_note="Counts below national level: 1–7 show as *", synthetic=True,
                      entries=(faq.Entry("Questions about deodorant", "deodorant (theme prep-abcdef)",
                                         "Asked 1 to 7 times.",
                                         (('<w:fldSimple w:instr="HYPERLINK x"/> =HYPERLINK("http://x.example") '
                                           'see https://www.nhs.uk\x07 {DDEAUTO c:\\x}', "Staff at X"),), None),))
    path = tmp_path / "faq.docx"
    path.write_bytes(faq.render(hostile, "docx"))
    document = docx.Document(str(path))
    body = document.element.body.xml
    assert "<w:hyperlink" not in body and "<w:fldSimple" not in body and "<w:instrText" not in body
    texts = [p.text for p in document.paragraphs]
    assert '“<w:fldSimple w:instr="HYPERLINK x"/> =HYPERLINK("http://x.example") see https://www.nhs.uk ' \
           '{DDEAUTO c:\\x}”' in texts  # \x07 dropped, the rest as written
    assert document.sections[0].header.paragraphs[0].text == faq.DRAFT_NOTE
    assert texts.count(faq.DRAFT_NOTE) == 1 and faq.SYNTHETIC_NOTE in texts
    assert "Questions asked from 1 March 2025 to 31 March 2025, t." in texts and "— Staff at X" in texts
    assert document.paragraphs[0].style.name == "Title" and document.core_properties.title == hostile.title
    lines = [text.replace("\x07", "") for _, text in faq._lines(hostile)]
    assert [t for t in texts if t] == lines  # the same document as every other format


def html_unescape(page: str) -> str:
    import html
    return html.unescape(page)


def test_markdown_writes_every_web_address_as_an_autolink_that_leaves_trailing_punctuation_outside():
    """Web addresses with a scheme, from "www." or bare ("nhs.uk/…") are all ``<https://…>``
    autolinks (one consistent form), and a closing quotation mark, full stop, comma or bracket
    after one stays text after the link; a bracket the address opened stays in it. Read back
    by markdown-it (CommonMark, raw HTML allowed, so any HTML would show as such): no raw HTML."""
    from markdown_it import MarkdownIt

    quote = ("See https://www.nhs.uk/conditions/mri-scan/” and www.nhs.uk/mammogram. (Or nhs.uk/111), "
             "'https://en.wikipedia.org/wiki/Mammography_(medicine)'. <b>bold</b> [x](javascript:alert(1)) e.g. 3.5")
    document = faq.Faq(title="What patients ask: t", where="t", period="p", counts_note="c", synthetic=False,
                       entries=(faq.Entry("Questions about scans", "scans (theme mri-abcdef)", "Asked 10 times.",
                                          ((quote, "Staff at X"),), None),))
    text = faq.render(document, "md").decode()
    parser = MarkdownIt("commonmark")
    tokens = [t for block in parser.parse(text) for t in (block.children or [block])]
    assert not [t for t in tokens if t.type in ("html_inline", "html_block")], text
    hrefs = [t.attrs["href"] for t in tokens if t.type == "link_open"]
    assert hrefs == ["https://www.nhs.uk/conditions/mri-scan/", "https://www.nhs.uk/mammogram", "https://nhs.uk/111",
                     "https://en.wikipedia.org/wiki/Mammography_(medicine)"], hrefs
    rendered = parser.render(text)
    assert "mri-scan/</a>”" in rendered and "mammogram</a>." in rendered and "111</a>)," in rendered
    assert "(medicine)</a>'." in rendered and "&lt;b&gt;bold" in rendered and "`" not in text


def test_the_plain_preview_shows_the_lines_without_markdown():
    """The page's preview (ui.faq.plain, shown with st.text): no escapes, no backticks, no "#"."""
    document = faq.Faq(title="What patients ask: North West · X NHS Trust (ZZ1)", where="w", period="p",
                       counts_note="c", synthetic=False,
                       entries=(faq.Entry("Questions about scans", "scans (theme mri-abcdef)", "Asked 10 times.",
                                          (("*Don't* worry! See https://www.nhs.uk/mri.", "Staff at X"),), None),))
    preview = faq.plain(document)
    assert preview.startswith("What patients ask: North West · X NHS Trust (ZZ1)\n")
    assert "“*Don't* worry! See https://www.nhs.uk/mri.”" in preview
    assert "\\" not in preview and "`" not in preview and "#" not in preview and "<" not in preview
