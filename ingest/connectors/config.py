"""The sources file: what each connector follows (issue #5).

``sources.yaml`` in the data folder, or the file given with ``--config PATH``. One section
per connector, each a list of *targets* (a search, a hashtag, a page, an account, a
subreddit); every target has a ``name`` (unique in its section; with the connector it names
the source, e.g. ``x:leeds-breast``, whose cursor and runs are kept) and optionally the
``trust`` (ODS code) its posts belong to. The other fields are the connector's own
(:attr:`ingest.connectors.base.Connector.fields`)::

    x:
      - name: leeds-breast
        query: "@LeedsBreast OR #LeedsBreastScreening -is:retweet"
        trust: RR8
        budget: {per_run: 500, per_month: 10000}
    reddit:
      - name: r-nhs-mammogram
        subreddit: NHS
        search: mammogram

Errors name the file, the line and the field, and nothing runs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from store.errors import InputError
from store.sources import default_path

COMMON_FIELDS = {"name", "trust"}


class SourcesFileError(InputError):
    """A sources file that cannot be used; the message names file, line and field."""


@dataclass(frozen=True)
class Target:
    connector: str
    name: str
    trust: str | None
    options: dict = field(default_factory=dict)
    line: int = 0

    @property
    def source(self) -> str:
        return f"{self.connector}:{self.name}"


def load(path: Path | None, connectors: dict) -> dict[str, list[Target]]:
    """Targets per connector from the sources file (``connectors``: name -> Connector class,
    for their ``required``/``optional`` fields). A missing default file means no sources."""
    explicit = path is not None
    path = Path(path) if explicit else default_path()
    if not path.is_file():
        if explicit:
            raise SourcesFileError(f"{path}: no such file")
        return {}
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise SourcesFileError(f"{path}: not valid YAML ({exc})") from None
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise SourcesFileError(f"{path}:{root.start_mark.line + 1}: expected one section per connector"
                               f" ({', '.join(sorted(connectors))})")
    out: dict[str, list[Target]] = {}
    for key_node, section in root.value:
        name, line = key_node.value, key_node.start_mark.line + 1
        if name not in connectors:
            raise SourcesFileError(f"{path}:{line}: section {name!r}: unknown connector"
                                   f" (known: {', '.join(sorted(connectors))})")
        if not isinstance(section, yaml.SequenceNode):
            raise SourcesFileError(f"{path}:{line}: section {name!r}: expected a list of targets")
        connector = connectors[name]
        allowed = COMMON_FIELDS | set(connector.required) | set(connector.optional)
        targets, seen = [], set()
        for item in section.value:
            item_line = item.start_mark.line + 1
            if not isinstance(item, yaml.MappingNode):
                raise SourcesFileError(f"{path}:{item_line}: {name}: each target is a mapping")
            values, lines = {}, {}
            for k, v in item.value:
                if k.value not in allowed:
                    raise SourcesFileError(f"{path}:{k.start_mark.line + 1}: {name}: field {k.value!r}:"
                                           f" unknown field (allowed: {', '.join(sorted(allowed))})")
                values[k.value] = yaml.safe_load(yaml.serialize(v))
                lines[k.value] = v.start_mark.line + 1
            for required in ("name", *connector.required):
                if values.get(required) in (None, ""):
                    raise SourcesFileError(f"{path}:{item_line}: {name}: field {required!r}: required")
            if str(values["name"]) in seen:
                raise SourcesFileError(f"{path}:{lines['name']}: {name}: field 'name':"
                                       f" {values['name']!r} is used twice")
            seen.add(str(values["name"]))
            try:
                options = connector.check_options({k: v for k, v in values.items() if k not in COMMON_FIELDS})
            except ValueError as exc:
                field_name = exc.args[1] if len(exc.args) > 1 else "?"
                raise SourcesFileError(f"{path}:{lines.get(field_name, item_line)}: {name}: field"
                                       f" {field_name!r}: {exc.args[0]}") from None
            trust = str(values["trust"]).strip().upper() if values.get("trust") else None
            targets.append(Target(name, str(values["name"]), trust, options, item_line))
        out[name] = targets
    return out
