"""The dashboard's favicon is a local image (issue #16 tryout in Chromium, 4 Dec 2026).

Streamlit's browser code turns a ``:material/…:`` page icon (what the pages passed) into a
request to fonts.gstatic.com, so every page asked a third party for its tab icon. The icon is
now ``ui/icon.png``, drawn by ``ui/draw_icon.py`` and served by the dashboard itself;
``tests/test_browser.py`` checks in Chromium that no request leaves the dashboard's server.
"""
from __future__ import annotations

import ast

from PIL import Image, ImageChops

from tests.support import ROOT
from ui import draw_icon, page


def _page_config_calls() -> list[tuple[str, ast.Call]]:
    """Every ``set_page_config(...)`` call in dashboard.py, pages/ and ui/."""
    files = [ROOT / "dashboard.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]
    calls = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "set_page_config":
                calls.append((path.relative_to(ROOT).as_posix(), node))
    return calls


def test_the_page_icon_is_the_local_png_in_the_repository():
    calls = _page_config_calls()
    assert [where for where, _ in calls] == ["ui/page.py"], "one page set-up sets the page config"
    [(_, call)] = calls
    icon = {k.arg: k.value for k in call.keywords}.get("page_icon")
    assert isinstance(icon, ast.Name) and icon.id == "ICON", ast.dump(call)
    assert page.ICON == draw_icon.ICON == ROOT / "ui" / "icon.png"
    assert page.ICON.is_file() and page.ICON.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert page.ICON.stat().st_size < 10_000  # read on every page run


def test_the_icon_file_is_what_the_script_draws():
    """ui/icon.png is made by ``python -m ui.draw_icon`` (not copied from anywhere): redrawn, the
    pixels are the same."""
    with Image.open(page.ICON) as stored:
        assert stored.size == (draw_icon.SIZE, draw_icon.SIZE)
        assert ImageChops.difference(stored.convert("RGBA"), draw_icon.draw()).getbbox() is None
