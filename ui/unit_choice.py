"""Which trust, region or nation a page shows (the SPC trends page and the Overview's
scorecard): the URL parameter ``unit`` (``trust:RR8``, ``region:Y63``, ``nation:ENG``)
pins it, so that a link reproduces the view; without one, the signed-in user's home trust or
region from the users register; else a single trust or region chosen in the sidebar filters;
else England. Choosing one trust (or region) in the sidebar later moves the charts to it.

Which wins when they disagree, within a session (``SEEN``: the sidebar's one trust or region
when the unit was last settled; ``WRITTEN``: the unit last written to the URL):

- the sidebar, when its trusts and regions changed since the unit was last settled, on this
  page or another (the URL still carries the old ``unit`` there: page switches keep it), and
  it now names one trust or region; if it now names none and the charts were following it,
  they go back to the default (home unit, else England);
- else the URL, on a session's first run or when it no longer says what was last written
  (someone opened or edited a link);
- else the unit last shown, which an explicit pick in the selector is.

The page says which unit is charted when the sidebar names another (:func:`controls`).
The URL is untrusted: a value is kept only if it names a unit that is offered.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from store import access
from ui import auth, formats, safe
from warehouse.measures import ENGLAND
from warehouse.queries import Filters

PARAM = "unit"
KEY = "unit_choice"
WRITTEN = "_unit_choice_url"
SEEN = "_unit_choice_filters"  # the sidebar's trusts and regions when the unit was last chosen
TYPE_WORDS = {"nation": "Nation", "region": "Region", "trust": "Trust"}


def unit_id(unit_type: str, unit_code: str) -> str:
    return f"{unit_type}:{unit_code}"


def default_unit(offered: list[str], url: str | None, scope: access.Scope, chosen: Filters | None) -> str:
    """The unit to show: the URL's if offered, else the scope's home trust or region, else the
    single trust or region of the sidebar filters, else England (else the first offered)."""
    candidates = [url]
    candidates += [unit_id("trust", t) for t in (scope.trusts or ())]
    candidates += [unit_id("region", r) for r in (scope.regions or ())]
    candidates.append(_from_filters(chosen))
    candidates.append(unit_id("nation", ENGLAND))
    return next((c for c in candidates if c in offered), offered[0])


def _from_filters(chosen: Filters | None) -> str | None:
    """The one trust (or else the one region) chosen in the sidebar, if exactly one."""
    if chosen is None:
        return None
    if len(chosen.trusts) == 1:
        return unit_id("trust", chosen.trusts[0])
    if len(chosen.regions) == 1:
        return unit_id("region", chosen.regions[0])
    return None


def label(units: pd.DataFrame) -> dict[str, str]:
    """unit id -> 'Trust · Leeds Teaching Hospitals NHS Trust' (names tidied, as text)."""
    return {unit_id(t, c): f"{TYPE_WORDS.get(t, t)} · {formats.org_name(n) if t == 'trust' else n}"
            for t, c, n in zip(units["unit_type"], units["unit_code"], units["unit_name"])}


def controls(units: pd.DataFrame, chosen: Filters | None = None) -> tuple[str, str, str]:
    """Draw the unit selector; keep the URL's ``unit`` in step. ``chosen``: the sidebar
    filters. Returns (unit_type, unit_code, its label)."""
    names = label(units)
    offered = list(names)
    state = st.session_state
    state[KEY] = _settle(offered, st.query_params.get(PARAM), chosen)
    state[SEEN] = _from_filters(chosen)
    picked = st.selectbox("Trust, region or nation", offered, key=KEY, format_func=names.get,
                          help="Your own trust or region is chosen first when you are signed in. The "
                               "address bar keeps the choice (unit=…), so a link opens the same charts.")
    if st.query_params.get(PARAM) != picked:
        st.query_params[PARAM] = picked
    state[WRITTEN] = picked
    unit_type, _, unit_code = picked.partition(":")
    elsewhere = _sidebar_elsewhere(chosen, picked, names)
    if elsewhere:
        st.caption(elsewhere)
    return unit_type, unit_code, names[picked]


def _settle(offered: list[str], url: str | None, chosen: Filters | None) -> str:
    """The unit to draw the selector with on this run (see the module docstring)."""
    state = st.session_state
    sidebar = _from_filters(chosen)
    # the selector's own state, else (a page switch drops widget state) the unit last shown
    current = state.get(KEY) or state.get(WRITTEN)
    if SEEN in state and sidebar != state[SEEN]:  # the sidebar changed since the unit was settled
        if sidebar in offered:
            return sidebar
        if current == state[SEEN]:  # the charts followed the sidebar, which names no one unit now
            return default_unit(offered, None, auth.current_scope(), chosen)
    if current is None or (url and url != state.get(WRITTEN)) or current not in offered:
        return default_unit(offered, url, auth.current_scope(), chosen)
    return current


def _sidebar_elsewhere(chosen: Filters | None, picked: str, names: dict[str, str]) -> str | None:
    """A caption when the sidebar's trusts or regions are not the unit charted, so that the
    page never seems to chart one place under another's name (the name as text: ui.safe)."""
    if chosen is None or not (chosen.trusts or chosen.regions) or _from_filters(chosen) == picked:
        return None
    return (f"Shown: {safe.literal(names[picked])}, not the sidebar's trusts or regions: the sidebar moves "
            "this to a trust or region only when exactly one is chosen there (or pick one above).")
