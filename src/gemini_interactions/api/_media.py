"""Media in an interaction's answer (and thought summaries): images, audio, video, documents.

``Media`` is what a user holds: the bytes and MIME type, ``save()``, and a PIL image when
Pillow is installed (never required). Raw PCM speech (``audio/L16;rate=24000``, what Gemini's
speech models send) is wrapped as WAV, which every browser and player understands.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["MEDIA_KINDS", "Media", "media_of_steps"]

MEDIA_KINDS = frozenset({"image", "audio", "video", "document"})
_EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/svg+xml": "svg",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/ogg": "ogg",
    "audio/flac": "flac",
    "video/mp4": "mp4",
    "video/webm": "webm",
    "video/quicktime": "mov",
    "application/pdf": "pdf",
    "text/plain": "txt",
}
_PCM = re.compile(r"audio/(?:l16|pcm)\b", re.I)
_RATE = re.compile(r"rate=(\d+)", re.I)


def _get(item: Any, name: str) -> Any:
    if isinstance(item, dict):
        return item.get(name)
    return getattr(item, name, None)


def _pcm_to_wav(raw: bytes, mime: str) -> bytes:
    found = _RATE.search(mime)
    rate = int(found.group(1)) if found else 24_000
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(raw[: len(raw) - len(raw) % 2])
    return out.getvalue()


@dataclass
class Media:
    """One image, audio, video or document of an answer (``where``: ``answer`` or
    ``thought``), as data (``data``, decoded on demand) or a link (``uri``)."""

    kind: str
    mime_type: str | None = None
    base64: str | None = field(default=None, repr=False)
    """The data as sent: standard base64."""
    uri: str | None = None
    where: str = "answer"
    _bytes: bytes | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def data(self) -> bytes:
        """The bytes (empty for a ``uri`` item, or data that is not valid base64); raw PCM
        speech comes back as WAV (see ``mime``)."""
        if self._bytes is None:
            raw = b""
            if self.base64:
                try:
                    raw = base64.b64decode(self.base64, validate=False)
                except (binascii.Error, ValueError):
                    raw = b""
            if raw and _PCM.match(self.mime_type or ""):
                raw = _pcm_to_wav(raw, self.mime_type or "")
            self._bytes = raw
        return self._bytes

    @property
    def readable(self) -> bool:
        """The data is valid base64 of some bytes (a recording may hold a placeholder)."""
        text = "".join((self.base64 or "").split())
        try:
            return bool(text) and bool(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError):
            return False

    @property
    def mime(self) -> str:
        """The MIME type of ``data`` (``audio/wav`` for PCM speech)."""
        declared = (self.mime_type or "").strip()
        if _PCM.match(declared):
            return "audio/wav"
        if declared:
            return declared.split(";")[0].strip().lower()
        return {"image": "image/png", "audio": "audio/wav", "video": "video/mp4"}.get(
            self.kind, "application/octet-stream"
        )

    @property
    def size(self) -> int:
        """Bytes of data (estimated from the base64 without decoding)."""
        if self._bytes is not None or _PCM.match(self.mime_type or ""):
            return len(self.data)
        text = self.base64 or ""
        return len(text) * 3 // 4 - text[-2:].count("=")

    @property
    def extension(self) -> str:
        return _EXTENSIONS.get(self.mime, self.mime.rsplit("/", 1)[-1][:8] or "bin")

    def data_url(self) -> str:
        """A ``data:`` URL of the bytes (PCM speech as WAV)."""
        if _PCM.match(self.mime_type or ""):
            payload = base64.b64encode(self.data).decode("ascii")
        else:
            payload = "".join((self.base64 or "").split())
        return f"data:{self.mime};base64,{payload}"

    def save(self, path: str | Path | None = None) -> Path:
        """Write the bytes to ``path`` (a file, or a folder to put ``media.<ext>`` in; the
        current folder by default) and return where they went."""
        if not self.base64:
            raise ValueError(f"This {self.kind} is a link ({self.uri}), not data: nothing to save.")
        target = Path(path) if path is not None else Path(f"{self.kind}.{self.extension}")
        if target.is_dir():
            target = target / f"{self.kind}.{self.extension}"
        target.write_bytes(self.data)
        return target

    def to_pil(self) -> Any:
        """The image as a ``PIL.Image.Image`` (needs Pillow: ``pip install pillow``)."""
        if self.kind != "image":
            raise ValueError(f"A {self.kind} is not an image.")
        try:
            from PIL import Image  # type: ignore[import-not-found, unused-ignore]
        except ImportError:
            raise ImportError(
                "Showing an image as a PIL image needs Pillow: pip install pillow "
                "(or use .data for the bytes, .save() for a file)."
            ) from None
        return Image.open(io.BytesIO(self.data))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        label = f"{self.kind} ({self.mime}, {self.size:,} bytes)"
        if self.kind == "image" and self.base64 and self.mime in ("image/png", "image/jpeg"):
            return {self.mime: "".join(self.base64.split()), "text/plain": label}
        return {"text/plain": label if self.base64 else f"{self.kind}: {self.uri}"}


def media_of_steps(steps: list[Any]) -> list[Media]:
    """Every media item of the steps after the last prompt: answer content and thought
    summaries, in order (typed steps or their JSON dicts)."""
    found: list[Media] = []
    for step in steps:
        kind = _get(step, "type")
        if kind == "user_input":
            found = []
            continue
        if kind == "model_output":
            blocks, where = _get(step, "content") or [], "answer"
        elif kind == "thought":
            blocks, where = _get(step, "summary") or [], "thought"
        else:
            continue
        for block in blocks:
            block_kind = _get(block, "type")
            if block_kind not in MEDIA_KINDS:
                continue
            data, uri = _get(block, "data"), _get(block, "uri")
            if not isinstance(data, str) and not isinstance(uri, str):
                continue
            found.append(
                Media(
                    kind=str(block_kind),
                    mime_type=_get(block, "mime_type"),
                    base64=data if isinstance(data, str) and data else None,
                    uri=uri if isinstance(uri, str) else None,
                    where=where,
                )
            )
    return found
