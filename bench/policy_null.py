"""How often the Policy comparison calls chance a difference, and whether its intervals cover a
planted effect: simulated groups of trusts with the demo's spread between trusts.

``python bench/policy_null.py [--sets 1000] [--seed 1]`` prints, for 3, 4, 6 and 12 trusts a
group (and four unequal pairs) and both kinds of outcome (a flag rate compared as a ratio, a share answered as a
difference), the false-positive rate of the permutation test (``warehouse.compare``) and of
the cluster bootstrap it replaced (kept below as :func:`old_bootstrap`, only to be measured),
and the coverage of each method's 95% interval when an effect is planted.

The trusts are drawn as the demo generator draws them (``ingest/demo.py``; figures read off a
40,000-post demo): staff posts per trust log-normal (median 220, σ 0.8 on the log scale), flag
rate 12.5 per 1,000 times a log-normal trust effect (σ 0.5), flags Poisson; questions per trust
log-normal (median 115, σ 0.8), answer share a responsiveness style (0.74, 0.64 or 0.54 with
chances 0.35, 0.4, 0.25) plus normal noise (SD 0.05), clipped to 0.35–0.82 and scaled by 0.93
for the platform mix, answers binomial. Under the null both groups come from the same
distribution; planted effects multiply the flag rate by 2 or add 0.12 to the answer share.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: the repository root on the path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from warehouse import compare  # noqa: E402

SIZES = (3, 4, 6, 12)
UNEQUAL = ((3, 5), (2, 8), (4, 12), (5, 16))  # real regions' groups are rarely the same size
STYLE_SHARE, STYLE_P = np.array([0.74, 0.64, 0.54]), np.array([0.35, 0.4, 0.25])
PLANTED = {"ratio": 2.0, "difference": 0.12}


def trusts(rng, n: int, kind: str, effect: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Events and exposure of ``n`` simulated trusts; ``effect`` planted on them (None: none)."""
    if kind == "ratio":
        exposure = np.maximum(1, np.round(220 * np.exp(rng.normal(0, 0.8, n))))
        rate = 0.0125 * np.exp(rng.normal(0, 0.5, n)) * (effect or 1.0)
        return rng.poisson(exposure * rate).astype(float), exposure
    exposure = np.maximum(1, np.round(115 * np.exp(rng.normal(0, 0.8, n))))
    share = np.clip(STYLE_SHARE[rng.choice(3, n, p=STYLE_P)] + rng.normal(0, 0.05, n), 0.35, 0.82) * 0.93
    share = np.clip(share + (effect or 0.0), 0, 1)
    return rng.binomial(exposure.astype(int), share).astype(float), exposure


def old_bootstrap(ea, xa, eb, xb, kind: str, n_boot: int = 4000, seed: int = 20261128) -> tuple[float, float]:
    """The percentile cluster bootstrap over trusts RadSoMe used until issue #12 (was
    ``warehouse.stats.compare_clustered``), kept only to measure it: its 95% CI."""
    if min(len(xa), len(xb)) < 3:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    ia = rng.integers(0, len(xa), (n_boot, len(xa)))
    ib = rng.integers(0, len(xb), (n_boot, len(xb)))
    va, vb = ea[ia].sum(1) / xa[ia].sum(1), eb[ib].sum(1) / xb[ib].sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        boot = va / vb if kind == "ratio" else va - vb
    boot = boot[np.isfinite(boot)]
    if len(boot) < 0.9 * n_boot:
        return math.nan, math.nan
    low, high = np.percentile(boot, [2.5, 97.5])
    return float(low), float(high)


def false_positive_rates(n: int, kind: str, sets: int, seed: int, n_b: int | None = None) -> dict[str, float]:
    """Share of ``sets`` null data sets (n vs ``n_b`` trusts, default n) where each method calls
    a difference: the permutation test's p <= 0.05, the bootstrap's interval excluding none."""
    n_b = n if n_b is None else n_b
    rng = np.random.default_rng([seed, n, kind == "ratio"] + ([] if n_b == n else [n_b]))
    null = compare._NULL[kind]
    new = old = 0
    for _ in range(sets):
        (ea, xa), (eb, xb) = trusts(rng, n, kind), trusts(rng, n_b, kind)
        p = compare.null_p_value(ea, xa, eb, xb, kind)
        new += bool(p <= compare.ALPHA)
        low, high = old_bootstrap(ea, xa, eb, xb, kind)
        old += bool(low > null or high < null)
    return {"new": new / sets, "old": old / sets}


def coverage(n: int, kind: str, sets: int, seed: int) -> dict[str, float]:
    """Share of ``sets`` data sets with an effect planted on the first group (``PLANTED``)
    whose 95% interval holds it, for each method."""
    rng = np.random.default_rng([seed, n, kind == "ratio", 1])
    truth = PLANTED[kind]
    new = old = 0
    for _ in range(sets):
        (ea, xa), (eb, xb) = trusts(rng, n, kind, truth), trusts(rng, n, kind)
        got = compare.compare_trusts(ea, xa, eb, xb, kind)
        new += bool(got["effect_low"] <= truth <= got["effect_high"])
        low, high = old_bootstrap(ea, xa, eb, xb, kind)
        old += bool(low <= truth <= high)
    return {"new": new / sets, "old": old / sets}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/policy_null.py", description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=1000, help="null data sets per size and outcome")
    parser.add_argument("--coverage-sets", type=int, default=300, help="planted-effect data sets per size")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    se = math.sqrt(0.05 * 0.95 / args.sets)
    print(f"False positives at 5% ({args.sets} null data sets each; Monte-Carlo SE at 5%: {se:.1%})")
    print("trusts a group | outcome | permutation test | cluster bootstrap (old) | too few to tell")
    for n in SIZES:
        for kind in ("ratio", "difference"):
            started = time.perf_counter()
            rates = false_positive_rates(n, kind, args.sets, args.seed)
            print(f"{n} vs {n} | {kind} | {rates['new']:.1%} | {rates['old']:.1%} | "
                  f"{'yes' if not compare.can_tell(n, n) else 'no'}  ({time.perf_counter() - started:.0f} s)",
                  flush=True)
    for n_a, n_b in UNEQUAL:
        for kind in ("ratio", "difference"):
            rates = false_positive_rates(n_a, kind, args.sets, args.seed, n_b)
            print(f"{n_a} vs {n_b} | {kind} | {rates['new']:.1%} | {rates['old']:.1%} | "
                  f"{'yes' if not compare.can_tell(n_a, n_b) else 'no'}", flush=True)
    print(f"\nCoverage of a planted effect by the 95% interval ({args.coverage_sets} data sets each; "
          f"ratio {PLANTED['ratio']}, difference +{PLANTED['difference']})")
    print("trusts a group | outcome | permutation (inverted) | cluster bootstrap (old)")
    for n in SIZES[1:]:
        for kind in ("ratio", "difference"):
            cover = coverage(n, kind, args.coverage_sets, args.seed)
            print(f"{n} vs {n} | {kind} | {cover['new']:.1%} | {cover['old']:.1%}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
