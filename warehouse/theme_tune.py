"""How the themes' fixed parameters were chosen (issue #19): ``python -m warehouse.theme_tune``.

A grid search on the **dev** labelled sets only (:data:`warehouse.theme_eval.DEV`: real
customer-care first turns of ten companies and Tweet-Act development-split questions; never a
held-out set, never a Tweet-Act test line). The score is the mean adjusted Rand index over the
dev sets (it rewards putting a labelled theme's questions together and penalises mixing
themes; an unthemed question counts as its own cluster); purity and coverage are printed beside
it. Two stages, so the search stays a few minutes on one core:

1. the clustering: linkage (average, complete, weighted) x the cut (average cosine similarity
   at which two groups are no longer merged) x the assignment threshold (cosine to a theme's
   centre for a new question to join it);
2. at the best of stage 1, the features and the size: minimum document frequency, adjacent-word
   pairs on or off, the smallest theme.

The result, and what was kept and why, is in docs/methods.md "How well the themes do"; the
build's values are the constants in :mod:`warehouse.theme_model`.
"""
from __future__ import annotations

import itertools
import sys

from warehouse import theme_eval
from warehouse.theme_model import Params

LINKAGES = ("average", "complete", "weighted")
CUTS = (0.05, 0.10, 0.15, 0.20, 0.25, 0.30)
ASSIGNS = (0.20, 0.25, 0.30, 0.35, 0.40, 0.50)
MIN_DFS = (1, 2, 3)
MIN_SIZES = (4, 5, 6)


def score(sets: dict, params: Params) -> tuple[float, float, float]:
    """Mean ARI, purity and coverage of ``params`` over ``sets``."""
    found = [theme_eval.quality(rows, params) for rows in sets.values()]
    mean = lambda key: sum(q[key] for q in found) / len(found)  # noqa: E731
    return mean("ari"), mean("purity"), mean("coverage")


def search(sets: dict) -> list[tuple[tuple[float, float, float], Params]]:
    """Every setting tried, best first (ties: the higher purity)."""
    tried = []
    for linkage, cut, assign in itertools.product(LINKAGES, CUTS, ASSIGNS):
        if assign >= cut:
            params = Params(linkage=linkage, cluster=cut, assign=assign)
            tried.append((score(sets, params), params))
    best = max(tried, key=lambda t: (round(t[0][0], 3), t[0][1]))[1]
    for min_df, pairs, min_size in itertools.product(MIN_DFS, (True, False), MIN_SIZES):
        params = Params(linkage=best.linkage, cluster=best.cluster, assign=best.assign,
                        min_df=min_df, pairs=pairs, min_size=min_size)
        if params != best:
            tried.append((score(sets, params), params))
    return sorted(tried, key=lambda t: (-round(t[0][0], 3), -t[0][1]))


def main() -> int:
    sets = {name: rows for name, rows in theme_eval.labelled_sets().items() if name in theme_eval.DEV}
    if set(sets) != set(theme_eval.DEV):
        print("the dev sets need ../shared/realdata beside this clone", file=sys.stderr)
        return 2
    built = Params()
    ari, purity, coverage = score(sets, built)
    print(f"the build's parameters: mean ARI {ari:.3f}, purity {purity:.3f}, coverage {coverage:.3f}")
    print("best 15 on the dev sets (mean ARI, purity, coverage: parameters):")
    for (ari, purity, coverage), p in search(sets)[:15]:
        print(f"  {ari:.3f} {purity:.3f} {coverage:.3f}: linkage {p.linkage}, cut {p.cluster:.2f}, assign"
              f" {p.assign:.2f}, min_df {p.min_df}, pairs {p.pairs}, min size {p.min_size}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
