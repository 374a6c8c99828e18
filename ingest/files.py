"""Reading post files (JSONL or CSV, one post per row) into the landing's ``incoming`` shape.

JSONL is read by DuckDB itself (a line per row, parsed once per line in SQL), so bulk
imports run at DuckDB speed; if a line is over the record cap, or DuckDB cannot read the file
as text (bytes that are not UTF-8) or reads other lines than the file's, a Python reader takes
over and quarantines just the bad lines. CSV is read with Python's ``csv`` module, which knows
the physical line where each record starts even when a quoted field spans lines. Both hold at
most :data:`ingest.bounded.MAX_RECORD_BYTES` of any record and hand DuckDB Arrow batches, so
memory stays bounded whatever the file holds (a record over the cap is quarantined with its
size, never read whole).
"""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pyarrow as pa

from ingest.bounded import MAX_RECORD_BYTES, CsvLines, Oversized, RecordTooBig, read_line, scan_lines
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
    table ``jsonl_lines``, by DuckDB when every line is within the record cap and DuckDB reads
    exactly the file's lines, else by Python (:func:`_python_lines`: a line over the cap, or
    bytes that are not UTF-8, becomes a quarantined record; nothing is dropped)."""
    drop_incoming(con)
    with path.open("rb") as handle:
        scan = scan_lines(handle)
    lines = (
        "SELECT row_number() OVER () AS origin_line, line, NULL::VARCHAR AS decode_error"
        " FROM read_csv($path, columns = {'line': 'VARCHAR'}, header = false, delim = chr(0),"
        " quote = '', escape = '', auto_detect = false)"
    )
    by_duckdb = not scan.oversized
    if by_duckdb:
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE jsonl_lines AS {lines}", {"path": str(path)})
            # DuckDB's reader also ends lines at a lone \r, and has dropped a huge last line
            # without a word: its lines must be the file's, one for one.
            by_duckdb = con.execute("SELECT count(*) FROM jsonl_lines").fetchall()[0][0] == scan.lines
        except Exception:  # noqa: BLE001 - any DuckDB read problem: the exact reader takes over
            by_duckdb = False
    if not by_duckdb:
        reader = pa.RecordBatchReader.from_batches(_LINES_SCHEMA, _line_batches(path))
        con.register("py_lines_arrow", reader)
        try:
            con.execute("CREATE OR REPLACE TEMP TABLE jsonl_lines AS SELECT * FROM py_lines_arrow")
        finally:
            con.unregister("py_lines_arrow")
    con.execute(_jsonl_sql(origin))


_LINES_SCHEMA = pa.schema([("origin_line", pa.int64()), ("line", pa.string()), ("decode_error", pa.string())])
BATCH_ROWS = 20_000  # rows per Arrow batch the Python readers hand DuckDB (bounded memory)


def _line_batches(path: Path):
    """Arrow batches of (line number, text or None, error) for every line of a JSONL file."""
    numbers, texts, errors = [], [], []
    for number, text, error in _python_lines(path):
        numbers.append(number)
        texts.append(text)
        errors.append(error)
        if len(numbers) >= BATCH_ROWS:
            yield pa.record_batch([numbers, texts, errors], schema=_LINES_SCHEMA)
            numbers, texts, errors = [], [], []
    if numbers:
        yield pa.record_batch([numbers, texts, errors], schema=_LINES_SCHEMA)


def _python_lines(path: Path):
    """(line number, text or None, error) for every line, decoding each line on its own; a
    line over the record cap gives its start, size and digest (the quarantine's record) and
    the error."""
    with path.open("rb") as handle:
        number = 0
        while (raw := read_line(handle)) is not None:
            number += 1
            if isinstance(raw, Oversized):
                yield number, raw.stub(), raw.reason()
                continue
            if number == 1:  # a UTF-8 byte order mark, as DuckDB's reader drops it
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            try:
                yield number, raw.decode("utf-8").rstrip("\r"), None
            except UnicodeDecodeError as exc:
                yield number, None, f"line is not valid UTF-8 ({exc.reason} at byte {exc.start})"


def read_csv_file(con, path: Path, origin: str) -> None:
    """Create the ``incoming`` table from a CSV file with a header row, read record by record
    (:class:`ingest.bounded.CsvLines`: a record over the cap is quarantined, not read whole)."""
    csv.field_size_limit(max(csv.field_size_limit(), MAX_RECORD_BYTES + 1))  # records are capped
    schema = pa.schema([(name, pa.int64() if name == "origin_line" else pa.string())
                        for name in INCOMING_COLUMNS])
    with path.open("rb") as handle:
        lines = CsvLines(handle)
        lines.start_record()
        try:
            header = [h.strip().lower() for h in next(csv.reader(lines))]
        except (csv.Error, StopIteration, RecordTooBig) as exc:
            why = "over the record size limit" if isinstance(exc, RecordTooBig) else exc
            raise FileFormatError(f"{path}:{max(lines.number, 1)}: not readable as CSV ({why})") from None
        reader = pa.RecordBatchReader.from_batches(schema, _csv_batches(lines, header, origin, schema))
        con.register("incoming_arrow", reader)
        try:
            con.execute("CREATE OR REPLACE TEMP TABLE incoming AS SELECT * FROM incoming_arrow")
        finally:
            con.unregister("incoming_arrow")


def _csv_batches(lines: CsvLines, header: list[str], origin: str, schema: pa.Schema):
    """Arrow batches of ``incoming`` rows, one per CSV record (blank records skipped)."""
    index = {name: header.index(name) for name in POST_COLUMNS if name in header}
    columns = {name: [] for name in INCOMING_COLUMNS}
    reader = csv.reader(lines)
    while True:
        start = lines.start_record()
        values, payload = {}, None
        try:
            record = next(reader)
        except StopIteration:
            break
        except RecordTooBig:
            big = lines.skip_record()
            reader = csv.reader(lines)  # the old one stopped inside the record
            payload, error = big.stub(), big.reason()
        except csv.Error as exc:  # e.g. a lone \r in an unquoted field: quarantine the record
            text = _valid_utf8("".join(lines.record))
            payload = json.dumps(dict(zip(header, [text])), ensure_ascii=False)
            error = f"not readable as CSV ({exc})"
            reader = csv.reader(lines)
        else:
            if not record or all(not value.strip() for value in record):
                continue
            error = None
            if _SURROGATE.search("".join(record)):
                error = "record is not valid UTF-8"
                record = [_valid_utf8(value) for value in record]
            elif len(record) != len(header):
                error = f"has {len(record)} fields, the header has {len(header)}"
            values = {name: (record[i] if i < len(record) else None) for name, i in index.items()}
            payload = json.dumps(dict(zip(header, record)), ensure_ascii=False)
        columns["origin"].append(origin)
        columns["origin_line"].append(start)
        columns["payload"].append(payload)
        columns["parse_error"].append(error)
        for name in POST_COLUMNS:
            columns[name].append(values.get(name))
        if len(columns["origin"]) >= BATCH_ROWS:
            yield pa.record_batch([columns[n] for n in INCOMING_COLUMNS], schema=schema)
            columns = {name: [] for name in INCOMING_COLUMNS}
    if columns["origin"]:
        yield pa.record_batch([columns[n] for n in INCOMING_COLUMNS], schema=schema)


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
