"""Redact identifiers from post text before it is shown (DESIGN.md "Privacy").

Public posts about patients are still personal data, so text on screen is redacted by default.
Regular expressions, applied in this order, each replaced by a bracketed label:

===================  =====================================================  ================
identifier           what matches                                           shown as
===================  =====================================================  ================
name                 up to three words after "my name is", "my name's",     ``[name]``
                     "name is" (the first in any case, the others
                     capitalised); after "I'm", "Im", "I am" only
                     capitalised words that are not common English, days
                     or months (``I'm Sarah`` yes, ``I'm Nervous`` no)
email address        ``name@host.tld``                                      ``[email]``
@handle              ``@name``, Mastodon ``@name@host``, Bluesky            ``[@handle]``
                     ``@name.bsky.social`` (not an email, matched first)
date of birth        a date after "DOB", "D.O.B.", "date of birth",         ``[date of birth]``
                     "born (on)", "birthday"; and any numeric date whose
                     year is 1900-1999 (``12/03/1985``, ``1985-03-12``)
phone number         UK numbers: ``07…``, ``01…``, ``02…``, ``03…``, ``08…`` ``[phone]``
                     or ``+44``/``0044`` (with or without ``(0)``), 10-11
                     digits with spaces, hyphens, dots or brackets
NHS number           any other 10 digits not starting with 0, whole or      ``[NHS number]``
                     grouped 3-3-4 by spaces or hyphens (no checksum test:
                     a look-alike is redacted too)
UK postcode          full postcodes (``LS1 4AP``, ``sw1a1aa``), any case    ``[postcode]``
===================  =====================================================  ================

Known limits: names not introduced by those phrases, addresses other than postcodes and
identifiers spelt out in words are not found. The output is plain text for a table cell (never
HTML or Markdown): hostile text stays inert because it is only ever displayed as text.
Every pattern is linear (no nested repetition), so long texts cannot make it slow.
"""
from __future__ import annotations

import re

EMAIL = "[email]"
HANDLE = "[@handle]"
DATE_OF_BIRTH = "[date of birth]"
NHS_NUMBER = "[NHS number]"
PHONE = "[phone]"
POSTCODE = "[postcode]"
NAME = "[name]"

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_DATE = (r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}"  # 12/03/1985, 12-3-85
         r"|\d{4}-\d{1,2}-\d{1,2}"  # 1985-03-12
         r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"\.?,?\s+\d{2,4}"  # 12th March 1985
         r"|" + _MONTH + r"\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{2,4})")  # March 12, 1985
_NOT_NAMES = {  # capitalised words that follow "I'm" / "I am" but are not names
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

_PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"(?<![\w.+\-@])[\w.+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){1,8}"), EMAIL),
    (re.compile(r"(?<![\w@])@[A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,99}[A-Za-z0-9_])?"
                r"(?:@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){1,8})?"), HANDLE),
    (re.compile(r"(?i)\b(?:d\.?o\.?b\b\.?|date\s+of\s+birth|birth\s*day|born(?:\s+on)?)"
                r"(?:\s*(?:is|was|=|:|-)?\s*)" + _DATE), None),  # keeps the cue (see _dob)
    (re.compile(r"(?i)(?<![\d/.\-])(?:\d{1,2}[/.\-]\d{1,2}[/.\-]19\d{2}|19\d{2}-\d{1,2}-\d{1,2}"
                r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"\.?,?\s+19\d{2})(?![\d/.\-])"), DATE_OF_BIRTH),
    (re.compile(r"(?<![\w+])(?:(?:\+|00)44[\s.\-]?(?:\(0\)[\s.\-]?)?|\(?0)"
                r"\d{2,4}\)?(?:[\s.\-]?\d){6,8}(?!\d)"), PHONE),
    (re.compile(r"(?<![\d+])[1-9]\d{2}[ \-]?\d{3}[ \-]?\d{4}(?!\d)"), NHS_NUMBER),
    (re.compile(r"(?i)(?<![A-Za-z0-9])(?:GIR\s?0AA|[A-Z]{1,2}\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])"),
     POSTCODE),
]
_DOB_CUE = re.compile(r"(?i)^(?:d\.?o\.?b\b\.?|date\s+of\s+birth|birth\s*day|born(?:\s+on)?)(?:\s*(?:is|was|=|:|-)?\s*)")
_NAME_WORD = r"[A-Z][a-z'\-]{1,30}"
_NAME_CUE = r"\b(?:my\s+name\s+is|my\s+name's|my\s+name’s|name\s+is|names\s+is)\s+"
_NAME_AFTER_CUE = re.compile(r"(?i:" + _NAME_CUE + r")(?i:[a-z][a-z'’\-]{1,30})(?:\s+" + _NAME_WORD + r"){0,2}")
_NAME_AFTER_IM = re.compile(r"(?i:\b(?:i'm|i’m|im|i\s+am))\s+(" + _NAME_WORD
                            + r"(?:\s+" + _NAME_WORD + r"){0,2})")


def _dob(match: re.Match) -> str:
    cue = _DOB_CUE.match(match.group(0))
    return (cue.group(0) if cue else "") + DATE_OF_BIRTH


def _name_after_cue(match: re.Match) -> str:
    text = match.group(0)
    cue = re.match(r"(?i)" + _NAME_CUE, text)
    return text[:cue.end()] + NAME


def _name_after_im(match: re.Match) -> str:
    """Keep the capitalised words up to the first common word: 'I'm Sarah Worried' -> name
    'Sarah'; nothing when the first word is common ('I'm Nervous')."""
    end = None
    for word in re.finditer(r"\S+", match.group(1)):
        if word.group(0).lower() in _NOT_NAMES:
            break
        end = word.end()
    if end is None:
        return match.group(0)
    start = match.start(1) - match.start(0)
    return match.group(0)[:start] + NAME + match.group(1)[end:]


def redact(text) -> str:
    """``text`` with identifiers replaced by labels (see the module notes). None -> ""."""
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    text = _NAME_AFTER_CUE.sub(_name_after_cue, text)
    text = _NAME_AFTER_IM.sub(_name_after_im, text)
    for pattern, label in _PATTERNS:
        text = pattern.sub(_dob if label is None else label, text)
    return text


_SAFE_URL = re.compile(r"^https?://[^\s\"'<>]+$", re.IGNORECASE)


def safe_url(url) -> str | None:
    """A link only if it is a plain http(s) URL: a ``javascript:`` or ``data:`` URL from an
    imported file must never become a clickable link."""
    if isinstance(url, str) and _SAFE_URL.match(url.strip()):
        return url.strip()
    return None
