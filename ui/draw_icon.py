"""The dashboard's favicon, ``ui/icon.png``, drawn here (``python -m ui.draw_icon`` rewrites it).

A local image because Streamlit's browser code fetches a ``:material/…:`` page icon from
fonts.gstatic.com (an emoji is drawn inline, but differs from system to system), and the
dashboard makes no request beyond its own server (issue #16 tryout). Drawn with Pillow (a
dependency of Streamlit): a white speech bubble with three bars, rising like a chart, on an NHS
Blue rounded square; drawn at 4× and reduced, so the edges are smooth.
"""
from __future__ import annotations

from pathlib import Path

ICON = Path(__file__).resolve().parent / "icon.png"
SIZE = 64  # pixels a side: sharp in a tab at 2× and small (about 1 KB)
NHS_BLUE = (0, 94, 184, 255)
WHITE = (255, 255, 255, 255)


def draw():
    """The icon as a Pillow image (Pillow is imported here, not when a page imports ICON)."""
    from PIL import Image, ImageDraw

    scale = 4
    s = SIZE * scale
    image = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle((0, 0, s - 1, s - 1), radius=12 * scale, fill=NHS_BLUE)
    # the speech bubble: a rounded box with a tail at its lower left
    pen.rounded_rectangle((9 * scale, 10 * scale, 55 * scale, 44 * scale), radius=7 * scale, fill=WHITE)
    pen.polygon([(16 * scale, 43 * scale), (14 * scale, 55 * scale), (28 * scale, 43 * scale)], fill=WHITE)
    # three bars rising left to right, in blue inside the bubble
    for i, top in enumerate((30, 24, 17)):
        left = (18 + 10 * i) * scale
        pen.rectangle((left, top * scale, left + 7 * scale, 38 * scale), fill=NHS_BLUE)
    return image.resize((SIZE, SIZE), Image.Resampling.LANCZOS)


def main() -> None:
    draw().save(ICON, optimize=True)
    print(f"wrote {ICON} ({ICON.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
