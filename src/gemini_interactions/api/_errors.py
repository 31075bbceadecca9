"""Exceptions raised by the client.

::

    GeminiError                       anything this package raises on purpose
    ├── ConfigurationError            bad Vertex settings, bad arguments to create()
    │   ├── MissingAPIKeyError        no API key (or other credentials) was found
    │   └── InvalidAPIKeyError        the key has a line break, space or invisible character
    ├── WaitTimeoutError              wait() gave up before the interaction finished
    └── APIError                      the API (or the way to it) failed; .message, .interaction
        ├── APIConnectionError        could not connect, or the connection broke
        │   ├── APITimeoutError       a timeout
        │   └── StreamDroppedError    a stream ended early and could not be resumed
        └── APIStatusError            an HTTP error status; .status_code, .code, .status, .body
            ├── BadRequestError           400
            ├── AuthenticationError       401
            ├── PermissionDeniedError     403
            ├── NotFoundError             404 (unknown, deleted or unstored interaction)
            ├── ConflictError             409
            ├── UnprocessableEntityError  422
            ├── RateLimitError            429
            └── InternalServerError       5xx

An ``error`` event inside a stream is not raised: it is yielded as an ``ErrorEvent`` and the
folded interaction ends with status ``failed`` and ``error_event`` set: no partial output is lost.
Messages never contain an API key or token.
"""

from __future__ import annotations

import html
import re
from typing import Any

_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_NOISE = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


class GeminiError(Exception):
    """Base of every exception this package raises on purpose."""


class ConfigurationError(GeminiError):
    """The client cannot be used as configured (missing key, contradictory arguments, ...)."""


class MissingAPIKeyError(ConfigurationError):
    """No API key was passed or found in the environment (and no other credentials)."""


class InvalidAPIKeyError(ConfigurationError):
    """The configured key cannot be a key (a line break, a space, an invisible character).

    IPython shows it as one line, without a traceback in any ``%xmode``: the message says all a
    user needs, and no frame is shown that could hold the key.
    """

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}"]


class WaitTimeoutError(GeminiError):
    """``wait()`` ran out of time; ``.interaction`` is the last snapshot seen."""

    def __init__(self, message: str, interaction: Any = None) -> None:
        super().__init__(message)
        self.interaction = interaction


class APIError(GeminiError):
    def __init__(self, message: str, *, interaction: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.interaction = interaction
        """The partial interaction folded before the failure, when there was a stream."""


class APIConnectionError(APIError):
    pass


class APITimeoutError(APIConnectionError):
    pass


class StreamDroppedError(APIConnectionError):
    pass


class APIStatusError(APIError):
    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: int | str | None = None,
        status: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.status = status
        self.body = body
        self.headers = headers or {}


class BadRequestError(APIStatusError):
    pass


class AuthenticationError(APIStatusError):
    pass


class PermissionDeniedError(APIStatusError):
    pass


class NotFoundError(APIStatusError):
    pass


class ConflictError(APIStatusError):
    pass


class UnprocessableEntityError(APIStatusError):
    pass


class RateLimitError(APIStatusError):
    pass


class InternalServerError(APIStatusError):
    pass


def readable_text(body: str, limit: int = 300) -> str:
    """A body that is not JSON, as one short line: an HTML page (a proxy's or a captive
    portal's) becomes its title and visible text, not its markup."""
    text = " ".join(body.split())
    if text[:1] == "<":
        match = _TITLE.search(text)
        title = " ".join(html.unescape(match.group(1)).split()) if match else ""
        visible = " ".join(html.unescape(_TAG.sub(" ", _NOISE.sub(" ", text))).split())
        text = visible if visible.startswith(title) else f"{title}: {visible}"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error(
    status_code: int, body: Any, headers: dict[str, str], redact: Any = None
) -> APIStatusError:
    """The exception for an HTTP error response, keeping the server's message and status."""
    if isinstance(body, list) and len(body) == 1:
        body = body[0]  # some Google front ends wrap the error object in a list
    error = body.get("error") if isinstance(body, dict) else None
    code: int | str | None = None
    status: str | None = None
    if isinstance(error, dict):
        message = error.get("message")
        message = message if isinstance(message, str) else "" if message is None else str(message)
        code = error.get("code") if isinstance(error.get("code"), (int, str)) else None
        status = error.get("status") if isinstance(error.get("status"), str) else None
    elif isinstance(error, str):
        message = error
    elif isinstance(body, str):
        message = readable_text(body)
    else:
        message = ""
    if redact is not None:
        message = redact(message)
    label = f" {status}" if status else ""
    text = f"HTTP {status_code}{label}: {message}" if message else f"HTTP {status_code}{label}"
    cls = _BY_STATUS.get(status_code)
    if cls is None:
        cls = InternalServerError if status_code >= 500 else APIStatusError
    return cls(text, status_code=status_code, code=code, status=status, body=body, headers=headers)
