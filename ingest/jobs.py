"""The ingest commands as functions: each is one recorded run (:func:`store.runs.run`: the
writer lock, the run record) that lands its data in one transaction. ``python -m ingest`` is a
thin argparse layer over these."""
from __future__ import annotations

import unicodedata
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

import yaml

from ingest import accounts as registry
from ingest import deletions, demo, files, policies, themes
from ingest.connectors import available
from ingest.connectors import config as sources
from ingest.connectors.base import TargetResult, run_target
from ingest.landing import POST_COLUMNS, land
from store import config, db, reader, reference
from store.demo_effects import DEFAULT
from store.errors import InputError
from store.runs import RunCounts, fault_point, finish_run, run
from store.transaction import transaction

DEMO_POLICIES_FILE = "demo_policies.yaml"  # written in the data folder by each demo run


def import_file(path: Path, source: str | None = None, trust: str | None = None) -> RunCounts:
    """``python -m ingest file``: land a JSONL or CSV file of posts.

    ``source`` and ``trust`` apply to rows whose own ``source`` / ``trust_code`` is empty.
    Raises files.FileFormatError (and stores nothing) when the file is not JSONL/CSV.
    """
    path = Path(path)
    origin = str(path.resolve())
    if source is not None and is_demo_name(source):
        raise InputError(f"--source: {source.strip()!r} is reserved for the synthetic data of python -m"
                         " ingest demo; an imported file is never demo data (name where it came from)")
    default_source = source or f"file:{path.name}"

    def work(con, run_id):
        if trust and not con.execute(
            "SELECT ods_code FROM ref_trusts WHERE ods_code = upper($trust)", {"trust": trust}
        ).fetchall():
            raise InputError(f"--trust: unknown trust code {trust!r} (see python -m ingest reference)")
        files.read_file(con, path, origin)
        fault_point("import_after_read")
        return land(con, run_id, default_source=default_source, default_trust=trust)

    return run("file", default_source, origin, work)


def is_demo_name(source: str) -> bool:
    """``demo`` in any case or spacing: the source name only the demo generator may use."""
    return "".join(ch for ch in source if not (ch.isspace() or unicodedata.category(ch) in ("Zs", "Cf"))).casefold() == "demo"


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

    return run("accounts", None, str(path.resolve()), work)


def _store_registry(con, run_id, frame, origin):
    with transaction(con):
        version = registry.load_registry(con, frame, origin, run_id)
        fault_point("accounts_after_insert")
        finish_run(con, run_id, RunCounts(read=len(frame), new=len(frame)))
        fault_point("accounts_before_commit")
    return version, len(frame)


def load_policies(path: Path) -> tuple[int, int, int]:
    """``python -m ingest policies``: a new load of trusts' local policies (YAML or CSV);
    replaces the register of the trusts it names. Returns (load version, policies, trusts)."""
    path = Path(path)
    origin = str(path.resolve())

    def work(con, run_id):
        known = {r[0] for r in con.execute("SELECT ods_code FROM ref_trusts").fetchall()}
        table = policies.parse_policies(path, known)
        with transaction(con):
            version = policies.load_policies(con, table, origin, run_id)
            fault_point("policies_after_insert")
            finish_run(con, run_id, RunCounts(read=table.num_rows, new=table.num_rows))
            fault_point("policies_before_commit")
        return version, table.num_rows, len(set(table.column("trust_code").to_pylist()))

    return run("policies", None, origin, work)


def load_themes(path: Path) -> tuple[int, int, list[str]]:
    """``python -m ingest themes``: a new version of the themes register (YAML). Returns (load
    version, entries, the theme ids it names that the published warehouse does not know: the
    build skips their entries until it does)."""
    path = Path(path)
    origin = str(path.resolve())

    def work(con, run_id):
        entries = themes.parse_register(path)
        with transaction(con):
            version = themes.load_register(con, entries, origin, run_id)
            finish_run(con, run_id, RunCounts(read=len(entries), new=len(entries)))
        return version, len(entries), entries

    version, n, entries = run("themes", None, origin, work)
    return version, n, sorted(themes.named_themes(entries) - _published_theme_ids())


def _published_theme_ids() -> set[str]:
    """Every generated theme id the published warehouse knows (none without a warehouse)."""
    try:
        con = reader.connect_published()
    except FileNotFoundError:
        return set()
    try:
        return {r[0] for r in con.execute(
            f"SELECT theme_id FROM {reader.PUBLISHED}.memo.theme_definitions").fetchall()}
    except duckdb.Error:  # a warehouse built before themes existed
        return set()
    finally:
        con.close()


def load_reference(etr: Path) -> int:
    """``python -m ingest reference --etr PATH``: replace the trusts table from ODS etr.csv."""
    etr = Path(etr)

    def work(con, run_id):
        trusts = reference.parse_etr(etr)
        with transaction(con):
            # Keep organisations the etr file does not cover (Scotland, Wales, NI boards).
            kept = con.execute(
                "SELECT ods_code, name, region_code, icb_code, postcode, open_date, close_date, nation"
                " FROM ref_trusts WHERE NOT list_contains($codes, ods_code) AND nation <> 'England'"
                " AND NOT fictional",
                {"codes": trusts["ods_code"].tolist()},
            ).df()
            merged = pd.concat([trusts, kept], ignore_index=True) if len(kept) else trusts
            n = reference.load_trusts(con, merged, str(etr.resolve()), run_id)
            finish_run(con, run_id, RunCounts(read=len(trusts), new=n))
        return len(trusts)

    return run("reference", None, str(etr.resolve()), work)


def load_deletions(path: Path) -> tuple[RunCounts, int]:
    """``python -m ingest deletions PATH``: record posts deleted on their platform (CSV or
    JSONL of ``platform, post_id[, deleted_at]``) and remove their stored versions. Returns
    the run's counts (new deletions, duplicates) and how many stored versions were removed.
    Raises DeletionsError, storing nothing, when any row is bad."""
    path = Path(path)
    origin = str(path.resolve())
    rows = deletions.read_file(path)
    return deletions.record_deletions(rows, origin, where=str(path))


def run_demo(n_posts: int, seed: int, end: datetime | None = None, progress=None,
             policy_effect: str = DEFAULT) -> RunCounts:
    """``python -m ingest demo``: generate a seeded synthetic history and land it, with its
    fictional trusts (added to the reference data, marked ``fictional``), its account registry
    and its trusts' local-policy register, exactly as an import would. ``policy_effect``
    (store.demo_effects) is what the policies were made to do; the run's origin records it."""
    data = demo.generate(n_posts=n_posts, seed=seed, end=end, progress=progress, policy_effect=policy_effect)
    origin = f"demo:posts={n_posts}:seed={seed}:policy_effect={policy_effect}"
    return land_demo(data, seed, origin, lambda con: land_table(con, data.posts, origin))


def land_demo(data, seed: int, origin: str, read_posts) -> RunCounts:
    """Land a generated demo (``data``: an :class:`ingest.demo.DemoData`, or anything with its
    ``trusts``, ``accounts``, ``policies`` and ``planted``) as one demo run: the fictional
    trusts, the posts that ``read_posts(con)`` prepares as ``incoming``, the account registry
    and the local-policy register. Only the demo generator's runs may land demo posts
    (:func:`ingest.landing.land`); :func:`run_demo` passes the generated table, the benchmark
    (bench/run.py) the same posts written to JSONL, so that it times the file reader too."""
    register = config.data_dir() / DEMO_POLICIES_FILE
    register.parent.mkdir(parents=True, exist_ok=True)
    register.write_text("# The demo trusts' local policies (synthetic; written by python -m ingest demo).\n"
                        + yaml.safe_dump(data.policies, sort_keys=False, allow_unicode=True))
    # What was planted, for the demo's simulated review history (python -m warehouse demo-reviews).
    if data.planted is not None:
        data.planted.to_csv(config.data_dir() / config.DEMO_PLANTED_FILE, index=False)
    policy_origin = f"{register} (demo seed {seed}, history from {data.policies[0]['effective_from']})"
    accounts_origin = f"demo:seed={seed}"

    def work(con, run_id):
        with transaction(con):
            reference.add_fictional_trusts(con, data.trusts, "demo", run_id)
        read_posts(con)
        counts = land(con, run_id, default_source="demo", default_trust=None, demo_run=True)
        current = con.execute(
            "SELECT origin FROM account_registry_versions ORDER BY registry_version DESC LIMIT 1"
        ).fetchall()
        if not current or current[0][0] != accounts_origin:
            with transaction(con):
                registry.load_registry(con, data.accounts, accounts_origin, run_id)
        loaded = con.execute("SELECT origin FROM trust_policy_loads ORDER BY load_version DESC LIMIT 1").fetchall()
        if not loaded or loaded[0][0] != policy_origin:
            known = {r[0] for r in con.execute("SELECT ods_code FROM ref_trusts").fetchall()}
            table = policies.parse_policies(register, known)
            with transaction(con):
                policies.load_policies(con, table, policy_origin, run_id)
        return counts

    return run("demo", "demo", origin, work)


def run_connector(name: str, config_path: Path | None = None, only: str | None = None,
                  progress=None, connectors: dict | None = None) -> tuple[list, list[str]]:
    """``python -m ingest NAME``: fetch every target of connector ``name`` in the sources file
    (or the one named ``only``). Returns (per-target results, skip reasons). Missing
    credentials skip the source with a one-line reason; a target that fails is reported and
    the others still run."""
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
    connectors = connectors if connectors is not None else available()
    configured = sources.load(config_path, connectors)
    results, skipped = [], []
    for name in connectors:
        if name in configured:
            done, why = run_connector(name, config_path, progress=progress, connectors=connectors)
            results += done
            skipped += why
    if not configured:
        skipped.append("no sources configured: write sources.yaml in the data folder (docs/connectors.md, 'Live connectors')")
    return results, skipped
