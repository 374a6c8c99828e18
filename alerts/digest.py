"""The weekly digest: one HTML e-mail per subscription with its unit's scorecard beside its
region and England (values, 95% CIs, better / similar / worse than England by the Fingertips
method, the SPC icons), the open questions past their target and the flags awaiting review,
with the scorecard as a CSV attachment.

The scorecard's cells are the Overview's (ui.scorecard.table: every value through its one
display boundary, small numbers hidden below national level); every data value is escaped for
HTML (``html.escape``); the CSV is written by ui.export_files.to_csv, the dashboard's one export
writer (defused cells; demo data marked in a first column).
"""
from __future__ import annotations

import html
from datetime import datetime, timezone

import pandas as pd

from alerts.channels import Message
from alerts.messages import link
from ui import disclosure, export_files, formats, scorecard


def week_key(now: datetime | None = None) -> str:
    """The digest's event key: one digest per ISO week ('digest:2026-W49')."""
    year, week, _ = (now or datetime.now(timezone.utc)).isocalendar()
    return f"digest:{year}-W{week:02d}"


def digest(card: pd.DataFrame, counts: pd.Series, unit_type: str, unit_code: str, unit_name: str, base: str,
           now: datetime | None = None, synthetic: bool = False) -> Message:
    """The weekly digest of one unit (a trust, region or England); ``synthetic``: the
    published data is demo data (the CSV says so in a first column, the e-mail in a line)."""
    national = unit_type == "nation"
    table = scorecard.table(card, unit_type)
    # counts over the last 4 weeks: narrowed by date, so never national (ui.disclosure)
    shown = {k: disclosure.shown_count(int(counts[k]))
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
    text = (f"{subject} ({key.split(':')[1]}).\n\n" + (f"{export_files.SYNTHETIC_CAPTION}\n\n" if synthetic else "")
            + "\n".join(" | ".join(str(v) for v in row) for row in [table.columns, *table.itertuples(index=False)])
            + "\n\n" + "\n".join(f"{k}: {v}" for k, v in facts) + f"\n\nSPC charts: {target}\n")
    return Message(event_key=key, subject=subject, text=text, facts=facts, link=target,
                   html=_html(subject, table, facts, target, national, synthetic),
                   attachments=((f"radsome-scorecard-{unit_code}-{key.split(':')[1]}.csv", export_files.to_csv(table, synthetic),
                                 "text/csv"),))


def _html(subject: str, table: pd.DataFrame, facts, target: str, national: bool, synthetic: bool) -> str:
    head = "".join(f"<th align='left' style='padding:4px 8px'>{html.escape(c)}</th>" for c in table.columns)
    body = ""
    for row in table.itertuples(index=False):
        cells = []
        for column, value in zip(table.columns, row):
            style = "padding:4px 8px"
            if column.startswith("Compared with "):
                kind = next((k for k, v in scorecard.COMPARISON.items() if v == value), "")
                if kind in scorecard.COMPARISON_COLOUR:
                    style += f";color:{scorecard.COLOUR_HEX[scorecard.COMPARISON_COLOUR[kind]]}"
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
            + (f"<p><b>{html.escape(export_files.SYNTHETIC_CAPTION)}</b></p>" if synthetic else "") +
            f"<h3>To act on</h3><table>{fact_rows}</table>"
            f"<p><a href='{html.escape(target, quote=True)}'>Open the SPC charts in RadSoMe</a></p>"
            "<p style='color:#768692'>The scorecard is attached as a CSV file.</p></body></html>")
