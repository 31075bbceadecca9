"""Media the offline model makes itself, with the standard library only: a PNG bar chart, a WAV
tone, and a search-suggestions chip shaped like Google's (its own ``<style>`` included, so the
client's isolation of it can be seen offline)."""

from __future__ import annotations

import base64
import html
import io
import math
import struct
import wave
import zlib
from urllib.parse import quote_plus

__all__ = ["b64", "bar_chart_png", "search_chip", "tone_wav"]

_PALETTE = [(66, 133, 244), (52, 168, 83), (251, 188, 5), (234, 67, 53)]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _png(width: int, height: int, rows: list[bytearray]) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    raw = b"".join(b"\x00" + bytes(row) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


# A 3x5 pixel font for the value labels: each glyph is 5 rows of 3 bits.
_GLYPHS = {
    "0": (7, 5, 5, 5, 7),
    "1": (2, 6, 2, 2, 7),
    "2": (7, 1, 7, 4, 7),
    "3": (7, 1, 7, 1, 7),
    "4": (5, 5, 7, 1, 1),
    "5": (7, 4, 7, 1, 7),
    "6": (7, 4, 7, 5, 7),
    "7": (7, 1, 1, 1, 1),
    "8": (7, 5, 7, 5, 7),
    "9": (7, 5, 7, 1, 7),
    ".": (0, 0, 0, 0, 2),
    "-": (0, 0, 7, 0, 0),
}


def _label(rows: list[bytearray], text: str, centre: int, bottom: int, scale: int = 2) -> None:
    """``text`` in the pixel font, centred on ``centre``, its last row at ``bottom``."""
    width = len(rows[0]) // 3
    left = centre - (len(text) * 4 * scale - scale) // 2
    for n, char in enumerate(text):
        for r, bits in enumerate(_GLYPHS.get(char, (0, 0, 0, 0, 0))):
            for c in range(3):
                if not bits & (4 >> c):
                    continue
                for dy in range(scale):
                    y = bottom - (4 - r) * scale - (scale - 1) + dy
                    for dx in range(scale):
                        x = left + (n * 4 + c) * scale + dx
                        if 0 <= y < len(rows) and 0 <= x < width:
                            rows[y][3 * x : 3 * x + 3] = b"\x30\x30\x30"


def _shown(value: float) -> str:
    return str(int(value)) if value.is_integer() else f"{value:.3g}"


def bar_chart_png(values: list[float], width: int = 320, height: int = 180) -> bytes:
    """A bar chart of ``values`` (at most 24; negatives drawn as 0) on white, with an axis and
    each bar's value above it."""
    values = [max(0.0, float(v)) for v in values[:24]] or [1.0]
    top = max(values) or 1.0
    rows = [bytearray(b"\xff" * (width * 3)) for _ in range(height)]
    margin, base = 12, height - 14
    slot = (width - 2 * margin) / len(values)
    for n, value in enumerate(values):
        colour = _PALETTE[n % len(_PALETTE)]
        left = int(margin + n * slot + slot * 0.15)
        right = max(left + 1, int(margin + (n + 1) * slot - slot * 0.15))
        bar = int((base - 22) * value / top)
        for y in range(base - bar, base):
            row = rows[y]
            for x in range(left, min(right, width)):
                row[3 * x : 3 * x + 3] = bytes(colour)
        if len(values) <= 12:
            _label(rows, _shown(value), (left + right) // 2, base - bar - 4)
    for x in range(margin - 4, width - margin + 4):  # the axis
        rows[base][3 * x : 3 * x + 3] = b"\x40\x40\x40"
    return _png(width, height, rows)


def tone_wav(seconds: float = 1.0, frequency: float = 440.0, rate: int = 16_000) -> bytes:
    """A short sine tone with a gentle fade in and out, as 16-bit mono WAV."""
    frames = int(seconds * rate)
    fade = max(1, rate // 20)
    samples = bytearray()
    for n in range(frames):
        envelope = min(1.0, n / fade, (frames - n) / fade)
        value = int(12_000 * envelope * math.sin(2 * math.pi * frequency * n / rate))
        samples += struct.pack("<h", value)
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(bytes(samples))
    return out.getvalue()


_CHIP_STYLE = """<style>
.container { align-items: center; border-radius: 8px; display: flex;
  font-family: Google Sans, Roboto, sans-serif; font-size: 14px; line-height: 20px;
  padding: 8px 12px; background-color: #fafafa; box-shadow: 0 0 0 1px #0000000f; }
.chip { display: inline-block; border: solid 1px; border-radius: 16px; min-width: 14px;
  padding: 5px 16px; text-align: center; user-select: none; margin: 0 8px;
  background-color: #ffffff; border-color: #d2d2d2; color: #5e5e5e; text-decoration: none; }
.carousel { overflow: auto; scrollbar-width: none; white-space: nowrap; }
.headline { display: flex; margin-right: 4px; color: #1f1f1f; }
</style>"""


def search_chip(queries: list[str]) -> str:
    """Search suggestions as Google renders them: a stylesheet and a row of chips linking to
    Google Search (the offline model says "(offline)" in its headline)."""
    chips = "\n".join(
        f'    <a class="chip" href="https://www.google.com/search?q={quote_plus(q)}">'
        f"{html.escape(q)}</a>"
        for q in queries
    )
    return (
        f"{_CHIP_STYLE}\n"
        '<div class="container">\n'
        '  <div class="headline">Google (offline demo)</div>\n'
        f'  <div class="carousel">\n{chips}\n  </div>\n'
        "</div>\n"
    )
