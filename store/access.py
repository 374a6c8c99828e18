"""Who may see what (DESIGN.md "Privacy and security"; issue #7).

Login (Streamlit's OIDC ``st.login``) says only *who* someone is. What they may see is
RadSoMe's own: a users register loaded by ``python -m ingest users PATH`` into the operational
store ``RADSOME_DATA/access.sqlite`` (SQLite, like the review store, so that a change of role
takes effect at the next page load without a rebuild, and the dashboard never opens the raw
store). Roles:

=============== ================================ =========== ============ ==========
role            rows (posts, questions, flags)   post text   staff names  may review
=============== ================================ =========== ============ ==========
trust_manager   their trust                      yes         yes          no
regional_lead   the trusts of their region       yes         yes          no
analyst         everything                       yes         pseudonymised no
reviewer        their trust/region, or all       yes         yes          yes
admin           everything                       yes         yes          yes
=============== ================================ =========== ============ ==========

Counts and rates (the ``daily_*`` pre-aggregates) are visible to every role for every trust,
with small-number suppression, so that a trust can be compared with its peers as in NHS
public benchmarking; the rows behind them — post text, evidence, the open-questions queue,
flags and their decisions — are visible only within a role's scope.

The scope is enforced in the database connection, not in the pages:
:func:`store.reader.connect_published` with a :class:`Scope` builds a private catalog whose
views shadow every published table (:func:`scoped_view_sql`), filtering rows to the scope
and blanking text columns the scope may not read, so every query — present or future —
runs against what the session may see.

Without a login configured the dashboard runs open only when the open demo is switched on
(``RADSOME_OPEN_DEMO``) and every post is synthetic demo data (:data:`DEMO`); otherwise it
uses :data:`NO_LOGIN`, which reads counts and rates but no row of a row table at all (no post,
question, flag or decision: not even its id, time or pseudonym).
"""
from __future__ import annotations

import csv
import io
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import yaml

from store import config, db, ledger, syslog

ACCESS_FILE = "access.sqlite"
ROLES = ("trust_manager", "regional_lead", "analyst", "reviewer", "admin")
ROLE_LABELS = {"trust_manager": "Trust manager", "regional_lead": "Regional lead", "analyst": "Analyst",
               "reviewer": "Reviewer", "admin": "Admin", "demo": "Local demo", "no_login": "No login"}
AUDIT_ACTIONS = ("login", "denied", "export", "reveal", "review", "users_loaded")


@dataclass(frozen=True)
class Scope:
    """What one session may read. ``trusts``/``regions`` None means every trust (and the
    unattributed rows); otherwise rows of those trusts (or of the trusts of those regions)."""

    role: str
    user: str
    trusts: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None
    text: bool = True
    staff_names: bool = True
    review: bool = False
    rows: bool = True  # False: the row tables (ROW_TABLES) read as empty
    operations: bool = False  # reads ingest runs, cursors, coverage gaps and the quarantine

    @property
    def everything(self) -> bool:
        return self.trusts is None and self.regions is None

    @property
    def signed_in(self) -> bool:
        """A person signed in through the login (not the open demo, nor real data without login)."""
        return self.role not in ("demo", "no_login")

    def key(self) -> str:
        """Stable text naming the scope (cache keys; never shown as a secret)."""
        return "|".join([self.role, ",".join(self.trusts or ("*",)), ",".join(self.regions or ("*",)),
                         f"t{int(self.text)}n{int(self.staff_names)}r{int(self.rows)}o{int(self.operations)}"])

    def describe(self) -> str:
        where = ("all trusts" if self.everything else
                 ", ".join(filter(None, [", ".join(self.trusts or ()), ", ".join(self.regions or ())])))
        return f"{ROLE_LABELS.get(self.role, self.role)} · {where}"


EVERYTHING = Scope("system", "system", operations=True)  # ingest, build, benchmark and tests
DEMO = Scope("demo", "local demo", review=True, operations=True)
# Real data and nobody signed in: counts and rates (the daily pre-aggregates) only.
NO_LOGIN = Scope("no_login", "nobody (no login configured)", text=False, staff_names=False, rows=False)


def scope_for(user: dict) -> Scope:
    """The scope of a users-register row (keys email, role, trust_code, region_code)."""
    role, email = user["role"], user["email"]
    trusts = (user["trust_code"],) if user.get("trust_code") else None
    regions = (user["region_code"],) if user.get("region_code") else None
    if role == "trust_manager":
        return Scope(role, email, trusts=trusts)
    if role == "regional_lead":
        return Scope(role, email, regions=regions)
    if role == "analyst":
        return Scope(role, email, staff_names=False)
    if role == "reviewer":
        return Scope(role, email, trusts=trusts, regions=regions, review=True)
    if role == "admin":
        return Scope(role, email, review=True, operations=True)
    raise ValueError(f"unknown role {role!r}")


# --- the scoped catalog ----------------------------------------------------------------------

# Published tables with one row per post, question or flag: filtered to the scope's trusts.
ROW_TABLES = ("posts", "patient_questions", "flags", "flag_reviews", "flagged_post_texts",
              "question_theme_members", "theme_answers")
# Columns holding text written by people (or spans of it, or links to it): blanked without
# the text permission.
TEXT_COLUMNS = {
    "posts": ("text", "url", "role_evidence", "question_cues"),
    "patient_questions": ("answer_signposting", "answer_compassion"),
    "flags": ("evidence",),
    "flag_reviews": ("evidence", "note"),
    "flagged_post_texts": ("text", "url"),
    "question_themes": ("best_answer_post_id", "best_answer_platform"),  # names a post
}
# Tables only a scope with ``operations`` reads (admin, the open demo, the system): the quarantine
# keeps rejected lines as they came; runs, fetches, gaps and cursors name sources and errors.
ADMIN_TABLES = ("quarantine", "ingest_runs", "connector_fetches", "coverage_gaps", "cursors")
STAFF_KEY = "CASE WHEN starts_with(author_key, 'p_') THEN author_key ELSE 's_' || left(md5(author_key || (SELECT salt FROM scope_salt)), 16) END"


def scoped_view_sql(table: str, columns: list[tuple[str, str]], scope: Scope, source: str) -> str:
    """CREATE VIEW for ``table`` in the session's catalog, reading ``source`` (the published
    table). ``columns``: (name, type) of the table. Filters and replacements are code constants;
    the scope's trust list is a table filled with bound parameters (``scope_trusts``)."""
    names = {name for name, _ in columns}
    replace = []
    if not scope.text:
        replace += [f"NULL::{kind} AS {name}" for name, kind in columns if name in TEXT_COLUMNS.get(table, ())]
    if not scope.staff_names:
        if "author_key" in names:
            replace.append(f"{STAFF_KEY} AS author_key")
        if "account_title" in names:
            replace.append("NULL::VARCHAR AS account_title")
        if "reviewer" in names:
            replace.append("NULL::VARCHAR AS reviewer")
    select = "*" + (f" REPLACE ({', '.join(replace)})" if replace else "")
    where = ""
    if table in ADMIN_TABLES and not scope.operations:
        where = " WHERE false"
    elif table in ROW_TABLES and not scope.rows:
        where = " WHERE false"
    elif table in ROW_TABLES and not scope.everything:
        where = " WHERE trust_code IN (SELECT trust_code FROM scope_trusts)"
    return f'CREATE VIEW "{table}" AS SELECT {select} FROM {source}{where}'


# --- the users register ------------------------------------------------------------------------

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    email TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('trust_manager', 'regional_lead', 'analyst', 'reviewer', 'admin')),
    trust_code TEXT,
    region_code TEXT,
    name TEXT NOT NULL DEFAULT '',
    loaded_at TEXT NOT NULL,
    origin TEXT NOT NULL,
    oid TEXT UNIQUE
);
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    prev_hash TEXT,
    row_hash TEXT
);
"""
# The audit log is a hash chain (store.ledger): append-only, tamper-evident, forwarded to
# syslog when RADSOME_SYSLOG is set (store.syslog).
AUDIT = ledger.Log("audit_log", ("at", "user", "role", "action", "detail"))
USER_FIELDS = ("email", "role", "trust_code", "region_code", "name", "oid")
# An Entra ID object id (the ``oid`` claim): the stable key of a person in their tenant.
_OID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class UsersFileError(ValueError):
    """A users file that cannot be loaded; the message names the file, line and field."""


def access_path() -> Path:
    return config.data_dir() / ACCESS_FILE


def _connect(read_only: bool = False):
    path = access_path()
    if read_only and not path.exists():
        return None
    con = db.connect_reviews(path, read_only=read_only)
    if not read_only:
        con.executescript(SCHEMA)
        # registers made before the oid column (issue #18) gain it, empty
        if "oid" not in {row[1] for row in con.execute("PRAGMA table_info(users)").fetchall()}:
            con.execute("ALTER TABLE users ADD COLUMN oid TEXT")
            con.execute("CREATE UNIQUE INDEX IF NOT EXISTS users_oid ON users (oid)")
        ledger.ensure_chain(con, AUDIT)
    return con


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def read_users_file(path: Path, trusts: dict[str, str], regions: set[str]) -> list[dict]:
    """Rows of a users file (CSV with a header, or YAML: a list of mappings) with the fields
    email, role, trust_code, region_code, name, validated: a known role, an e-mail address,
    a trust code of ``trusts`` (code -> region) for trust managers, a region of ``regions``
    for regional leads; a reviewer may have either or neither. Raises UsersFileError naming
    the file, line and field."""
    path = Path(path)
    if not path.is_file():
        raise UsersFileError(f"{path}: no such file")
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            loaded = yaml.safe_load(text) or []
        except yaml.YAMLError as exc:
            raise UsersFileError(f"{path}: not valid YAML ({exc})") from None
        if not isinstance(loaded, list) or not all(isinstance(r, dict) for r in loaded):
            raise UsersFileError(f"{path}: a users YAML file is a list of mappings")
        lines = [i + 1 for i in range(len(loaded))]
        rows, where = loaded, "entry"
    elif path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        rows, lines, where = [], [], "line"
        for row in reader:
            rows.append(row)
            lines.append(reader.line_num)
        missing = {"email", "role"} - set(reader.fieldnames or ())
        if missing:
            raise UsersFileError(f"{path}: line 1: missing column(s) {', '.join(sorted(missing))}")
    else:
        raise UsersFileError(f"{path}: a users file is .csv or .yaml")
    out, seen = [], set()
    for line, row in zip(lines, rows):
        unknown = set(row) - set(USER_FIELDS)
        if unknown:
            raise UsersFileError(f"{path}: {where} {line}: field {sorted(unknown)[0]!r}: unknown field")
        clean = {f: str(row.get(f) or "").strip() for f in USER_FIELDS}
        clean["email"] = clean["email"].lower()
        clean["trust_code"] = clean["trust_code"].upper() or None
        clean["region_code"] = clean["region_code"].upper() or None
        clean["oid"] = clean["oid"].lower() or None

        def bad(field: str, why: str):
            return UsersFileError(f"{path}: {where} {line}: field {field!r}: {why}")

        if "@" not in clean["email"] or " " in clean["email"]:
            raise bad("email", f"not an e-mail address: {clean['email']!r}")
        if clean["email"] in seen:
            raise bad("email", f"{clean['email']} is listed twice")
        seen.add(clean["email"])
        if clean["oid"] and not _OID.match(clean["oid"]):
            raise bad("oid", f"not an Entra ID object id (a GUID): {clean['oid']!r}")
        if clean["oid"] and clean["oid"] in seen:
            raise bad("oid", f"{clean['oid']} is listed twice")
        seen.add(clean["oid"])
        if clean["role"] not in ROLES:
            raise bad("role", f"must be one of {', '.join(ROLES)}, not {clean['role']!r}")
        if clean["trust_code"] and clean["trust_code"] not in trusts:
            raise bad("trust_code", f"unknown trust {clean['trust_code']!r}")
        if clean["region_code"] and clean["region_code"] not in regions:
            raise bad("region_code", f"unknown region {clean['region_code']!r}")
        if clean["role"] == "trust_manager" and not clean["trust_code"]:
            raise bad("trust_code", "a trust manager needs their trust's code")
        if clean["role"] == "regional_lead" and not clean["region_code"]:
            raise bad("region_code", "a regional lead needs their region's code")
        if clean["role"] in ("analyst", "admin") and (clean["trust_code"] or clean["region_code"]):
            field = "trust_code" if clean["trust_code"] else "region_code"
            raise bad(field, f"an {clean['role']} sees every trust; leave it empty")
        out.append(clean)
    if not out:
        raise UsersFileError(f"{path}: no users")
    return out


def store_users(rows: list[dict], origin: str) -> int:
    """Replace the users register with ``rows`` in one transaction; audit it."""
    con = _connect()
    try:
        with ledger.immediate(con):
            con.execute("DELETE FROM users")
            con.executemany(
                "INSERT INTO users (email, role, trust_code, region_code, name, oid, loaded_at, origin)"
                " VALUES (:email, :role, :trust_code, :region_code, :name, :oid, :loaded_at, :origin)",
                [{"oid": None} | r | {"loaded_at": _now(), "origin": origin} for r in rows])
            event = _append_audit(con, "ingest", "admin", "users_loaded", f"{len(rows)} users from {origin}")
    finally:
        con.close()
    syslog.forward(event)
    return len(rows)


def _append_audit(con, user: str, role: str, action: str, detail: str) -> dict:
    """Append one audit row (inside the caller's ``ledger.immediate``); the event as forwarded."""
    values = (_now(), user, role, action, detail)
    row_id, digest = ledger.append(con, AUDIT, values)
    return {"log": "audit", "id": row_id, **dict(zip(AUDIT.columns, values)), "row_hash": digest}


def find_user(email: str | None) -> dict | None:
    """The users-register row of ``email`` (case-insensitive), or None."""
    return _lookup("email", email)


def find_user_by_oid(oid: str | None) -> dict | None:
    """The users-register row carrying the Entra ID object id ``oid``, or None."""
    return _lookup("oid", oid)


def _lookup(column: str, value: str | None) -> dict | None:
    if not value or column not in ("email", "oid"):  # the column is one of ours, never input
        return None
    con = _connect(read_only=True)
    if con is None:
        return None
    try:
        cursor = con.execute(f"SELECT * FROM users WHERE {column} = ?", (str(value).strip().lower(),))
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    except sqlite3.OperationalError:  # a register from before the oid column has no oid to match
        if column == "oid":
            return None
        raise
    finally:
        con.close()
    if not rows:
        return None
    row = dict(zip(names, rows[0]))
    return {field: row.get(field) for field in USER_FIELDS}


def audit(scope: Scope, action: str, detail: str = "") -> None:
    """Append to the audit log (logins, denials, exports, reveals, review decisions)."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    con = _connect()
    try:
        with ledger.immediate(con):
            event = _append_audit(con, scope.user, scope.role, action, detail)
    finally:
        con.close()
    syslog.forward(event)


def verify_audit_log() -> ledger.ChainCheck:
    """The audit log's hash chain checked (store.ledger.verify); an absent store is intact."""
    con = _connect(read_only=True)
    if con is None:
        return ledger.ChainCheck(ACCESS_FILE, AUDIT.table, True, 0)
    try:
        return ledger.verify(con, AUDIT, ACCESS_FILE)
    finally:
        con.close()


def audit_log() -> pd.DataFrame:
    """The whole audit log, oldest first."""
    con = _connect(read_only=True)
    if con is None:
        return pd.DataFrame(columns=["id", "at", "user", "role", "action", "detail"])
    try:
        rows = con.execute("SELECT id, at, user, role, action, detail FROM audit_log ORDER BY id").fetchall()
    finally:
        con.close()
    return pd.DataFrame(rows, columns=["id", "at", "user", "role", "action", "detail"])


def load_users(path: Path) -> int:
    """``python -m ingest users PATH``: validate the users file against the reference data in
    the raw store and replace the users register with it; the number of users."""
    with db.writer_lock():
        con = db.connect_raw()
        try:
            trusts = dict(con.execute("SELECT ods_code, region_code FROM ref_trusts").fetchall())
            regions = {r for (r,) in con.execute("SELECT region_code FROM ref_regions").fetchall()}
        finally:
            con.close()
    return store_users(read_users_file(path, trusts, regions), str(path))
