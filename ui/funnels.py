"""Which regions or trusts a funnel plot shows, where each falls against the control limits,
and the overall value: computed once for the funnel charts (:mod:`ui.charts`) and the tables
of units beyond the limits (:mod:`ui.labels`). Suppression applies (:mod:`ui.formats`):
units with 1-7 questions, answers, flags or posts are left out, and positions use counts
rounded to 5 while whether a unit is beyond a limit uses its exact count. The limits and
positions are :class:`warehouse.funnel.Funnel`'s: exact, or widened for over-dispersion when
asked (``overdispersion=True``; the chart's legend says which)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ui import formats
from warehouse import funnel, stats
from warehouse.measures import TARGETS, UNATTRIBUTED

FUNNEL_MEASURES = {  # measure -> (numerator, denominator, words, short label)
    "answered": ("n_answered", "n_questions", "answered at all", "Response rate"),
    **{t.code: (f"n_answered_{t.code}", f"n_followed_{t.code}", f"answered within {t.words}", t.label)
       for t in TARGETS},
}


def _units(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["group_code"] != UNATTRIBUTED]


def _model(kind: str, events, sizes, centre: float | None, per: float, overdispersion: bool):
    if centre is None or not (0 < centre < 1 if kind == "proportion" else centre > 0):
        return None
    if overdispersion:
        return funnel.overdispersed(kind, events, sizes, centre, per)
    return funnel.Funnel(kind, centre, per)


def funnel_model(frame: pd.DataFrame, measure: str = "answered",
                 overdispersion: bool = False) -> funnel.Funnel | None:
    """The proportion funnel of ``measure`` over the attributed units: its centre (the pooled
    share over every attributed unit, however small) and limits; None without a share
    strictly between 0 and 1."""
    num, den = FUNNEL_MEASURES[measure][:2]
    units = _units(frame)
    total = float(units[den].sum())
    p0 = float(units[num].sum()) / total if total else None
    return _model("proportion", units[num], units[den], p0, 1.0, overdispersion)


def funnel_points(frame: pd.DataFrame, measure: str = "answered",
                  overdispersion: bool = False) -> tuple[pd.DataFrame, float | None]:
    """The units a funnel plot shows and the overall proportion p0 of attributed units.

    Unattributed questions are left out (not a region or trust); so are units with 1-7
    questions or 1-7 answered (suppression). Adds p, its Wilson CI (p_low, p_high), n_shown
    (the denominator rounded to 5) and position: "above" / "below" the 99.8% limits or
    "within" them."""
    num, den = FUNNEL_MEASURES[measure][:2]
    units = _units(frame)
    total_den, total_num = float(units[den].sum()), float(units[num].sum())
    p0 = total_num / total_den if total_den else None
    hidden = stats.suppress_table(units.assign(p=units[num] / units[den].where(units[den] > 0)),
                                  [den], {"p": [num, den]}, marker=None)
    shown = units.assign(p=hidden["p"].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
                         n_shown=hidden[den].astype("Float64").to_numpy(dtype=float, na_value=np.nan))
    shown = shown[shown["p"].notna() & (shown[den] > 0)].reset_index(drop=True)
    p, low, high = stats.wilson(shown[num].to_numpy(), shown[den].to_numpy())
    shown = shown.assign(p_low=low, p_high=high, position="within")
    model = funnel_model(frame, measure, overdispersion)
    if model is not None and len(shown):
        shown["position"] = model.positions(shown[num].to_numpy(), shown[den].to_numpy())
    return shown, p0


def flag_rates_shown(frame: pd.DataFrame, national: bool) -> pd.DataFrame:
    """Rates and CIs as <NA> where a count they are over is 1-7 (unless ``national``)."""
    return formats.suppressed(frame, ["n_flags", "n_posts"],
                              {c: ["n_flags", "n_posts"] for c in ("rate", "ci_low", "ci_high")}, national,
                              marker=None)


def flag_funnel_model(frame: pd.DataFrame, overdispersion: bool = False) -> funnel.Funnel | None:
    """The flag-rate funnel over the attributed units (per 1,000 staff posts); None without flags."""
    units = _units(frame)
    total = float(units["n_posts"].sum())
    rate0 = 1000 * float(units["n_flags"].sum()) / total if total else None
    return _model("rate", units["n_flags"], units["n_posts"], rate0, 1000.0, overdispersion)


def flag_funnel_points(frame: pd.DataFrame, overdispersion: bool = False) -> tuple[pd.DataFrame, float | None]:
    """The units a flag-rate funnel plot shows and the overall rate of attributed units (per
    1,000). Unattributed and units with 1-7 flags or posts are left out; adds n_shown (posts
    rounded to 5) and position ("above"/"below" the 99.8% limits, or "within")."""
    units = _units(frame)
    total_posts, total_flags = float(units["n_posts"].sum()), float(units["n_flags"].sum())
    rate0 = 1000 * total_flags / total_posts if total_posts else None
    hidden = flag_rates_shown(units, False)
    shown = units.assign(rate=formats.floats(hidden["rate"]), n_shown=formats.floats(hidden["n_posts"]))
    shown = shown[shown["rate"].notna() & (shown["n_posts"] > 0)].reset_index(drop=True)
    shown = shown.assign(position="within")
    model = flag_funnel_model(frame, overdispersion)
    if model is not None and len(shown):
        shown["position"] = model.positions(shown["n_flags"].to_numpy(), shown["n_posts"].to_numpy())
    return shown, rate0
