"""An executed notebook as a plain-text transcript for a terminal (what ``make demo`` prints).

Markdown (the lesson's prose, and the answers' ``text/markdown``) is rendered to plain text: no
emphasis markers, no HTML tags (an answer's status line is ``<sub>`` in Markdown), tables as aligned
columns. Code, in code blocks and code spans, is kept as written.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.tree import SyntaxTreeNode

__all__ = ["markdown_text", "notebook_transcript", "strip_tags"]

_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]*>", re.S)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_GUTTER = 8


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def strip_tags(text: str) -> str:
    """``text`` (HTML) without its tags and comments, entities decoded."""
    return html.unescape(_TAG.sub("", text))


def markdown_text(source: str) -> str:
    """``source`` (Markdown) as plain text a terminal shows well."""
    from markdown_it.tree import SyntaxTreeNode

    tree = SyntaxTreeNode(_parser().parse(source))
    blocks = [_block(child) for child in tree.children]
    return "\n\n".join(b for b in blocks if b.strip()).strip("\n")


def _inline(node: SyntaxTreeNode) -> str:
    kind = node.type
    if kind == "text":
        return node.content
    if kind == "code_inline":
        return f"`{node.content}`"
    if kind in ("softbreak", "hardbreak"):
        return "\n"
    if kind == "html_inline":
        return ""  # a tag alone: <sub>, </sub>, <br>
    if kind == "image":
        return f"[image: {''.join(_inline(c) for c in node.children)}]"
    inner = "".join(_inline(c) for c in node.children)
    if kind == "link":
        href = str(node.attrs.get("href", ""))
        return inner if not href or href == inner else f"{inner} ({href})"
    return inner  # em, strong, s, inline: their text


def _text_of(node: SyntaxTreeNode) -> str:
    return "".join(_inline(c) for c in node.children)


def _block(node: SyntaxTreeNode) -> str:
    kind = node.type
    if kind == "heading":
        title = "".join(_text_of(c) for c in node.children).strip()
        rule = "=" if node.tag == "h1" else "-"
        return f"{title}\n{rule * len(title)}"
    if kind == "paragraph":
        return "".join(_text_of(c) for c in node.children)
    if kind in ("fence", "code_block"):
        return _indent(node.content.rstrip("\n"), "    ")
    if kind == "html_block":
        return strip_tags(node.content).strip()
    if kind == "hr":
        return "-" * 40
    if kind == "blockquote":
        inner = "\n\n".join(_block(c) for c in node.children)
        return _indent(inner, "> ")
    if kind in ("bullet_list", "ordered_list"):
        return _list(node)
    if kind == "table":
        return _table(node)
    return "\n\n".join(_block(c) for c in node.children)


def _list(node: SyntaxTreeNode) -> str:
    ordered = node.type == "ordered_list"
    start = int(str(node.attrs.get("start", 1))) if ordered else 1
    items = []
    for number, item in enumerate(node.children, start):
        marker = f"{number}. " if ordered else "- "
        body = "\n".join(_block(c) for c in item.children)
        first, _, rest = body.partition("\n")
        lines = [marker + first]
        if rest:
            lines.append(_indent(rest, " " * len(marker)))
        items.append("\n".join(lines))
    return "\n".join(items)


def _table(node: SyntaxTreeNode) -> str:
    rows: list[list[str]] = []
    for section in node.children:  # thead, tbody
        for row in section.children:
            rows.append([" ".join(_text_of(cell).split()) for cell in row.children])
    return _columns(rows, header=True)


def _columns(rows: Sequence[Sequence[str]], *, header: bool) -> str:
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    cells = [[*r, *([""] * (width - len(r)))] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(width)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    if header:
        lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _indent(text: str, prefix: str) -> str:
    return "\n".join((prefix + line).rstrip() for line in text.split("\n"))


def _joined(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def output_text(output: Mapping[str, Any]) -> str:
    """One cell output as plain text: Markdown rendered, HTML stripped, ANSI colours dropped."""
    kind = output.get("output_type")
    if kind == "stream":
        return _ANSI.sub("", _joined(output.get("text", ""))).rstrip()
    if kind == "error":
        name, value = output.get("ename", "Error"), output.get("evalue", "")
        return _ANSI.sub("", f"{name}: {value}".strip()).rstrip()
    data: Mapping[str, Any] = output.get("data") or {}
    if "text/markdown" in data:
        return markdown_text(_joined(data["text/markdown"]))
    if "text/plain" in data:
        return _ANSI.sub("", _joined(data["text/plain"])).rstrip()
    if "text/html" in data:
        return strip_tags(_joined(data["text/html"])).strip()
    images = [m for m in data if m.startswith("image/")]
    return f"[{images[0]}]" if images else ""


def _code_cell(cell: Mapping[str, Any]) -> str:
    count = cell.get("execution_count")
    label = f"In [{count}]" if count is not None else "In [ ]"
    source = _joined(cell.get("source", "")).strip("\n")
    lines = [_gutter(label, source)]
    shown = ""
    previous = None
    for output in cell.get("outputs", []):
        text = output_text(output)
        if not text:
            continue
        kind = output.get("output_type")
        # Displays are blocks (a live answer is saved as several); printed lines are lines.
        glue = "\n" if kind == previous == "stream" else "\n\n"
        shown = f"{shown}{glue}{text}" if shown else text
        previous = kind
    if shown:
        lines.append(_gutter("Out", shown))
    return "\n".join(lines)


def _gutter(label: str, text: str) -> str:
    first, *rest = text.split("\n")
    lines = [f"{label:<{_GUTTER}}{first}".rstrip()]
    lines.extend((" " * _GUTTER + line).rstrip() for line in rest)
    return "\n".join(lines)


def notebook_transcript(cells: Iterable[Mapping[str, Any]]) -> str:
    """Every cell of an executed notebook in order: prose as text, code with what it showed."""
    parts = []
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            parts.append(markdown_text(_joined(cell.get("source", ""))))
        elif cell.get("cell_type") == "code":
            parts.append(_code_cell(cell))
    return "\n\n".join(p for p in parts if p) + "\n"
