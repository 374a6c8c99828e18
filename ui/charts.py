"""Chart builders: pure functions from a query's DataFrame to a plotly Figure.

No Streamlit here, and plotly.graph_objects rather than plotly.express (express costs about
100 ms a figure). Colours come from the NHS identity palette; "Unattributed" is always grey so
that it reads as "not known" rather than as one more region or trust.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ui import labels

NHS_BLUE = "#005EB8"
GREY = "#768692"
PALETTE = ["#005EB8", "#ED8B00", "#00A499", "#AE2573", "#330072", "#41B6E6", "#8A1538",
           "#FFB81C", "#003087", "#78BE20"]
SERIES_COLOURS = {
    "x": "#231F20", "facebook": "#005EB8", "bluesky": "#41B6E6", "mastodon": "#330072",
    "reddit": "#ED8B00", "instagram": "#AE2573", "linkedin": "#003087",
    "patient_public": "#005EB8", "professional": "#00A499", "organisation": "#ED8B00",
    "unknown": GREY,
}
GRAIN_WORDS = {"day": ("Day", "per day"), "week": ("Week starting (Monday)", "per week"),
               "month": ("Month", "per month")}
FONT = dict(family="Frutiger, Arial, sans-serif", size=13)


def _layout(fig: go.Figure, *, height: int, x_title: str, y_title: str, legend: bool) -> go.Figure:
    fig.update_layout(
        height=height, margin=dict(l=8, r=8, t=8, b=8), font=FONT, separators=".,",
        showlegend=legend, hovermode="closest",
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, title=None),
        xaxis=dict(title=dict(text=x_title), automargin=True),
        yaxis=dict(title=dict(text=y_title), automargin=True, rangemode="tozero"),
    )
    return fig


def _series_label(series: str, by: str) -> str:
    return labels.role(series) if by == "role" else labels.platform(series)


def posts_over_time(frame: pd.DataFrame, grain: str = "week", by: str = "platform") -> go.Figure:
    """Lines of posts per period, one per platform (or author role), busiest first."""
    x_title, per = GRAIN_WORDS[grain]
    fig = go.Figure()
    totals = frame.groupby("series")["n_posts"].sum().sort_values(ascending=False)
    hover_day = "%{x|%-d %b %Y}" if grain != "month" else "%{x|%b %Y}"
    for i, series in enumerate(totals.index):
        rows = frame[frame["series"] == series]
        name = _series_label(series, by)
        fig.add_trace(go.Scatter(
            x=rows["period"], y=rows["n_posts"], mode="lines", name=name,
            line=dict(width=2, color=SERIES_COLOURS.get(series, PALETTE[i % len(PALETTE)])),
            hovertemplate=f"{name}<br>{hover_day}: %{{y:,}} posts<extra></extra>",
        ))
    _layout(fig, height=360, x_title=x_title, y_title=f"Posts {per}", legend=True)
    fig.update_layout(hovermode="x unified")
    fig.update_xaxes(tickformat="%-d %b %Y" if grain != "month" else "%b %Y")
    fig.update_yaxes(tickformat=",d")
    return fig


def _bars(names: list[str], values: list[int], shares: list[float], colours: list[str],
          x_title: str) -> go.Figure:
    fig = go.Figure(go.Bar(
        y=names, x=values, orientation="h", marker_color=colours,
        customdata=[f"{s:.1%}" for s in shares],
        text=[f"{v:,}" for v in values], textposition="auto", cliponaxis=False,
        hovertemplate="%{y}: %{x:,} posts (%{customdata} of all shown)<extra></extra>",
    ))
    _layout(fig, height=max(150, 34 * len(names) + 70), x_title=x_title, y_title="", legend=False)
    fig.update_layout(bargap=0.3)
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=12))
    fig.update_xaxes(tickformat=",d")
    return fig


def posts_by_region(frame: pd.DataFrame) -> go.Figure:
    """Horizontal bars of posts per region, busiest at the top, Unattributed in grey."""
    names = frame["region_name"].tolist()
    colours = [GREY if code == "unattributed" else NHS_BLUE for code in frame["region_code"]]
    return _bars(names, frame["n_posts"].astype(int).tolist(), frame["share"].tolist(), colours,
                 "Posts")


def posts_by_trust(frame: pd.DataFrame, top: int = 15) -> go.Figure:
    """Horizontal bars of the ``top`` busiest trusts, names tidied, Unattributed in grey."""
    rows = frame.head(top)
    names = [_wrap(labels.org_name(n)) for n in rows["trust_name"]]
    colours = [GREY if pd.isna(code) else NHS_BLUE for code in rows["trust_code"]]
    return _bars(names, rows["n_posts"].astype(int).tolist(), rows["share"].tolist(), colours,
                 "Posts")


def _wrap(name: str, width: int = 38) -> str:
    """Long trust names on two lines (plotly wraps only at <br>)."""
    if len(name) <= width:
        return name
    cut = name.rfind(" ", 0, width)
    return name if cut < 0 else name[:cut] + "<br>" + name[cut + 1:]
