"""The request log: every request received, credentials redacted, newest kept within bounds."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from ._exchange import EngineRequest
from ._redact import redact_headers, redact_json, redact_query

# A body that is not JSON is logged as text, cut to this many characters.
TEXT_KEPT = 2000


@dataclass
class RecordedRequest:
    """A request as the server received it, credentials redacted (for assertions in tests)."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    json: Any = None


class _Unparsed:
    """Marks a body that was refused before parsing (too large, not UTF-8, too deep)."""


UNPARSED: Any = _Unparsed()


class RequestLog:
    """A list (oldest first) that drops its oldest entries beyond ``max_count`` entries or
    ``max_bytes`` of bodies, so a long-running server's memory stays flat."""

    def __init__(self, max_count: int, max_bytes: int) -> None:
        self.max_count = max_count
        self.max_bytes = max_bytes
        self.entries: list[RecordedRequest] = []
        self._sizes: list[int] = []
        self._bytes = 0
        self._lock = threading.Lock()

    def add(self, request: EngineRequest, body: Any) -> None:
        if body is UNPARSED:
            kept = request.body[:TEXT_KEPT].decode("utf-8", "replace") if request.body else None
            body, size = kept, len(kept or "")
        else:
            size = len(request.body)
        if size > self.max_bytes:
            body, size = f"(a body of {size} bytes, more than the request log keeps)", 0
        entry = RecordedRequest(
            request.method,
            request.path,
            redact_query(request.query),
            redact_headers(request.headers),
            redact_json(body),
        )
        with self._lock:
            self.entries.append(entry)
            self._sizes.append(size)
            self._bytes += size
            drop = 0
            while len(self.entries) - drop > 1 and (
                len(self.entries) - drop > self.max_count or self._bytes > self.max_bytes
            ):
                self._bytes -= self._sizes[drop]
                drop += 1
            if drop:
                del self.entries[:drop]
                del self._sizes[:drop]
