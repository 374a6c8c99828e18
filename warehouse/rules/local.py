"""Local-policy rules: rules that a trust's own social-media policy adds (DESIGN.md "Guideline
flag": "Trust local policies ... add or change rules").

They are off nationally. A rule is on for a post when the policy in force on the post's UK day
has the clause named by ``enabled_by`` (a column of ``trust_policies`` and the value that turns
it on), or lists ``{rule_id, action: enable}`` in its ``rule_overrides``; ``disable`` and
``severity`` overrides apply to them as to every rule. The detection itself is SQL in
``warehouse/models/intermediate/int_policy_rule_hits.sql`` because it reads the account and the
thread, not the post's text; it is tested on real warehouses in ``tests/test_flags.py``.

Left out on purpose: "personal use in working hours not permitted". A post's time cannot show
personal use in working hours: the trust's staffed hours are the service's, not the author's
shift, and staff post on breaks and days off. Flagging every staff post in office hours would
swamp the rates with noise, so the clause is shown in the policy matrix but not flagged.
"""
from __future__ import annotations

from dataclasses import dataclass


FAMILY = "local_policy"

# HCPC social media guidance: "If you are employed, you will also need to ensure you follow your
# employer's social media policy" (clause register, family HCPC-SMG-EMPLOYER).
EMPLOYER = ("HCPC-SMG-EMPLOYER",)

# Disclaimers a personal profile may carry (RE2, matched on the profile text).
DISCLAIMER_PATTERN = (r"(?i)\b(?:views?|opinions?|thoughts?|tweets?|posts?)\s+(?:are\s+|is\s+)?(?:all\s+)?"
                      r"(?:my\s+own|mine|personal)\b|\bpersonal\s+(?:views?|account|opinions?)\b"
                      r"|\bown\s+views\b|\bRTs?\s*(?:≠|!=|not|are not|aren't|does not equal)\s*endorse")


@dataclass(frozen=True)
class LocalRule:
    rule_id: str
    title: str
    severity: str
    clauses: tuple[str, ...]
    explanation: str
    enabled_by: str        # which policy clause turns it on, in words (docs/methods.md, reviewers)
    family: str = FAMILY
    applies_to: str = "staff"


LOCAL_RULES: tuple[LocalRule, ...] = (
    LocalRule(
        "POLICY-DISCLAIMER", "Personal staff account without a \u201cviews my own\u201d disclaimer", "low",
        EMPLOYER,
        "The trust's policy requires staff who post as professionals to say their views are their own. "
        "This account's profile has no such disclaimer. One flag per account and policy version, on its "
        "first post under that version.",
        "`disclaimer_required: true`"),
    LocalRule(
        "POLICY-ENGAGEMENT", "Patient question answered from a personal staff account", "low",
        EMPLOYER,
        "The trust's policy discourages staff from engaging with patients on social media, or allows only "
        "approved accounts: this personal staff account answered a patient's question. Check whether the "
        "answer should have come from the trust's official account.",
        "`patient_engagement: discouraged` or `approved_accounts_only: true`"),
)
