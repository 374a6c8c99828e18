"""Where RadSoMe keeps its files, and the secrets it reads.

Everything the product writes lives under one folder: ``./data`` by default, or the folder
named by the environment variable ``RADSOME_DATA``. Nothing is written anywhere else.
"""
from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path

DATA_ENV = "RADSOME_DATA"
PSEUDONYM_KEY_ENV = "RADSOME_PSEUDONYM_KEY"
RETENTION_ENV = "RADSOME_RETENTION_DAYS"
RETENTION_SECRET = "retention_days"
DEFAULT_RETENTION_DAYS = 730

RAW_FILE = "raw.duckdb"
WAREHOUSE_FILE = "warehouse.duckdb"
DELTA_FILE = "warehouse.delta.duckdb"  # a refresh's delta on top of it (warehouse/delta.py)
LOCK_FILE = ".writer.lock"
KEY_FILE = ".pseudonym_key"
DEMO_PLANTED_FILE = "demo_planted.csv"  # the demo's planted truth, written by python -m ingest demo


ROOT = Path(__file__).resolve().parent.parent  # the repository: ingest, warehouse, store, ui


def child_env() -> dict[str, str]:
    """The environment of a RadSoMe command run as a child process (``python -m warehouse
    build`` after an ingest, ``python -m ingest demo`` from the dashboard): this process's,
    with the repository first on ``PYTHONPATH`` so that the child finds the packages from
    any working directory. It keeps the working directory, so ``./data`` and
    ``.streamlit/secrets.toml`` are the same files for both."""
    path = os.environ.get("PYTHONPATH")
    return os.environ | {"PYTHONPATH": str(ROOT) + (os.pathsep + path if path else "")}


def data_dir() -> Path:
    """The data folder, created on first use."""
    path = Path(os.environ.get(DATA_ENV) or "data").expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def raw_path() -> Path:
    return data_dir() / RAW_FILE


def warehouse_path() -> Path:
    return data_dir() / WAREHOUSE_FILE


def delta_path() -> Path:
    """The published delta beside the warehouse (``python -m warehouse refresh``)."""
    return data_dir() / DELTA_FILE


def _secrets_toml() -> dict:
    """``.streamlit/secrets.toml`` in the working directory, if there is one."""
    path = Path(".streamlit") / "secrets.toml"
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        return tomllib.load(handle)


def secret(name: str) -> str | None:
    """A secret from the environment first, then ``.streamlit/secrets.toml``. Never logged."""
    value = os.environ.get(name)
    if value:
        return value
    value = _secrets_toml().get(name)
    return str(value) if value else None


def pseudonym_key() -> str:
    """The key of the keyed hash that pseudonymises members of the public.

    Set ``RADSOME_PSEUDONYM_KEY`` (environment or secrets.toml) in production. Without it, a
    random key is generated once into the data folder (mode 0600) so that pseudonyms stay
    stable across builds of a local or demo installation.
    """
    value = secret(PSEUDONYM_KEY_ENV)
    if value:
        return value
    path = data_dir() / KEY_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


class SettingError(ValueError):
    """A setting (environment variable or secrets.toml entry) that cannot be used."""


def retention_days() -> int:
    """Days a post's untouched record and its public author's profile are kept
    (docs/security.md "Retention and deletions"): ``RADSOME_RETENTION_DAYS`` in the environment, else
    ``retention_days`` (or ``RADSOME_RETENTION_DAYS``) in ``.streamlit/secrets.toml``, else
    730. A whole number of days, at least 1."""
    value = os.environ.get(RETENTION_ENV)
    where = RETENTION_ENV
    if not value:
        toml = _secrets_toml()
        for key in (RETENTION_SECRET, RETENTION_ENV):
            if toml.get(key) not in (None, ""):
                value, where = toml[key], f".streamlit/secrets.toml {key}"
                break
    if value in (None, ""):
        return DEFAULT_RETENTION_DAYS
    try:
        days = int(str(value).strip())
    except ValueError:
        days = 0
    if days < 1:
        raise SettingError(f"{where}: {str(value)!r} is not a whole number of days (1 or more)")
    return days


READER_MEMORY_ENV = "RADSOME_READER_MEMORY_MB"
DEFAULT_READER_MEMORY_MB = 128


def reader_memory_mb() -> int:
    """DuckDB memory limit of each dashboard connection (one per snapshot and access scope),
    in MB: ``RADSOME_READER_MEMORY_MB``, else 128. The pages read day-grain pre-aggregates and
    stream the posts table, so they need little; a query that needs more spills to the temp
    folder instead of growing the dashboard process (DESIGN: dashboard memory ≤ 500 MB). Most
    of the limit fills with cached blocks of the warehouse, so the process's memory follows it
    (docs/benchmarks.md, "Dashboard memory with 10 concurrent sessions (issue #16 item 4), 1 M
    posts"). The limit is shared by every session using the connection: with 10 threads running
    pages' queries at once on one connection (1 M posts), 4 of 50 page changes ran out of
    memory at 96 MB and none at 128; raise it if a page reports that DuckDB is out of memory."""
    value = os.environ.get(READER_MEMORY_ENV) or str(DEFAULT_READER_MEMORY_MB)
    try:
        mb = int(value.strip())
    except ValueError:
        mb = 0
    if mb < 16:
        raise SettingError(f"{READER_MEMORY_ENV}: {value!r} is not a whole number of MB (16 or more)")
    return mb
