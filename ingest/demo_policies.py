"""The demo's fictional trusts and their local policies (for :mod:`ingest.demo`).

The trusts are invented (``ingest/demo_trusts.csv``: "Larkmoor Imaging NHS Trust" ...,
codes ZZ101-ZZ148 that no ODS organisation has), placed in the real NHS regions and nations.
Each trust's policy clauses are drawn on their own, independently of one another and of how
busy or responsive the trust is, so that a comparison by one clause is not confounded by
another; what the clauses are made to do is :mod:`store.demo_effects` (the generator plants it).
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

DEMO_TRUSTS = Path(__file__).resolve().parent / "demo_trusts.csv"  # fictional organisations
DAYS = 730  # the history's length in days (ingest.demo)

# Local-policy clauses, each drawn on its own (so that none stands in for another).
ENGAGEMENT = ("encouraged", "permitted", "discouraged")
ENGAGEMENT_P = [0.4, 0.35, 0.25]
PERSONAL_USE_P = 0.5            # personal use in working hours permitted
APPROVED_ONLY_P = 0.3           # approved accounts only
DISCLAIMER_P = 0.6
TARGET_HOURS = [4, 6, 8, 12, 24, 48, 72]
STAFFED_HOURS = [None, None, "Mon-Fri 09:00-17:00", "Mon-Fri 08:00-20:00", "Mon-Sat 08:00-18:00",
                 "Mon-Fri 07:30-19:00; Sat 09:00-13:00", "Mon-Fri 09:00-16:30", "24/7",
                 "Mon-Fri 08:00-18:00; Sat 10:00-14:00; BH 10:00-14:00"]
SECOND_VERSION_P = 0.25         # trusts that change target, hours or disclaimer mid-history


def pick_trusts(path: Path = DEMO_TRUSTS) -> pd.DataFrame:
    """The demo's fictional trusts (``ingest/demo_trusts.csv``), with the short name, town,
    handle stem and web site their posts use."""
    out = pd.read_csv(path, dtype=str, keep_default_na=False)[["ods_code", "name", "region_code", "nation", "town"]]
    out["short"] = [n.removesuffix(" NHS Trust").removesuffix(" Health Board").removesuffix(" HSC Trust")
                    for n in out["name"]]
    out["slug"] = [t.replace(" ", "") for t in out["town"]]
    domain = {"Scotland": ".scot.nhs.uk", "Wales": ".wales.nhs.uk", "Northern Ireland": ".hscni.net"}
    out["site"] = [s.lower() + "imaging" + domain.get(n, ".nhs.uk") for s, n in zip(out["slug"], out["nation"])]
    return out


def policies(world, clock) -> list[dict]:
    """The demo trusts' local-policy register (fields of :mod:`ingest.policies`), one dict per
    version: every trust has a policy from the first day of the history; a quarter change
    version at a day in its middle (target, staffed hours, disclaimer), keeping the clauses
    whose effects may be planted, so that each trust's outcomes stay under one side of them."""
    first = datetime.fromtimestamp(clock.start, timezone.utc).date()
    out = []
    for t, code in enumerate(world.trusts["ods_code"]):
        c = {k: v[t] for k, v in world.clauses.items()}
        base = {
            "trust_code": code, "personal_use_in_working_hours": "permitted" if c["personal_use"] else "not_permitted",
            "patient_engagement": ENGAGEMENT[c["engagement"]], "approved_accounts_only": bool(c["approved_only"]),
        }
        overrides = ([{"rule_id": "ADVICE-INDIVIDUAL", "action": "severity", "severity": "low"}]
                     if c["engagement"] == 0 else [])
        v1 = dict(base, policy_version="1", effective_from=first, disclaimer_required=bool(c["disclaimer"]),
                  response_target_hours=int(TARGET_HOURS[c["target"]]), staffed_hours=STAFFED_HOURS[c["hours"]],
                  rule_overrides=overrides)
        if c["second_day"] < 0:
            out.append(v1)
            continue
        changed = first + pd.Timedelta(days=int(c["second_day"])).to_pytimedelta()
        out.append(dict(v1, effective_to=changed))
        out.append(dict(base, policy_version="2", effective_from=changed, disclaimer_required=True,
                        response_target_hours=int(TARGET_HOURS[c["target2"]]),
                        staffed_hours=STAFFED_HOURS[c["hours2"]],
                        rule_overrides=overrides + ([{"rule_id": "CONF-IMAGE", "action": "severity",
                                                      "severity": "high"}] if c["engagement"] == 2 else [])))
    order = ("trust_code", "policy_version", "effective_from", "effective_to", "personal_use_in_working_hours",
             "patient_engagement", "disclaimer_required", "approved_accounts_only", "response_target_hours",
             "staffed_hours", "rule_overrides")
    return [{k: version[k].isoformat() if hasattr(version[k], "isoformat") else version[k]
             for k in order if version.get(k) is not None and version.get(k) != []} for version in out]


def clauses(rng, nt: int) -> dict[str, np.ndarray]:
    """Each trust's policy clauses (indices into ENGAGEMENT, TARGET_HOURS, STAFFED_HOURS), each
    drawn on its own; second_day: the day of the history its version 2 starts (-1: none)."""
    return {
        "engagement": rng.choice(3, nt, p=ENGAGEMENT_P),
        "personal_use": rng.random(nt) < PERSONAL_USE_P,
        "approved_only": rng.random(nt) < APPROVED_ONLY_P,
        "disclaimer": rng.random(nt) < DISCLAIMER_P,
        "target": rng.integers(len(TARGET_HOURS), size=nt),
        "hours": rng.integers(len(STAFFED_HOURS), size=nt),
        "second_day": np.where(rng.random(nt) < SECOND_VERSION_P, rng.integers(200, DAYS - 100, nt), -1),
        "target2": rng.integers(len(TARGET_HOURS), size=nt),
        "hours2": rng.integers(len(STAFFED_HOURS), size=nt),
    }
