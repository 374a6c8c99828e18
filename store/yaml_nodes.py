"""Reading a YAML file of entries as nodes, so every error can name the file and the line:
shared by the local-policy register and the themes register (``ingest/policies.py``,
``ingest/themes.py``)."""
from __future__ import annotations

from pathlib import Path

import yaml


def entry_nodes(path: Path, text: str, key: str, error: type[Exception], what: str) -> list:
    """The entry nodes of ``text``: a YAML list of ``what``, or a mapping whose ``key`` holds
    that list; [] for an empty file. Anything else raises ``error`` naming ``path`` and line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f":{mark.line + 1}" if mark else ""
        raise error(f"{path}{at}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if root is None:
        return []
    if isinstance(root, yaml.MappingNode):
        found = [v for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == key]
        if not found:
            raise error(f"{path}:{root.start_mark.line + 1}: expected a list of {what}"
                        f" (or a mapping with a '{key}' list)")
        root = found[0]
    if not isinstance(root, yaml.SequenceNode):
        raise error(f"{path}:{root.start_mark.line + 1}: expected a list of {what}")
    return root.value
