"""Where the sources file is, and the monthly post budgets it sets (what the Data health page
shows beside each source's spend). The file's full schema, checked against each connector's
fields, is the ingest's (``ingest.connectors.config``): the dashboard reads only the budgets,
without importing the connectors and their client libraries."""
from __future__ import annotations

from pathlib import Path

import yaml

from store import config

SOURCES_FILE = "sources.yaml"


def default_path() -> Path:
    """``sources.yaml`` in the data folder."""
    return config.data_dir() / SOURCES_FILE


def budgets(path: Path) -> dict[str, int]:
    """Source (``connector:target``) -> posts per month, for each target of the sources file
    with a ``budget: {per_month: N}``. Raises ValueError (or yaml.YAMLError) naming what is
    wrong when the file is not a mapping of connectors to lists of targets."""
    root = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(root, dict):
        raise ValueError(f"{path}: expected one section per connector")
    out = {}
    for connector, targets in root.items():
        if not isinstance(targets, list) or not all(isinstance(t, dict) for t in targets):
            raise ValueError(f"{path}: section {connector!r}: expected a list of targets")
        for target in targets:
            budget = target.get("budget") or {}
            if not isinstance(budget, dict):
                raise ValueError(f"{path}: {connector}: {target.get('name')!r}: budget is a mapping")
            if budget.get("per_month"):
                out[f"{connector}:{target.get('name')}"] = int(budget["per_month"])
    return out


def trusts(path: Path) -> dict[str, str | None]:
    """Source (``connector:target``) -> the trust (ODS code) its target names, or None, for
    every target of the sources file (the alerts send a failing connector to the subscribers
    of its trust). A missing file has no sources."""
    path = Path(path)
    if not path.is_file():
        return {}
    root = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(root, dict):
        raise ValueError(f"{path}: expected one section per connector")
    out = {}
    for connector, targets in root.items():
        if not isinstance(targets, list) or not all(isinstance(t, dict) for t in targets):
            raise ValueError(f"{path}: section {connector!r}: expected a list of targets")
        for target in targets:
            trust = target.get("trust")
            out[f"{connector}:{target.get('name')}"] = str(trust).upper() if trust else None
    return out
