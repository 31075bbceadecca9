"""Google's search suggestions: shown as Google renders them, and never as their stylesheet.

A ``google_search_result`` carries ``search_suggestions``: an HTML chip row with its own
``<style>`` (global-looking rules for ``.container``, ``.chip``), which Google's grounding terms
ask apps to show as provided. Put in a notebook as is, that stylesheet would restyle every
``.container`` on the page; so the chips are shown in a sandboxed ``<iframe srcdoc>`` (its own
document: its CSS stays inside, no scripts run, links open a new tab).

Where HTML is sanitized (an untrusted notebook in JupyterLab or Notebook 7) the iframe is
removed; a plain list of the same links is written *inside* the iframe element: a browser never
shows an iframe's own content (it shows the frame's document), while a sanitizer that drops the
iframe tag keeps what was inside it. So exactly one of the two shows. Text forms (the card's
``text/plain``, the timeline) name the chips' queries, never the markup.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from typing import Any

__all__ = ["Chip", "chips_of", "suggestions_html", "suggestions_of", "suggestions_text"]

_FRAME_HEIGHT = 56


@dataclass(frozen=True)
class Chip:
    label: str
    url: str | None


class _ChipParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chips: list[Chip] = []
        self._href: str | None = None
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []
        elif tag in ("style", "script"):
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._text is not None:
            label = " ".join("".join(self._text).split())
            url = self._href if (self._href or "").startswith(("http://", "https://")) else None
            if label:
                self.chips.append(Chip(label, url))
            self._text = None


def _items(result: Any) -> list[Any]:
    """A result as a list of items. A recorded non-streamed result came as the Python repr of
    the list (``"[{'search_suggestions': ...}]"``), so a string that reads as a list of dicts is
    read as one (``ast.literal_eval``: literals only, nothing runs)."""
    if isinstance(result, str) and result.lstrip().startswith("[{"):
        try:
            result = ast.literal_eval(result)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return []
    if isinstance(result, dict):
        return [result]
    return list(result) if isinstance(result, list) else []


def suggestions_of(result: Any) -> list[str]:
    """The ``search_suggestions`` HTML snippets of a search result, in order, once each."""
    found: list[str] = []
    for item in _items(result):
        value = item.get("search_suggestions") if isinstance(item, dict) else None
        if isinstance(value, str) and value.strip() and value not in found:
            found.append(value)
    return found


def result_items(result: Any) -> list[Any]:
    """The result's items (a string holding a Python list read as the list)."""
    return _items(result)


def chips_of(snippets: list[str]) -> list[Chip]:
    """The chips (query and link) of the snippets, once each."""
    chips: list[Chip] = []
    for snippet in snippets:
        parser = _ChipParser()
        parser.feed(snippet)
        parser.close()
        chips.extend(c for c in parser.chips if c not in chips)
    return chips


def _fallback(chips: list[Chip]) -> str:
    items = "".join(
        f'<li><a href="{escape(c.url)}">{escape(c.label)}</a></li>'
        if c.url
        else f"<li>{escape(c.label)}</li>"
        for c in chips
    )
    return f"<ul>{items}</ul>" if items else ""


def suggestions_html(snippets: list[str]) -> str:
    """The snippets, each in a sandboxed iframe holding the plain links for sanitized views."""
    if not snippets:
        return ""
    fallback = _fallback(chips_of(snippets))
    inner = (
        f'<div class="gemini-search-suggestions-links"><p>Search suggestions (Google):</p>'
        f"{fallback}</div>"
        if fallback
        else ""
    )
    frames = "".join(
        '<iframe sandbox="allow-popups allow-popups-to-escape-sandbox" '
        'title="Google Search suggestions" '
        f'style="border:0;width:100%;height:{_FRAME_HEIGHT}px;display:block" '
        f'srcdoc="{escape(_document(snippet), quote=True)}">{inner if n == 0 else ""}</iframe>'
        for n, snippet in enumerate(snippets)
    )
    return f'<div class="gemini-search-suggestions">{frames}</div>'


def _document(snippet: str) -> str:
    # A base target: a chip is a link to Google Search, opened in a new tab, not in the frame.
    # "light dark": the frame follows the notebook's theme (Google's chip has rules for both)
    # and stays transparent instead of a white box in a dark notebook.
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><base target="_blank">'
        '<meta name="color-scheme" content="light dark">'
        "<style>body{margin:0;background:transparent}</style></head><body>"
        + snippet
        + "</body></html>"
    )


def suggestions_text(snippets: list[str]) -> str:
    """One line naming the chips' queries (no markup, no stylesheet)."""
    chips = chips_of(snippets)
    if not chips:
        return ""
    return "Search suggestions (Google): " + " · ".join(c.label for c in chips)


def suggestions_markdown(snippets: list[str]) -> str:
    chips = chips_of(snippets)
    links = [f"[{c.label}]({c.url})" if c.url else c.label for c in chips]
    return ("Search suggestions (Google): " + " · ".join(links)) if links else ""
