"""The dashboard verifies the audit and review logs on start: a broken chain is shown on every
page (naming the row) and Data health says when both are intact (issue #18 item 11)."""
from __future__ import annotations

import sqlite3

import pytest

from store import access
from tests.support import load_and_build, post
from tests.test_app import HOME, open_page, signed_in, texts
from ui import page as ui_page

pytestmark = pytest.mark.app

HEALTH = "pages/7_Data_health.py"


def test_intact_logs_are_said_on_data_health_and_a_broken_one_on_every_page(data_dir, tmp_path):
    load_and_build(tmp_path, [post("1"), post("2")])
    admin = signed_in()
    for i in range(3):
        access.audit(access.Scope("admin", "ann@nhs.net"), "export", f"{i} posts")
    at = open_page(HEALTH, user=admin)
    assert not at.exception, at.exception
    assert any("hash chains intact" in c for c in texts(at.caption))
    assert not any("Integrity" in e for e in texts(at.error))

    con = sqlite3.connect(access.access_path(), isolation_level=None)
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("UPDATE audit_log SET detail = 'nothing to see' WHERE id = 3")
    con.close()
    ui_page._log_checks.clear()  # as a restart, or the check's 10 minutes passing
    for page in (HOME, HEALTH):
        at = open_page(page, user=admin)
        assert not at.exception, at.exception
        errors = [e for e in texts(at.error) if "Integrity check failed" in e]
        assert len(errors) == 1 and "audit_log: BROKEN at row 3" in errors[0], texts(at.error)
