"""Guideline rule packs and their engine: every rule's examples and hard negatives, the NHS
number checksum in SQL against the ``nhs-number`` package, real tweets that must not be
flagged, and per-family precision/recall on a small labelled set."""
from __future__ import annotations

import csv
import dataclasses
import random
from pathlib import Path

import nhs_number
import pandas as pd
import pytest

from warehouse.enrich import scratch_connection
from warehouse.rules import packs
from warehouse.rules.engine import flag_texts, flags_sql, nhs_valid_sql
from warehouse.rules.packs import FAMILIES, RULES

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
CLAUSES_CSV = REALDATA / "guidelines" / "guideline_clauses.csv"
TWEET_ACT_CSV = REALDATA / "texts" / "tweet_act_TAC_TWEET_DATA.csv"


def hits_by(texts: list[str], role: str = "professional") -> list[set[str]]:
    """The rule ids that hit each text."""
    frame = pd.DataFrame({"platform": "test", "post_id": [str(i) for i in range(len(texts))],
                          "author_role": role, "text": texts})
    out = flag_texts(frame)
    found: list[set[str]] = [set() for _ in texts]
    for post_id, rule_id in zip(out["post_id"], out["rule_id"]):
        found[int(post_id)].add(rule_id)
    return found


# --- the rules as data ---------------------------------------------------------------------------

def test_rules_are_well_formed():
    ids = [r.rule_id for r in RULES]
    assert len(ids) == len(set(ids))
    assert {r.family for r in RULES} == set(FAMILIES)
    assert packs.ENGINE_VERSION == "rules-1"
    for r in RULES:
        assert r.severity in packs.SEVERITIES and r.applies_to in packs.APPLIES_TO, r.rule_id
        assert r.detector.kind in packs.DETECTOR_KINDS, r.rule_id
        assert r.title and r.explanation and r.clause.url.startswith("http"), r.rule_id
        assert r.examples and r.counter_examples, f"{r.rule_id} needs examples and counter-examples"
        with pytest.raises(dataclasses.FrozenInstanceError):
            r.severity = "low"  # type: ignore[misc]


def test_clauses_are_quoted_verbatim_from_the_guidance():
    if not CLAUSES_CSV.exists():
        pytest.skip(f"clause reference file not found at {CLAUSES_CSV}")
    with CLAUSES_CSV.open(encoding="utf-8") as f:
        reference = {row["clause_id"]: row for row in csv.DictReader(f)}
    for r in RULES:
        ref = reference[r.clause.clause_id]
        assert r.clause.excerpt == ref["short_excerpt_verbatim"], r.rule_id
        assert r.clause.url == ref["url"], r.rule_id


@pytest.mark.parametrize("rule", RULES, ids=[r.rule_id for r in RULES])
def test_rule_flags_its_examples_and_not_its_counter_examples(rule):
    found = hits_by(list(rule.examples))
    missed = [t for t, ids in zip(rule.examples, found) if rule.rule_id not in ids]
    assert not missed, f"{rule.rule_id} missed {missed}"
    found = hits_by(list(rule.counter_examples))
    wrong = [t for t, ids in zip(rule.counter_examples, found) if rule.rule_id in ids]
    assert not wrong, f"{rule.rule_id} flagged {wrong}"


def test_evidence_is_the_matched_span():
    texts = [t for r in RULES for t in r.examples]
    frame = pd.DataFrame({"platform": "x", "post_id": [str(i) for i in range(len(texts))],
                          "author_role": "professional", "text": texts})
    out = flag_texts(frame)
    assert len(out) >= len(texts)
    for post_id, evidence in zip(out["post_id"], out["evidence"]):
        assert evidence and evidence in texts[int(post_id)]
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
]


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_hard_negatives_are_not_flagged(text):
    assert hits_by([text]) == [set()]


def test_test_range_and_repeated_digit_numbers_are_rejected():
    test_number = _valid_999_number()
    assert nhs_number.is_valid(test_number) and nhs_number.is_valid("1111111111")
    spaced = f"{test_number[:3]} {test_number[3:6]} {test_number[6:]}"
    assert hits_by([f"NHS number {test_number}", f"NHS no {spaced}", "NHS no 2222222222"]) == [set()] * 3


def test_staff_rules_only_hit_staff_posts():
    texts = [t for r in RULES for t in r.examples]
    staff = flag_texts(pd.DataFrame({"platform": "x", "post_id": [str(i) for i in range(len(texts))],
                                     "author_role": "professional", "text": texts}))
    org = flag_texts(pd.DataFrame({"platform": "x", "post_id": [str(i) for i in range(len(texts))],
                                   "author_role": "organisation", "text": texts}))
    public = flag_texts(pd.DataFrame({"platform": "x", "post_id": [str(i) for i in range(len(texts))],
                                      "author_role": "patient_public", "text": texts}))
    unknown = flag_texts(pd.DataFrame({"platform": "x", "post_id": [str(i) for i in range(len(texts))],
                                       "author_role": None, "text": texts}))
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
    formats = [lambda n: n, lambda n: f"{n[:3]} {n[3:6]} {n[6:]}", lambda n: f"{n[:3]}-{n[3:6]}-{n[6:]}"]
    texts = [f"pt NHS no {formats[i % 3](n)} for review" for i, n in enumerate(numbers)]
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
    assert len(out) <= 0.01 * len(texts)


# --- per-family precision and recall on labelled posts (not the rules' own examples) ------------

LABELLED: list[tuple[str, set[str]]] = [
    ("Can you rebook 485 777 3457 for Thursday's MRI", {"confidentiality"}),
    ("NHS no: 9434765870 - scan not on the system", {"confidentiality"}),
    ("Mrs Hughes in bed 7 still waiting for portable chest", {"confidentiality"}),
    ("Miss Evans, 19 year old with a suspected ectopic, needs an US", {"confidentiality"}),
    ("DOB 03/07/1962 patient needs contrast bloods", {"confidentiality"}),
    ("Screen grab from PACS - look at the size of that stone!", {"confidentiality"}),
    ("Check out this CT from tonight 😱", {"confidentiality"}),
    ("Mr Khan on ward 22 is refusing his scan", {"confidentiality"}),
    ("hospital number 30812345 double booked again", {"confidentiality"}),
    ("Had a 101 year old gentleman today, sharpest person I've met", {"confidentiality"}),
    ("An elderly lady told me today I'd made her week", set()),  # anecdote without age: a miss is acceptable
    ("@annie your scan looks normal to me, try not to worry", {"clinical_advice"}),
    ("@bob it sounds like a sprain, rest it", {"clinical_advice"}),
    ("Don't worry, it's nothing, these things are usually benign", {"clinical_advice"}),
    ("@carol your results are likely fine, they'd have called", {"clinical_advice"}),
    ("@dee please contact your GP or NHS 111 if you're worried", set()),
    ("Breast pain is rarely a sign of cancer. Find out more at nhs.uk", set()),
    ("@emma DM me your details and I'll see what I can do x", {"boundaries"}),
    ("Message me on my personal Facebook and I'll explain", {"boundaries"}),
    ("@frank WhatsApp me, easier than here", {"boundaries"}),
    ("Please DM us so we can pass this to the PALS team", set()),
    ("Our consultants are a disgrace, patients waiting weeks", {"incivility"}),
    ("The management are clueless as usual", {"incivility"}),
    ("Lazy porters again, no one to take the patient back", {"incivility"}),
    ("Tough shift. Proud of how the team pulled together", set()),
    ("I disagree with the trust's new rota policy and have raised it with my rep", set()),
    ("Stop being such a spaz and lie still", {"offensive"}),
    ("All foreigners should be deported", {"offensive"}),
    ("Celebrating Pride month with our LGBTQ+ staff network 🏳️‍🌈", set()),
    ("Grabbed this cartoon off Google, so true 😂", {"copyright"}),
    ("Infographic from Pinterest on radiation doses", {"copyright"}),
    ("Our own infographic on radiation doses, please share", set()),
    ("Image courtesy of the Society of Radiographers, used with permission", set()),
    ("My patient DOB 01/01/1950, DM me for the details", {"confidentiality", "boundaries"}),
    ("Radiographer | Reporting MSK | Views my own", set()),
    ("bay 4 is where the new scanner lives", set()),
    ("Reminder: never share patient details online", set()),
    ("Come and see our department at the open day, 12/06/2025", set()),
    ("Our results line is 0300 123 4567", set()),
    ("Mammography is offered to women aged 50 to 71", set()),
]


def test_per_family_precision_and_recall_on_labelled_posts():
    texts = [t for t, _ in LABELLED]
    found = hits_by(texts)
    family_of = {r.rule_id: r.family for r in RULES}
    predicted = [{family_of[i] for i in ids} for ids in found]
    print("\nfamily            tp  fp  fn  precision  recall")
    lowest = {}
    for family in FAMILIES:
        tp = sum(family in p and family in t for p, (_, t) in zip(predicted, LABELLED))
        fp = sum(family in p and family not in t for p, (_, t) in zip(predicted, LABELLED))
        fn = sum(family not in p and family in t for p, (_, t) in zip(predicted, LABELLED))
        precision = tp / (tp + fp) if tp + fp else float("nan")
        recall = tp / (tp + fn) if tp + fn else float("nan")
        lowest[family] = (precision, recall)
        print(f"{family:16} {tp:3} {fp:3} {fn:3}  {precision:9.2f}  {recall:6.2f}")
    for text, truth, pred in zip(texts, [t for _, t in LABELLED], predicted):
        if truth != pred:
            print(f"  differs: {text!r} truth={sorted(truth)} predicted={sorted(pred)}")
    for family, (precision, recall) in lowest.items():
        assert precision >= 0.8, (family, precision)
        assert recall >= 0.75, (family, recall)
