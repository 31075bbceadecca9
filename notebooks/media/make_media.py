"""Rebuild the three small files that 06-multimodal attaches, with nothing but the standard library.

    python make_media.py      # run inside notebooks/media/

- ``bars.png``: a 240x160 bar chart of three conditions (blue 40, orange 100, green 70 units tall)
  on a white background with a grey baseline, written as a PNG with zlib.
- ``abstract.pdf``: a one-page PDF with a short, made-up study abstract, written by hand.
- ``tone.wav``: one second of a 440 Hz sine tone (A4), 8 kHz, 8-bit mono, fading in and out.
"""

from __future__ import annotations

import math
import struct
import wave
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent

WIDTH, HEIGHT = 240, 160
BASELINE = 140
BARS = [  # (left x, width, height in pixels, RGB)
    (30, 50, 40, (31, 119, 180)),  # A: blue
    (95, 50, 100, (255, 127, 14)),  # B: orange
    (160, 50, 70, (44, 160, 44)),  # C: green
]

ABSTRACT = [
    "Short naps and word-list recall: a pilot study",
    "",
    "Forty undergraduates learned a list of 30 word pairs at noon.",
    "Half then took a 20-minute nap; half watched a nature video.",
    "At 4 pm the nap group recalled 21.4 pairs on average (SD 3.1),",
    "the video group 18.2 (SD 3.6); t(38) = 3.01, p = .005.",
    "A brief nap after learning may protect new memories.",
    "This pilot was not preregistered; a larger study should follow.",
]


def png_bytes() -> bytes:
    rows = []
    for y in range(HEIGHT):
        row = bytearray([0])  # filter type 0 for every scanline
        for x in range(WIDTH):
            colour = (255, 255, 255)
            if BASELINE <= y < BASELINE + 2 and 20 <= x < 220:
                colour = (120, 120, 120)
            for left, width, height, rgb in BARS:
                if left <= x < left + width and BASELINE - height <= y < BASELINE:
                    colour = rgb
            row += bytes(colour)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def pdf_bytes() -> bytes:
    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    lines = ["BT", "/F1 16 Tf", "56 760 Td", f"({escape(ABSTRACT[0])}) Tj", "/F1 11 Tf"]
    for text in ABSTRACT[1:]:
        lines += ["0 -18 Td", f"({escape(text)}) Tj"]
    lines.append("ET")
    stream = "\n".join(lines).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def write_wav(path: Path, seconds: float = 1.0, rate: int = 8000, hz: float = 440.0) -> None:
    frames = bytearray()
    total = int(seconds * rate)
    fade = rate // 20  # 50 ms in and out, so the tone does not click
    for n in range(total):
        envelope = min(1.0, n / fade, (total - 1 - n) / fade)
        sample = math.sin(2 * math.pi * hz * n / rate) * 0.6 * envelope
        frames.append(int(128 + 127 * sample))  # 8-bit WAV samples are unsigned
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(rate)
        out.writeframes(bytes(frames))


if __name__ == "__main__":
    (HERE / "bars.png").write_bytes(png_bytes())
    (HERE / "abstract.pdf").write_bytes(pdf_bytes())
    write_wav(HERE / "tone.wav")
    for name in ("bars.png", "abstract.pdf", "tone.wav"):
        print(name, (HERE / name).stat().st_size, "bytes")
