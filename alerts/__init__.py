"""Alerts and digests (issue #14 section 3): ``python -m alerts run`` after each build,
``python -m alerts digest --weekly`` once a week (docs/alerts.md).

Reads the published warehouse as each subscriber may see it (store.reader with their
store.access scope) and records what it sent in the operational store
(store.sent_events, ``alerts.sqlite``). Imports store, warehouse and the pure display
modules of ui (formats, labels, redact, spc_charts: one definition of how a value reads,
how text is redacted and how a CSV is defused); nothing imports alerts.
"""
