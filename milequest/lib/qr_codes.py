"""QR codes as inline SVG (no image request, works offline and with JavaScript off)."""

import segno
from markupsafe import Markup


def qr_svg(url: str, title: str) -> Markup:
    svg = segno.make(url, error="m").svg_inline(
        scale=4, border=2, title=title, dark="#111", light="#fff", omitsize=True
    )
    return Markup(svg)  # segno escapes the URL and title itself
