"""A cassette built from a chain's turns: the local server's format (``server/_cassette.py``),
so ``%gemini backend offline --cassette FILE`` replays the chain with no key and no network.

Every turn keeps each request body it sent and the interaction that answered it, so the
exchanges are rebuilt from the chain alone (after a ``load`` too, long after the server forgot
them): a streamed request gets the interaction back as SSE events, a plain one as JSON. The
recorded ids come back, so the re-run's ``previous_interaction_id`` values, and hence every
later request, match the recording.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ..api import Interaction
from ..chain import Turn
from ..server._events import step_events

_CLIENT_SIDE = ("revision", "last_event_id", "error_event", "continuation_ids")
_SSE_HEADERS = [["content-type", "text/event-stream"]]
_JSON_HEADERS = [["content-type", "application/json"]]


def _wire(interaction: Interaction) -> dict[str, Any]:
    data = interaction.to_dict()
    for key in _CLIENT_SIDE:
        data.pop(key, None)
    return data


def _frame(payload: dict[str, Any], number: int) -> str:
    payload = {**payload, "event_id": f"evt_{number:06d}"}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return f"event: {payload['event_type']}\ndata: {body}\n\n"


def sse_body(interaction: Interaction) -> str:
    """The interaction as the stream that would have produced it."""
    data = _wire(interaction)
    steps = data.pop("steps", []) or []
    envelope = {k: v for k, v in data.items() if k not in ("usage", "updated")}
    events: list[dict[str, Any]] = [
        {"event_type": "interaction.created", "interaction": {**envelope, "status": "in_progress"}}
    ]
    for index, step in enumerate(steps):
        events += step_events(index, step, 1 << 16)
    events.append({"event_type": "interaction.completed", "interaction": data})
    return "".join(_frame(e, n) for n, e in enumerate(events, 1))


def exchanges(turns: Iterable[Turn], path: str = "/v1/interactions") -> list[dict[str, Any]]:
    """One exchange per request of every turn, in the order they were sent."""
    out: list[dict[str, Any]] = []
    for turn in (t for top in turns for t in (top, *top.items)):  # a --map run: its elements
        for body, interaction in zip(turn.requests, turn.interactions, strict=False):
            request = {"method": "POST", "path": path, "query": [], "headers": {}, "json": body}
            if body.get("stream"):
                response = {"status": 200, "headers": _SSE_HEADERS, "body": sse_body(interaction)}
            else:
                text = json.dumps(_wire(interaction), ensure_ascii=False)
                response = {"status": 200, "headers": _JSON_HEADERS, "body": text}
            out.append({"request": request, "response": response})
    return out


def cassette(turns: Iterable[Turn], api_version: str = "v1") -> dict[str, Any]:
    """The cassette file's contents for ``turns``."""
    return {"version": 1, "exchanges": exchanges(turns, f"/{api_version}/interactions")}
