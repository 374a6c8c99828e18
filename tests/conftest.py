"""Fixtures shared by the test modules: real warehouses built once per session.

Generic on purpose, so that other test modules can add their own data sets:

* ``make_warehouse(name, load)`` builds a warehouse in its own data folder by calling
  ``load()`` with ``RADSOME_DATA`` pointing there, then ``warehouse.build.build()``; each name
  is built once per session. It returns the data folder.
* ``demo_data`` is the seeded demo (``ingest.jobs.run_demo``), built once per session.
* ``read_published(folder, sql)`` reads a prepared warehouse directly.
* ``use_data(folder)`` points ``RADSOME_DATA`` at a prepared folder for one test.

No mocks: every fixture is a real DuckDB file made by the real ingest and build.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import pytest

from ingest import jobs
from ingest.connectors import retry
from store import config, reader
from warehouse.build import build

TEST_KEY = "test-key-not-secret"
DEMO_POSTS = 3_000
DEMO_SEED = 1
DEMO_END = datetime(2025, 6, 30, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def make_warehouse(tmp_path_factory) -> Callable[[str, Callable[[], object]], Path]:
    built: dict[str, Path] = {}

    def make(name: str, load: Callable[[], object]) -> Path:
        if name not in built:
            folder = tmp_path_factory.mktemp(f"warehouse-{name}")
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv(config.DATA_ENV, str(folder))
                patch.setenv(config.PSEUDONYM_KEY_ENV, TEST_KEY)
                load()

                build()
            built[name] = folder
        return built[name]

    return make


@pytest.fixture(scope="session")
def demo_data(make_warehouse) -> Path:
    """A data folder with the seeded synthetic demo published (about 3,000 posts)."""
    def load():
        jobs.run_demo(n_posts=DEMO_POSTS, seed=DEMO_SEED, end=DEMO_END)

    return make_warehouse("demo", load)


OPEN_DEMO_ENV = "RADSOME_OPEN_DEMO"


@pytest.fixture(autouse=True)
def open_demo(monkeypatch) -> None:
    """The dashboard's open demo is on in tests (``RADSOME_OPEN_DEMO=1``, as the README's
    quick start), so that pages run on the synthetic demo without a login as a local user
    sees them. It changes nothing on real data or with login configured; the tests of the
    setting itself (tests/test_security.py) remove it."""
    monkeypatch.setenv(OPEN_DEMO_ENV, "1")


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """A fresh, empty RADSOME_DATA folder for one test (ingest and build tests)."""
    folder = tmp_path / "data"
    monkeypatch.setenv(config.DATA_ENV, str(folder))
    monkeypatch.setenv(config.PSEUDONYM_KEY_ENV, TEST_KEY)
    return folder


@pytest.fixture
def use_data(monkeypatch) -> Callable[[Path], Path]:
    """``use_data(folder)``: this test reads the warehouse in ``folder``."""
    def use(folder: Path) -> Path:
        monkeypatch.setenv(config.DATA_ENV, str(folder))
        monkeypatch.setenv(config.PSEUDONYM_KEY_ENV, TEST_KEY)
        return folder

    return use


@pytest.fixture(scope="session")
def read_published() -> Callable[..., list[tuple]]:
    """``read_published(folder, sql, params)``: read a prepared warehouse directly, to compute
    expected numbers independently of the code under test."""

    def read(folder: Path, sql: str, params: dict | None = None) -> list[tuple]:
        con = reader.connect_published(Path(folder) / config.WAREHOUSE_FILE)
        try:
            return con.execute(sql, params or {}).fetchall()
        finally:
            con.close()

    return read


@pytest.fixture
def waits(monkeypatch) -> list[float]:
    """The connectors' retry mechanism's sleeps (ingest.connectors.retry), recorded instead of
    slept."""

    slept: list[float] = []
    monkeypatch.setattr(retry.time, "sleep", slept.append)
    return slept
