"""Markdown for the answer: CommonMark to static HTML in the kernel, and the finished blocks of a
growing text.

The model's text is untrusted, so raw HTML in it is escaped (markdown-it-py with ``html=False``)
and only http(s)/mailto links survive (markdown-it's own link check). The splitter finds where
finished blocks end in an append-only text by scanning each new line once, so following a
100 KB answer costs O(answer), and it never ends a block inside a fenced code block or a ``$$``
math block.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

__all__ = ["BlockSplitter", "markdown_html"]

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_PRE = re.compile(r"(<pre>.*?</pre>)", re.S)
_BLOCK_BREAK = re.compile(
    r"(</?(?:p|ul|ol|li|table|thead|tbody|tr|th|td|blockquote|h[1-6])(?: [^>]*)?>|<hr />)\n"
)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def markdown_html(text: str) -> str:
    """``text`` (Markdown) as HTML, raw HTML in it escaped; no line breaks between block tags
    (they show as nothing, and cost bytes on every message), except inside ``pre``."""
    html: str = _parser().render(text)
    parts = _PRE.split(html)
    return "".join(p if n % 2 else _BLOCK_BREAK.sub(r"\1", p) for n, p in enumerate(parts))


class BlockSplitter:
    """Follows an append-only Markdown text and says which leading part of it is finished.

    A block is finished at a blank line outside any fence or math block, or at the line that
    closes a fence. ``feed(text)`` returns the newly finished part (possibly several blocks, or
    empty); ``tail(text)`` is what is not finished yet.
    """

    def __init__(self) -> None:
        self.done = 0
        """Where the finished part of the text ends."""
        self._scan = 0
        self._fence: str | None = None
        self._math = False
        self._content = False  # a non-blank line since the last boundary

    @property
    def in_fence(self) -> bool:
        return self._fence is not None or self._math

    def feed(self, text: str) -> str:
        start, boundary = self.done, self.done
        while True:
            end = text.find("\n", self._scan)
            if end < 0:
                break
            line = text[self._scan : end]
            self._scan = end + 1
            if self._fence is not None:
                stripped = line.strip()
                if stripped.startswith(self._fence) and set(stripped) == {self._fence[0]}:
                    self._fence = None
                    boundary = self._scan
                    self._content = False
                continue
            if self._math:
                if line.strip() == "$$":
                    self._math = False
                    boundary = self._scan
                    self._content = False
                continue
            match = _FENCE.match(line)
            if match:
                self._fence = match.group(1)
                self._content = True
            elif line.strip() == "$$":
                self._math = True
                self._content = True
            elif not line.strip():
                if self._content:
                    boundary = self._scan
                self._content = False
            else:
                self._content = True
        self.done = boundary
        return text[start:boundary]

    def force(self, text: str) -> str:
        """Everything not finished, as finished (a step came between): unless a fence is open."""
        finished = self.feed(text)
        if self.in_fence:
            return finished
        rest, self.done = text[self.done :], len(text)
        self._scan, self._content = len(text), False
        return finished + rest

    def tail(self, text: str) -> str:
        return text[self.done :]
