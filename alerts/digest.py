"""The weekly digest: one HTML e-mail per subscription with its unit's scorecard beside its
region and England (values, 95% CIs, better / similar / worse than England by the Fingertips
method, the SPC icons), the open questions past their target and the flags awaiting review,
with the scorecard as a CSV attachment.

Every data value is escaped for HTML (``html.escape``); every count and statistic below
national level passes warehouse.stats' suppression (``*``); the CSV is written by
ui.labels.to_csv, which defuses cells a spreadsheet would run as a formula.
"""
from __future__ import annotations

import html
from datetime import datetime, timezone

import pandas as pd

from alerts.channels import Message
from alerts.messages import link
from ui import formats, labels, spc_charts
from warehouse import stats
from warehouse.measures import MEASURES, PER_1000, SECONDS, SHARE

COMPARISON = {"better": "▲ better", "worse": "▼ worse", "similar": "● similar", "higher": "▲ higher",
              "lower": "▼ lower", "not_compared": "– not compared"}
COMPARISON_COLOUR = {"better": "#005EB8", "worse": "#ED8B00"}


def week_key(now: datetime | None = None) -> str:
    """The digest's event key: one digest per ISO week ('digest:2026-W49')."""
    year, week, _ = (now or datetime.now(timezone.utc)).isocalendar()
    return f"digest:{year}-W{week:02d}"


def figure(measure: str, value, low, high, suppressed, national: bool) -> str:
    """A value with its CI as text, or '*' when small numbers hide it."""
    if suppressed is True or (suppressed is not None and not pd.isna(suppressed) and bool(suppressed)):
        return stats.SUPPRESSED
    if value is None or pd.isna(value):
        return "—"
    unit = MEASURES[measure].unit
    if unit == SHARE:
        return formats.percent(value, low, high)
    if unit == SECONDS:
        service = measure.endswith("_service")
        ci = formats.wait_ci_text(low, high, service=service)
        return f"{formats.wait_text(value, service=service)} ({ci})"
    if unit == PER_1000:
        return formats.rate_text(value, low, high)
    return spc_charts.value_text(measure, value, national=national)


def scorecard_table(card: pd.DataFrame, unit_type: str) -> pd.DataFrame:
    """The scorecard as people read it (one row per measure; every cell text)."""
    rows = []
    for r in card.itertuples():
        variation = spc_charts.variation_words(r.variation_icon)
        assurance = spc_charts.assurance_words(r.assurance_icon)
        rows.append({
            "Measure": r.label,
            "Period": f"{pd.Timestamp(r.period_start):%b %Y}",
            "This unit": figure(r.measure, r.value, r.ci_low, r.ci_high, r.suppressed, unit_type == "nation"),
            "Region": figure(r.measure, r.region_value, r.region_ci_low, r.region_ci_high, r.region_suppressed, False),
            "England": figure(r.measure, r.nation_value, r.nation_ci_low, r.nation_ci_high, r.nation_suppressed, True),
            "Compared with England": COMPARISON[r.vs_nation] if unit_type != "nation" else "—",
            "SPC": f"{variation[0]} {variation[2]}",
            "Assurance": f"{assurance[0]} {assurance[2]}" if assurance else "no target",
        })
    return pd.DataFrame(rows, columns=["Measure", "Period", "This unit", "Region", "England", "Compared with England",
                                       "SPC", "Assurance"])


def digest(card: pd.DataFrame, counts: pd.Series, unit_type: str, unit_code: str, unit_name: str, base: str,
           now: datetime | None = None) -> Message:
    """The weekly digest of one unit (a trust, region or England)."""
    national = unit_type == "nation"
    table = scorecard_table(card, unit_type)
    if unit_type == "region":
        table = table.drop(columns=["Region"])
    if national:
        table = table.drop(columns=["Region", "Compared with England"])
    shown = {k: stats.suppress_count(int(counts[k]), national=national)
             for k in ("open_past_target", "open_questions", "awaiting_review", "awaiting_review_high")}
    key = week_key(now)
    as_of = pd.Timestamp(counts["data_end"]).tz_convert("Europe/London") if not pd.isna(counts["data_end"]) else None
    unit = f"{unit_type}:{unit_code}"
    facts = (("Open questions past their target (asked in the last 4 weeks)", formats.count(shown["open_past_target"])),
             ("Open questions (asked in the last 4 weeks)", formats.count(shown["open_questions"])),
             ("Flags awaiting review", formats.count(shown["awaiting_review"])),
             ("… of which high severity", formats.count(shown["awaiting_review_high"])),
             ("Data up to", f"{formats.moment(as_of)} UK time" if as_of is not None else "—"))
    target = link(base, "spc", unit=unit)
    subject = f"RadSoMe weekly digest: {unit_name}"
    text = (f"{subject} ({key.split(':')[1]}).\n\n"
            + "\n".join(" | ".join(str(v) for v in row) for row in [table.columns, *table.itertuples(index=False)])
            + "\n\n" + "\n".join(f"{k}: {v}" for k, v in facts) + f"\n\nSPC charts: {target}\n")
    return Message(event_key=key, subject=subject, text=text, facts=facts, link=target,
                   html=_html(subject, table, facts, target, national),
                   attachments=((f"radsome-scorecard-{unit_code}-{key.split(':')[1]}.csv", labels.to_csv(table),
                                 "text/csv"),))


def _html(subject: str, table: pd.DataFrame, facts, target: str, national: bool) -> str:
    head = "".join(f"<th align='left' style='padding:4px 8px'>{html.escape(c)}</th>" for c in table.columns)
    body = ""
    for row in table.itertuples(index=False):
        cells = []
        for column, value in zip(table.columns, row):
            style = "padding:4px 8px"
            if column == "Compared with England":
                kind = next((k for k, v in COMPARISON.items() if v == value), "")
                if kind in COMPARISON_COLOUR:
                    style += f";color:{COMPARISON_COLOUR[kind]}"
            cells.append(f"<td style='{style}'>{html.escape(str(value))}</td>")
        body += "<tr>" + "".join(cells) + "</tr>"
    fact_rows = "".join(f"<tr><th align='left' style='padding:2px 8px'>{html.escape(k)}</th>"
                        f"<td>{html.escape(str(v))}</td></tr>" for k, v in facts)
    comparison = "" if national else (
        "<p>Compared with England as Fingertips does: <i>similar</i> when England's value lies within this unit's "
        "95% confidence interval, otherwise better or worse by the measure's good direction.</p>")
    return (f"<html><body style='font-family:Arial,sans-serif'><h2>{html.escape(subject)}</h2>"
            "<p>The latest complete month of each measure, with 95% confidence intervals. "
            "* = hidden: fewer than 8 questions, answers or flags (counts below national level are rounded to 5).</p>"
            f"{comparison}<table style='border-collapse:collapse'><tr>{head}</tr>{body}</table>"
            f"<h3>To act on</h3><table>{fact_rows}</table>"
            f"<p><a href='{html.escape(target, quote=True)}'>Open the SPC charts in RadSoMe</a></p>"
            "<p style='color:#768692'>The scorecard is attached as a CSV file.</p></body></html>")
