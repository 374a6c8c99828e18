"""Rule packs as data (DESIGN.md "Guideline flag"): every national rule, assembled from the
family packs. Bump ``ENGINE_VERSION`` when a rule or the engine changes what is flagged.

- :mod:`warehouse.rules.model`: the shape of a rule and its detector.
- :mod:`warehouse.rules.pack_learned`: one learned rule per family (``CONF-LEARNED``…), run by
  the linear model of :mod:`warehouse.rules.flag_model` on what the regex rules missed.
- :mod:`warehouse.rules.pack_confidentiality`, :mod:`warehouse.rules.pack_conduct`: the rules,
  each with the clause families it cites, its examples and hard negatives (the tests run both).
- :mod:`warehouse.rules.clauses`: the clause register the families resolve to, by date.

The previous version (``rules-2``) is frozen under :mod:`warehouse.rules.previous` so the
evaluation can score both.
"""
from __future__ import annotations

from warehouse.rules import pack_conduct, pack_confidentiality, pack_learned
from warehouse.rules.model import (APPLIES_TO, DETECTOR_KINDS, FAMILIES, SEVERITIES, STAFF_ROLES, Detector,
                                   Rule)

ENGINE_VERSION = "rules-4"

RULES: tuple[Rule, ...] = pack_confidentiality.RULES + pack_conduct.RULES + pack_learned.RULES
# The rules of rules-3 (the regex packs before the learned rules and OFFENSIVE-PROFANITY), run by
# the same engine: python -m warehouse evaluate --rules scores them beside the current packs.
RULES_3: tuple[Rule, ...] = tuple(r for r in RULES if r.detector.kind != "learned" and r.rule_id != "OFFENSIVE-PROFANITY")

__all__ = ["APPLIES_TO", "DETECTOR_KINDS", "ENGINE_VERSION", "FAMILIES", "RULES", "SEVERITIES", "STAFF_ROLES",
           "Detector", "Rule"]
