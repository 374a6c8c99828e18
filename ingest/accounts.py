"""The account registry: which accounts are professionals or organisations, and their trust.

``python -m ingest accounts PATH`` loads a CSV with the columns
``platform, author_id, role, trust_code, title`` (role is ``professional`` or
``organisation``) and optionally ``automated`` (true/false, yes/no, 1/0; empty: not said):
an automated account's replies (an autoresponder, an out-of-hours message, a bot)
acknowledge a question without answering it, so they do not stop the response-time clock
(DESIGN.md "Episode and response time"). Each load is a new registry version that replaces
the previous one for the build; every earlier version is kept.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from ingest.landing import PLATFORM_ALIASES, PLATFORMS
from store.errors import InputError

ACCOUNT_COLUMNS = ["platform", "author_id", "role", "trust_code", "title", "automated"]
OPTIONAL_COLUMNS = ("title", "automated")
ROLES = ("professional", "organisation")
_TRUE, _FALSE = {"true", "yes", "y", "1"}, {"false", "no", "n", "0"}


class RegistryError(InputError):
    """A registry file that cannot be loaded; the message names file, line and field."""


def parse_registry(path: Path, known_trusts: set[str]) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise RegistryError(f"{path}: no such file")
    rows, seen = [], {}
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip().lower() for h in (reader.fieldnames or [])]
            missing = [c for c in ACCOUNT_COLUMNS if c not in header and c not in OPTIONAL_COLUMNS]
            if missing:
                raise RegistryError(f"{path}:1: header lacks column(s) {', '.join(missing)}")
            reader.fieldnames = header
            for record in reader:
                line = reader.line_num
                row = {c: (record.get(c) or "").strip() for c in ACCOUNT_COLUMNS}
                row["platform"] = PLATFORM_ALIASES.get(row["platform"].lower(), row["platform"].lower())
                row["role"] = row["role"].lower()
                row["trust_code"] = row["trust_code"].upper() or None
                row["title"] = row["title"] or None
                row["automated"] = _flag(row["automated"], f"{path}:{line}: field 'automated'")
                if row["platform"] not in PLATFORMS:
                    raise RegistryError(f"{path}:{line}: field 'platform': unknown platform {row['platform']!r}")
                if not row["author_id"]:
                    raise RegistryError(f"{path}:{line}: field 'author_id': missing")
                if row["role"] not in ROLES:
                    raise RegistryError(
                        f"{path}:{line}: field 'role': {row['role']!r} is not one of {', '.join(ROLES)}"
                    )
                if row["trust_code"] and row["trust_code"] not in known_trusts:
                    raise RegistryError(f"{path}:{line}: field 'trust_code': unknown trust code {row['trust_code']!r}")
                key = (row["platform"], row["author_id"])
                if key in seen:
                    raise RegistryError(
                        f"{path}:{line}: field 'author_id': {key[1]!r} on {key[0]} is listed already on line {seen[key]}"
                    )
                seen[key] = line
                rows.append(row)
    except UnicodeDecodeError as exc:
        raise RegistryError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise RegistryError(f"{path}: not a CSV file ({exc})") from None
    return pd.DataFrame(rows, columns=ACCOUNT_COLUMNS)


def _flag(value: str, where: str) -> bool | None:
    """The ``automated`` cell: True/False, None when empty (the registry did not say)."""
    text = value.strip().lower()
    if not text:
        return None
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise RegistryError(f"{where}: {value!r} is not true or false (yes/no, 1/0, or empty)")


def load_registry(con, accounts: pd.DataFrame, origin: str, run_id: str) -> int:
    """Store ``accounts`` as a new registry version, inside the caller's transaction."""
    version = con.execute(
        "SELECT coalesce(max(registry_version), 0) + 1 FROM account_registry_versions"
    ).fetchall()[0][0]
    if "automated" not in accounts.columns:  # a frame made before the column existed
        accounts = accounts.assign(automated=None)
    con.register("incoming_accounts", accounts.astype({"automated": "object"}))
    try:
        con.execute(
            "INSERT INTO account_registry (registry_version, platform, author_id, role, trust_code,"
            " title, automated, run_id) SELECT $version, platform, author_id, role, trust_code,"
            " title, automated::BOOLEAN, $run_id FROM incoming_accounts",
            {"version": version, "run_id": run_id},
        )
    finally:
        con.unregister("incoming_accounts")
    con.execute(
        "INSERT INTO account_registry_versions VALUES ($version, $origin, now(), $n, $run_id)",
        {"version": version, "origin": origin, "n": len(accounts), "run_id": run_id},
    )
    return version
