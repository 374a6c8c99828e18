"""The scorecard drawn at the top of the Overview: a row per headline measure, its name a link to
its page carrying the unit as that page's filter (``trust=`` or ``region=``), the unit's value
with its CI beside its region's and England's, better / similar / worse than England and the
SPC variation icon as badges with a symbol and words (never colour alone). The cells are
:func:`ui.scorecard.table`'s, so every number has passed its one display boundary.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import data, scorecard, spc_charts, tables, unit_choice
from ui.scorecard import COMPARISON_COLOUR, nation_name, page_filters
from warehouse import spc_queries
from warehouse.measures import MEASURES
from warehouse.queries import Filters

def section(chosen: Filters) -> None:
    """The Overview's scorecard: the unit chooser (``unit`` in the URL pins one; else the
    signed-in user's home trust or region; else one trust or region chosen in the sidebar;
    else England: ui.unit_choice) and that unit's scorecard."""
    st.header("Scorecard")
    units = data.query(spc_queries.spc_units)
    if units.empty:
        st.info("No scorecard yet: the warehouse has no complete month of posts. It appears after the "
                "next `python -m warehouse build` once a whole month has data.")
        return
    unit_type, unit_code, _ = unit_choice.controls(units, chosen)
    unit = {"unit_type": unit_type, "unit_code": unit_code}
    card = data.query(spc_queries.scorecard, None, **unit)
    if card.empty:
        render(card, card, unit_type, unit_code)
        return
    # The card does not depend on the sidebar's dates or platforms: its shown cells (display
    # boundary included, ~0.1-0.3 s of pandas) are made once per unit and warehouse, for every
    # session, not on each filter change (issue #16).
    render(data.table(spc_queries.scorecard, scorecard.protected, None, unit),
           data.table(spc_queries.scorecard, scorecard.table, None, unit, unit_type=unit_type), unit_type, unit_code)


WIDTHS = {"Measure": 3, "This unit": 2, "Region": 2, "England": 2, "Compared with England": 1.4, "SPC": 2.4}
HEADINGS = {"trust": "This trust", "region": "This region"}  # a nation's column is its name


def render(shown: pd.DataFrame, text: pd.DataFrame, unit_type: str, unit_code: str) -> None:
    """Draw the scorecard of one unit: ``shown`` is :func:`ui.scorecard.protected` of the rows
    of :func:`warehouse.spc_queries.scorecard`, ``text`` :func:`ui.scorecard.table` of them."""
    if shown.empty:
        st.info("No scorecard yet for this unit: it has no complete month of data.")
        return
    nation = nation_name(shown)
    # the download is the table as made, its columns named after the unit's nation ("Wales");
    # the cells below are keyed by the English names
    taken = text
    text = text.rename(columns={nation: "England", f"Compared with {nation}": "Compared with England"})
    columns = [c for c in WIDTHS if c in text.columns]
    widths = [WIDTHS[c] for c in columns]
    for cell, name in zip(st.columns(widths), columns):
        heading = HEADINGS.get(unit_type, nation) if name == "This unit" else name
        cell.caption(heading.replace("England", nation))
    links = page_filters(unit_type, unit_code)
    for r, row in zip(shown.itertuples(), text.to_dict("records")):  # markers as shown
        cells = dict(zip(columns, st.columns(widths, vertical_alignment="center")))
        cells["Measure"].page_link(MEASURES[r.measure].page, label=row["Measure"], query_params=links,
                                   help=MEASURES[r.measure].definition or None)
        for name in ("This unit", "Region", "England"):
            if name in cells:
                cells[name].text(row[name])
        if "Compared with England" in cells:
            kind = r.vs_nation if isinstance(r.vs_nation, str) else ""
            cells["Compared with England"].badge(row["Compared with England"],
                                                 color=COMPARISON_COLOUR.get(kind, "gray"))
        symbol, colour, words = spc_charts.variation_words(r.variation_icon)
        cells["SPC"].badge(f"{symbol} {words}", color=colour)
        if row["Assurance"] != "no target":
            cells["SPC"].caption(row["Assurance"])
    compared = (f"Compared with {nation} as Fingertips does: similar when {nation}'s value lies inside the "
                "unit's interval, otherwise better or worse by the measure's good direction (higher or lower "
                "for patient questions, where more is neither). ")
    if unit_type == "region" and scorecard.whole_nation(shown):
        compared = f"This region is the whole of {nation}: its figures are {nation}'s, so it is not compared. "
    elif unit_type == "nation":
        compared = ""
    st.caption(
        f"Latest complete month ({text['Period'].iloc[0]}), with 95% confidence intervals. {compared}"
        "SPC: Making Data Count's variation icon of the monthly chart "
        "(SPC trends page). * = hidden: fewer than 8 questions, answers or flags; counts below national "
        "level are rounded to the nearest 5. The sidebar's dates and platforms do not apply here.")
    # the scorecard as a table, taken away like every other (issue #15): the cells as shown
    tables.download(taken, f"scorecard measures ({unit_type} {unit_code})", None, key="download_scorecard",
                    file_stem=f"radsome-scorecard-{unit_type}-{unit_code}")
