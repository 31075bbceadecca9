"""Steps → stream events (current revision) and SSE framing.

The server knows every step in full, so a step's events are generated from it directly: text is
cut into ``chunk_size`` pieces, function-call arguments are streamed as JSON-string fragments.
"""

from __future__ import annotations

import json
from typing import Any

from ._exchange import dumps

Payload = dict[str, Any]

# Server-tool call steps whose arguments arrive in one delta after an empty start.
CALL_STEPS = frozenset(
    {
        "google_search_call",
        "code_execution_call",
        "url_context_call",
        "google_maps_call",
        "retrieval_call",
    }
)
RESULT_STEPS = frozenset(
    {
        "google_search_result",
        "code_execution_result",
        "url_context_result",
        "google_maps_result",
        "file_search_result",
    }
)


def chunks(text: str, size: int) -> list[str]:
    """``text`` cut into pieces of ``size`` characters (at least one piece, maybe empty)."""
    size = max(size, 1)
    return [text[i : i + size] for i in range(0, len(text), size)] or [text]


def _delta(index: int, delta: Payload) -> Payload:
    return {"event_type": "step.delta", "index": index, "delta": delta}


def step_events(
    index: int, step: Payload, chunk_size: int, hints: list[str] | None = None
) -> list[Payload]:
    """``step.start``, the ``step.delta`` events and ``step.stop`` for one output step."""
    kind = step.get("type")
    if kind == "model_output":
        start, deltas = _model_output(step, chunk_size, hints)
    elif kind == "thought":
        start, deltas = _thought(step, chunk_size)
    elif kind == "function_call":
        start = {k: v for k, v in step.items() if k != "arguments"} | {"arguments": {}}
        text = json.dumps(step.get("arguments", {}), ensure_ascii=False)
        pieces = chunks(text, chunk_size)
        deltas = [{"type": "arguments_delta", "arguments": part} for part in pieces]
    elif kind in CALL_STEPS:
        start = {k: v for k, v in step.items() if k not in ("arguments", "signature")}
        start["arguments"] = {}
        delta = {"type": kind, "arguments": step.get("arguments", {})}
        deltas = [delta | ({"signature": step["signature"]} if "signature" in step else {})]
    elif kind in RESULT_STEPS:
        result = step.get("result")
        start = {k: v for k, v in step.items() if k not in ("result", "is_error", "signature")}
        start["result"] = "" if isinstance(result, str) else []
        delta = {k: v for k, v in step.items() if k in ("result", "is_error", "signature")}
        deltas = [{"type": kind, **delta}]
    else:
        # Client-side and unknown step kinds travel whole in their step.start.
        start, deltas = dict(step), []
    events = [{"event_type": "step.start", "index": index, "step": start}]
    events += [_delta(index, d) for d in deltas]
    events.append({"event_type": "step.stop", "index": index})
    return events


def _model_output(
    step: Payload, size: int, hints: list[str] | None
) -> tuple[Payload, list[Payload]]:
    start = {k: v for k, v in step.items() if k != "content"}
    deltas: list[Payload] = []
    for block in step.get("content") or []:
        if block.get("type") != "text":
            deltas.append(dict(block))
            continue
        # Explicit chunks (a fixture's text list) describe the step's first text block only.
        pieces = hints if hints is not None else chunks(str(block.get("text", "")), size)
        hints = None
        deltas += [{"type": "text", "text": piece} for piece in pieces]
        if block.get("annotations"):
            deltas.append({"type": "text_annotation_delta", "annotations": block["annotations"]})
    return start, deltas


def _thought(step: Payload, size: int) -> tuple[Payload, list[Payload]]:
    start = {k: v for k, v in step.items() if k not in ("summary", "signature")}
    deltas: list[Payload] = []
    for item in step.get("summary") or []:
        if item.get("type") == "text":
            deltas += [
                {"type": "thought_summary", "content": {"type": "text", "text": piece}}
                for piece in chunks(str(item.get("text", "")), max(size, 16))
            ]
        else:
            deltas.append({"type": "thought_summary", "content": item})
    if step.get("signature"):
        deltas.append({"type": "thought_signature", "signature": step["signature"]})
    return start, deltas


def frame(payload: Payload, *, data_only: bool) -> bytes:
    """One SSE message; ``event:`` mirrors the JSON ``event_type`` unless data-only framing."""
    data = "data: " + dumps(payload) + "\n\n"
    if data_only:
        return data.encode()
    return ("event: " + str(payload.get("event_type", "message")) + "\n" + data).encode()
