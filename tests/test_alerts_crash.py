"""``python -m alerts run`` SIGKILLed at each of its crash points (store.runs.FAULT_POINTS
``alerts_*``) in a real child process, then run again, against a real SMTP server and a real
webhook receiver: every due event arrives, and arrives once.

What "once" means at each point (docs/alerts.md "Exactly once"):

* killed after the ledger says ``sending`` but before anything left, or mid-send (SMTP
  envelope sent but not DATA; webhook headers sent but not the body): the receiver has
  nothing; the next run sends it: exactly one copy.
* killed after the server accepted it but before the ledger says ``sent`` (the in-doubt
  window): the next run cannot know it arrived, and sends it again rather than risk losing
  it. That one event has two copies with the same Message-ID (e-mail) or Idempotency-Key
  (webhook): a receiver that honours the key (as this one can) acts on it once.
* killed after the ledger says ``sent``: nothing is sent twice.
"""
from __future__ import annotations

import os
import shutil
import signal

import duckdb
import pytest

from alerts import channels
from store import access, config
from tests.alert_servers import SmtpServer, WebhookReceiver
from tests.conftest import TEST_KEY
from tests.support import run_cli

pytestmark = pytest.mark.slow  # real child processes killed at each point

POINTS = ("alerts_after_claim", "alerts_mid_send", "alerts_after_send", "alerts_after_sent")
MAX_AGE = 400


@pytest.fixture
def setup(demo_data, tmp_path, monkeypatch):
    folder = tmp_path / "data"
    shutil.copytree(demo_data, folder)
    monkeypatch.setenv(config.DATA_ENV, str(folder))
    con = duckdb.connect(str(folder / config.WAREHOUSE_FILE), read_only=True)
    trust, region = con.execute(f"""
        SELECT trust_code, region_code FROM patient_questions
        WHERE NOT is_answered AND response_target_hours IS NOT NULL AND trust_code IS NOT NULL
          AND duration_seconds > response_target_hours * 3600 AND asked_at >= censored_at - INTERVAL {MAX_AGE} DAY
        GROUP BY ALL HAVING count(*) >= 3 ORDER BY count(*), trust_code LIMIT 1""").fetchall()[0]
    keys = {f"question:{p}:{i}" for p, i in con.execute(f"""
        SELECT platform, post_id FROM patient_questions
        WHERE NOT is_answered AND response_target_hours IS NOT NULL AND trust_code = $t
          AND duration_seconds > response_target_hours * 3600 AND asked_at >= censored_at - INTERVAL {MAX_AGE} DAY""",
                                                        {"t": trust}).fetchall()}
    con.close()
    access.store_users([
        {"email": "manager@nhs.net", "role": "trust_manager", "trust_code": trust, "region_code": None, "name": "M"},
        {"email": "lead@nhs.net", "role": "regional_lead", "trust_code": None, "region_code": region, "name": "L"}],
        "tests")
    return {"folder": folder, "trust": trust, "keys": keys}


def subscriptions(trust: str, first: str) -> str:
    email = f"""  - name: manager-email
    user: manager@nhs.net
    channel: email
    scope: {{trust: {trust}}}
    events:
      overdue_question: {{max_age_days: {MAX_AGE}}}
"""
    teams = f"""  - name: lead-teams
    user: lead@nhs.net
    channel: {{webhook: teams, url_secret: LEAD_TEAMS}}
    scope: {{trust: {trust}}}
    events:
      overdue_question: {{max_age_days: {MAX_AGE}}}
"""
    return "subscriptions:\n" + (email + teams if first == "email" else teams + email)


def env(folder, smtp: SmtpServer, hook: WebhookReceiver, fault: str | None = None) -> dict:
    out = os.environ | {
        config.DATA_ENV: str(folder), config.PSEUDONYM_KEY_ENV: TEST_KEY,
        "RADSOME_DASHBOARD_URL": "https://radsome.example.nhs.uk", channels.HOST_ENV: "127.0.0.1",
        channels.PORT_ENV: str(smtp.port), channels.STARTTLS_ENV: "false", channels.FROM_ENV: "radsome@example.nhs.uk",
        channels.TIMEOUT_ENV: "5", "LEAD_TEAMS": hook.url()}
    out.pop("RADSOME_FAULT", None)
    if fault:
        out["RADSOME_FAULT"] = fault
    return out


def ledger(folder) -> dict[tuple[str, str], str]:
    import sqlite3
    con = sqlite3.connect(folder / "alerts.sqlite")
    try:
        return {(s, k): st for s, k, st in con.execute("SELECT subscription, event_key, status FROM sent_events")}
    finally:
        con.close()


@pytest.mark.parametrize("first", ["email", "teams"])
@pytest.mark.parametrize("point", POINTS)
def test_killed_mid_run_then_run_again_every_event_arrives_once(setup, point, first):
    folder, keys = setup["folder"], setup["keys"]
    (folder / "alerts.yaml").write_text(subscriptions(setup["trust"], first))
    killed_sub = "manager-email" if first == "email" else "lead-teams"
    with SmtpServer() as smtp, WebhookReceiver() as hook:
        result = run_cli("alerts", "run", env=env(folder, smtp, hook, point))
        assert result.returncode == -signal.SIGKILL, result.stderr
        # what the kill left: one event claimed, and received only if the kill came after the server took it
        received = len(smtp.messages) + len(hook.requests)
        assert received == (1 if point in ("alerts_after_send", "alerts_after_sent") else 0)
        states = ledger(folder)
        assert list(states.values()) == ["sent" if point == "alerts_after_sent" else "sending"]
        assert next(iter(states))[0] == killed_sub
        if point == "alerts_mid_send":
            assert hook.broken == (1 if first == "teams" else 0)  # headers without their body: not delivered

        for _ in range(2):  # the next run delivers the rest; the one after finds nothing to do
            result = run_cli("alerts", "run", env=env(folder, smtp, hook))
            assert result.returncode == 0, result.stderr
        assert "sent 0," in result.stdout

        ids = {"manager-email": [m["X-RadSoMe-Event"] for m in smtp.messages],
               "lead-teams": hook.keys()}
        for sub, got in ids.items():
            width = 40 if sub == "manager-email" else 64
            expected = sorted(channels.event_id(sub, k)[:width] for k in keys)
            assert sorted(set(got)) == expected, sub  # nothing lost
            copies = len(got) - len(set(got))
            if point == "alerts_after_send" and sub == killed_sub:
                assert copies == 1, sub  # the in-doubt one, sent again with the same id
            else:
                assert copies == 0, sub
        # a receiver that honours Idempotency-Key acts on each event once
        assert sorted(r["headers"]["Idempotency-Key"] for r in hook.delivered()) == sorted(
            channels.event_id("lead-teams", k) for k in keys)
        if point == "alerts_after_send" and first == "email":
            twice = [m for m in smtp.messages if smtp.ids().count(m["Message-ID"]) == 2]
            assert len(twice) == 2 and twice[0].as_bytes() == twice[1].as_bytes()  # the same message, byte for byte
    assert set(ledger(folder).values()) == {"sent"} and len(ledger(folder)) == 2 * len(keys)


@pytest.mark.parametrize("point", ["alerts_after_claim", "alerts_after_send"])
def test_a_full_disk_mid_run_is_a_clear_error_and_the_next_run_completes(setup, point):
    folder, keys = setup["folder"], setup["keys"]
    (folder / "alerts.yaml").write_text(subscriptions(setup["trust"], "email"))
    with SmtpServer() as smtp, WebhookReceiver() as hook:
        result = run_cli("alerts", "run", env=env(folder, smtp, hook, f"enospc:{point}"))
        assert result.returncode == 2
        assert result.stderr.startswith(f"error: cannot write to the data folder {folder.resolve()}")
        result = run_cli("alerts", "run", env=env(folder, smtp, hook))
        assert result.returncode == 0, result.stderr
        assert sorted(set(smtp.ids())) == sorted(set(smtp.ids())) and len(set(smtp.ids())) == len(keys)
        assert len(smtp.messages) == len(keys) + (1 if point == "alerts_after_send" else 0)
        assert len(hook.delivered()) == len(keys)
