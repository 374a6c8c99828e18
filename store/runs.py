"""Runs: every command that writes the raw store is recorded, with its counts, and every
crash point of a write is named here (:data:`FAULT_POINTS`)."""
from __future__ import annotations

import errno
import os
import signal
import uuid
from dataclasses import dataclass, field
from typing import Callable, TypeVar

from store import config, db
from store.reference import ensure_reference
from store.transaction import transaction

T = TypeVar("T")

FAULT_ENV = "RADSOME_FAULT"
ENOSPC_PREFIX = "enospc:"

# Every crash point in the code, in one place: tests/test_crash.py kills a real command at
# each of them (and checks that the code calls exactly these). Name -> where it is.
FAULT_POINTS = {
    "run_after_start": "a run is recorded as running (its own committed transaction)",
    "import_after_read": "a post file has been read into the temporary incoming table",
    "land_after_validate": "inside the landing transaction: checks done, nothing inserted yet",
    "after_land": "inside the landing transaction: good rows inserted into raw_posts",
    "land_after_quarantine": "inside the landing transaction: bad rows inserted into quarantine",
    "before_commit": "inside the landing transaction: run marked ok, not yet committed",
    "land_after_commit": "the landing transaction has committed",
    "accounts_after_insert": "inside the registry transaction: accounts inserted",
    "accounts_before_commit": "inside the registry transaction: run marked ok",
    "policies_after_insert": "inside the policy transaction: policies inserted",
    "policies_before_commit": "inside the policy transaction: run marked ok",
    "deletions_after_insert": "inside the deletions transaction: deletions recorded",
    "deletions_after_purge": "inside the deletions transaction: deleted posts removed from raw_posts",
    "deletions_after_commit": "the deletions transaction has committed",
    "purge_after_profiles": "inside the build's purge transaction: old public profiles cleared",
    "purge_after_payloads": "inside the build's purge transaction: old payloads cleared",
    "purge_before_commit": "inside the build's purge transaction: purge logged, not committed",
    "build_after_purge": "the purge has committed; the new warehouse is not started",
    "build_after_models": "every model is built in the new file; keys not yet checked",
    "build_before_publish": "the new warehouse file is complete and closed, not yet swapped in",
    "build_after_publish": "the new warehouse has been swapped in",
    "alerts_after_claim": "an alert is recorded as sending in the ledger (committed); nothing sent yet",
    "alerts_mid_send": "an alert's SMTP envelope (or webhook request headers) is sent, its DATA (body) not yet",
    "alerts_after_send": "the server accepted an alert (SMTP 250 after DATA, HTTP 2xx); the ledger still says sending",
    "alerts_after_sent": "the ledger records the alert as sent",
}


def fault_point(name: str) -> None:
    """Crash-test hook: when ``RADSOME_FAULT`` names this point, the process SIGKILLs itself
    here, as a power cut or OOM kill would; when it is ``enospc:<point>``, an
    ``OSError(ENOSPC)`` is raised here, as a full disk would. Tests use it to prove that a
    crash or a failed write at any point leaves the stores consistent. It does nothing
    otherwise. ``name`` must be one of :data:`FAULT_POINTS`."""
    if name not in FAULT_POINTS:
        raise ValueError(f"unknown fault point {name!r}; add it to store.runs.FAULT_POINTS")
    wanted = os.environ.get(FAULT_ENV)
    if not wanted:
        return
    if wanted == name:
        os.kill(os.getpid(), signal.SIGKILL)
    if wanted == ENOSPC_PREFIX + name:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(config.data_dir()))


@dataclass
class RunCounts:
    read: int = 0
    new: int = 0
    changed: int = 0
    duplicate: int = 0
    quarantined: int = 0
    deleted: int = 0  # valid rows of posts recorded as deleted on their platform: not stored
    problems: list[str] = field(default_factory=list)  # first few "file:line: field: reason"

    def summary(self) -> str:
        return (
            f"read {self.read:,}, new {self.new:,}, changed {self.changed:,}, "
            f"duplicate {self.duplicate:,}, quarantined {self.quarantined:,}"
            + (f", deleted on platform {self.deleted:,} (not stored)" if self.deleted else "")
        )


def start_run(con, command: str, source: str | None, origin: str | None) -> str:
    """Record a run as started (its own committed transaction).

    Callers hold the writer lock, so any run still marked 'running' belongs to a process
    that died: it is marked 'interrupted' (its landing transaction never committed)."""
    run_id = uuid.uuid4().hex
    with transaction(con):
        con.execute(
            "UPDATE ingest_runs SET status = 'interrupted', finished_at = now(),"
            " error = 'the process stopped before the run finished; nothing it read was kept'"
            " WHERE status = 'running'"
        )
        con.execute(
            "INSERT INTO ingest_runs (run_id, command, source, origin, started_at, status)"
            " VALUES ($run_id, $command, $source, $origin, now(), 'running')",
            {"run_id": run_id, "command": command, "source": source, "origin": origin},
        )
    return run_id


def finish_run(con, run_id: str, counts: RunCounts) -> None:
    """Mark a run finished; call inside the landing transaction so counts and data commit
    together."""
    con.execute(
        "UPDATE ingest_runs SET status = 'ok', finished_at = now(), n_read = $read,"
        " n_new = $new, n_changed = $changed, n_duplicate = $duplicate,"
        " n_quarantined = $quarantined WHERE run_id = $run_id",
        {
            "run_id": run_id, "read": counts.read, "new": counts.new, "changed": counts.changed,
            "duplicate": counts.duplicate, "quarantined": counts.quarantined,
        },
    )


def fail_run(con, run_id: str, error: str) -> None:
    con.execute(
        "UPDATE ingest_runs SET status = 'failed', finished_at = now(), error = $error"
        " WHERE run_id = $run_id AND status = 'running'",  # a committed run stays ok
        {"run_id": run_id, "error": error[:2000]},
    )


def run(command: str, source: str | None, origin: str | None,
        work: Callable[[object, str], T]) -> T:
    """One recorded run: take the writer lock, open (and migrate) the raw store, load the
    shipped reference data if it is empty, record the run as started, then ``work(con,
    run_id)``. Whatever ``work`` raises marks the run failed (in its own transaction) and is
    re-raised; ``work`` finishes the run itself, inside the transaction that lands its data."""
    with db.writer_lock():
        con = db.connect_raw()
        try:
            ensure_reference(con)
            run_id = start_run(con, command, source, origin)
            try:
                fault_point("run_after_start")
                return work(con, run_id)
            except BaseException as exc:
                with transaction(con):
                    fail_run(con, run_id, f"{type(exc).__name__}: {exc}")
                raise
        finally:
            con.close()
