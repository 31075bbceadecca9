"""Google-style error bodies (``{"error": {"code": 404, "message": ..., "status": ...}}``)."""

from __future__ import annotations

from typing import Any

from ._exchange import EngineResponse

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class ErrorReply(Exception):
    """An error answer; raised anywhere in the engine, rendered once at the edge.

    Not the client's ``api.APIError``: this one is what the local server sends, that one is what
    the client raises on receiving it.
    """

    def __init__(
        self,
        code: int,
        message: str,
        *,
        status: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or STATUS_NAMES.get(code, "UNKNOWN")
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "status": self.status}}

    def response(self) -> EngineResponse:
        headers: list[tuple[str, str]] = []
        if self.retry_after is not None:
            headers.append(("retry-after", _seconds(self.retry_after)))
            headers.append(("retry-after-ms", str(int(self.retry_after * 1000))))
        return EngineResponse.json(self.code, self.body(), headers)


def _seconds(value: float) -> str:
    # Retry-After is an integer in HTTP; keep fractions for fast tests (the SDK parses floats).
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def bad_request(message: str) -> ErrorReply:
    return ErrorReply(400, message)


def not_found(message: str) -> ErrorReply:
    return ErrorReply(404, message)
