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
