"""Funnel plots: control limits around a target as a function of a unit's size, where each unit
falls against them, and an optional allowance for over-dispersion. Pure functions, no
Streamlit, no database.

Exact limits, and why not interpolated ones
-------------------------------------------
A unit of size n (questions, or staff posts) with k events is compared with the target p0
(or rate0) through the exact binomial (Poisson for rates) distribution of k: the 99.8% limits
are the 0.1% and 99.9% quantiles of that distribution, as counts, divided by n. A unit is
beyond a limit when its count is strictly beyond that quantile (above: k > the 99.9% quantile,
so P(K >= k) < 0.1%; below: k < the 0.1% quantile). The lines are drawn at those quantiles, so a
dot is beyond a line exactly when the test says so; being discrete, they step.

RadSoMe used Spiegelhalter's (2005) interpolation before, which draws smooth lines between
the discrete quantiles. Against a target of 97%, a trust with 30 of 30 questions answered sat
above its interpolated 99.8% line (99.992%) and was called "higher than expected", although
30 of 30 happens 40% of the time at 97% (0.97^30): nothing more than chance.

Over-dispersion (Spiegelhalter 2005, "Handling over-dispersion of performance indicators")
------------------------------------------------------------------------------------------
When trusts differ more than chance explains (different populations, staffing, platforms),
most trusts fall outside exact limits and the plot only says "they differ". ``overdispersed``
estimates that spread the way Spiegelhalter proposes and NHS England's funnel plots
(FunnelPlotR's CQC method) use: z-scores on a variance-stabilising scale (proportions:
asin(√p) with s = 1/(2√n); rates: √(O/E) against 1 with s = 1/(2√E)), winsorised at their
10th and 90th percentiles so that outliers do not set the allowance; φ = mean(z²); and the
additive random-effects variance τ² = (Iφ − (I − 1)) / (Σw − Σw²/Σw), w = 1/s². It is used only
when the units differ more than chance would make them: Iφ above the 95% point of χ² with
I − 1 degrees of freedom (Cochran's Q test, conservative here as the z-scores are winsorised);
otherwise τ² = 0 and the exact limits stay (pure binomial noise gives Iφ > I − 1 half the time).
Limits are then target ± z·√(s² + τ²) on that scale, back
transformed, and a unit is beyond them when its z-score over √(s² + τ²) is. The page says
when these limits are in use.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from warehouse import quantiles  # scipy.stats' quantiles without its 44 MB (issue #16 item 4)

LEVELS = {"95": 0.95, "99_8": 0.998}
WINSOR = 0.1  # winsorise z-scores at the 10th and 90th percentiles (Spiegelhalter 2005)
LIMIT_COLUMNS = ("n", "lower_95", "upper_95", "lower_99_8", "upper_99_8")


def _z(level: float) -> float:
    return float(special.ndtri(1 - (1 - level) / 2))


@dataclass(frozen=True)
class Funnel:
    """A funnel plot's target and limits. ``kind`` "proportion" (``centre`` p0) or "rate"
    (``centre`` per ``per``); ``tau2`` > 0: limits widened for over-dispersion (``phi`` the
    winsorised dispersion ratio it came from, over ``units`` units); 0: exact limits."""

    kind: str
    centre: float
    per: float = 1.0
    tau2: float = 0.0
    phi: float = math.nan
    units: int = 0

    def __post_init__(self):
        if self.kind == "proportion" and not 0 < self.centre < 1:
            raise ValueError("a proportion's target must be strictly between 0 and 1")
        if self.kind == "rate" and not self.centre > 0:
            raise ValueError("a rate's target must be positive")
        if self.kind not in ("proportion", "rate"):
            raise ValueError("kind must be 'proportion' or 'rate'")

    @property
    def adjusted(self) -> bool:
        """Whether the limits are widened for over-dispersion."""
        return self.tau2 > 0

    def _expected(self, n: np.ndarray) -> np.ndarray:
        return self.centre * n / self.per

    def _quantiles(self, n: np.ndarray, q: float) -> np.ndarray:
        """The exact q quantile of the count at size n."""
        safe = np.maximum(n, 1)
        if self.kind == "proportion":
            return quantiles.binom_ppf(q, np.floor(safe), self.centre)
        return quantiles.poisson_ppf(q, self._expected(safe))

    def _scaled(self, n: np.ndarray):
        """(observed-to-value map, target, s(n)) on the variance-stabilising scale."""
        if self.kind == "proportion":
            return math.asin(math.sqrt(self.centre)), 1 / (2 * np.sqrt(n))
        return 1.0, 1 / (2 * np.sqrt(self._expected(n)))

    def _back(self, y: np.ndarray) -> np.ndarray:
        if self.kind == "proportion":
            return np.sin(np.clip(y, 0, math.pi / 2)) ** 2
        return self.centre * np.maximum(y, 0) ** 2

    def limits(self, sizes) -> pd.DataFrame:
        """Columns n, lower_95, upper_95, lower_99_8, upper_99_8 (values on the plot's scale:
        a proportion, or a rate per ``per``); NaN where n = 0."""
        n = np.asarray(sizes, dtype=float)
        out = pd.DataFrame({"n": n})
        scale = 1.0 if self.kind == "proportion" else self.per
        with np.errstate(divide="ignore", invalid="ignore"):
            for name, level in LEVELS.items():
                if self.adjusted:
                    target, s = self._scaled(np.maximum(n, 1e-12))
                    half = _z(level) * np.sqrt(s ** 2 + self.tau2)
                    low, high = self._back(target - half), self._back(target + half)
                else:
                    tail = (1 - level) / 2
                    low = self._quantiles(n, tail) / np.maximum(n, 1) * scale
                    high = self._quantiles(n, 1 - tail) / np.maximum(n, 1) * scale
                out[f"lower_{name}"] = np.where(n > 0, low, np.nan)
                out[f"upper_{name}"] = np.where(n > 0, high, np.nan)
        return out

    def z_scores(self, events, sizes) -> np.ndarray:
        """Each unit's z-score on the variance-stabilising scale, over √(s² + τ²)."""
        k, n = np.asarray(events, dtype=float), np.asarray(sizes, dtype=float)
        target, s = self._scaled(n)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.arcsin(np.sqrt(k / n)) if self.kind == "proportion" else np.sqrt(k / self._expected(n))
            return (y - target) / np.sqrt(s ** 2 + self.tau2)

    def positions(self, events, sizes, level: str = "99_8") -> np.ndarray:
        """"above", "below" or "within" the ``level`` limits for each unit (k events of n)."""
        k, n = np.asarray(events, dtype=float), np.asarray(sizes, dtype=float)
        if self.adjusted:
            z = self.z_scores(k, n)
            above, below = z > _z(LEVELS[level]), z < -_z(LEVELS[level])
        else:
            tail = (1 - LEVELS[level]) / 2
            above, below = k > self._quantiles(n, 1 - tail), k < self._quantiles(n, tail)
        return np.where(n > 0, np.where(above, "above", np.where(below, "below", "within")), "within")

    def limits_words(self) -> str:
        """What the limit lines are, for a legend or a caption."""
        if self.adjusted:
            return (f"widened for differences between units (over-dispersion φ = {self.phi:.1f}, "
                    f"τ = {math.sqrt(self.tau2):.3f})")
        if not math.isnan(self.phi):
            return f"exact: no over-dispersion found (φ = {self.phi:.2f})"
        return "exact"


def overdispersed(kind: str, events, sizes, centre: float, per: float = 1.0) -> Funnel:
    """A :class:`Funnel` whose limits allow for over-dispersion among the units (k events of n
    each; units with n = 0 are left out), estimated as in the module's docstring; exact limits
    (tau2 = 0) when the units differ no more than chance explains, or there are fewer than 3."""
    exact = Funnel(kind, centre, per)
    k, n = np.asarray(events, dtype=float), np.asarray(sizes, dtype=float)
    keep = n > 0
    k, n = k[keep], n[keep]
    if len(n) < 3:
        return exact
    z = exact.z_scores(k, n)
    low, high = np.quantile(z, [WINSOR, 1 - WINSOR])
    phi = float(np.mean(np.clip(z, low, high) ** 2))
    units = len(z)
    _, s = exact._scaled(n)
    w = 1 / s ** 2
    tau2 = 0.0
    if units * phi > quantiles.chi2_ppf(0.95, units - 1):
        tau2 = max(0.0, (units * phi - (units - 1)) / (w.sum() - (w ** 2).sum() / w.sum()))
    return Funnel(kind, centre, per, tau2, phi, units)


def funnel_limits_proportion(p0: float, n_values) -> pd.DataFrame:
    """Exact funnel limits for a proportion with target ``p0`` (columns LIMIT_COLUMNS): the
    binomial quantiles as counts over n. For large n they approach p0 ± z·√(p0(1−p0)/n)."""
    return Funnel("proportion", p0).limits(n_values)


def funnel_limits_rate(rate0: float, denominators, per: float = 1000) -> pd.DataFrame:
    """Exact funnel limits for a rate per ``per`` with target ``rate0`` (same columns): the
    Poisson quantiles of the count at μ = rate0·D/per, over D."""
    return Funnel("rate", rate0, per).limits(denominators)


OVERDISPERSION_LABEL = "Allow for differences between units"
OVERDISPERSION_HELP = ("Widen the limits by how much more the units differ than chance explains "
                       "(Spiegelhalter 2005), so that only units unusual even among unlike units stand out.")
OVERDISPERSION_NOTE = ("**Limits widened for over-dispersion** (Spiegelhalter 2005): they allow for units "
                       "differing more than chance explains (the legend's φ and τ); with none found, the "
                       "exact limits are drawn and the legend says so.")


def centre_beside_all(units: pd.DataFrame, numerator: str, denominator: str, unattributed: str) -> dict:
    """Why a funnel's centre line and the page's headline differ, in numbers. ``units`` has one
    row per unit plus, when there are any, the ``unattributed`` group (``group_code``). The
    centre line is the share over the units a dot can stand for (pooled: their events over their
    denominators); the headline counts every question, the unattributed too (on the demo none of
    those is ever answered, so the headline is lower: 65% against 69%). Returns k_centre,
    n_centre, centre, k_unattributed, n_unattributed, k_all, n_all, overall (shares None
    without a denominator)."""
    rest = units["group_code"] == unattributed
    k_u, n_u = float(units.loc[rest, numerator].sum()), float(units.loc[rest, denominator].sum())
    k_a, n_a = float(units.loc[~rest, numerator].sum()), float(units.loc[~rest, denominator].sum())
    return {"k_centre": k_a, "n_centre": n_a, "centre": k_a / n_a if n_a else None,
            "k_unattributed": k_u, "n_unattributed": n_u, "k_all": k_a + k_u, "n_all": n_a + n_u,
            "overall": (k_a + k_u) / (n_a + n_u) if n_a + n_u else None}
