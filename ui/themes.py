"""The "What patients ask" tables (and the draft FAQ's pieces): pure functions from the theme
queries' frames (:mod:`warehouse.theme_queries`) to what people read. Every count and every
share or median over a count below national level passes :func:`ui.disclosure.protect`; every
text is redacted (:func:`ui.redact.redact`) after :func:`quotable` has dropped greetings and
sign-offs (which name the patient or the staff member) from an answer.
"""
from __future__ import annotations

import dataclasses
import re
import unicodedata

import numpy as np
import pandas as pd

from ui import disclosure, formats
from ui.formats import SUPPRESSED, count, org_name, topic
from ui.redact import redact
from warehouse import theme_answers

LIST_MIN = 8  # asked this often over every place in the dates, or a theme is listed nowhere
GAP_MIN_QUESTIONS = 10  # a theme asked fewer times is not called a gap
GAP_ANSWERED_BELOW = 0.5  # answered less often than this ...
GAP_WAIT_OVER_S = 3 * 86_400  # ... or a median wait over three days (or not reached)
ROLES = {"professional": "a professional", "organisation": "the service's official account"}

# An answer's greeting names the patient ("Hi Sue,", "Thanks for asking Dave!", "@handle"); its
# sign-off names the staff member ("– Rachel, Breast Screening Team", "^JS"). Neither belongs
# in a quote attributed to a role and a trust.
_LEADING = re.compile(r"^\s*(?:(?:@\S+|…)\s*)+")
_NOT_NAMES = ("Yes|No|Unfortunately|Sadly|Sorry|However|Ok|Okay|Absolutely|Definitely|Please|Generally|"
              "Usually|Normally|Actually|Also|So|Well|Hopefully|Certainly|Honestly|Typically|Ideally")
_GREETING = re.compile(
    r"^\s*(?:(?:hi|hello|hiya|hey|dear|morning|good (?:morning|afternoon|evening)|thanks for asking"
    r"|thank you for asking)(?:\s+(?:there|all|everyone|both))?\s*(?:(?-i:[A-Z][\w'’-]*)\s*)?"
    rf"|(?-i:(?!(?:{_NOT_NAMES})\b)[A-Z][a-z'’-]+)\s*(?=,))[,!.:;\-–—]*\s*",
    re.IGNORECASE)
_SIGN_OFF = re.compile(r"(?:\n|^)\s*(?:[–—\-~^]\s*\S.*|thanks,? [\w ]*team\.?|[\w ]+ team)\s*$", re.IGNORECASE)
# ... or ends the last line: "… for more. - Rachel, Breast Screening Team", "… ^JS", "— Dr A. Khan"
_INLINE_SIGN_OFF = re.compile(r"\s+(?:[–—~^]|-(?=\s))\s*(?:Dr\.?\s+)?[A-Z][\w'’.]*(?:\s+[A-Z][\w'’.]*)?"
                              r"(?:\s*,[^.!?\n]*)?\s*$")


# Pleasantries that open or close a reply rather than answer it: a leading "Sorry to hear
# you're worried." / "Thanks for getting in touch." (dropped only when an answer follows), and a
# closing "Hope that reassures you x", "Best wishes", "Good luck with your appointment 💗",
# "Take care", a lone "x" (each a whole last sentence, with whatever follows it on that line).
_OPENING = re.compile(
    r"^\s*(?:(?:so |really |very )?sorry to hear\b|thanks? (?:you )?(?:so much )?for (?:getting in touch|"
    r"(?:your|the) (?:question|message|tweet|post)|reaching out|asking)\b|(?:great|good) question\b)[^.!?\n]*[.!?\n]+\s*",
    re.IGNORECASE)
_CLOSING = re.compile(
    r"(?:(?<=[.!?\n])|^)\s*(?:hope (?:that|this|it|you|your|all)\b|(?:best|kind|warm(?:est)?|many) (?:wishes|regards|thanks)\b"
    r"|regards\b|thanks(?: again)?\s*[,!.]?\s*$|take care\b(?!\s+(?:to|of|not|when|with|that)\b)|good luck\b"
    r"|all the best\b|speak soon\b|x+\s*$)[^.!?\n]*[.!?]*[^\w\n]*(?:\n[^\n]{0,40})?$", re.IGNORECASE)
_SUBSTANCE = 3  # words: an answer shorter once a pleasantry is dropped keeps it (it is the substance)


def _symbols_end(value: str) -> str:
    """Trailing emoji, other symbols and spaces dropped ("… appointment 💗" -> "… appointment")."""
    end = len(value)
    while end and (value[end - 1].isspace() or unicodedata.category(value[end - 1]) in ("So", "Sk", "Mn", "Cf", "Cs")):
        end -= 1
    return value[:end]


def _pleasantries(value: str) -> str:
    """``value`` without a leading sympathy or thanks sentence and closing pleasantries, each
    dropped only when at least :data:`_SUBSTANCE` words of answer remain."""
    opened = _OPENING.sub("", value, count=1)
    if len(re.findall(r"\w+", opened)) >= _SUBSTANCE:
        value = opened
    while True:
        cut = _symbols_end(_CLOSING.sub("", _symbols_end(value)).rstrip())
        if cut == value.rstrip() or len(re.findall(r"\w+", cut)) < _SUBSTANCE:
            return value
        value = cut


def quotable(text) -> str:
    """An answer as it can be quoted: leading @handles, a greeting with a name, a leading
    sympathy or thanks sentence, closing pleasantries ("Hope that reassures you x", "Best
    wishes") and a sign-off line dropped, then redacted of identifiers; first letter capitalised."""
    value = "" if text is None else str(text)
    value = _LEADING.sub("", value)
    value = _GREETING.sub("", value, count=1)
    while True:
        cut = _SIGN_OFF.sub("", value).rstrip()
        if cut == value.rstrip():
            break
        value = cut
    value = _INLINE_SIGN_OFF.sub("", value)
    value = _pleasantries(value)
    value = _INLINE_SIGN_OFF.sub("", value)
    value = redact(value.strip())
    return value[:1].upper() + value[1:]


def attribution(role, trust_name) -> str:
    """Who answered, as the FAQ and the page say it: a role and a trust, never a person."""
    who = ROLES.get(role, "staff")
    where = org_name(trust_name) if trust_name and trust_name != "Unattributed" else "an NHS service"
    return f"{who[:1].upper()}{who[1:]} at {where}"


ANSWERS_PER_THEME = 2  # quoted per theme in the draft FAQ


def good_quotes(answers: pd.DataFrame, per_theme: int = ANSWERS_PER_THEME) -> dict[str, tuple[tuple[str, str], ...]]:
    """The one criterion for "a good answer exists" and which answers are quoted, used by the
    themes table, the gaps view and every draft FAQ format alike: per theme of ``answers``
    (theme_queries.best_answers for the same place and dates, best first), the first
    ``per_theme`` distinct answers that are good (``is_good``: unflagged and speaking to the
    theme) and still say something once greetings, sign-offs and identifiers are dropped
    (:func:`quotable`), as (quote, attribution). A theme with none is absent."""
    out: dict[str, dict[str, str]] = {}
    if answers is None or answers.empty:
        return {}
    good = answers[answers["is_good"].fillna(False).astype(bool)]
    for theme, text, role, trust in zip(good["theme_id"], good["text"], good["answered_by_role"], good["trust_name"]):
        quotes = out.setdefault(theme, {})
        quoted = quotable(text)
        if quoted and quoted not in quotes and len(quotes) < per_theme:
            quotes[quoted] = attribution(role, trust)
    return {theme: tuple(q.items()) for theme, q in out.items() if q}


def everywhere(filters):
    """The same dates and platforms over every place (no region or trust): where a theme's
    count decides whether any view lists it (:func:`listable`)."""
    return dataclasses.replace(filters, regions=(), trusts=())


def listable(everywhere_summary: pd.DataFrame) -> tuple[str, ...]:
    """The themes a view of these dates may list: those asked at least :data:`LIST_MIN` times
    over every place (``everywhere_summary``: theme_counts, or theme_summary, of :func:`everywhere`). A theme
    asked 1–7 times over every place is listed nowhere, not even as "*": a "*" says "asked at
    least once", and the all-places "*" minus seven regions' "*" pinned each region at 1
    (tests/test_disclosure_walk.py found it). Over every place the count is then at least 8
    (shown 10 or more), so at least 12 places each showing "*" would be needed to pin one."""
    if everywhere_summary.empty:
        return ()
    return tuple(sorted(everywhere_summary.loc[everywhere_summary["n_questions"] >= LIST_MIN, "theme_id"]))


def listed(frame: pd.DataFrame, shown_themes: tuple[str, ...], national: bool = False) -> pd.DataFrame:
    """The rows of theme_summary ``frame`` for :func:`listable` themes, busiest first by the
    count as shown (:func:`_figures`): equal shown counts by label, and hidden ("*") counts
    after every shown one, by label, so the order never ranks what the counts hide (the exact
    counts' order would: 13 before 12 where both show 10, or one "*" before another)."""
    if frame.empty:
        return frame
    frame = frame[frame["theme_id"].isin(set(shown_themes))].sort_values("theme_id").reset_index(drop=True)
    if frame.empty:
        return frame
    shown = _figures(frame, national)["n_questions"]
    hidden = [isinstance(v, str) for v in shown]
    key = pd.DataFrame({"hidden": hidden, "shown": [0.0 if h else -float(v) for h, v in zip(hidden, shown)],
                        "label": frame["label"].astype(str).str.casefold(), "theme_id": frame["theme_id"]})
    order = key.sort_values(["hidden", "shown", "label", "theme_id"], kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def _figures(frame: pd.DataFrame, national: bool) -> pd.DataFrame:
    """theme_summary with its shares and trend through the display boundary
    (:func:`ui.disclosure.protect`): below national level the counts are rounded or hidden, the
    shares recomputed from the shown counts, and the trend worked out from the shown counts."""
    f = frame.assign(median=frame["median_wait_seconds"].where(frame["n_timed"] > 0))
    shown = disclosure.protect(
        f, ["n_questions", "n_previous", "n_answered"],
        [disclosure.Share("n_answered", "n_questions", "answered"),
         disclosure.Share("n_within_target", "n_target_known", "within")],
        over={"median": "n_timed"}, national=national)
    change = []
    for now, before, has_previous in zip(shown["n_questions"], shown["n_previous"], frame["has_previous"]):
        if isinstance(now, str) or isinstance(before, str):
            change.append(disclosure.SUPPRESSED)
        elif not has_previous or not before or pd.isna(before):
            change.append(np.nan)
        else:
            change.append((float(now) - float(before)) / float(before))
    return shown.assign(change=change)


def _percent(value) -> str:
    return value if isinstance(value, str) else formats.percent(value)


def _change(value, has_previous, n_previous) -> str:
    if isinstance(value, str):
        return value
    if not has_previous:
        return "—"
    if n_previous == 0:
        return "new"
    if value is None or pd.isna(value):
        return "—"
    return "same" if round(value, 2) == 0 else f"{'up' if value > 0 else 'down'} {abs(value):.0%}"


def _wait(value, n_timed) -> str:
    if isinstance(value, str):
        return value
    return "—" if not n_timed else formats.wait_text(value)


NOT_SIGNED_IN = "sign in to see"


def _good(theme_ids, good_answers: tuple[str, ...] | None) -> list[str]:
    """The "Good answer found" cells: ``good_answers`` are the themes :func:`good_quotes`
    quotes for the same place and dates (None when the reader may not see answers)."""
    if good_answers is None:
        return [NOT_SIGNED_IN] * len(theme_ids)
    return ["yes" if t in set(good_answers) else "not yet" for t in theme_ids]


def theme_table(frame: pd.DataFrame, national: bool = False, *, shown_themes: tuple[str, ...],
                good_answers: tuple[str, ...] | None = None) -> pd.DataFrame:
    """theme_summary -> the table of themes by volume: theme, topic, questions, change on the
    period before, share answered, median wait, share answered within the trust's target,
    whether a good answer has been found (``good_answers``: the themes :func:`good_quotes`
    quotes, as the draft FAQ does), and the theme's id (for the register). Only
    :func:`listable` themes (``shown_themes``)."""
    frame = listed(frame, shown_themes, national)
    if frame.empty:
        return pd.DataFrame()
    shown = _figures(frame, national)
    return pd.DataFrame({
        "Theme": frame["label"].to_numpy(),
        "Topic": [topic(t) for t in frame["topic"]],
        "Questions": [count(v) for v in shown["n_questions"]],
        "Change on the period before": [_change(v, h, p) for v, h, p in
                                        zip(shown["change"], frame["has_previous"], frame["n_previous"])],
        "Answered": [_percent(v) for v in shown["answered"]],
        "Median wait": [_wait(v, t) for v, t in zip(shown["median"], frame["n_timed"])],
        "Within the trust's target": [_percent(v) for v in shown["within"]],
        "Good answer found": _good(frame["theme_id"], good_answers),
        "Theme id": frame["theme_id"].to_numpy(),
    })


def gaps_table(frame: pd.DataFrame, national: bool = False, *, shown_themes: tuple[str, ...],
               good_answers: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The themes asked at least :data:`GAP_MIN_QUESTIONS` times that are answered rarely
    (under half), slowly (median over three days, or fewer than half answered so far) or
    never well (no good answer found: :func:`good_quotes` quotes none, as in the draft FAQ;
    not a reason when ``good_answers`` is None, the reader not seeing answers), busiest first,
    with the reasons. A figure that is hidden is never a reason (it would reveal what it hides)."""
    frame = listed(frame, shown_themes, national)
    if frame.empty:
        return pd.DataFrame()
    shown = _figures(frame, national)
    rows = []
    for i in range(len(frame)):
        raw = frame.iloc[i]
        asked = shown["n_questions"].iloc[i]  # as shown: a hidden count never decides what is listed
        if isinstance(asked, str) or asked < GAP_MIN_QUESTIONS:
            continue
        why = []
        answered, median = shown["answered"].iloc[i], shown["median"].iloc[i]
        if not isinstance(answered, str) and answered is not None and answered < GAP_ANSWERED_BELOW:
            why.append("answered rarely" if answered > 0 else "never answered")
        if not isinstance(median, str) and raw["n_timed"] and (pd.isna(median) or median > GAP_WAIT_OVER_S):
            why.append("answered slowly")
        if good_answers is not None and raw["theme_id"] not in set(good_answers):
            why.append("no good answer found yet")
        if why:
            rows.append({"Theme": raw["label"], "Topic": topic(raw["topic"]),
                         "Questions": count(shown["n_questions"].iloc[i]), "Answered": _percent(answered),
                         "Median wait": _wait(median, raw["n_timed"]), "Why": "; ".join(why),
                         "Theme id": raw["theme_id"]})
    return pd.DataFrame(rows, columns=["Theme", "Topic", "Questions", "Answered", "Median wait", "Why", "Theme id"])


def too_few_to_tell(table: pd.DataFrame) -> bool:
    """Whether the themes table (:func:`theme_table`, as shown) holds a theme whose count is
    hidden or below :data:`GAP_MIN_QUESTIONS`: the gaps view cannot judge those, so an empty
    gaps view is then no all-clear."""
    if table.empty:
        return True
    return any(v == SUPPRESSED or int(str(v).replace(",", "")) < GAP_MIN_QUESTIONS for v in table["Questions"])


GAPS_CLEAR = (f"No theme asked {GAP_MIN_QUESTIONS} times or more is answered rarely, slowly or without a "
              "good answer in these dates.")
GAPS_TOO_FEW = (f"Too few questions to tell: themes asked fewer than {GAP_MIN_QUESTIONS} times here (or shown "
                "as *) are not judged, and none asked more often is answered rarely, slowly or without a good "
                "answer. Widen the dates or the place to judge more themes.")


def examples(frame: pd.DataFrame) -> list[str]:
    """theme_examples -> the example questions as redacted text (distinct, in order; none
    where the reader may not see text, which the connection blanks)."""
    return [t for t in dict.fromkeys(redact(t) for t in frame["text"]) if t]


def answers_table(frame: pd.DataFrame) -> pd.DataFrame:
    """best_answers -> the answers as shown, best first: the answer (greeting and sign-off
    dropped, redacted), who (role and trust), the wait, the score and each component, so that
    a reader sees why it ranks where it does. Answers saying the same words are shown once."""
    if frame.empty:
        return pd.DataFrame()
    out = pd.DataFrame({
        "Answer (identifiers removed)": [quotable(t) for t in frame["text"]],
        "From": [attribution(r, t) for r, t in zip(frame["answered_by_role"], frame["trust_name"])],
        "Waited": [formats.duration(s) for s in frame["response_seconds"]],
        "Score": frame["score"].round(2).to_numpy(),
        "Answers the question": frame["relevance"].round(2).to_numpy(),
        "Signposts": _yes(frame["signposting"]),
        "Compassion": _yes(frame["compassion"]),
        "Speed": frame["speed"].round(2).to_numpy(),
        "Flag": ["none" if f else "flagged" for f in frame["no_flag"]],
        "Reviewer cleared a flag": _yes(frame["endorsed"]),
    })
    return out.drop_duplicates(subset=["Answer (identifiers removed)"]).reset_index(drop=True)


_W = theme_answers.WEIGHTS
SCORE_NOTE = (
    "Why an answer ranks where it does: the score (0 to 1) weighs whether it answers the question "
    f"({_W['relevance']:.2f}: shared words with the question and the theme), signposts official "
    f"information such as nhs.uk or NHS 111 ({_W['signposting']:.2f}), shows compassion "
    f"({_W['compassion']:.2f}; both by the enabling-practice rules), came quickly ({_W['speed']:.2f}: "
    f"halves with each day waited), carries no guideline flag ({_W['no_flag']:.2f}) and had a flag a "
    f"reviewer dismissed ({_W['endorsed']:.2f}). A flagged answer always ranks after every unflagged "
    "one and is never quoted in the draft FAQ. Greetings and sign-offs (which name people) and opening "
    "or closing pleasantries (\"Best wishes\") are dropped.")


def _yes(values) -> list[str]:
    return ["yes" if v else "no" for v in values]
