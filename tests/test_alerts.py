"""python -m alerts against the seeded demo warehouse (a copy per test), a real local SMTP
server (aiosmtpd) and a real local HTTP webhook receiver: every due event arrives once, across
repeated runs and failures; scope, text and small numbers are respected; failures are retried
and audited. The kill-mid-send cases are in tests/test_alerts_crash.py."""
from __future__ import annotations

import shutil
from datetime import datetime, timezone

import duckdb
import pytest

from alerts import channels, digest, messages
from alerts import run as engine
from store import access, config, db, sent_events
from store.runs import fail_run, start_run
from store.transaction import transaction
from tests.alert_servers import SilentServer, SmtpServer, WebhookReceiver, free_port
from tests.conftest import TEST_KEY
from ui import scorecard, tables
from warehouse.build import build

BASE = "https://radsome.example.nhs.uk"
MAX_AGE = 400  # days: the whole one-year demo, so that every overdue question is due
USERS = [
    {"email": "manager@nhs.net", "role": "trust_manager", "trust_code": None, "region_code": None, "name": "M"},
    {"email": "lead@nhs.net", "role": "regional_lead", "trust_code": None, "region_code": None, "name": "L"},
    {"email": "admin@nhs.net", "role": "admin", "trust_code": None, "region_code": None, "name": "A"},
]


@pytest.fixture
def world(demo_data, tmp_path, monkeypatch):
    """A copy of the demo warehouse; the busiest trust (overdue questions) and its region;
    a users register; the dashboard URL set."""
    folder = tmp_path / "data"
    shutil.copytree(demo_data, folder)
    monkeypatch.setenv(config.DATA_ENV, str(folder))
    monkeypatch.setenv(config.PSEUDONYM_KEY_ENV, TEST_KEY)
    monkeypatch.setenv(messages.DASHBOARD_URL_ENV, BASE)
    monkeypatch.setenv(channels.TIMEOUT_ENV, "1")
    trust, region = query(folder, f"""
        SELECT trust_code, region_code FROM patient_questions
        WHERE {OVERDUE} GROUP BY ALL ORDER BY count(*) DESC, trust_code LIMIT 1""")[0]
    users = [dict(u) for u in USERS]
    users[0]["trust_code"], users[1]["region_code"] = trust, region
    access.store_users(users, "tests")
    return {"folder": folder, "trust": trust, "region": region}


OVERDUE = (f"NOT is_answered AND response_target_hours IS NOT NULL AND trust_code IS NOT NULL"
           f" AND duration_seconds > response_target_hours * 3600 AND asked_at >= censored_at - INTERVAL {MAX_AGE} DAY")


def query(folder, sql, params=None):
    con = duckdb.connect(str(folder / config.WAREHOUSE_FILE), read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def smtp_env(monkeypatch, port: int) -> None:
    monkeypatch.setenv(channels.HOST_ENV, "127.0.0.1")
    monkeypatch.setenv(channels.PORT_ENV, str(port))
    monkeypatch.setenv(channels.STARTTLS_ENV, "false")
    monkeypatch.setenv(channels.FROM_ENV, "radsome@example.nhs.uk")


def write(folder, text: str):
    path = folder / "alerts.yaml"
    path.write_text(text)
    return path


def eid(subscription: str, key: str) -> str:
    """The X-RadSoMe-Event header of an event's e-mail."""
    return channels.event_id(subscription, key)[:40]


def run(path, **options):
    lines, waits = [], []
    summary = engine.run(path, say=lines.append, sleep=waits.append, **options)
    return summary, lines, waits


def expected_questions(world, unit: str = "trust") -> set[str]:
    column = "trust_code" if unit == "trust" else "region_code"
    return {f"question:{p}:{i}" for p, i in query(
        world["folder"], f"SELECT platform, post_id FROM patient_questions WHERE {OVERDUE} AND {column} = $c",
        {"c": world[unit]})}


def manager_yaml(world, **extra) -> str:
    lines = [f"      {k}: {v}" for k, v in extra.items()]
    return "\n".join(["subscriptions:", "  - name: manager-email", "    user: manager@nhs.net", "    channel: email",
                      f"    scope: {{trust: {world['trust']}}}", *[line[2:] for line in lines],
                      "    events:", f"      overdue_question: {{max_age_days: {MAX_AGE}}}", ""])


# --- every due event once ------------------------------------------------------------------------

@pytest.mark.slow
def test_overdue_questions_reach_smtp_and_webhooks_exactly_once_across_runs(world, monkeypatch):
    expected = expected_questions(world)
    region_expected = expected_questions(world, "region")
    assert len(expected) >= 3 and region_expected > expected
    with SmtpServer() as smtp, WebhookReceiver() as teams, WebhookReceiver() as slack:
        smtp_env(monkeypatch, smtp.port)
        monkeypatch.setenv("LEAD_TEAMS", teams.url())
        monkeypatch.setenv("ADMIN_SLACK", slack.url("/services/T0/B0/x"))
        path = write(world["folder"], manager_yaml(world) + f"""
  - name: lead-teams
    user: lead@nhs.net
    channel: {{webhook: teams, url_secret: LEAD_TEAMS}}
    scope: {{region: {world['region']}}}
    max_per_run: 500
    events:
      overdue_question: {{max_age_days: {MAX_AGE}}}
  - name: admin-slack
    user: admin@nhs.net
    channel: {{webhook: slack, url_secret: ADMIN_SLACK}}
    scope: {{trust: {world['trust']}}}
    events:
      overdue_question: {{max_age_days: {MAX_AGE}}}
""")
        first, _, _ = run(path)
        assert first.ok and first.sent == 2 * len(expected) + len(region_expected)
        for _ in range(2):
            again, _, _ = run(path)
            assert again.sent == 0 and again.already == first.sent and again.ok
        assert sorted(m["X-RadSoMe-Event"] for m in smtp.messages) == sorted(eid("manager-email", k) for k in expected)
        assert {m["X-Envelope-To"] for m in smtp.messages} == {"manager@nhs.net"}
        assert len(set(smtp.ids())) == len(smtp.messages) == len(expected)
        assert sorted(teams.keys()) == sorted(channels.event_id("lead-teams", k) for k in region_expected)
        assert sorted(slack.keys()) == sorted(channels.event_id("admin-slack", k) for k in expected)
        assert {r["path"] for r in slack.requests} == {"/services/T0/B0/x"}
    ledger = sent_events.all_entries()
    assert len(ledger) == first.sent and {e.status for e in ledger} == {"sent"}
    audited = access.audit_log().query("action == 'alert'")
    assert len(audited) == first.sent and audited["detail"].str.startswith("sent question:").all()
    assert set(audited["user"]) == {"manager@nhs.net", "lead@nhs.net", "admin@nhs.net"}


@pytest.mark.slow
def test_a_trust_manager_gets_only_their_trust_and_text_only_when_asked(world, monkeypatch):
    texts = dict(query(world["folder"], f"""
        SELECT 'question:' || q.platform || ':' || q.post_id, p.text FROM patient_questions q
        JOIN posts p ON p.platform = q.platform AND p.post_id = q.post_id WHERE {OVERDUE.replace('trust_code', 'q.trust_code')}
          AND q.trust_code = $t""", {"t": world["trust"]}))
    with SmtpServer() as smtp:
        smtp_env(monkeypatch, smtp.port)
        run(write(world["folder"], manager_yaml(world)))  # include_text: false (the default)
        assert len(smtp.messages) == len(texts)
        for m in smtp.messages:
            body = m.get_body(("plain",)).get_content()
            assert world["trust"] in body or "Trust:" in body
            assert all(t[:40] not in body for t in texts.values()), "patient text without include_text"
        # asking for text: the role may read it, so it comes, redacted
        sent_events.ledger_path().unlink()
        smtp.messages.clear()
        run(write(world["folder"], manager_yaml(world, include_text="true")))
        bodies = {m["X-RadSoMe-Event"]: m.get_body(("plain",)).get_content() for m in smtp.messages}
        for key, text in texts.items():
            shown = labels_redact(text)
            assert shown[:60] in bodies[eid("manager-email", key)]


def labels_redact(text: str) -> str:
    from ui.redact import redact
    return redact(text)


def test_subscriptions_the_register_does_not_allow_are_refused_by_file_line_and_field(world, monkeypatch):
    other = query(world["folder"], "SELECT trust_code FROM trusts WHERE trust_code <> $t ORDER BY 1 LIMIT 1",
                  {"t": world["trust"]})[0][0]
    with SmtpServer() as smtp:
        smtp_env(monkeypatch, smtp.port)
        path = write(world["folder"], manager_yaml(world) + f"""
  - name: stranger
    user: stranger@nhs.net
    channel: email
    scope: {{trust: {world['trust']}}}
  - name: other-trust
    user: manager@nhs.net
    channel: email
    scope: {{trust: {other}}}
  - name: manager-region
    user: manager@nhs.net
    channel: email
    scope: {{region: {world['region']}}}
  - name: manager-england
    user: manager@nhs.net
    channel: email
    scope: {{england: true}}
  - name: no-secret
    user: lead@nhs.net
    channel: {{webhook: teams, url_secret: NOT_SET_ANYWHERE}}
    scope: {{region: {world['region']}}}
""")
        summary, lines, _ = run(path)
    refused = "\n".join(summary.refused)
    assert f"{path}:10: subscription 'stranger': field 'user': stranger@nhs.net is not in the users register" in refused
    assert f"{path}:16: subscription 'other-trust': field 'scope':" in refused and "may not follow trust" in refused
    assert "subscription 'manager-region': field 'scope'" in refused
    assert "subscription 'manager-england': field 'scope'" in refused
    assert "subscription 'no-secret': field 'channel': NOT_SET_ANYWHERE is not set" in refused
    assert len(summary.refused) == 5 and not summary.ok
    assert summary.sent == len(expected_questions(world)) and len(smtp.messages) == summary.sent  # the rest still ran


# --- failures, retries, audit ------------------------------------------------------------------

@pytest.mark.slow
def test_a_refusing_server_fails_each_event_without_retrying_then_a_later_run_delivers_once(world, monkeypatch):
    expected = expected_questions(world)
    with SmtpServer() as smtp:
        smtp_env(monkeypatch, smtp.port)
        path = write(world["folder"], manager_yaml(world))
        smtp.mode = "refuse"
        summary, lines, waits = run(path)
        assert summary.sent == 0 and len(summary.failed) == len(expected) and waits == []  # refused: no retry
        assert all("554" in f for f in summary.failed)
        assert {e.status for e in sent_events.all_entries()} == {"failed"}
        audit = access.audit_log().query("action == 'alert'")["detail"]
        assert audit.str.startswith("failed question:").sum() == len(expected) and audit.str.contains("554").all()
        smtp.mode = "accept"
        summary, _, _ = run(path)
        assert summary.ok and summary.sent == len(expected)
        run(path)
        assert sorted(m["X-RadSoMe-Event"] for m in smtp.messages) == sorted(eid("manager-email", k) for k in expected)
    attempts = {e.attempts for e in sent_events.all_entries()}
    assert attempts == {2}


@pytest.mark.slow  # real time-outs (1 s each, 3 tries per event)
def test_a_server_that_never_answers_times_out_with_back_off_then_the_next_run_delivers(world, monkeypatch):
    expected = expected_questions(world)
    with SilentServer() as silent:
        smtp_env(monkeypatch, silent.port)
        path = write(world["folder"], manager_yaml(world, max_per_run=2))
        summary, lines, waits = run(path)
    assert summary.sent == 0 and len(summary.failed) == 2
    assert all("timed out" in f and "after 3 tries" in f for f in summary.failed)
    assert waits == [2.0, 4.0] * 2  # back-off between the 3 tries of each event
    assert summary.deferred == len(expected) - 2
    with SmtpServer() as smtp:
        smtp_env(monkeypatch, smtp.port)
        for _ in range((len(expected) + 1) // 2 + 1):
            run(path)
        assert len(smtp.messages) == len(set(smtp.ids())) == len(expected)


def test_a_transient_failure_is_retried_within_the_run(world, monkeypatch):
    with SmtpServer() as smtp:
        smtp_env(monkeypatch, smtp.port)
        smtp.mode, smtp.tempfail_times = "tempfail", 1
        summary, lines, waits = run(write(world["folder"], manager_yaml(world, max_per_run=1)))
        assert summary.ok and summary.sent == 1 and waits == [2.0] and len(smtp.messages) == 1
        assert any("451" in line for line in lines)
    (entry,) = sent_events.all_entries()
    assert entry.status == "sent" and entry.attempts == 1  # one claim, two tries inside it
    assert "2 tries" in access.audit_log().query("action == 'alert'")["detail"].iloc[0]


def test_no_server_at_all_is_a_transient_failure(world, monkeypatch):
    smtp_env(monkeypatch, free_port())  # nothing listens there: connection refused
    summary, _, waits = run(write(world["folder"], manager_yaml(world, max_per_run=1)))
    assert len(summary.failed) == 1 and "Connection refused" in summary.failed[0] and waits == [2.0, 4.0]


@pytest.mark.parametrize("statuses, retried, delivered", [
    ([500], [2.0], True), ([429, 503], [2.0, 4.0], True), ([500, 500, 500], [2.0, 4.0], False),
    ([400], [], False), ([404], [], False),
])
def test_webhook_errors(world, monkeypatch, statuses, retried, delivered):
    with WebhookReceiver() as hook:
        monkeypatch.setenv("LEAD_TEAMS", hook.url())
        hook.statuses = list(statuses)
        summary, _, waits = run(write(world["folder"], f"""subscriptions:
  - name: lead-teams
    user: lead@nhs.net
    channel: {{webhook: teams, url_secret: LEAD_TEAMS}}
    scope: {{region: {world['region']}}}
    max_per_run: 1
    events:
      overdue_question: {{max_age_days: {MAX_AGE}}}
"""))
        assert waits == retried
        assert (summary.sent, len(hook.requests)) == ((1, 1) if delivered else (0, 0))


@pytest.mark.slow  # a real time-out
def test_a_webhook_that_times_out(world, monkeypatch):
    with WebhookReceiver() as hook:
        hook.delay = 3  # longer than RADSOME_ALERTS_TIMEOUT (1 s)
        monkeypatch.setenv("LEAD_TEAMS", hook.url())
        summary, _, waits = run(write(world["folder"], f"""subscriptions:
  - name: lead-teams
    user: lead@nhs.net
    channel: {{webhook: teams, url_secret: LEAD_TEAMS}}
    scope: {{region: {world['region']}}}
    max_per_run: 1
    events:
      overdue_question: {{max_age_days: {MAX_AGE}}}
"""))
    assert summary.sent == 0 and "timed out" in summary.failed[0] and waits == [2.0, 4.0]


# --- in doubt, expired, dry run -----------------------------------------------------------------

def test_an_in_doubt_event_is_sent_again_with_the_same_id_and_a_stale_one_expires(world, monkeypatch):
    expected = sorted(expected_questions(world))
    with SmtpServer() as smtp:
        smtp_env(monkeypatch, smtp.port)
        path = write(world["folder"], manager_yaml(world))
        # as a run killed between claim and send leaves them: one due event, one no longer due
        sent_events.claim("manager-email", expected[0], "overdue_question", "email", "id")
        sent_events.claim("manager-email", "question:x:no-longer-due", "overdue_question", "email", "id")
        summary, lines, _ = run(path)
        assert summary.in_doubt == 2 and summary.expired == 1 and summary.sent == len(expected)
        assert any("in doubt: manager-email: question:x:no-longer-due" in line for line in lines)
        assert len(smtp.messages) == len(set(smtp.ids())) == len(expected)
    states = {e.event_key: e.status for e in sent_events.all_entries()}
    assert states.pop("question:x:no-longer-due") == "expired" and set(states.values()) == {"sent"}


def test_dry_run_sends_and_records_nothing(world, monkeypatch):
    with SmtpServer() as smtp:
        smtp_env(monkeypatch, smtp.port)
        summary, lines, _ = run(write(world["folder"], manager_yaml(world)), dry_run=True)
        assert summary.sent == len(expected_questions(world)) and smtp.messages == []
    assert sent_events.all_entries() == [] and access.audit_log().query("action == 'alert'").empty
    assert all(line.startswith("  would send manager-email (email): question:") for line in lines)


# --- the other events ------------------------------------------------------------------------

@pytest.mark.slow
def test_high_flags_spc_concerns_and_failing_connectors(world, monkeypatch, tmp_path):
    folder = world["folder"]
    flags = {f"flag:{p}:{i}:{r}" for p, i, r in query(folder, f"""
        SELECT platform, post_id, rule_id FROM flag_reviews WHERE severity = 'high'
          AND created_at >= (SELECT max(created_at) FROM posts) - INTERVAL {MAX_AGE} DAY""")}
    assert flags
    # a connector of the trust failing 3 runs in a row
    (folder / "sources.yaml").write_text(f"x:\n  - name: trust-feed\n    query: x\n    trust: {world['trust']}\n")
    failing(folder, 3)
    # (after the build that failing() runs) an SPC concern on the trust's latest monthly point, and one hidden by small numbers
    con = duckdb.connect(str(folder / config.WAREHOUSE_FILE))
    con.execute("""UPDATE spc_points SET special_cause = 'concern', rule = 'run', suppressed = measure = 'flags'
                   WHERE unit_type = 'trust' AND unit_code = $t AND grain = 'month' AND measure IN ('answered', 'flags')
                     AND period_start = (SELECT max(period_start) FROM spc_points WHERE grain = 'month')""",
                {"t": world["trust"]})
    con.close()
    with SmtpServer() as smtp:
        smtp_env(monkeypatch, smtp.port)
        path = write(folder, f"""subscriptions:
  - name: admin
    user: admin@nhs.net
    channel: email
    scope: {{england: true}}
    max_per_run: 1000
    events:
      high_flag: {{max_age_days: {MAX_AGE}}}
      connector_failing: {{runs: 3}}
  - name: manager
    user: manager@nhs.net
    channel: email
    scope: {{trust: {world['trust']}}}
    events:
      spc_concern: {{grain: month}}
  - name: manager-connectors
    user: manager@nhs.net
    channel: email
    scope: {{trust: {world['trust']}}}
    events:
      connector_failing: {{runs: 3}}
""")
        summary, _, _ = run(path)
        assert summary.failed == [] and len(summary.refused) == 1, summary.refused
        # the run records are an admin's (issue #18): a trust manager may not follow connectors
        assert "subscription 'manager-connectors': field 'events': connector_failing: manager@nhs.net" in summary.refused[0]
        got = {m["Subject"]: m for m in smtp.messages}
        keys = {(m["X-Envelope-To"], m["X-RadSoMe-Event"]) for m in smtp.messages}
        assert {k for k in keys if k[0] == "admin@nhs.net"} == (
            {("admin@nhs.net", eid("admin", k)) for k in flags}
            | {("admin@nhs.net", eid("admin", k)) for k in connector_keys(folder)})
        spc = [m for s, m in got.items() if s.startswith("SPC: ")]
        assert len(spc) == 1 and "Questions answered" in spc[0]["Subject"]  # the suppressed one is not sent
        assert f"{BASE}/SPC_trends?unit=trust%3A{world['trust']}" in spc[0].get_body(("plain",)).get_content()
        connector = [m for s, m in got.items() if s.startswith("Connector failing")]
        assert len(connector) == 1 and "3 runs in a row" in connector[0]["Subject"]
        assert connector[0]["X-Envelope-To"] == "admin@nhs.net"
        # the streak goes on: no new alert; it ends and starts again: a new one
        failing(folder, 1)
        assert run(path)[0].sent == 0
        failing(folder, 3, ok_first=True)
        summary, _, _ = run(path)
        assert summary.sent == 1  # the new streak


def failing(folder, n: int, ok_first: bool = False) -> None:
    """Record connector runs of x:trust-feed in the raw store (failed, after one ok run when
    ``ok_first``), then rebuild the warehouse."""
    with db.writer_lock():
        con = db.connect_raw()
        try:
            if ok_first:
                run_id = start_run(con, "x", "x:trust-feed", "api")
                with transaction(con):
                    con.execute("UPDATE ingest_runs SET status = 'ok', finished_at = now() WHERE run_id = $r",
                                {"r": run_id})
            for _ in range(n):
                run_id = start_run(con, "x", "x:trust-feed", "api")
                with transaction(con):
                    fail_run(con, run_id, "GaveUp: HTTP 503 (after 4 tries)")
        finally:
            con.close()
    build()


def connector_keys(folder) -> set[str]:
    """The first streak's key: the run at which it reached 3 failures (the third)."""
    return {f"connector:x:trust-feed:{r}" for (r,) in query(folder, """
        SELECT run_id FROM ingest_runs WHERE source = 'x:trust-feed' ORDER BY started_at LIMIT 1 OFFSET 2""")}


# --- the digest --------------------------------------------------------------------------------

@pytest.mark.slow
def test_weekly_digest_once_a_week_with_scorecard_html_and_a_defused_csv(world, monkeypatch):
    monday = datetime(2025, 7, 7, 7, tzinfo=timezone.utc)
    with SmtpServer() as smtp:
        smtp_env(monkeypatch, smtp.port)
        path = write(world["folder"], manager_yaml(world, digest="true") + """
  - name: lead-digest
    user: lead@nhs.net
    channel: email
    scope: {region: %s}
    digest: true
""" % world["region"])
        first, _, _ = run(path, weekly_digest=True, now=monday)
        assert first.ok and first.sent == 2
        assert run(path, weekly_digest=True, now=monday)[0].sent == 0  # same week: once
        assert run(path, weekly_digest=True, now=datetime(2025, 7, 14, tzinfo=timezone.utc))[0].sent == 2
        assert len(smtp.messages) == 4
        manager = next(m for m in smtp.messages if m["X-Envelope-To"] == "manager@nhs.net")
    assert manager["X-RadSoMe-Event"] == eid("manager-email", "digest:2025-W28")
    html = manager.get_body(("html",)).get_content()
    for words in ("Questions answered", "Compared with England", "Open questions past their target",
                  "Flags awaiting review", "Special cause" if "Special cause" in html else "Common cause"):
        assert words in html
    (attachment,) = list(manager.iter_attachments())
    assert attachment.get_filename() == f"radsome-scorecard-{world['trust']}-2025-W28.csv"
    assert attachment.get_content_type() == "text/csv"
    csv = attachment.get_payload(decode=True)
    # the demo's data: marked synthetic in a first column (ui.tables' one writer: every field quoted)
    assert csv.startswith('\ufeff"Data","Measure","Period","This unit","Region","England"'.encode("utf-8"))
    assert f'"{tables.SYNTHETIC_VALUE}"'.encode() in csv
    assert sent_events.all_entries()[0].event_key == "digest:2025-W28"


def test_the_digest_escapes_every_value_and_suppresses_small_counts():
    import pandas as pd
    card = pd.DataFrame([{
        "measure": "answered", "label": "Questions answered", "period_start": pd.Timestamp("2025-05-01"),
        "value": 0.5, "ci_low": 0.4, "ci_high": 0.6, "n": 50, "events": 25, "suppressed": False, "unit_code": "RX1",
        "variation_icon": "concern_low", "assurance_icon": None, "trial_limits": False,
        "region_value": 0.6, "region_ci_low": 0.55, "region_ci_high": 0.65, "region_n": 500, "region_events": 300,
        "region_suppressed": False, "region_unit_code": "Y1", "nation_value": 0.7, "nation_ci_low": 0.68,
        "nation_ci_high": 0.72, "nation_n": 5000, "nation_events": 3500, "nation_suppressed": False,
        "nation_unit_code": "ENG", "vs_region": "worse", "vs_nation": "worse"}])
    counts = pd.Series({"open_past_target": 3, "open_questions": 12, "awaiting_review": 0, "awaiting_review_high": 0,
                        "data_end": pd.Timestamp("2025-06-30 12:00", tz="UTC")})
    hostile = "<script>alert(1)</script> & =HYPERLINK(\"x\")"
    message = digest.digest(card, counts, "trust", "RX1", hostile, BASE, datetime(2025, 7, 7, tzinfo=timezone.utc))
    assert "<script>" not in message.html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; =HYPERLINK" in message.html
    assert "▼ worse" in message.html and "▼ Special cause – concerning – low" in message.html
    facts = dict(message.facts)
    assert facts["Open questions past their target (asked in the last 4 weeks)"] == "*"  # 3: 1-7 hidden
    assert facts["Open questions (asked in the last 4 weeks)"] == "10"  # 12 rounded to 5
    assert facts["Flags awaiting review"] == "0"
    (name, data, mime), = message.attachments
    assert data == tables.to_csv(scorecard.table(card, "trust"))  # ui's one CSV writer (defused)
    marked = digest.digest(card, counts, "trust", "RX1", "T", BASE, datetime(2025, 7, 7, tzinfo=timezone.utc),
                           synthetic=True)
    assert marked.attachments[0][1] == tables.to_csv(scorecard.table(card, "trust"), synthetic=True)
    assert tables.SYNTHETIC_CAPTION in marked.text and tables.SYNTHETIC_CAPTION in marked.html


def test_alert_messages_escape_and_the_webhook_payloads_keep_values_plain():
    hostile = "**bold** [link](https://evil.example) <b>x</b> & `code`"
    message = messages.with_html(channels.Message(event_key="k", subject="S", text="T", facts=(("Trust", hostile),),
                                                  link=f"{BASE}/Review_queue?trust=R1", quote=hostile))
    assert "<b>x</b>" not in message.html and "&lt;b&gt;x&lt;/b&gt; &amp;" in message.html
    teams = channels.teams_payload(message, "f" * 64)
    card = teams["attachments"][0]["content"]
    fact = card["body"][2]["facts"][0]["value"]
    assert fact == r"\*\*bold\*\* \[link\]\(https://evil.example\) <b\>x</b\> & \`code\`"
    assert card["actions"][0]["url"] == f"{BASE}/Review_queue?trust=R1"
    slack = channels.slack_payload(message, "f" * 64)
    assert {b["text"]["type"] for b in slack["blocks"] if "text" in b} == {"plain_text"}
    assert slack["blocks"][2]["fields"][0] == {"type": "plain_text", "text": f"Trust: {hostile}"}
    hostile_subject = channels.slack_payload(channels.Message(event_key="k", subject="<!channel> & co", text="t"), "f")
    assert hostile_subject["text"] == "&lt;!channel&gt; &amp; co"


def test_a_broken_sources_file_does_not_stop_the_alerts(world, monkeypatch):
    (world["folder"] / "sources.yaml").write_text("x: [unclosed\n")
    with SmtpServer() as smtp:
        smtp_env(monkeypatch, smtp.port)
        summary, lines, _ = run(write(world["folder"], manager_yaml(world)))
        assert summary.ok and summary.sent == len(expected_questions(world)) == len(smtp.messages)
    assert any("the sources file could not be read" in line for line in lines)
