"""Themes of patient questions, the method itself (warehouse/theme_model.py): the same data give
the same themes and ids in any order, a new build keeps what the last one made, new themes
appear only past the size threshold, an id is never given twice. Plain data, no database."""
from __future__ import annotations

import random
from datetime import datetime, timezone

from warehouse import theme_model
from warehouse.theme_model import Question, new_id, theme_topic

NOW = datetime(2025, 6, 30, tzinfo=timezone.utc)
LATER = datetime(2025, 7, 31, tzinfo=timezone.utc)

DEODORANT = ["Can I wear deodorant before my mammogram?", "is deodorant ok for a mammogram",
             "Should I not wear deodorant to my screening appointment?", "no deodorant before the mammogram right?",
             "can i use antiperspirant before a mammogram", "Deodorant on the day of a mammogram, yes or no?",
             "wear deodorant to mammogram or not", "Do I have to skip deodorant for my mammogram?"]
COMPANION = ["Can I bring my husband with me to the scan?", "Can my partner come in with me for the scan?",
             "Is it ok to bring my mum with me to the appointment?", "can my friend come with me to my scan",
             "Can someone come in with me for my scan?", "Can I bring my daughter to the appointment with me?",
             "Will they let my husband come with me for the scan?"]
FASTING = ["Do I need to fast before my CT scan?", "can I eat before a CT scan", "Should I not eat before the CT",
           "How long do I have to fast before CT?", "Can I eat breakfast before my CT scan?",
           "Is it ok to eat before my ct scan"]


def questions(texts: list[str], prefix: str, askers: int = 4) -> list[Question]:
    return [Question(("x", f"{prefix}{i}"), text, f"asker{i % askers}") for i, text in enumerate(texts)]


def corpus() -> list[Question]:
    return questions(DEODORANT, "d") + questions(COMPANION, "c") + questions(FASTING, "f")


def run(qs, previous=(), kept=None, known=None, now=NOW):
    return theme_topic("preparation", list(qs), list(previous), kept or {}, set() if known is None else known, now)


def groups(theme_of: dict) -> set[frozenset]:
    out: dict[str, set] = {}
    for key, theme in theme_of.items():
        if theme is not None:
            out.setdefault(theme, set()).add(key)
    return {frozenset(v) for v in out.values()}


def test_the_three_kinds_of_question_become_three_themes():
    result = run(corpus())
    found = groups(result.theme_of)
    for prefix, texts in (("d", DEODORANT), ("c", COMPANION), ("f", FASTING)):
        keys = {("x", f"{prefix}{i}") for i in range(len(texts))}
        best = max(found, key=lambda g: len(g & keys))
        assert len(best & keys) >= len(keys) - 1 and len(best - keys) <= 1, (prefix, found)
    assert all(t.theme_id.startswith("prep-") for t in result.themes)


def test_the_same_data_in_another_order_give_the_same_themes_and_ids():
    first = run(corpus())
    shuffled = corpus()
    random.Random(7).shuffle(shuffled)
    second = run(shuffled)
    assert first.theme_of == second.theme_of
    assert {t.theme_id: t.label for t in first.themes} == {t.theme_id: t.label for t in second.themes}


def test_a_new_build_keeps_every_question_in_its_theme_and_adds_new_ones_to_it():
    first = run(corpus())
    kept = {q.key: (q.text_key, first.theme_of[q.key]) for q in corpus() if first.theme_of[q.key]}
    extra = questions(["Can I put deodorant on before the mammogram?"], "new")
    second = run(corpus() + extra, first.themes, kept, {t.theme_id for t in first.themes}, LATER)
    for key, (_, theme) in kept.items():
        assert second.theme_of[key] == theme
    assert second.theme_of[("x", "new0")] == first.theme_of[("x", "d0")]
    assert {t.theme_id for t in second.themes} == {t.theme_id for t in first.themes}  # nothing new


def test_a_new_theme_appears_only_past_the_size_and_askers_threshold():
    first = run(corpus())
    kept = {q.key: (q.text_key, first.theme_of[q.key]) for q in corpus() if first.theme_of[q.key]}
    known = {t.theme_id for t in first.themes}
    parking = ["Where do I park for the breast screening van?", "Is there parking at the screening van?",
               "where can I park near the mobile unit", "Parking for the mammogram van?",
               "Is parking free at the screening unit?"]
    few = questions(parking[:theme_model.MIN_THEME_SIZE - 1], "p")
    second = run(corpus() + few, first.themes, kept, set(known), LATER)
    assert {t.theme_id for t in second.themes} == known
    assert all(second.theme_of[q.key] is None for q in few)  # too few: not themed yet
    one_asker = questions(parking, "p", askers=1)
    third = run(corpus() + one_asker, first.themes, kept, set(known), LATER)
    assert {t.theme_id for t in third.themes} == known  # five questions from one person: no theme
    enough = questions(parking, "p")
    fourth = run(corpus() + enough, first.themes, kept, set(known), LATER)
    new = {t.theme_id for t in fourth.themes} - known
    assert len(new) == 1
    assert {fourth.theme_of[q.key] for q in enough} == new
    assert next(t for t in fourth.themes if t.theme_id in new).created_at == LATER


def test_an_id_once_given_is_never_given_again():
    first = new_id("preparation", "abc", set())
    second = new_id("preparation", "abc", {first})
    assert second != first and second.startswith(first)
    assert new_id("preparation", "abc", set()) == first  # deterministic


def test_labels_are_made_of_service_words_never_of_a_name():
    named = [f"Can Brenda Quigley wear deodorant before her mammogram? ({i})" for i in range(6)]
    result = run(questions(named, "n"))
    assert result.themes, "the questions should make a theme"
    for theme in result.themes:
        assert "brenda" not in theme.label.lower() and "quigley" not in theme.label.lower()
        assert "deodorant" in theme.label
