"""Enabling practice: what the guidance encourages, measured on professionals' answers.

Guidance is not only "thou shalt not" (DESIGN.md "Guideline flag"). Beside the breach rates
RadSoMe measures three things a good answer to a patient's question does:

- ``signposting``: points to official information — nhs.uk (which includes trusts' own
  ``*.nhs.uk`` sites), gov.uk, NHS 111, NHS inform, the GP or the screening service's
  helpline — instead of, or as well as, answering in public;
- ``compassion``: acknowledges the person (sorry to hear, understandable to feel anxious,
  thank you for asking, hope it goes well);
- answered within the trust's target: from the local policy in force
  (``patient_questions.within_target``), not a text detector.

The two text practices are data like the rule packs: a RE2 ``pattern`` whose matched span is
the evidence, an optional ``unless``, and examples and counter-examples that the tests run.
They are measured on the post that answered each patient question (the professional or
organisation reply that stopped its clock), so their rate is "of answered questions".
"""
from __future__ import annotations

from dataclasses import dataclass

from warehouse.enrich import sql_string


@dataclass(frozen=True)
class Practice:
    practice_id: str
    title: str
    clauses: tuple[str, ...]  # clause families of the register (clauses.csv)
    pattern: str
    examples: tuple[str, ...]
    counter_examples: tuple[str, ...]
    unless: str | None = None


PRACTICES: tuple[Practice, ...] = (
    Practice(
        "signposting", "Signposts to official information", ("RCGP-ADVICE",),
        r"(?i)\b(?:www\.)?(?:[a-z0-9-]+\.)*(?:nhs\.uk|gov\.uk|nhs\.scot|nhsinform\.scot|nhs\.wales|hscni\.net)\b"
        r"|\bnhs ?111\b|\b(?:call|ring|phone|dial) 111\b|\bnhs inform\b"
        r"|\b(?:contact|speak to|call|ring|see) your (?:gp|gp practice|doctor|practice|consultant|screening (?:unit|service|office))\b"
        r"|\b(?:the )?(?:breast )?screening (?:office|helpline|unit)(?: on| number)\b",
        examples=(
            "@anna sorry you're worried - there's a good guide at nhs.uk/conditions/mri-scan",
            "Please ring the breast screening office on 0300 123 4567 to rebook",
            "If you're worried about symptoms please contact your GP or call 111",
            "Info on who is invited: www.gov.uk/government/publications/breast-screening-helping-you-decide",
            "You can find our preparation leaflets at www.kch.nhs.uk/radiology",
            "NHS inform has a good page on what to expect at a CT scan",
        ),
        counter_examples=(
            "@anna the scan should take about 20 minutes",
            "Our new scanner arrives next week!",
            "Follow us on facebook.com/ourradiology for updates",
            "I work at a GP surgery as a receptionist",
        ),
    ),
    Practice(
        "compassion", "Answers with compassion", ("RCGP-BOUNDARIES",),
        r"(?i)\bsorry (?:to hear|you(?:'re| are| have|'ve)? (?:feeling|been|going|worried|anxious|had|waiting))"
        r"|\b(?:completely |totally |very )?understandable\b|\bwe understand\b|\bi understand (?:how|that|this|it)"
        r"|\bmust be (?:worrying|stressful|difficult|hard|frustrating|upsetting)"
        r"|\b(?:thank you|thanks) for (?:getting in touch|reaching out|asking|your (?:question|message|patience))"
        r"|\b(?:hope|hoping) (?:it|everything|all) goes (?:well|ok|smoothly)|\b(?:take care|best wishes|wishing you)\b"
        r"|\b(?:please )?(?:try not to|don't) hesitate\b|\bhere (?:for you|to help)\b"
        r"|\bit(?:'s| is) (?:normal|natural|common) to (?:feel|be) (?:anxious|nervous|worried|scared)",
        examples=(
            "@sam sorry to hear you've been waiting, I'll chase this with the team now",
            "It's completely understandable to feel nervous before an MRI",
            "Thank you for getting in touch - the results usually take two weeks",
            "That must be worrying. Please ring the department and ask for the duty radiographer",
            "Hope it goes well tomorrow, the team are lovely",
            "It's normal to feel anxious about a recall; most recalls are not cancer",
        ),
        counter_examples=(
            "Appointments can be rebooked online",
            "Sorry, we can't discuss individual cases here",
            "Results take two weeks",
            "The scanner is closed for maintenance, sorry for any inconvenience",
        ),
    ),
)

PRACTICE_IDS = tuple(p.practice_id for p in PRACTICES)


def practice_columns(text: str) -> str:
    """SQL select-list items for each practice over the text column ``text``:
    ``<id>_evidence`` (the matched span, or NULL)."""
    items = []
    for p in PRACTICES:
        expr = f"nullif(regexp_extract({text}, {sql_string(p.pattern)}), '')"
        if p.unless:
            expr = f"CASE WHEN NOT regexp_matches({text}, {sql_string(p.unless)}) THEN {expr} END"
        items.append(f"{expr} AS {p.practice_id}_evidence")
    return ",\n    ".join(items)
