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

RAW_FILE = "raw.duckdb"
WAREHOUSE_FILE = "warehouse.duckdb"
LOCK_FILE = ".writer.lock"
KEY_FILE = ".pseudonym_key"


def data_dir() -> Path:
    """The data folder, created on first use."""
    path = Path(os.environ.get(DATA_ENV) or "data").expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def raw_path() -> Path:
    return data_dir() / RAW_FILE


def warehouse_path() -> Path:
    return data_dir() / WAREHOUSE_FILE


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
