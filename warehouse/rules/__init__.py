"""Guideline flags (DESIGN.md, "Guideline flag"): rule packs as data, and an engine that runs them.

- :mod:`warehouse.rules.packs`: every national rule (from ``pack_confidentiality`` and
  ``pack_conduct``; shape in ``model``, shared patterns in ``patterns``) as a frozen dataclass:
  the clause families it cites, who it applies to, its detector (a kind and its parameters,
  regex patterns as code constants), its severity, an explanation for a reviewer, and the posts
  it must flag (``examples``) and must not (``counter_examples``).
- :mod:`warehouse.rules.clauses`: the clause register (``clauses.csv``): editions of each clause
  with effective dates; a flag cites the edition in force on the post's UK day.
- :mod:`warehouse.rules.flag_model`: the learned detector of the ``*-LEARNED`` rules (one
  linear model per family, JSON weights run in SQL on staff posts), trained by
  :mod:`warehouse.rules.train_flags`.
- :mod:`warehouse.rules.previous`: the packs of ``rules-2``, frozen; ``packs.RULES_3`` is
  ``rules-3`` (run by the same engine) for the comparison.
- :mod:`warehouse.rules.engine`: compiles the rules to one DuckDB SELECT (:func:`flags_sql`)
  yielding one row per (post, rule) hit with the matched span as evidence; NHS numbers are
  validated (Modulus 11) in SQL. :func:`flag_texts` runs it in a scratch database. The build
  runs it in ``int_rule_hits``.
- :mod:`warehouse.rules.local`: rules that trusts' local policies switch on (the build's
  ``int_policy_rule_hits``); :mod:`warehouse.rules.enabling`: the enabling practices measured
  in answers (signposting, compassion).
- :mod:`warehouse.rules.evaluate`: per-family precision and recall on labelled posts, current
  packs beside the previous ones, on dev, test and (when present) the blind held-out set.

Bump ``packs.ENGINE_VERSION`` when a rule or the engine changes what is flagged.
"""
from __future__ import annotations


def find(rule_id: str):
    """The national or local-policy rule with this id (KeyError if none)."""
    from warehouse.rules import local, packs

    for rule in packs.RULES + local.LOCAL_RULES:
        if rule.rule_id == rule_id:
            return rule
    raise KeyError(rule_id)


FAMILY_TITLES = {"confidentiality": "Confidentiality", "clinical_advice": "Clinical advice",
                 "boundaries": "Professional boundaries", "incivility": "Incivility",
                 "discrimination": "Discrimination", "offensive": "Offensive content", "copyright": "Copyright and consent",
                 "local_policy": "Local policy"}


def title(rule_id: str) -> str:
    """What people read for a rule: its title ("NHS number in a post"), never its code; an id no
    rule has any more (an old build) as it is."""
    try:
        return find(rule_id).title
    except KeyError:
        return str(rule_id)


def family_title(family: str) -> str:
    """A rule family as people read it: "Clinical advice", not ``clinical_advice``."""
    return FAMILY_TITLES.get(family, str(family).replace("_", " ").capitalize())
