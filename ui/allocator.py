"""The dashboard process's C heap (glibc malloc), kept from holding on to memory it has freed.

Every session's rerun makes and drops pandas, Arrow and protobuf buffers of 0.1-10 MB from
several threads. glibc serves a block of at least ``M_MMAP_THRESHOLD`` bytes with its own
mapping, returned to the system when freed, but it raises that threshold to the size of each
such block freed (up to 32 MB), after which the same buffers come from the heaps and their
freed pages stay resident, fragmented between live objects. Measured with
``bench/browser_users.py`` (10 concurrent sessions, 1 M posts): malloc held 54 MB free by the
third round (``mallinfo2``). Fixing the threshold at glibc's initial 128 KB (which also stops
the rise) and handing free pages back every few seconds (``malloc_trim``) keeps that near
what is in use.

Why not ``MALLOC_ARENA_MAX`` / ``MALLOC_MMAP_THRESHOLD_`` in the environment: they must be set
before the process starts, so every way of starting ``streamlit run`` would need them;
``mallopt`` does the same from inside, once. Elsewhere than glibc (musl, macOS) this does
nothing.
"""
from __future__ import annotations

import ctypes
import threading
import time

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
M_MMAP_THRESHOLD = -3
THRESHOLD_BYTES = 128 * 1024  # glibc's initial mmap threshold, now fixed
TRIM_EVERY_S = 2.0
THREAD_NAME = "radsome-malloc-trim"

_lock = threading.Lock()
_bounded = False


def _glibc():
    """The C library if it is glibc (it has mallopt and malloc_trim), else None."""
    try:
        lib = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    if not (hasattr(lib, "mallopt") and hasattr(lib, "malloc_trim")):
        return None
    lib.mallopt.argtypes, lib.mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    lib.malloc_trim.argtypes, lib.malloc_trim.restype = [ctypes.c_size_t], ctypes.c_int
    return lib


def _trim_forever(lib) -> None:
    while True:
        time.sleep(TRIM_EVERY_S)
        lib.malloc_trim(0)


def bound_heap() -> bool:
    """Fix malloc's mmap and trim thresholds and start the thread that trims its heaps (once
    per process; later calls do nothing). False where the C library is not glibc."""
    global _bounded
    with _lock:
        if _bounded:
            return True
        lib = _glibc()
        if lib is None:
            return False
        lib.mallopt(M_MMAP_THRESHOLD, THRESHOLD_BYTES)
        lib.mallopt(M_TRIM_THRESHOLD, THRESHOLD_BYTES)
        threading.Thread(target=_trim_forever, args=(lib,), name=THREAD_NAME, daemon=True).start()
        _bounded = True
        return True
