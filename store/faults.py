"""Crash points: every place a write can be cut short is named here (:data:`FAULT_POINTS`), and
:func:`fault_point` lets a test kill the process or fail its write there (tests/test_crash.py).
Its own module so that every store module can call it (``store.runs`` re-exports both)."""
from __future__ import annotations

import errno
import os
import signal

from store import config

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
    "refresh_before_publish": "a refresh's delta file is complete and closed, not yet swapped in",
    "refresh_after_publish": "a refresh's delta has been swapped in",
    "rewrite_after_copy": "a purge removed something: the raw store is copied into the new file, not closed",
    "rewrite_before_swap": "the new raw store file is complete and fsynced, not yet swapped in",
    "rewrite_after_swap": "the new raw store has replaced the old one",
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


