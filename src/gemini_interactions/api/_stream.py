"""Streams: typed events out, a live folded snapshot, and recovery from drops and hops.

``StreamCore`` holds everything that is not I/O (translation, folding, what to request next); the
sync ``Stream`` and async ``AsyncStream`` are thin loops around it. After a body ends the core
decides: done; next continuation hop (``requires_continuation``); resume a dropped stream
of a stored interaction through ``GET ?stream=true&last_event_id=``; re-POST from a
mid-hop checkpoint; or give up with ``StreamDroppedError`` carrying the partial interaction.
"""

from __future__ import annotations

import json
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterable,
    Iterator,
)
from types import TracebackType
from typing import Any, Generic, TypeVar

import httpx

from ._errors import APIError, APIStatusError, StreamDroppedError, readable_text
from ._events import hot_delta_event, parse_event
from ._fold import Fold
from ._interaction import Interaction
from ._request import RequestSpec, continuation_body, get_spec, merge_hops
from ._sse import DONE, asse_payloads, sse_payloads
from ._translate_legacy import LegacyEventTranslator, is_legacy_resource, resource_to_steps
from ._wire import LEGACY_REVISION

MAX_IDLE_RESUMES = 3
"""Resumes in a row that bring no new event before we give up."""
MAX_CHECKPOINT_RECONNECTS = 3
EventT = TypeVar("EventT")
"""What a stream yields: ``Event`` for every stream the client opens."""


class StreamCore:
    def __init__(
        self,
        first: RequestSpec,
        *,
        revision: str,
        auto_continue: bool,
        auto_resume: bool,
        redact: Callable[[str], str] = str,
    ) -> None:
        self.first = first
        self.redact = redact
        self.body = first.json or {}
        self.revision = revision
        self.auto_continue = (
            auto_continue and not self.body.get("background") and ("agent" not in self.body)
        )
        self.auto_resume = auto_resume
        self.hops: list[dict[str, Any]] = []
        self.fold = Fold()
        self.translator = LegacyEventTranslator()
        self.resumes = 0
        self.retries = 0
        self.continuations = 0
        self._idle_resumes = 0
        self._checkpoint_reconnects = 0
        self._new_events = 0
        self._hop_events = 0
        self._skip = 0
        self._started_token: str | None = (
            first.json.get("continuation_token") if first.json else None
        )

    def opened(self, spec: RequestSpec) -> None:
        if spec.new_hop:
            self.hops.append(self.fold.snapshot())
            self.fold = Fold()
            self._hop_events = 0
        self._new_events = 0

    def on_payload(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Fold one payload; the (translated) event to yield, or None for a replayed one."""
        if self._skip:  # a replay from the start, of events without ids: seen already
            self._skip -= 1
            return None
        kind = payload.get("event_type")
        if kind == "step.delta":  # the hot path: content, and already in the steps vocabulary
            event = payload
        else:
            if not (isinstance(kind, str) and kind in _DELTAS):
                # Errors and status events may echo the key back; deltas are content.
                payload = _scrubbed(payload, self.redact)
            event = self.translator.translate(payload)
        if not self.fold.feed(event):
            return None
        self._new_events += 1
        self._hop_events += 1
        return event

    def events(
        self, payloads: Iterable[Any], parse: Callable[[dict[str, Any]], EventT]
    ) -> Iterator[EventT]:
        """The new events of a batch of payloads, folded one by one as they are taken."""
        for payload in payloads:
            if payload is DONE:  # the server says this is the end
                self.fold.terminal = True
                return
            if parse is parse_event and not self._skip:
                typed = hot_delta_event(payload)
                if typed is not None:  # a text or arguments delta: the sync loop's hot path
                    if self.fold.feed_hot(payload):
                        self._new_events += 1
                        self._hop_events += 1
                        yield typed  # type: ignore[misc]
                    continue
            event = self.on_payload(payload)
            if event is not None:
                yield parse(event)

    def on_json_body(self, raw: bytes, response: httpx.Response) -> dict[str, Any] | None:
        """A server that answered a stream request with a body that is not an event stream:
        a JSON resource is folded as a completion; anything else (a proxy's HTML page) is an
        ``APIStatusError`` that says what came, carrying the interaction folded so far."""
        try:
            data = json.loads(raw or b"null")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            text = self.redact(raw.decode("utf-8", "replace"))
            del raw, data  # what a verbose traceback would show of this frame: scrubbed only
            kind = response.headers.get("content-type") or "no content type"
            error = APIStatusError(
                f"HTTP {response.status_code}: expected an event stream but the server answered "
                f"with {kind}: {readable_text(text, 200) or '(empty)'}",
                status_code=response.status_code,
                body=text[:500],
                headers={self.redact(k): self.redact(v) for k, v in response.headers.items()},
            )
            error.interaction = self.interaction()
            raise error
        if is_legacy_resource(data):
            data = resource_to_steps(data)
        return self.on_payload({"event_type": "interaction.completed", "interaction": data})

    def failed_to_open(self, spec: RequestSpec, error: APIError) -> RequestSpec | None:
        """Opening a request failed. For a resume, the other way back (a re-POST from the
        last checkpoint) when there is one; otherwise None, and the error keeps what was
        streamed so far."""
        if spec is not self.first and spec.method == "GET":
            fallback = self._checkpoint_spec()
            if fallback is not None:
                return fallback
        if error.interaction is None:
            error.interaction = self.interaction()
        return None

    def _checkpoint_spec(self) -> RequestSpec | None:
        fold = self.fold
        if not (
            self.auto_resume
            and fold.checkpoint_token
            and not fold.content_since_checkpoint
            and self._checkpoint_reconnects < MAX_CHECKPOINT_RECONNECTS
        ):
            return None
        # The SDK's recovery for foreground streams: a re-POST from the last checkpoint (only
        # safe when no content arrived since it).
        self._checkpoint_reconnects += 1
        self.resumes += 1
        body = continuation_body(self.body, fold.meta.get("id"), fold.checkpoint_token)
        return RequestSpec("POST", "/interactions", json=body, stream=True, new_hop=True)

    def next_request(self, error: BaseException | None) -> RequestSpec | None:
        fold = self.fold
        stalled = _stall_seconds(error)
        if stalled is not None and not self._new_events and self.resumes:
            # A resume that stalled before bringing anything: the server is stuck, not slow.
            raise StreamDroppedError(
                f"The server sent nothing for {stalled:g} s (the client's stall_timeout), "
                "also after resuming, so the stream was given up.",
                interaction=self.interaction(),
            )
        if fold.terminal:
            status = fold.meta.get("status")
            token = fold.meta.get("continuation_token")
            if (
                status == "requires_continuation"
                and self.auto_continue
                and token
                and token != self._started_token
            ):
                self.continuations += 1
                self._started_token = token
                body = continuation_body(self.body, fold.meta.get("id"), token)
                return RequestSpec("POST", "/interactions", json=body, stream=True, new_hop=True)
            return None
        self._idle_resumes = 0 if self._new_events else self._idle_resumes + 1
        interaction_id = fold.meta.get("id")
        if (
            self.auto_resume
            and interaction_id
            and self.body.get("store") is not False
            and self._idle_resumes < MAX_IDLE_RESUMES
        ):
            self.resumes += 1
            # Without event ids the server can only replay from the start: skip what we have.
            self._skip = self._hop_events if fold.last_event_id is None else 0
            return get_spec(interaction_id, stream=True, last_event_id=fold.last_event_id)
        checkpoint = self._checkpoint_spec()
        if checkpoint is not None:
            return checkpoint
        why = f" ({type(error).__name__}: {error})" if error is not None else ""
        if stalled is not None:
            why = f": the server sent nothing for {stalled:g} s (the client's stall_timeout)"
        raise StreamDroppedError(
            self.redact(f"The stream ended before the interaction finished{why}."),
            interaction=self.interaction(),
        )

    def interaction(self) -> Interaction:
        data = merge_hops([*self.hops, self.fold.snapshot()])
        data["revision"] = LEGACY_REVISION if self.translator.saw_legacy else self.revision
        return Interaction.model_validate(data)


_DROPS = (httpx.TransportError,)
_DELTAS = frozenset({"step.delta", "content.delta"})


def _scrubbed(value: Any, redact: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _scrubbed(v, redact) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v, redact) for v in value]
    return value


def _stall_seconds(error: BaseException | None) -> float | None:
    """The stall timeout that ``error`` is, or None when it is another failure."""
    if not isinstance(error, httpx.ReadTimeout):
        return None
    try:
        seconds = error.request.extensions.get("timeout", {}).get("read")
    except RuntimeError:  # an error raised without a request
        return None
    return float(seconds) if isinstance(seconds, (int, float)) else None


def _content_type(response: httpx.Response) -> str:
    value: str = response.headers.get("content-type", "")
    return value.partition(";")[0].strip().lower()


class _Counters:
    """What both stream kinds report: the live snapshot and how much recovery it took."""

    _core: StreamCore

    @property
    def interaction(self) -> Interaction:
        """The interaction folded so far (all hops merged); final once the stream is read."""
        return self._core.interaction()

    @property
    def resumes(self) -> int:
        """Dropped connections recovered by resuming (or re-posting from a checkpoint)."""
        return self._core.resumes

    @property
    def retries(self) -> int:
        """Failed attempts to open the stream that were retried."""
        return self._core.retries

    @property
    def continuations(self) -> int:
        """``requires_continuation`` hops followed."""
        return self._core.continuations


_DRAIN_BYTES = 64 * 1024
"""After the terminal event, at most this much more is read so the body ends cleanly."""


def _drain(chunks: Iterator[bytes]) -> None:
    """Read the body's end after the terminal event (normally nothing but the closing chunk):
    a connection whose body was read to the end goes back to the pool, instead of being closed
    and a new one opened for the next request. A server that keeps talking is cut off."""
    left = _DRAIN_BYTES
    try:
        for chunk in chunks:
            left -= len(chunk)
            if left < 0:
                return
    except Exception:  # the answer is complete; a broken ending only costs the connection
        return


async def _adrain(chunks: AsyncIterator[bytes]) -> None:
    left = _DRAIN_BYTES
    try:
        async for chunk in chunks:
            left -= len(chunk)
            if left < 0:
                return
    except Exception:
        return


class Stream(_Counters, Generic[EventT]):
    """An iterator of typed events (``Stream[Event]``); ``interaction`` is the live folded
    snapshot.

    Use it as a context manager (or call ``close()``) so the connection is released early.
    """

    def __init__(
        self,
        core: StreamCore,
        open_: Callable[[RequestSpec], httpx.Response],
        parse: Callable[[dict[str, Any]], EventT],
    ) -> None:
        self._core = core
        self._open = open_
        self._parse = parse
        self._response: httpx.Response | None = None
        self._iterator = self._run()
        self._closed = False

    def __iter__(self) -> Iterator[EventT]:
        # The generator itself, so a for loop pays no __next__ call per event.
        return self._iterator

    def __next__(self) -> EventT:
        return next(self._iterator)

    def until_done(self) -> Interaction:
        """Read the rest of the stream; the final interaction."""
        for _ in self:
            pass
        return self.interaction

    def _run(self) -> Generator[EventT, None, None]:
        core = self._core
        spec: RequestSpec | None = core.first
        while spec is not None:
            try:
                response = self._open(spec)
            except APIError as exc:
                spec = core.failed_to_open(spec, exc)
                if spec is None:
                    raise
                continue
            core.opened(spec)
            self._response = response
            error: BaseException | None = None
            try:
                if _content_type(response) != "text/event-stream":
                    event = core.on_json_body(response.read(), response)
                    if event is not None:
                        yield self._parse(event)
                else:
                    chunks = response.iter_bytes()
                    payloads: Generator[Any, None, None] = sse_payloads(chunks)
                    parse, on_payload, fold = self._parse, core.on_payload, core.fold
                    hot = hot_delta_event if parse is parse_event else None
                    try:
                        # core.events written out: this loop runs once per event of a stream
                        for payload in payloads:
                            if payload is DONE:
                                fold.terminal = True
                                break
                            if hot is not None and not core._skip:
                                # a text or arguments delta (nearly all of a stream): its shape
                                # checked once, typed and folded without a second look
                                typed = hot(payload)
                                if typed is not None:
                                    if fold.feed_hot(payload):
                                        core._new_events += 1
                                        core._hop_events += 1
                                        yield typed  # type: ignore[misc]
                                    continue
                            event = on_payload(payload)
                            if event is not None:
                                yield parse(event)
                                if fold.terminal:
                                    break
                    finally:
                        payloads.close()
                    if core.fold.terminal:
                        _drain(chunks)
            except _DROPS as exc:
                error = exc
            finally:
                response.close()
                self._response = None
            spec = core.next_request(error)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._iterator.close()
            if self._response is not None:
                self._response.close()

    def __enter__(self) -> Stream[EventT]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncStream(_Counters, Generic[EventT]):
    """The async twin of ``Stream``: ``async for event in stream``."""

    def __init__(
        self,
        core: StreamCore,
        open_: Callable[[RequestSpec], Awaitable[httpx.Response]],
        parse: Callable[[dict[str, Any]], EventT],
    ) -> None:
        self._core = core
        self._open = open_
        self._parse = parse
        self._response: httpx.Response | None = None
        self._iterator = self._run()
        self._closed = False

    def __aiter__(self) -> AsyncIterator[EventT]:
        return self

    async def __anext__(self) -> EventT:
        return await self._iterator.__anext__()

    async def until_done(self) -> Interaction:
        async for _ in self:
            pass
        return self.interaction

    async def _run(self) -> AsyncGenerator[EventT, None]:
        core = self._core
        spec: RequestSpec | None = core.first
        while spec is not None:
            try:
                response = await self._open(spec)
            except APIError as exc:
                spec = core.failed_to_open(spec, exc)
                if spec is None:
                    raise
                continue
            core.opened(spec)
            self._response = response
            error: BaseException | None = None
            try:
                if _content_type(response) != "text/event-stream":
                    event = core.on_json_body(await response.aread(), response)
                    if event is not None:
                        yield self._parse(event)
                else:
                    chunks = response.aiter_bytes()
                    apayloads: AsyncGenerator[Any, None] = asse_payloads(chunks)
                    try:
                        async for payload in apayloads:
                            for typed in core.events([payload], self._parse):
                                yield typed
                            if core.fold.terminal:
                                break
                    finally:
                        await apayloads.aclose()
                    if core.fold.terminal:
                        await _adrain(chunks)
            except _DROPS as exc:
                error = exc
            finally:
                await response.aclose()
                self._response = None
            spec = core.next_request(error)

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self._iterator.aclose()
            if self._response is not None:
                await self._response.aclose()

    async def __aenter__(self) -> AsyncStream[EventT]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
