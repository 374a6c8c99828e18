"""Learned rules (``rules-4``): one per flag family, each run by the family's linear model
(:mod:`warehouse.rules.flag_model`, trained by :mod:`warehouse.rules.train_flags`).

They exist for wording no regex rule was written for: a post is flagged by ``<FAMILY>-LEARNED``
only when no regex rule of that family flagged it, so a reviewer sees the regex rule's span
where there is one and the model's heaviest words otherwise. Staff posts only (the model was
trained on staff posts); severity medium: the model says "looks like", never "is", and a
reviewer decides. Each family cites the clause families its regex rules cite.

``examples`` are posts the learned rule must flag and ``counter_examples`` hard negatives it
must not (tests/test_flag_model.py runs both against the committed artefact).
"""
from __future__ import annotations

from warehouse.rules.model import Detector, Rule

_WHY = ("Flagged by the {family} model, not by a pattern: its words are like those of posts a reviewer flagged "
        "for {what}. The evidence lists the words that weighed most. Read the post: the model can be wrong, "
        "and it cannot see images.")


def _learned(rule_id: str, title: str, family: str, clauses: tuple[str, ...], what: str,
             examples: tuple[str, ...], counter_examples: tuple[str, ...]) -> Rule:
    why = _WHY.format(family=family.replace("_", " "), what=what)
    return Rule(rule_id, title, family, "medium", "staff", clauses, why, Detector("learned", family), examples,
                counter_examples)


RULES: tuple[Rule, ...] = (
    _learned("CONF-LEARNED", "Looks like a patient could be identified (model)", "confidentiality",
             ("HCPC-CONFIDENTIALITY",), "identifying a patient (directly, by description, by number or by image)",
             examples=(
              "Guess who I scanned tonight, a certain Championship striker won't be playing Saturday",
              'Guess what came into resus tonight, the well-known butcher from the high street, both wrists',
             ),
             counter_examples=(
              'Our new CT scanner arrived on ward 4 today',
              'Reminder: never share patient details online, even without a name',
             )),
    _learned("ADVICE-LEARNED", "Looks like individual clinical advice (model)", "clinical_advice",
             ("SCOR-SOME-SCOPE", "RCGP-ADVICE"), "advice or reassurance to one person in place of their clinician",
             examples=(
              "Honestly your bloods sound normal to me, I'd carry on as you are",
              "Don't panic hun, that lump is fine, no need to see anyone",
             ),
             counter_examples=(
              'Have a look at the screening leaflet on nhs.uk before your appointment',
             )),
    _learned("BOUND-LEARNED", "Looks like crossing a professional boundary (model)", "boundaries",
             ("HCPC-BOUNDARIES",), "private contact, friendship or meetings with patients outside their care",
             examples=(
              "Add me on snap and I'll answer anything else about your scan",
             ),
             counter_examples=(
              "Please add the department's page for updates on clinic times",
             )),
    _learned("INCIV-LEARNED", "Looks uncivil (model)", "incivility", ("HCPC-SOCIAL-MEDIA",),
             "mocking, belittling or hostile remarks about patients, relatives or colleagues",
             examples=(
              "Typical, another patient who can't read a simple letter",
              "Some relatives think we've got nothing better to do than fetch them tea",
             ),
             counter_examples=(
              "Frank feedback: the new rota system isn't working, let's fix it together",
             )),
    _learned("DISC-LEARNED", "Looks like a remark demeaning a group (model)", "discrimination",
             ("HCPC-DISCRIMINATION", "SCOR-GROUPS-OFFENSIVE"),
             "remarks demeaning people for their nationality, ethnicity, language, religion, disability, age, sex, "
             "sexuality or weight", examples=('The older ladies never understand the self check-in screens',),
             counter_examples=(
              'Our staff network for international colleagues meets on Thursday',
              'Interpreters are available for all appointments, just ask',
             )),
    _learned("OFFENSIVE-LEARNED", "Looks offensive (model)", "offensive", ("HCPC-SMG-OFFENSIVE", "HCPC-SOCIAL-MEDIA"),
             "profanity, obscene, sexual or graphic jokes", examples=(
              'Gory x-ray of the night: bloke put a nail gun through his hand and then his thigh, absolute bloodbath, you should have seen the floor',
             ),
             counter_examples=(
              'Proud of our team for their 100th scan on the new machine',
             )),
    _learned("COPYRIGHT-LEARNED", "Looks like an image used without permission (model)", "copyright",
             ("SCOR-GROUPS-COPYRIGHT", "HCPC-TRUST"),
             "images, memes or figures of unknown origin, or photos of people posted without their consent",
             examples=(
              "Photo of our lovely Dan asleep in the staff room, he'll kill me when he sees this",
              'Screenshotted the whole guideline page by page, saves you paying for it',
             ),
             counter_examples=(
              'Thank you to everyone who came to our open day, photos shared with consent',
              'We have been asked not to share any images from the department on social media',
             )),
)
