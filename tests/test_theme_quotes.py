"""What a quoted answer keeps (ui.themes.quotable, used by the page and every draft FAQ format):
greetings, sign-offs and the pleasantries that open or close a reply are dropped, the answer
itself is kept, and a reply that is only a pleasantry keeps it (it is the substance)."""
from __future__ import annotations

import pytest

from ui.themes import quotable

CASES = [
    ("Sorry to hear you're worried. You can wear deodorant after the scan, just not before. Hope that reassures you x",
     "You can wear deodorant after the scan, just not before."),
    ("Please avoid talc on the day. Best wishes", "Please avoid talc on the day."),
    ("The scan takes about 20 minutes. Good luck with your appointment 💗", "The scan takes about 20 minutes."),
    ("Hi Jo! Sorry to hear you're worried. It is quick and the team will explain everything. "
     "Best wishes, Breast Screening Team", "It is quick and the team will explain everything."),
    ("Thanks for your question! Results take two weeks. Thanks", "Results take two weeks."),
    ("You can bring someone with you.\nBest wishes\nAnna", "You can bring someone with you."),
    ("Yes, results take 2 weeks. x", "Yes, results take 2 weeks."),
    ("Your GP gets a copy of the report. Kind regards", "Your GP gets a copy of the report."),
    ("Results take 2 weeks. Take care 😊", "Results take 2 weeks."),
    # the substance stays
    ("Sorry to hear you're worried.", "Sorry to hear you're worried."),
    ("We are sorry, the machine broke and we will rebook you.", "We are sorry, the machine broke and we will rebook you."),
    ("Results in 2 weeks. Take care to remove jewellery before the scan.",
     "Results in 2 weeks. Take care to remove jewellery before the scan."),
    ("Hope this helps: results take 2 weeks by post.", "Hope this helps: results take 2 weeks by post."),
]


@pytest.mark.parametrize(("answer", "quoted"), CASES)
def test_pleasantries_are_dropped_and_the_answer_kept(answer, quoted):
    assert quotable(answer) == quoted
