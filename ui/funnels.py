"""Which regions or trusts a funnel plot shows, where each falls against the control limits,
and the overall value: computed once for the funnel charts (:mod:`ui.charts`) and the tables
of units beyond the limits (:mod:`ui.labels`). Suppression applies (:mod:`ui.formats`):
units with 1-7 questions, answers, flags or posts are left out, and positions use counts
rounded to 5 while whether a unit is beyond a limit uses its exact count."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ui import formats
from warehouse import stats
from warehouse.measures import TARGETS, UNATTRIBUTED

FUNNEL_MEASURES = {  # measure -> (numerator, denominator, words, short label)
    "answered": ("n_answered", "n_questions", "answered at all", "Response rate"),
    **{t.code: (f"n_answered_{t.code}", f"n_followed_{t.code}", f"answered within {t.words}", t.label)
       for t in TARGETS},
}


def funnel_points(frame: pd.DataFrame, measure: str = "answered") -> tuple[pd.DataFrame, float | None]:
    """The units a funnel plot shows and the overall proportion p0 of attributed units.

    Unattributed questions are left out (not a region or trust); so are units with 1-7
    questions or 1-7 answered (suppression). Adds p, its Wilson CI (p_low, p_high), n_shown
    (the denominator rounded to 5) and position: "above" / "below" the 99.8% limits or
    "within" them."""
    num, den = FUNNEL_MEASURES[measure][:2]
    units = frame[frame["group_code"] != UNATTRIBUTED]
    total_den, total_num = float(units[den].sum()), float(units[num].sum())
    p0 = total_num / total_den if total_den else None
    hidden = stats.suppress_table(units.assign(p=units[num] / units[den].where(units[den] > 0)),
                                  [den], {"p": [num, den]}, marker=None)
    shown = units.assign(p=hidden["p"].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
                         n_shown=hidden[den].astype("Float64").to_numpy(dtype=float, na_value=np.nan))
    shown = shown[shown["p"].notna() & (shown[den] > 0)].reset_index(drop=True)
    p, low, high = stats.wilson(shown[num].to_numpy(), shown[den].to_numpy())
    shown = shown.assign(p_low=low, p_high=high, position="within")
    if p0 is not None and 0 < p0 < 1 and len(shown):
        at = stats.funnel_limits_proportion(p0, shown[den].astype(float).to_numpy())
        shown.loc[shown["p"].to_numpy() > at["upper_99_8"].to_numpy(), "position"] = "above"
        shown.loc[shown["p"].to_numpy() < at["lower_99_8"].to_numpy(), "position"] = "below"
    return shown, p0


def flag_rates_shown(frame: pd.DataFrame, national: bool) -> pd.DataFrame:
    """Rates and CIs as <NA> where a count they are over is 1-7 (unless ``national``)."""
    return formats.suppressed(frame, ["n_flags", "n_posts"],
                              {c: ["n_flags", "n_posts"] for c in ("rate", "ci_low", "ci_high")}, national,
                              marker=None)


def flag_funnel_points(frame: pd.DataFrame) -> tuple[pd.DataFrame, float | None]:
    """The units a flag-rate funnel plot shows and the overall rate of attributed units (per
    1,000). Unattributed and units with 1-7 flags or posts are left out; adds n_shown (posts
    rounded to 5) and position ("above"/"below" the 99.8% limits, or "within")."""
    units = frame[frame["group_code"] != UNATTRIBUTED]
    total_posts, total_flags = float(units["n_posts"].sum()), float(units["n_flags"].sum())
    rate0 = 1000 * total_flags / total_posts if total_posts else None
    hidden = flag_rates_shown(units, False)
    shown = units.assign(rate=formats.floats(hidden["rate"]), n_shown=formats.floats(hidden["n_posts"]))
    shown = shown[shown["rate"].notna() & (shown["n_posts"] > 0)].reset_index(drop=True)
    shown = shown.assign(position="within")
    if rate0 and len(shown):
        at = stats.funnel_limits_rate(rate0, shown["n_posts"].astype(float).to_numpy())
        shown.loc[shown["rate"].to_numpy() > at["upper_99_8"].to_numpy(), "position"] = "above"
        shown.loc[shown["rate"].to_numpy() < at["lower_99_8"].to_numpy(), "position"] = "below"
    return shown, rate0
