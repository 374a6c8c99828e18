"""Tables people read: small numbers below national level are suppressed."""
from __future__ import annotations

import pandas as pd

from ui import charts, labels


def test_overview_trust_table_suppresses_small_counts():
    frame = pd.DataFrame({
        "trust_name": ["LEEDS TEACHING HOSPITALS NHS TRUST", "BARTS HEALTH NHS TRUST", "Unattributed"],
        "region_name": ["North East and Yorkshire", "London", "Unattributed"],
        "trust_code": ["RR8", "R1H", None],
        "n_posts": [1234, 5, 40],
        "share": [1234 / 1279, 5 / 1279, 40 / 1279],
    })
    table = labels.trust_table(frame)
    assert table["Posts"].tolist()[:2] == ["1,235", "*"]   # rounded to 5; 1-7 hidden
    assert table["Share of posts"].tolist()[1] == "*"      # a share over a hidden count
    # the rows add up to a total the page shows, so one more cell is hidden (secondary)
    assert table["Posts"].tolist()[2] == "*"


def test_region_and_trust_bars_show_suppressed_numbers():
    frame = pd.DataFrame({
        "region_code": ["Y63", "Y56", "unattributed"], "region_name": ["North East and Yorkshire", "London", "Unattributed"],
        "n_posts": [1234, 5, 40], "share": [1234 / 1279, 5 / 1279, 40 / 1279],
    })
    bar = charts.posts_by_region(frame).data[0]
    # London's 5 is hidden, and the regions add up to the Posts total on the page, so the next
    # smallest (40) is hidden too (secondary suppression); hidden bars are drawn as "*"
    assert list(bar.text) == ["1,235", "*", "*"]
    assert list(bar.x) == [1235, 0, 0]
