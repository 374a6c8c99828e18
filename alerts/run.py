"""``python -m alerts run`` and ``digest --weekly``: find what is due for each subscription and
send each event exactly once (docs/alerts.md "Exactly once").

For each event: claim it in the ledger (``sending``, committed) → send, retrying transient
failures with back-off → mark it ``sent``. A run starts under the alerts lock; rows still
``sending`` then belong to a run that died mid-send (*in doubt*): they are sent again if the
event is still due, with the same Message-ID / Idempotency-Key, so nothing due is ever lost
and a copy the receiver already has is recognisable; events no longer due are ``expired``.
Every send, failure and expiry is written to the audit log (store.access, action ``alert``).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
import yaml

from alerts import channels, digest, messages, retry
from alerts.config import Subscription, load
from store import access, config, reader, sent_events, sources
from store.runs import fault_point
from ui import formats
from warehouse import alert_queries, queries, spc_queries
from warehouse.measures import ENGLAND


class SubscriptionRefused(Exception):
    """A subscription that may not run as written (users register, scope, channel settings);
    its message names the file, line and field. The other subscriptions still run."""


@dataclass
class Summary:
    subscriptions: int = 0
    refused: list[str] = field(default_factory=list)
    due: int = 0
    sent: int = 0
    already: int = 0
    deferred: int = 0
    failed: list[str] = field(default_factory=list)
    in_doubt: int = 0
    expired: int = 0
    dry_run: bool = False

    def line(self) -> str:
        verb = "would send" if self.dry_run else "sent"
        text = (f"{self.subscriptions} subscription(s): {self.due} event(s) due, {verb} {self.sent},"
                f" already sent {self.already}, failed {len(self.failed)}")
        if self.deferred:
            text += f", {self.deferred} left for the next run (max_per_run)"
        if self.in_doubt:
            text += f"; {self.in_doubt} in doubt from an interrupted run (re-sent with the same id if still due)"
        if self.expired:
            text += f"; {self.expired} no longer due (expired)"
        if self.refused:
            text += f"; {len(self.refused)} subscription(s) refused"
        return text

    @property
    def ok(self) -> bool:
        return not self.failed and not self.refused


@dataclass(frozen=True)
class Unit:
    """The unit a subscription follows, as the queries name it."""
    query_type: str  # alert_queries: trust / region / england
    spc_type: str  # spc_points: trust / region / nation
    code: str
    name: str


def unit_of(sub: Subscription, names: pd.DataFrame) -> Unit:
    spc_type = "nation" if sub.scope_type == "england" else sub.scope_type
    code = sub.scope_code or ENGLAND
    found = names[(names["unit_type"] == spc_type) & (names["unit_code"] == code)]
    name = str(found["unit_name"].iloc[0]) if len(found) else code
    if spc_type == "trust":
        name = formats.org_name(name)
    return Unit(sub.scope_type, spc_type, code, name)


def check_subscriber(sub: Subscription, trust_regions: dict[str, str]) -> access.Scope:
    """The scope the subscription's alerts are read with: the user's (users register), with
    text only when the subscription asks for it and the role may read it. Refused when the
    user is not registered, their role does not cover the subscribed unit, or they subscribe to
    failing connectors without reading the run records (admin only, store.access.ADMIN_TABLES)."""
    user = access.find_user(sub.user)
    if user is None:
        raise SubscriptionRefused(f"{sub.where('user')}: {sub.user} is not in the users register"
                                  " (python -m ingest users)")
    scope = access.scope_for(user)
    covered = scope.everything
    if sub.scope_type == "trust":
        if sub.scope_code not in trust_regions:
            raise SubscriptionRefused(f"{sub.where('scope')}: unknown trust {sub.scope_code!r}")
        covered = covered or sub.scope_code in (scope.trusts or ()) or trust_regions[sub.scope_code] in (scope.regions or ())
    elif sub.scope_type == "region":
        if sub.scope_code not in set(trust_regions.values()):
            raise SubscriptionRefused(f"{sub.where('scope')}: unknown region {sub.scope_code!r}")
        covered = covered or sub.scope_code in (scope.regions or ())
    if not covered:
        raise SubscriptionRefused(f"{sub.where('scope')}: {sub.user} ({access.ROLE_LABELS[scope.role]}, "
                                  f"{scope.describe()}) may not follow {sub.scope_type} {sub.scope_code or ''}".rstrip())
    if "connector_failing" in sub.events and not scope.operations:
        raise SubscriptionRefused(f"{sub.where('events')}: connector_failing: {sub.user} "
                                  f"({access.ROLE_LABELS[scope.role]}) may not read the run records"
                                  " (an admin's; they name sources and errors)")
    return dataclasses.replace(scope, text=scope.text and sub.include_text)


class Sender:
    """Sends one message by a subscription's channel (settings read once per run)."""

    def __init__(self) -> None:
        self._smtp: channels.SmtpSettings | None = None

    def check(self, sub: Subscription) -> None:
        """Refuse the subscription now if its channel's settings are missing or wrong."""
        try:
            if sub.channel.kind == "email":
                self._smtp = self._smtp or channels.smtp_settings()
            else:
                channels.webhook_url(sub.channel.url_secret)
        except config.SettingError as exc:
            raise SubscriptionRefused(f"{sub.where('channel')}: {exc}") from None

    def send(self, sub: Subscription, message: channels.Message) -> None:
        if sub.channel.kind == "email":
            settings = self._smtp or channels.smtp_settings()
            channels.send_email(channels.email(message, sub.user, settings, sub.name), settings)
        else:
            channels.send_webhook(sub.channel.kind, channels.webhook_url(sub.channel.url_secret), message, sub.name,
                                  channels.timeout_s())


def due_events(cursor_for: Callable, sub: Subscription, unit: Unit, scope: access.Scope, base: str,
               retry_keys: set[str], source_trusts: dict, trust_regions: dict) -> list[tuple[str, channels.Message]]:
    """(kind, message) of every event due for the subscription, oldest first per kind."""
    out = []
    text = scope.text
    where = {"unit_type": unit.query_type, "unit_code": unit.code}
    if "overdue_question" in sub.events:
        opts = sub.events["overdue_question"]
        ids = tuple(k.removeprefix("question:") for k in retry_keys if k.startswith("question:"))
        rows = cursor_for(alert_queries.overdue_questions, **where, hours=opts["hours"],
                          max_age_days=opts["max_age_days"], retry_ids=ids)
        out += [("overdue_question", messages.overdue_question(r, base, text)) for r in rows.itertuples()]
    if "high_flag" in sub.events:
        ids = tuple(k.removeprefix("flag:") for k in retry_keys if k.startswith("flag:"))
        rows = cursor_for(alert_queries.high_flags, **where, max_age_days=sub.events["high_flag"]["max_age_days"],
                          retry_ids=ids)
        out += [("high_flag", messages.high_flag(r, base, text)) for r in rows.itertuples()]
    if "spc_concern" in sub.events:
        opts = sub.events["spc_concern"]
        rows = cursor_for(alert_queries.spc_concerns, **where, grain=opts["grain"])
        out += [("spc_concern", messages.spc_concern(r, unit.name, base))
                for r in rows.itertuples() if r.measure in opts["measures"]]
    if "connector_failing" in sub.events:
        rows = cursor_for(alert_queries.failing_sources, runs=sub.events["connector_failing"]["runs"])
        for r in rows.itertuples():
            trust = source_trusts.get(r.source)
            if unit.query_type == "england" or (trust is not None and (
                    trust == unit.code or trust_regions.get(trust) == unit.code)):
                out.append(("connector_failing", messages.connector_failing(r, base)))
    return out


def deliver(sub: Subscription, scope: access.Scope, kind: str, message: channels.Message, sender: Sender,
            summary: Summary, say: Callable[[str], None], sleep=None) -> None:
    """Claim, send (with retries), record and audit one event."""
    ident = channels.event_id(sub.name, message.event_key)
    if not sent_events.claim(sub.name, message.event_key, kind, sub.channel.label, ident):
        summary.already += 1
        return
    fault_point("alerts_after_claim")
    try:
        _, attempts = retry.call(lambda: sender.send(sub, message), sleep=sleep,
                                 on_wait=lambda why, s: say(f"  retrying {message.event_key} in {s:.0f} s: {why}"))
    except retry.GaveUp as exc:
        sent_events.mark_failed(sub.name, message.event_key, str(exc))
        access.audit(scope, "alert", f"failed {message.event_key} via {sub.channel.label} ({sub.name},"
                                     f" {exc.attempts} tries): {exc}"[:1000])
        summary.failed.append(f"{sub.name}: {message.event_key}: {exc}")
        say(f"  failed {sub.name}: {message.event_key}: {exc}")
        return
    fault_point("alerts_after_send")
    sent_events.mark_sent(sub.name, message.event_key)
    access.audit(scope, "alert", f"sent {message.event_key} via {sub.channel.label} ({sub.name}, {attempts}"
                                 f" {'try' if attempts == 1 else 'tries'})")
    fault_point("alerts_after_sent")
    summary.sent += 1


def run(path: Path | None = None, dry_run: bool = False, weekly_digest: bool = False,
        say: Callable[[str], None] = print, sleep=None, now=None) -> Summary:
    """One alerts run (or, with ``weekly_digest``, one digest run) over every subscription.
    ``sleep``: the retries' wait (tests); ``now``: the digest's week (tests)."""
    subscriptions = load(path)
    base = messages.dashboard_url()
    summary = Summary(subscriptions=len(subscriptions), dry_run=dry_run)
    con = reader.connect_published()
    try:
        cursor = reader.reader_cursor(con)
        trust_regions = dict(alert_queries.trust_regions(cursor).itertuples(index=False))
        names = spc_queries.spc_units(cursor)
        cursor.close()
    finally:
        con.close()
    try:
        source_trusts = sources.trusts(sources.default_path())
    except (ValueError, OSError, yaml.YAMLError) as exc:  # the ingest says what is wrong with it
        say(f"  the sources file could not be read ({exc}): failing connectors go to England's subscriptions only")
        source_trusts = {}
    sender = Sender()
    with sent_events.run_lock():
        doubts = sent_events.in_doubt()
        summary.in_doubt = len(doubts)
        for entry in doubts:
            say(f"  in doubt: {entry.subscription}: {entry.event_key} (a run died while sending it: it may or may"
                " not have arrived; sent again with the same id if still due)")
        for sub in subscriptions:
            if weekly_digest and not (sub.digest and sub.channel.kind == "email"):
                continue
            try:
                scope = check_subscriber(sub, trust_regions)
                if not dry_run:
                    sender.check(sub)
            except SubscriptionRefused as exc:
                summary.refused.append(str(exc))
                say(f"  refused: {exc}")
                continue
            _subscription(sub, scope, unit_of(sub, names), base, weekly_digest, dry_run, sender, summary, say,
                          sleep, source_trusts, trust_regions, now)
    return summary


def _subscription(sub, scope, unit, base, weekly_digest, dry_run, sender, summary, say, sleep,
                  source_trusts, trust_regions, now=None) -> None:
    unfinished = {e.event_key: e for e in sent_events.unfinished(sub.name)} if not weekly_digest else {}
    con = reader.connect_published(scope=scope)
    try:
        def cursor_for(function, **options):
            cursor = reader.reader_cursor(con)
            try:
                return function(cursor, None, **options)
            finally:
                cursor.close()

        if weekly_digest:
            card = cursor_for(spc_queries.scorecard, unit_type=unit.spc_type, unit_code=unit.code)
            counts = cursor_for(alert_queries.digest_counts, unit_type=unit.query_type, unit_code=unit.code).iloc[0]
            synthetic = int(cursor_for(queries.build_info)["n_demo_posts"].iloc[0]) > 0
            events = [("digest", digest.digest(card, counts, unit.spc_type, unit.code, unit.name, base, now,
                                               synthetic))]
        else:
            events = due_events(cursor_for, sub, unit, scope, base, set(unfinished), source_trusts, trust_regions)
    finally:
        con.close()
    sent = sent_events.sent_keys(sub.name)
    pending = [(kind, m) for kind, m in events if m.event_key not in sent]
    summary.due += len(events)
    summary.already += len(events) - len(pending)
    summary.deferred += max(0, len(pending) - sub.max_per_run)
    for kind, message in pending[:sub.max_per_run]:
        if kind != "digest" and sub.channel.kind == "email":
            message = messages.with_html(message)
        if dry_run:
            say(f"  would send {sub.name} ({sub.channel.label}): {message.event_key}: {message.subject}")
            summary.sent += 1
            continue
        deliver(sub, scope, kind, message, sender, summary, say, sleep)
    due_keys = {m.event_key for _, m in events}
    for key, entry in unfinished.items():
        if key not in due_keys and not dry_run:
            sent_events.mark_expired(sub.name, key, f"no longer due (was {entry.status})")
            access.audit(scope, "alert", f"expired {key} ({sub.name}): no longer due, was {entry.status}")
            summary.expired += 1
