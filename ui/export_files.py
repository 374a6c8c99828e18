"""The files a table is taken away as (issue #18, item 6): CSV and Excel of exactly the rows
and columns given, every text cell defused, demo data marked in a first column. Pure (no
Streamlit), so that the alerts' weekly digest attaches the same CSV the dashboard downloads;
:mod:`ui.tables` re-exports all of it (``tables.to_csv`` is the one export path).

Post text is untrusted: "CSV injection" (OWASP) is a cell such as ``=HYPERLINK(…)`` or
``@SUM(…)`` that a spreadsheet runs. A bare carriage return inside a cell ends the row for
some readers, so a formula after any line break counts too.
"""
from __future__ import annotations

import csv
import io
import re

import pandas as pd

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
# A line (the cell's start, or after any line break) that starts like a formula.
_FORMULA_LINE = re.compile(r"(^|\r\n|\r|\n)(?=[=+\-@\t\r])")
# DESIGN.md "Statistics shown to people": demo data is marked synthetic on every chart (ui.data),
# table (show) and export (download).
SYNTHETIC_CAPTION = "Synthetic demo data — not real patients, staff or organisations."
SYNTHETIC_COLUMN = "Data"  # the first column of an export of demo data
SYNTHETIC_VALUE = "synthetic demo data (not real)"


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


def to_csv(frame: pd.DataFrame, synthetic: bool = False) -> bytes:
    """UTF-8 CSV (with a byte-order mark, so Excel reads the characters right) of exactly
    these rows and columns (``synthetic``: after the :func:`marked` column): every field
    quoted, every text cell defused."""
    out = io.StringIO()
    defused(marked(frame, synthetic)).to_csv(out, index=False, date_format=DATE_FORMAT, quoting=csv.QUOTE_ALL)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(frame: pd.DataFrame, synthetic: bool = False) -> bytes:
    """An Excel workbook of exactly these rows and columns (``synthetic``: after the
    :func:`marked` column), every cell written as a string (never a formula, a number or a
    link: XlsxWriter's conversions are off), text defused."""
    import xlsxwriter  # only when someone downloads: the pages never need it otherwise

    frame = marked(frame, synthetic)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False,
                                     "strings_to_numbers": False, "strings_to_urls": False})
    sheet = book.add_worksheet("RadSoMe")
    bold = book.add_format({"bold": True})
    for col, name in enumerate(frame.columns):
        sheet.write_string(0, col, defuse(str(name)), bold)
    for row, values in enumerate(defused(frame).itertuples(index=False), start=1):
        for col, value in enumerate(values):
            sheet.write_string(row, col, defuse(_cell_text(value)))
    book.close()
    return out.getvalue()
