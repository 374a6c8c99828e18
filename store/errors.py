"""Errors about the user's input, and failed reads or writes of the data folder. Their
messages name the file, line and field (or the folder); both CLIs print them without a
traceback and exit 2. Nothing is stored when one is raised."""
from __future__ import annotations

import os
from pathlib import Path

import duckdb

from store import config

# Failed reads or writes of the data folder: a full disk, a read-only folder.
STORAGE_ERRORS = (OSError, duckdb.IOException, duckdb.PermissionException, duckdb.FatalException)


class InputError(ValueError):
    """Input that cannot be used as given."""


def storage_error_message(exc: BaseException) -> str:
    """One line for a failed read or write of the data folder (disk full, read-only folder,
    permissions): what failed, where, and that the stores are intact. Each store changes in
    transactions and the warehouse by an atomic swap, so a failed write keeps the last
    complete state."""
    folder = Path(os.environ.get(config.DATA_ENV) or "data").expanduser().resolve()
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
        where = exc.filename or folder
    else:  # a DuckDB I/O error: its first line says what and where
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        where = folder
    detail = reason if str(where) == str(folder) else f"{reason}: {where}"
    return (f"cannot write to the data folder {folder} ({detail}); what was stored "
            f"before is intact. Free some space or make the folder writable, then run the "
            f"command again")
