"""Which regions or trusts a funnel plot shows, where each falls against the control limits,
and the overall value: computed once for the funnel charts (:mod:`ui.charts`) and the tables
of units beyond the limits (:mod:`ui.labels`). Disclosure control applies (:mod:`ui.disclosure`):
units with 1-7 questions, answers, flags or posts are left out (and one more where a single
unit would be: secondary suppression), each dot and the centre line are computed from counts
rounded to 5 (so neither its value nor its CI gives back an exact count), while whether a unit
is beyond a limit uses its exact count. The limits and positions are
:class:`warehouse.funnel.Funnel`'s: exact, or widened for over-dispersion when asked
(``overdispersion=True``; the chart's legend says which)."""
from __future__ import annotations

import pandas as pd

from ui import disclosure, formats
from warehouse import funnel
from warehouse.measures import TARGETS, UNATTRIBUTED

FUNNEL_MEASURES = {  # measure -> (numerator, denominator, words, short label)
    "answered": ("n_answered", "n_questions", "answered at all", "Response rate"),
    **{t.code: (f"n_answered_{t.code}", f"n_followed_{t.code}", f"answered within {t.words}", t.label)
       for t in TARGETS},
}


def _model(kind: str, events, sizes, centre: float | None, per: float, overdispersion: bool):
    if centre is None or not (0 < centre < 1 if kind == "proportion" else centre > 0):
        return None
    if overdispersion:
        return funnel.overdispersed(kind, events, sizes, centre, per)
    return funnel.Funnel(kind, centre, per)


def funnel_model(frame: pd.DataFrame, measure: str = "answered",
                 overdispersion: bool = False) -> funnel.Funnel | None:
    """The proportion funnel of ``measure`` over the attributed units: its centre (the line
    drawn: :func:`_overall`) and limits; None without a share strictly between 0 and 1."""
    num, den = FUNNEL_MEASURES[measure][:2]
    units = frame[frame["group_code"] != UNATTRIBUTED]
    p0 = _overall(units[num].sum(), units[den].sum(), 1.0)
    return _model("proportion", units[num], units[den], p0, 1.0, overdispersion)


def funnel_points(frame: pd.DataFrame, measure: str = "answered",
                  overdispersion: bool = False) -> tuple[pd.DataFrame, float | None]:
    """The units a funnel plot shows and the overall proportion p0 of attributed units.

    Unattributed questions are left out (not a region or trust); so are units with 1-7
    questions or 1-7 answered (suppression). Adds p, its Wilson CI (p_low, p_high), n_shown
    (the denominator rounded to 5) and position: "above" / "below" the 99.8% limits or
    "within" them."""
    num, den = FUNNEL_MEASURES[measure][:2]
    # Hidden as in the table of every unit (unattributed included), so no view shows a cell
    # another view hides.
    hidden = disclosure.protect(frame, [den], [disclosure.Share(num, den, "p", "p_low", "p_high")], marker=None)
    attributed = (frame["group_code"] != UNATTRIBUTED).to_numpy()
    units, hidden = frame[attributed], hidden[attributed]
    p0 = _overall(units[num].sum(), units[den].sum(), 1.0)
    shown = units.assign(**{c: formats.floats(hidden[c]) for c in ("p", "p_low", "p_high")},
                         n_shown=formats.floats(hidden[den]))
    shown = shown[shown["p"].notna() & (shown[den] > 0)].reset_index(drop=True)
    shown = shown.assign(position="within")
    model = funnel_model(frame, measure, overdispersion)
    if model is not None and len(shown):  # beyond a limit or not: from the exact counts
        shown["position"] = model.positions(shown[num].to_numpy(), shown[den].to_numpy())
    return shown, p0


def _overall(events, exposure, per: float) -> float | None:
    """The centre line: the overall value of the attributed units, from their totals rounded
    to 5 (an exact centre, as a float in the chart, would give the exact totals back)."""
    events, exposure = disclosure.rounded(int(events)), disclosure.rounded(int(exposure))
    return per * events / exposure if exposure else None


def flag_rates_shown(frame: pd.DataFrame, national: bool) -> pd.DataFrame:
    """Counts rounded, and rates and CIs recomputed from them, as <NA> where a count they are
    over is hidden (unless ``national``)."""
    return disclosure.protect(frame, ["n_flags", "n_posts"],
                              [disclosure.Rate("n_flags", "n_posts", "rate", "ci_low", "ci_high")],
                              national=national, marker=None)


def flag_funnel_model(frame: pd.DataFrame, overdispersion: bool = False) -> funnel.Funnel | None:
    """The flag-rate funnel over the attributed units (per 1,000 staff posts; centre as drawn);
    None without flags."""
    units = frame[frame["group_code"] != UNATTRIBUTED]
    rate0 = _overall(units["n_flags"].sum(), units["n_posts"].sum(), 1000.0) or None
    return _model("rate", units["n_flags"], units["n_posts"], rate0, 1000.0, overdispersion)


def flag_funnel_points(frame: pd.DataFrame, overdispersion: bool = False) -> tuple[pd.DataFrame, float | None]:
    """The units a flag-rate funnel plot shows and the overall rate of attributed units (per
    1,000). Unattributed and units with 1-7 flags or posts are left out; adds n_shown (posts
    rounded to 5) and position ("above"/"below" the 99.8% limits, or "within")."""
    attributed = (frame["group_code"] != UNATTRIBUTED).to_numpy()
    units, hidden = frame[attributed], flag_rates_shown(frame, False)[attributed]  # as in the table
    rate0 = _overall(units["n_flags"].sum(), units["n_posts"].sum(), 1000.0) or None
    shown = units.assign(**{c: formats.floats(hidden[c]) for c in ("rate", "ci_low", "ci_high")},
                         n_shown=formats.floats(hidden["n_posts"]))
    shown = shown[shown["rate"].notna() & (shown["n_posts"] > 0)].reset_index(drop=True)
    shown = shown.assign(position="within")
    model = flag_funnel_model(frame, overdispersion)
    if model is not None and len(shown):  # beyond a limit or not: from the exact counts
        shown["position"] = model.positions(shown["n_flags"].to_numpy(), shown["n_posts"].to_numpy())
    return shown, rate0
