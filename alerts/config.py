"""``alerts.yaml``: who is told what, and how (docs/alerts.md "alerts.yaml").

In the data folder by default, or the file given with ``--config PATH``::

    subscriptions:
      - name: leeds-manager            # unique: the sent-events ledger is keyed by it
        user: manager@leeds.nhs.uk     # a user in the users register (python -m ingest users)
        channel: email                 # to the user's own address; or a webhook:
        # channel: {webhook: teams, url_secret: LEEDS_TEAMS_WEBHOOK}   (or webhook: slack)
        scope: {trust: RR8}            # or {region: Y63}, or {england: true} (admins, analysts)
        include_text: false            # patient text only if true AND the user's role may read it
        max_per_run: 50                # events sent per run at most (the rest go next run)
        digest: true                   # the weekly digest (e-mail channels)
        events:
          overdue_question: {hours: 24, max_age_days: 7}   # no hours: the policy's target
          high_flag: {max_age_days: 7}
          spc_concern: {grain: month, measures: [answered, median_wait]}  # default: all
          connector_failing: {runs: 3}                  # admins only (the run records)

A file that cannot be used is refused as a whole with one message naming the file, line and
field (:class:`AlertsConfigError`); nothing is sent. Whether each subscriber may have what
they subscribed to is checked against the users register at every run
(:func:`alerts.run.check_subscriber`): a subscription that fails is skipped with the same kind
of message, and the others still run.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from store import config
from store.errors import InputError
from warehouse.measures import HEADLINE
from warehouse.spc_queries import GRAINS

CONFIG_FILE = "alerts.yaml"
WEBHOOKS = ("teams", "slack")
EVENTS = {  # event -> option -> (type, default)
    "overdue_question": {"hours": (float, None), "max_age_days": (int, 7)},
    "high_flag": {"max_age_days": (int, 7)},
    "spc_concern": {"grain": (str, "month"), "measures": (list, list(HEADLINE))},
    "connector_failing": {"runs": (int, 3)},
}
FIELDS = {"name", "user", "channel", "scope", "include_text", "max_per_run", "digest", "events"}
_SECRET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class AlertsConfigError(InputError):
    """An alerts file that cannot be used; the message names the file, line and field."""


@dataclass(frozen=True)
class Channel:
    kind: str  # "email", "teams" or "slack"
    url_secret: str | None = None  # webhooks: the name of the env var / secrets.toml entry holding the URL

    @property
    def label(self) -> str:
        return "email" if self.kind == "email" else f"{self.kind} webhook"


@dataclass(frozen=True)
class Subscription:
    name: str
    user: str
    channel: Channel
    scope_type: str  # "trust", "region" or "england"
    scope_code: str | None
    events: dict = field(default_factory=dict)  # event -> its options
    include_text: bool = False
    max_per_run: int = 50
    digest: bool = False
    line: int = 0
    lines: dict = field(default_factory=dict)  # field -> line, for messages
    path: str = ""

    def where(self, field_name: str) -> str:
        """'alerts.yaml:12: subscription 'x': field 'user'' for a message."""
        return f"{self.path}:{self.lines.get(field_name, self.line)}: subscription {self.name!r}: field {field_name!r}"


def default_path() -> Path:
    return config.data_dir() / CONFIG_FILE


def load(path: Path | None = None) -> list[Subscription]:
    """The subscriptions of the alerts file (default: ``alerts.yaml`` in the data folder)."""
    path = Path(path) if path is not None else default_path()
    if not path.is_file():
        raise AlertsConfigError(f"{path}: no such file (see docs/alerts.md, \"alerts.yaml\")")
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise AlertsConfigError(f"{path}: not valid YAML ({exc})") from None
    if root is None:
        return []
    if not isinstance(root, yaml.MappingNode):
        raise AlertsConfigError(f"{path}:{root.start_mark.line + 1}: expected a mapping with 'subscriptions'")
    top = {k.value: (k, v) for k, v in root.value}
    for name, (key, _) in top.items():
        if name != "subscriptions":
            raise AlertsConfigError(f"{path}:{key.start_mark.line + 1}: field {name!r}: unknown (expected 'subscriptions')")
    if "subscriptions" not in top:
        return []
    section = top["subscriptions"][1]
    if not isinstance(section, yaml.SequenceNode):
        raise AlertsConfigError(f"{path}:{section.start_mark.line + 1}: field 'subscriptions': expected a list")
    subscriptions, seen = [], set()
    for item in section.value:
        sub = _subscription(path, item)
        if sub.name in seen:
            raise AlertsConfigError(f"{sub.where('name')}: the name is used twice")
        seen.add(sub.name)
        subscriptions.append(sub)
    return subscriptions


def _subscription(path: Path, item) -> Subscription:
    line = item.start_mark.line + 1
    if not isinstance(item, yaml.MappingNode):
        raise AlertsConfigError(f"{path}:{line}: each subscription is a mapping")
    values, lines = {}, {}
    for k, v in item.value:
        if k.value not in FIELDS:
            raise AlertsConfigError(f"{path}:{k.start_mark.line + 1}: field {k.value!r}: unknown field"
                                    f" (allowed: {', '.join(sorted(FIELDS))})")
        values[k.value] = yaml.safe_load(yaml.serialize(v))
        lines[k.value] = v.start_mark.line + 1
    name = str(values.get("name") or "").strip()

    def bad(field_name: str, why: str) -> AlertsConfigError:
        label = f"subscription {name!r}" if name else "subscription"
        return AlertsConfigError(f"{path}:{lines.get(field_name, line)}: {label}: field {field_name!r}: {why}")

    for required in ("name", "user", "channel", "scope"):
        if values.get(required) in (None, "", {}):
            raise bad(required, "required")
    if not re.match(r"^[\w.@-]{1,80}$", name):
        raise bad("name", "letters, digits, '.', '-', '_' or '@' only (1-80)")
    user = str(values["user"]).strip().lower()
    if "@" not in user or " " in user:
        raise bad("user", f"not an e-mail address: {values['user']!r}")
    scope_type, scope_code = _scope(values["scope"], bad)
    return Subscription(
        name=name, user=user, channel=_channel(values["channel"], bad), scope_type=scope_type, scope_code=scope_code,
        events=_events(values.get("events") or {}, bad), include_text=_bool(values.get("include_text", False),
                                                                              "include_text", bad),
        max_per_run=_whole(values.get("max_per_run", 50), "max_per_run", bad),
        digest=_bool(values.get("digest", False), "digest", bad), line=line, lines=lines, path=str(path))


def _bool(value, field_name: str, bad) -> bool:
    if not isinstance(value, bool):
        raise bad(field_name, f"true or false, not {value!r}")
    return value


def _whole(value, field_name: str, bad, least: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise bad(field_name, f"a whole number of at least {least}, not {value!r}")
    return value


def _channel(value, bad) -> Channel:
    if value == "email":
        return Channel("email")
    if not isinstance(value, dict) or set(value) - {"webhook", "url_secret"} or "webhook" not in value:
        raise bad("channel", "'email', or a mapping {webhook: teams|slack, url_secret: NAME}")
    if value["webhook"] not in WEBHOOKS:
        raise bad("channel", f"webhook must be one of {', '.join(WEBHOOKS)}, not {value['webhook']!r}")
    secret = value.get("url_secret")
    if not isinstance(secret, str) or not _SECRET_NAME.match(secret):
        raise bad("channel", "url_secret names the environment variable (or .streamlit/secrets.toml entry) that"
                             " holds the webhook's URL, e.g. LEEDS_TEAMS_WEBHOOK; the URL itself is a secret and"
                             " never goes in this file")
    return Channel(value["webhook"], secret)


def _scope(value, bad) -> tuple[str, str | None]:
    if not isinstance(value, dict) or len(value) != 1:
        raise bad("scope", "one of {trust: ODS_CODE}, {region: CODE} or {england: true}")
    (kind, code), = value.items()
    if kind == "england":
        if code is not True:
            raise bad("scope", "{england: true}")
        return "england", None
    if kind not in ("trust", "region") or not isinstance(code, str) or not code.strip():
        raise bad("scope", "one of {trust: ODS_CODE}, {region: CODE} or {england: true}")
    return kind, code.strip().upper()


def _events(value, bad) -> dict:
    if not isinstance(value, dict):
        raise bad("events", f"a mapping of events ({', '.join(EVENTS)}) to their options")
    out = {}
    for event, options in value.items():
        if event not in EVENTS:
            raise bad("events", f"unknown event {event!r} (known: {', '.join(EVENTS)})")
        options = options or {}
        if options is True:
            options = {}
        if not isinstance(options, dict):
            raise bad("events", f"{event}: options are a mapping")
        unknown = set(options) - set(EVENTS[event])
        if unknown:
            raise bad("events", f"{event}: unknown option {sorted(unknown)[0]!r} (allowed: {', '.join(EVENTS[event])})")
        chosen = {}
        for option, (kind, default) in EVENTS[event].items():
            given = options.get(option, default)
            chosen[option] = _option(event, option, kind, given, bad)
        out[event] = chosen
    return out


def _option(event: str, option: str, kind, value, bad):
    where = f"{event}.{option}"
    if value is None:
        return None
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise bad("events", f"{where}: a whole number of at least 1, not {value!r}")
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise bad("events", f"{where}: a number of hours above 0, not {value!r}")
        return float(value)
    if option == "grain":
        if value not in GRAINS:
            raise bad("events", f"{where}: one of {', '.join(GRAINS)}, not {value!r}")
        return value
    if not isinstance(value, list) or not value or any(m not in HEADLINE for m in value):
        raise bad("events", f"{where}: a list of headline measures ({', '.join(HEADLINE)})")
    return list(value)
