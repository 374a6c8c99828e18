"""What every connector shares (issue #5): credentials, targets, pages, cursors and the run.

A connector (one per platform, ``ingest/connectors/<name>.py``) is a small class:

* ``name`` (the command, ``python -m ingest NAME``), ``platform`` (as in the file format),
  the target fields it needs (``required``) or accepts (``optional``) in the sources file,
  and ``credential_names``: secrets read from the environment or ``.streamlit/secrets.toml``
  (never logged). A source whose secrets are missing is skipped with a one-line reason.
* ``pages(cursor)``: fetch with the platform's own client library, through
  :func:`ingest.connectors.retry.call`, and yield :class:`Page` s: each page's items with the
  untouched payload of every item, the records (file-format dicts) made from them by the
  source transform, the problems of items that could not be read, the cursor to store once
  the page is committed, and posts the platform reports deleted.

:func:`run_target` lands each page in one transaction with its cursor (a crash loses at most
the page being written, and a re-run fetches it again: duplicates are recognised by content),
records a coverage gap when retries give up, and finishes the run with the totals.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable, Iterator

import pyarrow as pa

from ingest.connectors.config import Target
from ingest.connectors.retry import GaveUp
from ingest.landing import POST_COLUMNS, land
from store import config, retention
from store.errors import InputError
from store.runs import RunCounts, finish_run, run
from store.transaction import transaction

Progress = Callable[[str], None]


@dataclass
class Item:
    """One item of a platform response: its untouched JSON (``payload``), the record made
    from it (None when it could not be read) and, then, the ``problem``."""
    payload: str
    record: dict | None = None
    problem: str | None = None


@dataclass
class Page:
    items: list[Item]
    origin: str                                   # the request (endpoint and parameters, no secrets)
    cursor: dict[str, str] = field(default_factory=dict)   # stored once this page commits
    deleted: list[tuple[str, str]] = field(default_factory=list)  # (platform, post_id) gone
    fetched: int = 0                              # posts the platform counted against the quota


class Connector:
    name = ""
    platform = ""
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    credential_names: tuple[str, ...] = ()
    optional_credentials: tuple[str, ...] = ()
    setup_help = ""  # where to get the credentials (docs/connectors.md, per source)

    def __init__(self, credentials: dict[str, str], target: Target, progress: Progress | None = None):
        self.credentials = credentials
        self.target = target
        self.progress = progress or (lambda message: None)

    @classmethod
    def check_options(cls, options: dict) -> dict:
        """Validate a target's own fields; raise ValueError(message, field)."""
        return options

    @classmethod
    def read_credentials(cls) -> tuple[dict[str, str] | None, str | None]:
        """(credentials, None), or (None, the one-line reason they are missing)."""
        values = {name: config.secret(name) for name in cls.credential_names + cls.optional_credentials}
        missing = [name for name in cls.credential_names if not values.get(name)]
        if missing:
            return None, (f"{cls.name}: skipped, no {' or '.join(missing)} in the environment or"
                          f" .streamlit/secrets.toml ({cls.setup_help})")
        return {k: v for k, v in values.items() if v}, None

    def pages(self, cursor: dict[str, str]) -> Iterator[Page]:
        raise NotImplementedError


@dataclass
class TargetResult:
    source: str
    counts: RunCounts
    fetched: int = 0
    pages: int = 0
    gaps: list[str] = field(default_factory=list)
    error: str | None = None

    def summary(self) -> str:
        text = (f"{self.source}: fetched {self.fetched:,} in {self.pages:,} page(s); {self.counts.summary()}")
        if self.gaps:
            text += f"; gap: {'; '.join(self.gaps)}"
        if self.error:
            text += f"; error: {self.error}"
        return text


def read_cursor(con, source: str) -> dict[str, str]:
    return dict(con.execute("SELECT cursor_key, value FROM cursors WHERE source = $s", {"s": source}).fetchall())


def _save_cursor(con, source: str, values: dict[str, str], run_id: str) -> None:
    for key, value in values.items():
        con.execute(
            "INSERT INTO cursors (source, cursor_key, value, run_id, updated_at)"
            " VALUES ($s, $k, $v, $r, now())"
            " ON CONFLICT (source, cursor_key) DO UPDATE SET value = excluded.value,"
            " run_id = excluded.run_id, updated_at = excluded.updated_at",
            {"s": source, "k": key, "v": str(value), "r": run_id})


def _record_deleted(con, deleted: list[tuple[str, str]], origin: str, run_id: str) -> int:
    """Inside the page's transaction: note posts the platform reports deleted and remove
    their stored versions (as ``python -m ingest deletions`` does)."""
    if not deleted:
        return 0
    for platform, post_id in deleted:
        con.execute(
            "INSERT INTO deletions SELECT $p, $i, now(), $o, NULL, now(), $r"
            " WHERE NOT EXISTS (SELECT 1 FROM deletions WHERE platform = $p AND post_id = $i)",
            {"p": platform, "i": post_id, "o": origin, "r": run_id})
    removed = retention.purge_deleted(con)
    # logged so that the run rewrites the store afterwards (store.rewrite): the bytes go too
    retention.log_purge(con, retention.PurgeCounts(deleted_versions=removed), "connector", run_id=run_id)
    return removed


def _incoming(con, page: Page) -> None:
    """The page's items as the landing's ``incoming`` relation (payload kept untouched)."""
    rows = {c: [] for c in ("origin", "origin_line", "payload", "parse_error", *POST_COLUMNS)}
    for line, item in enumerate(page.items, 1):
        record = item.record or {}
        rows["origin"].append(page.origin)
        rows["origin_line"].append(line)
        rows["payload"].append(item.payload)
        rows["parse_error"].append(item.problem if item.record is None else None)
        for column in POST_COLUMNS:
            value = record.get(column)
            rows[column].append(None if value is None else str(value))
    table = pa.table({k: pa.array(v, type=pa.int64() if k == "origin_line" else pa.string())
                      for k, v in rows.items()})
    con.register("incoming_page", table)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE incoming AS SELECT * FROM incoming_page")
    finally:
        con.unregister("incoming_page")


def run_target(connector_cls: type[Connector], target: Target, credentials: dict[str, str],
               progress: Progress | None = None) -> TargetResult:
    """Fetch and land one target of the sources file as one run (see the module notes)."""
    progress = progress or (lambda message: None)
    source = target.source

    def work(con, run_id):
        if target.trust and not con.execute("SELECT 1 FROM ref_trusts WHERE ods_code = $t",
                                            {"t": target.trust}).fetchall():
            raise InputError(f"{source}: trust {target.trust!r} is not a known ODS code")
        result = TargetResult(source, RunCounts())
        cursor = read_cursor(con, source)
        connector = connector_cls(credentials, target, progress)
        try:
            for page in connector.pages(dict(cursor)):
                _incoming(con, page)

                def commit_with(c, page=page):
                    _save_cursor(c, source, page.cursor, run_id)
                    result.counts.deleted += _record_deleted(c, page.deleted, page.origin, run_id)

                counts = land(con, run_id, default_source=source, default_trust=target.trust,
                              finish=False, before_commit=commit_with)
                for name in ("read", "new", "changed", "duplicate", "quarantined"):
                    setattr(result.counts, name, getattr(result.counts, name) + getattr(counts, name))
                result.counts.problems.extend(counts.problems[:5])
                result.pages += 1
                result.fetched += page.fetched or len(page.items)
                cursor.update(page.cursor)
                progress(f"{source}: page {result.pages}: {len(page.items)} items, {counts.new} new")
        except GaveUp as exc:
            result.gaps.append(exc.reason)
            con.execute("INSERT INTO coverage_gaps VALUES ($r, $s, $n, $c, $why, now())",
                        {"r": run_id, "s": source, "n": len(result.gaps), "c": json.dumps(cursor),
                         "why": exc.reason})
            progress(f"{source}: stopped early, gap recorded: {exc.reason}")
        with transaction(con):
            con.execute("INSERT INTO connector_fetches VALUES ($r, $s, $c, $f, $p, now())",
                        {"r": run_id, "s": source, "c": connector_cls.name, "f": result.fetched,
                         "p": result.pages})
            finish_run(con, run_id, result.counts)
        return result

    return run(connector_cls.name, source, target.source, work)
