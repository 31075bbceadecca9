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
from contextvars import ContextVar
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

from ._highlight import highlight
from ._style import SHEET, fold_point

__all__ = ["BlockChunks", "BlockSplitter", "answer_html", "markdown_html", "tail_html"]

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r" {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)", re.M)
_SENTENCE_END = re.compile(r"[.!?:;][\"')\]*_]*[ \t]+|\n")
_DELIMITER_ROW = re.compile(r" {0,3}\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_FIRST_TAG = re.compile(r"^<(p|ul|ol|blockquote|table|h[1-6])([ >])")
_LONG_WORDLESS = 2000
"""A paragraph piece with no sentence end this long is cut at a space."""
_PRE = re.compile(r"(<pre[ >].*?</pre>)", re.S)
_HEADING = re.compile(r"<h([123])>")
_HEADING_SIZES = {"1": "1.3em", "2": "1.15em", "3": "1.05em"}
"""Headings in an answer or a card, below JupyterLab's own (h1 is 2.6em there): an answer's
"# Title" must not outshout the lesson around it. Inline, so it holds with no stylesheet."""
_BLOCK_BREAK = re.compile(
    r"(</?(?:p|ul|ol|li|table|thead|tbody|tr|th|td|blockquote|h[1-6])(?: [^>]*)?>|<hr />)\n"
)


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    options = {"html": False, "highlight": _fence}
    return MarkdownIt("commonmark", options).enable(["table", "strikethrough"])


_HIGHLIGHTING: ContextVar[bool] = ContextVar("_HIGHLIGHTING", default=True)


def _fence(code: str, language: str, attrs: str) -> str:
    """A fenced block with a language, highlighted (markdown-it takes a ``<pre`` as it is)."""
    if not _HIGHLIGHTING.get():
        return ""
    body = highlight(code, language.split(" ")[0]) if language else None
    if body is None:
        return ""  # markdown-it's own escaped <pre><code>
    lang = language.split(" ")[0].replace("&", "&amp;").replace('"', "&quot;")
    return f'<pre class=gi-hl><code class="language-{lang}">{body}</code></pre>\n'


_CODE_TEXT = re.compile(r"(<code[^>]*>)(.*?)(</code>)", re.S)
_OPTIONAL_ENDS = re.compile(r"</(?:td|th|tr|li)>")


def markdown_html(text: str) -> str:
    """``text`` (Markdown) as HTML, raw HTML in it escaped; no line breaks between block tags
    (they show as nothing, and cost bytes on every message), except inside ``pre``.

    Also for bytes: end tags HTML lets one leave out (``</td>``, ``</th>``, ``</tr>``, ``</li>``;
    a table's HTML is otherwise twice its Markdown) are left out, and quotes in code are not
    escaped (only an attribute needs that; the tag's own attributes are kept as they are)."""
    # A fence still open is the live view's growing tail, re-rendered ~10 times a second:
    # it is highlighted once, when it is finished (Pygments costs ~15 µs a character).
    fenced = ("```" in text or "~~~" in text) and not _ends_in_fence(text)
    token = _HIGHLIGHTING.set(fenced)
    try:
        html: str = parser().render(text)
    finally:
        _HIGHLIGHTING.reset(token)
    if "<code" in html:
        html = _CODE_TEXT.sub(_unquote, html)
    parts = _PRE.split(html)
    html = "".join(p if n % 2 else _BLOCK_BREAK.sub(r"\1", p) for n, p in enumerate(parts))
    if "<h" in html:
        html = _HEADING.sub(lambda m: f'<h{m[1]} style="font-size:{_HEADING_SIZES[m[1]]}">', html)
    return _OPTIONAL_ENDS.sub("", html) if "</t" in html or "</li>" in html else html


_FIRST = re.compile(r"<(\w+)( class=gi-hl)?")


def answer_html(markdown: str, start: int = 0) -> str:
    """A piece of the answer (``start``: where it begins in the whole answer) as HTML whose
    first element says it is the answer (``gi-a``: the container and the copy buttons hang on
    it) and, past the fold, that it is folded (``gi-late``; ``_style``). A marker, not a
    wrapper: a block is often one short paragraph, and every byte is sent. The first piece
    also carries the answer's stylesheet."""
    cut = fold_point(markdown, start)
    sheet = SHEET if start == 0 else ""  # once per turn, with its first block
    if cut is None or cut == 0:
        return _mark(markdown_html(markdown), "gi-a gi-late" if cut == 0 else "gi-a") + sheet
    head = _mark(markdown_html(markdown[:cut]), "gi-a")
    return f"{head}<div class=gi-late>{markdown_html(markdown[cut:])}</div>{sheet}"


def tail_html(markdown: str, start: int) -> str:
    """The answer's last words when they share an output with the status line (the live view's
    end): wrapped, so the container and the fold hold them and not the status line."""
    if not markdown:
        return ""
    cut = fold_point(markdown, start)
    sheet = SHEET if start == 0 else ""  # the whole answer is this tail
    if cut is None or cut == 0:
        late = " gi-late" if cut == 0 else ""
        return f'<div class="gi-tail{late}">{markdown_html(markdown)}</div>{sheet}'
    head, rest = markdown_html(markdown[:cut]), markdown_html(markdown[cut:])
    return f'<div class="gi-tail">{head}<div class=gi-late>{rest}</div></div>{sheet}'


def _mark(html: str, classes: str) -> str:
    def tag(match: re.Match[str]) -> str:
        both = f"{classes} gi-hl" if match[2] else classes
        return f"<{match[1]} class={both}" if " " not in both else f'<{match[1]} class="{both}"'

    return _FIRST.sub(tag, html, count=1)


def _ends_in_fence(text: str) -> bool:
    fence: str | None = None
    for line in text.splitlines():
        if fence is not None:
            stripped = line.strip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                fence = None
        else:
            match = _FENCE.match(line)
            fence = match.group(1) if match else None
    return fence is not None


def _unquote(match: re.Match[str]) -> str:
    return match.group(1) + match.group(2).replace("&quot;", '"') + match.group(3)


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


def _escape(text: str) -> str:
    """As ``markdown_html`` escapes code, so a piece of a fence looks like the fence."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class BlockChunks:
    """A long block that is still growing, frozen in pieces so none is sent twice.

    ``block`` is the unfinished block as it starts (the splitter's tail); what kind of block it
    is decides where it can be cut: between lines of a code fence, a ``$$`` math block or a
    table, between items of a list, after a sentence of a paragraph. Each piece renders on its
    own (``html``) and the pieces stack into what reads as one block; once the block is
    finished it is sent again whole, as one block, which is what the saved notebook keeps.
    """

    def __init__(self, block: str) -> None:
        lead = len(block) - len(block.lstrip("\n"))
        lines = block[lead:].split("\n", 2)
        first = lines[0]
        self.lead = lead
        """Blank lines before the block (they belong to no piece)."""
        self.info = ""
        self.header = ""
        fence = _FENCE.match(first)
        if fence:
            self.kind = "fence"
            self.info = first.strip()[len(fence.group(1)) :].strip().split(" ")[0]
        elif first.strip() == "$$":
            self.kind = "math"
        elif _LIST_ITEM.match(first):
            self.kind = "list"
        elif first.lstrip().startswith("|") or (
            len(lines) > 1 and "|" in first and _DELIMITER_ROW.match(lines[1])
        ):
            self.kind = "table"
        elif first.startswith(">"):
            self.kind = "lines"
        else:
            self.kind = "paragraph"

    def cut(self, pending: str, *, first: bool) -> int:
        """How much of ``pending`` (the block's text not frozen yet) can be frozen now: 0, or
        an end that leaves no half line, half item or half sentence in a piece."""
        if self.kind in ("fence", "math", "lines"):
            return pending.rfind("\n") + 1
        if self.kind == "table":
            end = pending.rfind("\n") + 1
            if first:
                if pending.count("\n", 0, end) < 3:  # header and delimiter, and a row
                    return 0
                rows = pending[:end].split("\n", 2)
                self.header = rows[0] + "\n" + rows[1] + "\n"
            return end
        if self.kind == "list":
            starts = [m.start() for m in _LIST_ITEM.finditer(pending) if m.start() > 0]
            starts = [i for i in starts if pending[i - 1] == "\n"]
            return starts[-1] if starts else 0
        end = 0
        for match in _SENTENCE_END.finditer(pending):
            end = match.end()
        if not end and len(pending) > _LONG_WORDLESS:
            end = pending.rfind(" ") + 1
        return end

    def html(self, piece: str, *, first: bool) -> str:
        """One frozen piece as HTML that stacks onto the pieces before it without a seam
        (margins are inline styles: only the live view shows pieces; the saved block is whole)."""
        if first:
            piece = piece[self.lead :]
        if self.kind == "fence":
            if first:
                piece = piece.split("\n", 1)[1] if "\n" in piece else ""
            lang = f' class="language-{_escape(self.info)}"' if self.info else ""
            return f'<pre style="margin:0"><code{lang}>{_escape(piece)}</code></pre>'
        if self.kind == "math":  # the LaTeX as it streams; typeset once the block is whole
            return f'<pre style="margin:0">{_escape(piece)}</pre>'
        if self.kind == "table":
            html = markdown_html(piece if first else self.header + piece)
            if not first:
                html = re.sub(r"<thead>.*?</thead>", "", html, count=1, flags=re.S)
            return html.replace(
                "<table>", '<table style="table-layout:fixed;width:100%;margin:0">', 1
            )
        html = markdown_html(piece)
        return _FIRST_TAG.sub(r'<\1 style="margin:0"\2', html, count=1)
