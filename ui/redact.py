"""Redact identifiers from post text before it is shown or exported (DESIGN.md "Privacy").

Public posts about patients are still personal data, so text on screen and in downloads is
redacted by default. The finding is done by presidio-analyzer's pattern recognisers (no
language model: its no-op NLP engine), plus recognisers of our own (presidio
``PatternRecognizer`` subclasses) for what presidio lacks. Each span found becomes a label:

===================  =====================================================  ================
identifier           what is found (recogniser)                             shown as
===================  =====================================================  ================
name                 up to three words after "my name is", "my name's",     ``[name]``
                     "name is" (the first in any case, the others
                     capitalised); after "I'm", "Im", "I am" only
                     capitalised words that are not common English, days
                     or months (``I'm Sarah`` yes, ``I'm Nervous`` no); a
                     capitalised name after a title (``Mrs Hughes``,
                     ``Dr A. Khan``): the cue or title is kept (ours)
email address        ``name@host.tld`` whose domain ends in a public         ``[email]``
                     suffix (presidio ``EmailRecognizer``, checked against
                     tldextract's bundled suffix list: never downloaded)
@handle              ``@name``, Mastodon ``@name@host``, Bluesky            ``[@handle]``
                     ``@name.bsky.social`` (ours; wins over an email
                     found inside it)
date of birth        a date after "DOB", "D.O.B.", "date of birth",         ``[date of birth]``
                     "born (on)", "birthday" (the cue is kept); and any
                     numeric date whose year is 1900-1999
                     (``12/03/1985``, ``1985-03-12``) (ours)
phone number         numbers libphonenumber accepts as valid for GB         ``[phone]``
                     (presidio ``PhoneRecognizer``, region GB), and any
                     UK-shaped number it does not list (``07…``, ``01…``,
                     ``02…``, ``03…``, ``08…`` or ``+44``/``0044``, 10-11
                     digits with spaces, hyphens, dots or brackets, e.g.
                     Ofcom's ``07700 900…`` range) (ours)
NHS number           10 digits, whole or grouped 3-3-4 by spaces or         ``[NHS number]``
                     hyphens, that pass the NHS Modulus 11 check (presidio
                     ``NhsRecognizer``)
UK postcode          full postcodes (``LS1 4AP``, ``sw1a1aa``), any case    ``[postcode]``
                     (presidio ``UkPostcodeRecognizer``)
===================  =====================================================  ================

Where spans overlap they are redacted together, under the label of the longest finding (if
equally long: email, @handle, date of birth, phone, NHS number, postcode, name). A 10-digit number that fails the NHS
check is not an NHS number: it is left as it is (a booking reference, say) unless it is shaped
like a UK phone number (starts with 0), when it is redacted as ``[phone]``.

Known limits: names not introduced by those phrases or a title, addresses other than
postcodes, NHS numbers mistyped (so failing the check) and identifiers spelt out in words are
not found. The output is plain text for a table cell (never HTML or Markdown): hostile text
stays inert because it is only ever displayed as text. Every pattern is linear (no nested
repetition), so long texts cannot make it slow.

Speed: the engine is built once per process (:func:`analyzer`). Texts with no digit, no "@"
and no name cue cannot hold any of the identifiers above, so they skip the analysis
(:func:`_may_hold_identifier`), and answers are cached, since a page redacts the same rows again
on every rerun: that keeps a 5,000-row Explore table quick.
"""
from __future__ import annotations

import functools
import re
import threading

EMAIL = "[email]"
HANDLE = "[@handle]"
DATE_OF_BIRTH = "[date of birth]"
NHS_NUMBER = "[NHS number]"
PHONE = "[phone]"
POSTCODE = "[postcode]"
NAME = "[name]"

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

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_DATE = (r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}"  # 12/03/1985, 12-3-85
         r"|\d{4}-\d{1,2}-\d{1,2}"  # 1985-03-12
         r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"\.?,?\s+\d{2,4}"  # 12th March 1985
         r"|" + _MONTH + r"\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{2,4})")  # March 12, 1985
_NOT_NAMES = {  # capitalised words that follow "I'm" / "I am" / a title but are not names
    "a", "about", "absolutely", "actually", "afraid", "after", "all", "also", "always", "an",
    "and", "anxious", "at", "away", "back", "being", "but", "called", "concerned", "confused",
    "currently", "definitely", "desperate", "due", "especially", "fine", "for", "from",
    "getting", "glad", "going", "good", "grateful", "happy", "having", "here", "hoping", "how",
    "in", "it", "just", "literally", "looking", "me", "my", "nervous", "new", "no", "not", "now",
    "of", "ok", "okay", "on", "only", "over", "petrified", "pregnant", "pretty", "quite",
    "ready", "really", "relieved", "scared", "so", "sorry", "still", "struggling", "sure",
    "terrified", "thankful", "thanks", "that", "the", "there", "this", "tired", "to", "told",
    "too", "trying", "unable", "unsure", "upset", "very", "waiting", "what", "when", "why",
    "with", "worried", "yes", "your",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "english", "british", "welsh", "scottish", "irish",
    "nhs", "type", "stage", "over", "under", "booked", "having", "breastfeeding", "diabetic",
}

_HANDLE = (r"(?<![\w@])@[A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,99}[A-Za-z0-9_])?"
           r"(?:@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){1,8})?")
_DOB_CUE_TEXT = r"(?:d\.?o\.?b\b\.?|date\s+of\s+birth|birth\s*day|born(?:\s+on)?)(?:\s*(?:is|was|=|:|-)?\s*)"
_DOB_AFTER_CUE = r"(?i)\b" + _DOB_CUE_TEXT + _DATE
_DATE_1900S = (r"(?i)(?<![\d/.\-])(?:\d{1,2}[/.\-]\d{1,2}[/.\-]19\d{2}|19\d{2}-\d{1,2}-\d{1,2}"
               r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"\.?,?\s+19\d{2})(?![\d/.\-])")
_DOB_CUE = re.compile(r"(?i)" + _DOB_CUE_TEXT)
_UK_PHONE = (r"(?<![\w+])(?:(?:\+|00)44[\s.\-]?(?:\(0\)[\s.\-]?)?|\(?0)"
             r"\d{2,4}\)?(?:[\s.\-]?\d){6,8}(?!\d)")
_NAME_WORD = r"[A-Z][a-z'\-]{1,30}"
_NAME_CUE_TEXT = r"\b(?:my\s+name\s+is|my\s+name's|my\s+name’s|name\s+is|names\s+is)\s+"
_NAME_AFTER_CUE = r"(?i:" + _NAME_CUE_TEXT + r")(?i:[a-z][a-z'’\-]{1,30})(?:\s+" + _NAME_WORD + r"){0,2}"
_NAME_CUE = re.compile(r"(?i)" + _NAME_CUE_TEXT)
_IM_CUE_TEXT = r"(?i:\b(?:i'm|i’m|im|i\s+am))\s+"
_NAME_AFTER_IM = _IM_CUE_TEXT + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r"){0,2}"
_IM_CUE = re.compile(_IM_CUE_TEXT)
_TITLE_TEXT = r"\b(?:Mrs|Mr|Ms|Miss|Mx|Dr|Prof)\b\.?\s+"
_TITLED_NAME = _TITLE_TEXT + r"(?:[A-Z]\.?\s+){0,2}" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r")?"
_TITLE = re.compile(_TITLE_TEXT)
_INITIAL = re.compile(r"[A-Z]\.?")
_CASE_SENSITIVE = re.DOTALL | re.MULTILINE  # presidio's default adds IGNORECASE

# A text that matches none of these cannot hold any identifier above: every pattern needs a
# digit or "@", or starts with a name cue or title. Kept in step with the recognisers by
# tests/test_redact.py (the prefilter never changes an answer).
_MAY_HOLD = re.compile(r"[\d@]|(?i:" + _NAME_CUE_TEXT + r")|" + _IM_CUE_TEXT + r"[A-Z]|" + _TITLE_TEXT)


def _may_hold_identifier(text: str) -> bool:
    return _MAY_HOLD.search(text) is not None


def _after(cue: re.Pattern):
    """A trim that keeps the cue at the start of a match out of the span."""
    def trim(text: str, start: int, end: int):
        found = cue.match(text, start, end)
        return (found.end(), end) if found else (start, end)
    return trim


def _names_after(cue: re.Pattern):
    """A trim to the capitalised words after ``cue`` up to the first common word: 'I'm Sarah
    Worried' -> 'Sarah'; nothing when the first word is common ('I'm Nervous')."""
    def trim(text: str, start: int, end: int):
        found = cue.match(text, start, end)
        begin = found.end() if found else start
        stop = None
        for word in re.finditer(r"\S+", text[begin:end]):
            initial = _INITIAL.fullmatch(word.group(0)) is not None  # "Dr A. Khan"
            if not initial and word.group(0).lower() in _NOT_NAMES:
                break
            stop = begin + word.end()
        return (begin, stop) if stop is not None else None
    return trim


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
        def validate_result(self, pattern_text: str):
            return offline_suffixes(pattern_text.rsplit("@", 1)[-1]).fqdn != ""

    class TrimmedRecognizer(PatternRecognizer):
        """A PatternRecognizer whose spans are narrowed (or dropped) by ``trim``."""

        def __init__(self, entity: str, patterns: list[tuple[str, str]], trim=None,
                     flags: int = re.DOTALL | re.MULTILINE | re.IGNORECASE):
            super().__init__(supported_entity=entity, name=f"radsome_{entity.lower()}",
                             patterns=[Pattern(name, regex, 0.85) for name, regex in patterns],
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

    recognizers = [
        NhsRecognizer(),
        PhoneRecognizer(supported_regions=("GB",)),
        TrimmedRecognizer("PHONE_NUMBER", [("UK phone shape", _UK_PHONE)]),
        OfflineEmailRecognizer(),
        UkPostcodeRecognizer(),
        TrimmedRecognizer("SOCIAL_HANDLE", [("handle", _HANDLE)]),
        TrimmedRecognizer("DATE_OF_BIRTH", [("date after a cue", _DOB_AFTER_CUE),
                                            ("date in the 1900s", _DATE_1900S)], _after(_DOB_CUE)),
        TrimmedRecognizer("PERSON", [("name after my name is", _NAME_AFTER_CUE)], _after(_NAME_CUE),
                          flags=_CASE_SENSITIVE),
        TrimmedRecognizer("PERSON", [("name after I'm", _NAME_AFTER_IM)], _names_after(_IM_CUE),
                          flags=_CASE_SENSITIVE),
        TrimmedRecognizer("PERSON", [("name after a title", _TITLED_NAME)], _names_after(_TITLE),
                          flags=_CASE_SENSITIVE),
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
    """``(start, end, label)`` of each identifier in ``text``, in order, not overlapping:
    overlapping findings are merged into one span under the label of the longest finding
    (ties: the order of :data:`LABELS`)."""
    if not text or not _may_hold_identifier(text):
        return []
    found = sorted(((r.start, r.end, r.entity_type) for r in analyzer().analyze(text, language="en")
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
    return [(start, end, label) for start, end, _, label in merged]


def redact(text) -> str:
    """``text`` with identifiers replaced by labels (see the module notes). None -> ""."""
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    return _redacted(text)


@functools.lru_cache(maxsize=20_000)
def _redacted(text: str) -> str:
    """Cached: a page redacts the same rows again on every rerun."""
    out, at = [], 0
    for start, end, label in spans(text):
        out.append(text[at:start])
        out.append(label)
        at = end
    out.append(text[at:])
    return "".join(out)


def redact_around(text, start: int, end: int) -> tuple[str, str, str]:
    """``text`` redacted in three parts: before ``start``, from ``start`` to ``end``, and after,
    where the middle is widened to whole identifiers (so an identifier is never split, and a
    highlighted span that holds one shows its label). The spans are found in the whole text."""
    text = "" if text is None else str(text)
    cuts = spans(text)
    for cut_start, cut_end, _ in cuts:
        if cut_start < end and cut_end > start:
            start, end = min(start, cut_start), max(end, cut_end)

    def part(a: int, b: int) -> str:
        out, at = [], a
        for cut_start, cut_end, label in cuts:
            if a <= cut_start and cut_end <= b:
                out += [text[at:cut_start], label]
                at = cut_end
        return "".join(out) + text[at:b]

    return part(0, start), part(start, end), part(end, len(text))


_SAFE_URL = re.compile(r"^https?://[^\s\"'<>]+$", re.IGNORECASE)


def safe_url(url) -> str | None:
    """A link only if it is a plain http(s) URL: a ``javascript:`` or ``data:`` URL from an
    imported file must never become a clickable link."""
    if isinstance(url, str) and _SAFE_URL.match(url.strip()):
        return url.strip()
    return None
