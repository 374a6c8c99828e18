"""The sidebar filters, kept in the URL so that a link reproduces the view.

URL parameters: ``from`` and ``to`` (UK days, ISO dates, always written), ``period`` (a
preset of :data:`ui.filter_choices.PERIODS`, which then sets the dates), ``region``, ``trust``
and ``platform`` (repeated for several values; absent = all) and, on pages with a search box,
``q``; on Explore also ``role``, ``question``, ``topic``, ``family``, ``rule`` and ``review``
(issue #15). A trust search box beside the trust list picks a trust on Enter only when what was
typed is exactly one trust's name or code. Values from the URL are untrusted: dates are parsed and clamped to the
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

from ui import auth, data, filter_choices, formats, safe
from ui.filter_choices import PERIODS, QUESTION
from warehouse import queries
from warehouse.queries import POST_LISTS, Filters

STATE = "_radsome_filters"
WRITTEN = "_radsome_filters_url"
DEFAULT_DAYS = queries.DEFAULT_DAYS
CHOICES = filter_choices.post_choices()  # Explore's lists: field -> (URL parameter, label, options)
PARAMS = {"start": "from", "end": "to", "period": "period", "regions": "region", "trusts": "trust",
          "platforms": "platform", "text": "q", "question": "question",
          **{name: CHOICES[name][0] for name in POST_LISTS}}
POST_PARAMS = ("question", *POST_LISTS)  # Explore's own (``posts=True``)
KEYS = {name: f"filter_{name}" for name in ("dates", "period", "regions", "trusts", "platforms", "text",
                                              "question", *POST_LISTS)}
FIND = "filter_trust_find"  # the trust search box
FOUND = "_radsome_trust_find"  # what the last search said (a message), for the next run


@dataclass(frozen=True)
class Options:
    first_day: date
    last_day: date
    regions: pd.DataFrame  # region_code, region_name, n_posts
    trusts: pd.DataFrame  # trust_code, trust_name, region_code, region_name, n_posts
    platforms: pd.DataFrame  # platform, n_posts

    @property
    def default_start(self) -> date:
        return queries.default_dates(self.first_day, self.last_day)[0]

    @property
    def old(self) -> bool:
        """The data's newest post is over a year old, so the dates default to all of it."""
        return self.default_start == self.first_day and self.last_day < date.today() - timedelta(days=DEFAULT_DAYS)

    def trusts_in(self, regions) -> pd.DataFrame:
        if not regions:
            return self.trusts
        return self.trusts[self.trusts["region_code"].isin(list(regions))]


def load_options() -> Options | None:
    """What the filters can offer; None when the warehouse has no posts. Made once per
    published warehouse and access scope for every session (issue #16: each page asks twice
    a run, and each ask was four cached queries copied out of the cache); shared, so callers
    only read it."""
    version = data.warehouse_version()
    if version is None:
        return _load_options()  # says there is no warehouse (ui.data)
    return _shared_options(version, auth.current_scope().key())


@st.cache_resource(ttl=data.QUERY_TTL_SECONDS, max_entries=data.CONNECTIONS, show_spinner=False)
def _shared_options(version: tuple, scope: str) -> Options | None:
    """:func:`_load_options` for one snapshot (``version``) and scope (both only key the cache:
    the queries read this session's, which are they)."""
    return _load_options()


def _load_options() -> Options | None:
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


def _read_url(search: bool, posts: bool = False) -> dict[str, list[str]]:
    names = [p for k, p in PARAMS.items() if (search or k != "text") and (posts or k not in POST_PARAMS)]
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
        "period": (url.get("period") or ["custom"])[-1],
        "regions": url.get("region", []),
        "trusts": url.get("trust", []),
        "platforms": url.get("platform", []),
        "text": (url.get("q") or [previous.get("text", "")])[-1],
        "question": (url.get("question") or [""])[-1],
    }
    for name in POST_LISTS:
        state[name] = url.get(CHOICES[name][0], [])
    return state


def _clean(state: dict, options: Options) -> dict:
    """Clamp dates into the data (or take a preset's), keep only codes that are offered."""
    period = state.get("period") if state.get("period") in PERIODS else "custom"
    preset = filter_choices.period_range(period, options.first_day, options.last_day)
    start, end = preset or (state.get("start"), state.get("end"))
    start = min(max(start or options.default_start, options.first_day), options.last_day)
    end = min(max(end or options.last_day, options.first_day), options.last_day)
    if end < start:
        start, end = options.default_start, options.last_day
    regions = [r for r in state.get("regions", []) if r in set(options.regions["region_code"])]
    trust_codes = set(options.trusts_in(regions)["trust_code"])
    cleaned = {
        "start": start,
        "end": end,
        "period": period,
        "regions": list(dict.fromkeys(regions)),
        "trusts": list(dict.fromkeys(t for t in state.get("trusts", []) if t in trust_codes)),
        "platforms": list(dict.fromkeys(
            p for p in state.get("platforms", []) if p in set(options.platforms["platform"]))),
        "text": str(state.get("text") or "")[:200],
        "question": state.get("question") if state.get("question") in QUESTION else "",
    }
    for name in POST_LISTS:
        cleaned[name] = list(dict.fromkeys(v for v in state.get(name, []) if v in CHOICES[name][2]))
    return cleaned


def _to_url(state: dict, search: bool, posts: bool = False) -> dict[str, list[str]]:
    url = {"from": [state["start"].isoformat()], "to": [state["end"].isoformat()]}
    if state.get("period", "custom") != "custom":
        url["period"] = [state["period"]]
    for name in ("regions", "trusts", "platforms", *(POST_LISTS if posts else ())):
        if state.get(name):
            url[PARAMS[name]] = list(state[name])
    if search and state["text"].strip():
        url["q"] = [state["text"]]
    if posts and state.get("question"):
        url["question"] = [state["question"]]
    return url


def _write_url(url: dict[str, list[str]]) -> None:
    for name in PARAMS.values():  # a page without a search box drops ``q`` from its URL
        if name in url:
            if st.query_params.get_all(name) != url[name]:
                st.query_params[name] = url[name] if len(url[name]) > 1 else url[name][0]
        elif name in st.query_params:
            del st.query_params[name]


def controls(options: Options, *, search: bool = False, posts: bool = False) -> Filters:
    """Draw the sidebar filters (and, with ``search``, a search box at this point of the
    page; with ``posts``, Explore's narrowing of the posts); return the chosen :class:`Filters`."""
    state = st.session_state
    url = _read_url(search, posts)
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
        seed(KEYS["period"], stored["period"])
        period = st.selectbox("Period", list(PERIODS), key=KEYS["period"], format_func=PERIODS.get,
                              on_change=_apply_period, args=(options,),
                              help="Presets count back from the newest post in the data. UK financial "
                                   "years run from 1 April to 31 March.")
        seed(KEYS["dates"], (stored["start"], stored["end"]))
        state[KEYS["dates"]] = _clamp(state[KEYS["dates"]], options)
        picked = st.date_input("Dates (UK days)", key=KEYS["dates"], min_value=options.first_day,
                               max_value=options.last_day, format="DD/MM/YYYY", on_change=_dates_chosen,
                               help=f"Data from {formats.day(options.first_day)} to "
                                    f"{formats.day(options.last_day)}.")
        start, end = _date_pair(picked, stored)
        if options.old:
            st.caption(f"The newest post is from {formats.day(options.last_day)}, over a year ago, so the "
                       "dates start by covering all the data.")

        region_names = dict(zip(options.regions["region_code"], options.regions["region_name"]))
        seed(KEYS["regions"], stored["regions"], region_names)
        regions = st.multiselect("Region", list(region_names), key=KEYS["regions"],
                                 format_func=region_names.get, placeholder="All regions")

        offered = options.trusts_in(regions)
        trust_names = dict(zip(offered["trust_code"], offered["trust_name"].map(formats.org_name)))
        seed(KEYS["trusts"], stored["trusts"], trust_names)
        st.text_input("Find a trust by its full name or code", key=FIND, on_change=_find_trust,
                      args=(trust_names,), placeholder="e.g. RR8, then Enter",
                      help="Enter adds the trust whose name or ODS code is exactly what you typed; "
                           "part of a name only lists the trusts that contain it.")
        if state.get(FOUND):
            st.caption(state[FOUND])  # names and the search as typed are code spans (ui.safe.literal)
        trusts = st.multiselect("Trust", list(trust_names), key=KEYS["trusts"],
                                format_func=trust_names.get,
                                placeholder="All trusts" + (" in these regions" if regions else ""))

        platforms = list(options.platforms["platform"])
        seed(KEYS["platforms"], stored["platforms"], set(platforms))
        chosen_platforms = st.multiselect("Platform", platforms, key=KEYS["platforms"],
                                          format_func=formats.platform, placeholder="All platforms")
        narrowing = _post_controls(stored, seed) if posts else {}

    chosen = {"start": start, "end": end, "period": period or "custom", "regions": list(regions),
              "trusts": list(trusts), "platforms": list(chosen_platforms), "text": text or "",
              "question": narrowing.get("question", "")} | {name: narrowing.get(name, []) for name in POST_LISTS}
    state[STATE] = chosen
    url = _to_url(chosen, search, posts)
    _write_url(url)
    state[WRITTEN] = url
    return Filters(start, end, tuple(regions), tuple(trusts), tuple(chosen_platforms),
                   text if search else "", **{name: tuple(chosen[name]) for name in POST_LISTS},
                   question=chosen["question"])


def _post_controls(stored: dict, seed) -> dict:
    """Explore's narrowing of the posts (issue #15): question or not, then each list."""
    st.subheader("Posts")
    seed(KEYS["question"], stored["question"])
    chosen = {"question": st.selectbox("Questions", list(QUESTION), key=KEYS["question"],
                                       format_func=QUESTION.get)}
    for name in POST_LISTS:
        _, label, offered = CHOICES[name]
        seed(KEYS[name], stored[name], offered)
        chosen[name] = st.multiselect(label, list(offered), key=KEYS[name], format_func=offered.get,
                                      placeholder="Any" if name in ("roles", "topics") else "Any (flagged or not)")
    return chosen


def _apply_period(options: Options) -> None:
    """A preset picked: its dates go into the date widget before the page reruns."""
    days = filter_choices.period_range(st.session_state[KEYS["period"]], options.first_day, options.last_day)
    if days is not None:
        st.session_state[KEYS["dates"]] = days


def _dates_chosen() -> None:
    """Dates picked by hand: the period is no longer a preset."""
    st.session_state[KEYS["period"]] = "custom"


def _find_trust(names: dict[str, str]) -> None:
    """Enter in the trust search: add the one trust named exactly; otherwise say which trusts
    contain the text and add none (typing "Leeds" then Enter once picked two)."""
    state = st.session_state
    typed = state.get(FIND, "")
    code, candidates = filter_choices.exact_trust(typed, names)
    if code is not None:
        state[KEYS["trusts"]] = list(dict.fromkeys([*state.get(KEYS["trusts"], []), code]))
        state[FIND] = ""
        state[FOUND] = f"Added {safe.literal(names[code])}."
    elif candidates:  # names and the typed text shown as text (ui.safe), never Markdown
        shown = ", ".join(safe.literal(names[c]) for c in candidates[:5]) + (" …" if len(candidates) > 5 else "")
        state[FOUND] = (f"No trust is called exactly {safe.literal(typed)}; {len(candidates)} contain it: {shown}. "
                        "Type one's full name or code, or pick it in the list.")
    else:
        state[FOUND] = f"No trust's name or code matches {safe.literal(typed)}." if typed.strip() else ""


def url_choice(label: str, offered: dict[str, str], *, key: str, param: str, default: str, **options) -> str:
    """A page's own choice kept in the URL like the filters (``?param=value``; absent: the
    default), e.g. the open questions' order: a segmented control seeded from the URL when the
    URL says something new, written back after. ``offered``: value -> label."""
    state, written = st.session_state, f"_radsome_url_{param}"
    from_url = st.query_params.get(param)
    if key not in state or (from_url != state.get(written) and (from_url in offered or from_url is None)):
        state[key] = from_url if from_url in offered else default
    value = st.segmented_control(label, list(offered), key=key, format_func=offered.get, **options) or default
    if value == default:
        if param in st.query_params:
            del st.query_params[param]
    elif st.query_params.get(param) != value:
        st.query_params[param] = value
    state[written] = None if value == default else value
    return value


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
    if filters.question:
        parts.append(QUESTION[filters.question].lower())
    for name in POST_LISTS:  # codes offered by CHOICES only (the URL's others are dropped)
        if getattr(filters, name):
            _, label, offered = CHOICES[name]
            parts.append(f"{label.lower()}: " + ", ".join(offered.get(v, v) for v in getattr(filters, name)))
    return " · ".join(parts)
