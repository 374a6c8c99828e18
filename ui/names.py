"""Names in post text: the recognisers of ``[name]`` for :mod:`ui.redact` (a name after a
title, after "my name is" or "I'm", or introduced by a cue such as "Name:", "my nan", "for
Sarah Jones" or a sign-off), and the word lists that say where a name ends.

Patterns find a cue and the words after it; a trim (``titled_name``, ``names_after``,
``introduced_name``) narrows each match to the name, or drops it.
"""
from __future__ import annotations

import regex


_TITLE_WORD = r"(?<![#@/])\b(?:(?i:mrs|mr|miss|dr|prof)|Ms|ms|Mx|mx)\b"  # not "MS" (sclerosis), "#MR"
_TITLE_TEXT = _TITLE_WORD + r"(?:\.\ ?|\ )"
_WORD = r"(?!" + _TITLE_WORD + r")\p{L}[\p{L}\p{M}'’\-]{0,40}"  # "Mrs and Mr Smith": two titles
TITLED_NAME = _TITLE_TEXT + rf"(?:\p{{L}}\.?\ ){{0,2}}{_WORD}(?:\ {_WORD}){{0,3}}"
_NAME_CUE_TEXT = r"(?i:\b(?:my\ name\ is|my\ name['’]s|name\ is|names\ is)\ )"
_CAPITALISED = r"\p{Lu}(?:[\p{Ll}\p{M}]|['’]\p{Lu})[\p{L}\p{M}'’\-]{0,40}"  # Sarah, McKay, O'Neill; not LOL
NAME_AFTER_CUE = _NAME_CUE_TEXT + rf"\p{{L}}[\p{{L}}\p{{M}}'’\-]{{1,40}}(?:\ {_CAPITALISED}){{0,2}}"
_IM_CUE_TEXT = r"(?i:\b(?:i['’]m|im|i\ am))\ "
NAME_AFTER_IM = _IM_CUE_TEXT + rf"{_CAPITALISED}(?:\ {_CAPITALISED}){{0,2}}"
# A name introduced by a cue, without a title (issue #18): "Name: Gwen ap Rhys", "pt name Kwame
# Asante", "my nan Bridget McDonald", "a referral for Sarah Jones", a sign-off "Thanks, Bridget".
# The name is Capitalised words (particles allowed inside) up to the first common word.
_KIN = ("nan|nana|nanna|nain|gran|granny|grandma|grandmother|grandad|grandpa|grandfather|mum|mam|"
        "mom|mummy|mother|dad|daddy|father|son|daughter|wife|husband|partner|neighbour|neighbor|"
        "friend|bestie|sister|brother|sis|aunt|auntie|aunty|uncle|cousin|niece|nephew|"
        "boyfriend|girlfriend|fianc[eé]e?|colleague|patient|client|baby|little one")
_INTRO_CUE_TEXT = (
    r"(?i:\b(?:(?:(?:pt|patient|patient['’]s|pts|pt['’]s|client['’]?s?|full)\ )?names?\ ?[:=\-–—]\ ?"
    r"|(?:pt|patient|patient['’]s|pts|pt['’]s)\ name\ (?:is\ )?"
    rf"|my\ (?:{_KIN})(?:['’]s\ name\ is|\ is\ called|\ called|,)?\ "
    r"|(?:for|from)\ (?-i:(?=\p{Lu}\S*\ \p{Lu}))"  # two Capitalised words after: a full name
    r"|(?:^|[\n.!?]\ ?)(?:many\ thanks|thanks|thank\ you|regards|kind\ regards|best\ wishes|cheers|love"
    r"|best|warm\ regards|yours|sincerely)[,!.]?\ ))")
_PARTICLE = r"(?:ap|ab|ferch|verch|van|von|der|den|de|da|di|du|del|della|la|le|bin|ibn|al|el|ni|nic|mac|o|st)"
INTRODUCED = _INTRO_CUE_TEXT + rf"{_CAPITALISED}(?:\ (?:{_PARTICLE}\ )?{_CAPITALISED}){{0,3}}"
NAME_CUE, IM_CUE, _TITLE = (regex.compile(p) for p in (_NAME_CUE_TEXT, _IM_CUE_TEXT, _TITLE_TEXT))
_INTRO_CUE = regex.compile(_INTRO_CUE_TEXT, regex.MULTILINE)  # as the recogniser: ^ at each line
# ui.redact's cheap test: a text that fails it holds no cue, so no name recogniser can match.
_OTHER_CUES = regex.compile(r"\b(?:mrs|mr|miss|dr|prof|ms|mx|i['’]m|im|i am|names?)\b", regex.IGNORECASE)


class _Gate:
    def search(self, text: str) -> bool:
        return bool(_OTHER_CUES.search(text) or _INTRO_CUE.search(text))


GATE = _Gate()


# --- names: which words after a cue or title are a name ---------------------------------------

# Capitalised words that follow "I'm" or a title but are not names.
_NOT_NAMES = set("""
    a about absolutely actually afraid after all also always an and anxious april at august away
    back being booked breastfeeding british but called concerned confused currently december
    definitely desperate diabetic due english especially february fine for friday from getting
    glad going good grateful happy having here hoping how in irish it january july june just
    literally looking march may me monday my nervous new nhs no not november now october of ok
    okay on only over petrified pregnant pretty quite ready really relieved saturday scared
    scottish september so sorry stage still struggling sunday sure terrified thankful thanks
    that the there this thursday tired to told too trying tuesday type unable under unsure upset
    very waiting wednesday welsh what when why with worried yes your
""".split())
# Lower-case or all-capital words after a title: also every stop word and the words that
# follow "dr" / "miss" as a noun or verb in posts about a visit.
_VISIT_WORDS = set("""
    advice again appointment appointments appt appts asked asks bay called calls clinic
    department dept doctor doctors explained gp having hospital later letter letters loads lots
    mammogram mammograms note nurse nurses office ok okay out practice rang reception
    receptionist recommended referral referred result results room said says scan scans
    screening seeing surgery team tells thinks thought today told tomorrow tonight unit visit
    visits wants ward who wrote x xx xxx yesterday http https www
""".split())
# Lower-case parts of a name: "Dr de Souza", "Mrs van der Merwe".
_PARTICLES = set("""
    al bin da de del della der di du el ibn la le mac ni nic o st ten ter van von ó
""".split())
# Words before "miss" the verb ("I really miss Portugal"), where it is no title.
_MISS_VERB = set("""
    i you we they he she u ya will gonna really do does did don't dont didn't to would could
    should might must can cannot can't never always still so also i'll you'll we'll won't
    definitely truly just i'd we'd totally already not sorely genuinely badly
""".split())
_COMMON = None  # _NOT_NAMES | _VISIT_WORDS | spaCy's English stop words, built on first use
_NAME_STOP = {"a", "an", "and", "or", "the", "of", "to", "in", "at", "on", "for", "from", "with",
              "by", "is", "was", "are", "were", "has", "had", "have", "said", "says", "told",
              "who", "which", "that", "this", "it", "i", "appointment", "appointments", "appt",
              "http", "https", "www"}


def _common() -> set[str]:
    global _COMMON
    if _COMMON is None:
        from spacy.lang.en.stop_words import STOP_WORDS  # a word list only: no model is loaded
        _COMMON = set(STOP_WORDS) | _NOT_NAMES | _VISIT_WORDS
    return _COMMON


def _is_name(word: str, shape: str, title: str) -> bool:
    """Whether ``word`` (of ``shape`` cap/upper/lower) after ``title`` reads as a name."""
    low = word.lower().strip("'’-")
    if shape == "cap":
        return low not in _NAME_STOP
    if title.lower().startswith("miss") and shape == "lower" and low.endswith("ing"):
        return False  # "miss having a GP": the verb
    return low not in _common()


def _shape(word: str) -> str:
    if word[0].isupper():
        return "upper" if len(word) > 1 and word.isupper() else "cap"
    return "lower"


def titled_name(text: str, start: int, end: int):
    """A trim of 'Title [initials] word word word' to the name: words of one shape (Capitalised,
    lower or UPPER) that are not stop words; initials count only before a name."""
    title = _TITLE.match(text, start, end)
    word_before = regex.search(r"([\p{L}'’]+)\W*$", text[max(0, start - 30):start])
    if title.group(0).lower().startswith("miss") and word_before and word_before[1].lower().replace("’", "'") in _MISS_VERB:
        return None  # "I really miss Portugal", "you'll miss Mum": the verb
    at, stop = title.end(), None
    shape = "upper" if title.group(0).rstrip(". ").isupper() else None  # "MRS JONES", not "#MR https"
    for word in regex.finditer(r"\S+", text[at:end]):
        w = word.group(0)
        if shape is None and regex.fullmatch(r"\p{L}\.?", w) and (w[0].isupper() or w.endswith(".")):
            continue  # an initial ("Dr A. Khan"): part of the name if one follows
        if w in _PARTICLES:
            continue  # "van der" in "Mrs van der Merwe": part of the name if one follows
        kind = _shape(w)
        if (shape and kind != shape) or not _is_name(w, kind, title.group(0)):
            break
        shape, stop = kind, at + word.end()
    return (at, stop) if stop is not None else None


# Capitalised words that end an introduced name: places, services, organisations, days, months.
_NOT_IN_NAMES = set("""
    nhs trust hospital hospitals teaching university foundation healthcare health care service services
    screening breast clinic centre center unit ward department dept radiology imaging team group
    general infirmary royal medical council board practice surgery street road lane avenue north
    south east west england wales scotland ireland uk january february march april may june july
    august september october november december monday tuesday wednesday thursday friday saturday
    sunday christmas easter macmillan cancer research support charity mri ct xray x-ray ultrasound
    mammogram scan dr mr mrs ms mx miss prof sir madam doctor nurse team all everyone
""".split())
_WELSH_PARTICLES = {"ap", "ab", "ferch", "verch", "den"}


def introduced_name(text: str, start: int, end: int):
    """A trim of 'cue Name Name' to the name: Capitalised words (particles inside) up to the
    first common word. Nothing when a word of the run names a place, service or organisation
    ("from Leeds Teaching Hospitals", "for Breast Screening") or the first word is common."""
    begin = _INTRO_CUE.match(text, start).end()  # no end: the cue looks ahead past the name
    stop = None
    for word in regex.finditer(r"\S+", text[begin:end]):
        w = word.group(0)
        if stop is not None and w.lower() in _PARTICLES | _WELSH_PARTICLES:
            continue
        low = w.lower().strip("'’-.,!?:;")
        if low in _NOT_IN_NAMES:
            return None
        if low in _common():
            break
        stop = begin + len(w.rstrip(".,!?:;")) + word.start()
    return (begin, stop) if stop is not None else None


def names_after(cue: regex.Pattern):
    """A trim to the words after ``cue`` up to the first common word: 'I'm Sarah Worried' ->
    'Sarah'; nothing when the first word is common ('I'm Nervous', 'my name is not ...')."""
    def trim(text: str, start: int, end: int):
        begin = cue.match(text, start, end).end()
        stop = None
        for word in regex.finditer(r"\S+", text[begin:end]):
            if word.group(0).lower() in _common():
                break
            stop = begin + word.end()
        return (begin, stop) if stop is not None else None
    return trim
