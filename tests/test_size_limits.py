"""A record over the size cap (ingest.bounded.MAX_RECORD_BYTES) is counted, quarantined with
its file, line, field ``record`` and size, and never read whole (issue #18 item 13): the
lines after it keep their numbers, and importing it takes bounded memory."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st

from ingest import bounded, jobs
from ingest.bounded import MAX_RECORD_BYTES, CsvLines, QuoteState, RecordTooBig, scan_lines
from tests.support import ROOT, post, raw_query

CAP = MAX_RECORD_BYTES


# --- the line scan and the quote follower, against the obvious answers ----------------------

@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 40), max_size=30), st.booleans(), st.integers(1, 17), st.integers(1, 12))
def test_scan_finds_exactly_the_long_lines_across_read_boundaries(lengths, final_newline, read_bytes, limit):
    data = b"\n".join(bytes([65 + i % 26]) * n for i, n in enumerate(lengths))
    if lengths and final_newline:
        data += b"\n"
    original = bounded.READ_BYTES
    bounded.READ_BYTES = read_bytes  # small reads: every boundary case of the scan
    try:
        scan = scan_lines(io.BytesIO(data), limit)
    finally:
        bounded.READ_BYTES = original
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()
    assert scan.lines == (len(lines) if data else 0)
    assert {n: (o.size, o.prefix) for n, o in scan.oversized.items()} == {
        i: (len(line), line[:bounded.PREFIX_BYTES]) for i, line in enumerate(lines, 1) if len(line) > limit}


_FIELD = st.text(alphabet=st.sampled_from(list('ab,"\n é')), max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_FIELD, min_size=1, max_size=4), min_size=1, max_size=6))
def test_quote_follower_ends_records_where_the_csv_module_does(records):
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(records)
    text = buffer.getvalue()
    physical = io.StringIO(text, newline="\n").readlines()
    reader = csv.reader(physical)
    expected = []
    for _ in reader:
        expected.append(reader.line_num)
    state, ends = QuoteState(), []
    for number, line in enumerate(physical, 1):
        if state.feed(line):
            ends.append(number)
    assert ends == expected


def test_csv_lines_stop_a_record_at_the_cap_and_skip_to_its_true_end():
    body = ('platform,text\nx,"' + "a,b\n" * 10 + '"\nx,after\n').encode()
    lines = CsvLines(io.BytesIO(body), limit=20)
    reader = csv.reader(lines)
    assert lines.start_record() == 1 and next(reader) == ["platform", "text"]
    assert lines.start_record() == 2
    with pytest.raises(RecordTooBig):
        next(reader)
    big = lines.skip_record()
    assert big.size == len('x,"' + "a,b\n" * 10 + '"')
    assert lines.start_record() == 13 and next(csv.reader(lines)) == ["x", "after"]


# --- imports -------------------------------------------------------------------------------

def _line(post_id: str, size: int) -> bytes:
    """A JSONL line of exactly ``size`` bytes."""
    record = post(post_id, text="")
    empty = len(json.dumps(record).encode())
    return json.dumps(record | {"text": "a" * (size - empty)}).encode()


def test_a_jsonl_line_over_the_cap_is_quarantined_and_the_next_lines_keep_their_numbers(data_dir, tmp_path):
    path = tmp_path / "posts.jsonl"
    path.write_bytes(b"\n".join([_line("1", 100), _line("2", CAP), _line("3", CAP + 1),
                                 b"", _line("4", 100), _line("5", 5 * CAP)]))  # last line: no \n
    counts = jobs.import_file(path)
    assert (counts.read, counts.new, counts.quarantined) == (5, 3, 2)
    assert raw_query("SELECT post_id, origin_line FROM raw_posts ORDER BY origin_line") == [
        ("1", 1), ("2", 2), ("4", 5)]
    rows = raw_query("SELECT origin, origin_line, field, reason, strlen(record) FROM quarantine ORDER BY origin_line")
    assert [(r[1], r[2]) for r in rows] == [(3, "record"), (6, "record")]
    assert rows[0][3].startswith(f"record is {CAP + 1:,} bytes, over the limit of {CAP:,} bytes")
    assert rows[1][3].startswith(f"record is {5 * CAP:,} bytes")
    assert all(r[0] == str(path.resolve()) and r[4] < 2_000 for r in rows)
    again = jobs.import_file(path)  # idempotent: nothing stored or quarantined twice
    assert (again.new, again.duplicate) == (0, 3)
    assert raw_query("SELECT count(*) FROM quarantine") == [(2,)]


def test_a_csv_record_over_the_cap_is_quarantined_whole_and_what_it_quoted_is_not_imported(data_dir, tmp_path):
    fake_row = "x,99,mallory,2025-03-01T10:00:00+00:00,smuggled row\n"  # inside the quoted field
    huge = '"' + fake_row * (CAP // len(fake_row) + 10) + 'end"'
    path = tmp_path / "posts.csv"
    path.write_text("platform,post_id,author_id,created_at,text\n"
                    "x,1,a,2025-03-01T10:00:00+00:00,before\n"
                    f"x,2,a,2025-03-01T10:00:00+00:00,{huge}\n"
                    "x,3,a,2025-03-01T10:00:00+00:00,after\n"
                    f"x,4,a,2025-03-01T10:00:00+00:00,{'b' * (CAP + 10)}\n"
                    "x,5,a,2025-03-01T10:00:00+00:00,last\n")
    counts = jobs.import_file(path)
    n_fake = huge.count("\n")
    assert (counts.read, counts.new, counts.quarantined) == (5, 3, 2)
    assert raw_query("SELECT post_id, origin_line FROM raw_posts ORDER BY origin_line") == [
        ("1", 2), ("3", 4 + n_fake), ("5", 6 + n_fake)]
    rows = raw_query("SELECT origin_line, field, reason FROM quarantine ORDER BY origin_line")
    assert [(r[0], r[1]) for r in rows] == [(3, "record"), (5 + n_fake, "record")]
    assert all("over the limit" in r[2] for r in rows)


# --- memory: a child process imports huge records -------------------------------------------

_MEASURE = """
import sys
from ingest import __main__ as cli
code = cli.main(["file", sys.argv[1]])
peak = [l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")][0]
print("exit", code, "peak_kb", peak)
"""


@pytest.mark.slow
def test_huge_records_are_counted_quarantined_and_imported_in_bounded_memory(data_dir, tmp_path):
    jsonl = tmp_path / "big.jsonl"
    with jsonl.open("wb") as handle:
        for i in range(3):
            handle.write(_line(str(i), 200) + b"\n")
        handle.write(_line("huge", 40 * 1024 * 1024))  # a 40 MB last line, no line end
    csv_path = tmp_path / "big.csv"
    with csv_path.open("w") as handle:
        handle.write("platform,post_id,author_id,created_at,text\nx,c1,a,2025-03-01T10:00:00+00:00,ok\n")
        handle.write('x,c2,a,2025-03-01T10:00:00+00:00,"')
        chunk = "a long quoted field, with commas and line breaks\n" * 20_000
        for _ in range(100):  # ~100 MB in one field
            handle.write(chunk)
        handle.write('"\nx,c3,a,2025-03-01T10:00:00+00:00,ok\n')
    peaks = {}
    for path in (jsonl, csv_path):
        result = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], cwd=ROOT, capture_output=True,
                                text=True, timeout=600)
        assert result.returncode == 0, result.stderr
        words = result.stdout.split()
        assert words[words.index("exit") + 1] == "0", result.stdout
        peaks[path.suffix] = int(words[words.index("peak_kb") + 1]) / 1024
        print(path.name, f"VmHWM {peaks[path.suffix]:.0f} MB", result.stdout.splitlines()[-2])
    assert raw_query("SELECT origin_line, field FROM quarantine ORDER BY origin, origin_line") == [
        (3, "record"), (4, "record")]
    assert sorted(r[0] for r in raw_query("SELECT post_id FROM raw_posts")) == ["0", "1", "2", "c1", "c3"]
    assert raw_query("SELECT origin_line FROM raw_posts WHERE post_id = 'c3'") == [(4 + 2_000_000,)]
    assert all(peak < 600 for peak in peaks.values()), peaks
