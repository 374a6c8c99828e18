"""The flags mart: guideline rules hit staff posts, judged under the trust's local policy in
force on the post's day; national rules alone where no policy applies."""
from __future__ import annotations

import csv
from datetime import datetime, timezone

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
    assert nhs[2:] == ("confidentiality", "high", "401 023 2137", "HCPC-TIP-1", "RR8", None)
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


def test_demo_policies_override_only_real_rules_and_load_with_the_demo(data_dir):
    rules = {r.rule_id for r in packs.RULES}
    policies = yaml.safe_load(jobs.DEMO_POLICIES.read_text())
    named = {o["rule_id"] for p in policies for o in (p.get("rule_overrides") or [])}
    assert named and named <= rules
    jobs.run_demo(n_posts=2_000, seed=7, end=datetime(2025, 6, 30, tzinfo=timezone.utc))
    assert raw_query("SELECT count(*) FROM trust_policy_loads") == [(1,)]


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
    assert clause == [("HCPC-TIP-4",)]


def test_a_disable_override_switches_a_local_rule_off(data_dir, tmp_path):
    policy = LOCAL_POLICY.replace("    - {rule_id: POLICY-ENGAGEMENT, action: severity, severity: medium}",
                                  "    - {rule_id: POLICY-DISCLAIMER, action: disable}")
    _load(tmp_path, [post("j", author_id="jo", author_bio="Radiographer", text="Hi",
                          created_at="2025-05-01T10:00:00+00:00")], policy)
    assert published_query("SELECT count(*) FROM flags WHERE family = 'local_policy'") == [(0,)]


def test_local_rules_quote_their_clause_verbatim():
    with realdata("guidelines/guideline_clauses.csv").open(encoding="utf-8") as f:
        reference = {row["clause_id"]: row for row in csv.DictReader(f)}
    for rule in local.LOCAL_RULES:
        assert rule.clause.excerpt == reference[rule.clause.clause_id]["short_excerpt_verbatim"]
        assert rule.clause.url == reference[rule.clause.clause_id]["url"]


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
