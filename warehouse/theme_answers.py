"""Best answers to a theme: the professional and organisation answers found in the data,
scored by what a patient values and what the guidance encourages.

Each answer (the reply that answered a patient-question episode: never an automatic
acknowledgement, which does not stop the clock) gets six components in [0, 1] and a weighted
sum; every component is published beside the score, so a page can say why an answer ranks
where it does:

- ``relevance``: it answers the question asked. The mean of the cosine similarity of the
  answer's TF-IDF vector (the topic's vocabulary, :mod:`warehouse.theme_text`) with the
  question's and with the theme's centroid.
- ``signposting``: it points to official information (nhs.uk, NHS 111, the GP …;
  ``patient_questions.answer_signposting``): 1 or 0.
- ``compassion``: it acknowledges the person (``patient_questions.answer_compassion``): 1 or 0.
- ``speed``: it came quickly: 0.5 to the power of the calendar hours waited over
  :data:`SPEED_HALF_LIFE_HOURS` (1 at once, 0.5 after a day, 0.125 after three).
- ``no_flag``: 0 when the answer carries a guideline flag that a reviewer has not dismissed
  (unreviewed, confirmed or actioned), else 1.
- ``endorsed``: 1 when a reviewer looked at a flag on it and dismissed it (the only review of an
  answer the data holds), else 0.

A flagged answer is still listed (with its score) but is never a theme's best answer nor
quoted in the draft FAQ. A *good* answer is unflagged and at least :data:`GOOD_RELEVANCE`
relevant; a theme without one has "no good answer yet".
"""
from __future__ import annotations

WEIGHTS = {"relevance": 0.40, "signposting": 0.15, "compassion": 0.10, "speed": 0.10,
           "no_flag": 0.20, "endorsed": 0.05}
SPEED_HALF_LIFE_HOURS = 24.0
GOOD_RELEVANCE = 0.20
COMPONENTS = tuple(WEIGHTS)


def speed(response_seconds) -> float:
    """0.5 ** (hours / 24): 1 for an answer at once, halving with each day of waiting."""
    if response_seconds is None or response_seconds != response_seconds:  # None or NaN
        return 0.0
    return round(0.5 ** (max(float(response_seconds), 0.0) / 3600 / SPEED_HALF_LIFE_HOURS), 4)


def components(relevance: float, signposting: bool, compassion: bool, response_seconds,
               flagged: bool, endorsed: bool) -> dict[str, float]:
    """The six components of one answer, each in [0, 1]."""
    return {
        "relevance": round(min(max(float(relevance), 0.0), 1.0), 4),
        "signposting": float(bool(signposting)),
        "compassion": float(bool(compassion)),
        "speed": speed(response_seconds),
        "no_flag": 0.0 if flagged else 1.0,
        "endorsed": float(bool(endorsed)),
    }


def score(parts: dict[str, float]) -> float:
    """The weighted sum of the components (0 to 1)."""
    return round(sum(WEIGHTS[name] * parts[name] for name in COMPONENTS), 4)


def is_good(parts: dict[str, float]) -> bool:
    """Unflagged and relevant enough to quote as an answer to the theme."""
    return parts["no_flag"] == 1.0 and parts["relevance"] >= GOOD_RELEVANCE
