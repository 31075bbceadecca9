"""Stream deltas and events, as a user of a stream sees them.

Legacy-revision events are translated to these before anyone sees them, so there is one event
vocabulary. Unknown event and delta types are kept as ``UnknownEvent`` / ``UnknownDelta``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeAlias

from pydantic import BaseModel, TypeAdapter

from ._base import Tolerant, WireModel, lenient
from ._content import Annotation, Content
from ._interaction import ErrorInfo, Interaction, Usage
from ._steps import Step

# --- deltas -----------------------------------------------------------------------------------


class TextDelta(WireModel):
    type: Literal["text"] = "text"
    text: str = ""


class _MediaDelta(WireModel):
    data: str | None = None
    uri: str | None = None
    mime_type: str | None = None


class ImageDelta(_MediaDelta):
    type: Literal["image"] = "image"
    resolution: str | None = None


class AudioDelta(_MediaDelta):
    type: Literal["audio"] = "audio"
    sample_rate: int | None = None
    channels: int | None = None


class DocumentDelta(_MediaDelta):
    type: Literal["document"] = "document"


class VideoDelta(_MediaDelta):
    type: Literal["video"] = "video"
    resolution: str | None = None


class TextAnnotationDelta(WireModel):
    type: Literal["text_annotation_delta"] = "text_annotation_delta"
    annotations: list[Annotation] = []


class ThoughtSummaryDelta(WireModel):
    type: Literal["thought_summary"] = "thought_summary"
    content: Content | None = None


class ThoughtSignatureDelta(WireModel):
    type: Literal["thought_signature"] = "thought_signature"
    signature: str | None = None


class ArgumentsDelta(WireModel):
    """A fragment of a function call's JSON arguments; fragments concatenate to the whole."""

    type: Literal["arguments_delta"] = "arguments_delta"
    arguments: str = ""


class FunctionCallDelta(WireModel):
    """Legacy revision only: id, name and an arguments object merged into the step."""

    type: Literal["function_call"] = "function_call"
    id: str | None = None
    name: str | None = None
    arguments: Any = None


class _ToolDelta(WireModel):
    arguments: Any = None
    result: Any = None
    is_error: bool | None = None
    signature: str | None = None


class CodeExecutionCallDelta(_ToolDelta):
    type: Literal["code_execution_call"] = "code_execution_call"


class CodeExecutionResultDelta(_ToolDelta):
    type: Literal["code_execution_result"] = "code_execution_result"


class UrlContextCallDelta(_ToolDelta):
    type: Literal["url_context_call"] = "url_context_call"


class UrlContextResultDelta(_ToolDelta):
    type: Literal["url_context_result"] = "url_context_result"


class GoogleSearchCallDelta(_ToolDelta):
    type: Literal["google_search_call"] = "google_search_call"


class GoogleSearchResultDelta(_ToolDelta):
    type: Literal["google_search_result"] = "google_search_result"


class GoogleMapsCallDelta(_ToolDelta):
    type: Literal["google_maps_call"] = "google_maps_call"


class GoogleMapsResultDelta(_ToolDelta):
    type: Literal["google_maps_result"] = "google_maps_result"


class FileSearchCallDelta(_ToolDelta):
    type: Literal["file_search_call"] = "file_search_call"


class FileSearchResultDelta(_ToolDelta):
    type: Literal["file_search_result"] = "file_search_result"


class McpServerToolCallDelta(_ToolDelta):
    type: Literal["mcp_server_tool_call"] = "mcp_server_tool_call"
    name: str | None = None
    server_name: str | None = None


class McpServerToolResultDelta(_ToolDelta):
    type: Literal["mcp_server_tool_result"] = "mcp_server_tool_result"
    name: str | None = None
    server_name: str | None = None


class FunctionResultDelta(_ToolDelta):
    type: Literal["function_result"] = "function_result"
    name: str | None = None


class RetrievalCallDelta(_ToolDelta):
    type: Literal["retrieval_call"] = "retrieval_call"
    retrieval_type: str | None = None


class RetrievalResultDelta(_ToolDelta):
    type: Literal["retrieval_result"] = "retrieval_result"


class ProcessingCallDelta(_ToolDelta):
    type: Literal["processing_call"] = "processing_call"


class ProcessingResultDelta(_ToolDelta):
    type: Literal["processing_result"] = "processing_result"


class ToolSearchCallDelta(_ToolDelta):
    type: Literal["tool_search_call"] = "tool_search_call"


class ToolSearchResultDelta(_ToolDelta):
    type: Literal["tool_search_result"] = "tool_search_result"


class UnknownDelta(WireModel):
    type: str | None = None


Delta: TypeAlias = Annotated[
    TextDelta
    | ImageDelta
    | AudioDelta
    | DocumentDelta
    | VideoDelta
    | TextAnnotationDelta
    | ThoughtSummaryDelta
    | ThoughtSignatureDelta
    | ArgumentsDelta
    | FunctionCallDelta
    | CodeExecutionCallDelta
    | CodeExecutionResultDelta
    | UrlContextCallDelta
    | UrlContextResultDelta
    | GoogleSearchCallDelta
    | GoogleSearchResultDelta
    | GoogleMapsCallDelta
    | GoogleMapsResultDelta
    | FileSearchCallDelta
    | FileSearchResultDelta
    | McpServerToolCallDelta
    | McpServerToolResultDelta
    | FunctionResultDelta
    | RetrievalCallDelta
    | RetrievalResultDelta
    | ProcessingCallDelta
    | ProcessingResultDelta
    | ToolSearchCallDelta
    | ToolSearchResultDelta
    | UnknownDelta,
    Tolerant(),
]
"""A ``step.delta`` payload: one of the known types, or ``UnknownDelta`` holding every field."""

# --- events -----------------------------------------------------------------------------------


class _Event(WireModel):
    event_id: str | None = None


class InteractionCreatedEvent(_Event):
    event_type: Literal["interaction.created"] = "interaction.created"
    interaction: Interaction = Interaction()


class InteractionStatusUpdateEvent(_Event):
    """Also stands for ``interaction.<status>`` spellings (``interaction.in_progress`` …)."""

    event_type: Literal["interaction.status_update"] = "interaction.status_update"
    interaction_id: str | None = None
    status: str | None = None
    continuation_token: str | None = None
    usage: Usage | None = None


class StepStartEvent(_Event):
    event_type: Literal["step.start"] = "step.start"
    index: int | None = None
    step: Step | None = None


class StepDeltaEvent(_Event):
    event_type: Literal["step.delta"] = "step.delta"
    index: int | None = None
    delta: Delta | None = None
    metadata: dict[str, Any] | None = None


class StepStopEvent(_Event):
    event_type: Literal["step.stop"] = "step.stop"
    index: int | None = None
    usage: Usage | None = None
    step_usage: Usage | None = None
    metadata: dict[str, Any] | None = None


class InteractionCompletedEvent(_Event):
    event_type: Literal["interaction.completed"] = "interaction.completed"
    interaction: Interaction = Interaction()


class ErrorEvent(_Event):
    event_type: Literal["error"] = "error"
    error: ErrorInfo = ErrorInfo()


class UnknownEvent(_Event):
    """An event type this client does not know; kept whole (``raw`` for non-JSON data)."""

    event_type: str | None = None


Event: TypeAlias = Annotated[
    InteractionCreatedEvent
    | InteractionStatusUpdateEvent
    | StepStartEvent
    | StepDeltaEvent
    | StepStopEvent
    | InteractionCompletedEvent
    | ErrorEvent
    | UnknownEvent,
    Tolerant(key="event_type"),
]
"""A stream event: one of the known types, or ``UnknownEvent`` holding every field."""

_EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


# The deltas that make up nearly all of a stream: (class, the one string field besides "type").
_HOT_DELTAS: dict[str, tuple[type[TextDelta] | type[ArgumentsDelta], str]] = {
    "text": (TextDelta, "text"),
    "arguments_delta": (ArgumentsDelta, "arguments"),
}

# pydantic models keep their state in four slots; writing them through the slot descriptors is
# what model_construct does, minus its per-call bookkeeping.
_new = object.__new__
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


def hot_delta_event(payload: dict[str, Any]) -> StepDeltaEvent | None:
    """The typed event of a text or arguments delta of exactly the common shape
    (``{event_type, index, delta: {type, text|arguments}, event_id?}``), built directly; None
    for anything else.

    Such deltas are nearly all of a stream, so both objects are built as ``model_construct``
    would, minus its per-call bookkeeping: the fields set are exactly the keys given, the rest
    are the (None) defaults. A property test pins the result equal to the validated event.
    """
    delta = payload.get("delta")
    if type(delta) is not dict or len(delta) != 2:
        return None
    kind = delta.get("type")
    hot = _HOT_DELTAS.get(kind) if type(kind) is str else None
    if hot is None:
        return None
    cls, field = hot
    value = delta.get(field)
    index = payload.get("index")
    event_id = payload.get("event_id")
    if (
        type(value) is not str
        or type(index) is not int
        or payload.get("event_type") != "step.delta"
        or len(payload) != (3 if event_id is None else 4)
        or (event_id is not None and type(event_id) is not str)
    ):
        return None
    # len(payload) == 3 with no event_id, or 4 with one: exactly the four keys known, since
    # event_type, index and delta are present (a null event_id is the 4th key, and rejected).
    if event_id is None and "event_id" in payload:
        return None
    typed = _new(cls)
    _set_dict(typed, {"type": kind, field: value})
    _set_fields_set(typed, {"type", field})
    _set_extra(typed, {})
    _set_private(typed, None)
    event = _new(StepDeltaEvent)
    _set_dict(
        event,
        {
            "event_id": event_id,
            "event_type": "step.delta",
            "index": index,
            "delta": typed,
            "metadata": None,
        },
    )
    _set_fields_set(event, set(payload))
    _set_extra(event, {})
    _set_private(event, None)
    return event


def parse_event(payload: dict[str, Any]) -> Event:
    """Validate one steps-revision event payload into its typed event (unknown types kept).

    Text and argument deltas of the common shape are built directly (``hot_delta_event``);
    anything else goes through full validation, where a field of the wrong shape (an ``index``
    that is no number, a ``delta`` that is no object, ...) is left out of the typed event rather
    than raised: the fold, which works on the raw payload, still sees it.
    """
    event = hot_delta_event(payload)
    if event is not None:
        return event
    return lenient(_EVENT_ADAPTER.validate_python, payload)
