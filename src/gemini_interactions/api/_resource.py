"""``client.interactions``: create, get, cancel, delete, wait (sync and async)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, Unpack, overload

from ._errors import WaitTimeoutError
from ._events import Event, parse_event
from ._fold import Fold
from ._interaction import Interaction
from ._request import (
    RequestSpec,
    build_create_body,
    continuation_body,
    get_spec,
    merge_hops,
)
from ._stream import AsyncStream, Stream, _StreamCore
from ._translate_legacy import is_legacy_resource, resource_to_steps
from ._wire import LEGACY_REVISION, RUNNING_STATUSES, CreateParams

if TYPE_CHECKING:
    from ._client import AsyncClient, Client, _BaseClient

ProgressCallback = Callable[[Interaction], Any]


def to_interaction(data: Any, revision: str) -> Interaction:
    """A resource as received (either revision) to an ``Interaction``."""
    if not isinstance(data, dict):
        data = {}
    legacy = is_legacy_resource(data)
    if legacy:
        data = resource_to_steps(data)
    data = {**data, "revision": LEGACY_REVISION if legacy else revision}
    return Interaction.model_validate(data)


def _create_spec(
    params: Mapping[str, Any], stream: bool | None, extra_body: Mapping[str, Any] | None
) -> RequestSpec:
    body = build_create_body({**params, "stream": stream or None}, extra_body)
    return RequestSpec("POST", "/interactions", json=body, stream=bool(body.get("stream")))


def _next_hop(
    client: _BaseClient, first: RequestSpec, hops: list[dict[str, Any]]
) -> RequestSpec | None:
    """The request for the next continuation hop, or None when the last hop ended it all."""
    last = hops[-1]
    body = first.json or {}
    token = last.get("continuation_token")
    started_with = (first.json or {}).get("continuation_token") if len(hops) == 1 else None
    if (
        not client.auto_continue
        or body.get("background")
        or "agent" in body
        or last.get("status") != "requires_continuation"
        or not token
        or token in (started_with, hops[-2].get("continuation_token") if len(hops) > 1 else None)
    ):
        return None
    return RequestSpec("POST", "/interactions", json=continuation_body(body, last.get("id"), token))


def _hop_data(data: Any) -> dict[str, Any]:
    data = data if isinstance(data, dict) else {}
    return resource_to_steps(data) if is_legacy_resource(data) else data


class _Common:
    """What sync and async share: argument handling, and what a request would look like."""

    _client: _BaseClient

    def build_request(
        self,
        *,
        stream: bool | None = False,
        extra_body: Mapping[str, Any] | None = None,
        **params: Unpack[CreateParams],
    ) -> dict[str, Any]:
        """The request ``create(...)`` would send, credentials redacted; sends nothing."""
        return self._client.describe(_create_spec(params, stream, extra_body))

    def _resume_core(self, interaction: Interaction) -> _StreamCore:
        if not interaction.id or not interaction.last_event_id:
            raise ValueError(
                "Only an interaction that was streamed (it has an id and a last_event_id) "
                "can be resumed; get() it, or get(id, stream=True) for its whole stream."
            )
        spec = get_spec(interaction.id, stream=True, last_event_id=interaction.last_event_id)
        core = self._stream_core(spec)
        core.fold = Fold.resumed(interaction.to_dict())
        return core

    def _stream_core(self, spec: RequestSpec) -> _StreamCore:
        return _StreamCore(
            spec,
            revision=self._client.revision,
            auto_continue=self._client.auto_continue,
            auto_resume=self._client.auto_resume,
            redact=self._client.redact,
        )


class Interactions(_Common):
    _client: Client

    def __init__(self, client: Client, sleep: Callable[[float], None]) -> None:
        self._client = client
        self._sleep = sleep
        """How the client sleeps between polls (a test's fake when it was given one)."""

    @overload
    def create(
        self,
        *,
        stream: Literal[True],
        extra_body: Mapping[str, Any] | None = None,
        **params: Unpack[CreateParams],
    ) -> Stream[Event]: ...
    @overload
    def create(
        self,
        *,
        stream: Literal[False] | None = False,
        extra_body: Mapping[str, Any] | None = None,
        **params: Unpack[CreateParams],
    ) -> Interaction: ...
    @overload
    def create(
        self,
        *,
        stream: bool | None,
        extra_body: Mapping[str, Any] | None = None,
        **params: Unpack[CreateParams],
    ) -> Interaction | Stream[Event]: ...

    def create(
        self,
        *,
        stream: bool | None = False,
        extra_body: Mapping[str, Any] | None = None,
        **params: Unpack[CreateParams],
    ) -> Interaction | Stream[Event]:
        """Create an interaction. The keyword arguments are the body fields of the API
        (``CreateParams``: ``model`` or ``agent``, ``input``, ``previous_interaction_id``,
        ``system_instruction``, ``tools``, ``generation_config``, ``response_format``,
        ``background``, ``store``, ...; ``None`` leaves a field out); pydantic models are
        accepted anywhere a JSON object is; ``extra_body`` adds fields verbatim.

        With ``stream=True`` the answer is a ``Stream[Event]`` whose ``interaction`` is the live
        folded snapshot. ``requires_continuation`` hops are followed automatically unless the
        client was made with ``auto_continue=False``.
        """
        spec = _create_spec(params, stream, extra_body)
        client = self._client
        if stream:
            core = self._stream_core(spec)
            return Stream(core, lambda s: client.send(s, on_retry=lambda: _bump(core)), parse_event)
        hops = [_hop_data(client.request_json(spec))]
        while (hop := _next_hop(client, spec, hops)) is not None:
            hops.append(_hop_data(client.request_json(hop)))
        return to_interaction(merge_hops(hops), client.revision)

    @overload
    def get(
        self,
        interaction_id: str,
        *,
        stream: Literal[False] = False,
        include_input: bool | None = None,
    ) -> Interaction: ...
    @overload
    def get(
        self,
        interaction_id: str,
        *,
        stream: Literal[True],
        last_event_id: str | None = None,
        include_input: bool | None = None,
    ) -> Stream[Event]: ...

    def get(
        self,
        interaction_id: str,
        *,
        stream: bool = False,
        last_event_id: str | None = None,
        include_input: bool | None = None,
    ) -> Interaction | Stream[Event]:
        """Fetch an interaction; with ``stream=True`` its events (after ``last_event_id``)."""
        spec = get_spec(
            interaction_id, stream=stream, last_event_id=last_event_id, include_input=include_input
        )
        client = self._client
        if stream:
            core = self._stream_core(spec)
            return Stream(core, lambda s: client.send(s, on_retry=lambda: _bump(core)), parse_event)
        return to_interaction(client.request_json(spec), client.revision)

    def resume(self, interaction: Interaction) -> Stream[Event]:
        """The rest of a stored interaction's stream: the events after its ``last_event_id``
        (``GET ?stream=true&last_event_id=``), folded into ``interaction`` (what was streamed
        before, e.g. saved before a restart), so ``.interaction`` ends whole, nothing twice."""
        core = self._resume_core(interaction)
        client = self._client
        return Stream(core, lambda s: client.send(s, on_retry=lambda: _bump(core)), parse_event)

    def cancel(self, interaction_id: str) -> Interaction:
        """Cancel a running background interaction; a finished one comes back unchanged."""
        get_spec(interaction_id)  # validates the id
        spec = RequestSpec("POST", f"/interactions/{interaction_id}/cancel")
        return to_interaction(self._client.request_json(spec), self._client.revision)

    def delete(self, interaction_id: str) -> None:
        """Delete a stored interaction; whatever the server answers with on success is fine."""
        get_spec(interaction_id)
        self._client.send(RequestSpec("DELETE", f"/interactions/{interaction_id}"))

    def wait(
        self,
        interaction_id: str,
        *,
        timeout: float | None = None,
        poll_interval: float = 1.0,
        max_interval: float = 10.0,
        on_progress: ProgressCallback | None = None,
    ) -> Interaction:
        """Poll until the interaction is no longer queued or running (1 s, growing x1.5 to 10 s).

        ``on_progress`` is called with every snapshot; ``WaitTimeoutError`` after ``timeout``.
        """
        client = self._client
        deadline = None if timeout is None else client.clock() + timeout
        interval = poll_interval
        while True:
            interaction = self.get(interaction_id)
            if on_progress is not None:
                on_progress(interaction)
            if interaction.status not in RUNNING_STATUSES:
                return interaction
            if deadline is not None and client.clock() + interval > deadline:
                raise WaitTimeoutError(
                    f"Interaction {interaction_id} still {interaction.status} after {timeout} s.",
                    interaction,
                )
            self._sleep(interval)
            interval = min(interval * 1.5, max_interval)


def _bump(core: _StreamCore) -> None:
    core.retries += 1


class AsyncInteractions(_Common):
    _client: AsyncClient

    def __init__(self, client: AsyncClient, sleep: Callable[[float], Awaitable[None]]) -> None:
        self._client = client
        self._sleep = sleep
        """How the client sleeps between polls (a test's fake when it was given one)."""

    @overload
    async def create(
        self,
        *,
        stream: Literal[True],
        extra_body: Mapping[str, Any] | None = None,
        **params: Unpack[CreateParams],
    ) -> AsyncStream[Event]: ...
    @overload
    async def create(
        self,
        *,
        stream: Literal[False] | None = False,
        extra_body: Mapping[str, Any] | None = None,
        **params: Unpack[CreateParams],
    ) -> Interaction: ...
    @overload
    async def create(
        self,
        *,
        stream: bool | None,
        extra_body: Mapping[str, Any] | None = None,
        **params: Unpack[CreateParams],
    ) -> Interaction | AsyncStream[Event]: ...

    async def create(
        self,
        *,
        stream: bool | None = False,
        extra_body: Mapping[str, Any] | None = None,
        **params: Unpack[CreateParams],
    ) -> Interaction | AsyncStream[Event]:
        """See ``Interactions.create``; an ``Interaction``, or with ``stream=True`` an
        ``AsyncStream[Event]``."""
        spec = _create_spec(params, stream, extra_body)
        client = self._client
        if stream:
            core = self._stream_core(spec)
            return AsyncStream(
                core, lambda s: client.send(s, on_retry=lambda: _bump(core)), parse_event
            )
        hops = [_hop_data(await client.request_json(spec))]
        while (hop := _next_hop(client, spec, hops)) is not None:
            hops.append(_hop_data(await client.request_json(hop)))
        return to_interaction(merge_hops(hops), client.revision)

    @overload
    async def get(
        self,
        interaction_id: str,
        *,
        stream: Literal[False] = False,
        include_input: bool | None = None,
    ) -> Interaction: ...
    @overload
    async def get(
        self,
        interaction_id: str,
        *,
        stream: Literal[True],
        last_event_id: str | None = None,
        include_input: bool | None = None,
    ) -> AsyncStream[Event]: ...

    async def get(
        self,
        interaction_id: str,
        *,
        stream: bool = False,
        last_event_id: str | None = None,
        include_input: bool | None = None,
    ) -> Interaction | AsyncStream[Event]:
        """See ``Interactions.get``."""
        spec = get_spec(
            interaction_id, stream=stream, last_event_id=last_event_id, include_input=include_input
        )
        client = self._client
        if stream:
            core = self._stream_core(spec)
            return AsyncStream(
                core, lambda s: client.send(s, on_retry=lambda: _bump(core)), parse_event
            )
        return to_interaction(await client.request_json(spec), client.revision)

    def resume(self, interaction: Interaction) -> AsyncStream[Event]:
        """See ``Interactions.resume``."""
        core = self._resume_core(interaction)
        client = self._client
        return AsyncStream(
            core, lambda s: client.send(s, on_retry=lambda: _bump(core)), parse_event
        )

    async def cancel(self, interaction_id: str) -> Interaction:
        get_spec(interaction_id)
        spec = RequestSpec("POST", f"/interactions/{interaction_id}/cancel")
        return to_interaction(await self._client.request_json(spec), self._client.revision)

    async def delete(self, interaction_id: str) -> None:
        get_spec(interaction_id)
        await self._client.send(RequestSpec("DELETE", f"/interactions/{interaction_id}"))

    async def wait(
        self,
        interaction_id: str,
        *,
        timeout: float | None = None,
        poll_interval: float = 1.0,
        max_interval: float = 10.0,
        on_progress: Callable[[Interaction], Any] | None = None,
    ) -> Interaction:
        client = self._client
        deadline = None if timeout is None else client.clock() + timeout
        interval = poll_interval
        while True:
            interaction = await self.get(interaction_id)
            if on_progress is not None:
                result = on_progress(interaction)
                if isinstance(result, Awaitable):
                    await result
            if interaction.status not in RUNNING_STATUSES:
                return interaction
            if deadline is not None and client.clock() + interval > deadline:
                raise WaitTimeoutError(
                    f"Interaction {interaction_id} still {interaction.status} after {timeout} s.",
                    interaction,
                )
            await self._sleep(interval)
            interval = min(interval * 1.5, max_interval)
