"""Tables as people see and take them away (issue #18, items 5 and 6).

* :func:`show`: every table on a page, its text cells defused (:func:`defuse`) so that a cell
  copied from the grid into a spreadsheet is not run as a formula, captioned as synthetic when
  the published data is demo data (issue #12).
* :func:`download`: the only download of a table (CSV and Excel buttons), each click audited
  with who, which table, the filters and the number of rows; a file of demo data has a first
  column saying so on every row (:func:`marked`), so no exported file of it can pass for real.
  The data grid's own toolbar download (unaudited) is switched off by
  ``client.disableDataExport`` in ``.streamlit/config.toml``; anyone who can see a table can
  still copy it by hand or take a screenshot.
* :func:`to_csv` and :func:`to_xlsx` (``synthetic``: with that first column): every field
  quoted (CSV) or written as a string (Excel, never a formula), every line of a cell that
  starts like a formula prefixed with ``'``.

Post text is untrusted: "CSV injection" (OWASP) is a cell such as ``=HYPERLINK(…)`` or
``@SUM(…)`` that a spreadsheet runs. A bare carriage return inside a cell ends the row for
some readers, so a formula after any line break counts too.
"""
from __future__ import annotations

import csv
import io
import re

import pandas as pd
import streamlit as st

from store import access
from ui import auth, data

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


def show(frame: pd.DataFrame, **options):
    """``st.dataframe`` of ``frame`` with its text defused, captioned as synthetic when the
    published data is (``ui.data.is_synthetic``); ``options`` as st.dataframe's. Every table a
    page shows goes through here."""
    shown = st.dataframe(defused(frame), **options)
    if data.is_synthetic():
        st.caption(SYNTHETIC_CAPTION)
    return shown


def export_detail(what: str, rows: int, kind: str, filters) -> str:
    """The audit log's words for one download: rows, table, format and the filters."""
    detail = f"{rows:,} {what} as {kind}"
    if filters is not None:
        detail += (f"; {filters.start} to {filters.end}; regions {list(filters.regions) or 'all'}; "
                   f"trusts {list(filters.trusts) or 'all'}; platforms {list(filters.platforms) or 'all'}; "
                   f"search {filters.text!r}")
    return detail


def _audit(what: str, rows: int, kind: str, filters) -> None:
    access.audit(auth.current_scope(), "export", export_detail(what, rows, kind, filters))


def download(table: pd.DataFrame, what: str, filters, *, key: str, file_stem: str) -> None:
    """The audited download of ``table`` (exactly its rows and columns): a CSV and an Excel
    button. ``what`` names the rows in the audit log ("posts", "open questions"); ``key`` is
    the CSV button's widget key (the Excel one's is ``key + "_xlsx"``). Demo data is read
    now (the file is made later, outside this run) and marked in both files."""
    rows = len(table)
    synthetic = data.is_synthetic()
    hint = ("Exactly the rows and columns shown above, text redacted as shown"
            + (" (demo data: a first column says it is synthetic)" if synthetic else "") +
            ". Cells that start like a spreadsheet formula (=, +, -, @) get a leading apostrophe. "
            "Every download is recorded in the audit log.")
    left, right, _ = st.columns([1, 1, 2])
    left.download_button(
        f"Download these {what} (CSV)", data=lambda: to_csv(table, synthetic), file_name=f"{file_stem}.csv",
        mime="text/csv", key=key, on_click=_audit, args=(what, rows, "CSV", filters),
        disabled=table.empty, help=hint)
    right.download_button(
        f"Download these {what} (Excel)", data=lambda: to_xlsx(table, synthetic), file_name=f"{file_stem}.xlsx",
        mime=XLSX_MIME, key=f"{key}_xlsx", on_click=_audit, args=(what, rows, "Excel", filters),
        disabled=table.empty, help=hint)


def download_document(content: bytes, what: str, filters, *, key: str, file_name: str, mime: str,
                      label: str) -> None:
    """The audited download of a document made from tables (the draft FAQ in Markdown): one
    button, each click recorded in the audit log as :func:`download` records a table."""
    st.download_button(f"Download the {label}", data=content, file_name=file_name, mime=mime, key=key,
                       on_click=_audit, args=(what, 1, file_name.rsplit(".", 1)[-1].upper(), filters),
                       help="Every download is recorded in the audit log.")
