"""Are the audit and review logs intact? (issue #18 item 11)

:func:`check_logs` recomputes both hash chains (:mod:`store.ledger`): the dashboard calls it on
start and shows a broken chain (``ui.page``), and the Data health page lists the result. It
only reads the two SQLite files.
"""
from __future__ import annotations

from store import access, reviews
from store.ledger import ChainCheck


def check_logs() -> list[ChainCheck]:
    """One :class:`ChainCheck` per log: ok, or the first row that does not check out."""
    return [access.verify_audit_log(), reviews.verify_decisions()]


def broken(checks: list[ChainCheck]) -> list[ChainCheck]:
    return [c for c in checks if not c.ok]
