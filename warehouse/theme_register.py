"""The themes register applied to the generated themes: rename, merge and split.

The register (YAML, loaded by ``python -m ingest themes PATH`` into the raw store, versioned
like the policy register) is what people decide about the generated themes; the build keeps
the generated ("base") themes and assignments as they are and applies the register in force on
top of them, every build, so that a register change is seen at once and can be undone:

- ``merge`` (``themes: [a, b, …]``, ``into``: one of them, default the first, optional
  ``label``): the questions of every theme listed belong to ``into``; the others are no longer
  shown (their ids stay retired: never given to another theme).
- ``split`` (``theme``, ``parts``: a list of ``{label, terms}``): a question of the theme goes
  to the first part one of whose terms it uses (a term of several words needs them all; words
  are read as the themes read them, so "husband" also finds "partner" and "my mum"), the rest
  stay in the theme. Part *n* has the id ``<theme>.<n>``: add parts at the end to keep ids.
- ``rename`` (``theme``, ``label``): the label people see instead of the generated one; the
  theme may be a generated theme, a merge's ``into`` or a split's part.

Merges apply first, then splits, then renames. An entry naming a theme the build does not know
(yet) is skipped and reported in the build's summary (``RegisterResult.skipped``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from warehouse.theme_text import words

GENERATED, REGISTER = "generated", "register"


@dataclass
class FinalTheme:
    theme_id: str
    topic: str
    label: str
    label_source: str  # "generated" or "register"
    base_theme_id: str  # the generated theme it comes from (a split part's parent)
    merged_from: list[str] = field(default_factory=list)


@dataclass
class RegisterResult:
    themes: dict[str, FinalTheme]
    theme_of: dict[tuple, str | None]  # question key -> final theme id
    skipped: list[str]  # why entries were not applied


def entries_from_rows(rows: list[tuple]) -> list[dict]:
    """Register rows as stored (action, theme_id, themes, into, label, parts JSON), in order."""
    out = []
    for action, theme, themes, into, label, parts in rows:
        out.append({"action": action, "theme": theme, "themes": list(themes or []), "into": into,
                    "label": label, "parts": json.loads(parts) if parts else []})
    return out


def apply(entries: list[dict], base: dict[str, tuple[str, str]], base_of: dict[tuple, str | None],
          text_of: dict[tuple, str]) -> RegisterResult:
    """``base``: generated theme id -> (topic, generated label); ``base_of``: question key ->
    generated theme id; ``text_of``: question key -> its text (for splits)."""
    themes = {tid: FinalTheme(tid, topic, label, GENERATED, tid) for tid, (topic, label) in sorted(base.items())}
    theme_of = dict(base_of)
    skipped: list[str] = []
    for entry in (e for e in entries if e["action"] == "merge"):
        _merge(entry, themes, theme_of, skipped)
    for entry in (e for e in entries if e["action"] == "split"):
        _split(entry, themes, theme_of, text_of, skipped)
    for entry in (e for e in entries if e["action"] == "rename"):
        theme = themes.get(entry["theme"])
        if theme is None:
            skipped.append(f"rename {entry['theme']}: no such theme")
            continue
        theme.label, theme.label_source = entry["label"], REGISTER
    return RegisterResult(themes, theme_of, skipped)


def _merge(entry, themes, theme_of, skipped) -> None:
    listed = entry["themes"]
    into = entry["into"] or (listed[0] if listed else None)
    missing = [t for t in listed if t not in themes]
    if missing:
        skipped.append(f"merge into {into}: no such theme {', '.join(missing)}")
        return
    topics = {themes[t].topic for t in listed}
    if len(topics) > 1:
        skipped.append(f"merge into {into}: themes of different topics ({', '.join(sorted(topics))})")
        return
    target = themes[into]
    for other in listed:
        if other == into:
            continue
        target.merged_from += [other, *themes[other].merged_from]
        del themes[other]
    gone = set(listed) - {into}
    for key, tid in theme_of.items():
        if tid in gone:
            theme_of[key] = into
    if entry.get("label"):
        target.label, target.label_source = entry["label"], REGISTER


def _split(entry, themes, theme_of, text_of, skipped) -> None:
    parent = themes.get(entry["theme"])
    if parent is None:
        skipped.append(f"split {entry['theme']}: no such theme")
        return
    parts = []
    for n, part in enumerate(entry["parts"], start=1):
        part_id = f"{parent.theme_id}.{n}"
        themes[part_id] = FinalTheme(part_id, parent.topic, part["label"], REGISTER, parent.base_theme_id)
        parts.append((part_id, [set(words(term)) for term in part["terms"]]))
    for key, tid in sorted(theme_of.items(), key=lambda kv: str(kv[0])):
        if tid != parent.theme_id:
            continue
        used = set(words(text_of.get(key, "")))
        for part_id, needs in parts:
            if any(need and need <= used for need in needs):
                theme_of[key] = part_id
                break
