"""``LocalServer``: the state and configuration of one local Interactions API."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from ._cassette import Cassette, Recorder
from ._clock import Clock, SystemClock
from ._engine import Engine, RecordedRequest
from ._exchange import EngineRequest, EngineResponse
from ._faults import FaultPlan
from ._fixtures import Fixture, FixtureSet, load_fixtures
from ._ids import IdFactory
from ._limits import Limits
from ._offline_model import OfflineModel
from ._reply import Responder
from ._transport import AsyncLocalTransport, LocalTransport

if TYPE_CHECKING:
    from starlette.applications import Starlette

FixtureSource = Fixture | str | Path


class LocalServer:
    """A faithful local Interactions API, answered from fixtures, a cassette or the offline model.

    Serve it in-process (``transport()`` / ``async_transport()`` for ``httpx`` and our client) or
    over HTTP (``asgi_app()``, or ``serve()`` / the ``gemini-interactions serve`` command). It
    answers on the ``v1``, ``v1beta``, ``v1alpha`` and ``v1beta1`` paths; ``Api-Revision:
    2026-05-07`` (or an earlier date) asks for the legacy ``outputs`` revision, and no header (what
    clients send since general availability) or a later date for the steps revision.

    - ``fixtures``: ``Fixture`` objects or paths of fixture files (JSON, or YAML).
    - ``cassette``: a ``Cassette`` or a cassette file to replay.
    - ``record`` + ``upstream``: record mode; every request is proxied to ``upstream`` and the
      exchanges are written to the ``record`` file with credentials redacted.
    - ``faults``: a ``FaultPlan`` applied to every request and stream.
    - ``clock``/``seed``: time and ids (``FakeClock`` makes background runs instant). Without a
      ``seed`` the ids are unique to this server (a random instance number), so a conversation
      of an earlier server is never continued by mistake; a given seed repeats its ids.
    - ``require_auth``: answer 401 to requests without an API key or bearer token. By default
      (``None``) only requests over HTTP must carry one, as the real API's would: the in-process
      transport is reachable from this process alone, so ``Client(transport=...)`` needs no key.
      ``True`` asks it of the in-process transport too; ``False`` of neither.
    - ``data_only_framing``: SSE without ``event:`` lines (the legacy revision always is).
    - ``queue_seconds``: background interactions start ``queued`` for this long.
    - ``strict_cassette``: a create the cassette did not record is a 400 saying which fields
      differ, instead of an answer from the offline model (for exact replays of old work).
    - ``limits``: body size, JSON nesting, and how many interactions and logged requests are
      kept (``Limits``); the defaults keep a long-running server's memory flat.
    """

    def __init__(
        self,
        *,
        fixtures: Iterable[FixtureSource] = (),
        cassette: Cassette | str | Path | None = None,
        record: str | Path | None = None,
        upstream: str | None = None,
        offline_model: OfflineModel | None = None,
        faults: FaultPlan | None = None,
        clock: Clock | None = None,
        seed: int | None = None,
        require_auth: bool | None = None,
        data_only_framing: bool = False,
        queue_seconds: float = 0.0,
        strict_cassette: bool = False,
        limits: Limits | None = None,
    ) -> None:
        if (record is None) != (upstream is None):
            raise ValueError("record mode needs both 'record' (a file) and 'upstream' (a URL)")
        self.ids = IdFactory(seed)
        self.clock: Clock = clock or SystemClock()
        loaded: list[Fixture] = []
        for source in fixtures:
            loaded += [source] if isinstance(source, Fixture) else load_fixtures(source)
        self.fixtures = loaded
        if isinstance(cassette, str | Path):
            cassette = Cassette.load(cassette)
        self.cassette = cassette
        if offline_model is not None:
            # One id sequence per server: a model made elsewhere must not mint ids that clash
            # with the fixtures' (or ignore the seed).
            offline_model.ids = self.ids
        self.offline_model = offline_model or OfflineModel(self.ids)
        self.recording: Cassette | None = None
        recorder = None
        if record is not None and upstream is not None:
            self.recording = Cassette(path=record)
            recorder = Recorder(upstream, self.recording)
        responders: Sequence[Responder] = [FixtureSet(loaded, self.ids), self.offline_model]
        self.engine = Engine(
            responders=list(responders),
            clock=self.clock,
            ids=self.ids,
            cassette=cassette,
            recorder=recorder,
            faults=faults,
            require_auth=require_auth,
            data_only_framing=data_only_framing,
            queue_seconds=queue_seconds,
            strict_cassette=strict_cassette,
            limits=limits,
        )

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received (the newest, within ``Limits``), credentials redacted, oldest
        first."""
        return self.engine.requests

    def handle(self, request: EngineRequest) -> EngineResponse:
        return self.engine.handle(request)

    def transport(self) -> httpx.BaseTransport:
        return LocalTransport(self.engine)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        return AsyncLocalTransport(self.engine)

    def asgi_app(self) -> Starlette:
        from ._asgi import create_app

        return create_app(self.engine)

    def holds(self, interaction_id: str) -> bool:
        """Whether a ``previous_interaction_id`` of this id continues a conversation here: one
        this server stores, or one its cassette recorded."""
        if interaction_id in self.engine.store:
            return True
        return self.cassette is not None and self.cassette.mentions(interaction_id)

    def interaction(self, interaction_id: str) -> dict[str, Any]:
        """The stored interaction's GET resource, as of now (for tests and debugging)."""
        record = self.engine.store.get(interaction_id)
        return record.resource(self.clock.now(), timeline=True)
