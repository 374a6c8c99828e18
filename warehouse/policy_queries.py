"""Parameterised queries for the Policy comparison page (issue #4): trusts' local
social-media policies beside their outcomes, and "do trusts with enabling policies have more
breaches?".

Same conventions as :mod:`warehouse.queries` (values bound as ``$name``; code constants only
are formatted into SQL). Every outcome is attributed to the policy **in force on the UK day**
it happened — a staff post's day for flags, the day a question was asked for answers — by
joining the daily pre-aggregates to ``trust_policies`` on the version's effective dates. So a
trust whose policy changed mid-range counts in both groups, each for its own days; days
without a policy in force are counted apart and left out of the comparison.

Outcomes (events over exposure):

============== ================================================= =====================
outcome        events / exposure                                  compared as
============== ================================================= =====================
flags          automatic flags / staff and organisation posts    ratio of rates
confirmed      flags confirmed or actioned by a reviewer / posts ratio of rates
answered       answered questions / questions                    difference (points)
within_target  answered within the policy's target / questions   difference
               whose target outcome is known
signposting    answers that signpost / answered questions        difference
compassion     answers with compassion / answered questions      difference
============== ================================================= =====================

Flags here are breaches of the national guidance only: local-policy rules (family
``local_policy``, e.g. POLICY-ENGAGEMENT) exist only under the policies that switch them on, so
counting them would make restrictive policies look worse by construction.

Group values, p-values and CIs come from :func:`warehouse.compare.compare_trusts` (a
permutation test over trusts, its CI by inverting the test; "too few trusts to tell" when no
data could reach p <= 0.05 with the groups' sizes).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from warehouse import compare, flag_queries, queries
from warehouse.measures import LOWER, MEASURES, Measure, group_code_sql, name_sql
from warehouse.queries import Filters, run


@dataclass(frozen=True)
class Clause:
    label: str          # the clause as a question
    enabling: str       # SQL over trust_policies' columns: true = the enabling side (code constant)
    yes: str            # the enabling group, in words
    no: str             # the other group
    yes_short: str      # column headings
    no_short: str


CLAUSES: dict[str, Clause] = {
    "engagement": Clause("Patient engagement encouraged",
                         "patient_engagement = 'encouraged'",
                         "policies that encourage patient engagement",
                         "policies that only permit or discourage it", "Encourage", "Permit or discourage"),
    "personal_use": Clause("Personal use in working hours permitted",
                           "personal_use_in_working_hours = 'permitted'",
                           "policies that permit personal use in working hours",
                           "policies that do not", "Permit", "Do not permit"),
    "any_account": Clause("Any staff account may engage (not approved accounts only)",
                          "NOT approved_accounts_only",
                          "policies that let any staff account engage",
                          "policies that allow approved accounts only", "Any account", "Approved only"),
}


@dataclass(frozen=True)
class Outcome:
    measure: Measure    # its label and which direction is better (warehouse.measures)
    events: str
    exposure: str
    kind: str           # ratio | difference
    per: float          # shown per ... (1,000 posts) or 1 (a proportion)
    qualifier: str = ""

    @property
    def label(self) -> str:
        return self.measure.label + (f" ({self.qualifier})" if self.qualifier else "")

    @property
    def breach(self) -> bool:
        """A breach measure (lower is better), or enabling practice."""
        return self.measure.better == LOWER


OUTCOMES: dict[str, Outcome] = {  # local-policy flags are left out: the comparison is of national guidance
    "flags": Outcome(MEASURES["flags"], "n_flags", "n_posts", "ratio", 1000, "national guidance"),
    "confirmed": Outcome(MEASURES["confirmed_flags"], "n_confirmed", "n_posts", "ratio", 1000,
                         "national guidance"),
    "answered": Outcome(MEASURES["answered"], "n_answered", "n_questions", "difference", 1),
    "within_target": Outcome(MEASURES["within_target"], "n_within_target", "n_target_known", "difference", 1),
    "signposting": Outcome(MEASURES["signposting"], "n_answer_signposting", "n_answered", "difference", 1),
    "compassion": Outcome(MEASURES["compassion"], "n_answer_compassion", "n_answered", "difference", 1),
}
COUNT_COLUMNS = ("n_posts", "n_flags", "n_confirmed", "n_questions", "n_answered", "n_target_known",
                 "n_within_target", "n_answer_signposting", "n_answer_compassion")

_UNIT_WHERE = f"""($all_regions OR list_contains($regions::VARCHAR[], {group_code_sql('region_code')}))
    AND ($all_trusts OR list_contains($trusts::VARCHAR[], trust_code))"""
_DAILY_WHERE = f"day BETWEEN $start AND $end\n    AND {queries._DIMENSIONS}\n    AND trust_code IS NOT NULL"

# --- the register: the policy in force at the end of the range ------------------------------

POLICY_REGISTER_SQL = f"""
WITH chosen AS (
    SELECT p.*, t.trust_name, t.region_code, r.region_name,
           count(*) OVER (PARTITION BY p.trust_code) AS n_versions,
           row_number() OVER (PARTITION BY p.trust_code ORDER BY p.effective_from DESC) AS newest
    FROM trust_policies p
    JOIN trusts t USING (trust_code)
    LEFT JOIN regions r ON r.region_code = t.region_code
    WHERE p.effective_from <= $end AND (p.effective_to IS NULL OR p.effective_to > $start)
)
SELECT trust_code, trust_name, {name_sql('region_code', 'region_name')} AS region_name,
       policy_version, effective_from, effective_to, n_versions, patient_engagement,
       personal_use_in_working_hours, disclaimer_required, approved_accounts_only,
       response_target_hours, staffed_hours, n_rule_overrides, document_url,
       {{enabling}}
FROM chosen
WHERE newest = 1 AND {_UNIT_WHERE}
ORDER BY region_name, trust_name
"""

POLICY_REGISTER_SQL = POLICY_REGISTER_SQL.replace("{enabling}", ",\n       ".join(
    f"({c.enabling}) AS enabling_{name}" for name, c in CLAUSES.items()))


def policy_register(cursor, filters: Filters) -> pd.DataFrame:
    """One row per trust in the filters with a policy in force at some time in the range: the
    latest such version's clauses (policy_version ... document_url), how many versions were
    in force over the range (n_versions), and for each clause of :data:`CLAUSES` whether the
    version is on its enabling side (enabling_<clause>)."""
    return run(cursor, POLICY_REGISTER_SQL, filters.params())


# --- outcomes by trust and policy group ------------------------------------------------------------

_OUTCOMES_SQL = """
WITH pol AS (
    SELECT trust_code, effective_from, coalesce(effective_to, DATE '9999-12-31') AS effective_to,
           ({enabling}) AS enabling
    FROM trust_policies
),
staff AS (
    SELECT d.trust_code, pol.enabling, sum(d.n_posts)::BIGINT AS n_posts
    FROM (SELECT * FROM daily_staff_post_counts WHERE {where}) d
    LEFT JOIN pol ON pol.trust_code = d.trust_code AND d.day >= pol.effective_from AND d.day < pol.effective_to
    GROUP BY ALL
),
flagged AS (
    SELECT d.trust_code, pol.enabling, sum(d.n_flags)::BIGINT AS n_flags, sum(d.n_confirmed)::BIGINT AS n_confirmed
    FROM (SELECT * FROM daily_flag_counts WHERE {where} AND family <> 'local_policy') d
    LEFT JOIN pol ON pol.trust_code = d.trust_code AND d.day >= pol.effective_from AND d.day < pol.effective_to
    GROUP BY ALL
),
asked AS (
    SELECT d.trust_code, pol.enabling,
           sum(d.n_questions)::BIGINT AS n_questions, sum(d.n_answered)::BIGINT AS n_answered,
           sum(d.n_target_known)::BIGINT AS n_target_known, sum(d.n_within_target)::BIGINT AS n_within_target,
           sum(d.n_answer_signposting)::BIGINT AS n_answer_signposting,
           sum(d.n_answer_compassion)::BIGINT AS n_answer_compassion
    FROM (SELECT * FROM daily_question_counts WHERE {where}) d
    LEFT JOIN pol ON pol.trust_code = d.trust_code AND d.day >= pol.effective_from AND d.day < pol.effective_to
    GROUP BY ALL
),
units AS (
    SELECT trust_code, enabling FROM staff UNION SELECT trust_code, enabling FROM asked
)
SELECT u.trust_code, t.trust_name, {region} AS region_name,
       CASE WHEN u.enabling THEN 'yes' WHEN NOT u.enabling THEN 'no' ELSE 'none' END AS policy_group,
       coalesce(s.n_posts, 0)::BIGINT AS n_posts,
       coalesce(f.n_flags, 0)::BIGINT AS n_flags,
       coalesce(f.n_confirmed, 0)::BIGINT AS n_confirmed,
       coalesce(a.n_questions, 0)::BIGINT AS n_questions,
       coalesce(a.n_answered, 0)::BIGINT AS n_answered,
       coalesce(a.n_target_known, 0)::BIGINT AS n_target_known,
       coalesce(a.n_within_target, 0)::BIGINT AS n_within_target,
       coalesce(a.n_answer_signposting, 0)::BIGINT AS n_answer_signposting,
       coalesce(a.n_answer_compassion, 0)::BIGINT AS n_answer_compassion
FROM units u
LEFT JOIN staff s ON s.trust_code = u.trust_code AND s.enabling IS NOT DISTINCT FROM u.enabling
LEFT JOIN flagged f ON f.trust_code = u.trust_code AND f.enabling IS NOT DISTINCT FROM u.enabling
LEFT JOIN asked a ON a.trust_code = u.trust_code AND a.enabling IS NOT DISTINCT FROM u.enabling
LEFT JOIN trusts t ON t.trust_code = u.trust_code
LEFT JOIN regions r ON r.region_code = t.region_code
ORDER BY region_name, t.trust_name, policy_group
"""
POLICY_OUTCOMES_SQL = {
    name: _OUTCOMES_SQL.format(enabling=clause.enabling, where=_DAILY_WHERE,
                               region=name_sql("t.region_code", "r.region_name"))
    for name, clause in CLAUSES.items()
}


def policy_outcomes(cursor, filters: Filters, clause: str = "engagement") -> pd.DataFrame:
    """One row per trust x policy group (``yes``: the clause's enabling side was in force,
    ``no``: the other side, ``none``: no policy in force), with the counts of every outcome
    (:data:`COUNT_COLUMNS`) made on those days. Unattributed posts are left out."""
    if clause not in CLAUSES:
        raise ValueError(f"clause must be one of {', '.join(CLAUSES)}")
    return run(cursor, POLICY_OUTCOMES_SQL[clause], filters.params())


def compare_groups(outcomes: pd.DataFrame) -> pd.DataFrame:
    """``policy_outcomes`` -> one row per outcome comparing the ``yes`` group with ``no``:
    outcome, label, kind, per, breach, events/exposure totals of each group (events_yes,
    exposure_yes, ...), value_yes, value_no (per ``per``), effect (ratio, or difference in
    proportion), p_value (permutation test over trusts of no difference), effect_low/effect_high
    (its 95% CI by test inversion), trusts_yes, trusts_no, relabellings, exact (every
    relabelling enumerated) and can_tell (False: too few trusts for any data to reach p <= 0.05;
    no p-value or CI then). A trust whose policy changed counts once in each group, for its own
    days."""
    rows = []
    yes = outcomes[outcomes["policy_group"] == "yes"]
    no = outcomes[outcomes["policy_group"] == "no"]
    for name, o in OUTCOMES.items():
        got = compare.compare_trusts(yes[o.events], yes[o.exposure], no[o.events], no[o.exposure], kind=o.kind)
        rows.append({
            "outcome": name, "label": o.label, "kind": o.kind, "per": o.per, "breach": o.breach,
            "events_yes": int(yes[o.events].sum()), "exposure_yes": int(yes[o.exposure].sum()),
            "events_no": int(no[o.events].sum()), "exposure_no": int(no[o.exposure].sum()),
            "value_yes": got["value_a"] * o.per, "value_no": got["value_b"] * o.per,
            "effect": got["effect"], "p_value": got["p_value"],
            "effect_low": got["effect_low"], "effect_high": got["effect_high"],
            "trusts_yes": got["clusters_a"], "trusts_no": got["clusters_b"],
            "relabellings": got["relabellings"], "exact": got["exact"], "can_tell": got["can_tell"],
        })
    return pd.DataFrame(rows)


def policy_comparison(cursor, filters: Filters, clause: str = "engagement") -> pd.DataFrame:
    """:func:`compare_groups` of :func:`policy_outcomes` for ``clause``."""
    return compare_groups(policy_outcomes(cursor, filters, clause))


def trust_outcomes(cursor, filters: Filters) -> pd.DataFrame:
    """One row per trust with its outcome counts over the range, whatever policy was in force
    (for the matrix and the funnel plots; ``group_code``/``group_name`` as the funnels expect),
    with the flag rate per 1,000 staff posts and its CI (rate, ci_low, ci_high, method)."""
    frame = policy_outcomes(cursor, filters, "engagement")
    totals = frame.groupby(["trust_code", "trust_name", "region_name"], as_index=False, dropna=False)[
        list(COUNT_COLUMNS)].sum()
    totals = totals.assign(group_code=totals["trust_code"], group_name=totals["trust_name"])
    return flag_queries.with_rates(totals)




def enabling_in_force(register: pd.DataFrame, clause: str = "engagement") -> dict[str, bool]:
    """trust_code -> whether its policy in ``register`` (from :func:`policy_register`) is on
    the clause's enabling side."""
    if clause not in CLAUSES:
        raise ValueError(f"clause must be one of {', '.join(CLAUSES)}")
    return dict(zip(register["trust_code"], register[f"enabling_{clause}"].astype(bool)))


# --- what the demo planted -------------------------------------------------------------------------

DEMO_ORIGIN_SQL = """
SELECT origin FROM ingest_runs
WHERE command = 'demo' AND status = 'ok'
ORDER BY started_at DESC
LIMIT 1
"""


def demo_origin(cursor, filters: Filters | None = None) -> pd.DataFrame:
    """The origin of the latest successful demo run (``demo:posts=N:seed=S:policy_effect=E``,
    see store.demo_effects), or no row: the page says what the demo planted. ``filters`` is
    accepted for the page API and not used."""
    return run(cursor, DEMO_ORIGIN_SQL, {})
