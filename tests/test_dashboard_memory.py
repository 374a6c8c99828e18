"""The dashboard's memory bounds (issue #16 item 4): the settings of the reader connection, the
size caps of the result caches and the bounded C heap. What they buy is measured by
``bench/browser_users.py`` (docs/benchmarks.md), not here: these tests check that each bound is
in force."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from store import config, reader
from ui import allocator, data

MB = 1024 * 1024


def _setting(con, name: str):
    return con.execute("SELECT current_setting($name)", {"name": name}).fetchall()[0][0]


def _mb(limit: str) -> float:
    """DuckDB's display of a memory limit ("91.5 MiB") in MB of 10^6 bytes, as it was set."""
    number, unit = limit.split()
    return round(float(number) * {"KiB": 1024, "MiB": MB, "GiB": 1024 * MB}[unit] / 1e6)


def test_reader_connection_has_the_default_memory_limit(demo_data, use_data, monkeypatch):
    use_data(demo_data)
    monkeypatch.delenv(config.READER_MEMORY_ENV, raising=False)
    con = reader.connect_published()
    try:
        limit = _setting(con, "memory_limit")
        assert _mb(limit) == config.DEFAULT_READER_MEMORY_MB == 128
        cursor = reader.reader_cursor(con)  # a cursor shares its connection's database and settings
        try:
            assert _setting(cursor, "memory_limit") == limit
        finally:
            cursor.close()
    finally:
        con.close()


def test_reader_memory_limit_comes_from_the_environment(demo_data, use_data, monkeypatch):
    use_data(demo_data)
    monkeypatch.setenv(config.READER_MEMORY_ENV, "192")
    con = reader.connect_published()
    try:
        assert _mb(_setting(con, "memory_limit")) == 192
    finally:
        con.close()


@pytest.mark.parametrize("value", ["8", "-1", "two", "1.5"])
def test_reader_memory_setting_refuses_what_it_cannot_use(value, monkeypatch):
    monkeypatch.setenv(config.READER_MEMORY_ENV, value)
    with pytest.raises(config.SettingError, match=config.READER_MEMORY_ENV):
        config.reader_memory_mb()


def test_result_caches_have_size_caps():
    """Every cache of computed frames is capped in bytes as well as entries, so that a process
    serving many filters for a long time stays bounded (cache_resource has no byte cap: the
    figure cache is bounded by entries only)."""
    for cached in (data._cached, data._cached_table, data._cached_summaries, data._cached_response):
        info = cached._info  # streamlit's CachedFuncInfo: what st.cache_data was given
        assert info.max_entries and info.ttl, cached
        assert info.max_size_bytes and info.max_size_bytes <= 64 * MB, cached
    total = sum(c._info.max_size_bytes for c in (data._cached, data._cached_table, data._cached_summaries,
                                                  data._cached_response))
    assert total <= 96 * MB


_HEAP_PROBE = textwrap.dedent("""
    import ctypes, json, sys, threading
    sys.path.insert(0, sys.argv[1])
    from ui import allocator

    class Info(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in
                    "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]

    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    libc.mallinfo2.restype = Info
    libc.free(libc.malloc(16 * 1024 * 1024))  # freeing a mapped 16 MB block raises glibc's threshold
    bounded = allocator.bound_heap() if sys.argv[2] == "bound" else None
    base = libc.mallinfo2().hblks
    block = libc.malloc(4 * 1024 * 1024)
    mapped = libc.mallinfo2().hblks - base
    libc.free(block)
    names = [t.name for t in threading.enumerate()]
    print(json.dumps({"bounded": bounded, "mapped": mapped, "again": allocator.bound_heap() if bounded else None,
                      "trimming": names.count(allocator.THREAD_NAME)}))
""")


def _heap_probe(mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", _HEAP_PROBE, str(config.ROOT), mode], capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_bounded_heap_maps_large_blocks_and_trims():
    """After :func:`ui.allocator.bound_heap`, a 4 MB block gets its own mapping (returned to the
    system when freed) even after a larger freed block has raised glibc's threshold past it,
    and one trimming thread runs. In child processes, so the test process's allocator is left
    as it was; the unbounded child shows what glibc does by itself."""
    if allocator._glibc() is None:
        pytest.skip("the C library is not glibc: bound_heap does nothing there")
    unbounded, bounded = _heap_probe("plain"), _heap_probe("bound")
    assert unbounded["mapped"] == 0 and unbounded["trimming"] == 0  # from the heap, kept when freed
    assert bounded["bounded"] and bounded["again"]
    assert bounded["mapped"] == 1
    assert bounded["trimming"] == 1


def test_dashboard_data_layer_bounds_the_heap_when_imported():
    """ui.data (which every page imports) starts the bound, so `streamlit run` needs no
    environment variable for it."""
    done = subprocess.run([sys.executable, "-c", "import sys, threading; sys.path.insert(0, sys.argv[1]);"
                           " import ui.data; from ui import allocator;"
                           " print(allocator.THREAD_NAME in [t.name for t in threading.enumerate()])",
                           str(config.ROOT)], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "True"
