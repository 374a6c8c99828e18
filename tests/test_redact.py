"""Redaction by default (issues #7 and #18): presidio-analyzer's pattern recognisers (no-op NLP
engine) plus our own, every identifier kind with hard negatives, a labelled set scored per
category (tests/data/redaction/cases.csv, see :func:`ui.redact.evaluate_redaction`), the text
normalised before matching, the work per post capped, no network, and the pages: Explore's table
and CSV are redacted; on the Review queue only a reviewer may reveal one post, and each reveal
is in the audit log.

Decision (documented in ui/redact.py, changed by #18): any run of 10 digits is hidden, whether
or not it passes the NHS Modulus 11 check (a mistyped or altered NHS number still points at a
patient). With a leading 0 it is shaped like a UK phone number and shown as ``[phone]``.

Speed is measured, not asserted (a shared 2-core machine makes timings noisy):
``python -c "from tests.test_redact import measure_speed; print(measure_speed())"`` (see
:func:`measure_speed`; :func:`redact_module_at` loads an older ui/redact.py to compare).
"""
from __future__ import annotations

import importlib.util
import io
import json
import os
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import demo
from store import access
from tests.support import load_and_build, pick_row, post
from tests.test_app import downloads, open_page, signed_in, texts  # noqa: F401 (fixture)
from ui import labels, redact as redaction, tables
from warehouse import rules
from ui.redact import MAX_CHARS, TRUNCATED, evaluate_redaction, normalise, redact, redact_around
from store import access

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
CASES = DATA / "redaction" / "cases.csv"


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
    ("Mrs McDonald and Dr O'Neill-Hughes", "Mrs [name] and Dr [name]"),
    ("mrs smith was lovely, dr. patel too", "mrs [name] was lovely, dr. [name] too"),
    ("Dr Zoë Brontë and Mr José Núñez", "Dr [name] and Mr [name]"),
    ("Mrs and Mr Smith", "Mrs and Mr [name]"),
    ("Mrs van der Merwe said", "Mrs [name] said"),
    # email (presidio EmailRecognizer, offline suffix list; ours for words) and handles
    ("email me at jo.bloggs+nhs@example.co.uk please", "email me at [email] please"),
    ("write to bsu.leeds@nhs.net", "write to [email]"),
    ("mail jo [at] example [dot] com", "mail [email]"),
    ("@LeedsBSU is the van open?", "[@handle] is the van open?"),
    ("cc @jane@mastodon.social and @bob.bsky.social", "cc [@handle] and [@handle]"),
    ("see https://x.com/jo_bloggs/status/123 and u/jo", "see https://x.com/[@handle]/status/123 and u/jo"),
    ("thanks u/jo_bloggs, bsky.app/profile/jo.bsky.social", "thanks [@handle], bsky.app/profile/[@handle]"),
    # dates of birth: the cue kept; any 1900s date
    ("DOB: 12/03/1985", "DOB: [date of birth]"),
    ("born on 3rd March 1962, is that too old?", "born on [date of birth], is that too old?"),
    ("date of birth 1985-03-12", "date of birth [date of birth]"),
    ("date of birth 12 03 1985", "date of birth [date of birth]"),
    ("her birthday is 4 July 2001", "her birthday is [date of birth]"),
    ("mum (12.03.1948) was recalled", "mum ([date of birth]) was recalled"),
    # phones: libphonenumber (GB) and the UK shape
    ("ring me on 07700 900123", "ring me on [phone]"),
    ("call +44 (0)113 496 0000 today", "call [phone] today"),
    ("booking line 0113 496 0000.", "booking line [phone]."),
    ("from abroad 0044 20 7946 0000", "from abroad [phone]"),
    ("text 07123456789 x", "text [phone] x"),
    ("call 07700.900.123", "call [phone]"),
    # NHS numbers: any 10-digit run (presidio NhsRecognizer for the valid ones)
    ("my NHS number is 943 476 5919", "my NHS number is [NHS number]"),
    ("NHS no 9434765919.", "NHS no [NHS number]."),
    ("ref 401-023-2137 on the form", "ref [NHS number] on the form"),
    ("valid 4012345672 here", "valid [NHS number] here"),
    ("NHS 943.476.5919 or 943/476/5919", "NHS [NHS number] or [NHS number]"),
    ("NHS 94 34 76 59 19", "NHS [NHS number]"),
    # postcodes (presidio UkPostcodeRecognizer; ours with a hyphen), any case
    ("I live at LS1 4AP near the station", "I live at [postcode] near the station"),
    ("postcode sw1a1aa", "postcode [postcode]"),
    ("van at M1 1AE today", "van at [postcode] today"),
    ("at LS1  4AP or LS1-4AP", "at [postcode] or [postcode]"),
])
def test_each_identifier_is_replaced_by_its_label(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "Lady in bay 4 needs rebooking",
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
    "Miss it and you wait 3 years; I miss my mum; the dr said fine",
    "I have MS and need a hoist; the u/s scan was quick",
    "See https://www.nhs.uk/conditions/mri-scan/ or https://x.com/search?q=mri",
])
def test_ordinary_text_is_left_alone(text):
    assert redact(text) == text


def test_any_ten_digit_run_is_hidden_whether_or_not_it_passes_the_nhs_check():
    assert redact("ref 0123456789") == "ref [phone]"  # a leading 0: shaped like a phone number
    assert redact("ref 4012345678") == "ref [NHS number]"  # fails Modulus 11: hidden all the same
    assert redact("NHS 943 476 5918") == "NHS [NHS number]"  # one digit mistyped
    assert redact("ids 12345678901 and 123456789") == "ids 12345678901 and 123456789"  # 11 and 9 digits


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


def _cases() -> pd.DataFrame:
    return pd.read_csv(CASES, dtype=str, keep_default_na=False)


def _corpus() -> list[str]:
    texts_ = [t for path in sorted(DATA.glob("*.csv")) for t in pd.read_csv(path)["text"]]
    texts_ += demo.generate(1500, seed=3).posts.column("text").to_pylist()
    return texts_ + _cases()["text"].tolist()


def test_the_gates_never_change_an_answer(monkeypatch):
    """Only the entities whose cheap gate a text passes are looked for, and a text passing
    none skips the analysis: that must never hide anything."""
    corpus = _corpus() + ["Hello I'm Sarah", "my name is jane", "Mrs Hughes", "Dr A. Khan",
                          "ring 0800 1111", "GIR 0AA", "born 1.1.62"]
    fast = [redaction.spans(t) for t in corpus]
    monkeypatch.setattr(redaction, "_candidates", lambda text: list(redaction.LABELS))
    assert [redaction.spans(t) for t in corpus] == fast
    assert any(fast) and not all(fast)


# --- the labelled set ---------------------------------------------------------------------------

# Categories of tests/data/redaction/cases.csv that list identifiers: every one must be removed.
# The set was written with the code (a development set: a blind held-out set is kept apart),
# so anything below 1.0 here is a regression, not noise.
RECALL_REQUIRED = 1.0
# Rows where a word that is not a listed identifier was removed too (or, in the neg_ categories,
# where the text changed at all). 0 on this set; the held-out set gives the honest figure.
FALSE_REDACTION_ALLOWED = 0.0


def test_the_labelled_set_is_redacted_per_category():
    report = evaluate_redaction(CASES)
    print("\n" + redaction.format_report(report))
    positive = [name for name, s in report.items() if s.identifiers]
    negative = [name for name, s in report.items() if not s.identifiers]
    assert len(positive) >= 20 and all(n.startswith("neg_") for n in negative) and len(negative) >= 7
    assert sum(report[n].rows for n in negative) >= 40
    for name, score in report.items():
        assert score.recall is None or score.recall >= RECALL_REQUIRED, (name, score.misses)
        assert score.false_redaction_rate <= FALSE_REDACTION_ALLOWED, (name, score.misses)


def test_the_labelled_set_is_well_formed():
    cases = _cases()
    assert list(cases.columns) == ["id", "text", "identifiers", "category"]
    assert cases["id"].is_unique and len(cases) >= 150
    for row in cases.itertuples():
        identifiers = json.loads(row.identifiers)
        assert all(i in row.text for i in identifiers), row.id
        assert bool(identifiers) != row.category.startswith("neg_"), row.id
    assert (cases["category"].value_counts() >= 2).all()  # several cases of each kind


def test_evaluate_redaction_scores_recall_and_false_redaction(tmp_path):
    path = tmp_path / "set.csv"
    pd.DataFrame([
        {"id": "a", "text": "NHS 943 476 5919 ok", "identifiers": '["943 476 5919"]', "category": "nhs"},
        {"id": "b", "text": "call 07700 900123", "identifiers": '["07700 900123"]', "category": "nhs"},
        {"id": "c", "text": "ward 4 at 10:30", "identifiers": "[]", "category": "neg"},
    ]).to_csv(path, index=False)
    nothing = evaluate_redaction(path, lambda text: text)
    assert (nothing["nhs"].recall, nothing["nhs"].false_redaction_rate) == (0.0, 0.0)
    assert nothing["neg"].recall is None and nothing["neg"].false_redaction_rate == 0.0
    everything = evaluate_redaction(path, lambda text: "[name]")
    assert (everything["nhs"].recall, everything["nhs"].false_redaction_rate) == (1.0, 1.0)
    assert everything["neg"].false_redaction_rate == 1.0
    ours = evaluate_redaction(path)
    assert (ours["nhs"].recall, ours["nhs"].false_redaction_rate, ours["neg"].false_redaction_rate) == (1.0, 0.0, 0.0)
    assert "nhs" in redaction.format_report(ours) and "all" in redaction.format_report(ours)


@pytest.mark.parametrize("row, message", [
    ('a,NHS 1,"[""2""]",x', "line 2: field 'identifiers': each must be a substring of 'text'"),
    ("a,NHS 1,[oops,x", "line 2: field 'identifiers': not a JSON list"),
])
def test_evaluate_redaction_names_the_bad_line_and_field(tmp_path, row, message):
    path = tmp_path / "bad.csv"
    path.write_text("id,text,identifiers,category\n" + row + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        evaluate_redaction(path)
    path.write_text("id,text,category\na,b,c\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 1: missing column\(s\) \['identifiers'\]"):
        evaluate_redaction(path)


# --- normalising before matching ----------------------------------------------------------------

def test_matching_runs_on_normalised_text_and_the_rest_is_kept_as_posted():
    text = "ＮＨＳ ９４３ ４７６ ５９１９ ok\u00a0then,  Mrs Zoe\u0301 O\u2019Neill\tcalled 943\u200b476\u200b5919!"
    assert redact(text) == "ＮＨＳ [NHS number] ok\u00a0then,  Mrs [name]\tcalled [NHS number]!"
    normal, starts, ends = normalise(text)
    assert normal.startswith("NHS 943 476 5919 ok then, Mrs Zoé O’Neill called 9434765919!")
    assert len(normal) == len(starts) == len(ends)
    import unicodedata
    for i, char in enumerate(normal):  # every character maps back to where it came from
        source = text[starts[i]:ends[i]]
        assert char in unicodedata.normalize("NFKC", source) or (char == " " and source.isspace()), i
    assert normalise("plain text, one space") == ("plain text, one space", None, None)


PIECES = ["９４３ ４７６ ５９１９", "943\u200b476 5919", "Mrs Zoe\u0301", "mrs  smith", " \t\n", "\u00ad",
          "LS1\u00a04AP", "＠jo", "ﬁ", "…", "😀", "👩\u200d⚕️", "e\u0301\u0301", "DOB 1 2 1985", "x", "07700 900123"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=12).map("".join))
def test_normalising_maps_every_span_back_into_the_text(text):
    normal, starts, ends = normalise(text)
    if starts is None:
        assert normal == text
    else:
        assert len(normal) == len(starts) == len(ends)
        assert all(0 <= a < b <= len(text) for a, b in zip(starts, ends))
        assert starts == sorted(starts) and ends == sorted(ends)
        assert "  " not in normal
    found = redaction.spans(text)
    assert all(0 <= a < b <= len(text) for a, b, _ in found)
    assert all(b1 <= a2 for (_, b1, _), (a2, _, _) in zip(found, found[1:]))
    out = redact(text)
    pieces = [text[b1:a2] for (_, b1, _), (a2, _, _) in zip([(0, 0, "")] + found, found + [(len(text),) * 3])]
    assert all(piece in out for piece in pieces)  # what is not an identifier is kept as posted


# --- capped work per post -----------------------------------------------------------------------

def test_only_the_first_max_chars_are_redacted_and_shown():
    text = "word " * 3_000  # 15,000 characters
    out = redact(text)
    assert out.endswith(TRUNCATED) and len(out) <= MAX_CHARS + len(TRUNCATED)
    assert out[:-len(TRUNCATED)].split() == ["word"] * len(out[:-len(TRUNCATED)].split())  # no half word
    assert redact("short") == "short" and redact("x" * MAX_CHARS) == "x" * MAX_CHARS


def test_an_identifier_across_the_cut_is_hidden_whole():
    for shift in range(-12, 4):
        text = "a" * (MAX_CHARS - 10 + shift) + " NHS 943 476 5919 " + "b " * 500
        out = redact(text)
        assert out.endswith(TRUNCATED)
        assert not any(part in out for part in ("943", "476", "5919", "59", "19 ")), (shift, out[-60:])
    assert "[NHS number]" in redact("a " * (MAX_CHARS // 2 - 5) + "943 476 5919 " + "b " * 500)


def test_redact_around_cuts_a_long_text_around_the_span():
    text = "lorem " * 2_000 + "Mrs Hughes NHS 943 476 5919 " + "ipsum " * 2_000
    at = text.index("943")
    before, mark, after = redact_around(text, at, at + 3)
    assert mark == "[NHS number]" and before.endswith("Mrs [name] NHS ")
    assert before.startswith(TRUNCATED) and after.endswith(TRUNCATED)
    assert len(before) + len(mark) + len(after) <= MAX_CHARS + 2 * len(TRUNCATED) + len(mark)
    assert "Hughes" not in before + after and "943" not in before + mark + after


HOSTILE = {  # 1 MB each, shaped to make each kind of pattern work hard
    "digits and spaces": "1 ", "digits": "9", "digits and dots": "1.", "full-width digits": "９ ",
    "zero-width between digits": "1\u200b", "phone prefixes": "+44 (0) ", "at signs": "a@",
    "email-like": "a.b", "name cues": "my name is ", "titles": "Mrs ", "titles and initials": "Dr A. ",
    "lower-case titled names": "mrs smith ", "profile links": "x.com/", "reddit": "u/",
    "date of birth cues": "date of birth ", "dates": "born 1 1 19", "postcodes": "LS1 ",
    "email in words": "a [at] b [dot] ", "emoji": "😀", "white space": " \n\t",
}


def test_a_hostile_megabyte_is_redacted_quickly():
    """Measured on the 2-core dev machine: the slowest of these takes ~50 ms (the old, uncapped
    code took 7 s on the name cues). The bound is generous for a loaded CI machine."""
    redact("warm up: Mrs Smith 07700 900123 my name is Jo")  # the engine is built once
    slowest = 0.0
    for name, unit in HOSTILE.items():
        text = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
        started = time.perf_counter()
        out = redact(text)
        slowest = max(slowest, time.perf_counter() - started)
        assert out.endswith(TRUNCATED) and len(out) < 3 * MAX_CHARS, name
    combining = "e" + "\u0301" * 999_999
    assert redact(combining).endswith(TRUNCATED)
    assert slowest < 2.0, slowest


# --- speed (measured, not asserted) ---------------------------------------------------------------

def redact_module_at(revision: str):
    """ui/redact.py as it was at a git ``revision``, loaded as its own module (to measure or
    score the code before a change beside the code after it)."""
    source = subprocess.run(["git", "show", f"{revision}:ui/redact.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    spec = importlib.util.spec_from_loader(f"redact_at_{revision}", loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(compile(source, f"{revision}:ui/redact.py", "exec"), module.__dict__)
    return module


def measure_speed(module=redaction, posts: int = 1_000, batches: int = 5, rounds: int = 3) -> dict:
    """CPU milliseconds to redact ``posts`` demo posts uncached (as the Explore table does on
    a filter change): min and median over ``rounds`` x ``batches`` different batches.
    CPU time, not wall time, as the machine is shared; compare two versions in one run."""
    from ingest import demo

    texts_ = demo.generate(posts * batches, seed=3).posts.column("text").to_pylist()
    module.redact("warm up: Mrs Smith 07700 900123 my name is Jo")
    times = []
    for _ in range(rounds):
        for batch in range(batches):
            module._redacted.cache_clear()
            started = time.process_time()
            for text in texts_[batch * posts:(batch + 1) * posts]:
                module.redact(text)
            times.append((time.process_time() - started) * 1000)
    return {"posts": posts, "min_ms": round(min(times), 1), "median_ms": round(statistics.median(times), 1)}


def test_the_speed_helper_measures(tmp_path):
    result = measure_speed(posts=50, batches=2, rounds=1)
    assert result["posts"] == 50 and 0 < result["min_ms"] <= result["median_ms"]


# --- hostile input and the network -----------------------------------------------------------

def test_hostile_text_stays_inert():
    hostile = "<img src=x onerror=alert(1)> **bold** {0} %s $(rm -rf) =cmd|' /C calc'!A0 \x00 [x](javascript:1)"
    assert redact(hostile) == hostile  # nothing added: shown as plain text only
    assert redact(None) == "" and redact(42) == "42" and redact("") == ""
    assert redact("<b>07700 900123</b>") == "<b>[phone]</b>"  # labels only replace, never add markup
    assert tables.defuse(redact("=HYPERLINK(\"http://evil\")")).startswith("'=")
    long = "1 " * 50_000 + "a@" * 20_000 + "@" * 50_000 + "my name is " * 5_000 + "😀" * 10_000
    assert redact("my name is Jo " + long).startswith("my name is [name] ")  # timed: see below
    assert redact(long).endswith(TRUNCATED)


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
    assert served == tables.to_csv(shown)
    csv = served.decode("utf-8-sig")
    assert "[phone]" in csv and "07700" not in csv and "900123" not in csv and "jo@example" not in csv
    parsed = pd.read_csv(io.BytesIO(served), encoding="utf-8-sig", dtype=str)
    assert labels.EXPLORE_TEXT in parsed.columns


def _flags(tmp_path):
    load_and_build(tmp_path, [post("f1", author_id="jo", text=FLAGGED, created_at="2025-03-05T10:00:00+00:00")],
                   ACCOUNTS)


def _pick(at, rule_id: str) -> None:
    rules_ = at.dataframe[0].value["Rule"].tolist()
    pick_row(at, "review_queue_table", rules_.index(rules.title(rule_id)))
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
    assert sorted(table["Rule"]) == sorted(rules.title(r) for r in ("CONF-NAME-DETAIL", "CONF-NHS-NUMBER"))
    assert "401 023 2137" not in " ".join(table.astype(str).stack())
    assert "Hughes" not in " ".join(table.astype(str).stack())
    _pick(at, "CONF-NAME-DETAIL")  # the evidence holds a name: the mark holds its label
    shown = " ".join(texts(at.markdown))
    assert "<mark>Bay 2&lt;/b&gt; Mrs [name]</mark>" in shown and "Hughes" not in shown
    _pick(at, "CONF-NHS-NUMBER")  # the evidence is the identifier: the label is marked
    shown = " ".join(texts(at.markdown))
    assert "<mark>[NHS number]</mark>" in shown and "Mrs [name]" in shown
    assert "401 023 2137" not in shown and "Hughes" not in shown
    assert "&lt;b&gt;Bay 2&lt;/b&gt;" in shown and "<b>Bay" not in shown  # still inert
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
    # inert: one HTML block (ui.safe.html_block), so neither HTML nor Markdown inside is rendered
    assert "<b>Bay" not in shown and "<div>&lt;b&gt;Bay 2&lt;/b&gt;" in shown and "*again*" in shown
    reveals = access.audit_log().query("action == 'reveal'")
    assert reveals[["user", "role", "detail"]].values.tolist() == [["rev@nhs.net", "reviewer", "x/f1 CONF-NHS-NUMBER"]]

    at.run()  # any other interaction: redacted again, nothing logged
    assert "401 023 2137" not in " ".join(texts(at.markdown))
    assert len(access.audit_log().query("action == 'reveal'")) == 1
    _reveal_button(at)[0].click().run()  # each reveal is logged
    assert len(access.audit_log().query("action == 'reveal'")) == 2
