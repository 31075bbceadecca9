"""The one place that knows the legacy ``outputs`` revision (``Api-Revision: 2026-05-07``).

Legacy resources and ``content.*`` events are translated here to the steps vocabulary, so the fold,
the models and everything above them see a single timeline model. Events that
are already in the steps vocabulary pass through untouched, so the translator can sit in front of
every stream.
"""

from __future__ import annotations

from typing import Any

from ._fold import coerce_index

_MEDIA = frozenset({"text", "image", "audio", "video", "document"})
_LEGACY_EVENTS = frozenset(
    {"interaction.start", "content.start", "content.delta", "content.stop", "interaction.complete"}
)
_STATUS_EVENT_PREFIX = "interaction."
_KNOWN_INTERACTION_EVENTS = frozenset(
    {"interaction.created", "interaction.completed", "interaction.status_update"}
)


def is_legacy_resource(data: dict[str, Any]) -> bool:
    return "outputs" in data and "steps" not in data


def convert_annotation(annotation: Any) -> Any:
    """Legacy annotations had no type: ``{start_index, end_index, source}`` is a URL citation."""
    if isinstance(annotation, dict) and "type" not in annotation:
        out = {k: v for k, v in annotation.items() if k != "source"}
        out["type"] = "url_citation"
        if "source" in annotation:
            out.setdefault("url", annotation["source"])
        return out
    return annotation


def _convert_block(block: dict[str, Any]) -> dict[str, Any]:
    annotations = block.get("annotations")
    if isinstance(annotations, list):
        block = {**block, "annotations": [convert_annotation(a) for a in annotations]}
    if block.get("type") == "google_search_result" and isinstance(block.get("result"), dict):
        # {rendered_content, url} became [{search_suggestions}] in the steps revision.
        result = dict(block["result"])
        result["search_suggestions"] = result.pop("rendered_content", None)
        block = {**block, "result": [result]}
    return block


def block_to_step(block: dict[str, Any]) -> dict[str, Any]:
    """A legacy output block to a step: media blocks go inside a ``model_output`` step."""
    block = _convert_block(block)
    if block.get("type") in _MEDIA:
        stub = block.get("type") == "text" and "text" not in block
        return {"type": "model_output", "content": [] if stub else [block]}
    return block


def resource_to_steps(data: dict[str, Any]) -> dict[str, Any]:
    """A legacy resource (flat ``outputs``) to the steps shape; consecutive media blocks are
    coalesced into one ``model_output`` step."""
    out = {k: v for k, v in data.items() if k not in ("outputs", "role")}
    steps: list[dict[str, Any]] = []
    for block in data.get("outputs") or []:
        if not isinstance(block, dict):
            continue
        step = block_to_step(block)
        prev = steps[-1] if steps else None
        if step["type"] == "model_output" and prev is not None and prev["type"] == "model_output":
            prev["content"] = [*prev["content"], *step["content"]]
        else:
            steps.append(step)
    out["steps"] = steps
    return out


class LegacyEventTranslator:
    """Stateful (it remembers the last started index): legacy events in, steps events out.

    Also folds the ``interaction.<status>`` spellings into ``interaction.status_update``.
    """

    __slots__ = ("_last_index", "saw_legacy")

    def __init__(self) -> None:
        self._last_index = 0
        self.saw_legacy = False

    def translate(self, event: dict[str, Any]) -> dict[str, Any]:
        kind = event.get("event_type")
        if type(kind) is not str or kind not in _LEGACY_EVENTS:
            if (
                type(kind) is str
                and kind.startswith(_STATUS_EVENT_PREFIX)
                and kind not in _KNOWN_INTERACTION_EVENTS
            ):
                return self._status_spelling(event, kind)
            return event
        self.saw_legacy = True
        if kind == "content.delta":
            return self._delta(event)
        if kind == "content.start":
            return self._start(event)
        if kind == "content.stop":
            out = {k: v for k, v in event.items() if k != "index"}
            out["event_type"] = "step.stop"
            out["index"] = self._index(event)
            return out
        return self._interaction(event, kind)

    def _index(self, event: dict[str, Any]) -> int:
        return coerce_index(event.get("index"), self._last_index)

    def _start(self, event: dict[str, Any]) -> dict[str, Any]:
        index = self._index(event)
        self._last_index = index
        block = event.get("content")
        if not isinstance(block, dict):
            block = {"type": event.get("type", "text")}
        out = {k: v for k, v in event.items() if k not in ("content", "type")}
        out.update(event_type="step.start", index=index, step=block_to_step(block))
        return out

    def _delta(self, event: dict[str, Any]) -> dict[str, Any]:
        out = dict(event)
        out["event_type"] = "step.delta"
        out["index"] = self._index(event)
        delta = event.get("delta")
        if isinstance(delta, dict) and isinstance(delta.get("annotations"), list):
            out["delta"] = {
                **delta,
                "annotations": [convert_annotation(a) for a in delta["annotations"]],
            }
        return out

    def _interaction(self, event: dict[str, Any], kind: str) -> dict[str, Any]:
        interaction = event.get("interaction")
        if not isinstance(interaction, dict):
            # The migration guide's abbreviated samples put id/status at the top level.
            interaction = {k: v for k, v in event.items() if k not in ("event_type", "event_id")}
        interaction = {k: v for k, v in interaction.items() if k not in ("outputs", "role")}
        out: dict[str, Any] = {
            "event_type": "interaction.created"
            if kind == "interaction.start"
            else "interaction.completed",
            "interaction": interaction,
        }
        if "event_id" in event:
            out["event_id"] = event["event_id"]
        return out

    @staticmethod
    def _status_spelling(event: dict[str, Any], kind: str) -> dict[str, Any]:
        out = dict(event)
        out["event_type"] = "interaction.status_update"
        out["original_event_type"] = kind
        interaction = event.get("interaction")
        if isinstance(interaction, dict):
            out.setdefault("interaction_id", interaction.get("id"))
            out.setdefault("status", interaction.get("status"))
        out.setdefault("status", kind[len(_STATUS_EVENT_PREFIX) :])
        if out.get("status") is None:
            out["status"] = kind[len(_STATUS_EVENT_PREFIX) :]
        return out
