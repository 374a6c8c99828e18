"""The files a table is taken away as (issue #18, item 6): CSV and Excel of exactly the rows
and columns given, every text cell defused, demo data marked in a first column. Pure (no
Streamlit), so that the alerts' weekly digest attaches the same CSV the dashboard downloads;
:mod:`ui.tables` re-exports all of it (``tables.to_csv`` is the one export path).

Since issue #15 an Excel file has a second sheet, "About" (:func:`about_rows`): what the table
is, the filters, when the warehouse was built, the suppression rule and the definitions of the
measures (``warehouse.measures.DEFINITIONS``), strings only like the first. Large exports (every
matching row of Explore) are written chunk by chunk (:func:`write_csv`, :func:`write_xlsx`), so
a file of 100,000 posts never needs them all in memory at once.

Post text is untrusted: "CSV injection" (OWASP) is a cell such as ``=HYPERLINK(…)`` or
``@SUM(…)`` that a spreadsheet runs. A bare carriage return inside a cell ends the row for
some readers, so a formula after any line break counts too.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from typing import BinaryIO, Iterable
from zoneinfo import ZoneInfo

import pandas as pd

from ui.disclosure import RULE as SUPPRESSION_RULE
from warehouse.measures import DEFINITIONS, MEASURES

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
# A line (the cell's start, or after any line break) that starts like a formula.
_FORMULA_LINE = re.compile(r"(^|\r\n|\r|\n)(?=[=+\-@\t\r])")
# DESIGN.md "Statistics shown to people": demo data is marked synthetic on every chart (ui.data),
# table (show) and export (download).
SYNTHETIC_CAPTION = "Synthetic demo data — not real patients, staff or organisations."
SYNTHETIC_COLUMN = "Data"  # the first column of an export of demo data
SYNTHETIC_VALUE = "synthetic demo data (not real)"
ABOUT_SHEET = "About"  # the Excel file's second sheet
DATA_SHEET = "RadSoMe"
UK = ZoneInfo("Europe/London")
TIMES_NOTE = "UK local time (Europe/London), written as YYYY-MM-DD HH:MM:SS."
DEFUSE_NOTE = ("Cells that start like a spreadsheet formula (=, +, -, @, a tab or a carriage return), on any "
               "line, start with an apostrophe; every cell is text, never a formula.")


def defuse(value):
    """A text value with every line that starts with ``= + - @``, a tab or a carriage return
    given a leading apostrophe, which spreadsheets show instead of running; other values as
    they are."""
    if not isinstance(value, str):
        return value
    return _FORMULA_LINE.sub(lambda m: m.group(1) + "'", value)


def defused(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell defused (a copy; numbers and times untouched)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(defuse)
    return out


def _cell_text(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime(DATE_FORMAT)
    return str(value)


def marked(frame: pd.DataFrame, synthetic: bool) -> pd.DataFrame:
    """``frame`` with, when ``synthetic``, a first column (:data:`SYNTHETIC_COLUMN`) saying on
    every row that it is demo data; else ``frame`` itself."""
    if not synthetic:
        return frame
    out = frame.copy()
    out.insert(0, SYNTHETIC_COLUMN, SYNTHETIC_VALUE)
    return out


def filters_text(filters) -> str:
    """The filters of a table in words, for the audit log and the About sheet: the dates and
    every list or text the :class:`warehouse.queries.Filters` holds ("all" when empty)."""
    if filters is None:
        return "none (the whole warehouse)"
    parts = [f"{filters.start} to {filters.end}"]
    for name, value in vars(filters).items():
        if name in ("start", "end"):
            continue
        if isinstance(value, tuple):
            parts.append(f"{name} {list(value) or 'all'}")
        elif isinstance(value, str):
            parts.append(f"{'search' if name == 'text' else name} {value!r}")
        elif value is not None:
            parts.append(f"{name} {value}")
    return "; ".join(parts)


def uk_now() -> str:
    return datetime.now(UK).strftime(DATE_FORMAT)


def about_rows(what: str, rows: int, filters, built_at, synthetic: bool = False,
               notes: Iterable[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """The About sheet: (item, text) pairs saying what the table is, its filters, the build
    it came from, when it was exported, how times are written, the suppression rule, what was
    done to text, whether it is demo data, any ``notes`` of the page, and every definition."""
    built = pd.Timestamp(built_at) if built_at is not None and not pd.isna(built_at) else None
    if built is not None and built.tzinfo is None:
        built = built.tz_localize("UTC")
    out = [("Table", what), ("Rows", f"{rows:,}"), ("Filters", filters_text(filters)),
           ("Warehouse built", built.tz_convert(UK).strftime(DATE_FORMAT) if built is not None else "unknown"),
           ("Exported", uk_now()), ("Dates and times", TIMES_NOTE), ("Suppression", SUPPRESSION_RULE),
           ("Text", "Post text has names, handles, emails, phone and NHS numbers, postcodes and dates of birth "
                    "replaced by [labels], as on the page. " + DEFUSE_NOTE)]
    if synthetic:
        out.append(("Data", f"{SYNTHETIC_CAPTION} The first column of the table says so on every row."))
    out.extend(notes)
    labels = {m.definition: m.label for m in MEASURES.values() if m.definition}
    out.extend((f"Definition: {labels.get(text, name.replace('_', ' '))}", text) for name, text in DEFINITIONS.items())
    return out


def write_csv(chunks: Iterable[pd.DataFrame], out: BinaryIO, synthetic: bool = False) -> int:
    """Write ``chunks`` (frames with the same columns) to ``out`` as one UTF-8 CSV (with a
    byte-order mark, so Excel reads the characters right; ``synthetic``: after the
    :func:`marked` column): every field quoted, every text cell defused. Returns the rows."""
    rows, header = 0, True
    out.write("\ufeff".encode("utf-8"))
    for chunk in chunks:
        text = io.StringIO()
        defused(marked(chunk, synthetic)).to_csv(text, index=False, header=header, date_format=DATE_FORMAT,
                                                 quoting=csv.QUOTE_ALL)
        out.write(text.getvalue().encode("utf-8"))
        rows, header = rows + len(chunk), False
    return rows


def to_csv(frame: pd.DataFrame, synthetic: bool = False) -> bytes:
    """UTF-8 CSV (with a byte-order mark, so Excel reads the characters right) of exactly
    these rows and columns (``synthetic``: after the :func:`marked` column): every field
    quoted, every text cell defused."""
    out = io.BytesIO()
    write_csv([frame], out, synthetic)
    return out.getvalue()


def write_xlsx(chunks: Iterable[pd.DataFrame], out, synthetic: bool = False,
               about: list[tuple[str, str]] | None = None, *, stream: bool = False) -> int:
    """Write ``chunks`` to ``out`` (a file name or binary file) as an Excel workbook: the rows
    on the first sheet, every cell a string (never a formula, a number or a link: XlsxWriter's
    conversions are off), text defused; ``about`` on a second sheet, "About", strings too.
    ``stream``: XlsxWriter's constant-memory mode (each row written out as it comes; inline
    strings). Returns the rows written."""
    import xlsxwriter  # only when someone downloads: the pages never need it otherwise

    book = xlsxwriter.Workbook(out, {"in_memory": not stream, "constant_memory": stream,
                                     "strings_to_formulas": False, "strings_to_numbers": False,
                                     "strings_to_urls": False})
    sheet = book.add_worksheet(DATA_SHEET)
    bold = book.add_format({"bold": True})
    rows, header = 0, True
    for chunk in chunks:
        chunk = marked(chunk, synthetic)
        if header:
            for col, name in enumerate(chunk.columns):
                sheet.write_string(0, col, defuse(str(name)), bold)
            header = False
        for values in defused(chunk).itertuples(index=False):
            rows += 1
            for col, value in enumerate(values):
                sheet.write_string(rows, col, defuse(_cell_text(value)))
    if about:
        info = book.add_worksheet(ABOUT_SHEET)
        info.set_column(0, 0, 28)
        info.set_column(1, 1, 120)
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        for row, (item, text) in enumerate(about):
            info.write_string(row, 0, defuse(str(item)), bold)
            info.write_string(row, 1, defuse(str(text)), wrap)
    book.close()
    return rows


def to_xlsx(frame: pd.DataFrame, synthetic: bool = False, about: list[tuple[str, str]] | None = None) -> bytes:
    """An Excel workbook of exactly these rows and columns (``synthetic``: after the
    :func:`marked` column), every cell written as a string, text defused; with ``about``
    (:func:`about_rows`) a second sheet stating the filters, build, suppression and definitions."""
    out = io.BytesIO()
    write_xlsx([frame], out, synthetic, about)
    return out.getvalue()
