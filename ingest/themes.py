"""The themes register: people's decisions about the generated themes of patient questions.

``python -m ingest themes PATH`` loads a YAML file: a list of entries (or a mapping with a
``themes`` list), each one of

    - action: rename            # the label people see instead of the generated one
      theme: prep-3fa9c1        # a generated theme, a merge's "into" or a split's part (prep-3fa9c1.2)
      label: Deodorant and creams before a mammogram
    - action: merge             # one theme from several (of the same topic)
      themes: [appt-0a1b2c, appt-9f8e7d]
      into: appt-0a1b2c         # optional: the first listed
      label: Bringing someone with me   # optional
    - action: split             # questions of a theme sent to parts by the words they use
      theme: appt-77aa00
      parts:
        - label: Bringing children
          terms: [children, toddler, baby]
        - label: Bringing someone for support
          terms: [husband, partner, friend]

Each load is the whole register, a new version (earlier loads are kept; the latest is in
force); the next ``python -m warehouse build`` applies it (warehouse/theme_register.py).
Every error names the file, the line, the entry and the field; nothing is stored then.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from store.errors import InputError
from store.yaml_nodes import entry_nodes

ACTIONS = ("rename", "merge", "split")
FIELDS = {"rename": ("action", "theme", "label"), "merge": ("action", "themes", "into", "label"),
          "split": ("action", "theme", "parts")}
REQUIRED = {"rename": ("theme", "label"), "merge": ("themes",), "split": ("theme", "parts")}
BASE_ID = re.compile(r"^[a-z]+-[0-9a-f]{6,64}$")  # a generated theme
ANY_ID = re.compile(r"^[a-z]+-[0-9a-f]{6,64}(?:\.[1-9][0-9]{0,2})?$")  # ... or a split's part
MAX_LABEL = 120


class ThemeRegisterError(InputError):
    """A themes register that cannot be loaded; the message names file, line and field."""


def parse_register(path: Path) -> list[dict]:
    """Read and check a themes register; one dict per entry (action, theme, themes, into,
    label, parts, line), in file order."""
    path = Path(path)
    if not path.is_file():
        raise ThemeRegisterError(f"{path}: no such file")
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise ThemeRegisterError(f"{path}: the themes register is a .yaml or .yml file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ThemeRegisterError(f"{path}: not UTF-8 text ({exc.reason})") from None
    entries = [_entry(path, i, node) for i, node in enumerate(entry_nodes(path, text, "themes", ThemeRegisterError, "entries"), start=1)]
    _check_together(path, entries)
    return entries


def _entry(path: Path, index: int, node) -> dict:
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode):
        raise ThemeRegisterError(f"{path}:{line}: entry {index}: an entry is a mapping of fields")
    constructor = yaml.SafeLoader("")
    fields, lines = {}, {}
    for key_node, value_node in node.value:
        key = str(key_node.value).strip().lower()
        fields[key] = constructor.construct_object(value_node, deep=True)
        lines[key] = value_node.start_mark.line + 1

    def fail(field: str, message: str):
        raise ThemeRegisterError(f"{path}:{lines.get(field, line)}: entry {index}: field '{field}': {message}")

    action = str(fields.get("action") or "").strip().lower()
    if action not in ACTIONS:
        fail("action", f"{fields.get('action')!r} is not one of {', '.join(ACTIONS)}")
    for key in fields:
        if key not in FIELDS[action]:
            fail(key, f"unknown field for {action} (fields: {', '.join(FIELDS[action])})")
    for key in REQUIRED[action]:
        if fields.get(key) in (None, "", []):
            fail(key, "missing")
    entry = {"action": action, "theme": None, "themes": [], "into": None, "label": None, "parts": [],
             "line": line, "index": index}
    if "theme" in fields:
        entry["theme"] = _theme_id(fields["theme"], ANY_ID if action == "rename" else BASE_ID,
                                   lambda m: fail("theme", m))
    if action == "merge":
        if not isinstance(fields["themes"], list) or len(fields["themes"]) < 2:
            fail("themes", "a list of at least two theme ids")
        entry["themes"] = [_theme_id(t, BASE_ID, lambda m: fail("themes", m)) for t in fields["themes"]]
        if len(set(entry["themes"])) != len(entry["themes"]):
            fail("themes", "a theme is listed twice")
        if fields.get("into") is not None:
            entry["into"] = _theme_id(fields["into"], BASE_ID, lambda m: fail("into", m))
            if entry["into"] not in entry["themes"]:
                fail("into", f"{entry['into']} is not one of the themes merged")
        else:
            entry["into"] = entry["themes"][0]
    if fields.get("label") is not None:
        entry["label"] = _label(fields["label"], lambda m: fail("label", m))
    if action == "split":
        entry["parts"] = _parts(fields["parts"], lambda m: fail("parts", m))
    return entry


def _theme_id(value, pattern: re.Pattern, fail) -> str:
    text = str(value).strip().lower() if isinstance(value, str) else None
    if not text or not pattern.match(text):
        fail(f"{value!r} is not a theme id (as the page and question_themes show it, e.g. prep-3fa9c1"
             + (" or prep-3fa9c1.2" if pattern is ANY_ID else "") + ")")
    return text


def _label(value, fail) -> str:
    if not isinstance(value, str) or not value.strip():
        fail("a label is text")
    text = " ".join(value.split())
    if len(text) > MAX_LABEL:
        fail(f"{len(text)} characters; at most {MAX_LABEL}")
    return text


def _parts(value, fail) -> list[dict]:
    if not isinstance(value, list) or len(value) < 2:
        fail("a list of at least two parts, each with a label and terms")
    parts = []
    for n, part in enumerate(value, start=1):
        if not isinstance(part, dict) or set(part) - {"label", "terms"}:
            fail(f"part {n}: a mapping with label and terms")
        label = _label(part.get("label"), lambda m, n=n: fail(f"part {n}: label: {m}"))
        terms = part.get("terms")
        if isinstance(terms, str):
            terms = [t for t in terms.split(",")]
        if not isinstance(terms, list) or not terms or not all(isinstance(t, str) and t.strip() for t in terms):
            fail(f"part {n}: terms: a list of words or phrases")
        parts.append({"label": label, "terms": [" ".join(t.split()) for t in terms]})
    return parts


def _check_together(path: Path, entries: list[dict]) -> None:
    """A theme is merged away at most once, split at most once, renamed at most once, and a
    theme merged into another is neither split nor renamed (split or rename the ``into``)."""
    merged_away: dict[str, dict] = {}
    in_merge: dict[str, dict] = {}
    seen: dict[tuple[str, str], dict] = {}

    def clash(entry, field, message):
        raise ThemeRegisterError(f"{path}:{entry['line']}: entry {entry['index']}: field '{field}': {message}")

    for entry in entries:
        if entry["action"] == "merge":
            for theme in entry["themes"]:
                if theme in in_merge:
                    clash(entry, "themes", f"{theme} is merged already by entry {in_merge[theme]['index']}")
                in_merge[theme] = entry
                if theme != entry["into"]:
                    merged_away[theme] = entry
    for entry in entries:
        if entry["action"] == "merge":
            continue
        theme = entry["theme"]
        if theme.split(".")[0] in merged_away:
            other = merged_away[theme.split(".")[0]]
            clash(entry, "theme", f"{theme} is merged into {other['into']} by entry {other['index']};"
                                  f" {entry['action']} {other['into']} instead")
        if (entry["action"], theme) in seen:
            clash(entry, "theme", f"{theme} has a {entry['action']} already in entry {seen[(entry['action'], theme)]['index']}")
        seen[(entry["action"], theme)] = entry


def load_register(con, entries: list[dict], origin: str, run_id: str) -> int:
    """Store ``entries`` as a new load, inside the caller's transaction; returns its version."""
    version = con.execute("SELECT coalesce(max(load_version), 0) + 1 FROM theme_register_loads").fetchall()[0][0]
    for seq, e in enumerate(entries, start=1):
        con.execute(
            "INSERT INTO theme_register VALUES ($version, $seq, $action, $theme, $themes, $into, $label,"
            " $parts, $line)",
            {"version": version, "seq": seq, "action": e["action"], "theme": e["theme"],
             "themes": e["themes"] or None, "into": e["into"], "label": e["label"],
             "parts": json.dumps(e["parts"]) if e["parts"] else None, "line": e["line"]})
    con.execute("INSERT INTO theme_register_loads VALUES ($version, $origin, now(), $n, $run_id)",
                {"version": version, "origin": origin, "n": len(entries), "run_id": run_id})
    return version


def named_themes(entries: list[dict]) -> set[str]:
    """Every theme id the register names (split parts as their theme)."""
    out = set()
    for e in entries:
        out |= {t for t in [e["theme"], e["into"], *e["themes"]] if t}
    return {t.split(".")[0] for t in out}
