"""SVG drawings as PNG pictures, for sharing where SVG is not taken (chat apps, social sites).

CairoSVG draws with the system's cairo (Debian's libcairo2, installed by `make setup`).
"""

import cairosvg

from milequest.blocking import run_blocking


def png_from_svg(svg: str, width: int) -> bytes:
    """`svg` drawn `width` pixels wide (its aspect kept), off the loop under gevent."""
    return run_blocking(_draw, svg, width)


def _draw(svg: str, width: int) -> bytes:
    return cairosvg.svg2png(bytestring=svg.encode(), output_width=width, unsafe=False)
