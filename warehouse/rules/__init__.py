"""Guideline flags (DESIGN.md, "Guideline flag"): rule packs as data, and an engine that runs them.

- :mod:`warehouse.rules.packs`: each rule as a frozen dataclass: the clause of published guidance
  it cites (HCPC, SoR/SCoR, GMC, RCGP, NHSP), who it applies to, its detector (a kind and its
  parameters, regex patterns as code constants), its severity, an explanation for a reviewer,
  and the posts it must flag (``examples``) and must not (``counter_examples``).
- :mod:`warehouse.rules.engine`: compiles the rules to one DuckDB SELECT (:func:`flags_sql`)
  yielding one row per (post, rule) hit with the matched span as evidence; NHS numbers are
  validated (Modulus 11) in SQL. :func:`flag_texts` runs it in a scratch database.

Not yet wired into the build (issue #4, step 1). Bump ``packs.ENGINE_VERSION`` when a rule or the
engine changes what is flagged.
"""
