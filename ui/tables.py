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

import pandas as pd
import streamlit as st

from store import access
from ui import auth, data
# The writers and marks themselves are pure, in ui.export_files (the alerts' digest uses them too).
from ui.export_files import (  # noqa: F401 (re-exported: tables.to_csv is the one export path)
    DATE_FORMAT, SYNTHETIC_CAPTION, SYNTHETIC_COLUMN, SYNTHETIC_VALUE, XLSX_MIME, defuse, defused, marked, to_csv,
    to_xlsx)


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


def download(table: pd.DataFrame, what: str, filters, *, key: str, file_stem: str,
             labels: tuple[str, str] | None = None) -> None:
    """The audited download of ``table`` (exactly its rows and columns): a CSV and an Excel
    button. ``what`` names the rows in the audit log ("posts", "open questions"); ``key`` is
    the CSV button's widget key (the Excel one's is ``key + "_xlsx"``); ``labels``: the two
    buttons' words where "Download these <what> (CSV)" is too long to read in a narrow column.
    Demo data is read now (the file is made later, outside this run) and marked in both files."""
    csv_label, xlsx_label = labels or (f"Download these {what} (CSV)", f"Download these {what} (Excel)")
    rows = len(table)
    synthetic = data.is_synthetic()
    hint = ("Exactly the rows and columns shown above, text redacted as shown"
            + (" (demo data: a first column says it is synthetic)" if synthetic else "") +
            ". Cells that start like a spreadsheet formula (=, +, -, @) get a leading apostrophe. "
            "Every download is recorded in the audit log.")
    left, right, _ = st.columns([1, 1, 2])
    left.download_button(
        csv_label, data=lambda: to_csv(table, synthetic), file_name=f"{file_stem}.csv",
        mime="text/csv", key=key, on_click=_audit, args=(what, rows, "CSV", filters),
        disabled=table.empty, help=hint)
    right.download_button(
        xlsx_label, data=lambda: to_xlsx(table, synthetic), file_name=f"{file_stem}.xlsx",
        mime=XLSX_MIME, key=f"{key}_xlsx", on_click=_audit, args=(what, rows, "Excel", filters),
        disabled=table.empty, help=hint)


def download_document(content: bytes, what: str, filters, *, key: str, file_name: str, mime: str,
                      label: str) -> None:
    """The audited download of a document made from tables (the draft FAQ in Markdown): one
    button labelled ``label``, each click recorded in the audit log as :func:`download` records
    a table."""
    st.download_button(label, data=content, file_name=file_name, mime=mime, key=key,
                       on_click=_audit, args=(what, 1, file_name.rsplit(".", 1)[-1].upper(), filters),
                       help="Every download is recorded in the audit log.")
