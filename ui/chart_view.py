"""How every page draws a chart: the plotly chart, then its text alternative (issue #15,
section 1; WCAG 1.1.1): a one-sentence summary under it and, in an expander, its data as a
table with the audited CSV and Excel download (``ui.tables``). Both are read from the figure
(:mod:`ui.chart_text`), so they carry exactly the numbers the chart does, after the display
boundary. Pages call :func:`show` where they called ``st.plotly_chart``; :func:`draw` draws the figure
with Vega-Lite (:mod:`ui.vega`), or plotly where it cannot.
"""
from __future__ import annotations

import weakref

import streamlit as st

from ui import chart_text, safe, tables, vega

TABLE_LABEL = "The chart's data as a table"
# id(figure) -> what chart_text reads from it; an entry leaves with its figure (weakref.finalize).
_READ: dict[int, tuple[str | None, str, bool]] = {}


def _read(figure) -> tuple[str | None, str, bool]:
    """(too_few reason, summary sentence, has data traces) of ``figure``, read once per figure
    object: ui.data's figures are cached objects shared by every rerun and session and never
    modified, so a filter change whose figure is already cached reads nothing again (reading
    one costs 5-30 ms, nine a run on SPC trends: issue #16)."""
    found = _READ.get(id(figure))
    if found is None:
        found = (chart_text.too_few(figure), chart_text.summary(figure), bool(chart_text.data_traces(figure)))
        _READ[id(figure)] = found
        weakref.finalize(figure, _READ.pop, id(figure), None)
    return found


def draw(figure, key: str) -> None:
    """The figure drawn by Vega-Lite (``ui.vega``: a new tab then loads no plotly.js, a 4.7 MB
    chunk and 3-4 s of script); a figure it cannot convert faithfully stays a plotly chart."""
    spec = vega.spec(figure)
    if spec is None:
        st.plotly_chart(figure, key=key)
    else:
        # the root's accessible name: the summary sentence shown under the chart
        spec["description"] = _read(figure)[1]
        st.vega_lite_chart(vega.as_sent(spec), width="stretch", key=key)


def show(figure, *, key: str, filters=None, what: str = "chart data", too_few: str | None = None) -> None:
    """Draw ``figure`` (widget ``key``), its summary sentence, and its table with a download;
    ``filters`` and ``what`` are for the download's audit entry. ``too_few``: the reason to
    give when the chart is too few to draw, where the page knows it better than the figure
    ("no confirmed flags in this selection", not "counts of 1–7 are hidden")."""
    reason, sentence, has_data = _read(figure)
    reason = reason and (too_few or reason)
    if reason:  # a panel, not empty axes, a lone dot or one block (issue #15, section 3)
        st.info(f"Too few to chart: {reason}.", icon=":material/info:")
    else:
        draw(figure, key)
    # names in the sentence are data: shown as text, never Markdown (ui.safe)
    st.markdown(safe.html_block(safe.html_text(sentence)), unsafe_allow_html=True)
    if not has_data:
        return
    # Lazy: the table and its download are made only while the expander is open (opening it
    # reruns the page, or the fragment the chart is in).
    box = st.expander(TABLE_LABEL, key=f"{key}_table", on_change="rerun")
    with box:
        if box.open:
            data = chart_text.table(figure)
            tables.show(data, hide_index=True)
            tables.download(data, what, filters, key=f"{key}_data", file_stem=chart_text.file_stem(key))
