"""Deletions: posts that were deleted on their platform (docs/security.md "Retention and deletions").

``python -m ingest deletions PATH`` reads a CSV (header row) or JSONL file with the fields
``platform, post_id[, deleted_at]``; connectors will pass the same rows to
:func:`record_deletions`. Every row is checked first; a file with any bad row
stores nothing, and the error names the file, line and field of each problem.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa

from ingest.landing import PLATFORM_ALIASES, PLATFORMS
from store import retention
from store.errors import InputError
from store.runs import RunCounts, fault_point, finish_run, run
from store.transaction import transaction

DELETION_FIELDS = ["platform", "post_id", "deleted_at"]
SHOWN_PROBLEMS = 20


class DeletionsError(InputError):
    """Deletions that cannot be recorded; the message names file, line and field."""


@dataclass
class Deletion:
    platform: str
    post_id: str
    deleted_at: datetime | None
    origin_line: int | None


def _time(value, fail) -> datetime | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        when = value
    else:
        text = str(value).strip()
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            fail("deleted_at", f"{text!r} is not an ISO 8601 time")
            return None
    if when.tzinfo is None:
        fail("deleted_at", f"{str(value)!r} has no UTC offset (write e.g. +00:00 or Z)")
        return None
    if when > datetime.now(timezone.utc) + timedelta(days=1):
        fail("deleted_at", f"{str(value)!r} is in the future")
        return None
    return when


def check_rows(rows, where: str) -> list[Deletion]:
    """Check ``rows`` (dicts with platform, post_id, optional deleted_at and origin_line);
    return them typed, the first of any repeated (platform, post_id) only. Raise
    DeletionsError listing every problem as ``where:line: field 'name': reason``."""
    problems, kept, seen = [], [], set()
    for index, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            problems.append(f"{where}:{index}: record: not a mapping of field to value")
            continue
        line = row.get("origin_line") or index

        def fail(field, reason, line=line):
            problems.append(f"{where}:{line}: field '{field}': {reason}")

        platform = str(row.get("platform") or "").strip().lower()
        platform = PLATFORM_ALIASES.get(platform, platform)
        post_id = str(row.get("post_id") or "").strip()
        before = len(problems)
        if not platform:
            fail("platform", "missing")
        elif platform not in PLATFORMS:
            fail("platform", f"unknown platform {platform!r} (known: {', '.join(PLATFORMS)})")
        if not post_id:
            fail("post_id", "missing")
        when = _time(row.get("deleted_at"), fail)
        if len(problems) > before or (platform, post_id) in seen:
            continue
        seen.add((platform, post_id))
        kept.append(Deletion(platform, post_id, when, line))
    if problems:
        shown = problems[:SHOWN_PROBLEMS]
        more = f" (and {len(problems) - len(shown)} more)" if len(problems) > len(shown) else ""
        raise DeletionsError("; ".join(shown) + more + "; nothing was stored")
    return kept


def read_file(path: Path) -> list[dict]:
    """Rows of a deletions file (CSV with a header, or JSONL), each with its line number."""
    path = Path(path)
    if not path.is_file():
        raise DeletionsError(f"{path}: no such file")
    try:
        text = path.read_bytes().decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise DeletionsError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    # Physical lines end at "\n" only (str.splitlines would also split at \r, \x85, \u2028...).
    lines = io.StringIO(text, newline="\n").readlines()
    first = next((line.strip() for line in lines if line.strip()), "")
    if not first:
        raise DeletionsError(f"{path}: empty file; expected CSV or JSONL with platform, post_id")
    rows = []
    if first.startswith("{"):
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                raise DeletionsError(f"{path}:{number}: record: not valid JSON; nothing was stored") from None
            if not isinstance(record, dict):
                raise DeletionsError(f"{path}:{number}: record: not a JSON object; nothing was stored")
            rows.append({**{f: record.get(f) for f in DELETION_FIELDS}, "origin_line": number})
        return rows
    reader = csv.reader(lines)
    try:
        header = [h.strip().lower() for h in next(reader)]
        missing = [f for f in ("platform", "post_id") if f not in header]
        if missing:
            raise DeletionsError(f"{path}:1: header lacks column(s) {', '.join(missing)}")
        line = reader.line_num + 1
        for record in reader:
            start, line = line, reader.line_num + 1
            if not record or all(not value.strip() for value in record):
                continue
            if len(record) != len(header):
                raise DeletionsError(f"{path}:{start}: record: has {len(record)} fields, the header has"
                                     f" {len(header)}; nothing was stored")
            values = dict(zip(header, record))
            rows.append({**{f: values.get(f) for f in DELETION_FIELDS}, "origin_line": start})
    except csv.Error as exc:
        raise DeletionsError(f"{path}:{reader.line_num}: not readable as CSV ({exc})") from None
    return rows


def as_table(deletions: list[Deletion]) -> pa.Table:
    return pa.table({
        "platform": pa.array([d.platform for d in deletions], pa.string()),
        "post_id": pa.array([d.post_id for d in deletions], pa.string()),
        "deleted_at": pa.array([d.deleted_at for d in deletions], pa.timestamp("us", tz="UTC")),
        "origin_line": pa.array([d.origin_line for d in deletions], pa.int64()),
    })


def record_deletions(rows, origin: str, *, command: str = "deletions",
                     where: str | None = None) -> tuple[RunCounts, int]:
    """Record deletions reported by a file or a connector: ``rows`` are dicts with
    ``platform``, ``post_id``, optional ``deleted_at`` (ISO 8601 with offset, or an aware
    datetime) and optional ``origin_line``. One transaction: the new deletions, the removal
    of the posts' stored versions, and the run. Re-recording a deletion changes nothing."""
    checked = check_rows(list(rows), where or origin)

    def work(con, run_id):
        counts = RunCounts(read=len(checked))
        con.register("incoming_deletions", as_table(checked))
        try:
            with transaction(con):
                inserted = con.execute(
                    "INSERT INTO deletions SELECT i.platform, i.post_id, i.deleted_at, $origin,"
                    " i.origin_line, now(), $run_id FROM incoming_deletions i"
                    " ANTI JOIN deletions d ON d.platform = i.platform AND d.post_id = i.post_id",
                    {"origin": origin, "run_id": run_id},
                ).fetchall()
                counts.new = int(inserted[0][0]) if inserted else 0
                counts.duplicate = counts.read - counts.new
                fault_point("deletions_after_insert")
                removed = retention.purge_deleted(con)
                fault_point("deletions_after_purge")
                retention.log_purge(con, retention.PurgeCounts(deleted_versions=removed), "deletions",
                                    run_id=run_id)
                finish_run(con, run_id, counts)
        finally:
            con.unregister("incoming_deletions")
        fault_point("deletions_after_commit")
        return counts, removed

    return run(command, None, origin, work)
