"""The Interactions API, framework-free: a normalised request in, a response out.

Answers come from the responders in order (fixtures, then the cassette, then the offline model);
the HTTP server and the in-process transports are thin adapters around ``Engine.handle``.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..api._wire import API_VERSIONS
from ._cassette import Cassette, Recorder
from ._clock import Clock
from ._errors import ErrorReply, bad_request, not_found
from ._events import frame
from ._exchange import DROP, Action, ActionStream, EngineRequest, EngineResponse, Wait, dumps
from ._faults import MALFORMED, UNKNOWN_EVENT, UNKNOWN_FIELD, UNKNOWN_STEP, FaultPlan
from ._ids import IdFactory
from ._inputs import normalise_input
from ._legacy import is_legacy
from ._limits import Limits, parse_json_body, too_large
from ._redact import redact_text
from ._reply import Reply, Responder, TurnRequest, usage_for
from ._request_log import UNPARSED, RecordedRequest, RequestLog
from ._state import InteractionRecord, Store, Timing
from ._validate import check_auth, validate_create

_ROUTE = re.compile(
    rf"^/(?P<ver>{'|'.join(API_VERSIONS)})(?:/projects/[^/]+/locations/[^/]+)?/interactions"
    r"(?:/(?P<id>[^/:]+)(?P<cancel>/cancel|:cancel)?)?/?$"
)
logger = logging.getLogger("gemini_interactions.server")
__all__ = ["Engine", "RecordedRequest"]
# A live stream waits for its next event in slices this long, so a cancel is noticed quickly.
WAIT_SLICE = 0.05
SSE_HEADERS = [("content-type", "text/event-stream"), ("cache-control", "no-cache")]


@dataclass
class _Pending:
    """Work left for the next continuation hop."""

    owner: str
    store: bool
    turn: TurnRequest
    reply: Reply
    hops: list[list[dict[str, Any]]] = field(default_factory=list)


def split_hops(steps: list[dict[str, Any]], hops: int) -> list[list[dict[str, Any]]]:
    """Output steps shared out over ``hops`` interactions (text split when steps are too few)."""
    hops = max(hops, 1)
    if len(steps) >= hops:
        size = -(-len(steps) // hops)
        return [steps[i : i + size] for i in range(0, len(steps), size)]
    last: dict[str, Any] = steps[-1] if steps else {"type": "model_output", "content": []}
    blocks: list[dict[str, Any]] = last.get("content") or []
    text = "".join(str(b.get("text", "")) for b in blocks if b.get("type") == "text")
    size = -(-len(text) // hops) or 1
    parts = [text[i : i + size] for i in range(0, len(text), size)] or [""]
    groups = [[{"type": "model_output", "content": [{"type": "text", "text": p}]}] for p in parts]
    groups[0] = steps[:-1] + groups[0]
    return groups


class Engine:
    def __init__(
        self,
        *,
        responders: list[Responder],
        clock: Clock,
        ids: IdFactory,
        cassette: Cassette | None = None,
        recorder: Recorder | None = None,
        faults: FaultPlan | None = None,
        require_auth: bool | None = True,
        data_only_framing: bool = False,
        queue_seconds: float = 0.0,
        strict_cassette: bool = False,
        limits: Limits | None = None,
    ) -> None:
        self.limits = limits = limits or Limits()
        self.responders = responders
        self.strict_cassette = strict_cassette
        self.clock = clock
        self.ids = ids
        self.cassette = cassette
        self.recorder = recorder
        self.faults = faults
        self.require_auth = require_auth
        self.data_only_framing = data_only_framing
        self.queue_seconds = queue_seconds
        self.store = Store(limits.max_stored, limits.max_stored_bytes)
        self.request_log = RequestLog(limits.max_logged, limits.max_logged_bytes)
        self._tokens: dict[str, _Pending] = {}
        self._lock = threading.RLock()

    # ----------------------------------------------------------------- entry points
    @property
    def requests(self) -> list[RecordedRequest]:
        return self.request_log.entries

    def takes_body(self, path: str) -> bool:
        """Whether a request to ``path`` has a body worth reading (the HTTP face drains others)."""
        return self.recorder is not None or _ROUTE.match(path) is not None

    def handle(self, request: EngineRequest) -> EngineResponse:
        body, refused = self._intake(request)
        if refused is not None:
            return refused.response()
        if self.recorder is not None and request.path != "/health":
            return self.recorder.forward_sync(request)
        return self._dispatch(request, body)

    async def handle_async(self, request: EngineRequest) -> EngineResponse:
        body, refused = self._intake(request)
        if refused is not None:
            return refused.response()
        if self.recorder is not None and request.path != "/health":
            return await self.recorder.forward_async(request)
        return self._dispatch(request, body)

    def _intake(self, request: EngineRequest) -> tuple[Any, ErrorReply | None]:
        """The parsed body, or the 4xx that refuses it; either way the request is logged."""
        body: Any = None
        refused: ErrorReply | None = None
        if request.size > self.limits.max_body_bytes:
            body, refused = UNPARSED, too_large(request.size, self.limits.max_body_bytes)
        elif request.body:
            try:
                body = parse_json_body(request.body, self.limits.max_json_depth)
            except ErrorReply as error:
                body, refused = UNPARSED, error
        self.request_log.add(request, body)
        return body, refused

    def _dispatch(self, request: EngineRequest, body: Any) -> EngineResponse:
        if request.path == "/health":
            return EngineResponse.json(200, {"status": "ok"})
        try:
            route = _ROUTE.match(request.path)
            if route is None:
                raise not_found(f"Method not found: {request.method} {request.path}")
            if self.require_auth or (self.require_auth is None and not request.in_process):
                check_auth(request.headers, request.param("key"))
            if self.faults is not None and (
                error := self.faults.take_rate_limit(self.clock.now())
                or self.faults.take_http_error()
            ):
                raise error
            response = self._route(request, body, route)
            if self.faults is not None and self.faults.latency:
                # From arrival, as a client measures it: the server's own queueing and work
                # are part of the latency, not added to it.
                arrived = request.received if request.received is not None else self.clock.now()
                late = arrived + self.faults.latency
                response.not_before = max(response.not_before or 0.0, late)
            return response
        except ErrorReply as error:
            return error.response()
        except Exception as error:
            # A bug here must still answer like Google does, and say where to look.
            logger.exception("local server error on %s %s", request.method, request.path)
            message = f"Local server error: {type(error).__name__}: {redact_text(str(error))}"
            return ErrorReply(500, message).response()

    def _route(self, request: EngineRequest, body: Any, route: Any) -> EngineResponse:
        iid, cancel, method = route["id"], route["cancel"], request.method
        if iid is None and method == "POST":
            return self._create(request, body)
        if iid is not None and cancel and method == "POST":
            return self._local_or_cassette(request, iid, self._cancel)
        if iid is not None and not cancel and method == "GET":
            return self._local_or_cassette(request, iid, self._get)
        if iid is not None and not cancel and method == "DELETE":
            return self._local_or_cassette(request, iid, self._delete)
        raise not_found(f"Method not found: {method} {request.path}")

    def _local_or_cassette(self, request: EngineRequest, iid: str, op: Any) -> EngineResponse:
        if iid not in self.store and self.cassette is not None:
            replay = self.cassette.replay(request)
            if replay is not None:
                return replay
        result: EngineResponse = op(request, self.store.get(iid))
        return result

    # ----------------------------------------------------------------- create
    def _create(self, request: EngineRequest, body: Any) -> EngineResponse:
        legacy = is_legacy(request.headers.get("api-revision"))
        if not isinstance(body, dict):
            raise bad_request("Invalid JSON payload received. Expected an object.")
        prev_id = body.get("previous_interaction_id")
        if prev_id and prev_id not in self.store and self.cassette is not None:
            replay = self.cassette.replay(request)
            if replay is not None:
                return replay
        validate_create(body)
        prev = self.store.get(prev_id) if prev_id else None
        if prev is not None and prev.chain_bytes() + request.size > self.limits.max_stored_bytes:
            raise bad_request(
                "The conversation is longer than the local server keeps "
                f"({self.limits.max_stored_bytes // (1024 * 1024)} MB, --max-stored-mb): "
                "start a new one (no previous_interaction_id)."
            )
        if body.get("continuation_token"):
            return self._continue(body, prev)
        input_steps = normalise_input(body.get("input"), legacy=legacy)
        if not input_steps:
            raise bad_request("'input' must not be empty.")
        history = prev.conversation() if prev else []
        self._check_results(input_steps, prev.steps if prev else [])
        turn = TurnRequest(
            body=body,
            legacy=legacy,
            model=body.get("model"),
            agent=body.get("agent"),
            tools=list(body.get("tools") or []),
            history=history,
            input_steps=input_steps,
            background=bool(body.get("background")),
        )
        reply = self._answer(turn, request)
        if isinstance(reply, EngineResponse):
            return reply
        if reply.error is not None:
            raise reply.error
        if reply.faults is not None and (error := reply.faults.take_http_error()):
            raise error
        hops = split_hops(reply.steps, reply.hops) if reply.hops > 1 else [reply.steps]
        record = self._record(
            turn, reply, hops[0], prev_id, len(hops) > 1, reply.hints, request.size
        )
        if len(hops) > 1:
            self._register(record, turn, reply, hops[1:])
        return self._respond_created(record, body, reply)

    def _answer(self, turn: TurnRequest, request: EngineRequest) -> Reply | EngineResponse:
        for responder in self.responders[:-1]:
            reply = responder.respond(turn)
            if reply is not None:
                return reply
        if self.cassette is not None:
            replay = self.cassette.replay(request)
            if replay is not None:
                return replay
            if self.strict_cassette:
                raise ErrorReply(
                    400, self.cassette.explain_miss(request), status="FAILED_PRECONDITION"
                )
        last = self.responders[-1].respond(turn)
        assert last is not None, "the last responder must always answer"
        return last

    @staticmethod
    def _check_results(input_steps: list[dict[str, Any]], previous: list[dict[str, Any]]) -> None:
        open_calls = {s.get("id") for s in previous if s.get("type") == "function_call"}
        for step in input_steps:
            if step.get("type") == "function_call":
                open_calls.add(step.get("id"))
            elif step.get("type") == "function_result":
                if step.get("call_id") not in open_calls:
                    raise bad_request(
                        f"function_result.call_id {step.get('call_id')!r} does not match any "
                        "open function_call of the previous interaction."
                    )
                open_calls.discard(step.get("call_id"))

    def _record(
        self,
        turn: TurnRequest,
        reply: Reply,
        steps: list[dict[str, Any]],
        prev_id: str | None,
        more_hops: bool,
        hints: dict[int, list[str]],
        size: int,
    ) -> InteractionRecord:
        body = turn.body
        plans = self._plans(reply)
        if any(p.unknown_step for p in plans):
            steps = [dict(UNKNOWN_STEP), *steps]
            hints = {i + 1: h for i, h in hints.items()}
        status = "requires_continuation" if more_hops else reply.final_status()
        error_after = next(
            (p.error_after_events for p in plans if p.error_after_events is not None), None
        )
        record = InteractionRecord(
            id=reply.interaction_id or self.ids.interaction(),
            legacy=turn.legacy,
            request=body,
            model=(reply.model or turn.model) if not turn.agent else None,
            agent=turn.agent,
            input_steps=turn.input_steps,
            steps=steps,
            final_status=status,
            usage=reply.usage or usage_for(turn.conversation, steps),
            created=self.clock.now(),
            history=turn.history,
            store=body.get("store") is not False,
            background=turn.background,
            previous_interaction_id=prev_id,
            continuation_token=self.ids.continuation_token() if more_hops else None,
            checkpoint_token=self.ids.continuation_token() if more_hops else None,
            source=reply.source,
            environment_id=reply.environment_id,
        )
        if error_after is not None:
            plan = next(p for p in plans if p.error_after_events is not None)
            record.error = {"code": plan.error_code, "message": plan.error_message}
        queue = self.queue_seconds if turn.background else 0.0
        timing = Timing(reply.chunk_size, reply.latency, reply.step_delay, queue, hints)
        record.faults = plans
        record.build(timing, error_after)
        record.request_bytes = size
        prev = self.store.get(prev_id) if prev_id and prev_id in self.store else None
        record.history_bytes = prev.chain_bytes() if prev is not None else 0
        if record.store:
            self.store.put(record, self.clock.now())
        return record

    def _plans(self, reply: Reply) -> list[FaultPlan]:
        return [p for p in (reply.faults, self.faults) if p is not None]

    def _respond_created(
        self, record: InteractionRecord, body: dict[str, Any], reply: Reply
    ) -> EngineResponse:
        if body.get("stream"):
            return self._sse(record, 0)
        if record.background:
            return EngineResponse.json(200, record.resource(self.clock.now(), timeline=False))
        response = EngineResponse.json(200, record.resource(record.finished, timeline=False))
        response.not_before = record.finished
        return response

    # ----------------------------------------------------------------- continuation
    def _register(
        self, record: InteractionRecord, turn: TurnRequest, reply: Reply, rest: list[list[Any]]
    ) -> None:
        assert record.continuation_token and record.checkpoint_token
        pending = _Pending(record.id, record.store, turn, reply, rest)
        with self._lock:
            self._tokens[record.continuation_token] = pending
            self._tokens[record.checkpoint_token] = pending
            while len(self._tokens) > 2 * self.limits.max_stored:
                del self._tokens[next(iter(self._tokens))]

    def _continue(self, body: dict[str, Any], prev: InteractionRecord | None) -> EngineResponse:
        token = str(body["continuation_token"])
        with self._lock:
            pending = self._tokens.get(token)
        if pending is None:
            raise bad_request("Unknown or expired continuation_token.")
        if pending.store and (prev is None or prev.id != pending.owner):
            raise bad_request(
                "continuation_token must be sent with previous_interaction_id set to the "
                "interaction that issued it."
            )
        turn, reply = pending.turn, pending.reply
        turn = TurnRequest(
            body=body,
            legacy=turn.legacy,
            model=turn.model,
            agent=turn.agent,
            tools=turn.tools,
            history=prev.conversation() if prev else turn.conversation,
            input_steps=[],
            background=bool(body.get("background")),
        )
        steps, rest = pending.hops[0], pending.hops[1:]
        reply = Reply(
            steps=steps,
            status=reply.status,
            chunk_size=reply.chunk_size,
            latency=reply.latency,
            step_delay=reply.step_delay,
            faults=reply.faults,
            model=reply.model,
            source=reply.source,
            environment_id=reply.environment_id,
        )
        record = self._record(turn, reply, steps, pending.owner, bool(rest), {}, len(dumps(body)))
        if rest:
            self._register(record, turn, reply, rest)
        return self._respond_created(record, body, reply)

    # ----------------------------------------------------------------- get / cancel / delete
    def _get(self, request: EngineRequest, record: InteractionRecord) -> EngineResponse:
        if request.param("stream") == "true":
            last = request.param("last_event_id")
            try:
                start = record.index_after(last)
            except KeyError:
                raise bad_request(f"Unknown last_event_id {last!r} for this interaction.") from None
            return self._sse(record, start)
        include = request.param("include_input") == "true"
        resource = record.resource(self.clock.now(), timeline=True, include_input=include)
        return EngineResponse.json(200, resource)

    def _cancel(self, request: EngineRequest, record: InteractionRecord) -> EngineResponse:
        now = self.clock.now()
        record.cancel(now)
        return EngineResponse.json(200, record.resource(now, timeline=True))

    def _delete(self, request: EngineRequest, record: InteractionRecord) -> EngineResponse:
        self.store.delete(record.id)
        return EngineResponse.json(200, {})

    # ----------------------------------------------------------------- streaming
    def _sse(self, record: InteractionRecord, start: int) -> EngineResponse:
        actions = self._actions(record, start, record.faults)
        return EngineResponse(200, list(SSE_HEADERS), stream=ActionStream(actions, self.clock))

    def _actions(
        self, record: InteractionRecord, start: int, plans: list[FaultPlan]
    ) -> Iterator[Action]:
        cuts = ((p, n) for p in plans if (n := p.take_drop()) is not None)
        drop_plan, drop_after = next(cuts, (None, None))
        trickle = next((p for p in plans if p.trickle), None)
        malformed = next(
            (p.malformed_after_events for p in plans if p.malformed_after_events is not None), -1
        )
        unknown = next(
            (p.unknown_event_after for p in plans if p.unknown_event_after is not None), -1
        )
        sentinel = any(p.done_sentinel for p in plans)
        extra = UNKNOWN_FIELD if any(p.unknown_fields for p in plans) else {}
        data_only = self.data_only_framing or record.legacy
        sent, index = 0, start
        while True:
            with record.lock:
                event = record.log[index] if index < len(record.log) else None
            if event is None:
                break
            if event.due > self.clock.now():
                yield Wait(min(event.due, self.clock.now() + WAIT_SLICE))
                continue
            if drop_after is not None and sent >= drop_after:
                yield DROP
                return
            if sent == malformed:
                yield MALFORMED
            if sent == unknown:
                yield frame(dict(UNKNOWN_EVENT), data_only=data_only)
            data = frame({**event.payload, **extra}, data_only=data_only)
            if trickle is not None and trickle.trickle:
                size = max(trickle.trickle_bytes, 1)
                for offset in range(0, len(data), size):
                    yield data[offset : offset + size]
                    yield Wait(self.clock.now() + trickle.trickle)
            else:
                yield data
            sent += 1
            index += 1
        if drop_plan is not None:
            drop_plan.refund_drop()
        if sentinel:
            yield b"data: [DONE]\n\n"
