"""Trusts' local policies: YAML/CSV loads, versions with effective dates, history, errors that
name file, line and field, and the policy in force on a date. Real files, real DuckDB."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from ingest import demo, jobs
from ingest.policies import PolicyError
from tests.support import ROOT, raw_query

pytestmark = pytest.mark.slow  # ingest and build: a data folder and a build per test

YAML_TWO_TRUSTS = """\
# two trusts, one with a policy change
- trust_code: RJZ
  policy_version: "1"
  effective_from: 2023-01-01
  effective_to: 2025-04-01
  personal_use_in_working_hours: not_permitted
  patient_engagement: discouraged
  disclaimer_required: true
  approved_accounts_only: true
  response_target_hours: 48
  staffed_hours: "Mon-Fri 09:00-17:00"
  document_url: https://example.org/rjz-v1.pdf
- trust_code: rjz
  policy_version: "2"
  effective_from: 2025-04-01
  personal_use_in_working_hours: permitted
  patient_engagement: permitted
  disclaimer_required: yes
  approved_accounts_only: false
  response_target_hours: 24
  staffed_hours: "24/7"
  rule_overrides:
    - {rule_id: scor-service-user-images, action: severity, severity: high}
    - {rule_id: personal-use-in-working-hours, action: disable}
- trust_code: RR8
  policy_version: 2024a
  effective_from: 2024-01-01
  personal_use_in_working_hours: permitted
  patient_engagement: encouraged
  disclaimer_required: false
  approved_accounts_only: false
  staffed_hours: "Mon-Sat 08:00-20:00"
"""

CSV_HEADER = ("trust_code,policy_version,effective_from,effective_to,personal_use_in_working_hours,"
              "patient_engagement,disclaimer_required,approved_accounts_only,response_target_hours,"
              "staffed_hours,rule_overrides,document_url\n")


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


def csv_file(path: Path, *rows: str) -> Path:
    path.write_text(CSV_HEADER + "".join(r + "\n" for r in rows))
    return path


def current(sql_where: str = "TRUE", params=None):
    return raw_query(
        "SELECT trust_code, policy_version, effective_from, effective_to, load_version"
        f" FROM trust_policies_current WHERE {sql_where} ORDER BY trust_code, effective_from", params
    )


POLICY_FIELDS = ["trust_code", "policy_version", "effective_from", "effective_to",
                 "personal_use_in_working_hours", "patient_engagement", "disclaimer_required",
                 "approved_accounts_only", "response_target_hours", "staffed_hours", "rule_overrides",
                 "document_url", "load_version"]


def in_force(trust_code: str, when) -> dict | None:
    """The current register's policy version of ``trust_code`` in force on ``when`` (a date or
    datetime; a datetime counts by its date as given), or None, read from the raw store: what
    the build's calendars and flags join on. ``rule_overrides`` is a list."""
    day = when.date() if isinstance(when, datetime) else when
    rows = raw_query(
        f"SELECT {', '.join(POLICY_FIELDS)} FROM trust_policies_current"
        " WHERE trust_code = upper($trust) AND effective_from <= $day"
        " AND (effective_to IS NULL OR $day < effective_to)"
        " ORDER BY effective_from DESC LIMIT 1",
        {"trust": trust_code, "day": day})
    if not rows:
        return None
    policy = dict(zip(POLICY_FIELDS, rows[0]))
    policy["rule_overrides"] = json.loads(policy["rule_overrides"])
    return policy


def test_yaml_load_stores_versions(data_dir, tmp_path):
    version, n, trusts = jobs.load_policies(write(tmp_path / "p.yaml", YAML_TWO_TRUSTS))
    assert (version, n, trusts) == (1, 3, 2)
    assert current() == [
        ("RJZ", "1", date(2023, 1, 1), date(2025, 4, 1), 1),
        ("RJZ", "2", date(2025, 4, 1), None, 1),
        ("RR8", "2024a", date(2024, 1, 1), None, 1),
    ]
    rows = raw_query(
        "SELECT personal_use_in_working_hours, patient_engagement, disclaimer_required,"
        " approved_accounts_only, response_target_hours, staffed_hours, rule_overrides::JSON->>'$[0].severity',"
        " document_url, origin_line FROM trust_policies ORDER BY origin_line"
    )
    assert rows[0] == ("not_permitted", "discouraged", True, True, 48.0, "Mon-Fri 09:00-17:00", None,
                       "https://example.org/rjz-v1.pdf", 2)
    assert rows[1][:7] == ("permitted", "permitted", True, False, 24.0, "24/7", "high")
    assert rows[2][4:6] == (None, "Mon-Sat 08:00-20:00")
    assert raw_query("SELECT n_trusts, n_policies, trust_codes FROM trust_policy_loads") == [
        (2, 3, ["RJZ", "RR8"])
    ]
    assert raw_query("SELECT command, status FROM ingest_runs") == [("policies", "ok")]


def test_csv_load(data_dir, tmp_path):
    path = csv_file(
        tmp_path / "p.csv",
        "RJZ,1,2023-01-01,2025-04-01,permitted,encouraged,false,false,4,24/7,"
        "scor-disrepute:severity:medium;hcpc-confidentiality:enable,",
        "RJZ,2,2025-04-01,,not_permitted,discouraged,true,true,72,Mon-Fri 09:00-17:00,,https://example.org/p",
    )
    assert jobs.load_policies(path) == (1, 2, 1)
    policy = in_force("RJZ", date(2024, 6, 1))
    assert policy["response_target_hours"] == 4.0 and policy["staffed_hours"] == "24/7"
    assert policy["rule_overrides"] == [
        {"rule_id": "scor-disrepute", "action": "severity", "severity": "medium"},
        {"rule_id": "hcpc-confidentiality", "action": "enable", "severity": None},
    ]
    later = in_force("RJZ", date(2025, 4, 1))
    assert later["policy_version"] == "2" and later["rule_overrides"] == []
    assert later["document_url"] == "https://example.org/p" and later["approved_accounts_only"] is True


def test_policy_in_force_picks_the_version_by_date(data_dir, tmp_path):
    jobs.load_policies(write(tmp_path / "p.yaml", YAML_TWO_TRUSTS))
    assert in_force("RJZ", date(2022, 12, 31)) is None
    assert in_force("RJZ", date(2023, 1, 1))["policy_version"] == "1"
    assert in_force("RJZ", date(2025, 3, 31))["policy_version"] == "1"
    assert in_force("RJZ", date(2025, 4, 1))["policy_version"] == "2"  # effective_to is exclusive
    assert in_force("rjz", datetime(2030, 1, 1, 9, tzinfo=timezone.utc))["policy_version"] == "2"
    assert in_force("RR8", date(2025, 1, 1))["patient_engagement"] == "encouraged"
    assert in_force("RTH", date(2025, 1, 1)) is None


def test_a_load_replaces_the_register_of_its_trusts_and_keeps_history(data_dir, tmp_path):
    jobs.load_policies(write(tmp_path / "p.yaml", YAML_TWO_TRUSTS))
    second = write(tmp_path / "q.yaml", """\
        - trust_code: RJZ
          policy_version: "3"
          effective_from: 2024-01-01
          personal_use_in_working_hours: permitted
          patient_engagement: encouraged
          disclaimer_required: false
          approved_accounts_only: false
        """)
    assert jobs.load_policies(second) == (2, 1, 1)
    assert current() == [
        ("RJZ", "3", date(2024, 1, 1), None, 2),
        ("RR8", "2024a", date(2024, 1, 1), None, 1),  # not named by load 2: unchanged
    ]
    assert in_force("RJZ", date(2023, 6, 1)) is None  # the register now starts in 2024
    assert in_force("RJZ", date(2025, 6, 1))["policy_version"] == "3"
    history = raw_query("SELECT load_version, count(*) FROM trust_policies GROUP BY ALL ORDER BY 1")
    assert history == [(1, 3), (2, 1)]
    assert raw_query("SELECT load_version, trust_codes FROM trust_policy_loads ORDER BY 1") == [
        (1, ["RJZ", "RR8"]), (2, ["RJZ"])
    ]


def test_overlapping_versions_are_refused(data_dir, tmp_path):
    path = write(tmp_path / "p.yaml", YAML_TWO_TRUSTS.replace("effective_to: 2025-04-01", "effective_to: 2025-04-02"))
    with pytest.raises(PolicyError) as err:
        jobs.load_policies(path)
    message = str(err.value)
    assert message.startswith(f"{path}:13: entry 2: field 'effective_from':"), message
    assert "RJZ" in message and "overlaps version '1'" in message and "line 2" in message
    assert raw_query("SELECT count(*) FROM trust_policies") == [(0,)]


def test_open_ended_version_before_another_overlaps(data_dir, tmp_path):
    path = csv_file(
        tmp_path / "p.csv",
        "RJZ,2,2025-04-01,,permitted,permitted,true,false,,,,",
        "RJZ,1,2023-01-01,,permitted,permitted,true,false,,,,",
    )
    with pytest.raises(PolicyError, match=r"p\.csv:3: field 'effective_from': trust RJZ version '1' .*line 2"):
        jobs.load_policies(path)


@pytest.mark.parametrize("row, line, field, words", [
    ("RJZ,1,2023-01-01,,sometimes,permitted,true,false,,,,", 2, "personal_use_in_working_hours", "'sometimes'"),
    ("RJZ,1,2023-01-01,,permitted,welcomed,true,false,,,,", 2, "patient_engagement", "encouraged, permitted"),
    ("RJZ,1,2023-02-30,,permitted,permitted,true,false,,,,", 2, "effective_from", "not a date"),
    ("RJZ,1,2023-02-01,2023-01-01,permitted,permitted,true,false,,,,", 2, "effective_to", "not after"),
    ("RJZ,1,2023-01-01,,permitted,permitted,perhaps,false,,,,", 2, "disclaimer_required", "true or false"),
    ("RJZ,1,2023-01-01,,permitted,permitted,true,false,-3,,,", 2, "response_target_hours", "positive"),
    ("RJZ,1,2023-01-01,,permitted,permitted,true,false,,Mon-Fri 18:00-08:00,,", 2, "staffed_hours", "bad schedule"),
    ("RJZ,1,2023-01-01,,permitted,permitted,true,false,,Someday 9-5,,", 2, "staffed_hours", "bad schedule"),
    ("RJZ,1,2023-01-01,,permitted,permitted,true,false,,,r1:mute,", 2, "rule_overrides", "action 'mute'"),
    ("RJZ,1,2023-01-01,,permitted,permitted,true,false,,,r1:severity:loud,", 2, "rule_overrides", "severity 'loud'"),
    ("RJZ,,2023-01-01,,permitted,permitted,true,false,,,,", 2, "policy_version", "missing"),
    ("XXX9,1,2023-01-01,,permitted,permitted,true,false,,,,", 2, "trust_code", "unknown trust code 'XXX9'"),
])
def test_csv_errors_name_file_line_and_field(data_dir, tmp_path, row, line, field, words):
    good = "RR8,1,2023-01-01,,permitted,permitted,true,false,,,,"
    path = csv_file(tmp_path / "p.csv", row, good) if line == 2 else csv_file(tmp_path / "p.csv", good, row)
    with pytest.raises(PolicyError) as err:
        jobs.load_policies(path)
    message = str(err.value)
    assert message.startswith(f"{path}:{line}: field '{field}':"), message
    assert words in message, message
    assert raw_query("SELECT count(*) FROM trust_policies") == [(0,)]
    assert raw_query("SELECT status FROM ingest_runs") == [("failed",)]


@pytest.mark.parametrize("old, new, field", [
    ("patient_engagement: encouraged", "patient_engagement: mandatory", "patient_engagement"),
    ("effective_from: 2024-01-01", "effective_from: January 2024", "effective_from"),
    ('staffed_hours: "Mon-Sat 08:00-20:00"', 'staffed_hours: "Mon-Sat 08:00-25:00"', "staffed_hours"),
    ("trust_code: RR8", "trust_code: NOPE1", "trust_code"),
    ("disclaimer_required: false\n  approved", "disclaimer_required: maybe\n  approved", "disclaimer_required"),
])
def test_yaml_errors_name_file_entry_line_and_field(data_dir, tmp_path, old, new, field):
    text = YAML_TWO_TRUSTS
    start = text.index("- trust_code: RR8")
    text = text[:start] + text[start:].replace(old, new, 1)
    path = write(tmp_path / "p.yaml", text)
    line = text[: text.index(new)].count("\n") + 1
    with pytest.raises(PolicyError) as err:
        jobs.load_policies(path)
    assert str(err.value).startswith(f"{path}:{line}: entry 3: field '{field}':"), str(err.value)
    assert raw_query("SELECT count(*) FROM trust_policies") == [(0,)]


def test_unknown_trust_stores_nothing_and_cli_exits_2(data_dir, tmp_path):
    path = write(tmp_path / "p.yaml", YAML_TWO_TRUSTS + """\
- trust_code: ZZZ99
  policy_version: "1"
  effective_from: 2024-01-01
  personal_use_in_working_hours: permitted
  patient_engagement: encouraged
  disclaimer_required: false
  approved_accounts_only: false
""")
    result = subprocess.run([sys.executable, "-m", "ingest", "policies", str(path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert f"{path}:33: entry 4: field 'trust_code': unknown trust code 'ZZZ99'" in result.stderr
    assert "Traceback" not in result.stderr
    assert raw_query("SELECT count(*) FROM trust_policies") == [(0,)]
    assert raw_query("SELECT count(*) FROM trust_policy_loads") == [(0,)]


def test_file_level_errors(data_dir, tmp_path):
    with pytest.raises(PolicyError, match="no such file"):
        jobs.load_policies(tmp_path / "absent.yaml")
    with pytest.raises(PolicyError, match=r"\.yaml, \.yml or \.csv"):
        jobs.load_policies(write(tmp_path / "p.txt", "x"))
    with pytest.raises(PolicyError, match="no policies"):
        jobs.load_policies(write(tmp_path / "empty.yaml", "# nothing\n"))
    with pytest.raises(PolicyError, match=r"bad\.yaml:2: not valid YAML"):
        jobs.load_policies(write(tmp_path / "bad.yaml", "- trust_code: RJZ\n  : : [\n"))
    with pytest.raises(PolicyError, match=r"u\.yaml:2: entry 1: field 'colour': unknown field"):
        jobs.load_policies(write(tmp_path / "u.yaml", "- trust_code: RJZ\n  colour: blue\n"))
    with pytest.raises(PolicyError, match=r"h\.csv:1: header lacks column\(s\) patient_engagement"):
        jobs.load_policies(write(tmp_path / "h.csv", "trust_code,policy_version,effective_from,"
                                 "personal_use_in_working_hours,disclaimer_required,approved_accounts_only\n"))
    dup = YAML_TWO_TRUSTS.replace('policy_version: "2"', 'policy_version: "1"')
    with pytest.raises(PolicyError, match=r"d\.yaml:13: entry 2: field 'policy_version': .*line 2"):
        jobs.load_policies(write(tmp_path / "d.yaml", dup))
    assert raw_query("SELECT count(*) FROM trust_policies") == [(0,)]


def test_demo_register_loads_and_covers_every_demo_trust(data_dir):
    """The demo writes its trusts' register to the data folder and loads it; the file loads
    again with the ordinary command."""
    result = subprocess.run([sys.executable, "-m", "ingest", "demo", "--posts", "500", "--seed", "7",
                             "--no-build"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    trusts = set(demo.pick_trusts()["ods_code"])
    assert {r[0] for r in current()} == trusts
    path = data_dir / "demo_policies.yaml"
    result = subprocess.run([sys.executable, "-m", "ingest", "policies", str(path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert {r[0] for r in current()} == trusts
    versions = raw_query("SELECT trust_code, count(*) FROM trust_policies_current GROUP BY ALL HAVING count(*) > 1")
    assert len(versions) >= 3
    varied = raw_query(
        "SELECT count(DISTINCT patient_engagement), count(DISTINCT personal_use_in_working_hours),"
        " count(DISTINCT response_target_hours), count(DISTINCT staffed_hours),"
        " bool_or(staffed_hours = '24/7'), bool_or(staffed_hours LIKE 'Mon-Sat%')"
        " FROM trust_policies_current"
    )
    assert varied == [(3, 2, varied[0][2], varied[0][3], True, True)] and varied[0][2] >= 3 and varied[0][3] >= 3
    # every demo trust has a policy in force across the demo history (two years to today)
    for code in sorted(trusts):
        for day in (date.today() - timedelta(days=700), date.today() - timedelta(days=300), date.today()):
            assert in_force(code, day) is not None, (code, day)