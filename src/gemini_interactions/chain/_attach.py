"""Attachments: files, bytes and images as ``image`` / ``audio`` / ``video`` / ``document`` content.

The content type follows the MIME type: from the file name, from the bytes' signature, or as given
in a ``(data, mime_type)`` pair.
"""

from __future__ import annotations

import base64
import io
import mimetypes
import os
from pathlib import Path
from typing import Any

from ._errors import ChainUsageError

MAX_INLINE_BYTES = 20 * 1024 * 1024
"""The API's limit for inline data in one request; bigger files go through the Files API."""

# (prefix at offset, mime type); checked in order.
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"BM", 0, "image/bmp"),
    (b"%PDF-", 0, "application/pdf"),
    (b"WAVE", 8, "audio/wav"),
    (b"ID3", 0, "audio/mp3"),
    (b"\xff\xfb", 0, "audio/mp3"),
    (b"fLaC", 0, "audio/flac"),
    (b"OggS", 0, "audio/ogg"),
    (b"AVI ", 8, "video/avi"),
    (b"ftypqt", 4, "video/mov"),
    (b"ftyp", 4, "video/mp4"),
    (b"\x1aE\xdf\xa3", 0, "video/webm"),
)

_EXTRA_TYPES = {".md": "text/markdown", ".csv": "text/csv", ".webp": "image/webp"}


def sniff_mime(data: bytes) -> str | None:
    for prefix, offset, mime in _SIGNATURES:
        if data[offset : offset + len(prefix)] == prefix:
            return mime
    return None


def content_type(mime: str) -> str:
    """The content block type for a MIME type."""
    major = mime.split("/", 1)[0]
    return major if major in ("image", "audio", "video") else "document"


def _block(data: bytes, mime: str) -> dict[str, Any]:
    if len(data) > MAX_INLINE_BYTES:
        raise ChainUsageError(
            f"The attachment is {len(data) / 1e6:.1f} MB; inline attachments are limited to "
            "20 MB. Upload it with the Files API and attach its URI instead."
        )
    return {
        "type": content_type(mime),
        "mime_type": mime,
        "data": base64.b64encode(data).decode("ascii"),
    }


def _from_path(path: Path, label: str) -> dict[str, Any]:
    if path.is_dir():
        raise ChainUsageError(
            f"Cannot attach {label}: {path} is a directory, not a file. Attach the files "
            "inside it instead."
        )
    if not path.is_file():
        raise ChainUsageError(
            f"Cannot attach {label}: no such file ({path}). Give a file path or the name of a "
            "variable holding bytes, a path or an image."
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ChainUsageError(f"Cannot attach {label}: {exc.strerror or exc}.") from None
    mime = _EXTRA_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    mime = mime or sniff_mime(data)
    if mime is None:
        raise ChainUsageError(
            f"Cannot tell what kind of file {label} is. Rename it with a known extension "
            "(.png, .pdf, .mp3 ...) or pass (data, 'mime/type')."
        )
    return _block(data, mime)


def attachment_content(item: Any, label: str | None = None) -> dict[str, Any]:
    """One attachment as a content block: a path, a URL, bytes, ``(bytes, mime)``, a PIL image,
    or a content dict (used as is)."""
    label = label or repr(item)[:60]
    if isinstance(item, dict) and "type" in item:
        return dict(item)
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], str):
        data, mime = item
        if isinstance(data, (bytes, bytearray, memoryview)):
            return _block(bytes(data), mime)
    if isinstance(item, (bytes, bytearray, memoryview)):
        data = bytes(item)
        mime = sniff_mime(data)
        if mime is None:
            raise ChainUsageError(
                f"Cannot tell what kind of data {label} holds (no known file signature). Pass "
                "(data, 'mime/type') instead."
            )
        return _block(data, mime)
    if isinstance(item, str) and item.startswith(("https://", "http://", "gs://")):
        mime = mimetypes.guess_type(item.split("?", 1)[0])[0]
        if mime is None:
            raise ChainUsageError(
                f"Cannot tell the MIME type of {item}; pass {{'type': ..., 'uri': ..., "
                "'mime_type': ...} instead."
            )
        return {"type": content_type(mime), "uri": item, "mime_type": mime}
    if isinstance(item, (str, os.PathLike)):
        return _from_path(Path(os.fspath(item)).expanduser(), label)
    if hasattr(item, "save") and hasattr(item, "mode") and hasattr(item, "size"):  # PIL image
        buffer = io.BytesIO()
        try:
            item.save(buffer, format="PNG")
        except Exception as exc:
            raise ChainUsageError(f"Cannot encode image {label} as PNG: {exc}.") from None
        return _block(buffer.getvalue(), "image/png")
    raise ChainUsageError(
        f"Cannot attach {label} of type {type(item).__name__}: attach a file path, bytes, "
        "(bytes, mime_type) or a PIL image."
    )
