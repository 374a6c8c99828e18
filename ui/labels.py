"""The tables people read (and download): pure functions from a query's DataFrame to the
table a page shows, each value formatted once here (:mod:`ui.formats`), every number below
national level suppressed. No Streamlit, easy to test."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ui import disclosure, formats, funnels
from ui.disclosure import Rate, Share
from ui.formats import SUPPRESSED, count, org_name, percent, platform, rate_text, role, topic
from ui.redact import redact, safe_url
from ui.safe import strip_paths
from warehouse import compare, funnel, question_queries, stats
from warehouse.measures import CALENDAR, SERVICE, SERVICE_DAYS, TARGETS, UNATTRIBUTED

def _each_distinct(series: pd.Series, function) -> pd.Series:
    """``series.map(function)``, calling ``function`` once per distinct value."""
    return series.map({value: function(value) for value in series.dropna().unique()})


def trust_table(frame: pd.DataFrame) -> pd.DataFrame:
    """posts_by_trust -> the table people read. Trusts are below national level, so post
    counts and shares are suppressed (1-7 show "*", others rounded to 5; see below)."""
    shown = disclosure.protect(frame.assign(total=frame["n_posts"].sum()), ["n_posts"],
                               [Share("n_posts", "total", "share", scale=100)])
    return pd.DataFrame({
        "Trust": _each_distinct(frame["trust_name"], org_name),
        "Region": frame["region_name"],
        "ODS code": frame["trust_code"].fillna("—"),
        "Posts": shown["n_posts"].map(count),
        "Share of posts": shown["share"].map(
            lambda v: v if isinstance(v, str) else ("—" if pd.isna(v) else f"{v:.1f}%")),
    })


EXPLORE_TEXT = "Text (identifiers removed)"


def explore_table(frame: pd.DataFrame) -> pd.DataFrame:
    """explore_posts -> the table shown on the Explore page (and downloaded); the text
    redacted of identifiers (ui.redact), links only if http(s)."""
    return pd.DataFrame({
        "Posted (UK time)": frame["posted_at"],
        EXPLORE_TEXT: [redact(t) for t in frame["text"]],
        "Platform": _each_distinct(frame["platform"], platform),
        "Author role": _each_distinct(frame["author_role"], role),
        "Trust": _each_distinct(frame["trust_name"], org_name),
        "Region": frame["region_name"],
        "Author": frame["author"],
        "Link": [safe_url(u) for u in frame["url"]],
        "Post id": frame["post_id"],
        "Thread id": frame["thread_id"],
    })


def question_unit_table(frame: pd.DataFrame, unit: str = "trust", national: bool = False) -> pd.DataFrame:
    """question_units -> the table of questions per region or trust: questions, answered,
    still open and the response rate (over all questions, unanswered included) with its
    95% Wilson interval. Suppressed unless ``national``."""
    frame = frame.assign(n_open=frame["n_questions"] - frame["n_answered"])
    shown = disclosure.protect(frame, ["n_questions", "n_answered", "n_open"],
                               [Share("n_answered", "n_questions", "rate", "rate_low", "rate_high")], national=national)
    table = {"Trust" if unit == "trust" else "Region": _each_distinct(shown["group_name"], org_name)}
    if unit == "trust":
        table["Region"] = shown["region_name"]
    table |= {
        "Questions": shown["n_questions"].map(count),
        "Answered": shown["n_answered"].map(count),
        "Still open": shown["n_open"].map(count),
        "Response rate (95% CI)": [SUPPRESSED if r == SUPPRESSED else percent(r, lo, hi)
                                   for r, lo, hi in zip(shown["rate"], shown["rate_low"], shown["rate_high"])],
    }
    return pd.DataFrame(table)


def acknowledged_share(head: pd.Series, national: bool = False) -> tuple[str, str | None]:
    """question_headline's row -> the share of questions acknowledged automatically before any
    answer, as a metric shows it: ('12%', '95% CI 9–15%'); '*' when a count it is over is 1–7
    below national level, '—' without questions."""
    frame = pd.DataFrame({"n": [int(head["n_questions"])], "k": [int(head["n_acknowledged"])]})
    row = disclosure.protect(frame, ["n", "k"], [Share("k", "n", "p", "low", "high")], national=national).iloc[0]
    if row["p"] == SUPPRESSED:
        return SUPPRESSED, None
    value, ci = formats.percent_parts(row["p"], row["low"], row["high"])
    return value, None if ci is None else f"95% CI {ci}"


def _staffed_day(seconds) -> str:
    hours = int(seconds) / 3600
    return f"{hours:g} h"


def schedule_table(frame: pd.DataFrame) -> pd.DataFrame:
    """trust_schedules -> the staffed hours each trust had, per policy period, as the Response
    times page shows them (no counts: nothing to suppress)."""
    def period(start, stop) -> str:
        if pd.isna(start):
            return "when no local policy was in force"
        since = f"from {formats.day(pd.Timestamp(start))}"
        return since if pd.isna(stop) else f"{since} to {formats.day(pd.Timestamp(stop) - pd.Timedelta(days=1))}"

    return pd.DataFrame({
        "Trust": _each_distinct(frame["trust_name"], org_name),
        "Policy version": frame["policy_version"].fillna("none"),
        "In force": [period(a, b) for a, b in zip(frame["effective_from"], frame["effective_to"])],
        "Staffed hours": frame["staffed_hours"].fillna("Mon-Fri 08:00-18:00 (default)"),
        "One service day": frame["service_day_seconds"].map(_staffed_day),
    })


def _response_figures(calendar: pd.DataFrame, service: pd.DataFrame, service_days: pd.DataFrame, clock: str,
                      national: bool) -> pd.DataFrame:
    """km_summaries of the calendar histogram, the service one (staffed seconds) and the
    service-days one -> per group: name, n (questions), events (answered), the response rate
    over all questions (rate, Wilson CI), the median wait on ``clock`` (median, CI) and
    P(answered within each target) with its CI (within_<code>, each read off its own clock's
    curve), suppressed ("*") unless ``national``."""
    by_clock = {CALENDAR: calendar.set_index("group_code"), SERVICE: service.set_index("group_code"),
                SERVICE_DAYS: service_days.set_index("group_code")}
    codes = calendar["group_code"]
    med = by_clock[clock]
    frame = pd.DataFrame({
        "name": calendar["group_name"].to_numpy(), "n": calendar["n"].to_numpy(),
        "events": calendar["events"].to_numpy(),
        "median": codes.map(med["median_s"]).to_numpy(),
        "median_low": codes.map(med["median_ci_low_s"]).to_numpy(),
        "median_high": codes.map(med["median_ci_high_s"]).to_numpy(),
    })
    rates = {c: ["n", "events"] for c in ("median", "median_low", "median_high")}
    for t in TARGETS:
        table, column = by_clock[t.clock], f"within_{t.code}"
        frame[f"events_{t.code}"] = codes.map(table[f"events_{t.seconds}"]).fillna(0).to_numpy()
        for part in ("", "_low", "_high"):
            frame[column + part] = codes.map(table[f"p_{t.seconds}{part}"]).to_numpy()
            rates[column + part] = ["n", f"events_{t.code}"]
    return disclosure.protect(frame, ["n", "events"], [Share("events", "n", "rate", "rate_low", "rate_high")],
                              rates, national=national)


def _share(row, prefix: str) -> tuple[str, str | None]:
    if row[prefix] == SUPPRESSED:
        return SUPPRESSED, None
    return formats.percent_parts(row[prefix], row[f"{prefix}_low"], row[f"{prefix}_high"])


def _median(row, clock: str) -> tuple[str, str | None]:
    if row["median"] == SUPPRESSED:
        return SUPPRESSED, None
    service = clock == SERVICE
    return (formats.wait_text(row["median"], service=service),
            formats.wait_ci_text(row["median_low"], row["median_high"], service=service))


def response_table(calendar: pd.DataFrame, service: pd.DataFrame, service_days: pd.DataFrame,
                   clock: str = CALENDAR, national: bool = False, unit: str = "Group") -> pd.DataFrame:
    """km_summaries of the calendar histogram (within 1 h and 3 days), of the service one (the
    median in staffed hours) and of the service-days one (within 1 service day) -> per group:
    questions, response rate (all questions, Wilson CI), median wait on ``clock`` with its 95%
    CI, and P(answered within each target) with 95% CIs. Suppressed unless ``national``."""
    if calendar.empty:
        return pd.DataFrame()
    rows = []
    for _, row in _response_figures(calendar, service, service_days, clock, national).iterrows():
        median, median_ci = _median(row, clock)
        out = {unit: org_name(row["name"]), "Questions": count(row["n"]),
               "Answered (95% CI)": formats.joined(*_share(row, "rate")),
               "Median wait": median, "Median 95% CI": SUPPRESSED if median == SUPPRESSED else median_ci}
        for t in TARGETS:
            out[f"Within {t.short} (95% CI)"] = formats.joined(*_share(row, f"within_{t.code}"))
        rows.append(out)
    return pd.DataFrame(rows)


def response_headline(calendar: pd.DataFrame, service: pd.DataFrame, service_days: pd.DataFrame,
                      clock: str = CALENDAR, national: bool = False) -> dict[str, tuple[str, str | None]]:
    """The first group's figures (the whole selection, when ``by`` is "all") for the metrics at
    the top of a page: measure name (warehouse.measures.MEASURES) -> (value, "95% CI ..." or
    None), each formatted once here: questions, answered, median_wait, within_<target>.
    Empty without questions."""
    if calendar.empty:
        return {}
    row = _response_figures(calendar, service, service_days, clock, national).iloc[0]
    figures = {"questions": (count(row["n"]), None), "answered": _share(row, "rate"),
               "median_wait": _median(row, clock),
               **{f"within_{t.code}": _share(row, f"within_{t.code}") for t in TARGETS}}
    return {name: (value, None if ci is None else f"95% CI {ci}") for name, (value, ci) in figures.items()}


def headline_clocks(clock: str = CALENDAR) -> tuple[str, ...]:
    """The clocks whose curves :func:`response_headline` reads with ``clock``: its median's and
    each target's (the calendar headline needs no service-clock curve)."""
    return tuple(c for c in (CALENDAR, SERVICE, SERVICE_DAYS) if c == clock or c in {t.clock for t in TARGETS})


def response_headline_of(histograms: pd.DataFrame, clock: str = CALENDAR,
                         national: bool = False) -> dict[str, tuple[str, str | None]]:
    """:func:`response_headline` from ``warehouse.question_queries.response_histograms`` of
    :func:`headline_clocks` (one query): the Kaplan–Meier summaries of those clocks only
    (``ui.disclosure.km_summaries``), none of a clock the headline does not read."""
    summaries = []
    for c in (CALENDAR, SERVICE, SERVICE_DAYS):
        part = histograms[histograms["clock"] == c].drop(columns="clock").reset_index(drop=True)
        summaries.append(disclosure.km_summaries(part, within_s=question_queries.WITHIN[c], national=national)
                         if c in headline_clocks(clock) else pd.DataFrame(columns=["group_code"]))
    return response_headline(*summaries, clock=clock, national=national)


def funnel_outliers(units: pd.DataFrame, measure: str = "answered", unit: str = "trust",
                    overdispersion: bool = False) -> pd.DataFrame:
    """question_units -> the units a funnel plot puts beyond its 99.8% limits
    (``ui.funnels.funnel_points``), furthest from the overall value first: name, share (95% CI),
    questions (rounded to 5: below national level) and how it compares."""
    points, p0 = funnels.funnel_points(units, measure, overdispersion)
    out = points[points["position"] != "within"]
    if out.empty or p0 is None:
        return pd.DataFrame(columns=[unit.capitalize(), "Share (95% CI)", "Questions", "Compared with overall"])
    out = out.assign(gap=(out["p"] - p0).abs()).sort_values("gap", ascending=False)
    return pd.DataFrame({
        unit.capitalize(): [org_name(n) for n in out["group_name"]],
        "Share (95% CI)": [percent(p, lo, hi) for p, lo, hi in zip(out["p"], out["p_low"], out["p_high"])],
        "Questions": [count(n) for n in out["n_shown"]],
        "Compared with overall": [f"{'higher' if pos == 'above' else 'lower'} than expected ({p0:.0%})"
                                  for pos in out["position"]],
    })


def funnel_centre_note(units: pd.DataFrame, measure: str = "answered", unit: str = "trust",
                       national: bool = False) -> str:
    """question_units -> one sentence saying why the funnel's centre line and the figures at the
    top of the page differ: the centre is over questions attributed to a {unit}, the top counts
    the unattributed too (:func:`warehouse.funnel.centre_beside_all`). The centre is the line as
    drawn (from rounded totals, :func:`ui.funnels.funnel_points`); counts and the all-questions
    share are disclosed as the page's headline is (exact only when ``national``)."""
    num, den, words = funnels.FUNNEL_MEASURES[measure][:3]
    c = funnel.centre_beside_all(units, num, den, UNATTRIBUTED)

    def shown(n):
        return disclosure.count_text(int(n), national)

    def share(k, n, *others):
        if disclosure.hidden_over(k, n, *others, national=national):
            return SUPPRESSED
        k, n = (k, n) if national else (disclosure.rounded(int(k)), disclosure.rounded(int(n)))
        return formats.percent(k / n) if n else "—"

    questions = "questions" if measure == "answered" else "questions followed long enough to tell"
    drawn = funnels.funnel_points(units, measure)[1]
    centre = (SUPPRESSED if disclosure.hidden_over(c["k_centre"], c["n_centre"], national=national)
              else formats.percent(drawn))
    if c["n_unattributed"] == 0:
        return (f"The centre line, {centre} {words}, is over all {shown(c['n_centre'])} {questions}, "
                "as the figures at the top of the page.")
    overall = share(c["k_all"], c["n_all"], c["k_unattributed"], c["n_unattributed"])
    return (f"The centre line, {centre} {words}, is over the {shown(c['n_centre'])} {questions} attributed "
            f"to a {unit}; the figures at the top of the page also count the {shown(c['n_unattributed'])} "
            f"attributed to none ({shown(c['k_unattributed'])} {words}), which makes {overall}.")


def open_questions_table(frame: pd.DataFrame) -> pd.DataFrame:
    """open_questions -> the queue as shown (in the query's order), text redacted, links only if
    http(s); how far past its policy's response target each one is ("—": no target)."""
    past = [("—" if pd.isna(t) else "not yet" if w <= t * 3600 else formats.duration(w - t * 3600))
            for w, t in zip(frame["waiting_seconds"], frame["response_target_hours"])]
    return pd.DataFrame({
        "Asked (UK time)": frame["asked_at"],
        "Waiting": [formats.duration(s) for s in frame["waiting_seconds"]],
        "Past its target by": past,
        "Question (identifiers removed)": [redact(t) for t in frame["text"]],
        "Link": [safe_url(u) for u in frame["url"]],
        "Trust": _each_distinct(frame["trust_name"], org_name),
        "Platform": _each_distinct(frame["platform"], platform),
        "Topic": _each_distinct(frame["topic"], topic),
        "Note": ["someone of unknown role replied" if r else "" for r in frame["has_unknown_reply"]],
    })


# --- guideline flags ------------------------------------------------------------------------
SEVERITIES = {"high": "High", "medium": "Medium", "low": "Low"}


def flag_rate_table(frame: pd.DataFrame, unit: str = "trust", national: bool = False) -> pd.DataFrame:
    """flag_rates -> the table people read: name, flags, staff posts and the rate per 1,000
    posts with its 95% CI. Suppressed unless ``national`` (counts 1-7 "*", others rounded to
    5, rates over 1-7 hidden)."""
    shown = disclosure.protect(frame, ["n_flags", "n_posts"], [Rate("n_flags", "n_posts", "rate", "ci_low", "ci_high")],
                               national=national)
    names = {"trust": "Trust", "region": "Region", "family": "Family", "rule": "Rule", "all": "Group"}
    table = {names.get(unit, unit.capitalize()):
             _each_distinct(shown["group_name"], org_name) if unit in ("trust", "region")
             else shown["group_name"]}
    if unit == "trust":
        table["Region"] = shown["region_name"]
    table |= {
        "Flags": shown["n_flags"].map(count),
        "Staff posts": shown["n_posts"].map(count),
        "Flags per 1,000 posts (95% CI)": [rate_text(r, lo, hi) for r, lo, hi in
                                            zip(shown["rate"], shown["ci_low"], shown["ci_high"])],
    }
    return pd.DataFrame(table)


def flag_headline(head: pd.Series, national: bool = False) -> dict[str, tuple[str, str | None]]:
    """flag_headline's row -> the Guideline flags metrics as shown: flags, high-severity,
    reviewed, automatic and staff posts (counts), and the rate per 1,000 with its CI computed
    from the shown counts; each (value, "95% CI …" or None)."""
    counts = ["n_flags", "n_high", "n_reviewed", "n_automatic", "n_posts"]
    frame = pd.DataFrame({c: [int(head[c])] for c in counts})
    row = disclosure.protect(frame, counts, [Rate("n_flags", "n_posts", "rate", "ci_low", "ci_high")],
                             national=national, groups=None).iloc[0]
    out = {c: (count(row[c]), None) for c in counts}
    if row["rate"] == SUPPRESSED:
        out["rate"] = (SUPPRESSED, None)
    else:
        out["rate"] = (f"{row['rate']:,.1f}", f"95% CI {row['ci_low']:,.1f}–{row['ci_high']:,.1f}")
    return out


def share_metric(head: pd.Series, num: str, den: str, national: bool = False) -> tuple[str, str | None]:
    """A share ``num``/``den`` of a one-row headline as a metric shows it: ('64%', '95% CI
    59–69%'), computed from the shown counts below national level; '*' over a hidden count,
    '—' when the denominator is 0."""
    if int(head[den]) == 0:
        return "—", None
    frame = pd.DataFrame({"k": [int(head[num])], "n": [int(head[den])]})
    row = disclosure.protect(frame, [], [Share("k", "n", "p", "low", "high")], national=national).iloc[0]
    if row["p"] == SUPPRESSED:
        return SUPPRESSED, None
    value, ci = formats.percent_parts(row["p"], row["low"], row["high"])
    return value, None if ci is None else f"95% CI {ci}"


REVIEW_STATUS = {"unreviewed": "Not reviewed", "confirmed": "Confirmed", "dismissed": "Dismissed",
                 "actioned": "Actioned"}


# A post older than every edition of its rule's guidance (before SCoR's 2015 and HCPC's 2016
# texts, the register's earliest) cites none: say so rather than leave the cell blank.
NO_CLAUSE_IN_FORCE = "No guidance in the clause register was in force on the post's day"


def flagged_posts_table(frame: pd.DataFrame) -> pd.DataFrame:
    """flagged_posts -> the drill-down as shown: newest day first, most severe first within a
    day; the post and the evidence redacted of identifiers, links only if http(s)."""
    return pd.DataFrame({
        "Posted (UK time)": frame["posted_at"],
        "Severity": [SEVERITIES.get(s, s) for s in frame["severity"]],
        "Rule": _each_distinct(frame["rule_id"], formats.rule),
        "Family": _each_distinct(frame["family"], formats.family),
        "Review": frame["status"].map(REVIEW_STATUS).fillna(frame["status"]),
        "Evidence (identifiers removed)": [redact(t) for t in frame["evidence"]],
        "Post (identifiers removed)": [redact(t) for t in frame["text"]],
        "Guidance": frame["clause"].fillna(NO_CLAUSE_IN_FORCE),
        "Trust": _each_distinct(frame["trust_name"], org_name),
        "Platform": _each_distinct(frame["platform"], platform),
        "Author": frame["author_role"].map(role),
        "Link": [safe_url(u) for u in frame["url"]],
    })


def review_queue_table(frame: pd.DataFrame) -> pd.DataFrame:
    """review_queue (with the store's latest decisions) -> the Review queue as shown: rules by
    title and family by name, never codes; the evidence redacted; the row a reviewer picks."""
    return pd.DataFrame({
        "Severity": [SEVERITIES.get(s, s) for s in frame["severity"]],
        "Posted (UK time)": frame["posted_at"],
        "Rule": _each_distinct(frame["rule_id"], formats.rule),
        "Family": _each_distinct(frame["family"], formats.family),
        "Status": frame["status"].map(REVIEW_STATUS).fillna(frame["status"]),
        "Platform": _each_distinct(frame["platform"], platform),
        "Evidence (identifiers removed)": [redact(e) for e in frame["evidence"]],
        "Post id": frame["post_id"],
    })


# --- Policy comparison ---------------------------------------------------------------------------

ENGAGEMENT = {"encouraged": "Encouraged", "permitted": "Permitted", "discouraged": "Discouraged"}
PERSONAL_USE = {"permitted": "Permitted", "not_permitted": "Not permitted"}


def _yes_no(value) -> str:
    return "—" if value is None or pd.isna(value) else ("Yes" if value else "No")


def _hours(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:g} h"


def policy_matrix_table(register: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """policy_register + trust_outcomes -> one row per trust: its local policy's clauses (the
    version in force at the end of the range) beside its outcomes over the range. Trust rows
    are below national level, so counts are suppressed and rates over 1-7 hidden: over every
    trust's outcomes (before keeping those with a policy), so that a cell hidden here is hidden
    in the funnels of the same trusts too."""
    counts = ["n_posts", "n_flags", "n_questions", "n_answered", "n_target_known", "n_within_target",
              "n_answer_signposting", "n_answer_compassion"]
    outcomes = outcomes.drop(columns=["trust_name", "region_name"])
    outcomes[counts] = outcomes[counts].fillna(0).astype("int64")
    shares = {"answered": ("n_answered", "n_questions"), "target": ("n_within_target", "n_target_known"),
              "signposting": ("n_answer_signposting", "n_answered"),
              "compassion": ("n_answer_compassion", "n_answered")}
    derived = [Rate("n_flags", "n_posts", "rate", "ci_low", "ci_high"),
               *(Share(num, den, name, f"{name}_low", f"{name}_high") for name, (num, den) in shares.items())]
    shown = register.merge(disclosure.protect(outcomes, counts, derived), on="trust_code", how="left")
    shown[counts] = shown[counts].astype(object).where(shown[counts].notna(), 0)  # no outcomes: none
    overrides = shown["n_rule_overrides"].fillna(0).astype(int)
    return pd.DataFrame({
        "Trust": _each_distinct(shown["trust_name"], org_name),
        "Region": shown["region_name"],
        "Policy version": [f"{v}" + (f" (of {n} in range)" if n > 1 else "")
                           for v, n in zip(shown["policy_version"], shown["n_versions"])],
        "Patient engagement": shown["patient_engagement"].map(ENGAGEMENT),
        "Personal use at work": shown["personal_use_in_working_hours"].map(PERSONAL_USE),
        "Disclaimer required": shown["disclaimer_required"].map(_yes_no),
        "Approved accounts only": shown["approved_accounts_only"].map(_yes_no),
        "Response target": shown["response_target_hours"].map(_hours),
        "Staffed hours": shown["staffed_hours"].fillna("Mon-Fri 08:00-18:00 (default)"),
        "Rule changes": [str(n) if n else "—" for n in overrides],
        "Staff posts": shown["n_posts"].map(count),
        "Flags per 1,000 posts (95% CI)": [rate_text(r, lo, hi) for r, lo, hi in
                                            zip(shown["rate"], shown["ci_low"], shown["ci_high"])],
        "Questions": shown["n_questions"].map(count),
        **{title: [_shown_percent(p, lo, hi) for p, lo, hi in
                   zip(shown[name], shown[f"{name}_low"], shown[f"{name}_high"])]
           for title, name in (("Answered", "answered"), ("Within target", "target"),
                               ("Signposting", "signposting"), ("Compassion", "compassion"))},
    })


def _shown_percent(p, low, high) -> str:
    if isinstance(p, str):
        return p  # suppressed
    return percent(p, low, high)


def _effect_text(row) -> str:
    low, high = row["effect_low"], row["effect_high"]
    if pd.isna(row["effect"]):
        return "—"
    few = "" if row.get("can_tell", True) else " (too few trusts to tell)"
    if row["kind"] == "ratio":
        text = f"× {row['effect']:.2f}"
        return text + few + ("" if pd.isna(low) else f" ({low:.2f}–{'∞' if np.isinf(high) else f'{high:.2f}'})")
    # "Δ" first, as "×" leads a ratio: a cell starting with + or - is one a spreadsheet would
    # run, so the tables defuse it and the reader saw "'+9 points"
    text = f"Δ {row['effect'] * 100:+.0f} points"
    return text + few + ("" if pd.isna(low) else f" ({low * 100:+.0f} to {high * 100:+.0f})")


def policy_comparison_table(frame: pd.DataFrame, yes: str, no: str, national: bool = False) -> pd.DataFrame:
    """policy_comparison -> one row per outcome: the value under each group of policies, the
    ratio (rates) or difference (shares) with its 95% CI from the permutation test over trusts
    ("too few trusts to tell" when no data could show a difference), and how many trusts each
    group has. A group value over 1-7 events or exposure is hidden below national
    level."""

    def value(row, side):
        events, exposure = row[f"events_{side}"], row[f"exposure_{side}"]
        if exposure == 0:
            return "—"
        if disclosure.hidden_over(events, exposure, national=national):
            return SUPPRESSED
        v = row[f"value_{side}"]
        return f"{v:,.1f}" if row["kind"] == "ratio" else f"{v:.0%}"

    def effect(row):
        if disclosure.hidden_over(*(row[c] for c in ("events_yes", "exposure_yes", "events_no", "exposure_no")),
                                  national=national):
            return SUPPRESSED
        return _effect_text(row)

    return pd.DataFrame({
        "Outcome": frame["label"],
        yes[0].upper() + yes[1:]: [value(r, "yes") for _, r in frame.iterrows()],
        no[0].upper() + no[1:]: [value(r, "no") for _, r in frame.iterrows()],
        "Ratio or difference (95% CI)": [effect(r) for _, r in frame.iterrows()],
        "Trusts": [f"{a} vs {b}" for a, b in zip(frame["trusts_yes"], frame["trusts_no"])],
    })


def policy_answer(frame: pd.DataFrame, yes: str, no: str, national: bool = False) -> tuple[str, str]:
    """The plain answer to "do trusts with enabling policies have more breaches?" for the
    chosen clause, from policy_comparison: (verdict kind, text). Kinds: "more", "fewer",
    "unclear" (the CI includes no difference), "unknown" (too few trusts or posts)."""
    row = frame.set_index("outcome").loc["flags"]
    if row["exposure_yes"] == 0 or row["exposure_no"] == 0:
        return "unknown", (f"Not enough to compare: in this selection no staff posts were made under "
                           f"{yes if row['exposure_yes'] == 0 else no}.")
    if disclosure.hidden_over(*(row[c] for c in ("events_yes", "exposure_yes", "events_no", "exposure_no")),
                              national=national):
        return "unknown", "Too few posts or flags in this selection to compare without revealing small numbers."
    rates = (f"Staff posts made under {yes} were flagged at **{row['value_yes']:,.1f} per 1,000**, against "
             f"**{row['value_no']:,.1f} per 1,000** under {no}")
    if not row["can_tell"]:
        return "unknown", (rates + f". With {int(row['trusts_yes'])} and {int(row['trusts_no'])} trusts in the "
                           "two groups there are too few trusts to tell: even the largest difference "
                           "between them could be chance (no split of so few trusts can reach p ≤ 0.05).")
    if pd.isna(row["p_value"]) or pd.isna(row["effect_low"]):  # no flags on one side (or either)
        if row["events_yes"] + row["events_no"] == 0:
            return "unknown", rates + ": no flags in either group, so nothing to compare."
        test = "" if pd.isna(row["p_value"]) else f" (p = {row['p_value']:.2g} for no difference)"
        return "unknown", (rates + f": no flags under {yes if row['events_yes'] == 0 else no}, so no ratio "
                           f"can be estimated{test}.")
    ci = (f"rate ratio {row['effect']:.2f}, 95% CI {row['effect_low']:.2f}–"
          + ("∞" if np.isinf(row["effect_high"]) else f"{row['effect_high']:.2f}") + ", "
          f"p = {row['p_value']:.2g}")
    if row["p_value"] <= compare.ALPHA and row["effect"] > 1:
        return "more", (f"**Yes.** {rates} ({ci}): more flags than the differences between trusts "
                        "would explain by chance.")
    if row["p_value"] <= compare.ALPHA and row["effect"] < 1:
        return "fewer", (f"**No — fewer.** {rates} ({ci}): fewer flags than the differences between "
                         "trusts would explain by chance.")
    return "unclear", (f"**No clear difference.** {rates} ({ci}). The interval includes no difference: "
                       f"the data fit anything from {abs(1 - row['effect_low']):.0%} "
                       f"{'fewer' if row['effect_low'] < 1 else 'more'} to "
                       + ("any amount more" if np.isinf(row["effect_high"]) else
                          f"{abs(row['effect_high'] - 1):.0%} {'more' if row['effect_high'] > 1 else 'fewer'}")
                       + f" flags under {yes}.")


# --- Data health ------------------------------------------------------------------------------------

RUN_STATUS = {"ok": "OK", "failed": "Failed", "interrupted": "Interrupted", "running": "Running"}


def health_table(frame: pd.DataFrame, budgets: dict[str, int] | None = None) -> pd.DataFrame:
    """source_health -> one row per source as the Data health page shows it. ``budgets``:
    source -> posts per month (from the sources file), shown beside the month's spend."""
    budgets = budgets or {}

    def spend(source, fetched):
        if fetched is None or pd.isna(fetched):
            return "—"
        text = f"{int(fetched):,}"
        return text + (f" of {budgets[source]:,}" if source in budgets else "")

    return pd.DataFrame({
        "Source": frame["source"],
        "Last run (UK)": [f"{formats.uk_moment(t)} · {RUN_STATUS.get(s, s)}" for t, s in zip(frame["last_run_at"], frame["last_status"])],
        "Last success (UK)": frame["last_ok_at"].map(formats.uk_moment),
        "Last success: read / new": [("—" if pd.isna(r) else f"{int(r):,} / {int(n or 0):,}")
                                     for r, n in zip(frame["last_read"], frame["last_new"])],
        "Runs (failed)": [f"{int(n):,} ({int(f):,})" for n, f in zip(frame["n_runs"], frame["n_failed"])],
        "New posts": frame["n_new"].astype("int64").map(lambda n: f"{n:,}"),
        "Quarantined": frame["n_quarantined"].astype("int64").map(lambda n: f"{n:,}"),
        "Fetched this month": [spend(s, f) for s, f in zip(frame["source"], frame["month_fetched"])],
        "Gaps": [f"{int(n)}" + (f" · latest: {why}" if isinstance(why, str) else "")
                 for n, why in zip(frame["n_gaps"], frame["last_gap"])],
        "Cursor": frame["cursor"].fillna("—"),
        "Last error": frame["last_error"].map(strip_paths),
    })


def stamped_early_table(frame: pd.DataFrame, national: bool = False) -> pd.DataFrame:
    """stamped_early_answers -> per platform: answered questions, and those whose answer was
    stamped before the post it replies to (counted as answered after 0 s), with their share.
    Suppressed unless ``national`` (the viewer sees every trust)."""
    shown = disclosure.protect(frame, ["n_stamped_early", "n_answered"], [Share("n_stamped_early", "n_answered", "share")],
                               national=national)
    return pd.DataFrame({
        "Platform": _each_distinct(frame["platform"], platform),
        "Answered questions": shown["n_answered"].map(count),
        "Answer stamped before its question": shown["n_stamped_early"].map(count),
        "Share": [_shown_percent(p, None, None) for p in shown["share"]],
    })
