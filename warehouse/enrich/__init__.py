"""Enrichments applied by the build: transparent, versioned rules that run inside DuckDB.

Each enrichment is a module with a ``VERSION`` and its rules as code constants (:class:`Cue`),
each rule carrying example texts that its tests run. Rules become SQL expressions whose
patterns are embedded as string literals: they are code, not user input, and a constant
pattern is compiled once by DuckDB, whereas a bound one would be recompiled for every row.

- :mod:`warehouse.enrich.questions`: is a post a question, and on which imaging topic.
- :mod:`warehouse.enrich.roles`: is an author a professional or an organisation, from
  their own words (bio or post), with a confidence and the matched span as evidence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RELATION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$")


@dataclass(frozen=True)
class Cue:
    """One named rule: an RE2 pattern (DuckDB's regex dialect) and its weight.

    ``examples`` must match the pattern and ``counter_examples`` must not; the tests run both.
    A negative weight makes a cue count against (e.g. a retweet is not the author's question).
    """

    name: str
    pattern: str
    weight: float
    examples: tuple[str, ...] = ()
    counter_examples: tuple[str, ...] = ()


def sql_string(value: str) -> str:
    """A SQL string literal for a code constant (DuckDB strings keep backslashes as-is)."""
    return "'" + value.replace("'", "''") + "'"


def sql_number(value: float) -> str:
    """A DOUBLE literal (a bare 0.6 would be a DECIMAL in DuckDB)."""
    return f"CAST({float(value)!r} AS DOUBLE)"


def identifier(name: str) -> str:
    """A column name from code, checked so that it can be written into SQL."""
    if not _IDENT.match(name):
        raise ValueError(f"not a plain column name: {name!r}")
    return name


def relation_name(name: str) -> str:
    """A (schema-qualified) table or view name from code, checked likewise."""
    if not _RELATION.match(name):
        raise ValueError(f"not a plain relation name: {name!r}")
    return name


def keywords(*words: str) -> str:
    """A case-insensitive RE2 pattern matching any of ``words`` as whole words."""
    return r"(?i)\b(?:" + "|".join(words) + r")\b"


def union_pattern(cues: list[Cue]) -> str:
    """One RE2 pattern that matches exactly where at least one of ``cues`` matches."""
    return "|".join(f"(?:{cue.pattern})" for cue in cues)


def chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def weighted_sum(hits: list[tuple[str, Cue]]) -> str:
    """SQL: the sum of the weights of the cues whose boolean column is true."""
    terms = [f"CASE WHEN {column} THEN {sql_number(cue.weight)} ELSE 0.0 END" for column, cue in hits]
    return "round(" + " + ".join(terms) + ", 6)"


def matched_names(hits: list[tuple[str, Cue]]) -> str:
    """SQL: the names of the cues whose boolean column is true, in order (VARCHAR[])."""
    names = ", ".join(f"CASE WHEN {column} THEN {sql_string(cue.name)} END" for column, cue in hits)
    return f"list_filter([{names}], lambda x: x IS NOT NULL)"


class StagedColumns:
    """Helper columns computed stage by stage, one CTE each; a stage may read earlier stages.

    ``look`` adds a regex match that runs only where a gate holds: DuckDB evaluates the branches
    of a CASE lazily (``gate AND regexp_matches(...)`` would run the regex on every row).
    """

    def __init__(self, text_column: str) -> None:
        self.text = text_column
        self.stages: list[list[str]] = []
        self.helpers: list[str] = []

    def add(self, stage: int, column: str, expr: str) -> str:
        while len(self.stages) <= stage:
            self.stages.append([])
        self.stages[stage].append(f"{expr} AS {column}")
        self.helpers.append(column)
        return column

    def look(self, stage: int, column: str, gate: str, pattern: str) -> str:
        return self.add(stage, column,
                        f"CASE WHEN {gate} THEN regexp_matches({self.text}, {sql_string(pattern)}) ELSE false END")


def scratch_connection():
    """An in-memory DuckDB for evaluation, tests and single-row "why" look-ups (no files)."""
    from store import db

    return db.connect_scratch()
