"""Reading post files (JSONL or CSV, one post per row) into the landing's ``incoming`` shape.

JSONL is read by DuckDB itself (a line per row, parsed once per line in SQL), so bulk
imports run at DuckDB speed; if DuckDB cannot read the file as text (for example, bytes
that are not UTF-8), a Python reader takes over and quarantines just the bad lines. CSV is
read with Python's ``csv`` module, which knows the physical line where each record starts
even when a quoted field spans lines.
"""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pyarrow as pa

from ingest.landing import INCOMING_COLUMNS, POST_COLUMNS, REQUIRED_COLUMNS, drop_incoming
from store.errors import InputError

SNIFF_BYTES = 64 * 1024


class FileFormatError(InputError):
    """The file is not JSONL or CSV (or not readable at all): nothing was stored."""


def detect_format(path: Path) -> str:
    """'jsonl' or 'csv', by content first and extension second; raise FileFormatError."""
    if not path.is_file():
        raise FileFormatError(f"{path}: no such file")
    head = path.open("rb").read(SNIFF_BYTES)
    if b"\x00" in head:
        raise FileFormatError(f"{path}: binary file (NUL bytes); expected JSONL or CSV text")
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not first:
        raise FileFormatError(f"{path}: empty file; expected JSONL or CSV with one post per row")
    if first.startswith("{"):
        return "jsonl"
    header = [h.strip().lower() for h in next(csv.reader([first]))]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if len(header) > 1 and not missing:
        return "csv"
    if path.suffix.lower() == ".csv" or len(header) > 1:
        raise FileFormatError(
            f"{path}: line 1: a CSV header must name the columns {', '.join(REQUIRED_COLUMNS)}"
            f" (missing: {', '.join(missing)})"
        )
    raise FileFormatError(
        f"{path}: not JSONL (line 1 does not start a JSON object) nor CSV with a header row"
    )


_JSON_PATHS = [f"$.{c}" for c in POST_COLUMNS]
_SURROGATE = re.compile("[\udc80-\udcff]")


def _jsonl_sql(origin: str) -> str:
    """SQL for the ``incoming`` view over ``jsonl_lines`` (origin_line, line, decode_error).

    A view, not a table: the landing parses each line once, as it types and checks the
    values, and reads the untouched line (the payload) straight from ``jsonl_lines``. A view
    takes no bound parameters, so the origin (a file path) is quoted as a literal here."""
    fields = ",\n".join(f"    vals[{i + 1}] AS {c}" for i, c in enumerate(POST_COLUMNS))
    paths = ", ".join(f"'{p}'" for p in _JSON_PATHS)  # code constants
    quoted_origin = "'" + origin.replace("'", "''") + "'"
    return f"""
CREATE TEMP VIEW incoming AS
WITH parsed AS (
    SELECT origin_line, line,
        CASE WHEN decode_error IS NOT NULL THEN decode_error
             WHEN NOT json_valid(line) THEN 'not valid JSON'
             WHEN NOT starts_with(line, '{{') AND json_type(line) <> 'OBJECT' THEN 'not a JSON object'
        END AS parse_error
    FROM jsonl_lines
    -- blank lines are skipped: trim(line) = '' (the first character is tested first, so that
    -- trim copies only the rare line that starts with a space)
    WHERE decode_error IS NOT NULL OR trim(left(line, 1)) <> '' OR trim(line) <> ''
)
SELECT {quoted_origin} AS origin, origin_line, line AS payload, parse_error,
{fields}
FROM (SELECT *, CASE WHEN parse_error IS NULL THEN json_extract_string(line, [{paths}]) END AS vals
      FROM parsed)
"""


def read_jsonl(con, path: Path, origin: str) -> None:
    """Create the ``incoming`` view over a JSONL file: its lines are read into the temporary
    table ``jsonl_lines`` (by DuckDB, or by Python when DuckDB cannot read the file as text)."""
    drop_incoming(con)
    lines = (
        "SELECT row_number() OVER () AS origin_line, line, NULL::VARCHAR AS decode_error"
        " FROM read_csv($path, columns = {'line': 'VARCHAR'}, header = false, delim = chr(0),"
        " quote = '', escape = '', auto_detect = false)"
    )
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE jsonl_lines AS {lines}", {"path": str(path)})
    except Exception:  # noqa: BLE001 - any DuckDB read problem: fall back to the exact reader
        numbers, texts, errors = [], [], []
        for number, text, error in _python_lines(path):
            numbers.append(number)
            texts.append(text)
            errors.append(error)
        table = pa.table({
            "origin_line": pa.array(numbers, pa.int64()),
            "line": pa.array(texts, pa.string()),
            "decode_error": pa.array(errors, pa.string()),
        })
        con.register("py_lines_arrow", table)
        con.execute("CREATE OR REPLACE TEMP TABLE jsonl_lines AS SELECT * FROM py_lines_arrow")
        con.unregister("py_lines_arrow")
    con.execute(_jsonl_sql(origin))


def _python_lines(path: Path):
    """(line number, text or None, error) for every line, decoding each line on its own."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1:  # a UTF-8 byte order mark, as DuckDB's reader drops it
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            try:
                yield number, raw.decode("utf-8").rstrip("\r\n"), None
            except UnicodeDecodeError as exc:
                yield number, None, f"line is not valid UTF-8 ({exc.reason} at byte {exc.start})"


def read_csv_file(con, path: Path, origin: str) -> None:
    """Create the ``incoming`` table from a CSV file with a header row."""
    raw = path.read_bytes().decode("utf-8", errors="surrogateescape").lstrip("\ufeff")
    # Physical lines end at "\n" only: str.splitlines() would also end them at \r, \x0b, \x0c,
    # \x1c-\x1e, \x85, \u2028 and \u2029, cutting a post's text short and shifting line numbers.
    lines = io.StringIO(raw, newline="\n").readlines()
    csv.field_size_limit(max(csv.field_size_limit(), len(raw) + 1))  # a field may be any size
    reader = csv.reader(lines)
    columns = {name: [] for name in INCOMING_COLUMNS}
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as exc:
        raise FileFormatError(f"{path}:{reader.line_num}: not readable as CSV ({exc})") from None
    index = {name: header.index(name) for name in POST_COLUMNS if name in header}
    line = reader.line_num + 1
    while True:
        start = line
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a lone \r in an unquoted field: quarantine the record
            line = reader.line_num + 1
            text = "".join(lines[start - 1:line - 1])
            record, error = [_valid_utf8(text)], f"not readable as CSV ({exc})"
            values = {}
        else:
            line = reader.line_num + 1
            if not record or all(not value.strip() for value in record):
                continue
            error = None
            if _SURROGATE.search("".join(record)):
                error = "record is not valid UTF-8"
                record = [_valid_utf8(value) for value in record]
            elif len(record) != len(header):
                error = f"has {len(record)} fields, the header has {len(header)}"
            values = {name: (record[i] if i < len(record) else None) for name, i in index.items()}
        columns["origin"].append(origin)
        columns["origin_line"].append(start)
        columns["payload"].append(json.dumps(dict(zip(header, record)), ensure_ascii=False))
        columns["parse_error"].append(error)
        for name in POST_COLUMNS:
            columns[name].append(values.get(name))
    schema = {name: pa.string() for name in INCOMING_COLUMNS} | {"origin_line": pa.int64()}
    table = pa.table({name: pa.array(values, schema[name]) for name, values in columns.items()})
    con.register("incoming_arrow", table)
    con.execute("CREATE OR REPLACE TEMP TABLE incoming AS SELECT * FROM incoming_arrow")
    con.unregister("incoming_arrow")


def _valid_utf8(text: str) -> str:
    """Text read with ``surrogateescape``, its undecodable bytes shown as U+FFFD."""
    return text.encode("utf-8", errors="replace").decode("utf-8")


def read_file(con, path: Path, origin: str | None = None) -> str:
    """Prepare ``incoming`` from a JSONL or CSV file; return the format. Raises
    FileFormatError when the file is neither, and when not one record could be read."""
    path = Path(path)
    kind = detect_format(path)
    origin = origin or str(path)
    if kind == "jsonl":
        read_jsonl(con, path, origin)
    else:
        read_csv_file(con, path, origin)
    readable = con.execute(
        "SELECT count(*) FROM (SELECT 1 FROM incoming WHERE parse_error IS NULL LIMIT 1)"
    ).fetchall()[0][0]
    if readable == 0:
        raise FileFormatError(f"{path}: no record could be read as {kind.upper()}; nothing was stored")
    return kind
