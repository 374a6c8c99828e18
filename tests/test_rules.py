"""Guideline rule packs and their engine: every rule's examples and hard negatives, the NHS
number checksum in SQL against the ``nhs-number`` package, real tweets that must not be
flagged, and per-family precision/recall on the labelled posts in
``tests/data/guideline_posts.csv`` (tuned on its dev split, the thresholds hold on test)."""
from __future__ import annotations

import csv
import dataclasses
import random
from pathlib import Path

import nhs_number
import pandas as pd
import pytest

from warehouse.enrich import scratch_connection
from warehouse.rules import evaluate as rules_evaluate, packs
from warehouse.rules.engine import flag_texts, flags_sql, nhs_valid_sql
from warehouse.rules.evaluate import rule_hits
from warehouse.rules.packs import FAMILIES, RULES

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
CLAUSES_CSV = REALDATA / "guidelines" / "guideline_clauses.csv"
TWEET_ACT_CSV = REALDATA / "texts" / "tweet_act_TAC_TWEET_DATA.csv"


hits_by = rule_hits  # the rule ids that hit each text, as the evaluation counts them


# --- the rules as data ---------------------------------------------------------------------------

def test_rules_are_well_formed():
    ids = [r.rule_id for r in RULES]
    assert len(ids) == len(set(ids))
    assert {r.family for r in RULES} == set(FAMILIES)
    assert packs.ENGINE_VERSION == "rules-2"
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


def test_each_body_is_cited_by_a_rule():
    bodies = {r.clause.body for r in RULES}
    assert "HCPC" in bodies and "RCGP" in bodies and "NHS Employers" in bodies
    assert any(b.startswith("Society") and "Radiographers" in b for b in bodies)


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

# Lowest acceptable scores on the held-out test split of tests/data/guideline_posts.csv, set a
# little below what rules-2 measured there (python -m warehouse evaluate --rules); each family has
# only 5-14 test positives, so one more miss than measured already fails some of them.
TEST_PRECISION = {"confidentiality": 0.85, "clinical_advice": 0.8, "boundaries": 0.8, "incivility": 0.8,
                  "offensive": 0.8, "copyright": 0.8}
TEST_RECALL = {"confidentiality": 0.75, "clinical_advice": 0.6, "boundaries": 0.6, "incivility": 0.5,
               "offensive": 0.45, "copyright": 0.55}


@pytest.fixture(scope="module")
def labelled():
    return rules_evaluate.predict(rules_evaluate.load_labelled())


def test_the_labelled_set_is_big_enough_and_split(labelled):
    assert len(labelled) >= 250
    assert set(labelled["split"]) == {"dev", "test"}
    assert 0.25 <= (labelled["split"] == "test").mean() <= 0.4
    for family in FAMILIES:
        positives = labelled[[family in f for f in labelled["families"]]]
        assert len(positives) >= 15, family
        assert (positives["split"] == "test").sum() >= 5, family
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
    flagged = [(t, sorted(r)) for t, r in zip(hard["text"], hard["rules"]) if r]
    # a few are known misses of the rules (see the README); more means a rule got worse
    assert not flagged, flagged
