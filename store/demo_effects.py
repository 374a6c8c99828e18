"""What the demo generator plants: the effects of trusts' local-policy clauses on outcomes.

One definition, read by the generator (``ingest.demo``, which plants them) and by the
dashboard (which says on the Policy comparison page what was planted, so the demo doubles as a
check of the comparison method). ``python -m ingest demo --policy-effect none|default`` chooses
one; the demo run's origin records it (``demo:posts=N:seed=S:policy_effect=E``).

The demo's trusts are fictional (``ingest/demo_trusts.csv``, codes ZZ101-ZZ148): no planted
effect is ever shown under a real organisation's name. Each trust's policy clauses are drawn
independently of one another and of how busy or responsive the trust is, so a comparison by
one clause is not confounded by another; approved_accounts_only never has an effect (a
negative control).
"""
from __future__ import annotations

from dataclasses import dataclass

NONE, DEFAULT = "none", "default"


@dataclass(frozen=True)
class PolicyEffect:
    name: str
    answered_points: float  # added to the chance a question is answered where engagement is encouraged
    breach_ratio: float     # multiplies staff posts' chance of breaching guidance where personal use is permitted
    words: str              # what was planted, for the page

    @property
    def planted(self) -> bool:
        return self.answered_points != 0 or self.breach_ratio != 1


POLICY_EFFECTS = {
    NONE: PolicyEffect(NONE, 0.0, 1.0, "no policy effect was planted: every clause's groups were generated "
                                       "alike, so any difference the comparison shows is chance"),
    DEFAULT: PolicyEffect(DEFAULT, 0.15, 2.0,
                          "trusts whose policy encourages patient engagement were generated to answer 15 "
                          "percentage points more of their questions (before the platform's own answer "
                          "rate, so about 12–13 points in the share answered), and staff of trusts that "
                          "permit personal use in working hours to breach the national guidance twice as "
                          "often (so about twice the flag rate, a little less as some flags are false "
                          "alarms); “approved accounts only” was given no effect"),
}


def describe(effect: str) -> str:
    """The sentence a page shows for a demo generated with ``effect``."""
    if effect not in POLICY_EFFECTS:
        return f"This synthetic demo was generated with an unknown policy effect ({effect!r})."
    return (f"This synthetic demo was generated with `--policy-effect {effect}`: "
            f"{POLICY_EFFECTS[effect].words}.")


def effect_of(origin: str | None) -> str | None:
    """The policy effect recorded in a demo run's origin ('demo:posts=N:seed=S:policy_effect=E');
    None when the origin records none (a demo made before the parameter existed)."""
    for part in (origin or "").split(":"):
        key, _, value = part.partition("=")
        if key == "policy_effect" and value:
            return value
    return None
