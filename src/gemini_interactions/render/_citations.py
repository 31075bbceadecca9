"""Citations: an answer's annotations as numbered markers in its text and a "Sources" list.

Annotations sit on a text block of a ``model_output`` step; ``start_index``/``end_index`` count
UTF-8 **bytes** of that block (Google documents its grounding segments so, and clients that
counted characters put markers mid-word in non-ASCII answers). The recorded Google Search
answers are ASCII, where both readings agree; a marker is placed at the span's end converted to
characters, moved past closing punctuation, and never inside a character.

The shown answer (``Turn.text``) is every round's text joined, so each annotated block is found
in it, in order, to turn block offsets into answer offsets. Sources are numbered in the order
their first marker appears; one source cited many times keeps its number.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Citations", "Source", "byte_to_char", "citations_of", "round_sources"]

_CLOSING = ".,;:!?)"
_NOT_SOURCES = frozenset({"speech_metadata", "word_info"})
"""Annotations that say who speaks or when a word was said, not where a claim comes from."""


def _get(item: Any, name: str) -> Any:
    if isinstance(item, dict):
        return item.get(name)
    return getattr(item, name, None)


def _dump(item: Any) -> dict[str, Any]:
    if isinstance(item, dict):
        return item
    dump = getattr(item, "model_dump", None)
    data: dict[str, Any] = dump(mode="json", exclude_none=True) if dump else {}
    return data


def byte_to_char(text: str, index: int, encoded: bytes | None = None) -> int:
    """The character offset of UTF-8 byte offset ``index`` in ``text`` (clamped to the text; an
    offset inside a multi-byte character moves to that character's end)."""
    data = text.encode("utf-8") if encoded is None else encoded
    index = max(0, min(index, len(data)))
    while index < len(data) and (data[index] & 0xC0) == 0x80:
        index += 1
    return len(data[:index].decode("utf-8", "replace"))


def _http(url: Any) -> str | None:
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None


@dataclass(frozen=True)
class Source:
    """One cited source: a web page, a file (and page), a place, or something newer."""

    kind: str
    label: str
    url: str | None = None
    detail: str = ""
    """E.g. "page 3" for a file citation."""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.url or self.label, self.detail)

    def markdown(self) -> str:
        label = _md_text(self.label)
        shown = f"[{label}]({_md_url(self.url)})" if self.url else label
        return f"{shown}, {self.detail}" if self.detail else shown

    def html(self) -> str:
        label = escape(self.label)
        shown = f'<a href="{escape(self.url)}">{label}</a>' if self.url else label
        return f"{shown}, {escape(self.detail)}" if self.detail else shown

    def plain(self) -> str:
        parts = [self.label + (f", {self.detail}" if self.detail else "")]
        if self.url and self.url != self.label:
            parts.append(self.url)
        return " — ".join(parts)


def _domain(url: str) -> str:
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


def source_of(annotation: Any) -> Source | None:
    """The source an annotation cites, or None when it cites none (speech, word timings)."""
    data = _dump(annotation)
    kind = str(data.get("type") or "citation")
    if kind in _NOT_SOURCES:
        return None
    if kind == "file_citation":
        name = data.get("file_name") or data.get("document_uri") or data.get("source")
        page = data.get("page_number")
        detail = f"page {page}" if isinstance(page, int) else ""
        uri = _http(data.get("document_uri"))
        return Source(kind, str(name or "a file"), uri, detail)
    if kind == "place_citation":
        name = data.get("name") or data.get("place_id") or "a place"
        return Source(kind, str(name), _http(data.get("url")))
    url = data.get("url") or data.get("uri") or data.get("source")
    title = data.get("title") or data.get("name")
    if not isinstance(url, str) and not isinstance(title, str):
        return None
    link = _http(url)
    label = str(title) if isinstance(title, str) and title else None
    if label is None:
        label = _domain(link) if link else str(url)
    return Source(kind, label, link)


def _md_text(text: str) -> str:
    return "".join("\\" + c if c in "\\`*_[]<>!~&$|#" else c for c in text)


def _md_url(url: str | None) -> str:
    return f"<{url}>" if url and any(c in url for c in " ()<>") else str(url)


@dataclass
class Citations:
    """Markers for an answer text: ``marks`` are (character offset, source numbers) sorted by
    offset; ``sources[n - 1]`` is source number ``n``."""

    sources: list[Source] = field(default_factory=list)
    marks: list[tuple[int, list[int]]] = field(default_factory=list)
    annotations: int = 0
    """How many annotations were read (a cheap "did anything change" for live views)."""

    def __bool__(self) -> bool:
        return bool(self.sources)

    def _markers(self, numbers: list[int], style: str) -> str:
        out = []
        for number in numbers:
            url = self.sources[number - 1].url
            if style == "markdown" and url:
                out.append(f"[\\[{number}\\]]({_md_url(url)})")
            elif style == "markdown":
                out.append(f"\\[{number}\\]")
            else:
                out.append(f"[{number}]")
        return "".join(out)

    def apply(self, text: str, start: int = 0, end: int | None = None, *, style: str) -> str:
        """``text[start:end]`` with its markers (``style`` ``markdown`` or ``plain``); a marker
        at ``end`` belongs to the slice only when ``end`` is the text's end (and the slice holds
        some of it: an empty tail after the last block shows no marker twice)."""
        stop = len(text) if end is None else end
        positions = [p for p, _ in self.marks]
        first = bisect.bisect_left(positions, start)
        last = (
            bisect.bisect_right(positions, stop)
            if stop >= len(text) and stop > start
            else bisect.bisect_left(positions, stop)
        )
        pieces: list[str] = []
        cursor = start
        for position, numbers in self.marks[first:last]:
            pieces.append(text[cursor:position])
            pieces.append(self._markers(numbers, style))
            cursor = position
        pieces.append(text[cursor:stop])
        return "".join(pieces)

    def markdown_list(self) -> str:
        items = "\n".join(f"{n}. {s.markdown()}" for n, s in enumerate(self.sources, 1))
        return f"**Sources**\n\n{items}" if items else ""

    def html_list(self) -> str:
        items = "".join(f"<li>{s.html()}</li>" for s in self.sources)
        return f"<p><strong>Sources</strong></p><ol>{items}</ol>" if items else ""

    def plain_list(self) -> str:
        items = "\n".join(f"[{n}] {s.plain()}" for n, s in enumerate(self.sources, 1))
        return f"Sources:\n{items}" if items else ""

    def bundle(self) -> dict[str, str]:
        return {
            "text/plain": self.plain_list(),
            "text/markdown": self.markdown_list(),
            "text/html": self.html_list(),
        }


def _text_blocks(steps: list[Any]) -> list[Any]:
    """Every answer text block of the steps, in step order."""
    blocks: list[Any] = []
    for step in steps:
        if _get(step, "type") != "model_output":
            continue
        for block in _get(step, "content") or []:
            if _get(block, "type") == "text":
                blocks.append(block)
    return blocks


def _end(block: str, encoded: bytes, end: Any, offset: int) -> int | None:
    if not isinstance(end, int) or isinstance(end, bool):
        return None
    char = byte_to_char(block, end, encoded)
    while char < len(block) and block[char] in _CLOSING:
        char += 1  # "…in 2026[1]." reads worse than "…in 2026.[1]"
    return offset + char


def citations_of(text: str, rounds: list[list[Any]], *, live_start: int | None = None) -> Citations:
    """The citations of ``text`` (the answer as shown) from the steps of each round (typed steps
    or their JSON dicts), whose annotated text blocks appear in ``text`` in order.

    ``live_start``: the last round is streaming, and its blocks hold annotations but not their
    words (a live view shows the words, it does not fold them): they count from there."""
    found = Citations()
    placed: dict[int, list[Source]] = {}
    cursor = 0
    for index, steps in enumerate(rounds):
        live = live_start is not None and index == len(rounds) - 1
        for block in _text_blocks(steps):
            body = _get(block, "text") or ""
            annotations = _get(block, "annotations") or []
            if live and not body and annotations and live_start is not None:
                cursor = min(max(cursor, live_start), len(text))
                body = text[cursor:]
            if not isinstance(body, str) or not body:
                continue
            offset = cursor if text.startswith(body, cursor) else text.find(body, cursor)
            if offset < 0:
                continue
            cursor = offset + len(body)
            if not annotations:
                continue
            encoded = body.encode("utf-8")
            for annotation in annotations:
                found.annotations += 1
                source = source_of(annotation)
                position = _end(body, encoded, _get(annotation, "end_index"), offset)
                if source is None:
                    continue
                placed.setdefault(position if position is not None else len(text), []).append(
                    source
                )
    numbers: dict[tuple[str, str, str], int] = {}
    for position in sorted(placed):
        marks: list[int] = []
        for source in placed[position]:
            known = numbers.get(source.key)
            if known is None:
                found.sources.append(source)
                known = numbers[source.key] = len(found.sources)
            if known not in marks:
                marks.append(known)
        found.marks.append((position, sorted(marks)))
    return found


def round_sources(steps: list[Any]) -> list[Source]:
    """The distinct sources the answer text of one round's steps cites, in order."""
    seen: dict[tuple[str, str, str], Source] = {}
    for block in _text_blocks(steps):
        for annotation in _get(block, "annotations") or []:
            source = source_of(annotation)
            if source is not None:
                seen.setdefault(source.key, source)
    return list(seen.values())
