"""Draw the app icons (static/icons/*.png) from the favicon's design, with no image library.

Our own artwork: a teal disc, the white route and the amber team marker of static/img/favicon.svg.
Run once after changing the design: `.venv/bin/python scripts/make_icons.py`; the PNGs are
committed. Shapes are anti-aliased from their signed distance to each pixel's centre.
"""

import math
import struct
import zlib
from itertools import pairwise
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "static" / "icons"
TEAL, WHITE, AMBER = (15, 118, 110), (255, 255, 255), (251, 191, 36)


def _cubic(p0, p1, p2, p3, steps=24):
    for i in range(1, steps + 1):
        t = i / steps
        u = 1 - t
        yield tuple(
            u**3 * a + 3 * u * u * t * b + 3 * u * t * t * c + t**3 * d
            for a, b, c, d in zip(p0, p1, p2, p3, strict=True)
        )


# The favicon's path "M6 23c5 0 5-9 10-9s5 5 10-5" in its 32-unit box.
ROUTE = [(6, 23), *_cubic((6, 23), (11, 23), (11, 14), (16, 14))]
ROUTE += list(_cubic((16, 14), (21, 14), (21, 19), (26, 9)))


def _segment_distance(px, py, a, b):
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def _blend(under, over, alpha):
    return tuple(round(u + (o - u) * alpha) for u, o in zip(under, over, strict=True))


def _coverage(signed_distance: float, edge: float) -> float:
    """How much of a pixel a shape covers, from the signed distance of its centre to the edge."""
    return max(0.0, min(1.0, 0.5 - signed_distance / (2 * edge)))


def _pixel(x, y, unit, full_bleed):
    """The RGBA colour at pixel centre (x, y); `unit` pixels per favicon unit."""
    u, v = x / unit, y / unit
    edge = 0.5 / unit  # half a pixel, in favicon units
    disc = _coverage(math.hypot(u - 16, v - 16) - 16, edge)
    colour, alpha = TEAL, 1.0 if full_bleed else disc
    route = min(_segment_distance(u, v, a, b) for a, b in pairwise(ROUTE))
    colour = _blend(colour, WHITE, _coverage(route - 1.25, edge))
    colour = _blend(colour, AMBER, _coverage(math.hypot(u - 16, v - 14) - 3.5, edge))
    return (*colour, round(alpha * 255))


def draw(size: int, *, maskable: bool = False) -> bytes:
    """A PNG of `size` px. Maskable icons fill the square; the design keeps to the safe zone."""
    scale = 0.72 if maskable else 1.0  # the maskable safe zone is the central 80 % circle
    unit = size * scale / 32
    offset = size * (1 - scale) / 2
    rows = []
    for y in range(size):
        row = bytearray(b"\x00")
        for x in range(size):
            row += bytes(_pixel(x + 0.5 - offset, y + 0.5 - offset, unit, maskable))
        rows.append(bytes(row))
    return _png(size, b"".join(rows))


def _png(size: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in (
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("icon-maskable-512.png", 512, True),
        ("apple-touch-icon.png", 180, True),
    ):
        (OUT / name).write_bytes(draw(size, maskable=maskable))
        print(OUT / name)
