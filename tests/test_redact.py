"""Redaction by default (issue #7): presidio-analyzer's pattern recognisers (no-op NLP engine)
plus our own, every identifier kind with hard negatives, no network, and the pages: Explore's
table and CSV are redacted; on the Review queue only a reviewer may reveal one post, and each
reveal is in the audit log.

Decision (documented in ui/redact.py): a 10-digit number that fails the NHS Modulus 11 check is
not an NHS number. Without a leading 0 (a booking reference, say) it is left as it is; with
one it is shaped like a UK phone number and redacted as ``[phone]``.
"""
from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from ingest import demo
from store import access
from tests.support import load_and_build, post
from tests.test_app import downloads, open_page, signed_in, texts  # noqa: F401 (fixture)
from ui import labels, redact as redaction
from ui.redact import redact, redact_around

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


# --- every identifier kind -------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    # names: the cue or title is kept
    ("Hi, my name is Jane Smith and I'm scared", "Hi, my name is [name] and I'm scared"),
    ("my name's priya, first scan", "my name's [name], first scan"),
    ("Hello I'm Sarah, first mammogram tomorrow", "Hello I'm [name], first mammogram tomorrow"),
    ("I'm Sarah Worried about it", "I'm [name] Worried about it"),
    ("Mrs Hughes in bay 4 was lovely", "Mrs [name] in bay 4 was lovely"),
    ("Dr A. Khan said 3 weeks", "Dr [name] said 3 weeks"),
    ("ask Mr John Smith on Thursday", "ask Mr [name] on Thursday"),
    # email (presidio EmailRecognizer, offline suffix list) and handles
    ("email me at jo.bloggs+nhs@example.co.uk please", "email me at [email] please"),
    ("write to bsu.leeds@nhs.net", "write to [email]"),
    ("@LeedsBSU is the van open?", "[@handle] is the van open?"),
    ("cc @jane@mastodon.social and @bob.bsky.social", "cc [@handle] and [@handle]"),
    # dates of birth: the cue kept; any 1900s date
    ("DOB: 12/03/1985", "DOB: [date of birth]"),
    ("born on 3rd March 1962, is that too old?", "born on [date of birth], is that too old?"),
    ("date of birth 1985-03-12", "date of birth [date of birth]"),
    ("her birthday is 4 July 2001", "her birthday is [date of birth]"),
    ("mum (12.03.1948) was recalled", "mum ([date of birth]) was recalled"),
    # phones: libphonenumber (GB) and the UK shape
    ("ring me on 07700 900123", "ring me on [phone]"),
    ("call +44 (0)113 496 0000 today", "call [phone] today"),
    ("booking line 0113 496 0000.", "booking line [phone]."),
    ("from abroad 0044 20 7946 0000", "from abroad [phone]"),
    ("text 07123456789 x", "text [phone] x"),
    # NHS numbers: Modulus 11 (presidio NhsRecognizer)
    ("my NHS number is 943 476 5919", "my NHS number is [NHS number]"),
    ("NHS no 9434765919.", "NHS no [NHS number]."),
    ("ref 401-023-2137 on the form", "ref [NHS number] on the form"),
    ("valid 4012345672 here", "valid [NHS number] here"),
    # postcodes (presidio UkPostcodeRecognizer), any case
    ("I live at LS1 4AP near the station", "I live at [postcode] near the station"),
    ("postcode sw1a1aa", "postcode [postcode]"),
    ("van at M1 1AE today", "van at [postcode] today"),
])
def test_each_identifier_is_replaced_by_its_label(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "Lady in bay 4 needs rebooking",
    "booking ref 4012345678 for 2025",  # 10 digits failing the NHS check, no leading 0
    "My appointment is on 12/03/2025 at 10:30, take 2 paracetamol?",
    "Results in 3 weeks, maybe 2-3 weeks in 2025",
    "Is 3 days normal for results? Room B12 on level 2",
    "I'm Nervous about my mammogram on Monday",
    "I'm 52 and have not been invited",
    "I am Worried",
    "Dr appointment at 9:15 on 14 March 2026",
    "Mrs. and Mr. both welcome",
    "x@host.local is not an address",  # no public suffix
    "100% agree, 5 stars, ward 24, 1 in 8 women",
    "Screening age is 50 to 71; 20,000 scans a year",
])
def test_ordinary_text_is_left_alone(text):
    assert redact(text) == text


def test_a_wrong_checksum_number_with_a_leading_zero_is_a_phone_number():
    assert redact("ref 0123456789") == "ref [phone]"
    assert redact("ref 4012345678") == "ref 4012345678"  # same shape, not a phone, not an NHS number


def test_overlapping_findings_are_redacted_together_under_one_label():
    # "jane@mastodon.social" is an email inside the handle: the longer span (the handle) wins
    assert redact("@jane@mastodon.social hi") == "[@handle] hi"
    assert redact("DOB 12/03/1985 NHS 943 476 5919, LS1 4AP, 07700 900123") == (
        "DOB [date of birth] NHS [NHS number], [postcode], [phone]")


def test_the_engine_is_presidio_with_the_no_op_nlp_engine_built_once():
    from presidio_analyzer import AnalyzerEngine, PatternRecognizer
    from presidio_analyzer.nlp_engine import NoOpNlpEngine
    from presidio_analyzer.predefined_recognizers import (EmailRecognizer, NhsRecognizer,
                                                           PhoneRecognizer, UkPostcodeRecognizer)

    engine = redaction.analyzer()
    assert isinstance(engine, AnalyzerEngine) and engine is redaction.analyzer()
    assert isinstance(engine.nlp_engine, NoOpNlpEngine) and engine.supported_languages == ["en"]
    found = engine.registry.recognizers
    for kind in (NhsRecognizer, EmailRecognizer, UkPostcodeRecognizer):
        assert any(isinstance(r, kind) for r in found), kind
    phones = [r for r in found if isinstance(r, PhoneRecognizer)]
    assert [tuple(p.supported_regions) for p in phones] == [("GB",)]
    ours = {r.supported_entities[0] for r in found if isinstance(r, PatternRecognizer)}
    assert {"SOCIAL_HANDLE", "DATE_OF_BIRTH", "PERSON"} <= ours
    assert set(engine.get_supported_entities("en")) == set(redaction.LABELS)


def _corpus() -> list[str]:
    texts_ = [t for path in sorted(DATA.glob("*.csv")) for t in pd.read_csv(path)["text"]]
    texts_ += demo.generate(1500, seed=3).posts.column("text").to_pylist()
    return texts_


def test_the_prefilter_never_changes_an_answer(monkeypatch):
    """Texts with no digit, '@' or name cue skip the analysis: that must never hide anything."""
    corpus = _corpus() + ["Hello I'm Sarah", "my name is jane", "Mrs Hughes", "Dr A. Khan"]
    fast = [redaction.spans(t) for t in corpus]
    monkeypatch.setattr(redaction, "_may_hold_identifier", lambda text: True)
    assert [redaction.spans(t) for t in corpus] == fast
    assert any(fast) and not all(fast)


# --- hostile input and the network -----------------------------------------------------------

def test_hostile_text_stays_inert():
    hostile = "<img src=x onerror=alert(1)> **bold** {0} %s $(rm -rf) =cmd|' /C calc'!A0 \x00 [x](javascript:1)"
    assert redact(hostile) == hostile  # nothing added: shown as plain text only
    assert redact(None) == "" and redact(42) == "42" and redact("") == ""
    assert redact("<b>07700 900123</b>") == "<b>[phone]</b>"  # labels only replace, never add markup
    assert labels.defuse(redact("=HYPERLINK(\"http://evil\")")).startswith("'=")
    long = "1 " * 50_000 + "a@" * 20_000 + "@" * 50_000 + "my name is " * 5_000 + "😀" * 10_000
    assert "[name]" in redact(long)  # finishes (not timed here: see the README for speed)


def test_redact_around_widens_a_span_to_whole_identifiers():
    text = "Lady in bay 4 NHS no 401 023 2137 needs rebooking"
    at = text.index("401")
    assert redact_around(text, at, at + len("401 023 2137")) == (
        "Lady in bay 4 NHS no ", "[NHS number]", " needs rebooking")
    assert redact_around(text, at + 4, at + 7) == ("Lady in bay 4 NHS no ", "[NHS number]", " needs rebooking")
    assert redact_around(text, 0, 4) == ("", "Lady", " in bay 4 NHS no [NHS number] needs rebooking")


NO_NETWORK = textwrap.dedent("""
    import socket

    def refuse(*args, **kwargs):
        raise OSError("network blocked in this test")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse

    from ui.redact import redact
    assert redact("mail jo@example.co.uk or @jo@mastodon.social") == "mail [email] or [@handle]", redact("x")
    assert redact("call 0113 496 0000, NHS 943 476 5919") == "call [phone], NHS [NHS number]"
    print("ok")
""")


@pytest.mark.slow
def test_no_network_is_needed(tmp_path):
    """A fresh process with every socket refused, and no tldextract cache, still redacts (the
    public-suffix list comes from tldextract's bundled snapshot, never the internet)."""
    env = os.environ | {"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"),
                        "TLDEXTRACT_CACHE": str(tmp_path / "tld"), "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", NO_NETWORK], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
    assert not (tmp_path / "tld").exists() and not (tmp_path / "cache").exists()


# --- the pages -------------------------------------------------------------------------------

PHONE_POST = "Anyone else waiting? ring me on 07700 900123 or email jo@example.co.uk"
ACCOUNTS = "platform,author_id,role,trust_code,title\nx,jo,professional,RR8,Mammographer\n"
FLAGGED = "<b>Bay 2</b> Mrs Hughes NHS no 401 023 2137 *again*"


@pytest.mark.app
def test_explore_table_and_csv_are_redacted(data_dir, tmp_path, downloads):  # noqa: F811
    load_and_build(tmp_path, [post("p1", text=PHONE_POST, trust_code="RR8", created_at="2025-05-01T09:00:00+01:00")])
    at = open_page("pages/1_Explore.py", {"from": "2025-05-01", "to": "2025-05-31"},
                   user=signed_in("ann@nhs.net", "admin"))
    assert not at.exception, at.exception
    shown = at.dataframe[0].value
    assert "Text" not in shown.columns
    assert shown[labels.EXPLORE_TEXT].tolist() == ["Anyone else waiting? ring me on [phone] or email [email]"]
    served = downloads[at.download_button(key="download_posts").proto.deferred_file_id]()
    assert served == labels.to_csv(shown)
    csv = served.decode("utf-8-sig")
    assert "[phone]" in csv and "07700" not in csv and "900123" not in csv and "jo@example" not in csv
    parsed = pd.read_csv(io.BytesIO(served), encoding="utf-8-sig", dtype=str)
    assert labels.EXPLORE_TEXT in parsed.columns


def _flags(tmp_path):
    load_and_build(tmp_path, [post("f1", author_id="jo", text=FLAGGED, created_at="2025-03-05T10:00:00+00:00")],
                   ACCOUNTS)


def _pick(at, rule_id: str) -> None:
    rules_ = at.dataframe[0].value["Rule"].tolist()
    at.selectbox(key="review_flag").set_value(rules_.index(rule_id)).run()
    assert not at.exception, at.exception


def _reveal_button(at):
    return [b for b in at.button if b.key == "reveal_post"]


@pytest.mark.app
def test_review_queue_is_redacted_and_a_non_reviewer_cannot_reveal(data_dir, tmp_path):
    _flags(tmp_path)
    at = open_page("pages/4_Review_queue.py", {"from": "2025-03-01", "to": "2025-03-31"},
                   user=signed_in("ana@nhs.net", "analyst"))
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert sorted(table["Rule"]) == ["CONF-NAME-DETAIL", "CONF-NHS-NUMBER"]
    assert "401 023 2137" not in " ".join(table.astype(str).stack())
    assert "Hughes" not in " ".join(table.astype(str).stack())
    _pick(at, "CONF-NAME-DETAIL")  # the evidence holds a name: the mark holds its label
    shown = " ".join(texts(at.markdown))
    assert "<mark>Bay 2&lt;/b&gt; Mrs \\[name\\]</mark>" in shown and "Hughes" not in shown
    _pick(at, "CONF-NHS-NUMBER")  # the evidence is the identifier: the label is marked
    shown = " ".join(texts(at.markdown))
    assert "<mark>\\[NHS number\\]</mark>" in shown and "Mrs \\[name\\]" in shown
    assert "401 023 2137" not in shown and "Hughes" not in shown
    assert "&lt;b&gt;Bay 2&lt;/b&gt;" in shown and "<b>" not in shown  # still inert
    assert not _reveal_button(at)
    assert "reveal" not in access.audit_log()["action"].tolist()


@pytest.mark.app
def test_a_reviewer_reveals_one_post_and_each_reveal_is_audited(data_dir, tmp_path):
    _flags(tmp_path)
    at = open_page("pages/4_Review_queue.py", {"from": "2025-03-01", "to": "2025-03-31"},
                   user=signed_in("rev@nhs.net", "reviewer"))
    assert not at.exception, at.exception
    _pick(at, "CONF-NHS-NUMBER")
    assert "401 023 2137" not in " ".join(texts(at.markdown))  # redacted until revealed
    [button] = _reveal_button(at)
    assert button.label == "Reveal this post"

    button.click().run()
    assert not at.exception, at.exception
    shown = " ".join(texts(at.markdown))
    assert "<mark>401 023 2137</mark>" in shown and "Mrs Hughes" in shown
    assert "<b>" not in shown and "&lt;b&gt;Bay 2&lt;/b&gt;" in shown and "\\*again\\*" in shown  # inert
    reveals = access.audit_log().query("action == 'reveal'")
    assert reveals[["user", "role", "detail"]].values.tolist() == [["rev@nhs.net", "reviewer", "x/f1 CONF-NHS-NUMBER"]]

    at.run()  # any other interaction: redacted again, nothing logged
    assert "401 023 2137" not in " ".join(texts(at.markdown))
    assert len(access.audit_log().query("action == 'reveal'")) == 1
    _reveal_button(at)[0].click().run()  # each reveal is logged
    assert len(access.audit_log().query("action == 'reveal'")) == 2
