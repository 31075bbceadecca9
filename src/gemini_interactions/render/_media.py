"""Media answers as outputs: an image is its own ``image/png``/``image/jpeg`` output (what
nbconvert, GitHub and VS Code show natively), audio and video are ``<audio controls>`` /
``<video controls>``, a document is a download link, a ``uri`` is an element or a link.

An item over ``LARGE`` bytes is written to a file beside the notebook (``gemini_media/``) and
linked, so the ``.ipynb`` stays small. Each item is sent to the frontend once.
"""

from __future__ import annotations

import hashlib
import re
from html import escape
from pathlib import Path
from typing import Any

from ..api._media import Media, media_of_steps

__all__ = [
    "LARGE",
    "MEDIA_DIR",
    "describe",
    "media_bundle",
    "media_html",
    "media_key",
    "rounds_media",
    "write_file",
]

LARGE = 5 * 1024 * 1024
MEDIA_DIR = "gemini_media"
_NATIVE_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif"})
_ICONS = {"image": "🖼️", "audio": "🔊", "video": "🎞️", "document": "📄"}


Keys = dict[int, tuple[str, str]]
"""A live view's memo of digests: ``id`` of a data string -> (the string, its digest). The
string is held, so its ``id`` cannot be reused while the memo lives."""


def media_key(item: Media, keys: Keys | None = None) -> str:
    """Which item this is, whichever step index the stream or the final interaction gives it.
    ``keys`` memoises the digest of data seen before (a live view looks ~10 times a second)."""
    data = item.base64 or item.uri or ""
    known = keys.get(id(data)) if keys is not None else None
    if known is not None and known[0] is data:
        digest = known[1]
    else:
        digest = hashlib.sha1(data.encode("ascii", "replace"), usedforsecurity=False).hexdigest()
        if keys is not None:
            keys[id(data)] = (data, digest)
    return f"{item.kind}.{item.where}.{digest[:16]}"


def rounds_media(rounds: list[list[Any]], keys: Keys | None = None) -> list[Media]:
    """Every media item of the turn's rounds, in order, each once."""
    seen: set[str] = set()
    items: list[Media] = []
    for steps in rounds:
        for item in media_of_steps(steps):
            key = media_key(item, keys)
            if key not in seen:
                seen.add(key)
                items.append(item)
    return items


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} bytes"


def describe(item: Media, saved: str | None = None) -> str:
    """One line: what the item is, its size, and where it is."""
    what = ("💭 thought " if item.where == "thought" else "") + item.kind
    if item.base64:
        line = f"{_ICONS.get(item.kind, '▪️')} {what} ({item.mime}, {_size(item.size)})"
    else:
        line = f"{_ICONS.get(item.kind, '▪️')} {what} ({item.mime}) at {item.uri}"
    return line + (f", saved to {saved}" if saved else "")


def write_file(item: Media, directory: Path | None = None) -> str:
    """Write the item beside the notebook (the kernel's working folder) under ``gemini_media/``
    and return its path relative to that folder (the path a link in the notebook needs)."""
    base = directory if directory is not None else Path.cwd()
    folder = base / MEDIA_DIR
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{item.kind}-{media_key(item).rsplit('.', 1)[-1]}.{item.extension}"
    path = folder / re.sub(r"[^\w.-]", "_", name)
    if not path.exists():
        path.write_bytes(item.data)
    return f"{MEDIA_DIR}/{path.name}"


def _element(item: Media, src: str) -> str:
    source = escape(src, quote=True)
    label = escape(describe(item))
    if item.kind == "image":
        return f'<img alt="{label}" src="{source}" style="max-width:100%">'
    if item.kind == "audio":
        return f'<audio controls src="{source}" title="{label}"></audio>'
    if item.kind == "video":
        return f'<video controls src="{source}" style="max-width:100%" title="{label}"></video>'
    name = f"{item.kind}.{item.extension}"
    return f'<a download="{escape(name)}" href="{source}">{label}</a>'


def media_html(item: Media, saved: str | None = None) -> str:
    """The item as HTML: an element playing or showing it, and what it is."""
    if saved is not None:
        element = _element(item, saved)
        link = f'<a href="{escape(saved, quote=True)}">{escape(saved)}</a>'
        return f"<div>{element}<p><small>{escape(describe(item))}: {link}</small></p></div>"
    if item.base64:
        return f"<div>{_element(item, item.data_url())}</div>"
    uri = item.uri or ""
    link = f'<a href="{escape(uri, quote=True)}">{escape(describe(item))}</a>'
    if uri.startswith(("http://", "https://")) and item.kind in ("image", "audio", "video"):
        return f"<div>{_element(item, uri)}<p><small>{link}</small></p></div>"
    return f"<p>{link}</p>"


def media_bundle(item: Media, directory: Path | None = None) -> dict[str, str]:
    """The item as one output. A small image is a native ``image/*`` output (with no HTML copy
    of its bytes); anything over ``LARGE`` is a file beside the notebook, linked."""
    if item.base64 and not item.readable:
        # Never an image/* output of bytes no viewer can decode (a placeholder, a cut stream).
        note = f"{describe(item)}: its data is not valid base64, so it cannot be shown"
        return {"text/plain": note, "text/html": f"<p>{escape(note)}</p>"}
    if item.base64 and item.size > LARGE:
        saved = write_file(item, directory)
        return {"text/plain": describe(item, saved), "text/html": media_html(item, saved)}
    if item.base64 and item.kind == "image" and item.mime in _NATIVE_IMAGES:
        return {item.mime: "".join(item.base64.split()), "text/plain": describe(item)}
    return {"text/plain": describe(item), "text/html": media_html(item)}
