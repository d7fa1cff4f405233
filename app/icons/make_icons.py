#!/usr/bin/env python3
"""Draws the app icon: a white 营 on the brand red, as an SVG and as PNGs.

The glyph is built from rectangles rather than a font, so the icons come out
the same on any machine (no CJK font needed) from the standard library alone.
Run it from anywhere; it rewrites icon.svg, icon-192.png and icon-512.png
beside itself.
"""

import os
import struct
import zlib

RED = (0xB4, 0x23, 0x2A)
WHITE = (0xFF, 0xFF, 0xFF)

# The strokes of 营 on a 100×100 canvas: (x, y, width, height).
STROKES = [
    # 艹: a bar crossed by two short uprights.
    (24, 24, 52, 5),
    (35, 18, 5, 16),
    (60, 18, 5, 16),
    # 冖: a roof with two eaves.
    (21, 38, 58, 5),
    (21, 38, 5, 10),
    (74, 38, 5, 10),
    # 吕, upper 口.
    (35, 47, 30, 4.5),
    (35, 47, 4.5, 13),
    (60.5, 47, 4.5, 13),
    (35, 55.5, 30, 4.5),
    # the stroke joining the two 口.
    (47.75, 60, 4.5, 4),
    # 吕, lower 口.
    (30, 64, 40, 4.5),
    (30, 64, 4.5, 18),
    (65.5, 64, 4.5, 18),
    (30, 77.5, 40, 4.5),
]


def svg():
    rects = "\n".join(
        f'  <rect x="{x}" y="{y}" width="{w}" height="{h}"/>' for x, y, w, h in STROKES
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">\n'
        f'  <rect width="100" height="100" fill="#{bytes(RED).hex()}"/>\n'
        f'  <g fill="#{bytes(WHITE).hex()}">\n{rects}\n  </g>\n</svg>\n'
    )


def coverage(size, px, py):
    """How much of pixel (px, py) the strokes cover, 0..1 (exact for rectangles)."""
    scale = size / 100
    covered = 0.0
    for x, y, w, h in STROKES:
        dx = min(px + 1, (x + w) * scale) - max(px, x * scale)
        dy = min(py + 1, (y + h) * scale) - max(py, y * scale)
        if dx > 0 and dy > 0:
            covered += dx * dy
    return min(covered, 1.0)


def png(size):
    rows = []
    for py in range(size):
        row = bytearray([0])  # filter: none
        for px in range(size):
            a = coverage(size, px, py)
            row += bytes(round(r + (w - r) * a) for r, w in zip(RED, WHITE))
        rows.append(bytes(row))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "icon.svg"), "w") as f:
        f.write(svg())
    for size in (192, 512):
        with open(os.path.join(here, f"icon-{size}.png"), "wb") as f:
            f.write(png(size))
