"""Fault injection: what can go wrong between a client and the API, on purpose.

A plan is attached to a fixture (applies to what that fixture answers) or to the server (applies
to everything). Counters live on the plan, so "fail the first K requests" means the first K that
reached this plan.
"""

from __future__ import annotations

import math
import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ._errors import ErrorReply


@dataclass
class FaultPlan:
    """Faults to inject; every field off by default.

    - ``http_status`` + ``fail_first``: answer that status (429, 503, ...) with ``Retry-After:
      retry_after`` to the first ``fail_first`` requests, then behave.
    - ``drop_after_events`` + ``drops``: cut the first ``drops`` streams after that many events.
    - ``trickle``: send each event in ``trickle_bytes``-sized pieces, ``trickle`` seconds apart.
    - ``error_after_events``: the interaction fails with an ``error`` event after that many events.
    - ``malformed_after_events`` / ``unknown_event_after``: insert a non-JSON ``data:`` line or an
      event of an unknown type (without ``event_id``) after that many events of each stream.
    - ``unknown_step``: the output starts with a step of an unknown type.
    - ``unknown_fields``: every streamed event carries a field no client knows.
    - ``done_sentinel``: end streams with ``data: [DONE]``.
    - ``latency``: every API request is answered this many seconds after it arrived (over
      HTTP; the server's own work is part of it, not added), without holding a server thread,
      so many clients wait at once, as with a real model. 429s from ``rpm`` come at once.
    - ``rpm``: at most this many requests a minute, as a token bucket holding one second's worth
      (so the limit holds over any second, not only per minute); beyond it a 429 whose
      ``Retry-After`` says when the next request would be accepted.
    """

    http_status: int | None = None
    fail_first: int = 0
    retry_after: float | None = 1.0
    drop_after_events: int | None = None
    drops: int = 1
    trickle: float | None = None
    trickle_bytes: int = 16
    error_after_events: int | None = None
    error_code: str = "resource_exhausted"
    error_message: str = "Resource has been exhausted (e.g. check quota)."
    malformed_after_events: int | None = None
    unknown_event_after: int | None = None
    unknown_step: bool = False
    unknown_fields: bool = False
    done_sentinel: bool = False
    latency: float | None = None
    rpm: float | None = None
    _failed: int = field(default=0, init=False, repr=False, compare=False)
    _dropped: int = field(default=0, init=False, repr=False, compare=False)
    _limited: int = field(default=0, init=False, repr=False, compare=False)
    _tokens: float | None = field(default=None, init=False, repr=False, compare=False)
    _filled_at: float = field(default=0.0, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # A negative count or delay would silently mean "never" (or crash mid-stream): refuse it.
        for name, low in _LOWEST.items():
            value = getattr(self, name)
            if value is None or isinstance(value, bool):
                continue
            if not math.isfinite(value) or value < low:
                wanted = "a positive number" if low > 0 else "0 or more"
                raise ValueError(f"fault option {name}={value!r}: must be {wanted}")
        if self.http_status is not None and not 400 <= self.http_status <= 599:
            raise ValueError(
                f"fault option http_status={self.http_status!r}: must be an HTTP error (400-599)"
            )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultPlan:
        known = {f.name for f in fields(cls) if f.init}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault option(s): {', '.join(sorted(unknown))}")
        kinds = {f.name: str(f.type) for f in fields(cls) if f.init}
        for name, value in data.items():
            if not _fits(value, kinds[name]):
                raise ValueError(f"fault option {name}={value!r}: expected {kinds[name]}")
        return cls(**data)

    @classmethod
    def from_options(cls, options: list[str]) -> FaultPlan:
        """A plan from ``NAME=VALUE`` strings (the CLI's ``--fault``), values typed per field."""
        kinds = {f.name: str(f.type) for f in fields(cls) if f.init}
        data: dict[str, Any] = {}
        for option in options:
            name, sep, raw = option.partition("=")
            name = name.strip().replace("-", "_")
            if not sep:
                if kinds.get(name) != "bool":
                    raise ValueError(f"fault option {option!r} needs a value: NAME=VALUE")
                raw = "true"
            if name not in kinds:
                raise ValueError(
                    f"unknown fault option {name!r}; known: {', '.join(sorted(kinds))}"
                )
            data[name] = _typed(name, raw.strip(), kinds[name])
        return cls.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}

    def take_http_error(self) -> ErrorReply | None:
        """The error to answer instead of the real response, while failures remain."""
        if self.http_status is None:
            return None
        with self._lock:
            if self._failed >= self.fail_first:
                return None
            self._failed += 1
        return ErrorReply(
            self.http_status,
            f"Injected fault: HTTP {self.http_status} (retry later).",
            retry_after=self.retry_after,
        )

    def take_rate_limit(self, now: float) -> ErrorReply | None:
        """A 429 when this request is over ``rpm``, else None (the request takes a token)."""
        if self.rpm is None:
            return None
        per_second = self.rpm / 60.0
        capacity = max(1.0, per_second)
        with self._lock:
            if self._tokens is None:
                self._tokens, self._filled_at = capacity, now
            elapsed = max(0.0, now - self._filled_at)
            self._tokens = min(capacity, self._tokens + elapsed * per_second)
            self._filled_at = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return None
            self._limited += 1
            wait = (1.0 - self._tokens) / per_second
        return ErrorReply(
            429,
            f"Injected fault: more than {self.rpm:g} requests per minute (retry later).",
            retry_after=round(wait, 3),
        )

    def take_drop(self) -> int | None:
        """How many events the next stream may send before it is cut, or None for no cut."""
        if self.drop_after_events is None:
            return None
        with self._lock:
            if self._dropped >= self.drops:
                return None
            self._dropped += 1
        return self.drop_after_events

    def refund_drop(self) -> None:
        """A stream that ended before its cut point was not cut: give the cut back."""
        with self._lock:
            self._dropped -= 1

    @property
    def counters(self) -> dict[str, int]:
        """Faults actually injected so far: HTTP errors answered, streams cut."""
        return {"http_errors": self._failed, "drops": self._dropped, "rate_limited": self._limited}


# The smallest value each numeric option accepts.
_LOWEST: dict[str, float] = {
    "fail_first": 0,
    "retry_after": 0,
    "drop_after_events": 0,
    "drops": 0,
    "trickle": 0,
    "trickle_bytes": 1,
    "error_after_events": 0,
    "malformed_after_events": 0,
    "unknown_event_after": 0,
    "latency": 0,
    "rpm": 1e-9,
}


def _fits(value: Any, kind: str) -> bool:
    if value is None:
        return "None" in kind
    if kind == "bool":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if kind.startswith("int"):
        return isinstance(value, int)
    if kind.startswith("float"):
        return isinstance(value, int | float)
    return isinstance(value, str)


def _typed(name: str, raw: str, kind: str) -> Any:
    if "None" in kind and raw.lower() in ("none", "null", "off"):
        return None
    try:
        if kind == "bool":
            if raw.lower() not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
                raise ValueError(raw)
            return raw.lower() in ("true", "1", "yes", "on")
        if kind.startswith("int"):
            return int(raw)
        if kind.startswith("float"):
            return float(raw)
    except ValueError:
        wanted = kind.split(" ")[0].replace("bool", "true/false").replace("float", "number")
        raise ValueError(f"fault option {name}={raw!r}: expected {wanted}") from None
    return raw


UNKNOWN_EVENT = {
    "event_type": "interaction.future_event_kind",
    "note": "injected unknown event; clients must skip it",
}
UNKNOWN_FIELD = {"future_field": {"note": "injected unknown field; clients must keep or skip it"}}
UNKNOWN_STEP = {"type": "future_step_kind", "payload": {"note": "injected unknown step"}}
MALFORMED = b'data: {"event_type": "step.delta", "oops\n\n'
