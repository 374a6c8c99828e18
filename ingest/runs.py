"""Ingest runs: every command that writes the raw store is recorded, with its counts."""
from __future__ import annotations

import os
import signal
import uuid
from dataclasses import dataclass, field

FAULT_ENV = "RADSOME_FAULT"


def fault_point(name: str) -> None:
    """Crash-test hook: when ``RADSOME_FAULT`` names this point, the process SIGKILLs itself
    here, as a power cut or OOM kill would. Tests use it to prove that a crash at any point
    leaves the stores consistent. It does nothing otherwise."""
    if os.environ.get(FAULT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class RunCounts:
    read: int = 0
    new: int = 0
    changed: int = 0
    duplicate: int = 0
    quarantined: int = 0
    problems: list[str] = field(default_factory=list)  # first few "file:line: field: reason"

    def summary(self) -> str:
        return (
            f"read {self.read:,}, new {self.new:,}, changed {self.changed:,}, "
            f"duplicate {self.duplicate:,}, quarantined {self.quarantined:,}"
        )


def start_run(con, command: str, source: str | None, origin: str | None) -> str:
    """Record a run as started (its own committed transaction).

    Callers hold the writer lock, so any run still marked 'running' belongs to a process
    that died: it is marked 'interrupted' (its landing transaction never committed)."""
    run_id = uuid.uuid4().hex
    con.execute("BEGIN TRANSACTION")
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
    con.execute("COMMIT")
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
        " WHERE run_id = $run_id",
        {"run_id": run_id, "error": error[:2000]},
    )
