"""Trusts' local social-media policies: a register versioned with effective dates.

``python -m ingest policies PATH`` loads a YAML file (a list of policies, or a mapping with a
``policies`` list) or a CSV file with the same columns. Each policy is one version of one
trust's policy; a trust may have several versions, whose effective periods
``effective_from <= day < effective_to`` (``effective_to`` empty = still in force) must not
overlap. Each load replaces the register of the trusts it names; earlier loads are kept.

Fields: ``trust_code``, ``policy_version``, ``effective_from``, ``effective_to``,
``personal_use_in_working_hours`` (permitted | not_permitted), ``patient_engagement``
(encouraged | permitted | discouraged), ``disclaimer_required``, ``approved_accounts_only``
(true/false), ``response_target_hours`` (> 0), ``staffed_hours`` (a schedule such as
"Mon-Fri 08:00-18:00" or "24/7", see ``store.schedule.parse_schedule``),
``rule_overrides`` (YAML: a list of {rule_id, action, severity}; CSV:
``rule_id:action[:severity];...``; action is disable | enable | severity), ``document_url``.

Every error names the file, the line (CSV line; YAML entry number and line) and the field.
"""
from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import yaml

from store.errors import InputError
from store.schedule import parse_schedule
from store.yaml_nodes import entry_nodes

PERSONAL_USE = ("permitted", "not_permitted")
PATIENT_ENGAGEMENT = ("encouraged", "permitted", "discouraged")
OVERRIDE_ACTIONS = ("disable", "enable", "severity")
SEVERITIES = ("info", "low", "medium", "high")
REQUIRED = ("trust_code", "policy_version", "effective_from", "personal_use_in_working_hours",
            "patient_engagement", "disclaimer_required", "approved_accounts_only")
OPTIONAL = ("effective_to", "response_target_hours", "staffed_hours", "rule_overrides", "document_url")
FIELDS = REQUIRED + OPTIONAL
COLUMNS = ["trust_code", "policy_version", "effective_from", "effective_to",
           "personal_use_in_working_hours", "patient_engagement", "disclaimer_required",
           "approved_accounts_only", "response_target_hours", "staffed_hours", "rule_overrides",
           "document_url", "origin_line"]
SCHEMA = pa.schema([
    ("trust_code", pa.string()), ("policy_version", pa.string()), ("effective_from", pa.date32()),
    ("effective_to", pa.date32()), ("personal_use_in_working_hours", pa.string()),
    ("patient_engagement", pa.string()), ("disclaimer_required", pa.bool_()),
    ("approved_accounts_only", pa.bool_()), ("response_target_hours", pa.float64()),
    ("staffed_hours", pa.string()), ("rule_overrides", pa.string()), ("document_url", pa.string()),
    ("origin_line", pa.int64()),
])
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


class PolicyError(InputError):
    """A policy file that cannot be loaded; the message names file, line and field."""


def parse_policies(path: Path, known_trusts: set[str]) -> pa.Table:
    """Read and check a YAML or CSV policy file; one row per (trust, policy version)."""
    path = Path(path)
    if not path.is_file():
        raise PolicyError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PolicyError(f"{path}: not UTF-8 text ({exc.reason})") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        entries = _yaml_entries(path, text)
    elif path.suffix.lower() == ".csv":
        entries = _csv_entries(path, text)
    else:
        raise PolicyError(f"{path}: policy files are .yaml, .yml or .csv")
    if not entries:
        raise PolicyError(f"{path}: no policies in the file")
    rows = [_check_entry(where, fields, lines, known_trusts, csv_format)
            for where, fields, lines, csv_format in entries]
    _check_versions(rows, [e[0] for e in entries])
    return pa.Table.from_pylist([{c: r[c] for c in COLUMNS} for r in rows], schema=SCHEMA)


# --- reading ---------------------------------------------------------------------------------

def _yaml_entries(path: Path, text: str):
    """[(where(line, field) -> prefix, {field: value}, {field: line}, False)] from YAML."""
    nodes = entry_nodes(path, text, "policies", PolicyError, "policies")
    constructor = yaml.SafeLoader("")
    entries = []
    for index, node in enumerate(nodes, start=1):
        line = node.start_mark.line + 1

        def where(field_line, field, index=index):
            return f"{path}:{field_line}: entry {index}: field '{field}'"

        if not isinstance(node, yaml.MappingNode):
            raise PolicyError(f"{path}:{line}: entry {index}: a policy is a mapping of fields")
        fields, lines = {}, {}
        for key_node, value_node in node.value:
            key = str(key_node.value).strip().lower()
            if key not in FIELDS:
                raise PolicyError(f"{where(key_node.start_mark.line + 1, key)}: unknown field"
                                  f" (fields: {', '.join(FIELDS)})")
            fields[key] = constructor.construct_object(value_node, deep=True)
            lines[key] = value_node.start_mark.line + 1
        lines["_entry"] = line
        entries.append((where, fields, lines, False))
    return entries


def _csv_entries(path: Path, text: str):
    entries = []
    try:
        reader = csv.reader(text.splitlines(keepends=True))
        header = [h.strip().lower() for h in next(reader, [])]
        if not header:
            return []
        unknown = [h for h in header if h not in FIELDS]
        if unknown:
            raise PolicyError(f"{path}:1: field '{unknown[0]}': unknown column (columns: {', '.join(FIELDS)})")
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise PolicyError(f"{path}:1: header lacks column(s) {', '.join(missing)}")
        start = reader.line_num + 1
        for values in reader:
            line, start = start, reader.line_num + 1
            if not any(v.strip() for v in values):
                continue

            def where(field_line, field):
                return f"{path}:{field_line}: field '{field}'"

            if len(values) != len(header):
                raise PolicyError(f"{path}:{line}: {len(values)} values for {len(header)} columns")
            fields = {h: (v.strip() or None) for h, v in zip(header, values)}
            entries.append((where, fields, {h: line for h in header} | {"_entry": line}, True))
    except csv.Error as exc:
        raise PolicyError(f"{path}: not a CSV file ({exc})") from None
    return entries


# --- checking --------------------------------------------------------------------------------

def _check_entry(where, fields: dict, lines: dict, known: set[str], csv_format: bool) -> dict:
    def fail(field, message):
        raise PolicyError(f"{where(lines.get(field, lines['_entry']), field)}: {message}")

    for field in REQUIRED:
        if fields.get(field) is None or str(fields[field]).strip() == "":
            fail(field, "missing")
    row = {"origin_line": lines["_entry"]}
    code = str(fields["trust_code"]).strip().upper()
    if code not in known:
        fail("trust_code", f"unknown trust code {code!r} (see python -m ingest reference)")
    row["trust_code"] = code
    row["policy_version"] = str(fields["policy_version"]).strip()
    for field in ("effective_from", "effective_to"):
        row[field] = _date(fields.get(field), lambda m, f=field: fail(f, m))
    if row["effective_to"] is not None and row["effective_to"] <= row["effective_from"]:
        fail("effective_to", f"{row['effective_to']} is not after effective_from {row['effective_from']}")
    for field, allowed in (("personal_use_in_working_hours", PERSONAL_USE),
                           ("patient_engagement", PATIENT_ENGAGEMENT)):
        value = str(fields[field]).strip().lower()
        if value not in allowed:
            fail(field, f"{fields[field]!r} is not one of {', '.join(allowed)}")
        row[field] = value
    for field in ("disclaimer_required", "approved_accounts_only"):
        value = fields[field]
        if not isinstance(value, bool):
            text = str(value).strip().lower()
            if text not in _TRUE | _FALSE:
                fail(field, f"{value!r} is not true or false")
            value = text in _TRUE
        row[field] = value
    target = fields.get("response_target_hours")
    if target is None or str(target).strip() == "":
        row["response_target_hours"] = None
    else:
        try:
            number = float(target)
        except (TypeError, ValueError):
            number = float("nan")
        if isinstance(target, bool) or not number > 0 or number == float("inf"):
            fail("response_target_hours", f"{target!r} is not a positive number of hours")
        row["response_target_hours"] = number
    staffed = fields.get("staffed_hours")
    if staffed is None or str(staffed).strip() == "":
        row["staffed_hours"] = None
    else:
        if not isinstance(staffed, str):
            fail("staffed_hours", f"{staffed!r}: write the schedule as text, e.g. 'Mon-Fri 08:00-18:00' or '24/7'")
        try:
            parse_schedule(staffed)
        except (ValueError, IndexError) as exc:
            fail("staffed_hours", f"bad schedule {staffed!r}: {exc}")
        row["staffed_hours"] = staffed.strip()
    overrides = fields.get("rule_overrides")
    if csv_format and overrides is not None:
        overrides = _csv_overrides(overrides, lambda m: fail("rule_overrides", m))
    row["rule_overrides"] = json.dumps(_check_overrides(overrides, lambda m: fail("rule_overrides", m)))
    url = fields.get("document_url")
    row["document_url"] = None if url is None or str(url).strip() == "" else str(url).strip()
    return row


def _date(value, fail):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        fail(f"{value!r} is not a date (YYYY-MM-DD)")


def _csv_overrides(text: str, fail) -> list[dict]:
    out = []
    for part in filter(None, (p.strip() for p in str(text).split(";"))):
        bits = [b.strip() for b in part.split(":")]
        if len(bits) not in (2, 3):
            fail(f"{part!r} is not rule_id:action[:severity]")
        out.append({"rule_id": bits[0], "action": bits[1], "severity": bits[2] if len(bits) == 3 else None})
    return out


def _check_overrides(overrides, fail) -> list[dict]:
    if overrides is None:
        return []
    if not isinstance(overrides, list):
        fail("expected a list of {rule_id, action, severity}")
    out = []
    for i, item in enumerate(overrides, start=1):
        if not isinstance(item, dict):
            fail(f"override {i}: expected a mapping with rule_id, action and severity")
        extra = set(item) - {"rule_id", "action", "severity"}
        if extra:
            fail(f"override {i}: unknown key(s) {', '.join(sorted(map(str, extra)))}")
        rule_id = str(item.get("rule_id") or "").strip()
        action = str(item.get("action") or "").strip().lower()
        severity = item.get("severity")
        severity = None if severity is None or str(severity).strip() == "" else str(severity).strip().lower()
        if not rule_id:
            fail(f"override {i}: rule_id missing")
        if action not in OVERRIDE_ACTIONS:
            fail(f"override {i} ({rule_id}): action {item.get('action')!r} is not one of {', '.join(OVERRIDE_ACTIONS)}")
        if action == "severity" and severity not in SEVERITIES:
            fail(f"override {i} ({rule_id}): severity {item.get('severity')!r} is not one of {', '.join(SEVERITIES)}")
        if action != "severity" and severity is not None:
            fail(f"override {i} ({rule_id}): severity is given only with action 'severity'")
        out.append({"rule_id": rule_id, "action": action, "severity": severity})
    return out


def _check_versions(rows: list[dict], wheres: list) -> None:
    """Policy versions are unique per trust and their effective periods do not overlap."""
    by_trust: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_trust.setdefault(row["trust_code"], []).append(i)
    for code, indexes in by_trust.items():
        seen = {}
        for i in indexes:
            v = rows[i]["policy_version"]
            if v in seen:
                raise PolicyError(f"{wheres[i](rows[i]['origin_line'], 'policy_version')}: trust {code}"
                                  f" version {v!r} is listed already on line {rows[seen[v]]['origin_line']}")
            seen[v] = i
        ordered = sorted(indexes, key=lambda i: rows[i]["effective_from"])
        for a, b in zip(ordered, ordered[1:]):
            end = rows[a]["effective_to"]
            if end is None or end > rows[b]["effective_from"]:
                later = b if rows[b]["origin_line"] > rows[a]["origin_line"] else a
                other = a if later == b else b
                raise PolicyError(
                    f"{wheres[later](rows[later]['origin_line'], 'effective_from')}: trust {code} version"
                    f" {rows[later]['policy_version']!r} ({_period(rows[later])}) overlaps version"
                    f" {rows[other]['policy_version']!r} ({_period(rows[other])}) on line {rows[other]['origin_line']}"
                )


def _period(row: dict) -> str:
    return f"from {row['effective_from']} to {row['effective_to'] or 'open'}"


# --- storing and reading back ----------------------------------------------------------------

def load_policies(con, policies: pa.Table, origin: str, run_id: str) -> int:
    """Store ``policies`` as a new load, inside the caller's transaction; returns its version.

    The load replaces the register of the trusts it names (``trust_policies_current``)."""
    version = con.execute(
        "SELECT coalesce(max(load_version), 0) + 1 FROM trust_policy_loads"
    ).fetchall()[0][0]
    con.register("incoming_policies", policies)
    try:
        con.execute(
            "INSERT INTO trust_policies SELECT $version, trust_code, policy_version,"
            " effective_from, effective_to, personal_use_in_working_hours,"
            " patient_engagement, disclaimer_required, approved_accounts_only,"
            " response_target_hours, staffed_hours, rule_overrides, document_url,"
            " $origin, origin_line, now(), $run_id FROM incoming_policies",
            {"version": version, "origin": origin, "run_id": run_id},
        )
    finally:
        con.unregister("incoming_policies")
    trusts = sorted(set(policies.column("trust_code").to_pylist()))
    con.execute(
        "INSERT INTO trust_policy_loads VALUES ($version, $origin, now(), $n_trusts, $n, $codes, $run_id)",
        {"version": version, "origin": origin, "n_trusts": len(trusts), "n": policies.num_rows,
         "codes": trusts, "run_id": run_id},
    )
    return version
