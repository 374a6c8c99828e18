"""Reading a post file's lines and records with a size cap (issue #18 item 13).

A record (a JSONL line, or a CSV record with its quoted line breaks) may be at most
:data:`MAX_RECORD_BYTES` bytes, its final line end not counted. A bigger one is quarantined
(field ``record``, with its size), never stored, and never read whole: the readers here hold
at most the cap (plus one read buffer) of it, while they count its bytes and hash them. Every
physical line is counted, so the lines after a huge one keep their numbers.

Why a cap at all: a post is at most a few thousand characters on every platform we read, and
the untouched record (a platform's JSON) a few kilobytes; a 300 MB "line" is a broken export
or an attack, and reading it whole cost 4.5 GB. 1 MiB is hundreds of times any real record.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import BinaryIO, Iterator

MAX_RECORD_BYTES = 1_048_576  # 1 MiB; docs/importing.md "File import format"
READ_BYTES = 8 * 1024 * 1024  # one read of the file (the memory a scan holds)
PREFIX_BYTES = 1_000  # what the quarantine keeps of an oversized record


@dataclass(frozen=True)
class Oversized:
    """A record over the cap: its size, a SHA-256 of all its bytes, and its first bytes."""

    size: int
    digest: str
    prefix: bytes

    def reason(self) -> str:
        return (f"record is {self.size:,} bytes, over the limit of {MAX_RECORD_BYTES:,} bytes"
                f" (MAX_RECORD_BYTES); not stored")

    def stub(self) -> str:
        """What the quarantine keeps instead of the record: its start, size and digest."""
        head = self.prefix.decode("utf-8", errors="replace")
        return f"{head}…[{self.size:,} bytes in all, sha256 {self.digest}]"


@dataclass
class LineScan:
    lines: int  # physical lines (ending at "\n"; a last line without one counts)
    oversized: dict[int, Oversized]  # line number -> the line, for lines over the cap


def scan_lines(handle: BinaryIO, limit: int = MAX_RECORD_BYTES) -> LineScan:
    """Count the lines of a binary file and find those over ``limit`` bytes, reading it once
    in :data:`READ_BYTES` pieces. Within a piece the check jumps a window of ``limit`` bytes
    at a time (``rfind``), so a file costs a few calls per megabyte, not one per line."""
    lines, oversized = 0, {}
    pending = b""  # the unfinished line's bytes, while it is not known to be over the cap
    long_line = None  # (size so far, sha256 hasher, prefix) once the line is over the cap
    while True:
        piece = handle.read(READ_BYTES)
        if not piece:
            break
        first = piece.find(b"\n")
        if first < 0:
            long_line, pending = _grow(long_line, pending, piece, limit)
            continue
        long_line, pending = _grow(long_line, pending, memoryview(piece)[:first], limit)
        lines += 1
        if long_line is not None:
            oversized[lines] = _done(long_line)
        long_line, pending = None, b""
        last = piece.rfind(b"\n")
        start = first + 1
        while start <= last:  # whole lines in piece[first + 1 : last + 1]
            window = piece.rfind(b"\n", start, min(start + limit + 1, last + 1))
            if window >= 0:  # every line starting in [start, window] ends by window: small
                lines += piece.count(b"\n", start, window + 1)
                start = window + 1
                continue
            end = piece.find(b"\n", start + limit + 1, last + 1)
            lines += 1
            body = memoryview(piece)[start:end]
            oversized[lines] = Oversized(len(body), hashlib.sha256(body).hexdigest(),
                                         bytes(body[:PREFIX_BYTES]))
            start = end + 1
        long_line, pending = _grow(None, b"", memoryview(piece)[last + 1:], limit)
    if pending or long_line is not None:
        lines += 1
        if long_line is not None:
            oversized[lines] = _done(long_line)
    return LineScan(lines, oversized)


def _grow(long_line, pending: bytes, more, limit: int):
    """Add ``more`` bytes to the unfinished line: kept while within the cap, else hashed."""
    if long_line is None:
        if len(pending) + len(more) <= limit:
            return None, pending + bytes(more)
        hasher = hashlib.sha256(pending)
        hasher.update(more)
        prefix = (pending + bytes(more[:PREFIX_BYTES]))[:PREFIX_BYTES]
        return (len(pending) + len(more), hasher, prefix), b""
    size, hasher, prefix = long_line
    hasher.update(more)
    if len(prefix) < PREFIX_BYTES:
        prefix += bytes(more[:PREFIX_BYTES - len(prefix)])
    return (size + len(more), hasher, prefix), b""


def _done(long_line) -> Oversized:
    size, hasher, prefix = long_line
    return Oversized(size, hasher.hexdigest(), prefix)


def read_line(handle: BinaryIO, limit: int = MAX_RECORD_BYTES) -> bytes | Oversized | None:
    """The next physical line without its "\\n" (None at the end of the file), or, for a line
    over ``limit`` bytes, an :class:`Oversized` (the rest of it read in pieces and dropped)."""
    line = handle.readline(limit + 1)
    if not line:
        return None
    if line.endswith(b"\n"):
        return line[:-1]
    if len(line) <= limit:  # the last line, without a line end
        return line
    hasher, size, prefix = hashlib.sha256(line), len(line), line[:PREFIX_BYTES]
    while True:
        more = handle.readline(READ_BYTES)
        if not more:
            break
        ended = more.endswith(b"\n")
        body = more[:-1] if ended else more
        hasher.update(body)
        size += len(body)
        if ended:
            break
    return Oversized(size, hasher.hexdigest(), prefix)


# --- CSV: where a record ends, for skipping one that is over the cap -------------------------

_UNQUOTED_END = re.compile(r"[,\n]")


class QuoteState:
    """Where Python's ``csv`` reader (default dialect: comma, double quote, doubled quotes
    inside quotes) would be in a record, fed text piece by piece with ``find``: enough to
    skip an oversized record to its true end without keeping it. States: field start, in an
    unquoted field, in a quoted field, just after a quote inside a quoted field."""

    START, UNQUOTED, QUOTED, QUOTE_IN_QUOTED = range(4)

    def __init__(self) -> None:
        self.state = self.START

    def feed(self, text: str) -> bool:
        """Read ``text`` (pieces of whole lines, in order); True when a line end outside
        quotes was read, i.e. the record ended at the end of ``text``'s last line."""
        pos, ended = 0, False
        while pos < len(text):
            ended = False
            if self.state == self.START:
                char = text[pos]
                pos += 1
                if char == '"':
                    self.state = self.QUOTED
                elif char == "\n":
                    ended = True
                elif char != ",":
                    self.state = self.UNQUOTED
            elif self.state == self.UNQUOTED:
                match = _UNQUOTED_END.search(text, pos)
                if match is None:
                    return False
                pos = match.end()
                self.state = self.START
                ended = match.group() == "\n"
            elif self.state == self.QUOTED:
                quote = text.find('"', pos)
                if quote < 0:
                    return False
                pos, self.state = quote + 1, self.QUOTE_IN_QUOTED
            else:  # a quote inside a quoted field: doubled, the field's end, or stray
                char = text[pos]
                pos += 1
                if char == '"':
                    self.state = self.QUOTED
                elif char == ",":
                    self.state = self.START
                elif char == "\n":
                    self.state, ended = self.START, True
                else:
                    self.state = self.UNQUOTED
        return ended


class RecordTooBig(Exception):
    """Raised by :class:`CsvLines` when a CSV record would grow past the cap."""


class CsvLines:
    """The lines of a CSV file for ``csv.reader``, counted, the current record at most the
    cap. The lines of the record being read are kept (they are within the cap) so that a
    record the parser rejects can be quarantined as written. When a record would grow past
    the cap it raises :class:`RecordTooBig` instead of giving the line; :meth:`skip_record`
    then reads on to the record's end without keeping it."""

    def __init__(self, handle: BinaryIO, limit: int = MAX_RECORD_BYTES):
        self.handle, self.limit = handle, limit
        self.number = 0  # physical lines read so far (a line is counted at its end)
        self.record: list[str] = []  # the current record's lines, as text
        self.record_bytes = 0
        self._partial = b""  # the bytes read of the line that did not fit
        self._counted = True  # whether that line's end was counted

    def start_record(self) -> int:
        """The next record starts here; its first line's number."""
        self.record, self.record_bytes = [], 0
        return self.number + 1

    def __iter__(self) -> "CsvLines":
        return self

    def __next__(self) -> str:
        raw = self.handle.readline(self.limit + 1)
        if not raw:
            raise StopIteration
        ended = raw.endswith(b"\n")
        self._counted = ended or len(raw) <= self.limit  # else: the line goes on
        if self._counted:
            self.number += 1
        if self.record_bytes + len(raw) - ended > self.limit:
            self._partial = raw
            raise RecordTooBig
        text = raw.decode("utf-8", errors="surrogateescape")
        if self.number == 1:
            text = text.removeprefix("\ufeff")
        self.record_bytes += len(raw)
        self.record.append(text)
        return text

    def skip_record(self) -> Oversized:
        """After :class:`RecordTooBig`: read to the end of the record (its quotes followed
        from its first line), counting its lines; the record's size, hash and start."""
        state, hasher, prefix = QuoteState(), hashlib.sha256(), bytearray()
        size, ended, piece = 0, False, self._partial
        for text in self.record:
            state.feed(text)
        kept = [t.encode("utf-8", errors="surrogateescape") for t in self.record]
        open_line = not self._counted
        for part in (*kept, piece):
            hasher.update(part)
            size += len(part)
            prefix += part[:max(0, PREFIX_BYTES - len(prefix))]
        ended = state.feed(piece.decode("utf-8", errors="surrogateescape"))
        last_newline = piece.endswith(b"\n")
        while not ended:
            piece = self.handle.readline(READ_BYTES)
            if not piece:
                if open_line:
                    self.number += 1
                break
            last_newline = piece.endswith(b"\n")
            open_line = not last_newline
            if last_newline:
                self.number += 1
            hasher.update(piece)
            size += len(piece)
            prefix += piece[:max(0, PREFIX_BYTES - len(prefix))]
            ended = state.feed(piece.decode("utf-8", errors="surrogateescape"))
        self.record, self.record_bytes, self._partial = [], 0, b""
        return Oversized(size - last_newline, hasher.hexdigest(), bytes(prefix))
