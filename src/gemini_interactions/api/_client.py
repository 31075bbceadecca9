"""``Client`` and ``AsyncClient``: the Interactions API over httpx, with retries and redaction.

Method names follow the official SDK (``client.interactions.create/get/cancel/delete``) so its
users feel at home; ``wait`` polls a background interaction to the end.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any

import httpx

from .. import __version__
from ._config import Settings, resolve
from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    readable_text,
    status_error,
)
from ._fold import Fold
from ._request import RequestSpec
from ._retry import (
    RetryNotice,
    RetryPolicy,
    announce,
    current_pacer,
    reason,
    retry_after,
    waited_in_scope,
)
from ._secret import Secret, hold, register, scrub, scrub_data
from ._sse import DONE, sse_payloads
from ._text import encode_body
from ._translate_legacy import LegacyEventTranslator
from ._wire import STEPS_REVISION

logger = logging.getLogger("gemini_interactions.api")

_AUTH_HEADERS = frozenset({"authorization", "x-goog-api-key"})
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=None, write=60.0, pool=30.0)
"""No read timeout: a non-streamed create or a background poll can legitimately take minutes."""
DEFAULT_STALL_TIMEOUT = 60.0
"""A stream that sends no byte for this long has stalled: it is resumed or fails, never hangs."""


class _BaseClient:
    def __init__(
        self,
        api_key: Secret | None,
        *,
        base_url: str | None,
        api_version: str | None,
        api_revision: str | None,
        vertex: bool | None,
        project: str | None,
        location: str | None,
        credentials: Any,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
        retry_policy: RetryPolicy | None,
        default_headers: Mapping[str, str] | None,
        auto_continue: bool,
        auto_resume: bool,
        has_transport: bool,
        clock: Callable[[], float] | None,
        environ: Mapping[str, str] | None,
        sleep: Callable[[float], Any] | None,
        stall_timeout: float | None = DEFAULT_STALL_TIMEOUT,
    ) -> None:
        own_auth = [
            Secret(v) for k, v in (default_headers or {}).items() if k.lower() in _AUTH_HEADERS
        ]
        self._settings: Settings = resolve(
            api_key=api_key,
            base_url=base_url,
            api_version=api_version,
            vertex=vertex,
            project=project,
            location=location,
            credentials=credentials,
            require_key=not has_transport,
            environ=environ,
            external_auth=bool(own_auth),
        )
        self._own_auth = bool(own_auth)
        """The caller's own auth header wins and suppresses the managed one."""
        for value in own_auth:
            bare = Secret(value.get().removeprefix("Bearer ").strip())
            self._settings.secrets.extend([value, bare])
            register(value)
            register(bare)
        self.stall_timeout = stall_timeout
        """Seconds a stream may send nothing before it is resumed or fails (None: forever)."""
        self.on_retry: Callable[[RetryNotice], None] | None = None
        """Called with a ``RetryNotice`` before every retry wait (also ``retry_notices``)."""
        self.api_revision = api_revision
        self.retry_policy = retry_policy or RetryPolicy(max_retries=max_retries)
        self.auto_continue = auto_continue
        self.auto_resume = auto_resume
        self.clock = clock or time.monotonic
        self._given_sleep = sleep
        """The ``sleep`` argument (a test's fake); None: the twin's own default."""
        self._timeout = (
            DEFAULT_TIMEOUT
            if timeout is None
            else timeout
            if isinstance(timeout, httpx.Timeout)
            else httpx.Timeout(timeout, read=None)
        )
        self._default_headers = {
            "user-agent": f"gemini-interactions/{__version__} httpx/{httpx.__version__}",
            **(default_headers or {}),
        }

    @property
    def _pacer(self) -> Callable[[float], None] | None:
        """Who decides when the next attempt goes: the ``paced`` block's pacer (a ``--map``
        pool spacing all its requests), or None when this client sleeps a retry's wait itself.
        Each twin waits through it in its own way (``_pause``), and sleeps with ``_sleep``."""
        return current_pacer()

    @property
    def revision(self) -> str:
        """The revision answers are read in unless they show otherwise: ``api_revision`` when
        one is sent, else the steps revision (what the API speaks without the header)."""
        return self.api_revision or STEPS_REVISION

    @property
    def base_url(self) -> str:
        """Where requests go, without any user, password or query a URL may carry."""
        url = httpx.URL(self._settings.base_url + self._settings.prefix)
        return str(url.copy_with(username=None, password=None, query=None, fragment=None))

    def __repr__(self) -> str:
        if not hasattr(self, "_settings"):  # shown by a frame dump while __init__ failed
            return f"{type(self).__name__}(not configured)"
        s = self._settings
        auth = (
            "own-header"
            if self._own_auth
            else "api-key"
            if s.api_key
            else "oauth"
            if s.credentials is not None
            else "none"
        )
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, "
            f"api_revision={self.api_revision!r}, auth={auth!r})"
        )

    def redact(self, text: str) -> str:
        """``text`` with every credential this client knows, and any echoed piece of 8 or more
        characters of one (escaped forms included), replaced by ``***``."""
        return scrub(text, self._settings.secrets)

    def _timeouts(self, spec: RequestSpec) -> dict[str, float | None]:
        """A stream, a poll, a cancel or a delete that sends no byte for ``stall_timeout`` has
        stalled; only a non-streamed create may be silent for long (it answers when done). An
        explicit read timeout (``timeout=httpx.Timeout(..., read=30)``) wins."""
        timeouts = self._timeout.as_dict()
        quiet_is_normal = spec.method == "POST" and not spec.stream and spec.path == "/interactions"
        if timeouts["read"] is None and self.stall_timeout is not None and not quiet_is_normal:
            timeouts["read"] = self.stall_timeout
        return timeouts

    def _base_headers(self) -> dict[str, str]:
        headers = dict(self._default_headers)
        if self.api_revision:
            # Only on request: since GA the API speaks steps without it, and the header is not
            # CORS-safe in browsers (the official SDK stopped sending it for that reason).
            headers["api-revision"] = self.api_revision
        return headers

    def _request(self, spec: RequestSpec) -> httpx.Request:
        # The body first: a body that cannot be sent is refused before any header exists.
        content: bytes | None = None
        if spec.json is not None:
            content = encode_body(spec.json)
        elif spec.method == "POST":
            content = b""
        headers = self._base_headers()
        headers["accept"] = "text/event-stream" if spec.stream else "application/json"
        if spec.json is not None:
            headers["content-type"] = "application/json"
        # The key is revealed only inside this expression, never held in a local of ours.
        return httpx.Request(
            spec.method,
            self._settings.url(spec.path),
            params=spec.params or None,
            headers=headers if self._own_auth else {**headers, **self._settings.auth_headers()},
            content=content,
            extensions={"timeout": self._timeouts(spec)},
        )

    def describe(self, spec: RequestSpec) -> dict[str, Any]:
        """What would be sent, credentials redacted (for dry runs and logs)."""
        headers = self._base_headers()
        headers["accept"] = "text/event-stream" if spec.stream else "application/json"
        if spec.json is not None:
            headers["content-type"] = "application/json"
        for name in list(headers):
            if name.lower() in _AUTH_HEADERS:
                headers[name] = "***"
        if self._own_auth:
            pass  # the caller's own header, already masked above
        elif self._settings.api_key is not None:
            headers["x-goog-api-key"] = "***"
        elif self._settings.credentials is not None:
            headers["authorization"] = "Bearer ***"
        url = httpx.URL(self._settings.url(spec.path), params=spec.params or None)
        return {"method": spec.method, "url": str(url), "headers": headers, "json": spec.json}

    def _headers(self, response: httpx.Response) -> dict[str, str]:
        secrets = self._settings.secrets
        return {scrub(k, secrets): scrub(v, secrets) for k, v in response.headers.items()}

    def _error_text(self, raw: bytes) -> str:
        """An error body as text, scrubbed at once: a server may echo the key in it, and a
        frame holding the raw bytes would show it in a verbose traceback."""
        return self.redact(raw.decode("utf-8", "replace"))

    def _status_error(self, response: httpx.Response, text: str) -> APIStatusError:
        try:
            # Scrubbed again once parsed: a JSON escape (\u0041...) hides a key from the raw pass.
            body: Any = scrub_data(json.loads(text), self._settings.secrets)
        except ValueError:
            body = text
        return status_error(response.status_code, body, self._headers(response), self.redact)

    def _connection_error(self, exc: httpx.TransportError) -> APIConnectionError:
        cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
        return cls(self.redact(f"Could not reach {self.base_url}: {type(exc).__name__}: {exc}"))

    def _refused_on_this_machine(self, error: httpx.TransportError) -> bool:
        """A local server that refuses a connection is not running: waiting will not help, so
        say so at once instead of after several seconds of retries."""
        host = httpx.URL(self._settings.base_url).host
        return isinstance(error, httpx.ConnectError) and host in _LOOPBACK

    def _next_wait(
        self,
        spec: RequestSpec,
        attempt: int,
        on_retry: Callable[[], None] | None,
        *,
        spent: float = 0.0,
        error: httpx.TransportError | None = None,
        response: httpx.Response | None = None,
        text: str = "",
    ) -> float:
        """How long to wait before retrying a failed attempt, or raise when it must not be.

        ``spent``: what this request's earlier attempts and waits took; a retry that would take
        it (or the ``retry_notices`` block it is in) past ``max_total_wait`` is not made."""
        policy = self.retry_policy
        spent = max(spent, waited_in_scope())  # the turn's earlier requests' waits count too
        asked: float | None = None
        if response is not None:
            if attempt >= policy.max_retries or not policy.should_retry_status(
                response.status_code
            ):
                raise self._status_error(response, text)
            wait = policy.delay(attempt + 1, response.headers)
            why = reason(response.status_code)
            asked = retry_after(response.headers)
            if asked is not None and asked <= wait:
                asked = None
            if spent + wait > policy.max_total_wait:
                raise self._status_error(response, text)
        else:
            assert error is not None
            if attempt >= policy.max_retries or self._refused_on_this_machine(error):
                raise self._connection_error(error) from None
            wait, why = policy.delay(attempt + 1), reason(error=error)
            if spent + wait > policy.max_total_wait:
                raise self._connection_error(error) from None
        notice = RetryNotice(
            why,
            wait,
            attempt + 2,
            policy.max_retries + 1,
            asked=asked,
            status_code=response.status_code if response is not None else None,
        )
        logger.info("%s %s: %s", spec.method, spec.path, notice)
        if on_retry is not None:
            on_retry()
        for listener in (self.on_retry, announce):
            if listener is not None:
                try:
                    listener(notice)
                except Exception:  # a listener's bug must not turn a retry into a failure
                    logger.exception("a retry listener failed")
        return wait

    def _parse_json(self, response: httpx.Response, raw: bytes) -> dict[str, Any]:
        """The resource in a success response; an ``APIStatusError`` saying what came instead
        when it is not a JSON object (a proxy's HTML page, a list, ``null``)."""
        if not raw.strip():
            return {}
        content_type = response.headers.get("content-type", "")
        if content_type.partition(";")[0].strip().lower() == "text/event-stream":
            # Some servers (aimock among them) stream even when "stream" was left out: fold it.
            return _fold_body(raw)
        try:
            data = json.loads(raw)
        except ValueError:
            what = "something that is not JSON"
        else:
            if isinstance(data, dict):
                return data
            what = f"JSON {_JSON_KINDS.get(type(data), 'data')}, not an object"
        text = self.redact(raw.decode("utf-8", "replace"))
        raise APIStatusError(
            f"HTTP {response.status_code}: expected an interaction but the server answered "
            f"with {what}: {readable_text(text, 200)}",
            status_code=response.status_code,
            body=text[:500],
            headers=self._headers(response),
        )


_JSON_KINDS = {list: "a list", str: "a string", int: "a number", float: "a number"}
_JSON_KINDS.update({bool: "a boolean", type(None): "null"})


def _fold_body(raw: bytes) -> dict[str, Any]:
    translator, fold = LegacyEventTranslator(), Fold()
    for payload in sse_payloads([raw]):
        if payload is DONE:
            break
        fold.feed(translator.translate(payload))
    return fold.snapshot()


class Client(_BaseClient):
    """A synchronous client. Arguments override the environment::

    Client()                                   # GEMINI_API_KEY / GOOGLE_API_KEY
    Client(base_url="http://127.0.0.1:4010")   # a local server
    Client(transport=LocalServer().transport())  # in-process, no socket, no key
    Client(vertex=True, project="p", location="us-central1")  # Vertex AI, ADC credentials

    Requests go to the ``v1`` path, as the API is generally available (``api_version="v1beta"``
    or ``GOOGLE_GENAI_API_VERSION=beta`` for the beta path), with no ``Api-Revision`` header
    unless ``api_revision`` is given (``LEGACY_REVISION`` asks for the old ``outputs`` schema).
    Without an API key (argument or environment) the live API is refused at once with
    ``MissingAPIKeyError``; a ``transport``, ``http_client`` or ``base_url`` may need none.
    """

    def __init__(
        self,
        api_key: str | Secret | None = None,
        *,
        base_url: str | None = None,
        api_version: str | None = None,
        api_revision: str | None = None,
        vertex: bool | None = None,
        project: str | None = None,
        location: str | None = None,
        credentials: Any = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 4,
        retry_policy: RetryPolicy | None = None,
        default_headers: Mapping[str, str] | None = None,
        auto_continue: bool = True,
        auto_resume: bool = True,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
        clock: Callable[[], float] | None = None,
        environ: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] | None = None,
        stall_timeout: float | None = DEFAULT_STALL_TIMEOUT,
    ) -> None:
        api_key = hold(api_key)  # from here on only the holder: no frame dump shows the key
        super().__init__(
            api_key,
            base_url=base_url,
            api_version=api_version,
            api_revision=api_revision,
            vertex=vertex,
            project=project,
            location=location,
            credentials=credentials,
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            default_headers=default_headers,
            auto_continue=auto_continue,
            auto_resume=auto_resume,
            has_transport=transport is not None or http_client is not None,
            clock=clock,
            environ=environ,
            sleep=sleep,
            stall_timeout=stall_timeout,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(transport=transport, timeout=self._timeout)
        from ._resource import Interactions

        self.interactions = Interactions(self, self._sleep)

    def _sleep(self, seconds: float) -> None:
        """Sleep between retries and polls: ``sleep`` when given, else ``retry_policy.sleep``."""
        (self._given_sleep or self.retry_policy.sleep)(seconds)

    def _pause(self, wait: float) -> None:
        """Wait before an attempt (``wait`` 0 before the first): the pacer's turn, else a sleep."""
        pacer = self._pacer
        if pacer is not None:
            pacer(wait)
        elif wait > 0:
            self._sleep(wait)

    def send(self, spec: RequestSpec, on_retry: Callable[[], None] | None = None) -> httpx.Response:
        """Send with retries; the response is open (stream) or read, and always a success."""
        self._pause(0.0)  # a pool's turn is not a retry's wait
        attempt, waited, started = 0, 0.0, time.monotonic()
        while True:
            # Fake sleeps (tests) count what they were asked; real time counts slow attempts.
            spent = max(waited, time.monotonic() - started)
            try:
                response = self._http.send(self._request(spec), stream=True)
            except httpx.TransportError as exc:
                spent = max(waited, time.monotonic() - started)
                wait = self._next_wait(spec, attempt, on_retry, spent=spent, error=exc)
            else:
                if response.status_code < 400:
                    if not spec.stream:
                        response.read()
                        response.close()
                    return response
                text = self._error_text(response.read())
                response.close()
                wait = self._next_wait(
                    spec, attempt, on_retry, spent=spent, response=response, text=text
                )
            attempt += 1
            waited += wait
            self._pause(wait)

    def request_json(self, spec: RequestSpec) -> dict[str, Any]:
        response = self.send(spec)
        return self._parse_json(response, response.content)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClient(_BaseClient):
    """The asyncio twin of ``Client`` (same arguments; ``transport`` is an async transport)."""

    def __init__(
        self,
        api_key: str | Secret | None = None,
        *,
        base_url: str | None = None,
        api_version: str | None = None,
        api_revision: str | None = None,
        vertex: bool | None = None,
        project: str | None = None,
        location: str | None = None,
        credentials: Any = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 4,
        retry_policy: RetryPolicy | None = None,
        default_headers: Mapping[str, str] | None = None,
        auto_continue: bool = True,
        auto_resume: bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] | None = None,
        environ: Mapping[str, str] | None = None,
        sleep: Callable[[float], Awaitable[Any]] | None = None,
        stall_timeout: float | None = DEFAULT_STALL_TIMEOUT,
    ) -> None:
        api_key = hold(api_key)  # from here on only the holder: no frame dump shows the key
        super().__init__(
            api_key,
            base_url=base_url,
            api_version=api_version,
            api_revision=api_revision,
            vertex=vertex,
            project=project,
            location=location,
            credentials=credentials,
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            default_headers=default_headers,
            auto_continue=auto_continue,
            auto_resume=auto_resume,
            has_transport=transport is not None or http_client is not None,
            clock=clock,
            environ=environ,
            sleep=sleep,
            stall_timeout=stall_timeout,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(transport=transport, timeout=self._timeout)
        from ._resource import AsyncInteractions

        self.interactions = AsyncInteractions(self, self._sleep)

    async def _sleep(self, seconds: float) -> None:
        """Sleep between retries and polls: ``sleep`` when given, else ``asyncio.sleep``
        (``retry_policy.sleep`` is a blocking sleep, not for an event loop)."""
        import asyncio  # here, not at the top: a sync-only script never pays for asyncio

        await (self._given_sleep or asyncio.sleep)(seconds)

    async def _pause(self, wait: float) -> None:
        """Wait before an attempt (``wait`` 0 before the first): the pacer's turn (in a worker
        thread: a pacer blocks), else a sleep."""
        pacer = self._pacer
        if pacer is not None:
            import asyncio

            await asyncio.to_thread(pacer, wait)
        elif wait > 0:
            await self._sleep(wait)

    async def send(
        self, spec: RequestSpec, on_retry: Callable[[], None] | None = None
    ) -> httpx.Response:
        """Send with retries; the response is open (stream) or read, and always a success."""
        await self._pause(0.0)  # a pool's turn is not a retry's wait
        attempt, waited, started = 0, 0.0, time.monotonic()
        while True:
            spent = max(waited, time.monotonic() - started)
            try:
                response = await self._http.send(self._request(spec), stream=True)
            except httpx.TransportError as exc:
                spent = max(waited, time.monotonic() - started)
                wait = self._next_wait(spec, attempt, on_retry, spent=spent, error=exc)
            else:
                if response.status_code < 400:
                    if not spec.stream:
                        await response.aread()
                        await response.aclose()
                    return response
                text = self._error_text(await response.aread())
                await response.aclose()
                wait = self._next_wait(
                    spec, attempt, on_retry, spent=spent, response=response, text=text
                )
            attempt += 1
            waited += wait
            await self._pause(wait)

    async def request_json(self, spec: RequestSpec) -> dict[str, Any]:
        response = await self.send(spec)
        return self._parse_json(response, response.content)

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
