"""Guideline rule packs and their engine: every rule's examples and hard negatives, the NHS
number checksum in SQL against the ``nhs-number`` package, real tweets that must not be
flagged, and per-family precision/recall on the labelled posts in
``tests/data/guideline_posts.csv`` (tuned on its dev split, the thresholds hold on test)."""
from __future__ import annotations

import csv
import dataclasses
import random
import re
from datetime import date, timedelta
from pathlib import Path

import nhs_number
import pandas as pd
import pytest

from warehouse.enrich import scratch_connection
from warehouse.rules import clauses, local, packs
from warehouse.rules import evaluate as rules_evaluate
from warehouse.rules.engine import flag_texts, flags_sql, fold_digits, nhs_valid_sql
from warehouse.rules.evaluate import rule_hits
from warehouse.rules.packs import FAMILIES, RULES

REALDATA = rules_evaluate._realdata()
CLAUSES_CSV = REALDATA / "guidelines" / "guideline_clauses.csv"
TWEET_ACT_CSV = REALDATA / "texts" / "tweet_act_TAC_TWEET_DATA.csv"


hits_by = rule_hits  # the rule ids that hit each text, as the evaluation counts them


# --- the rules as data ---------------------------------------------------------------------------

def test_rules_are_well_formed():
    ids = [r.rule_id for r in RULES]
    assert len(ids) == len(set(ids))
    assert {r.family for r in RULES} == set(FAMILIES)
    assert packs.ENGINE_VERSION == "rules-4"
    known = clauses.families()
    for r in RULES:
        assert r.severity in packs.SEVERITIES and r.applies_to in packs.APPLIES_TO, r.rule_id
        assert r.detector.kind in packs.DETECTOR_KINDS, r.rule_id
        assert r.title and r.explanation and r.clauses, r.rule_id
        assert set(r.clauses) <= known, (r.rule_id, set(r.clauses) - known)
        assert r.examples and r.counter_examples, f"{r.rule_id} needs examples and counter-examples"
        with pytest.raises(dataclasses.FrozenInstanceError):
            r.severity = "low"  # type: ignore[misc]


# --- the clause register -------------------------------------------------------------------------

def test_every_rule_cites_a_clause_in_force_on_every_day_since_2016():
    for day in _days_since_2016():
        for r in RULES + local.LOCAL_RULES:
            if r.rule_id.startswith("POLICY-") and day < date(2017, 9, 4):
                continue  # HCPC's social media guidance dates from September 2017
            cited = clauses.cite(r.clauses, day)
            assert cited is not None and cited.in_force(day), (r.rule_id, day)


@pytest.mark.parametrize("day,edition", [
    (date(2023, 6, 1), "2016"), (date(2024, 8, 31), "2016"), (date(2024, 9, 1), "2024"), (date(2025, 3, 1), "2024"),
])
def test_hcpc_standards_edition_by_day(day, edition):
    for family, number in (("HCPC-CONFIDENTIALITY", None), ("HCPC-BOUNDARIES", {"2016": "1.7", "2024": "1.9"}),
                           ("HCPC-DISCRIMINATION", {"2016": "1.5", "2024": "1.6"}),
                           ("HCPC-SOCIAL-MEDIA", {"2016": "2.7", "2024": "2.10"})):
        cited = clauses.cite((family,), day)
        assert cited.edition == edition and cited.in_force(day), (family, day)
        if number:
            assert cited.clause_number == number[edition]


def _days_since_2016():
    """Every 30th day from HCPC's 2016 standards to a year from now, and each edition change's eve and day."""
    start = day = date(2016, 1, 26)
    end = date.today() + timedelta(days=365)
    edges = {d for c in clauses.register() for d in (c.effective_from, c.effective_to) if d and d >= day}
    days = set(edges) | {d - timedelta(days=1) for d in edges}
    while day <= end:
        days.add(day)
        day += timedelta(days=30)
    return sorted(d for d in days if d >= start)


def test_wrong_citations_are_fixed():
    """#13 section 3: no copyright rule cites a clause on identifying people, no date-of-birth rule
    cites trade-union guidance, and every rule cites the regulator's (HCPC) or the professional
    body's (SCoR) own wording, not a third-party summary, on every day since 2016."""
    by_id = {r.rule_id: r for r in RULES}
    copyright_rules = [r for r in RULES if r.family == "copyright"]
    assert {"COPYRIGHT-UNCREDITED", "COPYRIGHT-NO-CONSENT", "COPYRIGHT-LEARNED"} <= {r.rule_id for r in copyright_rules}
    for day in _days_since_2016():
        for r in copyright_rules:
            cited = clauses.cite(r.clauses, day)
            assert "copyright" in cited.summary.lower(), (r.rule_id, day, cited.clause_id)
            assert "identif" not in cited.summary.lower() and "confidential" not in cited.family.lower(), (r.rule_id, day)
        dob = clauses.cite(by_id["CONF-DOB"].clauses, day)
        assert dob.family == "HCPC-CONFIDENTIALITY" and dob.issuer == "HCPC", (day, dob.clause_id)
        for r in RULES:
            cited = clauses.cite(r.clauses, day)
            assert "trade union" not in f"{cited.issuer} {cited.document}".lower(), (r.rule_id, day)
            assert cited.issuer in ("HCPC", "Society and College of Radiographers"), (r.rule_id, day, cited.issuer)
            if r.family == "confidentiality":
                assert cited.family in ("HCPC-CONFIDENTIALITY", "SCOR-SOME-CONFIDENTIALITY"), (r.rule_id, day)
    day = date(2025, 1, 1)
    assert clauses.cite(by_id["DISC-GROUP"].clauses, day).clause_id == "HCPC-SCPE-2024-1.6"
    assert clauses.cite(by_id["BOUND-FRIEND-REQUEST"].clauses, day).clause_id == "HCPC-SCPE-2024-1.9"
    for r in RULES:  # no rule cites NHSP's bank-staff page any more
        assert "NHSP-BOUNDARIES" not in r.clauses, r.rule_id


def test_register_holds_the_current_editions_from_their_dates():
    """#13 section 3: HCPC's revised standards and social media guidance from 1 September 2024,
    SoR's new Code of Professional Conduct from January 2025, SCoR's social media guidance from
    December 2015; each edition ends the day the next begins."""
    for family in ("HCPC-CONFIDENTIALITY", "HCPC-BOUNDARIES", "HCPC-DISCRIMINATION", "HCPC-SOCIAL-MEDIA",
                   "HCPC-TRUST", "HCPC-SMG-CONFIDENTIALITY", "HCPC-SMG-OFFENSIVE", "HCPC-SMG-BOUNDARIES"):
        before, after = clauses.cite((family,), date(2024, 8, 31)), clauses.cite((family,), date(2024, 9, 1))
        assert after.edition == "2024" and after.effective_from == date(2024, 9, 1), family
        assert before.edition != "2024" and before.effective_to == date(2024, 9, 1), family
    code_2013, code_2025 = clauses.cite(("SOR-CODE",), date(2025, 1, 15)), clauses.cite(("SOR-CODE",), date(2025, 1, 16))
    assert (code_2013.edition, code_2025.edition) == ("2013", "2025")
    assert code_2025.effective_from == date(2025, 1, 16) and code_2025.document == "Code of Professional Conduct"
    assert code_2025.issuer == "Society of Radiographers" and code_2025.verified
    scor = [c for c in clauses.register() if c.family.startswith("SCOR-SOME-")]
    assert scor and all(c.edition == "2015" and c.effective_from == date(2015, 12, 16) for c in scor)
    image = clauses.cite(next(r for r in RULES if r.rule_id == "CONF-IMAGE").clauses, date(2016, 1, 1))
    assert image.clause_id == "SCOR-SOME-2015-L2"


def test_register_says_what_was_verified():
    register = clauses.register()
    assert len(register) >= 20
    for c in register:
        assert c.url.startswith("http") and c.summary, c.clause_id
        if not c.verified:
            assert c.note, f"{c.clause_id}: unverified clauses say what is missing"
    verified = [c for c in register if c.verified]
    assert any(c.verified.startswith("https://www.hcpc-uk.org/") for c in verified)
    assert sum(1 for c in register if c.issuer == "HCPC" and c.verified) >= 8


def test_register_errors_name_the_file_line_and_field(tmp_path):
    text = clauses.REGISTER.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "clauses.csv"
    bad.write_text("\n".join(text[:3] + [text[3].replace("2016-01-26", "2016-13-40", 1)] + text[4:]) + "\n")
    with pytest.raises(clauses.RegisterError, match=r"clauses.csv:4: effective_from '2016-13-40'"):
        clauses.load(bad)
    overlap = tmp_path / "overlap.csv"
    overlap.write_text("\n".join(line.replace("2024-09-01,", "2024-10-01,", 1) if line.startswith("HCPC-SCPE-2016-5.1")
                                 else line for line in text) + "\n")
    with pytest.raises(clauses.RegisterError, match="overlap"):
        clauses.load(overlap)


def test_shared_excerpts_agree_with_the_register_where_both_quote():
    if not CLAUSES_CSV.exists():
        pytest.skip(f"clause reference file not found at {CLAUSES_CSV}")
    with CLAUSES_CSV.open(encoding="utf-8") as f:
        reference = {row["short_excerpt_verbatim"].strip().rstrip("."): row["url"] for row in csv.DictReader(f)}
    quoted = [c for c in clauses.register() if c.summary.rstrip(".") in reference]
    assert len(quoted) >= 4
    for c in quoted:
        assert c.url == reference[c.summary.rstrip(".")] or c.verified, c.clause_id


@pytest.fixture(scope="module")
def pack_hits() -> dict[str, set[str]]:
    """The rule ids that hit every rule's examples and counter-examples, run through the engine
    in one batch (each text is judged on its own, so batching changes nothing but the time)."""
    texts = sorted({t for r in RULES for t in (*r.examples, *r.counter_examples)})
    return dict(zip(texts, hits_by(texts)))


@pytest.mark.parametrize("rule", RULES, ids=[r.rule_id for r in RULES])
def test_rule_flags_its_examples_and_not_its_counter_examples(rule, pack_hits):
    missed = [t for t in rule.examples if rule.rule_id not in pack_hits[t]]
    assert not missed, f"{rule.rule_id} missed {missed}"
    wrong = [t for t in rule.counter_examples if rule.rule_id in pack_hits[t]]
    assert not wrong, f"{rule.rule_id} flagged {wrong}"


def test_evidence_is_the_matched_span():
    texts = [t for r in RULES for t in r.examples]
    frame = pd.DataFrame({"platform": "x", "post_id": [str(i) for i in range(len(texts))],
                          "author_role": "professional", "text": texts})
    out = flag_texts(frame)
    assert len(out) >= len(texts)
    learned = {r.rule_id for r in RULES if r.detector.kind == "learned"}
    for post_id, rule_id, evidence in zip(out["post_id"], out["rule_id"], out["evidence"]):
        if rule_id in learned:  # the model's heaviest words (tests/test_flag_model.py)
            continue
        assert evidence and evidence in fold_digits(texts[int(post_id)])
    assert list(out.columns) == ["platform", "post_id", "rule_id", "family", "severity", "evidence"]


# --- hard negatives -----------------------------------------------------------------------------

def _valid_999_number() -> str:
    for tail in range(1000, 10_000):
        stem = f"99912{tail:04d}"
        check = nhs_number.calculate_checksum(stem)
        if check != 10:
            return stem + str(check)
    raise AssertionError


HARD_NEGATIVES = [
    "Any questions call the breast screening office on 0161 234 5678",
    "Call us on +44 161 496 0000 (8am-6pm)",
    "Mobile 07700 900 123 for the on-call rota",
    "Bay 4 has our new scanner!",
    "Shared with the patient's permission: look at this x-ray from today, what a recovery",
    "Therapeutic radiographer. Views my own. RTs not endorsements.",
    "Ref 4010232138 on the request card",  # 10 digits, checksum fails
    "Ref 401-023-2138 on the request card",
    "Tel 1111111111",  # passes the checksum but all the same digit
    # pass Modulus 11 but are not about a patient: a label says what they are, or no patient context
    "Ticket 9310965606 raised with IT about the PACS login, again",
    "Order number 915 489 2716 for the new lead aprons has shipped!",
    "Ref 4010232137 attached",
    "Tracking no 9399 858 812 - the new ultrasound probe is on its way",
]


NHS_GROUPINGS = [
    "pt \uff19\uff10\uff14 \uff10\uff12\uff16 \uff10\uff16\uff16\uff14 needs a repeat chest film",  # full-width
    "NHS no. 946.562.3512 has two requests on the system",  # dotted
    "Referral for 9075/006/691 came through without a history",  # slashed
    "Booked 90 97 40 23 52 in for Thursday's ultrasound list",  # pairs
    "NHS number 9619 659 570 - patient never got her letter",  # 4-3-3
    "her nhs no is 905\u2011001\u20117770",  # non-breaking hyphens
    "NHS 4010232137 DOB 12/03/1950",  # a number right after it
    "pt 401 023 2137 07700 900123 is her mobile",  # a phone number right after it
]


@pytest.fixture(scope="module")
def nhs_evidence() -> dict[str, list[str]]:
    """The CONF-NHS-NUMBER evidence found in each of NHS_GROUPINGS, the engine run once."""
    found = flag_texts(NHS_GROUPINGS)
    nhs = found[found["rule_id"] == "CONF-NHS-NUMBER"]
    return {text: nhs[nhs["post_id"] == str(i)]["evidence"].tolist() for i, text in enumerate(NHS_GROUPINGS)}


@pytest.mark.parametrize("text", NHS_GROUPINGS)
def test_nhs_numbers_in_any_grouping_are_found(text, nhs_evidence):
    nhs = nhs_evidence[text]
    assert len(nhs) == 1 and _expected("".join(c for c in nhs[0] if c.isdigit())), (text, nhs)


def test_a_modulus_11_number_without_patient_context_is_not_an_nhs_number():
    number = "9310965606"
    assert nhs_number.is_valid(number)
    assert hits_by([f"Ticket {number} raised with IT", f"Reference {number} for the conference booking",
                    f"Our charity sale raised money, order {number}"]) == [set()] * 3
    assert hits_by([f"NHS no {number} needs her scan rebooked"]) == [{"CONF-NHS-NUMBER"}]


@pytest.fixture(scope="module")
def hard_negative_hits() -> dict[str, set[str]]:
    """The rule ids that hit each hard negative, the engine run once (each text judged alone)."""
    return dict(zip(HARD_NEGATIVES, hits_by(list(HARD_NEGATIVES))))


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_hard_negatives_are_not_flagged(text, hard_negative_hits):
    assert hard_negative_hits[text] == set()


def test_test_range_and_repeated_digit_numbers_are_rejected():
    test_number = _valid_999_number()
    assert nhs_number.is_valid(test_number) and nhs_number.is_valid("1111111111")
    spaced = f"{test_number[:3]} {test_number[3:6]} {test_number[6:]}"
    assert hits_by([f"NHS number {test_number}", f"NHS no {spaced}", "NHS no 2222222222"]) == [set()] * 3


def test_staff_rules_only_hit_staff_posts():
    texts = [t for r in RULES for t in r.examples]
    roles = ("professional", "organisation", "patient_public", None)
    posts = pd.DataFrame({"platform": "x", "post_id": [f"{role}:{i}" for role in roles for i in range(len(texts))],
                          "author_role": [role for role in roles for _ in texts], "text": texts * len(roles)})
    out = flag_texts(posts)  # one run of the engine for all four roles
    staff, org, public, unknown = (out[out["post_id"].str.startswith(f"{role}:")] for role in roles)
    staff_only = {r.rule_id for r in RULES if r.applies_to == "staff"}
    assert set(staff["rule_id"]) == {r.rule_id for r in RULES}
    assert set(org["rule_id"]) == set(staff["rule_id"])
    assert not set(public["rule_id"]) & staff_only
    assert set(public["rule_id"]) == {r.rule_id for r in RULES if r.applies_to == "all"}
    assert set(unknown["rule_id"]) == set(public["rule_id"])


def test_flags_sql_checks_the_relation_name():
    with pytest.raises(ValueError):
        flags_sql("posts; DROP TABLE x")


# --- NHS numbers: the checksum in SQL agrees with the nhs-number package ------------------------

def _numbers() -> list[str]:
    random.seed(20260404)
    numbers = nhs_number.generate(valid=True, quantity=1000) + nhs_number.generate(valid=False, quantity=1000)
    numbers += [f"{random.randrange(10**10):010d}" for _ in range(1000)]
    # the Scottish CHI range (DDMMYY + 4), including impossible dates and 29 February
    for _ in range(500):
        day, month, year = random.randint(1, 31), random.randint(1, 12), random.randint(0, 99)
        stem = f"{day:02d}{month:02d}{year:02d}{random.randrange(1000):03d}"
        check = nhs_number.calculate_checksum(stem)
        numbers.append(stem + str(check % 10))
    for year in (0, 68, 69, 96, 97):
        stem = f"2902{year:02d}123"
        numbers.append(stem + str(nhs_number.calculate_checksum(stem) % 10))
    numbers += [str(d) * 10 for d in range(10)] + [_valid_999_number(), "9991234560"]
    return numbers


def _expected(number: str) -> bool:
    return nhs_number.is_valid(number) and len(set(number)) > 1 and not number.startswith("999")


def test_nhs_checksum_in_sql_agrees_with_the_package():
    numbers = _numbers()
    assert len(numbers) >= 2000
    expected = [_expected(n) for n in numbers]
    assert 500 < sum(expected) < len(numbers) - 500
    con = scratch_connection()
    con.register("numbers", pd.DataFrame({"i": range(len(numbers)), "n": numbers}))
    got = con.sql(f"SELECT {nhs_valid_sql('n')} AS ok FROM numbers ORDER BY i").df()["ok"].tolist()
    disagree = [(n, e, g) for n, e, g in zip(numbers, expected, got) if e != g]
    assert not disagree, disagree[:10]


def test_no_nhs_number_with_a_wrong_checksum_is_ever_flagged():
    numbers = _numbers()
    formats = [lambda n: n, lambda n: f"{n[:3]} {n[3:6]} {n[6:]}", lambda n: f"{n[:3]}-{n[3:6]}-{n[6:]}",
               lambda n: f"{n[:3]}.{n[3:6]}.{n[6:]}", lambda n: f"{n[:3]}/{n[3:6]}/{n[6:]}",
               lambda n: fold_digits(n).translate(str.maketrans("0123456789", "\uff10\uff11\uff12\uff13\uff14\uff15"
                                                                           "\uff16\uff17\uff18\uff19"))]
    texts = [f"pt NHS no {formats[i % len(formats)](n)} for review" for i, n in enumerate(numbers)]
    found = hits_by(texts)
    flagged = ["CONF-NHS-NUMBER" in ids for ids in found]
    wrong = [n for n, f in zip(numbers, flagged) if f and not _expected(n)]
    missed = [n for n, f in zip(numbers, flagged) if _expected(n) and not f]
    assert not wrong, wrong[:10]
    assert not missed, missed[:10]


# --- real text that must not be flagged ---------------------------------------------------------

def test_tweet_act_texts_raise_almost_no_confidentiality_flags():
    if not TWEET_ACT_CSV.exists():
        pytest.skip(f"Tweet-Act texts not found at {TWEET_ACT_CSV} (shared real data not mounted)")
    with TWEET_ACT_CSV.open(encoding="utf-8", newline="") as f:
        texts = [row[0] for row in csv.reader(f) if row]
    assert len(texts) > 5000
    frame = pd.DataFrame({"platform": "twitter", "post_id": [str(i) for i in range(len(texts))],
                          "author_role": "professional", "text": texts})
    out = flag_texts(frame)
    print(f"\nTweet-Act: {len(texts)} texts, {len(out)} hits by family: {out['family'].value_counts().to_dict()}")
    for post_id, rule_id, evidence in zip(out["post_id"], out["rule_id"], out["evidence"]):
        print(f"  {rule_id:22} {evidence!r:40} | {texts[int(post_id)][:100]!r}")
    assert (out["family"] == "confidentiality").sum() <= 5
    assert (out["rule_id"] == "CONF-NHS-NUMBER").sum() <= 1
    # rules-4: profanity in a staff post is offensive (OFFENSIVE-PROFANITY), and real tweets
    # swear (127 of 7,500); every other family stays at most 1%
    assert (out["family"] != "offensive").sum() <= 0.01 * len(texts)


def test_real_text_table_counts_every_family_on_each_split_beside_the_previous_packs():
    """The real-text block of ``evaluate --rules``: every family gets a cell on every split (zeros
    too), the previous packs' count before the current one's; built here from texts whose hits are
    known, so it runs without the real data."""
    texts = {"tweet-act train*": ["lovely sunny day at the seaside"],
             "tweet-act test": ["Pt booked for CT, NHS no 401 023 2137, bay 4", "what a match last night"],
             "real text train": ["this printer is fucking useless, sort it out"],
             "real text test": []}
    frame = pd.DataFrame([{"record_id": f"r{i}", "text": t, "split": split}
                          for i, (split, t) in enumerate((s, t) for s, ts in texts.items() for t in ts)])
    lines = rules_evaluate.real_text_table(frame)
    assert lines[1].split() == ["split", "n", *FAMILIES, "any"]
    rows = {line[:17].strip(): re.split(r"\s{2,}", line[17:].strip()) for line in lines[2:]}
    assert list(rows) == ["tweet-act train*", "tweet-act test", "real text train", "real text test"]
    assert [row[0] for row in rows.values()] == ["1", "2", "1", "0"]  # n
    cell = {split: dict(zip([*FAMILIES, "any"], row[1:], strict=True)) for split, row in rows.items()}
    assert cell["tweet-act test"]["confidentiality"] == "1 \u2192 1" and cell["tweet-act test"]["any"] == "1 \u2192 1"
    assert cell["real text train"]["offensive"] == "0 \u2192 1"  # OFFENSIVE-PROFANITY is new in rules-4
    assert all(cell["tweet-act train*"][f] == "0 \u2192 0" for f in (*FAMILIES, "any"))
    assert all(cell["real text test"][f] == "0 \u2192 0" for f in (*FAMILIES, "any"))


def test_real_text_precision_counts_read_flags_and_names_the_unread():
    frame = pd.DataFrame({"record_id": ["a", "b", "c"], "split": "real text test",
                          "text": ["you are all idiots", "this printer is fucking useless", "you lot are morons"]})
    sha = [rules_evaluate.question_corpus.text_sha(t) for t in frame["text"]]
    flagged = {"old": [frozenset({"incivility"}), frozenset(), frozenset({"incivility"})],
               "new": [frozenset({"incivility"}), frozenset({"offensive"}), frozenset({"incivility"})]}
    verdicts = {("a", "incivility"): (sha[0], True), ("b", "offensive"): (sha[1], False),
                ("c", "incivility"): ("0" * 16, True)}  # c's text changed since it was read
    lines = rules_evaluate.real_text_precision(frame, flagged, verdicts)
    rows = {line.split()[0]: line for line in lines[2:]}
    assert rows["incivility"].split()[1:] == ["1.00", "(1/1)", "1.00", "(1/1)"]
    assert rows["offensive"].split()[1:] == ["—", "(no", "flag)", "0.00", "(0/1)"]
    assert lines[-1] == "flags with no verdict (read them and add them to the file): old 1, new 1"


@pytest.mark.parametrize("edit,message", [
    (lambda row: row.replace(",boundaries,0,", ",bounds,0,", 1), r"real_text_flags.csv:2: family 'bounds'"),
    (lambda row: row.replace(",boundaries,0,", ",boundaries,yes,", 1), r"real_text_flags.csv:2: verdict 'yes'"),
    (lambda row: row.split(",", 1)[0] + ",zz" + row.split(",", 1)[1][16:], r"real_text_flags.csv:2: text_sha 'zz"),
])
def test_a_bad_verdict_row_names_the_file_line_and_field(tmp_path, edit, message):
    lines = rules_evaluate.VERDICTS.read_text(encoding="utf-8").splitlines()
    assert ",boundaries,0," in lines[1]
    bad = tmp_path / "real_text_flags.csv"
    bad.write_text("\n".join([lines[0], edit(lines[1]), *lines[2:]]) + "\n", encoding="utf-8")
    with pytest.raises(rules_evaluate.VerdictError, match=message):
        rules_evaluate.load_verdicts(bad)
    twice = tmp_path / "twice.csv"
    twice.write_text("\n".join([lines[0], lines[1], lines[1]]) + "\n", encoding="utf-8")
    with pytest.raises(rules_evaluate.VerdictError, match=r"twice.csv:3: record_id .* second boundaries verdict"):
        rules_evaluate.load_verdicts(twice)


def test_every_flag_on_real_text_has_been_read():
    """Each flag either version raises on the real text has a verdict for that very text, so a
    rule change that raises new flags there fails here until someone reads them."""
    root = rules_evaluate.question_corpus.realdata_dir()
    if root is None:
        pytest.skip("real data absent (../shared/realdata is not beside this clone; set $RADSOME_REALDATA)")
    frame = rules_evaluate.load_real_text(root)
    flagged = rules_evaluate.real_text_flags(frame)
    lines = rules_evaluate.real_text_precision(frame, flagged, rules_evaluate.load_verdicts())
    assert not lines[-1].startswith("flags with no verdict"), lines[-1]
    current = {(r, f) for r, p in zip(frame["record_id"], flagged["rules-4"]) for f in p}
    assert current == set(rules_evaluate.load_verdicts())  # and no verdict for a flag no longer raised
    rows = {line.split()[0]: line.split() for line in lines[2:]}
    assert rows["confidentiality"][1:] == ["—", "(no", "flag)", "—", "(no", "flag)"]


def test_real_text_is_found_where_radsome_realdata_says(tmp_path, monkeypatch):
    """One resolver for the real data (the brief's order): $RADSOME_REALDATA first."""
    monkeypatch.setenv("RADSOME_REALDATA", str(tmp_path))
    assert rules_evaluate._realdata() == tmp_path
    monkeypatch.setenv("RADSOME_REALDATA", str(tmp_path / "absent"))
    assert rules_evaluate._realdata() != tmp_path / "absent"


def test_real_text_splits_are_the_question_evaluations():
    root = rules_evaluate.question_corpus.realdata_dir()
    if root is None:
        pytest.skip("real data absent (../shared/realdata is not beside this clone; set $RADSOME_REALDATA)")
    frame = rules_evaluate.load_real_text(root)
    sizes = frame["split"].value_counts().to_dict()
    assert sizes["tweet-act train*"] == 6000 and sizes["tweet-act test"] == 1500
    assert sizes["real text train"] + sizes["real text test"] == 828 and sizes["real text test"] == 262
    tweets = frame[frame["record_id"].str.startswith("tweet_act:")]
    line = tweets["record_id"].str.split(":").str[1].astype(int)
    assert ((line % 5 == 0) == (tweets["split"] == "tweet-act test")).all()


# --- per-family precision and recall on labelled posts (not the rules' own examples) ------------

# Lowest acceptable scores on the held-out test split of tests/data/guideline_posts.csv, set a
# little below what rules-3 measured there (python -m warehouse evaluate --rules); each family has
# only 5-14 test positives, so one more miss than measured already fails some of them.
TEST_PRECISION = {"confidentiality": 0.85, "clinical_advice": 0.8, "boundaries": 0.8, "incivility": 0.8,
                  "discrimination": 0.8, "offensive": 0.6, "copyright": 0.8}
TEST_RECALL = {"confidentiality": 0.75, "clinical_advice": 0.8, "boundaries": 0.75, "incivility": 0.45,
               "discrimination": 0.8, "offensive": 0.5, "copyright": 0.7}


@pytest.fixture(scope="module")
def labelled():
    return rules_evaluate.predict(rules_evaluate.load_labelled())


def test_the_labelled_set_is_big_enough_and_split(labelled):
    assert len(labelled) >= 250
    assert set(labelled["split"]) == {"dev", "test"}
    assert 0.25 <= (labelled["split"] == "test").mean() <= 0.4
    for family in FAMILIES:
        positives = labelled[[family in f for f in labelled["families"]]]
        small = family == "offensive"  # slurs only: most group-demeaning posts are discrimination
        assert len(positives) >= (8 if small else 15), family
        assert (positives["split"] == "test").sum() >= (2 if small else 5), family
    negatives = labelled[[not f for f in labelled["families"]]]
    assert len(negatives) >= 100
    assert negatives["note"].str.startswith("hard negative").sum() >= 60


@pytest.mark.parametrize("split", ["dev", "test"])
def test_per_family_precision_and_recall_on_labelled_posts(labelled, split):
    part = labelled[labelled["split"] == split]
    print(f"\n{split}: " + "; ".join(f"{s.family} tp={s.tp} fp={s.fp} fn={s.fn} P={s.precision:.2f} "
                                      f"R={s.recall:.2f}" for s in rules_evaluate.family_scores(part)))
    for line in rules_evaluate.disagreements(labelled, split):
        print(line)
    for s in rules_evaluate.family_scores(part):
        if split == "dev":  # tuned on: near-perfect, and no false positive at all
            assert s.fp == 0 and s.recall >= 0.8, s
        else:
            assert s.precision >= TEST_PRECISION[s.family], s
            assert s.recall >= TEST_RECALL[s.family], s


def test_no_labelled_post_with_a_wrong_checksum_is_flagged_as_an_nhs_number(labelled):
    wrong = labelled[labelled["note"].str.contains("wrong checksum")]
    assert len(wrong) >= 5
    assert not [t for t, rules in zip(wrong["text"], wrong["rules"]) if "CONF-NHS-NUMBER" in rules]
    out = flag_texts(labelled["text"].tolist())
    for evidence in out[out["rule_id"] == "CONF-NHS-NUMBER"]["evidence"]:
        assert _expected("".join(c for c in evidence if c.isdigit())), evidence


def test_hard_negatives_in_the_labelled_set_are_not_flagged(labelled):
    hard = labelled[labelled["note"].str.startswith("hard negative")]
    flagged = [(s, t, sorted(r)) for s, t, r in zip(hard["split"], hard["text"], hard["rules"]) if r]
    # dev was tuned on: none; test was not: two known false positives are left unfixed (docs/methods.md:
    # "look at your scan" in a signposting reply reads as CONF-IMAGE; generic "see your GP" advice
    # reads as ADVICE-LEARNED since rules-4), more means a rule got worse
    assert not [f for f in flagged if f[0] == "dev"], flagged
    assert len(flagged) <= 2, flagged
