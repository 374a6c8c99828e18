"""Helpers shared by the ingest and build tests: real files, real DuckDB, no mocks."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import duckdb
import pytest

from ingest import jobs
from store import config, reader
from warehouse.build import build

ROOT = Path(__file__).resolve().parent.parent


def _realdata_folder() -> Path:
    """The shared real data (never copied into the repo): ``RADSOME_REALDATA`` if set, else
    ``../shared/realdata`` beside the clone, else /work/shared/realdata (a git worktree is
    not beside it)."""
    if os.environ.get("RADSOME_REALDATA"):
        return Path(os.environ["RADSOME_REALDATA"])
    beside = ROOT.parent / "shared" / "realdata"
    return beside if beside.exists() else Path("/work/shared/realdata")


REALDATA = _realdata_folder()


def realdata(relative: str) -> Path:
    """A file from ../shared/realdata, or skip the test with the reason."""
    path = REALDATA / relative
    if not path.exists():
        pytest.skip(f"real data {relative} is absent (../shared/realdata is not beside this clone)")
    return path


def post(post_id: str, **fields) -> dict:
    record = {
        "platform": "x",
        "post_id": post_id,
        "author_id": "author-1",
        "created_at": "2025-03-01T10:00:00+00:00",
        "text": f"post {post_id}",
    }
    record.update(fields)
    return record


def write_jsonl(path: Path, records) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write((record if isinstance(record, str) else json.dumps(record)) + "\n")
    return path


def raw_query(sql: str, params=None, folder: Path | None = None):
    """Read the raw store of the current RADSOME_DATA, or of the data ``folder`` (read-only)."""
    con = duckdb.connect(str(folder / config.RAW_FILE if folder else config.raw_path()), read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def published_query(sql: str, params=None):
    """Read the published warehouse of the current RADSOME_DATA, as the dashboard does."""
    con = reader.connect_published()
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def run_cli(module: str, *args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=600,
    )


def load_and_build(folder: Path, records, accounts_csv: str | None = None,
                   policies_yaml: str | None = None) -> None:
    """Into the current RADSOME_DATA: import ``records`` (a JSONL file written in ``folder``),
    load an account registry and a policy register if given, then build the warehouse."""
    jobs.import_file(write_jsonl(folder / "posts.jsonl", records))
    if accounts_csv is not None:
        (folder / "accounts.csv").write_text(accounts_csv)
        jobs.load_accounts(folder / "accounts.csv")
    if policies_yaml is not None:
        (folder / "policies.yaml").write_text(policies_yaml)
        jobs.load_policies(folder / "policies.yaml")
    build()


def published_queries(folder: Path):
    """``(query, close)`` for the published warehouse in ``folder``: ``query(function,
    filters, **options)`` runs a query function (``warehouse.*queries``) on a fresh cursor of
    one read-only connection, as the pages do; ``close()`` closes the connection."""
    con = reader.connect_published(folder / config.WAREHOUSE_FILE)

    def query(function, filters=None, **options):
        cursor = reader.reader_cursor(con)
        try:
            return function(cursor, filters, **options)
        finally:
            cursor.close()

    return query, con.close


_SHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def xlsx_rows(workbook: bytes) -> list[list[str]]:
    """The first sheet of an Excel file as a spreadsheet shows it: rows of cell texts (shared
    strings, as ui.tables.to_xlsx writes every cell), read with the standard library."""
    with zipfile.ZipFile(io.BytesIO(workbook)) as z:
        sheet = ElementTree.fromstring(z.read("xl/worksheets/sheet1.xml"))
        strings = ElementTree.fromstring(z.read("xl/sharedStrings.xml"))
    shared = ["".join(t.text or "" for t in si.iter(f"{_SHEET}t")) for si in strings.iter(f"{_SHEET}si")]
    return [[shared[int(c.find(f"{_SHEET}v").text)] if c.get("t") == "s" else (c.findtext(f"{_SHEET}v") or "")
             for c in row.iter(f"{_SHEET}c")] for row in sheet.iter(f"{_SHEET}row")]


def pick_row(at, key: str, row: int):
    """Select row ``row`` of the table with ``key`` (``on_select="rerun"``), as a click on its
    row's box does in the browser (AppTest sets a table's selection through its state), and run."""
    at.session_state[key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    return at.run()


def drawn_figures(at) -> list[dict]:
    """Every chart an AppTest page drew, as the browser gets it, in plotly's JSON shape
    (``{"data": [trace, ...], "layout": {...}}``): a plotly chart's own JSON, or a Vega-Lite
    chart's (ui.vega) read back: one trace per described layer (its name, x, y, z, text,
    customdata and hovertext, exactly the values the spec carries), the axis titles, the
    heatmap's colour bar title and the annotations (text marks)."""
    import json
    figures = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    for chart in at.get("vega_lite_chart"):
        figures.append(vega_as_figure(sent_spec(chart.proto)))
    return figures


def sent_spec(proto) -> dict:
    """A Vega-Lite chart's spec as the browser gets it: the spec's JSON with its named
    datasets, which Streamlit sends beside it as Arrow, read back into rows (a null is None)."""
    import json
    import pyarrow as pa
    spec = json.loads(proto.spec)
    for dataset in proto.datasets:
        table = pa.ipc.open_stream(dataset.data.data).read_all()
        table = table.drop([c for c in table.column_names if c.startswith("__index_level")])
        spec.setdefault("datasets", {})[dataset.name] = table.to_pylist()
    return spec


def layer_rows(spec: dict, layer: dict) -> list[dict]:
    """The rows ``layer`` draws: its inline values or its named dataset, kept by its filters
    (the Vega-Lite predicates ui.vega_marks writes: ``valid``, ``equal``, ``and``, ``not``), with
    the tooltip texts its ``calculate`` steps make."""
    data = layer.get("data") or {}
    rows = data["values"] if "values" in data else spec["datasets"][data["name"]]
    for step in layer.get("transform", []):
        if "filter" in step:
            rows = [r for r in rows if _kept(step["filter"], r)]
        elif "calculate" in step:  # a text the same on every row: a string literal, as JSON
            rows = [r | {step["as"]: json.loads(step["calculate"])} for r in rows]
    return rows


def _kept(predicate, row: dict) -> bool:
    if predicate == "false":
        return False
    if "and" in predicate:
        return all(_kept(p, row) for p in predicate["and"])
    if "not" in predicate:
        return not _kept(predicate["not"], row)
    value = row.get(predicate["field"])
    if "valid" in predicate:
        return (value is not None and value == value) == predicate["valid"]
    if "equal" in predicate:
        return value == predicate["equal"]
    raise ValueError(f"a filter these tests do not read: {predicate}")


_KINDS = {"line": ("scatter", "lines"), "point": ("scatter", "markers"), "area": ("scatter", "lines"),
          "bar": ("bar", None), "rect": ("heatmap", None)}


def vega_as_figure(spec: dict) -> dict:
    """A ui.vega spec in plotly's JSON shape (see :func:`drawn_figures`)."""
    from ui.vega_marks import flat_layers
    data, layout = [], {"annotations": []}
    for layer in flat_layers(spec):
        mark, enc = layer["mark"], layer.get("encoding", {})
        for axis in ("x", "y"):
            title = (enc.get(axis) or {}).get("title")
            if title and axis + "axis" not in layout:
                layout[axis + "axis"] = {"title": {"text": title}}
        if mark["type"] == "text" and "text" in mark:
            layout["annotations"].append({"text": mark["text"]})
        if "description" not in layer:
            continue
        rows = layer_rows(spec, layer)
        kind, mode = _KINDS[mark["type"]]
        trace = {"type": kind, "name": layer["description"]}
        if kind == "heatmap":
            xs = list(dict.fromkeys(r["x"] for r in rows))
            ys = list(dict.fromkeys(r["y"] for r in rows))
            cells = {(r["x"], r["y"]): r.get("z") for r in rows}
            trace.update(x=xs, y=ys, z=[[cells.get((x, y)) for x in xs] for y in ys],
                         colorbar={"title": {"text": (enc.get("fill") or {}).get("legend", {}).get("title")}})
        else:
            # the fields x and y encode (a line may draw a column "y1" of a shared table)
            fx, fy = ((enc.get(axis) or {}).get("field", axis) for axis in ("x", "y"))
            trace.update(x=[r.get(fx) for r in rows], y=[r.get(fy) for r in rows])
            if kind == "bar":
                value = "x" if (enc.get("y") or {}).get("type") == "nominal" else "y"
                if value == "x":
                    trace["orientation"] = "h"
                if any("v" in r for r in rows):  # stacked: the bar's own value
                    trace[value] = [r.get("v") for r in rows]
            else:
                trace["mode"] = mode
        for field in ("text", "customdata", "hovertext"):
            if any(field in r for r in rows):
                trace[field] = [r.get(field) for r in rows]
        data.append(trace)
    return {"data": data, "layout": layout}
