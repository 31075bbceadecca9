"""The framework-free request/response pair the engine speaks, and how streams are driven.

A streaming body is a generator of *actions* (bytes to send, a time to wait for, or a dropped
connection). One generator serves both the sync transport and the async server: each driver only
decides how to wait.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from ._clock import Clock


def dumps(obj: Any) -> str:
    """Compact JSON with raw UTF-8, byte-compatible with the recorded transcripts."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Wait:
    """Do not send anything before this clock time."""

    until: float


class Drop:
    """Close the connection abruptly, without finishing the response."""


DROP = Drop()
Action = bytes | Wait | Drop


class DroppedConnection(Exception):
    """Raised by a driver when a stream was told to drop; adapters turn it into a cut."""


class BodyStream(Protocol):
    def sync_chunks(self) -> Iterator[bytes]: ...

    def async_chunks(self, batch: bool = False) -> AsyncIterator[bytes]:
        """The body; ``batch``: chunks due at the same moment may come joined as one."""
        ...


class ActionStream:
    """Drives a generator of actions with a clock, synchronously or asynchronously."""

    def __init__(self, actions: Iterator[Action], clock: Clock) -> None:
        self._actions = actions
        self._clock = clock

    def sync_chunks(self) -> Iterator[bytes]:
        for action in self._actions:
            if isinstance(action, bytes):
                yield action
            elif isinstance(action, Wait):
                while (left := action.until - self._clock.now()) > 0:
                    self._clock.sleep(left)
            else:
                raise DroppedConnection

    async def async_chunks(self, batch: bool = False) -> AsyncIterator[bytes]:
        """With ``batch``, the chunks due at the same time are joined into one: over a socket,
        one write (and one read on the other side) per burst instead of one per event, which
        is what a busy server and its client spend most of their time on."""
        due: list[bytes] = []
        for action in self._actions:
            if isinstance(action, bytes):
                if not batch:
                    yield action
                else:
                    due.append(action)
                continue
            if due:
                yield b"".join(due)
                due.clear()
            if isinstance(action, Wait):
                while (left := action.until - self._clock.now()) > 0:
                    await self._clock.asleep(left)
            else:
                raise DroppedConnection
        if due:
            yield b"".join(due)


@dataclass
class EngineRequest:
    """A request as the engine sees it: header names lower-case, the body as raw bytes."""

    method: str
    path: str
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    in_process: bool = False
    """It came through the in-process transport, so from this very process, not a socket."""
    body_bytes: int | None = None
    """The body's size when the HTTP face did not keep it (too large, or a route without one)."""
    received: float | None = None
    """Clock time the request arrived, when the face knows it (``latency`` counts from it)."""

    @property
    def size(self) -> int:
        return len(self.body) if self.body_bytes is None else self.body_bytes

    def param(self, name: str) -> str | None:
        for key, value in self.query:
            if key == name:
                return value
        return None


@dataclass
class EngineResponse:
    """Status, headers and either a complete body or a stream of chunks.

    ``not_before`` delays the whole response (a foreground call that takes time to "think").
    """

    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    stream: BodyStream | None = None
    not_before: float | None = None

    @classmethod
    def json(
        cls, status: int, obj: Any, headers: list[tuple[str, str]] | None = None
    ) -> EngineResponse:
        extra = headers or []
        return cls(status, [("content-type", "application/json"), *extra], dumps(obj).encode())

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None
