"""Helpers for the server tests: a tiny SSE parser and ready-made clients."""

from __future__ import annotations

import json
from typing import Any

import httpx

from gemini_interactions.server import LocalServer

KEY = "AIzaSy-TEST-SECRET-KEY-0123456789abcdef"
BASE = "http://local.test"
PREFIX = "/v1beta/interactions"


def parse_sse(raw: bytes | str) -> list[dict[str, Any]]:
    """Every JSON ``data:`` payload of an SSE body, with the ``event:`` field as ``_sse``."""
    text = raw.decode() if isinstance(raw, bytes) else raw
    events: list[dict[str, Any]] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = None, []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        if not data:
            continue
        try:
            payload = json.loads("\n".join(data))
        except ValueError:
            payload = {"_raw": "\n".join(data)}
        if isinstance(payload, dict):
            if name is not None:
                payload["_sse"] = name
            events.append(payload)
    return events


def text_of(events: list[dict[str, Any]]) -> str:
    """Concatenated text deltas (either revision)."""
    out = []
    for event in events:
        delta = event.get("delta") or {}
        if (
            event.get("event_type") in ("step.delta", "content.delta")
            and delta.get("type") == "text"
        ):
            out.append(delta.get("text", ""))
    return "".join(out)


def client_for(server: LocalServer, **headers: str) -> httpx.Client:
    return httpx.Client(
        transport=server.transport(),
        base_url=BASE,
        headers={"x-goog-api-key": KEY, **headers},
    )


def create(http: httpx.Client, body: dict[str, Any], **headers: str) -> httpx.Response:
    return http.post(PREFIX, json=body, headers=headers)
