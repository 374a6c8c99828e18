"""The dashboard process never imports scipy.stats (issue #16 item 4): it costs ~44 MB of
resident memory a process, and the funnels and the Policy comparison get the same numbers from
scipy.special (warehouse/quantiles.py, warehouse/compare.py; tests/test_quantiles.py compares
them with scipy.stats).

Every page is opened in one fresh Python process (AppTest, the seeded demo) as a dashboard
process serves them all; the child counts the funnel quantiles and the comparisons it computed,
so the test cannot pass by never reaching the code that used scipy.stats."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from store import config

pytestmark = [pytest.mark.app, pytest.mark.slow]

_CHILD = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, sys.argv[1])
    from streamlit.testing.v1 import AppTest
    from ui import page
    from warehouse import compare, funnel

    calls = {"funnel quantiles": 0}
    quantiles = funnel.Funnel._quantiles

    def counted(self, n, q):
        calls["funnel quantiles"] += 1
        return quantiles(self, n, q)

    funnel.Funnel._quantiles = counted
    failed = []
    home = str(page.ROOT / "dashboard.py")
    for path in [None] + page.page_files():
        at = AppTest.from_file(home, default_timeout=120)
        if path is not None:
            at.switch_page(f"pages/{path.name}")
        at.run()
        if at.exception:
            failed.append(path.name if path else "dashboard.py")
    print(json.dumps({"failed": failed, "funnel quantiles": calls["funnel quantiles"],
                      "comparisons": compare._labellings.cache_info().misses,
                      "loaded": sorted(m for m in sys.modules if m.split(".")[0] in ("scipy", "presidio_analyzer", "spacy"))}))
""")


def test_no_page_imports_scipy_stats(demo_data, use_data):
    use_data(demo_data)
    done = subprocess.run([sys.executable, "-c", _CHILD, str(config.ROOT)], capture_output=True, text=True,
                          env=dict(os.environ), timeout=900, check=True)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["failed"] == []
    assert seen["funnel quantiles"] > 0 and seen["comparisons"] > 0  # the pages computed both
    assert "scipy.special" in seen["loaded"]
    assert not [m for m in seen["loaded"] if m == "scipy.stats" or m.startswith("scipy.stats.")]
