"""How codes and names read on screen: pure functions, no Streamlit, easy to test."""
from __future__ import annotations

import re

import pandas as pd

PLATFORMS = {
    "x": "X (Twitter)", "facebook": "Facebook", "instagram": "Instagram", "mastodon": "Mastodon",
    "bluesky": "Bluesky", "reddit": "Reddit", "threads": "Threads", "linkedin": "LinkedIn",
    "youtube": "YouTube", "tiktok": "TikTok",
}
ROLES = {
    "patient_public": "Patients and public", "professional": "Professionals",
    "organisation": "Organisations", "unknown": "Unknown role",
}
TOPICS = {
    "pain_discomfort": "Pain and discomfort", "preparation": "Preparation",
    "appointments_access": "Appointments and access", "waiting_results": "Waiting for results",
    "recall_further_tests": "Recall and further tests", "radiation_pregnancy": "Radiation and pregnancy",
    "mri_safety": "MRI safety and claustrophobia", "contrast": "Contrast (dye)",
    "screening_eligibility": "Screening eligibility", "other": "Other",
}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # ISO 1..7
_UPPER = {"NHS", "UK", "HSC", "ICB", "CIC", "LLP", "II", "III"}
_LOWER = {"and", "of", "the", "on", "upon", "in", "for", "at", "with"}
_WORD = re.compile(r"[A-Za-z']+")


def platform(code: str) -> str:
    return PLATFORMS.get(code, str(code).capitalize())


def role(code: str) -> str:
    return ROLES.get(code, str(code).replace("_", " ").capitalize())


def topic(code: str) -> str:
    return TOPICS.get(code, str(code).replace("_", " ").capitalize())


def org_name(name: str | None) -> str:
    """ODS names are upper case: 'BARTS HEALTH NHS TRUST' -> 'Barts Health NHS Trust',
    'STOKE-ON-TRENT' -> 'Stoke-on-Trent'. Names already in mixed case are left alone."""
    if not name or name != name.upper():
        return name or ""
    first = True

    def fix(match: re.Match) -> str:
        nonlocal first
        word = match.group(0)
        if word in _UPPER:
            out = word
        elif not first and word.lower() in _LOWER:
            out = word.lower()
        else:
            out = word[:1] + word[1:].lower()
        first = False
        return out

    return _WORD.sub(fix, name)


def day(value) -> str:
    """'3 Mar 2025' (no leading zero)."""
    return f"{value.day} {value:%b %Y}"


def moment(value) -> str:
    """'3 Mar 2025, 14:05' for a time already in UK local time."""
    return f"{value.day} {value:%b %Y, %H:%M}"


def duration(seconds, *, service: bool = False) -> str:
    """A wait in words: '45 min', '3 h 20 min', '3 days 4 h'; None/NaN -> '—'.

    ``service=True`` reads standard service time (a service day is 10 staffed hours): hours
    up to 5 service days ('34 h 20 min'), then '6 service days 4 h'."""
    if seconds is None or pd.isna(seconds):
        return "—"
    minutes = int(round(float(seconds) / 60))
    day = 600 if service else 1440
    if minutes < 1:
        return "under 1 min"
    if minutes < 60:
        return f"{minutes} min"
    if minutes < (5 * day if service else day):
        hours, rest = divmod(minutes, 60)
        return f"{hours} h" + (f" {rest} min" if rest else "")
    days, rest = divmod(minutes, day)
    hours = rest // 60
    d_word = "service day" if service else "day"
    return f"{days} {d_word}{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")


def percent(p, low=None, high=None) -> str:
    """'62%' or '62% (58–66%)'; NaN/None -> '—'."""
    if p is None or pd.isna(p):
        return "—"
    text = f"{p:.0%}"
    if low is not None and high is not None and not (pd.isna(low) or pd.isna(high)):
        text += f" ({low * 100:.0f}–{high:.0%})"
    return text


def _each_distinct(series: pd.Series, function) -> pd.Series:
    """``series.map(function)``, calling ``function`` once per distinct value."""
    return series.map({value: function(value) for value in series.dropna().unique()})


def trust_table(frame: pd.DataFrame) -> pd.DataFrame:
    """posts_by_trust -> the table people read. Trusts are below national level, so post
    counts and shares are suppressed (1-7 show "*", others rounded to 5; see below)."""
    shown = _suppress(frame.assign(share=frame["share"].astype("float64") * 100), ["n_posts"],
                      {"share": "n_posts"}, national=False)
    return pd.DataFrame({
        "Trust": _each_distinct(frame["trust_name"], org_name),
        "Region": frame["region_name"],
        "ODS code": frame["trust_code"].fillna("—"),
        "Posts": shown["n_posts"].map(_count),
        "Share of posts": shown["share"].map(
            lambda v: v if isinstance(v, str) else ("—" if pd.isna(v) else f"{v:.1f}%")),
    })


def explore_table(frame: pd.DataFrame) -> pd.DataFrame:
    """explore_posts -> the table shown on the Explore page (and downloaded as CSV)."""
    return pd.DataFrame({
        "Posted (UK time)": frame["posted_at"],
        "Text": frame["text"],
        "Platform": _each_distinct(frame["platform"], platform),
        "Author role": _each_distinct(frame["author_role"], role),
        "Trust": _each_distinct(frame["trust_name"], org_name),
        "Region": frame["region_name"],
        "Author": frame["author"],
        "Link": frame["url"],
        "Post id": frame["post_id"],
        "Thread id": frame["thread_id"],
    })


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(value):
    """Post text is untrusted: a cell that starts like a spreadsheet formula gets a leading
    apostrophe so that Excel shows it instead of running it (OWASP "CSV injection")."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with a byte-order mark, so Excel reads the characters right) of exactly
    these rows and columns, text cells defused (see :func:`defuse`)."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(defuse)
    return safe.to_csv(index=False, date_format="%Y-%m-%d %H:%M:%S").encode("utf-8-sig")


# --- patient questions and response times ------------------------------------------------
# Tables below national level go through warehouse.stats.suppress_table (DESIGN.md
# "Statistics shown to people"): counts 1-7 show "*", others are rounded to 5, and rates,
# shares and medians over a hidden count show "*". The rows of these tables add up to a total
# shown on the page, so secondary suppression applies too.
SUPPRESSED = "*"


def _count(value) -> str:
    if isinstance(value, str):
        return value
    return "—" if value is None or pd.isna(value) else f"{int(value):,}"


def shown_count(n, national: bool) -> str:
    """A count as shown: exact at national level, else suppressed (0, "*", or rounded to 5)."""
    from warehouse import stats

    return _count(stats.suppress_count(int(n), national=national))


def metric_parts(text: str) -> tuple[str, str | None]:
    """'62% (58%–66%)' -> ('62%', '95% CI 58%–66%'); text without a CI -> (text, None)."""
    if " (" in text and text.endswith(")"):
        value, ci = text[:-1].split(" (", 1)
        return value, f"95% CI {ci}"
    return text, None


def _suppress(frame: pd.DataFrame, counts, rates, national: bool) -> pd.DataFrame:
    from warehouse import stats

    return stats.suppress_table(frame.assign(_all=1), counts, rates, group_cols="_all",
                                national=national).drop(columns="_all")


def question_unit_table(frame: pd.DataFrame, unit: str = "trust", national: bool = False) -> pd.DataFrame:
    """question_units -> the table of questions per region or trust: questions, answered,
    still open and the response rate (over all questions, unanswered included) with its
    95% Wilson interval. Suppressed unless ``national``."""
    from warehouse import stats

    frame = frame.assign(n_open=frame["n_questions"] - frame["n_answered"])
    p, low, high = stats.wilson(frame["n_answered"].to_numpy(), frame["n_questions"].to_numpy())
    frame = frame.assign(rate=p, rate_low=low, rate_high=high)
    shown = _suppress(frame, ["n_questions", "n_answered", "n_open"],
                      {c: ["n_questions", "n_answered"] for c in ("rate", "rate_low", "rate_high")}, national)
    table = {"Trust" if unit == "trust" else "Region": _each_distinct(shown["group_name"], org_name)}
    if unit == "trust":
        table["Region"] = shown["region_name"]
    table |= {
        "Questions": shown["n_questions"].map(_count),
        "Answered": shown["n_answered"].map(_count),
        "Still open": shown["n_open"].map(_count),
        "Response rate (95% CI)": [SUPPRESSED if r == SUPPRESSED else percent(r, lo, hi)
                                   for r, lo, hi in zip(shown["rate"], shown["rate_low"], shown["rate_high"])],
    }
    return pd.DataFrame(table)


def wait_text(seconds, low=None, high=None, *, service: bool = False) -> str:
    """A median wait: 'not reached' when fewer than half were answered (NaN median)."""
    if isinstance(seconds, str):
        return seconds
    if seconds is None or pd.isna(seconds):
        return "not reached"
    return duration(seconds, service=service)


def wait_ci_text(low, high, *, service: bool = False) -> str:
    """A median's 95% CI, compact: '20–35 min', '17–21 h', '2–4 days', '3 h to not reached'."""
    if isinstance(low, str) or isinstance(high, str):
        return SUPPRESSED
    if low is None or pd.isna(low):
        return "not estimable"
    if high is None or pd.isna(high):
        return f"{duration(low, service=service)} to not reached"
    day = 36_000 if service else 86_400
    if high < 3_600:
        return f"{max(1, round(low / 60))}–{max(1, round(high / 60))} min"
    if high < (5 if service else 2) * day:
        if high < 3 * 3_600:  # short: keep a decimal so the two ends differ
            return f"{low / 3_600:.1f}–{high / 3_600:.1f} h"
        return f"{round(low / 3_600)}–{round(high / 3_600)} h"
    return f"{low / day:.1f}–{high / day:.1f} {'service days' if service else 'days'}"


def response_table(calendar: pd.DataFrame, service: pd.DataFrame, clock: str = "calendar",
                   national: bool = False, unit: str = "Group") -> pd.DataFrame:
    """km_summaries of the calendar histogram (within 1 h and 3 days) and of the service one
    (within 1 service day) -> per group: questions, response rate (all questions, Wilson CI),
    median wait on ``clock`` with its 95% CI, and P(answered within 1 h / 1 service day /
    3 days) with 95% CIs. Suppressed unless ``national``."""
    from warehouse import stats
    from warehouse.question_queries import DAY_S, HOUR_S, SERVICE_DAY_S

    if calendar.empty:
        return pd.DataFrame()
    by_clock = {"calendar": calendar.set_index("group_code"), "service": service.set_index("group_code")}
    codes = calendar["group_code"]
    med = by_clock[clock]
    frame = pd.DataFrame({
        "name": calendar["group_name"].to_numpy(), "n": calendar["n"].to_numpy(),
        "events": calendar["events"].to_numpy(),
        "median": codes.map(med["median_s"]).to_numpy(),
        "median_low": codes.map(med["median_ci_low_s"]).to_numpy(),
        "median_high": codes.map(med["median_ci_high_s"]).to_numpy(),
    })
    frame["rate"], frame["rate_low"], frame["rate_high"] = stats.wilson(frame["events"], frame["n"])
    targets = {"1 h": ("calendar", HOUR_S), "1 service day": ("service", SERVICE_DAY_S),
               "3 days": ("calendar", 3 * DAY_S)}
    rates = {c: ["n", "events"] for c in ("rate", "rate_low", "rate_high", "median", "median_low", "median_high")}
    for i, (source, t) in enumerate(targets.values()):
        table = by_clock[source]
        frame[f"events_{i}"] = codes.map(table[f"events_{t}"]).fillna(0).to_numpy()
        for part in ("", "_low", "_high"):
            frame[f"p_{i}{part}"] = codes.map(table[f"p_{t}{part}"]).to_numpy()
            rates[f"p_{i}{part}"] = ["n", f"events_{i}"]
    shown = _suppress(frame, ["n", "events"], rates, national)
    service_clock = clock == "service"

    def pct(row, prefix: str) -> str:
        if row[prefix] == SUPPRESSED:
            return SUPPRESSED
        return percent(row[prefix], row[f"{prefix}_low"], row[f"{prefix}_high"])

    rows = []
    for _, row in shown.iterrows():
        hidden = row["median"] == SUPPRESSED
        out = {unit: org_name(row["name"]), "Questions": _count(row["n"]),
               "Answered (95% CI)": pct(row, "rate"),
               "Median wait": SUPPRESSED if hidden else wait_text(row["median"], service=service_clock),
               "Median 95% CI": SUPPRESSED if hidden else
               wait_ci_text(row["median_low"], row["median_high"], service=service_clock)}
        for i, name in enumerate(targets):
            out[f"Within {name} (95% CI)"] = pct(row, f"p_{i}")
        rows.append(out)
    return pd.DataFrame(rows)


def funnel_outliers(units: pd.DataFrame, measure: str = "answered", unit: str = "trust") -> pd.DataFrame:
    """question_units -> the units a funnel plot puts beyond its 99.8% limits
    (``ui.charts.funnel_points``), furthest from the overall value first: name, share (95% CI),
    questions (rounded to 5: below national level) and how it compares."""
    from ui.charts import funnel_points

    points, p0 = funnel_points(units, measure)
    out = points[points["position"] != "within"]
    if out.empty or p0 is None:
        return pd.DataFrame(columns=[unit.capitalize(), "Share (95% CI)", "Questions", "Compared with overall"])
    out = out.assign(gap=(out["p"] - p0).abs()).sort_values("gap", ascending=False)
    return pd.DataFrame({
        unit.capitalize(): [org_name(n) for n in out["group_name"]],
        "Share (95% CI)": [percent(p, lo, hi) for p, lo, hi in zip(out["p"], out["p_low"], out["p_high"])],
        "Questions": [_count(n) for n in out["n_shown"]],
        "Compared with overall": [f"{'higher' if pos == 'above' else 'lower'} than expected ({p0:.0%})"
                                  for pos in out["position"]],
    })


def open_questions_table(frame: pd.DataFrame) -> pd.DataFrame:
    """open_questions -> the queue as shown: oldest first, text redacted, links only if http(s)."""
    from ui.redact import redact, safe_url

    return pd.DataFrame({
        "Asked (UK time)": frame["asked_at"],
        "Waiting": [duration(s) for s in frame["waiting_seconds"]],
        "Question (identifiers removed)": [redact(t) for t in frame["text"]],
        "Link": [safe_url(u) for u in frame["url"]],
        "Trust": _each_distinct(frame["trust_name"], org_name),
        "Platform": _each_distinct(frame["platform"], platform),
        "Topic": _each_distinct(frame["topic"], topic),
        "Note": ["someone of unknown role replied" if r else "" for r in frame["has_unknown_reply"]],
    })


# --- guideline flags ------------------------------------------------------------------------
SEVERITIES = {"high": "High", "medium": "Medium", "low": "Low"}


def rate_text(rate, low=None, high=None) -> str:
    """A rate per 1,000 with its CI: '12.3 (10.1–14.9)'; '*' when hidden, '—' when undefined."""
    if isinstance(rate, str):
        return rate
    if rate is None or pd.isna(rate):
        return "—"
    if low is None or isinstance(low, str) or pd.isna(low) or pd.isna(high):
        return f"{rate:,.1f}"
    return f"{rate:,.1f} ({low:,.1f}–{high:,.1f})"


def flag_rate_table(frame: pd.DataFrame, unit: str = "trust", national: bool = False) -> pd.DataFrame:
    """flag_rates -> the table people read: name, flags, staff posts and the rate per 1,000
    posts with its 95% CI. Suppressed unless ``national`` (counts 1-7 "*", others rounded to
    5, rates over 1-7 hidden)."""
    shown = _suppress(frame, ["n_flags", "n_posts"],
                      {c: ["n_flags", "n_posts"] for c in ("rate", "ci_low", "ci_high")}, national)
    names = {"trust": "Trust", "region": "Region", "family": "Family", "rule": "Rule", "all": "Group"}
    table = {names.get(unit, unit.capitalize()):
             _each_distinct(shown["group_name"], org_name) if unit in ("trust", "region")
             else shown["group_name"]}
    if unit == "trust":
        table["Region"] = shown["region_name"]
    table |= {
        "Flags": shown["n_flags"].map(_count),
        "Staff posts": shown["n_posts"].map(_count),
        "Flags per 1,000 posts (95% CI)": [rate_text(r, lo, hi) for r, lo, hi in
                                            zip(shown["rate"], shown["ci_low"], shown["ci_high"])],
    }
    return pd.DataFrame(table)


def flagged_posts_table(frame: pd.DataFrame) -> pd.DataFrame:
    """flagged_posts -> the drill-down as shown: newest day first, most severe first within a
    day; the post and the evidence redacted of identifiers, links only if http(s)."""
    from ui.redact import redact, safe_url

    return pd.DataFrame({
        "Posted (UK time)": frame["posted_at"],
        "Severity": [SEVERITIES.get(s, s) for s in frame["severity"]],
        "Rule": frame["rule_id"],
        "Family": frame["family"].str.replace("_", " ").str.capitalize(),
        "Evidence (identifiers removed)": [redact(t) for t in frame["evidence"]],
        "Post (identifiers removed)": [redact(t) for t in frame["text"]],
        "Guidance": frame["clause"],
        "Trust": _each_distinct(frame["trust_name"], org_name),
        "Platform": _each_distinct(frame["platform"], platform),
        "Author": frame["author_role"].map(role),
        "Link": [safe_url(u) for u in frame["url"]],
    })
