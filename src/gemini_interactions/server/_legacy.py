"""Steps → the legacy ``outputs`` revision (``Api-Revision: 2026-05-07``), spec section 10."""

from __future__ import annotations

from typing import Any

from ..api._wire import STEPS_REVISION
from ._events import chunks

Payload = dict[str, Any]


def is_legacy(header: str | None) -> bool:
    """Dates before 2026-05-20 select the legacy schema; absent or later dates select steps
    (what the API speaks without the header since general availability)."""
    value = (header or "").strip()
    return bool(value) and value < STEPS_REVISION


def _annotation(note: Payload) -> Payload:
    if note.get("type") == "url_citation":
        legacy = {k: v for k, v in note.items() if k in ("start_index", "end_index")}
        return legacy | {"source": note.get("url", "")}
    return note


def outputs(steps: list[Payload]) -> list[Payload]:
    """The flat ``outputs``: ``model_output`` content inline, every other step as a block."""
    blocks: list[Payload] = []
    for step in steps:
        kind = step.get("type")
        if kind == "user_input":
            continue
        if kind == "model_output":
            for block in step.get("content") or []:
                block = dict(block)
                if block.get("annotations"):
                    block["annotations"] = [_annotation(a) for a in block["annotations"]]
                blocks.append(block)
        else:
            blocks.append(dict(step))
    return blocks


def block_events(index: int, block: Payload, chunk_size: int) -> list[Payload]:
    """``content.start`` / ``content.delta`` / ``content.stop`` for one output block."""
    kind = block.get("type")
    deltas: list[Payload] = []
    if kind == "text":
        deltas = [
            {"type": "text", "text": piece}
            for piece in chunks(str(block.get("text", "")), chunk_size)
        ]
        if block.get("annotations"):
            deltas.append({"type": "text", "text": "", "annotations": block["annotations"]})
    elif kind == "thought":
        for item in block.get("summary") or []:
            deltas.append({"type": "thought_summary", "content": item})
        if block.get("signature"):
            deltas.append({"type": "thought_signature", "signature": block["signature"]})
    else:
        # function_call arrives as one delta whose arguments are an object (no string fragments).
        deltas = [dict(block)]
    events: list[Payload] = [
        {"event_type": "content.start", "index": index, "content": {"type": kind}}
    ]
    events += [{"event_type": "content.delta", "index": index, "delta": d} for d in deltas]
    events.append({"event_type": "content.stop", "index": index})
    return events
