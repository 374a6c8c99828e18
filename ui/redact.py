"""Redact identifiers from post text before it is shown or exported (DESIGN.md "Privacy").

Public posts about patients are still personal data, so text on screen and in downloads is
redacted by default. presidio-analyzer finds the spans with its pattern recognisers (no
language model: its no-op NLP engine) plus ``PatternRecognizer`` subclasses of ours where
presidio lacks one or is too narrow. Each span becomes a label (the cue or title before a name
or date of birth is kept):

- ``[name]``: up to four words after a title in any case (Mr/Mrs/Ms/Mx/Miss/Dr/Prof, dot
  optional: ``Mrs Hughes``, ``mrs smith``, ``DR A. KHAN``), Mc/Mac/O'/hyphenated/accented
  names and particles (``O'Neill``, ``Zoë Brontë``, ``van der Merwe``), words of one case,
  ended by a stop word (spaCy's English list plus ours, so ``Miss it`` and ``the dr said``
  stay); after "my name is" (first word any case); after "I'm", capitalised uncommon words.
- ``[email]``: presidio ``EmailRecognizer`` checked against tldextract's bundled suffix list
  (never downloaded); ``name [at] host [dot] uk``.
- ``[@handle]``: ``@name``, ``@name@host``, ``@name.bsky.social``; the name in profile links
  (x.com, twitter, instagram, facebook, threads, tiktok, youtube, linkedin ``/in/``, reddit
  ``/u/`` or ``/user/``, bsky.app ``/profile/``, any ``host/users/``); bare ``u/name``;
  Bluesky DIDs.
- ``[date of birth]``: a date in any format (``12 03 1985``, ``12.3.85``, ``12031985``, ``3rd
  of March 1962``, ``1985/03/12``) after "DOB", "d.o.b", "date of birth", "birthday", "birth
  date" or "born (on the)"; any numeric or written date in 1900-1999.
- ``[phone]``: presidio ``PhoneRecognizer`` (libphonenumber, GB) and any UK-shaped number:
  ``0…`` or ``+44``/``0044`` then 8-12 digits split by spaces, dots, dashes, slashes, brackets
  (not a date such as ``01/02/2025``).
- ``[NHS number]``: any run of exactly 10 digits, whole or grouped any way by spaces, dots,
  dashes, slashes or brackets (presidio ``NhsRecognizer`` finds the valid ones too). Modulus
  11 is not required: a number mistyped by one digit, or altered to slip past a checker,
  still points at a patient among a handful of candidates, and a redactor that errs must hide
  too much, never too little. So a 10-digit booking reference is hidden as well.
- ``[postcode]``: presidio ``UkPostcodeRecognizer`` (any case, with or without the space);
  ours with a hyphen or dot (``LS1-4AP``).

Matching runs on normalised text (:func:`normalise`): NFKC (full-width or other compatibility
digits and letters become ASCII, accents are composed), invisible format characters (zero-width
spaces, soft hyphens) dropped, each run of white space one space. Spans map back to the
original, so everything else stays exactly as posted. Overlapping spans are redacted together
under the label of the longest (if equally long, in the order of :data:`LABELS`: so
``0123456789`` is a ``[phone]``).

Known limits: names without a cue or title ("Hi Grace", "Nurse Jones"), a capitalised name
that is a stop word after a title (``Mrs Will``), lower-case names ending in -ing after "miss",
addresses other than postcodes, a year of birth alone, non-UK numbers without ``+44`` and
identifiers spelt out in words are missed; ten or more single digits in a list are hidden. The
output is plain text for a table cell (never HTML or Markdown), so hostile text stays inert.

Work per post is capped: only the first :data:`MAX_CHARS` characters are redacted and shown,
the rest is dropped with :data:`TRUNCATED` (at a space; an identifier across the cut is hidden
whole), and no pattern backtracks without bound, so a hostile megabyte costs what 5,000
characters cost (tests/test_redact.py times it). Speed: the engine is built once per process
(:func:`analyzer`); only the entities whose cheap gate a text passes are looked for, and most
posts pass none (:func:`_candidates`); answers are cached, as a page redacts the same rows on
every rerun. :func:`evaluate_redaction` scores a labelled set (tests/data/redaction/cases.csv).
"""
from __future__ import annotations

import csv
import functools
import json
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import regex

from ui import names

EMAIL = "[email]"
HANDLE = "[@handle]"
DATE_OF_BIRTH = "[date of birth]"
NHS_NUMBER = "[NHS number]"
PHONE = "[phone]"
POSTCODE = "[postcode]"
NAME = "[name]"
MAX_CHARS = 5_000  # a post is redacted (and shown) up to here; the rest is dropped
TRUNCATED = "…[truncated]"
_MARGIN = 200  # read past a cut, so an identifier across it is found and hidden whole

# presidio entity -> label, in order of precedence when overlapping spans are equally long.
LABELS = {
    "EMAIL_ADDRESS": EMAIL,
    "SOCIAL_HANDLE": HANDLE,
    "DATE_OF_BIRTH": DATE_OF_BIRTH,
    "PHONE_NUMBER": PHONE,
    "UK_NHS": NHS_NUMBER,
    "UK_POSTCODE": POSTCODE,
    "PERSON": NAME,
}
_PRECEDENCE = {entity: i for i, entity in enumerate(LABELS)}

# --- normalisation ----------------------------------------------------------------------------

_ODD_SPACE = regex.compile(r"[^\S ]|  |\p{Cf}")  # a text without these that NFKC leaves alone is normal
_ASCII_ODD_SPACE = re.compile(r"[^\S ]|  ")  # the same for ASCII text (which has no format characters)
_TOKEN = regex.compile(r"(?P<ascii>[\x21-\x7e]+(?!\p{M}))|(?P<space>[\s\p{Cf}]+)|\X")


def normalise(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """``(normal, starts, ends)``: NFKC, format characters dropped, white space runs as one
    space; ``normal[i]`` came from ``text[starts[i]:ends[i]]`` (both None: nothing changed)."""
    if (not _ASCII_ODD_SPACE.search(text) if text.isascii() else
            not _ODD_SPACE.search(text) and unicodedata.is_normalized("NFKC", text)):
        return text, None, None
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for token in _TOKEN.finditer(text):
        a, b = token.span()
        piece = token.group()
        if token.lastgroup == "ascii":  # printable ASCII: as it is
            starts.extend(range(a, b))
            ends.extend(range(a + 1, b + 1))
        else:
            if token.lastgroup == "space":  # one space, or nothing for format characters only
                piece = " " if any(c.isspace() for c in piece) else ""
            else:  # one character with its combining marks ("¨" becomes " ̈")
                piece = unicodedata.normalize("NFKC", piece)
            if piece[:1] == " " and parts and parts[-1][-1:] == " ":
                piece = piece.lstrip(" ")  # still one space between words
            starts.extend([a] * len(piece))
            ends.extend([b] * len(piece))
        if piece:
            parts.append(piece)
    return "".join(parts), starts, ends


# --- patterns (run on normalised text: one space between words) -------------------------------

_DASH = r"\-‐‑‒–—−"
_GAP = rf"\)?\ ?[./{_DASH}]?\ ?\(?"  # between two digits of an NHS number: space, mark, bracket
_NHS_ANY = (rf"(?<!\d)(?<!\d[./:{_DASH}])\d(?:{_GAP}\d){{9}}(?!\d)(?![./:{_DASH}]\d)")
_UK_PHONE = (rf"(?<![\w+])(?<!\d[/.:{_DASH}])(?!0\d?[/.{_DASH}]\d\d?[/.{_DASH}]\d{{2,4}}\b)"  # not a date: 01/02/2025
             rf"(?:(?:\+|00)\ ?44\ ?[.{_DASH}]?\ ?(?:\(0\)\ ?)?|\(?0)"
             rf"\d(?:\ ?[./{_DASH})]?\ ?\(?\d){{7,11}}(?!\d)(?![./:{_DASH}]\d)")
_POSTCODE = (r"\b(?:[A-PR-UWYZ](?:[0-9][0-9A-HJKPSTUW]?|[A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)"
             rf"\ ?[.{_DASH}]\ ?[0-9][ABD-HJLNP-UW-Z]{{2}})\b")  # LS1-4AP (presidio: LS1 4AP)
_EMAIL_WORDS = (r"\b[\w.+\-]{1,64}\ ?[\[({]\ ?at\ ?[\])}]\ ?[\w\-]{1,63}"
                r"(?:\ ?(?:[\[({]\ ?dot\ ?[\])}]|\.)\ ?[\w\-]{1,63}){1,6}\b")
_HANDLE = (r"(?<![\w@])@[A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,99}[A-Za-z0-9_])?"
           r"(?:@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){1,8})?")
_NOT_PROFILES = ("i|home|search|explore|hashtag|intent|share|sharer|settings|login|signup|privacy|tos|"
                 "notifications|messages|compose|groups|pages|events|watch|reel|reels|p|stories|about|"
                 "help|legal|policies|business|ads|people|public|marketplace|gaming|shorts|channel|c|"
                 "results|feed|tags|profile\\.php|photo\\.php|permalink\\.php|story\\.php|l\\.php|in")
_PROFILE_LINK = (r"(?<![\w\-.])(?:(?:www|mobile|web|old|new|[a-z]{1,2})\.)?"  # not developers.facebook.com
                 r"(?:(?:(?:x|twitter|instagram|facebook|fb|threads|tiktok|youtube)\.com|threads\.net)"
                 r"(?:/(?:user|c|channel))?|linkedin\.com/in|reddit\.com/u(?:ser)?|bsky\.app/profile"
                 r"|[\w\-]{1,63}(?:\.[\w\-]{1,63}){1,4}/users)/\K"
                 rf"(?!(?:{_NOT_PROFILES})(?![\w.\-]))@?[\w.\-:]{{1,100}}")  # \K: the span starts there
_PROFILE_ID = r"\bfacebook\.com/profile\.php\?id=\K\d{1,20}"
_REDDIT_USER = r"(?<![\w/.:@])/?u/[\w\-]{3,40}"
_DID = r"\bdid:(?:plc:[a-z2-7]{24}|web:[\w.\-]{3,100})"

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_SEP = rf"(?:\ ?[/.{_DASH}]\ ?|\ )"
_WRITTEN = rf"(?:{_DAY}(?:\ of)?[\ {_DASH}]{_MONTH}\.?,?[\ {_DASH}]|{_MONTH}\.?\ {_DAY},?\ )"
_DATE = (rf"(?:\d{{1,2}}{_SEP}\d{{1,2}}{_SEP}(?:\d{{4}}|\d{{2}})|\d{{4}}{_SEP}\d{{1,2}}{_SEP}\d{{1,2}}"
         rf"|\d{{8}}|\d{{6}}|{_WRITTEN}['’]?(?:\d{{4}}|\d{{2}}))(?!\d)")
_DOB_CUE_TEXT = (r"\b(?:d\.?\ ?o\.?\ ?b\b\.?|date\ of\ birth|birth\ ?(?:day|date)|born)"
                 rf"(?:[\ :=,{_DASH}]|\b(?:is|was|on|the)\b){{0,8}}")
_DOB_AFTER_CUE = _DOB_CUE_TEXT + _DATE
_DATE_1900S = (rf"(?<![\d/.{_DASH}])(?:\d{{1,2}}{_SEP}\d{{1,2}}{_SEP}19\d{{2}}"
               rf"|19\d{{2}}[/.{_DASH}]\d{{1,2}}[/.{_DASH}]\d{{1,2}}|{_WRITTEN}19\d{{2}})(?![\d/.{_DASH}])")

_DOB_CUE = regex.compile(_DOB_CUE_TEXT, regex.IGNORECASE)

# Which entities a text may hold: each gate is cheap and matches whenever a recogniser of that
# entity could (tests/test_redact.py: the gates never change an answer). Only those entities'
# recognisers run, and a text that passes no gate (most posts) skips the analysis.
_SEVEN_DIGITS = re.compile(r"\d(?:\D{0,6}\d){6}")  # every phone or NHS number has 7 or more
_GATES = {
    "EMAIL_ADDRESS": re.compile(r"@|[\[({] ?at ?[\])}]", re.IGNORECASE),
    "SOCIAL_HANDLE": re.compile(r"@|u/|\.(?:com|net|app)/|/users/|did:", re.IGNORECASE),
    "DATE_OF_BIRTH": re.compile(r"19\d\d|d\.? ?o\.? ?b|birth|born", re.IGNORECASE),
    "PHONE_NUMBER": _SEVEN_DIGITS,
    "UK_NHS": _SEVEN_DIGITS,
    "UK_POSTCODE": re.compile(r"[^\W\d_]\d|gir", re.IGNORECASE),
    "PERSON": names.GATE,
}


def _candidates(text: str) -> list[str]:
    """The entities whose gate ``text`` passes."""
    return [entity for entity, gate in _GATES.items() if gate.search(text)]


def _after(cue: regex.Pattern):
    """A trim that keeps the cue at the start of a match out of the span."""
    def trim(text: str, start: int, end: int):
        found = cue.match(text, start, end)
        return (found.end(), end) if found else (start, end)
    return trim


# --- the engine -------------------------------------------------------------------------------

def _build():
    """The analyzer: presidio's no-op NLP engine (no model to load) and only the recognisers
    in the module notes."""
    import tldextract
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NoOpNlpEngine
    from presidio_analyzer.predefined_recognizers import (EmailRecognizer, NhsRecognizer,
                                                           PhoneRecognizer, UkPostcodeRecognizer)

    # tldextract's default fetches the public-suffix list from the internet on first use;
    # this one reads only the snapshot bundled with the package and writes no cache.
    offline_suffixes = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)

    class OfflineEmailRecognizer(EmailRecognizer):
        def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):
            return super().analyze(text, entities, nlp_artifacts, regex_flags) if "@" in text else []

        def validate_result(self, pattern_text: str):
            return offline_suffixes(pattern_text.rsplit("@", 1)[-1]).fqdn != ""

    class TrimmedRecognizer(PatternRecognizer):
        """A PatternRecognizer whose spans are narrowed (or dropped) by ``trim``."""

        def __init__(self, entity: str, patterns: list[tuple[str, str]], trim=None,
                     flags: int = regex.DOTALL | regex.MULTILINE | regex.IGNORECASE):
            super().__init__(supported_entity=entity, name=f"radsome_{entity.lower()}",
                             patterns=[Pattern(name, pattern, 0.85) for name, pattern in patterns],
                             supported_language="en", global_regex_flags=flags, context=[])
            self._trim = trim

        def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):
            kept = []
            for result in super().analyze(text, entities, nlp_artifacts, regex_flags):
                span = self._trim(text, result.start, result.end) if self._trim else (result.start, result.end)
                if span and span[1] > span[0]:
                    result.start, result.end = span
                    kept.append(result)
            return kept

    case_sensitive = regex.DOTALL | regex.MULTILINE
    recognizers = [
        NhsRecognizer(),
        TrimmedRecognizer("UK_NHS", [("any 10-digit run", _NHS_ANY)]),
        PhoneRecognizer(supported_regions=("GB",)),
        TrimmedRecognizer("PHONE_NUMBER", [("UK phone shape", _UK_PHONE)]),
        OfflineEmailRecognizer(),
        TrimmedRecognizer("EMAIL_ADDRESS", [("address in words", _EMAIL_WORDS)]),
        UkPostcodeRecognizer(),
        TrimmedRecognizer("UK_POSTCODE", [("postcode with a mark", _POSTCODE)]),
        TrimmedRecognizer("SOCIAL_HANDLE", [("handle", _HANDLE), ("profile link", _PROFILE_LINK),
                                            ("facebook id", _PROFILE_ID), ("reddit user", _REDDIT_USER),
                                            ("bluesky DID", _DID)]),
        TrimmedRecognizer("DATE_OF_BIRTH", [("date after a cue", _DOB_AFTER_CUE),
                                            ("date in the 1900s", _DATE_1900S)], _after(_DOB_CUE)),
        TrimmedRecognizer("PERSON", [("name after my name is", names.NAME_AFTER_CUE)], names.names_after(names.NAME_CUE),
                          flags=case_sensitive),
        TrimmedRecognizer("PERSON", [("name after I'm", names.NAME_AFTER_IM)], names.names_after(names.IM_CUE),
                          flags=case_sensitive),
        TrimmedRecognizer("PERSON", [("name after a title", names.TITLED_NAME)], names.titled_name,
                          flags=case_sensitive),
        TrimmedRecognizer("PERSON", [("name introduced by a cue", names.INTRODUCED)], names.introduced_name,
                          flags=case_sensitive),
    ]
    registry = RecognizerRegistry(recognizers=recognizers, supported_languages=["en"])
    engine = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "no_op"}])
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])


_ENGINE = None
_ENGINE_LOCK = threading.Lock()


def analyzer():
    """The presidio AnalyzerEngine, built once per process (on first use; thread-safe)."""
    global _ENGINE
    if _ENGINE is None:
        with _ENGINE_LOCK:
            if _ENGINE is None:
                _ENGINE = _build()
    return _ENGINE


def spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, label)`` of each identifier in ``text`` (its first MAX_CHARS + margin
    characters), in order, not overlapping, as positions in ``text`` itself: the analysis
    runs on the normalised text and maps back. Overlapping findings are merged into one span
    under the label of the longest finding (ties: the order of :data:`LABELS`)."""
    return _find(text[:MAX_CHARS + _MARGIN])


def _find(text: str) -> list[tuple[int, int, str]]:
    """:func:`spans` of all of ``text``: callers pass at most MAX_CHARS + 2 margins."""
    normal, starts, ends = normalise(text) if text else ("", None, None)
    entities = _candidates(normal) if normal else []
    if not entities:
        return []
    found = sorted(((r.start, r.end, r.entity_type) for r in analyzer().analyze(normal, "en", entities)
                    if r.entity_type in LABELS), key=lambda s: (s[0], -s[1]))
    merged: list[list] = []  # [start, end, best (length, -precedence), label]
    for start, end, entity in found:
        rank = (end - start, -_PRECEDENCE[entity])
        if merged and start < merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], end)
            if rank > last[2]:
                last[2], last[3] = rank, LABELS[entity]
        else:
            merged.append([start, end, rank, LABELS[entity]])
    if starts is None:
        return [(start, end, label) for start, end, _, label in merged]
    mapped: list[tuple[int, int, str]] = []
    for start, end, _, label in merged:  # two spans may meet inside one character ("ﬁ" -> "fi")
        start, end = starts[start], ends[end - 1]
        if mapped and start < mapped[-1][1]:
            start = mapped.pop()[0]
        mapped.append((start, end, label))
    return mapped


# --- redacting --------------------------------------------------------------------------------

def redact(text) -> str:
    """``text`` with identifiers replaced by labels (see the module notes), cut after
    :data:`MAX_CHARS` characters. None -> ""."""
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    return _redacted(text[:MAX_CHARS + _MARGIN], len(text) > MAX_CHARS)


@functools.lru_cache(maxsize=20_000)
def _redacted(head: str, cut: bool) -> str:
    """Cached (on at most MAX_CHARS + margin characters): a page redacts the same rows again
    on every rerun."""
    found = spans(head)
    lo, hi = _window(head, found, 0, MAX_CHARS if cut else len(head), cut)
    return _render(head, found, lo, hi) + (TRUNCATED if cut else "")


def _window(text: str, found, lo: int, hi: int, cut_end: bool) -> tuple[int, int]:
    """``[lo, hi)`` moved to white space near a cut (no part of a word shows), then widened
    over any identifier it would split (which is then hidden whole)."""
    if lo > 0:
        space = text.find(" ", lo, lo + 50)
        lo = space + 1 if space >= 0 else lo
    if cut_end:
        space = text.rfind(" ", max(lo, hi - 50), hi)
        hi = space if space > lo else hi
    for start, end, _ in found:
        if start < lo < end:
            lo = start
        if start < hi < end:
            hi = end
    return lo, hi


def _render(text: str, found, a: int, b: int) -> str:
    """``text[a:b]`` with each identifier inside it replaced by its label."""
    out, at = [], a
    for start, end, label in found:
        if a <= start and end <= b:
            out += [text[at:start], label]
            at = end
    return "".join(out) + text[at:b]


def redact_around(text, start: int, end: int) -> tuple[str, str, str]:
    """``text`` redacted in three parts: before ``start``, from ``start`` to ``end``, and after,
    where the middle is widened to whole identifiers (so an identifier is never split, and a
    highlighted span that holds one shows its label). A long text is cut to MAX_CHARS around
    the span (marked with :data:`TRUNCATED` where cut)."""
    text = "" if text is None else str(text)
    lo = 0 if end <= MAX_CHARS else max(0, start - 500)
    hi = min(len(text), lo + MAX_CHARS)
    offset = max(0, lo - _MARGIN)
    found = [(a + offset, b + offset, label) for a, b, label in _find(text[offset:hi + _MARGIN])]
    lo, hi = _window(text, found, lo, hi, hi < len(text))
    start, end = min(max(start, lo), hi), max(min(end, hi), lo)
    for cut_start, cut_end, _ in found:
        if cut_start < end and cut_end > start:
            start, end = min(start, cut_start), max(end, cut_end)
    return ((TRUNCATED if lo > 0 else "") + _render(text, found, lo, start), _render(text, found, start, end),
            _render(text, found, end, hi) + (TRUNCATED if hi < len(text) else ""))


_SAFE_URL = regex.compile(r"^https?://[^\s\"'<>]+$", regex.IGNORECASE)


def safe_url(url) -> str | None:
    """A link only if it is a plain http(s) URL: a ``javascript:`` or ``data:`` URL from an
    imported file must never become a clickable link."""
    if isinstance(url, str) and _SAFE_URL.match(url.strip()):
        return url.strip()
    return None


# --- evaluation on a labelled set -------------------------------------------------------------

@dataclass
class Score:
    """One category of a labelled set: how many listed identifiers were removed (recall) and
    in how many rows something else was removed too (false redaction)."""
    rows: int = 0
    identifiers: int = 0
    removed: int = 0
    over_redacted_rows: int = 0
    misses: list[str] = field(default_factory=list)  # "id: what survived or what was removed"

    @property
    def recall(self) -> float | None:
        return self.removed / self.identifiers if self.identifiers else None

    @property
    def false_redaction_rate(self) -> float:
        return self.over_redacted_rows / self.rows if self.rows else 0.0


def _over_redacted(text: str, identifiers: list[str], out: str) -> bool:
    """Whether ``out`` lost a word of ``text`` outside the listed identifiers (for a row that
    lists none: whether it changed at all)."""
    if not identifiers:
        return out != text
    kept = text
    for ident in sorted(identifiers, key=len, reverse=True):
        kept = kept.replace(ident, "\0")
    for label in LABELS.values():
        out = out.replace(label, "\0")
    at = 0
    for word in regex.findall(r"\w+", kept):
        at = out.find(word, at)
        if at < 0:
            return True
        at += len(word)
    return False


def evaluate_redaction(path, redactor=None) -> dict[str, Score]:
    """Per category of the labelled CSV at ``path`` (columns id, text, identifiers as a JSON
    list of substrings that must not survive, category): recall and false-redaction rate of
    ``redactor`` (default :func:`redact`). A bad row raises ValueError naming file, line, field."""
    redactor = redactor or redact
    report: dict[str, Score] = {}
    with Path(path).open(newline="", encoding="utf-8") as f:
        rows = csv.DictReader(f)
        missing = {"id", "text", "identifiers", "category"} - set(rows.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: line 1: missing column(s) {sorted(missing)}")
        for row in rows:
            where = f"{path}: line {rows.line_num}"
            try:
                identifiers = json.loads(row["identifiers"])
            except (TypeError, json.JSONDecodeError) as e:
                raise ValueError(f"{where}: field 'identifiers': not a JSON list ({e})") from None
            if not isinstance(identifiers, list) or not all(isinstance(i, str) and i and i in row["text"]
                                                             for i in identifiers):
                raise ValueError(f"{where}: field 'identifiers': each must be a substring of 'text'")
            out = redactor(row["text"])
            score = report.setdefault(row["category"], Score())
            score.rows += 1
            score.identifiers += len(identifiers)
            survived = [i for i in identifiers if i in out]
            score.removed += len(identifiers) - len(survived)
            score.misses += [f"{row['id']}: {i!r} survived" for i in survived]
            if _over_redacted(row["text"], identifiers, out):
                score.over_redacted_rows += 1
                score.misses.append(f"{row['id']}: over-redacted: {out!r}")
    return report


def format_report(report: dict[str, Score]) -> str:
    """The report as a plain-text table, one category a line, then the totals."""
    lines = [f"{'category':24} {'rows':>5} {'ids':>5} {'recall':>7} {'false red.':>10}"]
    total = Score()
    for name, s in sorted(report.items()):
        recall = "-" if s.recall is None else f"{s.recall:.2f}"
        lines.append(f"{name:24} {s.rows:5} {s.identifiers:5} {recall:>7} {s.false_redaction_rate:10.2f}")
        total.rows, total.identifiers = total.rows + s.rows, total.identifiers + s.identifiers
        total.removed, total.over_redacted_rows = total.removed + s.removed, total.over_redacted_rows + s.over_redacted_rows
    lines.append(f"{'all':24} {total.rows:5} {total.identifiers:5} {total.recall or 0:7.2f} "
                 f"{total.false_redaction_rate:10.2f}")
    return "\n".join(lines)
