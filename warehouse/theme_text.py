"""How the themes of patient questions read a question: words, domain concepts and TF-IDF.

A question becomes a set of *terms*: its content words (lower case, stop words and asking
words dropped, plural "s" folded), with words and phrases that mean the same thing to a
service written as one concept ("antiperspirant", "talc" and "roll-on" are ``deodorant``;
"husband", "my mum" and "someone" are ``companion``; "how long" is ``how_long``), plus each
pair of adjacent terms ("full_bladder", "wear deodorant"). The concepts are data
(:data:`CONCEPTS`, :data:`PHRASES`): transparent, reviewable, and extended by editing this
file (docs/methods.md "What patients ask" says how they were made: from the dev split only).

:class:`Vectoriser` weighs terms by inverse document frequency within one topic's questions
(smoothed as scikit-learn's ``TfidfVectorizer(smooth_idf=True, binary=True)``: a term counts
once per question) and keeps terms used by at least ``min_df`` questions; vectors are unit
length, so a dot product is the cosine similarity. numpy and scipy only: the build needs no
scikit-learn.

Labels are made only of :func:`label_word` terms (health and service words, concepts and a
short list of everyday words): a word that is not one of those (a name, a place, a rare word)
is never shown in a label, however often it was written.
"""
from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

import numpy as np
from scipy import sparse

from warehouse.enrich.question_cues import HEALTH_WORDS, INSTITUTION_WORDS, SERVICE_WORDS

# Words that carry no theme: English function words, and the words people ask, greet, hedge
# and sign off with whatever they ask about.
STOPWORDS = frozenset("""
    a about above after again against all also am an and any anybody anyone anything are aren't as at
    be because been before being below between both but by can can't cannot could couldn't did didn't do
    does doesn't doing don't down during each few for from further get gets getting got had hadn't has
    hasn't have haven't having he he'd he'll he's her here hers herself him himself his how i i'd i'll
    i'm i've if in into is isn't it it'd it'll it's its itself just let's me mine more most much must my
    myself no nor not now of off on once one only or other ought our ours ourselves out over own same
    shall she she'd she'll she's should shouldn't so some such than that that's the their theirs them
    themselves then there there's these they they'd they'll they're they've this those through to too
    under until up upon us very was wasn't we we'd we'll we're we've were weren't what what's when where
    which while who who's whom why will with won't would wouldn't you you'd you'll you're you've your
    yours yourself yourselves im ive dont cant wont isnt didnt doesnt u ur ye ya yer ma
    hi hello hiya hey morning evening afternoon all everyone folks guys anyone anybody someone's
    thanks thank thankyou cheers tia please pls plz advance appreciate appreciated grateful
    help question questions quick silly daft stupid random wondering wonder know knows knew tell
    told say says said ask asking asked sure anyone's advice info information share experience
    experiences hoping hope lol omg tbh x xx xxx ok okay yeah yes really actually honestly genuinely
    bit little lot lots thing things stuff way like well also still even already maybe probably
    want wanted need needed needs going gonna go goes went come comes came make makes made take
    takes taking took think thought feel feeling felt keep kept look looking seem seems else
    anywhere somewhere everything nothing something whether though although etc sorry post posting
    tried trying try new first next last week weeks today tomorrow tmrw yesterday tonight day days
    time times year years month months ago now soon
""".split())

# One word -> the concept it stands for (after lower-casing and folding a plural "s").
CONCEPTS: dict[str, str] = {}


def _concept(name: str, words: str) -> None:
    for word in words.split():
        CONCEPTS[word] = name


_concept("deodorant", "deodorant deoderant deodorants antiperspirant anti-perspirant talc roll-on "
                      "lotion lotions cream creams moisturiser spray tan")
_concept("bra", "bra bras underwire underwired wired")
_concept("clothing", "clothe clothes clothing outfit outfits dress dresses trouser trousers "
                     "legging leggings jeans top gown gowns undress undressing changed skirt")
_concept("jewellery", "jewellery jewelry piercing piercings pierced earring earrings necklace")
_concept("companion", "husband hubby wife partner boyfriend girlfriend mum mam mom mother maw dad father "
                      "daughter son sister brother friend carer someone somebody relative chaperone")
_concept("children", "child children kid kids toddler toddlers childcare")
_concept("pain", "pain painful hurt hurts hurting agony sore soreness uncomfortable discomfort ache aching achy")
_concept("bruise", "bruise bruised bruising bruises")
_concept("painkiller", "paracetamol ibuprofen painkiller painkillers co-codamol")
_concept("period", "period periods menstrual")
_concept("pregnant", "pregnant pregnancy expecting")
_concept("breastfeed", "breastfeed breastfeeding breastfed feeding")
_concept("radiation", "radiation radioactive dose doses")
_concept("contrast", "contrast dye gadolinium")
_concept("results", "result results resutls report reports")
_concept("wait", "wait waiting waited")
_concept("rebook", "rebook rebooking reschedule rearrange rearranging cancel cancelled swap move moved")
_concept("referral", "refer referral referrals referred self-refer")
_concept("parking", "park parking carpark")
_concept("open_hours", "open opening saturday saturdays sunday sundays weekend weekends evenings closes "
                       "closing")
_concept("access", "wheelchair wheelchairs step-free step steps lift accessible accessibility mobility scooter "
                   "hoist")
_concept("adjustments", "autism autistic dementia adjustment adjustments sensory")
_concept("interpreter", "interpreter interpreters translate translation translator language english bsl")
_concept("claustrophobia", "claustrophobic claustrophobia enclosed panic panicking tube")
_concept("sedation", "sedative sedation sedate sedated diazepam")
_concept("tattoo", "tattoo tattoos eyeliner eyeshadow eyelash eyelashes filler fillers makeup microblading")
_concept("device", "pacemaker pacemakers icd defibrillator stimulator pump cgm")
_concept("metal", "metal metalwork plate plates screw screws rod rods titanium shrapnel")
_concept("eat", "eat eating food fast fasting starve nil")
_concept("drink", "drink drinking water coffee tea")
_concept("medicine", "tablet tablets medication medications meds medicine medicines")
_concept("anticoagulant", "anticoagulant anticoagulants warfarin apixaban rivaroxaban thinner thinners")
_concept("biopsy", "biopsy biopsies")
_concept("recall", "recall recalled")
_concept("mammogram", "mammogram mammograms mamogram mammo mammography")
_concept("online", "app online portal website")
_concept("phone", "phone ring ringing rang call calling number voicemail answerphone")
_concept("gp", "gp gps doctor surgery")
_concept("mri", "mri mris")
_concept("xray", "x-ray x-rays xray xrays")
_concept("ct", "ct cat")
_concept("invite", "invite invited invites invitation")
_concept("age", "age old aged")

# Phrases (regular expressions on the lower-cased text) -> a concept word written in their place.
# Each phrase is looked for only in a text that contains its gate (a plain substring test, a
# hundred times cheaper than a regular expression): most questions hold none.
PHRASES: tuple[tuple[str, str, str], ...] = (
    ("ring", r"\b(?:wedding|engagement|nose|belly|tongue|eternity) rings?\b", " jewellery "),
    ("how ", r"\bhow long\b", " how_long "),
    ("how ", r"\bhow many\b", " how_many "),
    ("news", r"\bno news\b", " no_news "),
    ("back", r"\b(?:called|call|calling|asked|sent) (?:me |her |him |them )?back\b", " recall "),
    ("bladder", r"\bfull bladder\b", " full_bladder "),
    ("car park", r"\bcar park\b", " parking "),
    ("drop", r"\bdrop[ -]?off\b", " parking "),
    ("refer", r"\bself[ -]refer\w*", " referral "),
    ("walk", r"\bwalk[ -]in\b", " walk_in "),
    ("dump", r"\bpump and dump\b", " breastfeed "),
    ("thinner", r"\bblood thinner\w*", " anticoagulant "),
    ("make", r"\bmake[ -]?up\b", " tattoo "),
    ("disabilit", r"\blearning disabilit\w*", " adjustments "),
    ("period", r"\bon (?:my|your|her) period\b", " period "),
    ("holiday", r"\bbank holidays?\b", " open_hours "),
    ("app", r"\bnhs app\b", " online "),
    ("history", r"\bfamily history\b", " family_history "),
    ("brca", r"\bbrca\d?\b", " family_history "),
    ("nuclear", r"\bnuclear medicine\b", " nuclear_medicine "),
    ("bone scan", r"\bbone scan\b", " nuclear_medicine "),
    ("screening", r"\bbreast screening\b", " mammogram "),
    ("screening", r"\bscreening (?:van|unit|bus)\b", " mobile_unit "),
    ("mobile", r"\bmobile (?:unit|van)\b", " mobile_unit "),
    ("the van", r"\bthe van\b", " mobile_unit "),
    ("expect", r"\bwhat to expect\b", " what_happens "),
    ("happen", r"\bwhat (?:actually )?happens\b", " what_happens "),
    ("hearing", r"\bhard of hearing\b|\bhearing aids?\b", " hearing_aid "),
)
_CONCEPT_NAMES = frozenset(CONCEPTS.values()) | {r.strip() for _, _, r in PHRASES}
_PHRASES = [(gate, re.compile(p), r) for gate, p, r in PHRASES]
_URL = re.compile(r"https?://\S+|www\.\S+|@[\w.@:-]+")
_TOKEN = re.compile(r"[a-z][a-z0-9_]*(?:['\-][a-z0-9]+)*")  # a concept phrase keeps its "_"
_NO_FOLD = ("ss", "us", "is", "ous", "ics")

# Everyday words a label may show besides health and service words and the concepts.
EVERYDAY_WORDS = frozenset("""
    wear bring drive driving home work eat drink water long early late book booking change open saturday
    weekend evening sunday safe normal worried scared nervous anxious frightened expect happens happen
    size weight age family men women woman man female male trans gender leaflet letter text email
    complaint complain copy copies disc images pictures picture report reports student students travel
    bus taxi cost costs pay private free toilet dog music loud noise noisy cold hot warm taste sick
    flush rash itchy swollen swelling burning headache sleep bed room stay still lie flat lying
    second another again repeat rescan compare both side sides one left right same view views
""".split())


def fold(word: str) -> str:
    """A word's concept, or the word with a plural "s" folded ("scans" -> "scan")."""
    if word in CONCEPTS:
        return CONCEPTS[word]
    if "_" in word or word in _CONCEPT_NAMES:
        return word
    if len(word) > 4 and word.endswith("s") and not word.endswith(_NO_FOLD) and "'" not in word:
        single = word[:-1]
        return CONCEPTS.get(single, single)
    return word


@functools.lru_cache(maxsize=100_000)
def normalise(text: str | None) -> str:
    """Lower case, compatibility forms folded (NFKC), links and @handles dropped, phrases
    written as their concepts, white space collapsed."""
    value = unicodedata.normalize("NFKC", text or "").lower().replace("\u2019", "'")
    if "http" in value or "www." in value or "@" in value:
        value = _URL.sub(" ", value)
    for gate, pattern, replacement in _PHRASES:
        if gate in value:
            value = pattern.sub(replacement, value)
    return " ".join(value.split())


def words(text: str | None) -> list[str]:
    """The question's content words in order, each folded to its concept."""
    out = []
    for token in _TOKEN.findall(normalise(text)):
        if token in STOPWORDS or len(token) < 2 or token.isdigit():
            continue
        word = fold(token.removesuffix("'s"))
        if word and word not in STOPWORDS:
            out.append(word)
    return out


def terms(text: str | None) -> list[str]:
    """The question's terms, each once, sorted: its words and each pair of adjacent words
    ("full_bladder", "wear deodorant"; a pair of one word twice is not a pair)."""
    return list(_terms(text or ""))


@functools.lru_cache(maxsize=100_000)
def _terms(text: str) -> tuple[str, ...]:
    """:func:`terms`, cached: the same answer or question text is often posted many times."""
    found = words(text)
    pairs = {f"{a} {b}" for a, b in zip(found, found[1:]) if a != b}
    return tuple(sorted(set(found) | pairs))


def text_key(text: str | None) -> str:
    """A stable key of what a question says (sha256 of its normalised text): the order in
    which questions are clustered, and the memo key of a question's theme."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def label_word(term: str) -> bool:
    """Whether a term may be shown in a generated label: every word of it is a health or
    service word, a concept or an everyday word (never a name, place or rare word)."""
    allowed = HEALTH_WORDS | INSTITUTION_WORDS | SERVICE_WORDS | EVERYDAY_WORDS | set(CONCEPTS.values())
    return all(w in allowed or "_" in w for w in term.split(" "))


def shown_term(term: str) -> str:
    """A term as a person reads it: 'full_bladder' -> 'full bladder'."""
    return term.replace("_", " ")


# Terms that name the examination rather than what is asked about it ("mammogram", "scan"):
# they still count, at this fraction of their weight, so that "what to wear for a mammogram"
# and "what to wear for an X-ray" stay one theme.
GENERIC_TERMS = frozenset("mammogram scan xray ct mri ultrasound screening appointment hospital "
                          "nhs test exam examination procedure".split())
GENERIC_WEIGHT = 0.5


class Vectoriser:
    """TF-IDF over one topic's questions (binary term frequency, smoothed IDF, unit rows)."""

    def __init__(self, term_lists: list[list[str]], min_df: int = 2):
        counts: dict[str, int] = {}
        for found in term_lists:
            for term in found:
                counts[term] = counts.get(term, 0) + 1
        vocabulary = sorted(t for t, n in counts.items() if n >= min_df)
        self.index = {t: i for i, t in enumerate(vocabulary)}
        self.terms = vocabulary
        n = len(term_lists)
        df = np.array([counts[t] for t in vocabulary], dtype=float)
        self.idf = np.log((1 + n) / (1 + df)) + 1
        generic = np.array([all(w in GENERIC_TERMS for w in t.split(" ")) for t in vocabulary], dtype=bool)
        self.idf[generic] *= GENERIC_WEIGHT

    def transform(self, term_lists: list[list[str]]) -> sparse.csr_matrix:
        rows, cols = [], []
        for r, found in enumerate(term_lists):
            for term in found:
                c = self.index.get(term)
                if c is not None:
                    rows.append(r)
                    cols.append(c)
        matrix = sparse.csr_matrix((self.idf[cols] if cols else np.zeros(0), (rows, cols)),
                                   shape=(len(term_lists), len(self.terms)))
        return unit_rows(matrix)

    def vector(self, weights: dict[str, float]) -> sparse.csr_matrix:
        """A stored term -> weight mapping (a theme's centroid) in this vocabulary, unit length;
        terms the vocabulary lacks are dropped."""
        cols = [self.index[t] for t in sorted(weights) if t in self.index]
        values = [weights[t] for t in sorted(weights) if t in self.index]
        matrix = sparse.csr_matrix((values, ([0] * len(cols), cols)), shape=(1, len(self.terms)))
        return unit_rows(matrix)


def unit_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Each row scaled to unit length (an all-zero row stays zero)."""
    matrix = sparse.csr_matrix(matrix, dtype=float)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1 / norms) @ matrix)
