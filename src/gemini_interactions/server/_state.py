"""Interactions as precomputed, time-stamped event logs.

An interaction's whole event log is computed when it is created, each event with the clock time
at which it is "produced". Everything else is a view of that log at the current time: a GET
snapshot shows the steps finished by now, a stream replays the events due by now and waits for the
rest, and a cancel cuts the log at now. No threads are needed, sync and async behave the same, and
a fake clock makes every background run deterministic.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from ..api._wire import SETTLED_STATUSES
from ._clock import iso
from ._errors import ErrorReply, not_found
from ._events import step_events
from ._exchange import dumps
from ._faults import FaultPlan
from ._ids import event_id
from ._legacy import block_events, outputs

Payload = dict[str, Any]
# Request fields the real API echoes on the resource.
ECHOED = (
    "system_instruction",
    "tools",
    "generation_config",
    "response_format",
    "response_mime_type",
    "response_modalities",
    "safety_settings",
    "service_tier",
    "labels",
    "webhook_config",
    "agent_config",
    "environment",
)


# Measured with tracemalloc: a logged event costs about this much beyond its JSON text.
EVENT_OVERHEAD = 600


@dataclass
class LogEvent:
    due: float
    payload: Payload


@dataclass
class Timing:
    chunk_size: int = 16
    latency: float = 0.0
    step_delay: float = 0.0
    queue: float = 0.0
    hints: dict[int, list[str]] = field(default_factory=dict)


@dataclass
class InteractionRecord:
    """One interaction: its request, its full planned output and its event log."""

    id: str
    legacy: bool
    request: Payload
    model: str | None
    agent: str | None
    input_steps: list[Payload]
    steps: list[Payload]
    final_status: str
    usage: Payload
    created: float
    history: list[Payload] = field(default_factory=list)
    store: bool = True
    background: bool = False
    previous_interaction_id: str | None = None
    continuation_token: str | None = None
    checkpoint_token: str | None = None
    error: Payload | None = None
    source: str = ""
    environment_id: str | None = None
    faults: list[FaultPlan] = field(default_factory=list)
    log: list[LogEvent] = field(default_factory=list)
    step_done: list[float] = field(default_factory=list)
    finished: float = 0.0
    cancelled: bool = False
    request_bytes: int = 0
    history_bytes: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    # ----------------------------------------------------------------- building the log
    def build(self, timing: Timing, error_after: int | None = None) -> None:
        t = self.created
        self._add(self._created_event("queued" if timing.queue > 0 else "in_progress"), t)
        if timing.queue > 0:
            t += timing.queue
        self._add(self._status_event("in_progress"), t)
        # A mid-hop checkpoint token goes in the middle of the last step's events.
        checkpoint_step = len(self.steps) - 1 if self.checkpoint_token else -1
        block = 0
        for index, step in enumerate(self.steps):
            t += timing.step_delay
            if self.legacy:
                events = []
                for item in outputs([step]):
                    events += block_events(block, item, timing.chunk_size)
                    block += 1
            else:
                events = step_events(index, step, timing.chunk_size, timing.hints.get(index))
            for position, payload in enumerate(events):
                t += timing.latency
                self._add(payload, t)
                if index == checkpoint_step and position == len(events) // 2:
                    self._add(self._status_event("in_progress", self.checkpoint_token), t)
            self.step_done.append(t)
        t += timing.latency
        self.finished = t
        self._add(self._completed_event(), t)
        if error_after is not None and error_after < len(self.log) - 1:
            self._fail_after(max(error_after, 1))

    def _add(self, payload: Payload, due: float) -> None:
        payload["event_id"] = event_id(len(self.log) + 1)
        self.log.append(LogEvent(due, payload))

    def _fail_after(self, count: int) -> None:
        assert self.error is not None
        due = self.log[count].due
        del self.log[count:]
        self.step_done = [d for d in self.step_done if d < due]
        self.steps = self.steps[: len(self.step_done)]
        self.final_status = "failed"
        self.finished = due
        self._add({"event_type": "error", "error": self.error}, due)

    def cancel(self, now: float) -> None:
        """Cut the log at ``now``: close an open step and end with status ``cancelled``."""
        with self.lock:
            if self.status_at(now) in SETTLED_STATUSES:
                return
            keep = [e for e in self.log if e.due <= now]
            del self.log[len(keep) :]
            stop_type, start_type = (
                ("content.stop", "content.start") if self.legacy else ("step.stop", "step.start")
            )
            started = {e.payload["index"] for e in keep if e.payload["event_type"] == start_type}
            stopped = {e.payload["index"] for e in keep if e.payload["event_type"] == stop_type}
            for index in sorted(started - stopped):
                self._add({"event_type": stop_type, "index": index}, now)
            self.step_done = [d for d in self.step_done if d <= now]
            self.steps = self.steps[: len(self.step_done)]
            self.final_status = "cancelled"
            self.cancelled = True
            self.finished = now
            self.continuation_token = None
            self._add(self._completed_event(), now)

    # ----------------------------------------------------------------- views
    def status_at(self, now: float) -> str:
        if now >= self.finished:
            return self.final_status
        started = len(self.log) > 1 and self.log[1].due <= now
        return "in_progress" if started else "queued"

    def done(self, now: float) -> bool:
        return now >= self.finished

    def steps_at(self, now: float) -> list[Payload]:
        count = sum(1 for d in self.step_done if d <= now)
        return self.steps[:count]

    def _who(self) -> Payload:
        return {"agent": self.agent} if self.agent else {"model": self.model}

    def _envelope(self, status: str, updated: float) -> Payload:
        env: Payload = {"id": self.id, "status": status, "object": "interaction", **self._who()}
        if self.legacy:
            env["role"] = "model"
        env["created"] = iso(self.created)
        env["updated"] = iso(updated)
        if self.environment_id:
            env["environment_id"] = self.environment_id
        return env

    def _created_event(self, status: str) -> Payload:
        kind = "interaction.start" if self.legacy else "interaction.created"
        return {"event_type": kind, "interaction": self._envelope(status, self.created)}

    def _status_event(self, status: str, token: str | None = None) -> Payload:
        event: Payload = {
            "event_type": "interaction.status_update",
            "interaction_id": self.id,
            "status": status,
        }
        if token:
            event["continuation_token"] = token
        return event

    def _completed_event(self) -> Payload:
        env = self._envelope(self.final_status, self.finished)
        if self.final_status == "requires_continuation" and self.continuation_token:
            env = (
                {"id": env.pop("id"), "status": env.pop("status")}
                | {"continuation_token": self.continuation_token}
                | env
            )
        if self.legacy:
            env["outputs"] = []
        env["usage"] = self.usage
        kind = "interaction.complete" if self.legacy else "interaction.completed"
        return {"event_type": kind, "interaction": env}

    def resource(self, now: float, *, timeline: bool, include_input: bool = False) -> Payload:
        """The JSON resource as of ``now``; ``timeline`` adds the input steps (GET, steps rev.)."""
        with self.lock:
            status = self.status_at(now)
            done_steps = self.steps_at(now)
            updated = max([e.due for e in self.log if e.due <= now], default=self.created)
            res = self._envelope(status, updated)
            if self.previous_interaction_id:
                res["previous_interaction_id"] = self.previous_interaction_id
            if self.legacy:
                res["outputs"] = outputs(done_steps)
            else:
                res["steps"] = (self.input_steps if timeline else []) + done_steps
            if status in SETTLED_STATUSES:
                res["usage"] = self.usage
                if status == "requires_continuation" and self.continuation_token:
                    res["continuation_token"] = self.continuation_token
                if status == "failed" and self.error:
                    res["errors"] = [self.error]
            for key in ECHOED:
                if key in self.request:
                    res[key] = self.request[key]
            if include_input and "input" in self.request:
                res["input"] = self.request["input"]
            return res

    def chain_bytes(self) -> int:
        """Roughly the size of the conversation up to and including this interaction."""
        return self.history_bytes + self.request_bytes + len(dumps(self.steps))

    def estimated_size(self) -> int:
        """Roughly what keeping this record costs: its request, output, event log and the
        history it holds on to (counted again for each record of a chain, which errs safe)."""
        with self.lock:
            # Each logged event is a small dict whose overhead dwarfs its JSON.
            events = sum(EVENT_OVERHEAD + len(dumps(e.payload)) for e in self.log)
            return self.chain_bytes() + events

    def conversation(self) -> list[Payload]:
        """The chain so far, for a turn that names this interaction as its previous one."""
        with self.lock:
            return self.history + self.input_steps + self.steps

    def index_after(self, last_event_id: str | None) -> int:
        """Where a resumed stream starts: just after ``last_event_id`` (None = the beginning)."""
        if last_event_id is None:
            return 0
        for position, event in enumerate(self.log):
            if event.payload.get("event_id") == last_event_id:
                return position + 1
        raise KeyError(last_event_id)


class Store:
    """Stored interactions by id, bounded: beyond ``max_count`` records or ``max_bytes`` (their
    estimated size) the oldest are evicted, finished ones first. Evicted and deleted ids stay
    known for a while, so they answer a 404 that says what happened."""

    def __init__(self, max_count: int = 1000, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.max_count = max_count
        self.max_bytes = max_bytes
        self._items: dict[str, InteractionRecord] = {}
        self._sizes: dict[str, int] = {}
        self._bytes = 0
        self._gone: dict[str, str] = {}
        self._lock = threading.Lock()

    def put(self, record: InteractionRecord, now: float) -> None:
        size = record.estimated_size()
        with self._lock:
            self._drop(record.id)
            self._items[record.id] = record
            self._sizes[record.id] = size
            self._bytes += size
            while len(self._items) > 1 and (
                len(self._items) > self.max_count or self._bytes > self.max_bytes
            ):
                oldest = next((r for r in self._items.values() if r.done(now)), None)
                victim = oldest.id if oldest is not None else next(iter(self._items))
                self._drop(victim)
                self._forget(victim, "evicted")

    def _drop(self, interaction_id: str) -> InteractionRecord | None:
        record = self._items.pop(interaction_id, None)
        self._bytes -= self._sizes.pop(interaction_id, 0)
        return record

    def _forget(self, interaction_id: str, how: str) -> None:
        self._gone[interaction_id] = how
        # Remembering what is gone must not grow without bound either.
        while len(self._gone) > 10 * self.max_count:
            del self._gone[next(iter(self._gone))]

    def _missing(self, interaction_id: str) -> ErrorReply:
        if self._gone.get(interaction_id) == "evicted":
            return not_found(
                f"Interaction {interaction_id!r} was not found: the local server evicted it to "
                f"stay within its limits (it keeps the newest {self.max_count} interactions, "
                f"{self.max_bytes // (1024 * 1024)} MB; raise --max-stored / --max-stored-mb)."
            )
        return not_found(f"Interaction {interaction_id!r} was not found.")

    def get(self, interaction_id: str) -> InteractionRecord:
        with self._lock:
            record = self._items.get(interaction_id)
            if record is None:
                raise self._missing(interaction_id)
        return record

    def delete(self, interaction_id: str) -> None:
        with self._lock:
            if self._drop(interaction_id) is None:
                raise self._missing(interaction_id)
            self._forget(interaction_id, "deleted")

    def __contains__(self, interaction_id: object) -> bool:
        with self._lock:
            return interaction_id in self._items

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    @property
    def estimated_bytes(self) -> int:
        with self._lock:
            return self._bytes
