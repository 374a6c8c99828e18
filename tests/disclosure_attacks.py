"""How a reader could back a hidden small number out of what a page shows (issue #12 §2).

Pure functions over what AppTest saw (metric values, tables, plotly specs as JSON) and the
truth the test computed from the published warehouse. Each returns a list of findings, one
sentence each, naming where the number was shown and what was recovered; an empty list means
the attack got nothing. The attacks know the rule (0 stays 0, 1-7 show "*", others rounded to
the nearest 5, so a shown 10 is 8-12) and use every number a browser receives, not only what
the tooltip formats: a chart's JSON carries the floats.
"""
from __future__ import annotations

import re
from fractions import Fraction

HIDDEN = "*"
_NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?$")


def number(text) -> float | None:
    """A shown cell as a number ('1,234' -> 1234.0); None for '*', '—', words."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    text = str(text).strip()
    return float(text.replace(",", "")) if _NUMBER.match(text) else None


def interval(shown) -> tuple[int, int] | None:
    """The true counts consistent with one shown count under the rule ('*' -> 1-7, 10 -> 8-12,
    0 -> 0); a shown count that is not a multiple of 5 is taken as exact."""
    if str(shown).strip() == HIDDEN:
        return 1, 7
    value = number(shown)
    if value is None:
        return None
    value = int(value)
    if value == 0 or value % 5:
        return value, value
    return max(8, value - 2), value + 2


def count_rule(where: str, shown, true: int | None = None) -> list[str]:
    """A count below national level must be 0, '*' or a multiple of 5 (and, with ``true``,
    exactly the rule's value of it)."""
    text = str(shown).strip()
    if text in ("—", ""):
        return []
    value = number(text)
    if text != HIDDEN and value is None:
        return []
    if true is not None:
        expected = "0" if true == 0 else HIDDEN if true <= 7 else f"{(true + 2) // 5 * 5:,}"
        if text.replace(",", "") != expected.replace(",", ""):
            small = " (a small count shown)" if 1 <= true <= 7 and text != HIDDEN else ""
            return [f"{where}: shows {text!r} for a true count of {true}, the rule shows {expected!r}{small}"]
        return []
    if text != HIDDEN and value and int(value) % 5:
        kind = "small count shown" if 1 <= value <= 7 else "count not rounded"
        return [f"{where}: {kind}: {text!r}"]
    return []


def derived_over_hidden(where: str, hidden: bool, shown) -> list[str]:
    """A percentage, rate, CI or median over a hidden count must be hidden too."""
    text = str(shown).strip()
    if not hidden or text in (HIDDEN, "—", "", "None", "nan") or text.startswith("not "):
        return []
    if re.fullmatch(r"[\d,]+", text):  # a whole number is a count (its own rule applies), not a rate
        return []
    return [f"{where}: {text!r} shown over a hidden count"]


def subtraction(where: str, total, parts: list, truth: list[int | None]) -> list[str]:
    """Total minus the shown parts: a hidden part whose possible values narrow to one is
    recovered. ``truth`` gives each part's true count (to confirm the recovery).

    The attacker knows the rule: a lone "*" is 1-7; where two or more are hidden, one of them
    may be a secondary cell, at least 8 and at most the smallest shown non-zero part."""
    total_range = interval(total)
    ranges = [interval(p) for p in parts]
    if total_range is None or any(r is None for r in ranges):
        return []
    hidden = [i for i, p in enumerate(parts) if str(p).strip() == HIDDEN]
    shown = [r for i, r in enumerate(ranges) if i not in hidden]
    k = len(hidden)
    cap = 7 if k < 2 else max(7, min((r[1] for r in shown if r[1] > 0), default=10**9))
    low_sum = total_range[0] - sum(r[1] for r in shown)  # the hidden parts add up to this range
    high_sum = total_range[1] - sum(r[0] for r in shown)
    others_high = 7 * (k - 1) + (cap - 7 if k >= 2 else 0)
    findings = []
    for i in hidden:
        low = max(1, low_sum - others_high)
        high = min(cap, high_sum - (k - 1))
        if low == high and truth[i] == low:
            findings.append(f"{where}: part {i} recovered as {low} (total {total!r} minus the shown parts)")
    return findings


def ratio_inversion(value: float, shown_den, scale: float = 1.0, tolerance: float = 1e-9) -> tuple[int, int] | None:
    """The one (numerator, denominator) pair that gives ``value`` (a share, or a rate per
    ``scale``) with a denominator the shown, rounded one allows; None when none or several do."""
    span = interval(shown_den)
    if span is None or value is None:
        return None
    found = []
    for den in range(max(1, span[0]), span[1] + 1):
        num = round(value * den / scale)
        if abs(num * scale / den - value) <= tolerance * max(1.0, abs(value)):
            found.append((num, den))
    return found[0] if len(found) == 1 else None


def exact_fraction(value: float, max_den: int = 200_000) -> Fraction:
    """A float share as the fraction it was computed from (exact for counts of this size)."""
    return Fraction(value).limit_denominator(max_den)


def km_steps(survival: list[float]) -> int:
    """How many times a drawn Kaplan–Meier curve steps down: the number of distinct answer
    times, which is the number answered when the bins are finer than the answers."""
    values = [v for v in survival if v is not None]
    return sum(1 for a, b in zip(values, values[1:]) if b < a - 1e-12)


def values(field) -> list:
    """A plotly trace field as a list: plotly sends numeric arrays as typed arrays
    ({"dtype": "i1", "bdata": base64}); a browser decodes them, so the attacker does too."""
    if isinstance(field, dict) and "bdata" in field:
        import base64

        import numpy as np
        array = np.frombuffer(base64.b64decode(field["bdata"]), dtype=np.dtype(field["dtype"]))
        if "shape" in field:
            array = array.reshape([int(s) for s in str(field["shape"]).split(",")])
        return array.tolist()
    return list(field) if field is not None else []


def series_rule(where: str, ys: list) -> list[str]:
    """Counts plotted over time below national level: gaps (hidden), 0 or multiples of 5."""
    bad = [y for y in ys if y is not None and y == y and y != 0 and (float(y) % 5)]
    if not bad:
        return []
    small = sum(1 for y in bad if 1 <= y <= 7)
    return [f"{where}: {len(bad)} of {len(ys)} plotted counts not rounded ({small} of them 1-7), e.g. {bad[:5]}"]


# --- SPC charts and quality in use (issue #20's helper; kept apart from the other pages' attacks) ---

def exact_ratio(where: str, value, num: int, den: int, scale: float = 1.0) -> list[str]:
    """A share (or rate per ``scale``) drawn as the exact ratio of its counts gives them back:
    the float in lowest terms is num/den (continued fractions), even with no denominator shown.
    Only the ratio of the rounded counts carries no more than they do."""
    if value is None or value != value or not den:
        return []
    exact = Fraction(int(num), int(den))
    rounded = Fraction((int(num) + 2) // 5 * 5, max(1, (int(den) + 2) // 5 * 5))
    if exact == rounded:
        return []
    if exact_fraction(float(value) / scale, max_den=10 * int(den) + 10) == exact:
        return [f"{where}: {value!r} is exactly {num}/{den} (the rounded counts give {float(rounded) * scale:.6g})"]
    return []


def mean_total(where: str, mean, ys: list, truth: list[int]) -> list[str]:
    """A chart's mean line over counts: mean x points is the sum of the values it is the mean of.
    Over exact values that is the unit's exact total (a count below national level, not
    rounded), and minus the shown (rounded) points it can pin a hidden one. ``ys``: the points
    as drawn (None where hidden); ``truth``: their exact counts."""
    if mean is None or not ys:
        return []
    total = float(mean) * len(ys)
    if abs(total - round(total)) > 1e-6:
        return []
    total = int(round(total))
    shown = [y for y in ys if y is not None]
    if total == sum(shown) and not any(y is None for y in ys):
        return []
    found = []
    if total == sum(truth) and total != sum(shown):
        found.append(f"{where}: the mean line x {len(ys)} points is the exact total {total} (shown points add to "
                     f"{sum(shown):g})")
    hidden = [i for i, y in enumerate(ys) if y is None]
    if len(hidden) == 1:
        ranges = [interval(int(y)) for y in shown]
        low = max(1, total - sum(r[1] for r in ranges))
        high = min(7, total - sum(r[0] for r in ranges))
        if low == high == truth[hidden[0]]:
            found.append(f"{where}: hidden point {hidden[0]} recovered as {low} from the mean line")
    return found


def share_text_exact(where: str, text, num: int, den: int) -> list[str]:
    """A share shown as text ('0.83 (0.70–0.91)') that is the exact ratio of counts below
    national level, where the ratio of the rounded counts reads otherwise, tells more than
    the rounded counts beside it."""
    match = re.match(r"^\s*(-?\d+\.\d+)", str(text))
    if not match or not den:
        return []
    shown, places = match.group(1), len(match.group(1).split(".")[1])
    exact = f"{num / den:.{places}f}"
    rounded_den = (den + 2) // 5 * 5
    by_rounded = f"{((num + 2) // 5 * 5) / rounded_den:.{places}f}" if rounded_den else None
    if shown == exact and shown != by_rounded:
        return [f"{where}: {shown} is {num}/{den} exactly (the rounded counts give {by_rounded})"]
    return []
