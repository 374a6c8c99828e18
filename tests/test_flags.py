"""The flags mart: guideline rules hit staff posts, judged under the trust's local policy in
force on the post's day; national rules alone where no policy applies."""
from __future__ import annotations

import csv
from datetime import date, datetime, timezone

import pytest
import yaml

from ingest import jobs
from tests.support import load_and_build, post, published_query, raw_query, realdata
from warehouse.enrich import scratch_connection
from warehouse.rules import local, packs

ACCOUNTS = "platform,author_id,role,trust_code,title\nx,jo,professional,RR8,Mammographer\n"


def _load(tmp_path, records, policy_yaml: str | None = None):
    load_and_build(tmp_path, records, ACCOUNTS, policy_yaml)


def test_staff_posts_are_flagged_with_evidence_and_clause(data_dir, tmp_path):
    _load(tmp_path, [
        post("1", author_id="jo", text="Lady in bay 4 NHS no 401 023 2137 needs rebooking"),
        post("2", author_id="jo", text="Bay 4 has our new scanner, come and see it"),
        post("3", author_id="pat", text="DM me your number and I'll tell you how mine went"),
        post("4", author_id="jo", text="Phone 0161 234 5678 to rebook"),
    ])
    rows = published_query(
        "SELECT post_id, rule_id, family, severity, evidence, clause_id, trust_code, policy_version"
        " FROM flags ORDER BY post_id, rule_id")
    assert [(r[0], r[1]) for r in rows if r[0] == "1"][0] == ("1", "CONF-NHS-NUMBER")
    nhs = next(r for r in rows if r[1] == "CONF-NHS-NUMBER")
    # posted in 2025 (tests.support.post's default day): the 2024 HCPC standards
    assert nhs[2:] == ("confidentiality", "high", "401 023 2137", "HCPC-SCPE-2024-5.1", "RR8", None)
    assert not [r for r in rows if r[0] in ("2", "3", "4")]  # hard negative, public author, phone


POLICY = """
- trust_code: RR8
  policy_version: "1"
  effective_from: 2024-01-01
  effective_to: 2025-04-01
  personal_use_in_working_hours: permitted
  patient_engagement: encouraged
  disclaimer_required: false
  approved_accounts_only: false
- trust_code: RR8
  policy_version: "2"
  effective_from: 2025-04-01
  personal_use_in_working_hours: permitted
  patient_engagement: encouraged
  disclaimer_required: true
  approved_accounts_only: false
  rule_overrides:
    - {rule_id: BOUND-PRIVATE-CHANNEL, action: disable}
    - {rule_id: ADVICE-INDIVIDUAL, action: severity, severity: low}
"""


@pytest.mark.slow
def test_a_post_is_judged_under_the_policy_in_force_on_its_day(data_dir, tmp_path):
    _load(tmp_path, [
        post("before", author_id="jo", text="DM me and I'll sort it", created_at="2025-03-31T22:30:00+00:00"),
        post("after", author_id="jo", text="DM me and I'll sort it", created_at="2025-03-31T23:30:00+00:00"),
        post("advice", author_id="jo", text="Honestly your lump sounds benign, don't worry",
             created_at="2025-05-01T10:00:00+01:00"),
    ], POLICY)
    rows = published_query("SELECT post_id, rule_id, severity, policy_version FROM flags ORDER BY post_id")
    # 23:30 UTC on 31 March 2025 is 00:30 on 1 April in the UK (BST): policy 2, rule disabled
    assert ("before", "BOUND-PRIVATE-CHANNEL", "medium", "1") in rows
    assert not [r for r in rows if r[0] == "after"]
    assert ("advice", "ADVICE-INDIVIDUAL", "low", "2") in rows


@pytest.mark.slow
def test_demo_policies_override_only_real_rules_and_load_with_the_demo(data_dir):
    rules = {r.rule_id for r in packs.RULES}
    jobs.run_demo(n_posts=2_000, seed=7, end=datetime(2025, 6, 30, tzinfo=timezone.utc))
    policies = yaml.safe_load((data_dir / jobs.DEMO_POLICIES_FILE).read_text())
    named = {o["rule_id"] for p in policies for o in (p.get("rule_overrides") or [])}
    assert named and named <= rules
    assert raw_query("SELECT count(*) FROM trust_policy_loads") == [(1,)]
    # the same demo again loads nothing new; another seed's policies replace them
    jobs.run_demo(n_posts=2_000, seed=7, end=datetime(2025, 6, 30, tzinfo=timezone.utc))
    assert raw_query("SELECT count(*) FROM trust_policy_loads") == [(1,)]
    jobs.run_demo(n_posts=2_000, seed=8, end=datetime(2025, 6, 30, tzinfo=timezone.utc))
    assert raw_query("SELECT count(*) FROM trust_policy_loads") == [(2,)]


# --- local-policy rules: switched on by the policy in force -------------------------------------

LOCAL_ACCOUNTS = ("platform,author_id,role,trust_code,title\n"
                  "x,jo,professional,RR8,Radiographer\nx,kim,professional,RR8,Sonographer\n"
                  "x,org,organisation,RR8,Leeds Imaging\nx,al,professional,RJZ,Radiographer\n")
LOCAL_POLICY = """
- trust_code: RR8
  policy_version: "1"
  effective_from: 2025-01-01
  effective_to: 2025-04-01
  personal_use_in_working_hours: permitted
  patient_engagement: permitted
  disclaimer_required: false
  approved_accounts_only: false
  rule_overrides:
    - {rule_id: POLICY-DISCLAIMER, action: enable}
- trust_code: RR8
  policy_version: "2"
  effective_from: 2025-04-01
  personal_use_in_working_hours: permitted
  patient_engagement: discouraged
  disclaimer_required: true
  approved_accounts_only: true
  rule_overrides:
    - {rule_id: POLICY-ENGAGEMENT, action: severity, severity: medium}
"""


@pytest.mark.slow
def test_local_policy_rules_fire_only_where_the_policy_in_force_switches_them_on(data_dir, tmp_path):
    bare, views = "Radiographer at Leeds", "Radiographer at Leeds. Views my own."
    load_and_build(tmp_path, [
        # policy 1 (disclaimer enabled by override): jo's first post flagged once for 2 posts
        post("j1", author_id="jo", author_bio=bare, text="Busy list today", created_at="2025-03-01T10:00:00+00:00"),
        post("j2", author_id="jo", author_bio=bare, text="Great CPD session", created_at="2025-03-02T10:00:00+00:00"),
        post("k1", author_id="kim", author_bio=views, text="New scanner!", created_at="2025-03-02T11:00:00+00:00"),
        # policy 2: disclaimer required again, and engagement by personal accounts flagged
        post("j3", author_id="jo", author_bio=bare, text="Open day soon", created_at="2025-05-01T10:00:00+00:00"),
        post("q", author_id="pat", text="How long do results take?", created_at="2025-05-02T10:00:00+00:00"),
        post("a", author_id="kim", author_bio=views, parent_id="q", text="About two weeks",
             created_at="2025-05-02T11:00:00+00:00"),
        post("q2", author_id="pat2", text="Is parking free?", created_at="2025-05-03T10:00:00+00:00"),
        post("a2", author_id="org", author_bio=bare, parent_id="q2", text="Yes for blue badges",
             created_at="2025-05-03T11:00:00+00:00"),
        # no profile given: unknown, so no disclaimer flag; a trust without a policy: nothing
        post("j4", author_id="jo", text="Lunch", created_at="2025-05-04T10:00:00+00:00"),
        post("al1", author_id="al", author_bio=bare, text="Hello", created_at="2025-05-04T10:00:00+00:00"),
    ], LOCAL_ACCOUNTS, LOCAL_POLICY)
    rows = published_query("SELECT post_id, rule_id, family, severity, policy_version, evidence FROM flags"
                           " WHERE family = 'local_policy' ORDER BY post_id, rule_id")
    assert [r[:5] for r in rows] == [
        ("a", "POLICY-ENGAGEMENT", "local_policy", "medium", "2"),
        ("j1", "POLICY-DISCLAIMER", "local_policy", "low", "1"),
        ("j3", "POLICY-DISCLAIMER", "local_policy", "low", "2"),
    ]
    assert rows[1][5] == 'no "views my own" disclaimer in the profile (2 posts under policy 1)'
    assert "approved accounts only" in rows[0][5]
    clause = published_query("SELECT DISTINCT clause_id FROM flags WHERE family = 'local_policy'")
    assert clause == [("HCPC-SMG-2024-EMPLOYER",)]


@pytest.mark.slow
def test_a_disable_override_switches_a_local_rule_off(data_dir, tmp_path):
    policy = LOCAL_POLICY.replace("    - {rule_id: POLICY-ENGAGEMENT, action: severity, severity: medium}",
                                  "    - {rule_id: POLICY-DISCLAIMER, action: disable}")
    _load(tmp_path, [post("j", author_id="jo", author_bio="Radiographer", text="Hi",
                          created_at="2025-05-01T10:00:00+00:00")], policy)
    assert published_query("SELECT count(*) FROM flags WHERE family = 'local_policy'") == [(0,)]


def test_local_rules_cite_the_employer_policy_clause():
    from warehouse.rules import clauses, local

    for rule in local.LOCAL_RULES:
        cited = clauses.cite(rule.clauses, date(2025, 1, 1))
        assert cited.clause_id == "HCPC-SMG-2024-EMPLOYER"
        assert "employer" in cited.summary and cited.verified.startswith("https://www.hcpc-uk.co.uk/")


# --- the clause in force on the post's UK day -----------------------------------------------------

@pytest.mark.slow
def test_a_flag_cites_the_edition_in_force_on_the_posts_uk_day(data_dir, tmp_path):
    text = "Mrs Smith in bay 4 has been waiting 6 hours for her CT"
    _load(tmp_path, [
        post("2023", author_id="jo", text=text, created_at="2023-05-10T10:00:00+00:00"),
        post("2025", author_id="jo", text=text, created_at="2025-05-10T10:00:00+00:00"),
        # 22:59:59 UTC on 31 Aug 2024 is 23:59:59 BST: still 31 August in the UK, the 2016 edition
        post("last-2016", author_id="jo", text=text, created_at="2024-08-31T22:59:59+00:00"),
        # 23:00 UTC on 31 Aug 2024 is 00:00 BST on 1 September: the 2024 edition
        post("first-2024", author_id="jo", text=text, created_at="2024-08-31T23:00:00+00:00"),
        post("boundary", author_id="jo", text="Added my patient from this morning on Facebook, she's lovely",
             created_at="2016-03-01T10:00:00+00:00"),
    ])
    rows = dict(published_query("SELECT post_id, clause_id || ' ' || clause_edition || ' ' || clause_effective_from"
                                " FROM flags WHERE rule_id IN ('CONF-NAME-DETAIL', 'BOUND-PRIVATE-CHANNEL')"))
    assert rows == {"2023": "HCPC-SCPE-2016-5.1 2016 2016-01-26", "2025": "HCPC-SCPE-2024-5.1 2024 2024-09-01",
                    "last-2016": "HCPC-SCPE-2016-5.1 2016 2016-01-26",
                    "first-2024": "HCPC-SCPE-2024-5.1 2024 2024-09-01",
                    "boundary": "HCPC-SCPE-2016-1.7 2016 2016-01-26"}
    cited = published_query("SELECT clause, clause_url, clause_number, clause_family FROM flags WHERE post_id = '2023'")
    assert cited == [("HCPC, Standards of conduct, performance and ethics (2016) 5.1: \u201cYou must treat "
                      "information about service users as confidential.\u201d",
                      "https://www.hcpc-uk.org/students/guidance-on-conduct-and-ethics/respect-confidentiality/",
                      "5.1", "HCPC-CONFIDENTIALITY")]


@pytest.mark.slow
def test_a_post_before_every_edition_cites_the_next_family_or_none(data_dir, tmp_path):
    _load(tmp_path, [
        # CONF-IMAGE cites SCoR's 2015 guidance first (from 16 Dec 2015), then the HCPC standards (from 2016)
        post("img-2017", author_id="jo", text="Screenshot of our PACS worklist, what a night",
             created_at="2017-03-01T10:00:00+00:00"),
        post("img-2015", author_id="jo", text="Screenshot of our PACS worklist, what a night",
             created_at="2015-03-01T10:00:00+00:00"),
    ])
    rows = dict(published_query("SELECT post_id, clause_id FROM flags WHERE rule_id = 'CONF-IMAGE'"))
    assert rows == {"img-2017": "SCOR-SOME-2015-L2", "img-2015": None}


def test_no_demo_flag_cites_a_clause_not_in_force_on_its_day(demo_data, use_data):
    use_data(demo_data)
    rows = published_query("""
        SELECT count(*) AS n,
               count(*) FILTER (WHERE clause_id IS NULL) AS uncited,
               count(*) FILTER (WHERE clause_id IS NOT NULL AND NOT (
                   coalesce(clause_effective_from, DATE '1900-01-01') <= (created_at AT TIME ZONE 'Europe/London')::DATE
                   AND (clause_effective_to IS NULL
                        OR (created_at AT TIME ZONE 'Europe/London')::DATE < clause_effective_to))) AS wrong,
               count(DISTINCT clause_edition) AS editions
        FROM flags""")
    n, uncited, wrong, editions = rows[0]
    assert n > 50 and wrong == 0 and uncited == 0
    cited = {row[0] for row in published_query("SELECT DISTINCT clause_edition FROM flags")}
    assert editions == len(cited) and {"2016", "2024"} <= cited, cited  # the demo spans 1 September 2024
    # and every flag's clause is the one the Python twin picks, the learned rules' flags included
    from warehouse.rules import clauses, find

    every = published_query("SELECT rule_id, (created_at AT TIME ZONE 'Europe/London')::DATE, clause_id FROM flags")
    assert len(every) == n
    for rule_id, day, clause_id in every:
        assert clauses.cite(find(rule_id).clauses, day).clause_id == clause_id, (rule_id, day)
    learned = [row for row in every if row[0].endswith("-LEARNED")]
    assert learned, "the demo's staff posts raise learned-rule flags (rules-4)"


@pytest.mark.parametrize("bio,has", [
    ("Radiographer. Views my own.", True), ("Mammographer | views are my own | RT ≠ endorsement", True),
    ("Sonographer, opinions mine", True), ("Personal account. Band 6 reporting radiographer", True),
    ("Tweets are my own, not my employer's", True), ("RTs not endorsements", True),
    ("Radiographer at Leeds", False), ("Proud of my own team", False), ("Views of the Dales 📷", False),
])
def test_disclaimer_pattern_in_duckdb(bio, has):
    con = scratch_connection()
    assert con.execute("SELECT regexp_matches($bio, $pattern)",
                       {"bio": bio, "pattern": local.DISCLAIMER_PATTERN}).fetchall() == [(has,)]


# --- memoisation: the rule engine re-runs when the packs change; citations follow the register ---

@pytest.fixture
def demo_copy(demo_data, tmp_path, monkeypatch):
    import shutil

    from store import config

    folder = tmp_path / "data"
    shutil.copytree(demo_data, folder)
    monkeypatch.setenv(config.DATA_ENV, str(folder))
    return folder


@pytest.mark.slow
def test_changed_packs_re_run_the_engine_and_a_changed_register_re_cites(demo_copy, monkeypatch, tmp_path):
    import dataclasses

    from warehouse.build import build
    from warehouse.rules import clauses

    build()
    assert build().memo_reused["int_rule_hits"] > 0  # nothing changed: every post reused
    # the register changes (a summary reworded): flags cite the new text, the engine is not re-run
    changed = tmp_path / "clauses.csv"
    text = clauses.REGISTER.read_text(encoding="utf-8")
    for old in ("You must treat information about service users as confidential.",
                "Treat information about service users as confidential (standard 5, Respect confidentiality)."):
        assert old in text
        text = text.replace(old, "Reworded for the test.")
    changed.write_text(text, encoding="utf-8")
    monkeypatch.setattr(clauses, "REGISTER", changed)
    clauses.register.cache_clear()
    try:
        again = build()
        assert again.memo_reused["int_rule_hits"] > 0
        cited = published_query("SELECT count(*) FROM flags WHERE clause LIKE '%Reworded for the test.%'")[0][0]
        assert cited > 0
        # the packs change (one rule's severity): a new memo version, every post evaluated again
        rule = packs.RULES[0]
        monkeypatch.setattr(packs, "RULES", (dataclasses.replace(rule, severity="medium"),) + packs.RULES[1:])
        assert build().memo_reused["int_rule_hits"] == 0
    finally:
        clauses.register.cache_clear()
