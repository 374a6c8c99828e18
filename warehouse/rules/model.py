"""The shape of a rule (data, not code): what the packs are made of and the engine compiles.

A ``Detector`` is one of:

- ``regex``: flags when ``pattern`` matches, every pattern in ``requires`` matches, at least
  ``min_any`` of the patterns in ``any_of`` match, and ``unless`` (if any) does not; the
  evidence is the span ``pattern`` matched. ``any_of`` expresses "a description together with
  two of place, age, condition, date" without writing every combination out.
- ``nhs_number``: runs of digit groups (``pattern``) in the text after full-width digits and
  odd separators are normalised; every run of whole groups holding exactly 10 digits is a
  candidate, kept if it passes the NHS Modulus 11 check and no ``label_before`` (e.g. "ticket",
  "order no") stands right before it; ``requires`` and ``unless`` apply to the whole post as
  for ``regex``. The evidence is the candidate as normalised.

- ``learned``: the family's linear model (:mod:`warehouse.rules.flag_model`); ``pattern``
  names the family. It reads staff posts only, after the regex rules, and flags a post no
  regex rule of its family flagged; the evidence is the words that weighed most.

Patterns are RE2 (DuckDB's regex dialect: no look-around, no back-references) and code
constants that the engine embeds in SQL as string literals.

``clauses`` names clause families of the register (``clauses.csv``) in order of preference:
a flag cites the first family with an edition in force on the post's UK day.
"""
from __future__ import annotations

from dataclasses import dataclass

SEVERITIES = ("low", "medium", "high")
APPLIES_TO = ("staff", "all")  # staff = posts by professional and organisation accounts
STAFF_ROLES = ("professional", "organisation")
FAMILIES = ("confidentiality", "clinical_advice", "boundaries", "incivility", "discrimination", "offensive",
            "copyright")
DETECTOR_KINDS = ("regex", "nhs_number", "learned")


@dataclass(frozen=True)
class Detector:
    kind: str
    pattern: str
    requires: tuple[str, ...] = ()
    unless: str | None = None
    any_of: tuple[str, ...] = ()
    min_any: int = 0
    label_before: str | None = None  # nhs_number only


@dataclass(frozen=True)
class Rule:
    rule_id: str
    title: str
    family: str
    severity: str
    applies_to: str
    clauses: tuple[str, ...]
    explanation: str
    detector: Detector
    examples: tuple[str, ...]
    counter_examples: tuple[str, ...]
