#!/usr/bin/env python3
"""Write the installable app's icons to static/icons/ (committed; run again only
to change them): a white "S" on Sammen's blue (--brand in static/css/sammen.css),
full-bleed so one picture serves as both a plain and a maskable icon (the letter
stays inside the central safe zone a phone's mask keeps), and a white "S" on
transparent for the notification badge (Android draws only its shape).

    .venv/bin/python tools/make_icons.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "static" / "icons"
BRAND = "#1d5f8a"  # --brand: 6.6:1 against white
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def letter(size: int, *, background: str | None, share: float) -> Image.Image:
    """An "S" whose height is `share` of the picture, centred."""
    image = Image.new("RGBA", (size, size), background or (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, size=int(size * share * 1.35))
    left, top, right, bottom = draw.textbbox((0, 0), "S", font=font)
    x = (size - (right - left)) / 2 - left
    y = (size - (bottom - top)) / 2 - top
    draw.text((x, y), "S", font=font, fill="white")
    return image


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        # The mask's safe zone is a circle of 80 % of the width: the letter keeps
        # to about half of it.
        icon = letter(size, background=BRAND, share=0.5).convert("RGB")
        icon.save(OUT / f"icon-{size}.png", optimize=True)
    letter(96, background=None, share=0.8).save(OUT / "badge-96.png", optimize=True)


if __name__ == "__main__":
    main()
