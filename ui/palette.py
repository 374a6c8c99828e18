"""Every colour a chart draws with, in one place (issue #15, section 1).

The categories are the UK Government Analysis Function's colour-blind-safe categorical
palette ("main6": dark blue, turquoise, dark pink, orange, dark grey, light purple), in its
order, so that two series are dark blue and orange, the pair it advises. Meanings keep one
colour each: favourable / unfavourable (funnel outliers, MDC's improvement / concern) are
dark blue and orange, never green and red (one olive colour under deuteranopia);
"Unattributed" and "not known" are grey. Colour is never the only sign: a line's dash
(:func:`line_style`), a marker's shape or an arrow and its words in the legend say it too.

WCAG 2.2 (1.4.11 non-text contrast) asks 3:1 for the parts of a chart needed to read it:
every colour here used for a mark is at least 3:1 against the chart's white background
(:func:`contrast`, tested in tests/test_palette.py), and tick labels and axis titles are in
NHS text black. Light fills (confidence bands, heatmap cells) stand beside a line or a
number that carries the value and are exempt; the heatmap's values are in its table.
"""
from __future__ import annotations

BACKGROUND = "#FFFFFF"
INK = "#212B32"  # NHS text black: ticks, axis titles, legend, annotations (14.4:1)
MUTED = "#4C6272"  # NHS secondary text: notes on a chart (6.4:1)

DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE, DARK_GREY, LIGHT_PURPLE = (
    "#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")
CATEGORICAL = (DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE, DARK_GREY, LIGHT_PURPLE)
MID_BLUE = "#2073BC"  # the sequential palette's middle (4.9:1): one series of bars or a line
GREY = "#768692"  # NHS mid grey (3.8:1): Unattributed, unknown, limits, common cause
FAVOURABLE, UNFAVOURABLE = DARK_BLUE, ORANGE
NEUTRAL_SIGNAL = DARK_PINK  # a special cause on a measure with no good direction
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
# Sequential scales for heatmaps: light to dark; the light end is a fill, not a mark.
SEQUENTIAL = ((0.0, "#E8EDEE"), (1.0, DARK_BLUE))


def colour(i: int) -> str:
    """The ``i``-th category's colour (cycling after six; :func:`line_style` adds a dash)."""
    return CATEGORICAL[i % len(CATEGORICAL)]


def line_style(i: int, width: float = 2) -> dict:
    """The ``i``-th series' line: its colour and a dash of its own, so that lines differ by
    more than colour."""
    return dict(color=colour(i), width=width, dash=dash(i))


def dash(i: int) -> str:
    """The ``i``-th series' dash: the first six series differ in dash as in colour; after
    that the dash moves one step further each time the colours start again, so no two of the
    first 36 series share both colour and dash (11 regions drew pairs alike: issue #16)."""
    return DASHES[(i + i // len(CATEGORICAL)) % len(DASHES)]


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    """WCAG 2.2 relative luminance of an opaque ``#RRGGBB`` colour."""
    h = hex_colour.lstrip("#")
    r, g, b = (_channel(int(h[i:i + 2], 16)) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str = BACKGROUND) -> float:
    """WCAG 2.2 contrast ratio of two opaque colours, from 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
