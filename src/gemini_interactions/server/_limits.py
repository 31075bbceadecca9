"""The server's bounds: body size, JSON nesting, and how much it keeps (stored interactions and
the request log). Every bound answers a clear 4xx in the API's error shape, never a crash."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ._errors import ErrorReply, bad_request

MB = 1024 * 1024
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


@dataclass(frozen=True)
class Limits:
    """What one local server accepts and keeps (``gemini-interactions serve --help`` lists them).

    - ``max_body_bytes``: a bigger request body is a 413, refused while it is read.
    - ``max_json_depth``: JSON nested deeper is a 400 (Google's parsers stop at 100 too).
    - ``max_stored`` / ``max_stored_bytes``: the oldest stored interactions are evicted beyond
      these (finished ones first); a GET of an evicted id is a 404 that says so.
    - ``max_logged`` / ``max_logged_bytes``: the request log (``LocalServer.requests``) keeps the
      newest requests within these.
    """

    max_body_bytes: int = 32 * MB
    max_json_depth: int = 100
    max_stored: int = 1000
    max_stored_bytes: int = 32 * MB
    max_logged: int = 1000
    max_logged_bytes: int = 8 * MB

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive whole number, not {value!r}")


def too_large(size: int, limit: int) -> ErrorReply:
    return ErrorReply(
        413,
        f"Request payload size exceeds the limit: {limit} bytes (this body has {size} or more). "
        "The local server's limit is set with --max-body-mb.",
        status="INVALID_ARGUMENT",
    )


def too_deep(limit: int) -> ErrorReply:
    return bad_request(
        f"Invalid JSON payload received. JSON nested deeper than {limit} levels "
        "(the local server's limit, set with --max-json-depth)."
    )


def _deeper_than(value: Any, limit: int) -> bool:
    """Without recursion, so any depth json.loads accepts is checked safely."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        nested = [c for c in children if isinstance(c, dict | list)]
        if nested:
            if depth >= limit:
                return True
            stack.extend((c, depth + 1) for c in nested)
    return False


def parse_json_body(raw: bytes, max_depth: int) -> Any:
    """The body as JSON, or an ``ErrorReply`` 400: JSON requests are UTF-8 (RFC 8259 section 8.1),
    so UTF-16 or Latin-1 bodies are refused rather than guessed at."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise bad_request(
            f"Invalid JSON payload received. The body is not UTF-8 (byte {error.start}); "
            "send JSON encoded as UTF-8."
        ) from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise too_deep(max_depth) from None
    except ValueError as error:
        raise bad_request(f"Invalid JSON payload received. {error}.") from None
    if isinstance(value, dict | list) and _deeper_than(value, max_depth):
        raise too_deep(max_depth)
    if _SURROGATE_ESCAPE.search(text):
        # Only escapes can smuggle in surrogates; a pair is fine, a lone half is not Unicode
        # and would break every answer that echoes it.
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as error:
            raise bad_request(
                "Invalid JSON payload received. A string holds a lone surrogate "
                f"({error.object[error.start : error.end]!r}), which is not Unicode text."
            ) from None
    return value
