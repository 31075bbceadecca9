"""Cassettes: recorded exchanges, replayed byte for byte; and the recording proxy.

A cassette file is JSON: ``{"version": 1, "exchanges": [{"request": {...}, "response": {...}}]}``.
Requests are matched on a normalised form (method, path, query without credentials, JSON body
with sorted keys); identical requests replay their recordings in order, the last one repeating.
Credentials are redacted before anything is written.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx

from ..api._secret import Secret, register
from ._errors import ErrorReply
from ._exchange import DroppedConnection, EngineRequest, EngineResponse
from ._legacy import is_legacy
from ._redact import SECRET_QUERY, redact_headers, redact_json, redact_query, scrub, secrets_in

HOP_BY_HOP = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "keep-alive", "accept-encoding"}
)
Exchange = dict[str, Any]
MAX_CASSETTE_BYTES = 2**30
"""The largest cassette read: one bigger was not written by a recording."""


def _json_or_text(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return {"_raw": raw.decode("utf-8", "replace")}


def request_key(
    method: str,
    path: str,
    query: list[tuple[str, str]],
    body: Any,
    headers: dict[str, str] | None = None,
) -> str:
    """The normalised form two requests must share to be "the same request".

    The revision counts (a legacy recording must not answer a steps client), normalised the
    way the server reads ``Api-Revision``: absent and later dates are the same revision.
    """
    params = sorted((k, v) for k, v in query if k.lower() not in SECRET_QUERY)
    canonical = json.dumps(redact_json(body), sort_keys=True, ensure_ascii=False)
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    revision = "legacy" if is_legacy(lowered.get("api-revision")) else "steps"
    return json.dumps([method.upper(), path.rstrip("/"), params, canonical, revision])


def _recorded_key(exchange: Exchange) -> str:
    request = exchange["request"]
    return request_key(
        request["method"],
        request["path"],
        [tuple(p) for p in request.get("query", [])],
        request.get("json"),
        request.get("headers") or {},
    )


def _body_fields(raw: bytes, secrets: set[str]) -> dict[str, str]:
    try:
        return {"body": scrub(raw.decode("utf-8"), secrets)}
    except UnicodeDecodeError:
        return {"body_b64": base64.b64encode(raw).decode()}


def _is_exchange(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("request"), dict)
        and isinstance(item.get("response"), dict)
        and {"method", "path"} <= set(item["request"])
        and "status" in item["response"]
    )


def _broken_response(response: dict[str, Any]) -> str:
    """What is wrong with a recorded response, so replaying it cannot fail mid-turn (a broken
    one was served as an HTTP 500 whose advice, "re-run in a moment", could never help)."""
    status = response.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        return f"has status {status!r}, not an HTTP status"
    headers = response.get("headers", [])
    if not isinstance(headers, list) or not all(
        isinstance(h, list) and len(h) == 2 and all(isinstance(x, str) for x in h) for h in headers
    ):
        return "has headers that are not [name, value] pairs of text"
    if "body_b64" in response:
        try:
            base64.b64decode(str(response["body_b64"]), validate=True)
        except ValueError:
            return "has a body_b64 that is not base64"
        return ""
    body = response.get("body", "")
    if body is not None and not isinstance(body, str):
        return "has a body that is not text"
    kind = next((v for k, v in headers if k.lower() == "content-type"), "")
    if body and "json" in kind:
        try:
            json.loads(body)
        except (ValueError, RecursionError):
            return "has a JSON body that does not parse"
    return ""


class Cassette:
    """Recorded exchanges; ``path`` (if given) is rewritten after every recorded exchange."""

    def __init__(self, exchanges: list[Exchange] | None = None, path: str | Path | None = None):
        self.exchanges: list[Exchange] = list(exchanges or [])
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self._served: dict[str, int] = {}

    @classmethod
    def load(cls, path: str | Path) -> Cassette:
        """Read a cassette file; a file that is not one fails here, with its name, not later."""
        try:
            size = Path(path).stat().st_size
        except OSError:
            size = 0  # read_text below says why it cannot be read
        if size > MAX_CASSETTE_BYTES:
            raise ValueError(
                f"cassette {path} is {size / 2**30:.1f} GB, more than a recording may be "
                f"({MAX_CASSETTE_BYTES // 2**30} GB); nothing was loaded"
            )
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as error:
            raise ValueError(f"cannot read cassette {path}: {error.strerror or error}") from None
        except ValueError as error:
            raise ValueError(f"cassette {path} is not JSON: {error}") from None
        except RecursionError:
            raise ValueError(
                f"cassette {path} is nested too deeply to be a recording; nothing was loaded"
            ) from None
        exchanges = data.get("exchanges") if isinstance(data, dict) else None
        if not isinstance(exchanges, list) or not all(_is_exchange(e) for e in exchanges):
            raise ValueError(
                f'{path} is not a cassette: expected {{"version": 1, "exchanges": [...]}} '
                "as written by 'gemini-interactions serve --record' (is it a fixture file?)"
            )
        for number, exchange in enumerate(exchanges, 1):
            problem = _broken_response(exchange["response"])
            if problem:
                raise ValueError(
                    f"cassette {path} is damaged: the response of exchange {number} {problem}; "
                    "it was edited or cut short. Record it again (or export with --cassette "
                    "again); nothing was loaded"
                )
        return cls(exchanges, None)

    def save(self, path: str | Path | None = None) -> None:
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("no path to save the cassette to")
        with self._lock:
            text = json.dumps(
                {"version": 1, "exchanges": self.exchanges}, indent=1, ensure_ascii=False
            )
        target.write_text(text + "\n", encoding="utf-8")

    def record(self, request: EngineRequest, status: int, headers: Any, raw: bytes) -> None:
        body = _json_or_text(request.body)
        secrets = secrets_in(request.headers, request.query, body)
        exchange = {
            "request": {
                "method": request.method,
                "path": request.path,
                "query": [list(p) for p in redact_query(request.query)],
                "headers": redact_headers(request.headers),
                "json": redact_json(body),
            },
            "response": {
                "status": status,
                "headers": [[k, v] for k, v in redact_headers(headers, secrets).items()],
                **_body_fields(raw, secrets),
            },
        }
        with self._lock:
            self.exchanges.append(exchange)
        if self.path is not None:
            self.save()

    def replay(self, request: EngineRequest) -> EngineResponse | None:
        """The recorded response for this request, or None when nothing matches."""
        body = _json_or_text(request.body)
        key = request_key(request.method, request.path, request.query, body, request.headers)
        with self._lock:
            matches = [e for e in self.exchanges if _recorded_key(e) == key]
            if not matches:
                return None
            served = self._served.get(key, 0)
            self._served[key] = served + 1
        response = matches[min(served, len(matches) - 1)]["response"]
        if "body_b64" in response:
            raw = base64.b64decode(response["body_b64"])
        else:
            raw = str(response.get("body", "")).encode()
        headers = [(str(k), str(v)) for k, v in response.get("headers", [])]
        return EngineResponse(int(response["status"]), headers, raw)

    def mentions(self, interaction_id: str) -> bool:
        """Whether a recorded exchange names this interaction id (a replay can continue it)."""
        needle = interaction_id.encode()
        with self._lock:
            exchanges = list(self.exchanges)
        for exchange in exchanges:
            response = exchange.get("response", {})
            if "body_b64" in response:
                raw = base64.b64decode(response["body_b64"])
            else:
                raw = str(response.get("body", "")).encode()
            if needle in raw:
                return True
        return False

    def explain_miss(self, request: EngineRequest) -> str:
        """Why nothing matched, for a strict replay's error message."""
        body = _json_or_text(request.body)
        same_path = [
            e["request"]
            for e in self.exchanges
            if e["request"]["method"].upper() == request.method.upper()
            and e["request"]["path"].rstrip("/") == request.path.rstrip("/")
        ]
        where = f"{request.method} {request.path}"
        if not same_path:
            return f"The cassette has no exchange for {where} ({len(self.exchanges)} recorded)."
        differ: set[str] = set()
        mine = redact_json(body) if isinstance(body, dict) else {}
        for recorded in same_path:
            theirs = recorded.get("json") if isinstance(recorded.get("json"), dict) else {}
            differ |= {k for k in {*mine, *theirs} if mine.get(k) != theirs.get(k)}
        fields = ", ".join(sorted(differ)) or "query or Api-Revision"
        return (
            f"No recorded exchange matches this request: {len(same_path)} recorded for {where} "
            f"differ in: {fields}."
        )


class _ProxyStream:
    """Passes an upstream body through unchanged while keeping a copy for the cassette."""

    def __init__(self, response: httpx.Response, done: Any) -> None:
        self._response = response
        self._done = done

    def sync_chunks(self) -> Iterator[bytes]:
        buffer = bytearray()
        try:
            for chunk in self._response.iter_raw():
                buffer += chunk
                yield chunk
        except httpx.TransportError:
            raise DroppedConnection from None
        finally:
            self._response.close()
            self._done(bytes(buffer))

    async def async_chunks(self, batch: bool = False) -> AsyncIterator[bytes]:
        buffer = bytearray()  # passed on as they come from upstream, whatever ``batch`` says
        try:
            async for chunk in self._response.aiter_raw():
                buffer += chunk
                yield chunk
        except httpx.TransportError:
            raise DroppedConnection from None
        finally:
            await self._response.aclose()
            self._done(bytes(buffer))


def _unreachable(upstream: str, error: Exception) -> EngineResponse:
    message = f"Upstream {upstream} unreachable: {type(error).__name__}."
    return ErrorReply(502, message).response()


class Recorder:
    """Record mode: forward every request to ``upstream`` and write exchanges to ``cassette``."""

    def __init__(self, upstream: str, cassette: Cassette) -> None:
        self.upstream = upstream.rstrip("/")
        self.cassette = cassette
        self._timeout = httpx.Timeout(10.0, read=None)
        self._sync: httpx.Client | None = None
        self._async: httpx.AsyncClient | None = None
        self._held: set[str] = set()
        self._holders: list[Secret] = []

    def _request(self, request: EngineRequest) -> tuple[str, dict[str, str], list[Any]]:
        # The HTTP loggers of this process (httpcore DEBUG prints response headers, an echoing
        # upstream's copy of the key included) scrub the credentials that pass through.
        for value in secrets_in(request.headers, request.query, None) - self._held:
            self._held.add(value)
            self._holders.append(Secret(value))
            register(self._holders[-1])
        headers = {k: v for k, v in request.headers.items() if k not in HOP_BY_HOP}
        headers["accept-encoding"] = "identity"
        return self.upstream + request.path, headers, list(request.query)

    def _finish(self, request: EngineRequest, response: httpx.Response) -> EngineResponse:
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in HOP_BY_HOP]

        def done(raw: bytes) -> None:
            self.cassette.record(request, response.status_code, headers, raw)

        return EngineResponse(response.status_code, headers, stream=_ProxyStream(response, done))

    def forward_sync(self, request: EngineRequest) -> EngineResponse:
        if self._sync is None:
            self._sync = httpx.Client(timeout=self._timeout)
        url, headers, query = self._request(request)
        built = self._sync.build_request(
            request.method, url, params=query, headers=headers, content=request.body
        )
        try:
            return self._finish(request, self._sync.send(built, stream=True))
        except httpx.TransportError as error:
            return _unreachable(self.upstream, error)

    async def forward_async(self, request: EngineRequest) -> EngineResponse:
        if self._async is None:
            self._async = httpx.AsyncClient(timeout=self._timeout)
        url, headers, query = self._request(request)
        built = self._async.build_request(
            request.method, url, params=query, headers=headers, content=request.body
        )
        try:
            return self._finish(request, await self._async.send(built, stream=True))
        except httpx.TransportError as error:
            return _unreachable(self.upstream, error)
