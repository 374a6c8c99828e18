"""The clause register (``clauses.csv`` beside this file): every clause of published guidance a
rule may cite, one row per edition, with the dates it was in force.

A rule names clause *families* in order of preference (e.g. ``HCPC-CONFIDENTIALITY``, the
confidentiality standard of HCPC's Standards of conduct, performance and ethics); each family
has one row per edition. A flag cites the first of its rule's families with an edition in force
on the post's UK day, so a 2023 post cites the 2016 HCPC standards and a 2025 post the 2024
ones. The build does the same selection in SQL (``marts/flags.sql``); :func:`cite` is the
Python twin that the tests compare it with.

Dates are UK calendar days; an edition is in force from ``effective_from`` up to but not
including ``effective_to`` (the same convention as trusts' policies). A blank
``effective_from`` means the document is undated and is treated as in force on every day
before ``effective_to``; a blank ``effective_to`` means still in force. ``verified`` holds the
URL of the primary source where the clause number and wording were checked, blank where they
were not (``note`` then says what is missing): the register says what it does not know
rather than guess.
"""
from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

REGISTER = Path(__file__).with_name("clauses.csv")
COLUMNS = ("clause_id", "family", "issuer", "document", "edition", "clause_number", "summary", "url",
           "effective_from", "effective_to", "verified", "note")
OPEN_START, OPEN_END = date(1900, 1, 1), date(9999, 12, 31)


@dataclass(frozen=True)
class Clause:
    clause_id: str
    family: str
    issuer: str
    document: str
    edition: str
    clause_number: str
    summary: str
    url: str
    effective_from: date | None
    effective_to: date | None
    verified: str
    note: str

    def in_force(self, day: date) -> bool:
        return (self.effective_from or OPEN_START) <= day < (self.effective_to or OPEN_END)

    @property
    def citation(self) -> str:
        """One line for a reviewer: who, what, which edition and clause, and its wording."""
        number = f" {self.clause_number}" if self.clause_number else ""
        return f"{self.issuer}, {self.document} ({self.edition}){number}: \u201c{self.summary}\u201d"


class RegisterError(ValueError):
    """The register file is malformed: the message names the file, line and field."""


def _day(value: str, line: int, field: str, path: Path) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RegisterError(f"{path}:{line}: {field} {value!r} is not a YYYY-MM-DD date") from None


def load(path: Path | None = None) -> tuple[Clause, ...]:
    """Read and check the register (default: ``REGISTER``, read at call time): unique ids, dates
    in order, no two editions of a family in force on the same day, every row with a summary and
    a URL."""
    path = path or REGISTER
    clauses: list[Clause] = []
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise RegisterError(f"{path}:1: columns must be {', '.join(COLUMNS)}")
        for line, row in enumerate(reader, start=2):
            for field in ("clause_id", "family", "issuer", "document", "edition", "summary", "url"):
                if not row[field].strip():
                    raise RegisterError(f"{path}:{line}: {field} is empty")
            start = _day(row["effective_from"], line, "effective_from", path)
            stop = _day(row["effective_to"], line, "effective_to", path)
            if start and stop and not start < stop:
                raise RegisterError(f"{path}:{line}: effective_to must be after effective_from")
            if row["verified"] and not row["verified"].startswith("http"):
                raise RegisterError(f"{path}:{line}: verified must be the URL checked, or blank")
            clauses.append(Clause(**{**row, "effective_from": start, "effective_to": stop}))
    ids = [c.clause_id for c in clauses]
    if len(ids) != len(set(ids)):
        raise RegisterError(f"{path}: clause_id repeated: {sorted({i for i in ids if ids.count(i) > 1})}")
    for family in {c.family for c in clauses}:
        editions = sorted((c for c in clauses if c.family == family), key=lambda c: c.effective_from or OPEN_START)
        for earlier, later in zip(editions, editions[1:]):
            if (earlier.effective_to or OPEN_END) > (later.effective_from or OPEN_START):
                raise RegisterError(f"{path}: {earlier.clause_id} and {later.clause_id} ({family}) overlap")
    return tuple(clauses)


@lru_cache(maxsize=1)
def register() -> tuple[Clause, ...]:
    return load()


def families() -> set[str]:
    return {c.family for c in register()}


def by_id(clause_id: str) -> Clause:
    return next(c for c in register() if c.clause_id == clause_id)


def cite(families_in_order: tuple[str, ...], day: date) -> Clause | None:
    """The clause a flag on ``day`` cites: the edition in force of the first family that has one."""
    for family in families_in_order:
        for clause in register():
            if clause.family == family and clause.in_force(day):
                return clause
    return None


def digest() -> str:
    """A short hash of the register file: shown beside the engine version, part of the build's
    rules table so a changed register is visible in every flag's provenance."""
    return hashlib.sha256(REGISTER.read_bytes()).hexdigest()[:12]
