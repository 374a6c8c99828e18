"""What an alert says: one :class:`alerts.channels.Message` per due event, from the rows the
warehouse's alert queries return.

* Every value is plain text here; the e-mail's HTML part escapes each one (``html.escape``),
  the webhooks' payloads escape what their formats would read as formatting.
* Patient (or staff) text goes in only when the subscription asks for it *and* the
  subscriber's role may read text (store.access: the scoped connection also blanks it
  otherwise), redacted of identifiers (ui.redact) and cut to :data:`QUOTE_CHARS`.
* Counts below national level pass warehouse.stats' suppression (0, ``*`` for 1–7, else
  rounded to 5); a statistic over a small number is never alerted on (spc_concerns leaves
  such points out).
* Each carries a link to the dashboard view (``RADSOME_DASHBOARD_URL`` + the page + its URL
  filters), so the reader lands on what the alert is about.
"""
from __future__ import annotations

import html
from urllib.parse import urlencode

import pandas as pd

from alerts.channels import Message
from store import config
from ui import formats, spc_charts
from ui.redact import redact
from warehouse.measures import MEASURES

DASHBOARD_URL_ENV = "RADSOME_DASHBOARD_URL"
QUOTE_CHARS = 500
PAGES = {"questions": "Patient_questions", "flags": "Review_queue", "spc": "SPC_trends", "health": "Data_health"}
RULE_WORDS = {"beyond_limit": "a point beyond a process limit", "trend": "7 points rising or falling in a row",
              "two_in_three": "2 of 3 points close to a process limit", "run": "7 points in a row on one side of the mean"}


def dashboard_url() -> str:
    value = (config.secret(DASHBOARD_URL_ENV) or "").strip().rstrip("/")
    if not value.startswith(("https://", "http://")):
        raise config.SettingError(f"{DASHBOARD_URL_ENV} is not set to the dashboard's address (e.g."
                                  " https://radsome.example.nhs.uk): every alert links to its view")
    return value


def link(base: str, page: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")}, doseq=True)
    return f"{base}/{PAGES[page]}" + (f"?{query}" if query else "")


def _uk(value) -> pd.Timestamp:
    return pd.Timestamp(value).tz_convert("Europe/London")


def _quote(text, allowed: bool) -> str | None:
    if not allowed or text is None or pd.isna(text) or not str(text).strip():
        return None
    shown = redact(str(text))
    return shown if len(shown) <= QUOTE_CHARS else shown[:QUOTE_CHARS].rsplit(" ", 1)[0] + " …"


def _unit_filter(row) -> dict:
    """URL filters of the question's or flag's trust (or region, unattributed: none)."""
    trust = row.trust_code if isinstance(row.trust_code, str) else None
    return {"trust": trust, "region": row.region_code if trust and isinstance(row.region_code, str) else None}


def overdue_question(row, base: str, text_allowed: bool) -> Message:
    asked, as_of = _uk(row.asked_at), _uk(row.as_of)
    trust = formats.org_name(row.trust_name) if isinstance(row.trust_name, str) else "Unattributed"
    target = f"{row.threshold_hours:g} h" + (" (the trust's policy)" if row.policy_target else "")
    facts = (("Trust", trust), ("Topic", formats.topic(row.topic)), ("Platform", formats.platform(row.platform)),
             ("Asked", f"{formats.moment(asked)} UK time"), ("Waiting", formats.duration(row.waiting_seconds)),
             ("Target", target), ("Data up to", f"{formats.moment(as_of)} UK time"))
    return Message(
        event_key=f"question:{row.platform}:{row.post_id}",
        subject=f"Patient question unanswered for {formats.duration(row.waiting_seconds)}: {trust}",
        text=(f"A patient question to {trust} has waited {formats.duration(row.waiting_seconds)} without a "
              f"professional answer, past its target of {target}.\n\n" + _lines(facts)),
        facts=facts, quote=_quote(row.text, text_allowed),
        link=link(base, "questions", **_unit_filter(row), **{"from": asked.date().isoformat(),
                                                              "to": as_of.date().isoformat()}))


def high_flag(row, base: str, text_allowed: bool) -> Message:
    posted = _uk(row.created_at)
    trust = formats.org_name(row.trust_name) if isinstance(row.trust_name, str) else "Unattributed"
    facts = (("Trust", trust), ("Rule", str(row.rule_id)), ("Family", str(row.family).replace("_", " ")),
             ("Severity", "high"), ("Posted", f"{formats.moment(posted)} UK time"),
             ("Platform", formats.platform(row.platform)), ("Review", str(row.status)),
             ("Guidance", str(row.clause) if isinstance(row.clause, str) else "—"))
    day = posted.date().isoformat()
    return Message(
        event_key=f"flag:{row.platform}:{row.post_id}:{row.rule_id}",
        subject=f"High-severity guideline flag ({row.rule_id}): {trust}",
        text=(f"A staff or organisation post of {trust} was flagged by the rule {row.rule_id} (high severity)."
              " It awaits a reviewer's decision in the review queue.\n\n" + _lines(facts)),
        facts=facts, quote=_quote(row.text, text_allowed),
        link=link(base, "flags", **_unit_filter(row), **{"from": day, "to": day}))


def spc_concern(row, unit_name: str, base: str) -> Message:
    measure = MEASURES[row.measure]
    national = row.unit_type == "nation"
    period = pd.Timestamp(row.period_start)
    when = f"{period:%B %Y}" if row.grain == "month" else f"the week of {formats.day(period)}"
    words = spc_charts.variation_words(row.variation_icon)[2]
    value = spc_charts.value_text(row.measure, row.value, national=national)
    facts = (("Where", unit_name), ("Measure", measure.label), ("Period", when), ("Value", value),
             ("Usual (mean)", spc_charts.value_text(row.measure, row.mean, national=True)),
             ("Signal", f"{words}: {RULE_WORDS.get(row.rule, str(row.rule))}"))
    if bool(row.trial_limits):
        facts += (("Note", "trial limits: fewer than 13 points so far"),)
    unit = f"{row.unit_type}:{row.unit_code}"
    return Message(
        event_key=f"spc:{unit}:{row.measure}:{row.grain}:{period.date().isoformat()}",
        subject=f"SPC: {measure.label} – special cause of concern – {unit_name}",
        text=(f"{measure.label} for {unit_name} in {when} is a special cause of concern on its SPC chart "
              f"({RULE_WORDS.get(row.rule, row.rule)}).\n\n" + _lines(facts)),
        facts=facts, link=link(base, "spc", unit=unit))


def connector_failing(row, base: str) -> Message:
    last = _uk(row.last_run_at)
    error = str(row.last_error)[:300] if isinstance(row.last_error, str) else "—"
    facts = (("Source", str(row.source)), ("Failed runs in a row", f"{int(row.failed_in_a_row):,}"),
             ("Last run", f"{formats.moment(last)} UK time"), ("Last error", error))
    return Message(
        event_key=f"connector:{row.source}:{row.streak_run_id}",
        subject=f"Connector failing: {row.source} ({int(row.failed_in_a_row)} runs in a row)",
        text=(f"The source {row.source} has failed {int(row.failed_in_a_row)} runs in a row; no new posts arrive "
              "from it until it is fixed.\n\n" + _lines(facts)),
        facts=facts, link=link(base, "health"))


def _lines(facts) -> str:
    return "\n".join(f"{k}: {v}" for k, v in facts)


def with_html(message: Message) -> Message:
    """The message with an HTML part: every value escaped, the quote as a block quote."""
    rows = "".join(f"<tr><th align='left' style='padding-right:12px'>{html.escape(k)}</th>"
                   f"<td>{html.escape(str(v))}</td></tr>" for k, v in message.facts)
    quote = (f"<blockquote style='color:#425563'>{html.escape(message.quote)}</blockquote>"
             if message.quote else "")
    first = html.escape(message.text.split("\n\n")[0])
    button = (f"<p><a href='{html.escape(message.link, quote=True)}'>Open in RadSoMe</a></p>" if message.link else "")
    body = (f"<html><body style='font-family:Arial,sans-serif'><h2>{html.escape(message.subject)}</h2>"
            f"<p>{first}</p><table>{rows}</table>{quote}{button}</body></html>")
    text = message.text + (f"\n\n{message.quote}" if message.quote else "") + (f"\n\n{message.link}" if message.link else "")
    return Message(**{**message.__dict__, "html": body, "text": text})

