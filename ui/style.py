"""The few style rules Streamlit's theme cannot set, for WCAG 2.2 AA (issue #15, section 1).

One ``<style>`` block, added by :func:`apply` once per page run from ``ui.page.setup`` (a
style-only ``st.html`` goes to Streamlit's event container: it takes no space on the page).
Each rule is here because axe-core or a keyboard walk in Chromium found the gap
(``tests/test_accessibility.py``):

* Captions: Streamlit draws them in the text colour at 60% opacity, 4.0:1 on white with the
  NHS text colour (WCAG 1.4.3 asks 4.5:1). They are drawn in NHS secondary text grey
  (``#4C6272``, 6.1:1 on white, 5.6:1 on the pale grey background), not faded.
* The date input's day, month and year fields are 18 x 20 px targets side by side (WCAG
  2.5.8 asks 24 x 24 px or the space around it): each gets 24 px.
* Headline metrics and page links: Streamlit cuts a long label, value or delta with "…"
  in a narrow column (at 1280 px: "Median time to first a…", "30 Jun 2…"); they wrap
  instead (WCAG 1.4.10 reflow), and values are drawn smaller (``theme.metricValueFontSize``).
* Badges: Streamlit cuts a badge too (no wrap, "…", no tooltip): the Overview scorecard's SPC
  verdicts ("Special cause – neither improving nor concerning – high") could not be read whole
  in their column (user tryout). A badge wraps within its column instead.
* Focus: every focusable thing, plotly's chart toolbar buttons included, shows the NHS
  focus style (yellow with a black outline, as on NHS.UK) when reached by keyboard
  (WCAG 2.4.7, 2.4.11 and 2.4.13).
"""
from __future__ import annotations

import streamlit as st

CAPTION_COLOUR = "#4C6272"  # NHS secondary text
FOCUS_YELLOW = "#FFEB3B"  # NHS focus colour
FOCUS_BLACK = "#212B32"  # NHS text black
TARGET_PX = 24

CSS = f"""
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] code {{
  opacity: 1;
  color: {CAPTION_COLOUR};
}}
[data-testid="stDateInput"] [role="spinbutton"] {{
  display: inline-block; min-width: {TARGET_PX}px; min-height: {TARGET_PX}px;
  line-height: {TARGET_PX}px; text-align: center;
}}
[data-testid="stMetric"] [data-testid="stMarkdownContainer"],
[data-testid="stMetric"] [data-testid="stMarkdownContainer"] p, [data-testid="stPageLink"] span,
.stMarkdownBadge {{
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}}
:focus-visible, .modebar-btn:focus {{
  outline: 3px solid {FOCUS_BLACK} !important; outline-offset: 1px;
  box-shadow: 0 0 0 6px {FOCUS_YELLOW} !important;
}}
"""


def apply() -> None:
    """Add the style block to the page (call once per run, before anything is drawn)."""
    st.html(f"<style>{CSS}</style>")
