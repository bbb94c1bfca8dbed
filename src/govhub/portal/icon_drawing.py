"""Draws the app's icons with the standard library only (zlib + struct PNG writer, SVG text),
so no third-party asset enters the repository. The files are committed; rerun after a
change: ``DJANGO_SETTINGS_MODULE=tests.settings python -m govhub.portal.icon_drawing``
(Django only to read the catalog's entries). A test checks the committed files match."""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

STATIC = Path(__file__).parent / "static" / "portal"
RED = (179, 38, 30)
GOLD = (255, 214, 0)
WHITE = (255, 255, 255)
Pixel = tuple[int, int, int, int]


def _png(width: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, len(rows), 8, 6, 0, 0, 0)  # 8-bit RGBA
    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 on every row
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def _star(cx: float, cy: float, outer: float) -> list[tuple[float, float]]:
    inner = outer * 0.382  # a regular five-pointed star
    return [(cx + (outer if i % 2 == 0 else inner) * math.sin(i * math.pi / 5),
             cy - (outer if i % 2 == 0 else inner) * math.cos(i * math.pi / 5))
            for i in range(10)]


def _inside(x: float, y: float, polygon: list[tuple[float, float]]) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _pixel(x: float, y: float, size: int, *, maskable: bool,
           star: list[tuple[float, float]]) -> Pixel:
    # A rounded square for "any" icons; full bleed for maskable ones, whose platform mask
    # may cut up to the 80 % safe zone (W3C Manifest, icon purpose "maskable").
    radius = 0 if maskable else size * 0.18
    cx = min(max(x, radius), size - radius)
    cy = min(max(y, radius), size - radius)
    if radius and math.hypot(x - cx, y - cy) > radius:
        return (0, 0, 0, 0)
    ring = math.hypot(x - size / 2, y - size / 2) / (size / 2)
    if _inside(x, y, star):
        return (*GOLD, 255)
    if (0.56 if maskable else 0.70) < ring < (0.62 if maskable else 0.77):
        return (*WHITE, 255)
    return (*RED, 255)


def emblem_png(size: int, *, maskable: bool = False) -> bytes:
    """A gold star in a white ring on the masthead red."""
    star = _star(size / 2, size / 2 * 1.04, size * (0.22 if maskable else 0.3))
    rows = []
    for y in range(size):
        row = bytearray()
        for x in range(size):
            row.extend(_pixel(x + 0.5, y + 0.5, size, maskable=maskable, star=star))
        rows.append(bytes(row))
    return _png(size, rows)


def letter_svg(letters: str, colour: str) -> str:
    """A catalog icon: the mini-app's initials on a coloured tile (no third-party logos)."""
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 48 48" width="48" '
            f'height="48"><rect width="48" height="48" rx="11" fill="{colour}"/>'
            '<text x="24" y="31" font-family="system-ui,sans-serif" font-size="18" '
            f'font-weight="700" fill="#fff" text-anchor="middle">{letters}</text></svg>\n')


def files() -> dict[Path, bytes]:
    from govhub.portal.catalog_seed import ICON_TILES

    out = {STATIC / "icons" / "icon-192.png": emblem_png(192),
           STATIC / "icons" / "icon-512.png": emblem_png(512),
           STATIC / "icons" / "maskable-512.png": emblem_png(512, maskable=True)}
    for code, (letters, colour) in ICON_TILES.items():
        out[STATIC / "apps" / f"{code}.svg"] = letter_svg(letters, colour).encode()
    return out


def main() -> None:
    for path, content in files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


if __name__ == "__main__":
    import django

    django.setup()
    main()
