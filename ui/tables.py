"""Tables as people see and take them away (issue #18, items 5 and 6).

* :func:`show`: every table on a page, its text cells defused (:func:`defuse`) so that a cell
  copied from the grid into a spreadsheet is not run as a formula (issue #18 item 6; labels the
  dashboard writes itself never start with a formula character), captioned as synthetic when
  the published data is demo data (issue #12); given ``what`` and ``filters`` (every page's
  tables are, since issue #15) with its CSV and Excel download under it.
* :func:`download`: the only download of a table (CSV and Excel buttons), each file audited
  with who, which table, the filters and the number of rows when it is made (:func:`audited`:
  a deferred callable, run when the button is clicked, makes the file and writes the audit row
  before handing it over; a click does not rerun the page); a file of demo data has a first
  column saying so on every row (:func:`marked`), so no exported file of it can pass for real.
  The Excel file has a second sheet, "About": filters, build time, suppression rule and the
  measures' definitions (:func:`ui.export_files.about_rows`).
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

import io
import re
from datetime import date, datetime

import pandas as pd
import streamlit as st

from store import access
from ui import auth, data, formats
# The writers and marks themselves are pure, in ui.export_files (the alerts' digest uses them too).
from ui.export_files import (  # noqa: F401 (re-exported: tables.to_csv is the one export path)
    DATE_FORMAT, SYNTHETIC_CAPTION, SYNTHETIC_COLUMN, SYNTHETIC_VALUE, XLSX_MIME, about_rows, defuse, defused,
    filters_text, marked, to_csv, to_xlsx, write_csv, write_xlsx)

_SLUG = re.compile(r"[^a-z0-9]+")


def show(frame: pd.DataFrame, what: str | None = None, filters=None, *, download_key: str | None = None,
         file_stem: str | None = None, **options):
    """``st.dataframe`` of ``frame`` with its text defused, captioned as synthetic when the
    published data is (``ui.data.is_synthetic``); ``options`` as st.dataframe's. Every table a
    page shows goes through here. With ``what`` (the rows in words, "trusts", "open questions"),
    the audited CSV and Excel download of exactly this table follows it (:func:`download`; its
    key is ``download_key``, by default made from ``what``)."""
    options["column_config"] = date_columns(frame, options.get("column_config"))
    shown = st.dataframe(defused(blank_links(frame, options["column_config"])), **options)
    if data.is_synthetic():
        st.caption(SYNTHETIC_CAPTION)
    if what is not None:
        slug = _SLUG.sub("_", what.lower()).strip("_")
        download(frame, what, filters, key=download_key or f"download_{slug}",
                 file_stem=file_stem or f"radsome-{slug.replace('_', '-')}")
    return shown


# Rows a paged table sends at a time (issue #16): a page of 100 posts is ~40 KB over the
# websocket where the newest 1,000 were ~390 KB on every filter change.
PAGE_ROWS = 100


def show_paged(frame: pd.DataFrame, what: str, filters, *, key: str, page_rows: int = PAGE_ROWS,
               order: str = "newest first", download_key: str | None = None, file_stem: str | None = None,
               **options):
    """:func:`show` of one page of ``frame`` (``page_rows`` rows, chosen with a page control
    keyed ``key + "_page"``) and under it the audited download of *every* row of ``frame``
    (:func:`download`, as :func:`show` would make it), so that a rerun sends a page of the
    table to the browser, not all of it. A table of one page is shown as :func:`show` shows it.
    ``order``: the frame's order in words, said beside the control (:func:`paged_note`).

    The page goes back to 1 whenever the table's rows change (a filter, the search), so the
    newest rows are what a changed selection shows first. The control has no bounds in the
    browser: a number past either end is put back to the first or last page here (with
    ``max_value`` the browser refused it, kept it in the box and showed the old page)."""
    pages = max(1, -(-len(frame) // page_rows))
    if pages == 1:
        return show(frame, what, filters, download_key=download_key, file_stem=file_stem, **options)
    state, seen = f"{key}_page", f"{key}_page_of"
    content = fingerprint(frame)
    if st.session_state.get(seen) != content:  # other rows than the page number was chosen for
        st.session_state[seen] = content
        st.session_state[state] = 1
    st.session_state[state] = _within(st.session_state.get(state, 1), pages)
    number = int(st.number_input(f"Page (of {pages:,})", step=1, key=state,
                                 help=f"{page_rows:,} rows a page; the download below holds every page."))
    st.caption(paged_note(order))
    first = (number - 1) * page_rows
    shown = show(frame.iloc[first:first + page_rows], **options)
    st.caption(f"Rows {first + 1:,}–{min(first + page_rows, len(frame)):,} of {len(frame):,}.")
    slug = _SLUG.sub("_", what.lower()).strip("_")
    download(frame, what, filters, key=download_key or f"download_{slug}",
             file_stem=file_stem or f"radsome-{slug.replace('_', '-')}", every_page=True)
    return shown


def paged_note(order: str) -> str:
    """Said beside every page control: the grid sorts in the browser, i.e. only the page it
    holds, so a click on a column header must not pass for an order across pages."""
    return (f"Pages run {order}; sorting by a column header sorts this page only. "
            "The download holds every page.")


def _within(value, pages: int) -> int:
    """A page number from 1 to ``pages``: what was typed, put back inside (set before the
    control is drawn, so the box shows the page whose rows are shown)."""
    try:
        return min(max(int(value), 1), pages)
    except (TypeError, ValueError):
        return 1


def fingerprint(frame: pd.DataFrame) -> tuple:
    """What identifies a table's rows: its shape, columns and a hash of every cell, so any
    change of filters or search that changes the rows is seen. Cost: 1.5 ms for 1,000 rows of
    seven columns with 300-character text (timeit, load average 4.1 on 2 cores, 4 Dec 2026)."""
    try:
        cells = int(pd.util.hash_pandas_object(frame, index=False).sum()) if len(frame.columns) else 0
    except TypeError:  # a cell pandas cannot hash (a list): its text
        cells = int(pd.util.hash_pandas_object(frame.astype(str), index=False).sum())
    return (frame.shape, tuple(map(str, frame.columns)), cells)


def blank_links(frame: pd.DataFrame, config: dict) -> pd.DataFrame:
    """``frame`` as the grid shows it: a missing link in a link column is an empty cell, not
    the grid's grey "None" (the exports keep it empty as they always did)."""
    links = [c for c, conf in config.items() if c in frame.columns and isinstance(conf, dict)
             and (conf.get("type_config") or {}).get("type") == "link"]
    if not links or not frame[links].isna().to_numpy().any():
        return frame
    out = frame.copy()
    for column in links:
        out[column] = out[column].astype(object).where(out[column].notna(), "")
    return out


def date_columns(frame: pd.DataFrame, config: dict | None) -> dict:
    """``config`` with every date or datetime column of ``frame`` that it does not configure
    shown in the one UK format (:data:`ui.formats.GRID_MOMENT`: "3 Mar 2025, 14:05", as
    :func:`ui.formats.moment` writes it in text)."""
    config = dict(config or {})
    for name in frame.columns:
        if name in config:
            continue
        first = frame[name].dropna().head(1).tolist() if frame[name].dtype == object else []
        if pd.api.types.is_datetime64_any_dtype(frame[name]) or (first and isinstance(first[0], datetime)):
            config[name] = st.column_config.DatetimeColumn(format=formats.GRID_MOMENT)
        elif first and isinstance(first[0], date):  # days (a datetime is a date too: tested first)
            config[name] = st.column_config.DateColumn(format=formats.GRID_DAY)
    return config


def export_detail(what: str, rows: int, kind: str, filters) -> str:
    """The audit log's words for one download: rows, table, format and the filters."""
    detail = f"{rows:,} {what} as {kind}"
    if filters is not None:
        detail += "; " + filters_text(filters)
    return detail


def about(what: str, rows: int, filters, synthetic: bool, notes=()) -> list[tuple[str, str]]:
    """The About sheet of an Excel export from this page (:func:`ui.export_files.about_rows`),
    with the published warehouse's build time."""
    return about_rows(what, rows, filters, data.built_at(), synthetic, notes)


def audited(make, what: str, rows: int, kind: str, filters):
    """The ``data`` of a download button: a callable that makes the file with ``make()`` and
    then writes its audit row, so a row is written exactly when a file is produced (a click, or
    a request for the file's id from any client) and a file is never served without one (if the
    row cannot be written, the callable fails and Streamlit serves nothing). Streamlit runs it
    outside the page's script, with no session state, so the person is read now. The buttons
    are given ``on_click="ignore"``: a download does not rerun the page (issue #16)."""
    scope = auth.current_scope()

    def produce():
        content = make()
        access.audit(scope, "export", export_detail(what, rows, kind, filters))
        return content

    return produce


def download(table: pd.DataFrame, what: str, filters, *, key: str, file_stem: str,
             labels: tuple[str, str] | None = None, every_page: bool = False) -> None:
    """The audited download of ``table`` (exactly its rows and columns): a CSV and an Excel
    button. ``what`` names the rows in the audit log ("posts", "open questions"); ``key`` is
    the CSV button's widget key (the Excel one's is ``key + "_xlsx"``); ``labels``: the two
    buttons' words where "Download <what> (CSV)" is too long to read in a narrow column;
    ``every_page``: the table is shown a page at a time (:func:`show_paged`), the file has all.
    Demo data is read now (the file is made later, outside this run) and marked in both files."""
    csv_label, xlsx_label = labels or (f"Download {what} (CSV)", f"Download {what} (Excel)")
    rows = len(table)
    synthetic = data.is_synthetic()
    built = data.built_at()  # read now: the file is made outside this run

    def workbook() -> bytes:  # its About sheet (filters, build, export time) made with the file
        return to_xlsx(table, synthetic, about_rows(what, rows, filters, built, synthetic))

    hint = (("Every page of the table above" if every_page else "Exactly the rows and columns shown above")
            + ", text redacted as shown"
            + (" (demo data: a first column says it is synthetic)" if synthetic else "") +
            ". Cells that start like a spreadsheet formula (=, +, -, @) get a leading apostrophe. The Excel "
            "file's second sheet states the filters, the build time, the definitions and the suppression rule. "
            "Every download is recorded in the audit log.")
    left, right = st.columns(2)  # room for the whole label at 1280 px
    left.download_button(
        csv_label, data=audited(lambda: to_csv(table, synthetic), what, rows, "CSV", filters),
        file_name=f"{file_stem}.csv", mime="text/csv", key=key, on_click="ignore",
        disabled=table.empty, help=hint)
    right.download_button(
        xlsx_label, data=audited(workbook, what, rows, "Excel", filters),
        file_name=f"{file_stem}.xlsx", mime=XLSX_MIME, key=f"{key}_xlsx", on_click="ignore",
        disabled=table.empty, help=hint)


# --- every matching row, streamed (issue #15) ----------------------------------------------------
EXPORT_CAP = 100_000  # rows in one full export: 35 MB of CSV in ~40 s, Excel ~60 s (docs/pages.md)
KINDS = {"csv": "CSV", "xlsx": "Excel"}


def download_all(what: str, filters, count, chunks, builder, *, key: str, file_stem: str) -> None:
    """An export of every row matching ``filters`` (not only those shown), up to
    :data:`EXPORT_CAP`, newest first: ``count`` (a query of one row: the matches) says how many,
    a button writes the file from ``chunks`` (a chunked query, :func:`ui.data.stream`, on the
    session's scoped connection: only rows the person may read) through ``builder`` (the table
    shown, redaction included) with a progress bar, and an audited download serves it. The file
    is kept in the session until the filters, the format or the warehouse change."""
    total = int(data.query(count, filters).iloc[0, 0])
    if total == 0:
        return
    rows = min(total, EXPORT_CAP)
    st.markdown(f"**All matching {what}: {total:,}**" + (
        f". A file holds at most {EXPORT_CAP:,} rows: the newest {EXPORT_CAP:,}; narrow the dates or filters "
        "for the rest." if total > EXPORT_CAP else f", in one file (at most {EXPORT_CAP:,} rows a file)."))
    left, right = st.columns([1, 3])
    kind = left.segmented_control("File", list(KINDS), key=f"{key}_kind", default="csv",
                                  format_func=KINDS.get) or "csv"
    synthetic = data.is_synthetic()
    signature = (filters, kind, rows, data.warehouse_version(), auth.current_scope().key())
    if right.button(f"Prepare a file of all {rows:,} {what}", key=f"{key}_prepare",
                    help="Written from the warehouse in chunks, redacted as on the page."):
        st.session_state[f"{key}_file"] = (signature, _write(what, filters, chunks, builder, rows, kind, synthetic),
                                           rows)
    ready = st.session_state.get(f"{key}_file")
    if ready is not None and ready[0] == signature:
        content = ready[1]
        st.download_button(
            f"Download all {rows:,} {what} ({KINDS[kind]})",
            data=audited(lambda: content, f"{what} (every match)", ready[2], KINDS[kind], filters),
            file_name=f"{file_stem}.{kind}", mime="text/csv" if kind == "csv" else XLSX_MIME, key=f"{key}_download",
            on_click="ignore", help="Every download is recorded in the audit log.")


def _write(what: str, filters, chunks, builder, rows: int, kind: str, synthetic: bool) -> bytes:
    bar = st.progress(0.0, text=f"Writing 0 of {rows:,} {what}…")
    done = 0

    def frames():
        nonlocal done
        for chunk in data.stream(chunks, filters, limit=rows):
            done += len(chunk)
            bar.progress(min(done / rows, 1.0), text=f"Writing {done:,} of {rows:,} {what}…")
            yield builder(chunk)

    out = io.BytesIO()
    if kind == "csv":
        write_csv(frames(), out, synthetic)
    else:
        write_xlsx(frames(), out, synthetic, about(f"{what} (every match)", rows, filters, synthetic), stream=True)
    bar.progress(1.0, text=f"Ready: {done:,} {what}.")
    return out.getvalue()


def download_document(content, what: str, filters, *, key: str, file_name: str, mime: str,
                      label: str) -> None:
    """The audited download of a document made from tables (the draft FAQ in Markdown): one
    button labelled ``label``, each file recorded in the audit log as :func:`download` records
    a table. ``content``: the bytes, or a function making them when the button is clicked (a
    Word file costs ~50-100 ms to write: not on every filter change, issue #16)."""
    make = content if callable(content) else (lambda: content)
    st.download_button(label, data=audited(make, what, 1, file_name.rsplit(".", 1)[-1].upper(), filters),
                       file_name=file_name, mime=mime, key=key, on_click="ignore",
                       help="Every download is recorded in the audit log.")
