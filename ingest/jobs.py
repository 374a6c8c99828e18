"""The ingest commands as functions: each takes the writer lock, records a run, and lands
its data in one transaction. ``python -m ingest`` is a thin argparse layer over these."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ingest import accounts as registry
from ingest import deletions as deletions_file
from ingest import files, policies, reference, retention
from ingest.errors import InputError
from ingest.landing import POST_COLUMNS, land
from ingest.runs import RunCounts, fail_run, fault_point, finish_run, start_run
from warehouse import db

DEMO_POLICIES = Path(__file__).resolve().parent / "demo_policies.yaml"


def _run(command: str, source: str | None, origin: str | None, work):
    """Open the raw store under the writer lock, start a run, call ``work(con, run_id)``."""
    with db.writer_lock():
        con = db.connect_raw()
        try:
            reference.ensure_reference(con)
            run_id = start_run(con, command, source, origin)
            try:
                fault_point("run_after_start")
                return work(con, run_id)
            except BaseException as exc:
                try:
                    con.execute("ROLLBACK")  # whatever the failed step left open
                except Exception:  # noqa: BLE001 - no transaction was open
                    pass
                con.execute("BEGIN TRANSACTION")
                fail_run(con, run_id, f"{type(exc).__name__}: {exc}")
                con.execute("COMMIT")
                raise
        finally:
            con.close()


def import_file(path: Path, source: str | None = None, trust: str | None = None) -> RunCounts:
    """``python -m ingest file``: land a JSONL or CSV file of posts.

    ``source`` and ``trust`` apply to rows whose own ``source`` / ``trust_code`` is empty.
    Raises files.FileFormatError (and stores nothing) when the file is not JSONL/CSV.
    """
    path = Path(path)
    origin = str(path.resolve())
    default_source = source or f"file:{path.name}"

    def work(con, run_id):
        if trust and not con.execute(
            "SELECT ods_code FROM ref_trusts WHERE ods_code = upper($trust)", {"trust": trust}
        ).fetchall():
            raise InputError(f"--trust: unknown trust code {trust!r} (see python -m ingest reference)")
        files.read_file(con, path, origin)
        fault_point("import_after_read")
        return land(con, run_id, default_source=default_source, default_trust=trust)

    return _run("file", default_source, origin, work)


def import_table(posts: pa.Table, origin: str, source: str, command: str = "demo") -> RunCounts:
    """Land an Arrow table with the file format's columns (used by the demo generator)."""

    def work(con, run_id):
        land_table(con, posts, origin)
        return land(con, run_id, default_source=source, default_trust=None)

    return _run(command, source, origin, work)


def land_table(con, posts: pa.Table, origin: str) -> None:
    """Create ``incoming`` from an Arrow table; the payload is each row as JSON."""
    missing = [c for c in POST_COLUMNS if c not in posts.column_names]
    if missing:
        raise ValueError(f"table lacks column(s) {', '.join(missing)}")
    con.register("incoming_arrow", posts)
    columns = ", ".join(POST_COLUMNS)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE incoming AS SELECT $origin AS origin,"
        f" row_number() OVER () AS origin_line,"
        f" to_json(struct_pack({', '.join(f'{c} := {c}' for c in POST_COLUMNS)}))::VARCHAR AS payload,"
        f" NULL::VARCHAR AS parse_error, {columns} FROM incoming_arrow",
        {"origin": origin},
    )
    con.unregister("incoming_arrow")


def load_accounts(path: Path) -> tuple[int, int]:
    """``python -m ingest accounts``: a new registry version; returns (version, accounts)."""
    path = Path(path)

    def work(con, run_id):
        known = {r[0] for r in con.execute("SELECT ods_code FROM ref_trusts").fetchall()}
        frame = registry.parse_registry(path, known)
        return _store_registry(con, run_id, frame, str(path.resolve()))

    return _run("accounts", None, str(path.resolve()), work)


def _store_registry(con, run_id, frame, origin):
    con.execute("BEGIN TRANSACTION")
    version = registry.load_registry(con, frame, origin, run_id)
    fault_point("accounts_after_insert")
    finish_run(con, run_id, RunCounts(read=len(frame), new=len(frame)))
    fault_point("accounts_before_commit")
    con.execute("COMMIT")
    return version, len(frame)


def load_policies(path: Path) -> tuple[int, int, int]:
    """``python -m ingest policies``: a new load of trusts' local policies (YAML or CSV);
    replaces the register of the trusts it names. Returns (load version, policies, trusts)."""
    path = Path(path)
    origin = str(path.resolve())

    def work(con, run_id):
        known = {r[0] for r in con.execute("SELECT ods_code FROM ref_trusts").fetchall()}
        table = policies.parse_policies(path, known)
        con.execute("BEGIN TRANSACTION")
        version = policies.load_policies(con, table, origin, run_id)
        fault_point("policies_after_insert")
        finish_run(con, run_id, RunCounts(read=table.num_rows, new=table.num_rows))
        fault_point("policies_before_commit")
        con.execute("COMMIT")
        return version, table.num_rows, len(set(table.column("trust_code").to_pylist()))

    return _run("policies", None, origin, work)


def load_reference(etr: Path) -> int:
    """``python -m ingest reference --etr PATH``: replace the trusts table from ODS etr.csv."""
    etr = Path(etr)

    def work(con, run_id):
        trusts = reference.parse_etr(etr)
        con.execute("BEGIN TRANSACTION")
        # Keep organisations the etr file does not cover (Scotland, Wales, NI boards).
        kept = con.execute(
            "SELECT ods_code, name, region_code, icb_code, postcode, open_date, close_date, nation"
            " FROM ref_trusts WHERE NOT list_contains($codes, ods_code) AND nation <> 'England'",
            {"codes": trusts["ods_code"].tolist()},
        ).df()
        merged = pd.concat([trusts, kept], ignore_index=True) if len(kept) else trusts
        n = reference.load_trusts(con, merged, str(etr.resolve()), run_id)
        finish_run(con, run_id, RunCounts(read=len(trusts), new=n))
        con.execute("COMMIT")
        return len(trusts)

    return _run("reference", None, str(etr.resolve()), work)


def load_deletions(path: Path) -> tuple[RunCounts, int]:
    """``python -m ingest deletions PATH``: record posts deleted on their platform (CSV or
    JSONL of ``platform, post_id[, deleted_at]``) and remove their stored versions. Returns
    the run's counts (new deletions, duplicates) and how many stored versions were removed.
    Raises DeletionsError, storing nothing, when any row is bad."""
    path = Path(path)
    origin = str(path.resolve())
    rows = deletions_file.read_file(path)
    return record_deletions(rows, origin, where=str(path))


def record_deletions(rows, origin: str, *, command: str = "deletions",
                     where: str | None = None) -> tuple[RunCounts, int]:
    """Record deletions reported by a file or a connector: ``rows`` are dicts with
    ``platform``, ``post_id``, optional ``deleted_at`` (ISO 8601 with offset, or an aware
    datetime) and optional ``origin_line``. One transaction: the new deletions, the removal
    of the posts' stored versions, and the run. Re-recording a deletion changes nothing."""
    checked = deletions_file.check_rows(list(rows), where or origin)

    def work(con, run_id):
        counts = RunCounts(read=len(checked))
        con.register("incoming_deletions", deletions_file.as_table(checked))
        try:
            con.execute("BEGIN TRANSACTION")
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
            con.execute("COMMIT")
        finally:
            con.unregister("incoming_deletions")
        fault_point("deletions_after_commit")
        return counts, removed

    return _run(command, None, origin, work)


def run_demo(n_posts: int, seed: int, end: datetime | None = None, progress=None) -> RunCounts:
    """``python -m ingest demo``: generate a seeded synthetic history and land it, with its
    account registry, exactly as an import would."""
    from ingest import demo

    data = demo.generate(n_posts=n_posts, seed=seed, end=end, progress=progress)
    origin = f"demo:posts={n_posts}:seed={seed}"

    def work(con, run_id):
        land_table(con, data.posts, origin)
        counts = land(con, run_id, default_source="demo", default_trust=None)
        current = con.execute(
            "SELECT origin FROM account_registry_versions ORDER BY registry_version DESC LIMIT 1"
        ).fetchall()
        if not current or current[0][0] != origin:
            con.execute("BEGIN TRANSACTION")
            registry.load_registry(con, data.accounts, origin, run_id)
            con.execute("COMMIT")
        if not con.execute("SELECT 1 FROM trust_policy_loads LIMIT 1").fetchall():
            # The demo trusts' local policies (written for the default seed's policy styles).
            known = {r[0] for r in con.execute("SELECT ods_code FROM ref_trusts").fetchall()}
            table = policies.parse_policies(DEMO_POLICIES, known)
            con.execute("BEGIN TRANSACTION")
            policies.load_policies(con, table, str(DEMO_POLICIES), run_id)
            con.execute("COMMIT")
        return counts

    return _run("demo", "demo", origin, work)


def run_connector(name: str, config_path: Path | None = None, only: str | None = None,
                  progress=None, connectors: dict | None = None) -> tuple[list, list[str]]:
    """``python -m ingest NAME``: fetch every target of connector ``name`` in the sources file
    (or the one named ``only``). Returns (per-target results, skip reasons). Missing
    credentials skip the source with a one-line reason; a target that fails is reported and
    the others still run."""
    from ingest.connectors import available
    from ingest.connectors import config as sources
    from ingest.connectors.base import TargetResult, run_target
    from ingest.runs import RunCounts

    connectors = connectors if connectors is not None else available()
    if name not in connectors:
        raise InputError(f"no connector {name!r} (available: {', '.join(sorted(connectors)) or 'none'})")
    targets = sources.load(config_path, connectors).get(name, [])
    if only is not None:
        targets = [t for t in targets if t.name == only]
        if not targets:
            raise InputError(f"{name}: no target named {only!r} in the sources file")
    if not targets:
        return [], [f"{name}: nothing to fetch (no '{name}' section in the sources file)"]
    credentials, reason = connectors[name].read_credentials()
    if credentials is None:
        return [], [reason]
    results = []
    for target in targets:
        try:
            results.append(run_target(connectors[name], target, credentials, progress))
        except (InputError, db.WriterBusy) as exc:
            results.append(TargetResult(target.source, RunCounts(), error=str(exc)))
        except Exception as exc:  # noqa: BLE001 - one failing source must not stop the others
            results.append(TargetResult(target.source, RunCounts(), error=f"{type(exc).__name__}: {exc}"))
    return results, []


def run_all(config_path: Path | None = None, progress=None, connectors: dict | None = None):
    """``python -m ingest all``: every configured source in turn (then the CLI builds)."""
    from ingest.connectors import available
    from ingest.connectors import config as sources

    connectors = connectors if connectors is not None else available()
    configured = sources.load(config_path, connectors)
    results, skipped = [], []
    for name in connectors:
        if name in configured:
            done, why = run_connector(name, config_path, progress=progress, connectors=connectors)
            results += done
            skipped += why
    if not configured:
        skipped.append("no sources configured: write sources.yaml in the data folder (README, 'Live connectors')")
    return results, skipped
