"""The sidebar filters, kept in the URL so that a link reproduces the view.

URL parameters: ``from`` and ``to`` (UK days, ISO dates, always written), ``region``,
``trust`` and ``platform`` (repeated for several values; absent = all) and, on pages with a
search box, ``q``. Values from the URL are untrusted: dates are parsed and clamped to the
data, codes are kept only if they are offered options, and every value reaches SQL as a
bound parameter anyway.

How the state flows. The chosen values live in ``st.session_state[STATE]`` (a plain dict, not
widget state, so they survive page switches, which drop widget state). On a session's first
run, or when the URL no longer matches what this module last wrote to it (someone edited or
opened a link), the URL wins. Widgets are seeded from the stored values before they are drawn,
and the URL is rewritten from them after, on every page.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from ui import data, formats, safe
from warehouse import queries
from warehouse.queries import Filters

STATE = "_radsome_filters"
WRITTEN = "_radsome_filters_url"
DEFAULT_DAYS = 365
PARAMS = {"start": "from", "end": "to", "regions": "region", "trusts": "trust",
          "platforms": "platform", "text": "q"}
KEYS = {name: f"filter_{name}" for name in ("dates", "regions", "trusts", "platforms", "text")}


@dataclass(frozen=True)
class Options:
    first_day: date
    last_day: date
    regions: pd.DataFrame  # region_code, region_name, n_posts
    trusts: pd.DataFrame  # trust_code, trust_name, region_code, region_name, n_posts
    platforms: pd.DataFrame  # platform, n_posts

    @property
    def default_start(self) -> date:
        return max(self.first_day, self.last_day - timedelta(days=DEFAULT_DAYS - 1))

    def trusts_in(self, regions) -> pd.DataFrame:
        if not regions:
            return self.trusts
        return self.trusts[self.trusts["region_code"].isin(list(regions))]


def load_options() -> Options | None:
    """What the filters can offer; None when the warehouse has no posts."""
    bounds = data.query(queries.date_bounds).iloc[0]
    if pd.isna(bounds["first_day"]):
        return None
    return Options(
        first_day=pd.Timestamp(bounds["first_day"]).date(),
        last_day=pd.Timestamp(bounds["last_day"]).date(),
        regions=data.query(queries.region_options),
        trusts=data.query(queries.trust_options),
        platforms=data.query(queries.platform_options),
    )


def _read_url(search: bool) -> dict[str, list[str]]:
    names = [p for k, p in PARAMS.items() if search or k != "text"]
    return {p: st.query_params.get_all(p) for p in names if st.query_params.get_all(p)}


def _parse_day(values: list[str] | None) -> date | None:
    try:
        return date.fromisoformat(values[-1]) if values else None
    except ValueError:
        return None


def _from_url(url: dict[str, list[str]], previous: dict | None) -> dict:
    """Stored values from the URL; what the URL does not say falls back to ``previous``."""
    previous = previous or {}
    state = {
        "start": _parse_day(url.get("from")),
        "end": _parse_day(url.get("to")),
        "regions": url.get("region", []),
        "trusts": url.get("trust", []),
        "platforms": url.get("platform", []),
        "text": (url.get("q") or [previous.get("text", "")])[-1],
    }
    return state


def _clean(state: dict, options: Options) -> dict:
    """Clamp dates into the data, keep only codes that are offered."""
    start, end = state.get("start"), state.get("end")
    start = min(max(start or options.default_start, options.first_day), options.last_day)
    end = min(max(end or options.last_day, options.first_day), options.last_day)
    if end < start:
        start, end = options.default_start, options.last_day
    regions = [r for r in state.get("regions", []) if r in set(options.regions["region_code"])]
    trust_codes = set(options.trusts_in(regions)["trust_code"])
    return {
        "start": start,
        "end": end,
        "regions": list(dict.fromkeys(regions)),
        "trusts": list(dict.fromkeys(t for t in state.get("trusts", []) if t in trust_codes)),
        "platforms": list(dict.fromkeys(
            p for p in state.get("platforms", []) if p in set(options.platforms["platform"]))),
        "text": str(state.get("text") or "")[:200],
    }


def _to_url(state: dict, search: bool) -> dict[str, list[str]]:
    url = {"from": [state["start"].isoformat()], "to": [state["end"].isoformat()]}
    for name in ("regions", "trusts", "platforms"):
        if state[name]:
            url[PARAMS[name]] = list(state[name])
    if search and state["text"].strip():
        url["q"] = [state["text"]]
    return url


def _write_url(url: dict[str, list[str]]) -> None:
    for name in PARAMS.values():  # a page without a search box drops ``q`` from its URL
        if name in url:
            if st.query_params.get_all(name) != url[name]:
                st.query_params[name] = url[name] if len(url[name]) > 1 else url[name][0]
        elif name in st.query_params:
            del st.query_params[name]


def controls(options: Options, *, search: bool = False) -> Filters:
    """Draw the sidebar filters (and, with ``search``, a search box at this point of the
    page); return the chosen :class:`Filters`."""
    state = st.session_state
    url = _read_url(search)
    forced = STATE not in state or (url and url != state.get(WRITTEN))
    stored = _clean(_from_url(url, state.get(STATE)) if forced else state[STATE], options)

    def seed(key: str, value, offered=None) -> None:
        """Give a widget its stored value before it is drawn (it has none after a page
        switch), and drop choices it no longer offers (a new build, another region)."""
        if forced or key not in state:
            state[key] = value
        if offered is not None:
            state[key] = [v for v in state[key] if v in offered]

    text = stored["text"]
    if search:
        seed(KEYS["text"], stored["text"])
        text = st.text_input("Search post text", key=KEYS["text"], max_chars=200,
                             placeholder="e.g. deodorant, results, claustrophobic",
                             help="Finds posts containing these characters anywhere, ignoring "
                                  "case. Wildcards and quotes are taken literally.")

    with st.sidebar:
        st.header("Filters")
        seed(KEYS["dates"], (stored["start"], stored["end"]))
        state[KEYS["dates"]] = _clamp(state[KEYS["dates"]], options)
        picked = st.date_input("Dates (UK days)", key=KEYS["dates"], min_value=options.first_day,
                               max_value=options.last_day, format="DD/MM/YYYY",
                               help=f"Data from {formats.day(options.first_day)} to "
                                    f"{formats.day(options.last_day)}.")
        start, end = _date_pair(picked, stored)

        region_names = dict(zip(options.regions["region_code"], options.regions["region_name"]))
        seed(KEYS["regions"], stored["regions"], region_names)
        regions = st.multiselect("Region", list(region_names), key=KEYS["regions"],
                                 format_func=region_names.get, placeholder="All regions")

        offered = options.trusts_in(regions)
        trust_names = dict(zip(offered["trust_code"], offered["trust_name"].map(formats.org_name)))
        seed(KEYS["trusts"], stored["trusts"], trust_names)
        trusts = st.multiselect("Trust", list(trust_names), key=KEYS["trusts"],
                                format_func=trust_names.get,
                                placeholder="All trusts" + (" in these regions" if regions else ""))

        platforms = list(options.platforms["platform"])
        seed(KEYS["platforms"], stored["platforms"], set(platforms))
        chosen_platforms = st.multiselect("Platform", platforms, key=KEYS["platforms"],
                                          format_func=formats.platform, placeholder="All platforms")

    chosen = {"start": start, "end": end, "regions": list(regions), "trusts": list(trusts),
              "platforms": list(chosen_platforms), "text": text or ""}
    state[STATE] = chosen
    url = _to_url(chosen, search)
    _write_url(url)
    state[WRITTEN] = url
    return Filters(start, end, tuple(regions), tuple(trusts), tuple(chosen_platforms),
                   text if search else "")


def _clamp(value, options: Options):
    """A date widget value kept within the data's days (a new build may have fewer)."""
    days = [value] if isinstance(value, date) else list(value or ())
    return tuple(min(max(d, options.first_day), options.last_day) for d in days)


def _date_pair(picked, stored: dict) -> tuple[date, date]:
    """The date widget returns one date while the user is half-way through picking a range."""
    if isinstance(picked, date):
        return picked, picked
    picked = tuple(picked or ())
    if len(picked) == 2:
        return picked[0], picked[1]
    if len(picked) == 1:
        return picked[0], max(picked[0], stored["end"])
    return stored["start"], stored["end"]


def describe(filters: Filters, options: Options) -> str:
    """One line of Markdown saying what is shown, for captions."""
    parts = [f"{formats.day(filters.start)} to {formats.day(filters.end)}"]
    names = dict(zip(options.regions["region_code"], options.regions["region_name"]))
    if filters.regions:
        parts.append(", ".join(names.get(r, r) for r in filters.regions))
    if filters.trusts:
        trusts = dict(zip(options.trusts["trust_code"], options.trusts["trust_name"]))
        parts.append(", ".join(formats.org_name(trusts.get(t, t)) for t in filters.trusts))
    if filters.platforms:
        parts.append(", ".join(formats.platform(p) for p in filters.platforms))
    if not filters.regions and not filters.trusts:
        parts.append("all regions and trusts, unattributed posts included")
    if filters.text:
        parts.append(f"text contains {safe.literal(filters.text)}")  # from the URL: shown as text
    return " · ".join(parts)
