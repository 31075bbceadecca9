"""The pure fold of steps-revision events into an interaction snapshot.

No I/O, no display. It works on plain dicts because a stream can carry hundreds of thousands of
events: text deltas are buffered per step as a list of parts and joined only when a snapshot is
taken (appending to one growing string would make a long answer quadratic), and function-call
``arguments_delta`` fragments are buffered the same way and parsed at ``step.stop``.

Replayed events (same ``event_id``) are ignored, so a resumed stream that repeats itself changes
nothing.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any

_MEDIA_DELTAS = frozenset({"image", "audio", "video", "document"})
_OUTPUT_DELTAS = frozenset({"text", "text_annotation_delta"}) | _MEDIA_DELTAS
# Fields a tool delta sets (last one wins) rather than combines.
_SET_KEYS = frozenset(
    {
        "signature",
        "is_error",
        "id",
        "call_id",
        "name",
        "server_name",
        "retrieval_type",
        "search_type",
        "mime_type",
    }
)


def synthesize(delta_type: Any) -> dict[str, Any]:
    """The step a delta implies when it arrives for an index that never had a ``step.start``."""
    if not isinstance(delta_type, str):
        return {"type": "unknown"}
    if delta_type in _OUTPUT_DELTAS:
        return {"type": "model_output", "content": []}
    if delta_type in ("thought_summary", "thought_signature"):
        return {"type": "thought"}
    if delta_type in ("arguments_delta", "function_call"):
        return {"type": "function_call", "arguments": {}}
    return {"type": delta_type}


def coerce_index(value: Any, default: int) -> int:
    """A step index as sent, or ``default`` (the last started step) when it is missing or not a
    number; ``"2"`` and ``2.0`` count as 2."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if type(value) is int:
        return value
    return default


def _as_text(value: Any) -> str:
    """A text fragment that is not a string: nothing for null, its JSON for anything else."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _blocks(step: dict[str, Any], key: str) -> list[Any]:
    """``step[key]`` as a list of blocks to append to (a bare string becomes one text block)."""
    blocks = step.get(key)
    if not isinstance(blocks, list):
        if isinstance(blocks, str):
            blocks = [{"type": "text", "text": blocks}]
        elif isinstance(blocks, dict):
            blocks = [blocks]
        else:
            blocks = []
        step[key] = blocks
    return blocks


def combine(step: dict[str, Any], delta: dict[str, Any]) -> None:
    """The generic rule for tool deltas: set when empty, concatenate strings, extend lists,
    shallow-merge objects, otherwise replace; identity fields and signatures are just set."""
    for key, value in delta.items():
        if key == "type":
            continue
        current = step.get(key)
        if current is None or key in _SET_KEYS:
            step[key] = value
        elif isinstance(current, str) and isinstance(value, str):
            step[key] = current + value
        elif isinstance(current, list) and isinstance(value, list):
            step[key] = [*current, *value]
        elif isinstance(current, dict) and isinstance(value, dict):
            step[key] = {**current, **value}
        else:
            step[key] = value


def parse_arguments(text: str) -> Any:
    """Assembled ``arguments_delta`` text to an object; the raw text when it does not parse."""
    if not text.strip():
        return {}
    try:
        return json.loads(text)
    except ValueError:
        return text


class Fold:
    """Folds one interaction's (one hop's) events. ``feed`` returns False for a replayed event."""

    __slots__ = (
        "_args",
        "_last_index",
        "_seen",
        "_text",
        "checkpoint_token",
        "content_since_checkpoint",
        "error",
        "last_event_id",
        "meta",
        "steps",
        "terminal",
        "unknown_events",
    )

    def __init__(self) -> None:
        self.meta: dict[str, Any] = {}
        self.steps: dict[int, dict[str, Any]] = {}
        self._text: dict[int, tuple[str, dict[str, Any], list[str]]] = {}
        self._args: dict[int, list[str]] = {}
        self._seen: set[str] = set()
        self._last_index = 0
        self.last_event_id: str | None = None
        self.error: dict[str, Any] | None = None
        self.terminal = False
        """True once ``interaction.completed`` or ``error`` was folded."""
        self.unknown_events: list[dict[str, Any]] = []
        self.checkpoint_token: str | None = None
        """The latest mid-hop continuation checkpoint (``interaction.status_update``)."""
        self.content_since_checkpoint = False

    @classmethod
    def resumed(cls, snapshot: dict[str, Any]) -> Fold:
        """A fold that goes on from ``snapshot`` (an interaction folded earlier, e.g. saved
        before a restart): the events of a stream resumed after its ``last_event_id`` are
        folded into it, so a resumed answer has every part once."""
        fold = cls()
        steps = snapshot.get("steps")
        for index, step in enumerate(steps if isinstance(steps, list) else []):
            if isinstance(step, dict):
                step = fold.steps[index] = copy.deepcopy(step)
                partial = step.pop("partial_arguments", None)
                if isinstance(partial, str):  # a call's arguments cut mid-way: go on buffering
                    fold._args[index] = [partial]
        fold._last_index = max(fold.steps, default=0)
        skip = ("steps", "last_event_id", "error_event", "revision")
        fold.meta = {k: copy.deepcopy(v) for k, v in snapshot.items() if k not in skip}
        last = snapshot.get("last_event_id")
        if isinstance(last, str):
            fold.last_event_id = last
            fold._seen.add(last)
        return fold

    # -- feeding ---------------------------------------------------------------------------------

    def feed_all(self, events: Iterable[dict[str, Any]]) -> Fold:
        for event in events:
            self.feed(event)
        return self

    def feed(self, event: dict[str, Any]) -> bool:
        event_id = event.get("event_id")
        if event_id is not None:
            if type(event_id) is not str:
                event_id = _as_text(event_id)
            if event_id in self._seen:
                return False
            self._seen.add(event_id)
            self.last_event_id = event_id
        kind = event.get("event_type")
        if kind == "step.delta":
            self._delta(event)
        elif kind == "step.start":
            self._start(event)
        elif kind == "step.stop":
            self._stop(event)
        elif kind == "interaction.status_update":
            self._status(event)
        elif kind == "interaction.created":
            self._merge_interaction(event.get("interaction"), final=False)
        elif kind == "interaction.completed":
            self._merge_interaction(event.get("interaction"), final=True)
            self.terminal = True
        elif kind == "error":
            error = event.get("error")
            self.error = error if isinstance(error, dict) else {"message": str(error)}
            self.meta["status"] = "failed"
            self.terminal = True
        else:
            self.unknown_events.append(event)
        return True

    def feed_hot(self, event: dict[str, Any]) -> bool:
        """``feed`` of a text or arguments delta already known to have the common shape (one
        ``hot_delta_event`` accepted): the same effect, without checking the shape again."""
        event_id = event.get("event_id")
        if event_id is not None:
            if event_id in self._seen:
                return False
            self._seen.add(event_id)
            self.last_event_id = event_id
        index = event["index"]
        delta = event["delta"]
        kind = delta["type"]
        value = delta["text"] if kind == "text" else delta["arguments"]
        self.content_since_checkpoint = True
        if kind == "text":
            pending = self._text.get(index)
            if pending is not None and pending[0] == "content":
                pending[2].append(value)
            else:
                self._append_text(index, "content", value, kind)
        else:
            self._step(index, kind)
            self._args.setdefault(index, []).append(value)
        return True

    def _step(self, index: int, delta_type: Any) -> dict[str, Any]:
        step = self.steps.get(index)
        if step is None:
            step = self.steps[index] = synthesize(delta_type)
        return step

    def _index(self, event: dict[str, Any]) -> int:
        index = event.get("index")
        return index if type(index) is int else coerce_index(index, self._last_index)

    def _start(self, event: dict[str, Any]) -> None:
        index = self._last_index = self._index(event)
        self._flush(index)
        step = event.get("step")
        if isinstance(step, dict):
            self.steps[index] = copy.deepcopy(step)
        elif index not in self.steps:  # a malformed start never wipes what a step already has
            self.steps[index] = {"type": "unknown"}
        self.content_since_checkpoint = True

    def _delta(self, event: dict[str, Any]) -> None:
        index = event.get("index")
        if type(index) is not int:
            index = coerce_index(index, self._last_index)
        delta = event.get("delta")
        self.content_since_checkpoint = True
        if not isinstance(delta, dict):
            return
        kind = delta.get("type")
        if kind == "text":
            text = delta.get("text")
            if type(text) is not str:
                text = _as_text(text)
            pending = self._text.get(index)
            if pending is not None and pending[0] == "content":
                pending[2].append(text)
                if "annotations" in delta:  # legacy text deltas carry their annotations
                    self._annotate(index, delta["annotations"])
                return
            self._append_text(index, "content", text, kind)
            if "annotations" in delta:
                self._annotate(index, delta["annotations"])
        elif kind == "arguments_delta":
            self._step(index, kind)
            fragment = delta.get("arguments")
            if type(fragment) is not str:
                fragment = _as_text(fragment)
            self._args.setdefault(index, []).append(fragment)
        elif kind == "thought_summary":
            block = delta.get("content")
            if isinstance(block, dict) and block.get("type", "text") == "text":
                pending = self._text.get(index)
                text = _as_text(block.get("text"))
                if pending is not None and pending[0] == "summary":
                    pending[2].append(text)
                else:
                    self._append_text(index, "summary", text, kind)
            elif isinstance(block, dict):
                self._flush(index)
                _blocks(self._step(index, kind), "summary").append(dict(block))
            elif isinstance(block, str):
                self._append_text(index, "summary", block, kind)
        elif kind == "thought_signature":
            self._step(index, kind)["signature"] = delta.get("signature")
        elif kind == "text_annotation_delta":
            self._annotate(index, delta.get("annotations"))
        elif isinstance(kind, str) and kind in _MEDIA_DELTAS:
            self._flush(index)
            _blocks(self._step(index, kind), "content").append(dict(delta))
        elif kind is None:
            pass
        else:
            self._flush(index)
            step = self._step(index, kind)
            if isinstance(kind, str) and (
                kind == "function_call" or kind.endswith(("_call", "_result"))
            ):
                combine(step, delta)
            else:
                step.setdefault("unknown_deltas", []).append(delta)
        metadata = event.get("metadata")
        if isinstance(metadata, dict) and isinstance(metadata.get("total_usage"), dict):
            self.meta["usage"] = metadata["total_usage"]

    def _append_text(self, index: int, key: str, text: str, kind: str) -> None:
        self._flush(index)
        blocks = _blocks(self._step(index, kind), key)
        if not blocks or not isinstance(blocks[-1], dict) or blocks[-1].get("type") != "text":
            blocks.append({"type": "text", "text": ""})
        block = blocks[-1]
        block.setdefault("text", "")
        self._text[index] = (key, block, [text])

    def _annotate(self, index: int, annotations: Any) -> None:
        if not isinstance(annotations, list):
            annotations = [annotations] if isinstance(annotations, dict) else []
        self._flush(index)
        blocks = _blocks(self._step(index, "text"), "content")
        if not blocks or not isinstance(blocks[-1], dict) or blocks[-1].get("type") != "text":
            blocks.append({"type": "text", "text": ""})
        block = blocks[-1]
        before = block.get("annotations")
        block["annotations"] = [*(before if isinstance(before, list) else []), *annotations]

    def _flush(self, index: int) -> None:
        pending = self._text.pop(index, None)
        if pending is not None:
            block = pending[1]
            block["text"] = _as_text(block.get("text")) + "".join(pending[2])

    def _finish_arguments(self, index: int) -> None:
        parts = self._args.pop(index, None)
        if parts is not None:
            self._step(index, "arguments_delta")["arguments"] = parse_arguments("".join(parts))

    def _stop(self, event: dict[str, Any]) -> None:
        index = self._index(event)
        self._flush(index)
        self._finish_arguments(index)
        metadata = event.get("metadata")
        usage = event.get("usage")
        if not isinstance(usage, dict) and isinstance(metadata, dict):
            usage = metadata.get("total_usage")
        if isinstance(usage, dict):
            self.meta["usage"] = usage
        if isinstance(event.get("step_usage"), dict) and index in self.steps:
            self.steps[index]["step_usage"] = event["step_usage"]

    def _status(self, event: dict[str, Any]) -> None:
        if event.get("status") is not None:
            self.meta["status"] = event["status"]
        if isinstance(event.get("interaction_id"), str) and "id" not in self.meta:
            self.meta["id"] = event["interaction_id"]
        token = event.get("continuation_token")
        if isinstance(token, str) and token:
            self.checkpoint_token = token
            self.content_since_checkpoint = False
        if isinstance(event.get("usage"), dict):
            self.meta["usage"] = event["usage"]

    def _merge_interaction(self, interaction: Any, *, final: bool) -> None:
        if not isinstance(interaction, dict):
            return
        for key, value in interaction.items():
            if key != "steps":
                self.meta[key] = value
        if final:
            # The terminal snapshot is authoritative: no token there voids earlier checkpoints.
            self.meta["continuation_token"] = interaction.get("continuation_token")
            for index in list(self._args):
                self._finish_arguments(index)
        steps = interaction.get("steps")
        if isinstance(steps, list) and steps and (final or not self.steps):
            self._text.clear()
            self._args.clear()
            self.steps = {i: copy.deepcopy(s) for i, s in enumerate(steps) if isinstance(s, dict)}

    # -- reading ---------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The interaction as folded so far, as a JSON-ready dict (a copy: safe to keep)."""
        for index in list(self._text):
            self._flush(index)
        out = copy.deepcopy(self.meta)
        if out.get("continuation_token") is None:
            out.pop("continuation_token", None)
        steps = []
        for index in sorted(self.steps):
            step = copy.deepcopy(self.steps[index])
            if index in self._args:
                step["partial_arguments"] = "".join(self._args[index])
            steps.append(step)
        out["steps"] = steps
        if self.error is not None:
            out["error_event"] = copy.deepcopy(self.error)
        if self.last_event_id is not None:
            out["last_event_id"] = self.last_event_id
        return out


def fold_events(events: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Fold a whole sequence of steps-revision event payloads into a snapshot dict."""
    return Fold().feed_all(events).snapshot()
