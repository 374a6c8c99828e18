"""Is an author a professional or an organisation, by their own words (bio or post)?

DESIGN.md "Account roles": the account registry always wins (the build applies it); this is
the next step, self-description, with a confidence and the matched span as evidence.

Transparent rules, run in SQL. Before anything is matched, spans that name *someone else's*
profession are blanked out ("my radiographer", "the sonographer was lovely", "daughter is a
radiographer", "student radiographer", "retired mammographer", "a radiographer's wife"), so
they cannot make the author a professional. Then the cues are tried from the most to the least
confident, in the bio before the post; the first that matches decides ``self_role``,
``self_role_confidence`` and ``self_role_evidence`` (the matched span). Job titles and
service names count in a bio only; in a post only the author speaking as a professional
("as a radiographer", "radiographer here", "HCPC registered") counts.
"""
from __future__ import annotations

from typing import NamedTuple

from warehouse.enrich import Cue, identifier, scratch_connection, sql_number, sql_string, union_pattern

VERSION = "roles-1"

# Job titles of registered professionals (singular: "our radiographers" is a team, not a person).
_TITLE = (r"(?:(?:diagnostic|therapeutic|reporting|consultant|superintendent|senior|specialist|advanced practitioner|"
          r"lead|chief|principal|mri|ct|breast|interventional|paediatric|trainee)\s+)?(?:radiographer|mammographer|"
          r"sonographer|radiologist|assistant practitioner|advanced practitioner)")
_TITLE_END = r"(?:[^\w'’-]|$)"
_PEOPLE = (r"(?:daughter|son|wife|husband|mum|mother|mom|dad|father|sister|brother|partner|friend|niece|nephew|mate|"
           r"girlfriend|boyfriend|auntie|aunt|uncle|cousin|neighbour|colleague|fiancée?|gran|nan|grandma|grandad)")

# Spans about someone else's (or a past, future or student) profession: blanked out first.
NOT_SELF_CUES: list[Cue] = [
    Cue("someone_elses", r"(?i)\b(?:my|our|your|his|her|their|the|this|that|a lovely|lovely|amazing|kind|brilliant|fab|"
        r"wonderful|great|fantastic|gentle|every|each|no|any)\s+(?:\w+\s+)?" + _TITLE + r"s?\b", 0.0,
        examples=("my radiographer was so kind", "the radiographer was lovely", "Thank you to the sonographer"),
        counter_examples=("Diagnostic radiographer at Leeds", "As a radiographer I see this a lot")),
    Cue("relative_is_one", r"(?i)\b" + _PEOPLE + r"(?:'s|’s|s)?\s+(?:is|was|works as|became|qualified as)?\s*(?:an?\s+)?"
        r"(?:\w+\s+)?" + _TITLE + r"\b|\b(?:mum|mother|wife|husband|proud \w+|married|engaged|related)\s+(?:of|to)\s+"
        r"(?:an?\s+)?(?:\w+\s+)?" + _TITLE + r"s?\b", 0.0,
        examples=("my daughter is a radiographer", "Proud mum of a sonographer", "married to a radiologist"),
        counter_examples=("Radiographer and mum of two", "I'm a radiographer")),
    Cue("not_yet_or_no_longer", r"(?i)\b(?:student|trainee student|aspiring|future|wannabe|ex|former|retired|"
        r"(?:want|wants|wanting|hope|hoping|hopes|training|studying|applying|plan|planning)\s+to\s+(?:be(?:come)?|train as)"
        r")[-\s]+(?:an?\s+)?" + _TITLE + r"s?\b|\b" + _TITLE + r"\s+student\b|\bradiography student\b", 0.0,
        examples=("Student radiographer, 2nd year", "retired mammographer", "hoping to become a sonographer"),
        counter_examples=("Senior radiographer", "Consultant radiographer, reporting")),
    Cue("possessive", r"(?i)\b" + _TITLE + r"(?:'s|’s|s'|s’)", 0.0,
        examples=("As a radiographer's daughter", "the sonographer's room"),
        counter_examples=("As a radiographer, I", "radiographers at work")),
]

# The self-description cues, most confident first. weight = confidence.
ROLE_CUES: dict[str, list[Cue]] = {
    "organisation": [
        Cue("official_account", r"(?i)\bofficial (?:twitter |x |facebook |instagram )?(?:account|page|feed)\b|"
            r"\b(?:we|this account)\s+(?:can'?t|cannot|can not|do not|don'?t|are unable to)\s+(?:give|offer|provide|"
            r"respond to)\b|\b(?:account|page|feed|inbox)\s+(?:is\s+)?(?:monitored|staffed)\b", 0.95,
            examples=("Official account of the Breast Screening Service", "We can't give medical advice here",
                      "Account monitored Mon-Fri 9-5"),
            counter_examples=("Radiographer. Views my own", "I can't give advice sorry")),
    ],
    "professional": [
        Cue("hcpc_registered", r"(?i)\bhcpc[- ]?(?:registered|reg(?:istration)?\b|regd\b)|\bregistered with (?:the )?hcpc\b",
            0.93, examples=("HCPC registered diagnostic radiographer", "registered with the HCPC"),
            counter_examples=("Is my radiographer HCPC?", "HCPC guidance on social media")),
        Cue("speaks_as_professional", r"(?i)\b(?:as an?|i'?m (?:an?|the)|i am (?:an?|the)|i work as an?|i'?ve been an?|"
            r"speaking as an?|i'?m one of the)\s+(?:\w+\s+)?" + _TITLE + _TITLE_END + r"|(?:^|[.!,;:\n]\s*)" + _TITLE
            + r"s?\s+here\b", 0.9,
            examples=("As a radiographer, I'd say ring them", "Mammographer here 👋 it's quick", "I'm a sonographer"),
            counter_examples=("my radiographer was lovely", "As a patient I found it fine")),
        Cue("job_title", r"(?i)\b" + _TITLE + _TITLE_END, 0.8,
            examples=("Diagnostic Radiographer at Leeds. Views my own", "Sonographer | runner | mum"),
            counter_examples=("Radiographers and admin staff", "Radiography news and views")),
    ],
    "organisation_by_name": [
        Cue("service_name", r"(?i)\b(?:breast screening|radiology|imaging|diagnostic imaging|x-?ray|radiography|ultrasound|"
            r"mri|ct|nuclear medicine|medical physics)\s+(?:service|department|dept|unit|programme|program|team|centre|"
            r"center|directorate)\b", 0.75,
            examples=("Leeds Breast Screening Service", "Radiology Department, Royal Infirmary"),
            counter_examples=("Radiographer at the Royal", "Mum, runner, coffee")),
        Cue("trust_name", r"(?i)\bnhs (?:foundation )?trust\b|\bhealth board\b|\buniversity hospitals?\b|"
            r"\bhealth and social care trust\b", 0.6,
            examples=("Leeds Teaching Hospitals NHS Trust", "Betsi Cadwaladr University Health Board"),
            counter_examples=("Trust me I'm a nurse", "Hospital radio volunteer")),
    ],
}
# Which role each list gives, and which cues also count in a post (the rest count in a bio only).
ROLE_OF = {"organisation": "organisation", "professional": "professional", "organisation_by_name": "organisation"}
TEXT_CUES = {"official_account", "hcpc_registered", "speaks_as_professional"}
ORDER = [(ROLE_OF[group], cue) for group, cues in ROLE_CUES.items() for cue in cues]


class Resolved(NamedTuple):
    role: str | None
    confidence: float | None
    evidence: str | None


# The author naming their own title ("I'm the lead sonographer") is kept while the spans above
# are blanked: it is the first alternative (group 1), and the replacement keeps group 1 only.
_KEEP_SELF = (r"(?i)(\b(?:i'?m|i am|as|work as|been)\s+(?:the|an?|one of the)\s+(?:\w+\s+)?" + _TITLE + r")"
              + _TITLE_END)


# Every NOT_SELF_CUES pattern needs one of these words; texts without one are left as they are
# (most texts: the replace with a capture group is the costly part).
_TITLE_WORDS = r"(?i)radiograph|mammograph|sonograph|radiolog|practitioner"


def _cleaned(column: str) -> str:
    """The column with other people's professions blanked out."""
    raw = f"coalesce(CAST({column} AS VARCHAR), '')"
    pattern = _KEEP_SELF + "|" + union_pattern(NOT_SELF_CUES)
    return (f"CASE WHEN regexp_matches({raw}, {sql_string(_TITLE_WORDS)}) "
            f"THEN regexp_replace({raw}, {sql_string(pattern)}, '\\1 ', 'g') ELSE {raw} END")


def _branches(bio: str, text: str) -> list[tuple[str, str]]:
    """(condition, result struct) in the order they are tried."""
    out = []
    for role, cue in ORDER:
        for field in ([bio, text] if cue.name in TEXT_CUES else [bio]):
            pattern = sql_string(cue.pattern)
            evidence = f"rtrim(trim(regexp_extract({field}, {pattern})), ',.;:!-')"
            out.append((f"regexp_matches({field}, {pattern})",
                        f"{{'self_role': {sql_string(role)}, 'self_role_confidence': {sql_number(cue.weight)}, "
                        f"'self_role_evidence': {evidence}}}"))
    return out


def role_sql(bio_column: str = "author_bio", text_column: str = "text") -> str:
    """One SELECT-list item that expands to ``self_role``, ``self_role_confidence``, ``self_role_evidence``.

    ``self_role`` is 'professional', 'organisation' or NULL (no self-description found). The
    item is ``unnest(<struct>)``, which DuckDB expands into the three columns; the cleaned bio
    and text are bound once to a lambda parameter so that no regex runs twice.
    The column names are identifiers from code (checked); the patterns are code constants.
    """
    bio_column, text_column = identifier(bio_column), identifier(text_column)
    branches = _branches("__r.bio", "__r.text")
    # Most authors describe no role: one scan per field with the union of its cues rules them out.
    bio_any = union_pattern([cue for _, cue in ORDER])
    text_any = union_pattern([cue for _, cue in ORDER if cue.name in TEXT_CUES])
    case = (f"CASE WHEN NOT regexp_matches(__r.bio, {sql_string(bio_any)}) "
            f"AND NOT regexp_matches(__r.text, {sql_string(text_any)}) THEN NULL\n        "
            + "\n        ".join(f"WHEN {cond} THEN {result}" for cond, result in branches) + " END")
    fields = f"{{'bio': {_cleaned(bio_column)}, 'text': {_cleaned(text_column)}}}"
    return f"unnest(list_transform([{fields}], lambda __r: {case})[1])"


def resolve(bio: str | None, text: str | None = None) -> Resolved:
    """:func:`role_sql` applied to one bio and post in an in-memory DuckDB (tests, the UI's "why")."""
    con = scratch_connection()
    try:
        rows = con.execute(f"SELECT {role_sql('bio', 'text')} FROM (SELECT $bio::VARCHAR AS bio, $text::VARCHAR AS text)",
                           {"bio": bio, "text": text}).fetchall()
    finally:
        con.close()
    return Resolved(*rows[0])
