"""Steps: the typed timeline of an interaction.

Every field is optional: the server may omit what the SDK marks required, and a partial step seen
mid-stream must still validate. Unknown step types become ``UnknownStep`` with all fields kept.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeAlias

from ._base import Tolerant, WireModel
from ._content import Content


class UserInputStep(WireModel):
    type: Literal["user_input"] = "user_input"
    content: list[Content] = []


class ModelOutputStep(WireModel):
    type: Literal["model_output"] = "model_output"
    content: list[Content] = []
    error: dict[str, Any] | None = None
    """A per-step failure (google.rpc.Status) inside an otherwise successful response."""


class ThoughtStep(WireModel):
    type: Literal["thought"] = "thought"
    signature: str | None = None
    summary: list[Content] | None = None


class FunctionCallStep(WireModel):
    type: Literal["function_call"] = "function_call"
    id: str | None = None
    name: str | None = None
    arguments: Any = None
    """A dict once complete; the raw JSON text if the server sent arguments that do not parse."""


class FunctionResultStep(WireModel):
    type: Literal["function_result"] = "function_result"
    call_id: str | None = None
    name: str | None = None
    result: Any = None
    is_error: bool | None = None


class _ServerCall(WireModel):
    id: str | None = None
    arguments: Any = None
    signature: str | None = None


class _ServerResult(WireModel):
    call_id: str | None = None
    result: Any = None
    is_error: bool | None = None
    signature: str | None = None


class CodeExecutionCallStep(_ServerCall):
    type: Literal["code_execution_call"] = "code_execution_call"


class CodeExecutionResultStep(_ServerResult):
    type: Literal["code_execution_result"] = "code_execution_result"


class UrlContextCallStep(_ServerCall):
    type: Literal["url_context_call"] = "url_context_call"


class UrlContextResultStep(_ServerResult):
    type: Literal["url_context_result"] = "url_context_result"


class GoogleSearchCallStep(_ServerCall):
    type: Literal["google_search_call"] = "google_search_call"
    search_type: str | None = None


class GoogleSearchResultStep(_ServerResult):
    type: Literal["google_search_result"] = "google_search_result"


class FileSearchCallStep(_ServerCall):
    type: Literal["file_search_call"] = "file_search_call"


class FileSearchResultStep(_ServerResult):
    type: Literal["file_search_result"] = "file_search_result"


class GoogleMapsCallStep(_ServerCall):
    type: Literal["google_maps_call"] = "google_maps_call"


class GoogleMapsResultStep(_ServerResult):
    type: Literal["google_maps_result"] = "google_maps_result"


class McpServerToolCallStep(_ServerCall):
    type: Literal["mcp_server_tool_call"] = "mcp_server_tool_call"
    name: str | None = None
    server_name: str | None = None


class McpServerToolResultStep(_ServerResult):
    type: Literal["mcp_server_tool_result"] = "mcp_server_tool_result"
    name: str | None = None
    server_name: str | None = None


class RetrievalCallStep(_ServerCall):
    type: Literal["retrieval_call"] = "retrieval_call"
    retrieval_type: str | None = None


class RetrievalResultStep(_ServerResult):
    type: Literal["retrieval_result"] = "retrieval_result"


class ProcessingCallStep(_ServerCall):
    type: Literal["processing_call"] = "processing_call"


class ProcessingResultStep(_ServerResult):
    type: Literal["processing_result"] = "processing_result"


class UnknownStep(WireModel):
    """A step type this client does not know yet; every field is kept and echoed back verbatim."""

    type: str | None = None


Step: TypeAlias = Annotated[
    UserInputStep
    | ModelOutputStep
    | ThoughtStep
    | FunctionCallStep
    | FunctionResultStep
    | CodeExecutionCallStep
    | CodeExecutionResultStep
    | UrlContextCallStep
    | UrlContextResultStep
    | GoogleSearchCallStep
    | GoogleSearchResultStep
    | FileSearchCallStep
    | FileSearchResultStep
    | GoogleMapsCallStep
    | GoogleMapsResultStep
    | McpServerToolCallStep
    | McpServerToolResultStep
    | RetrievalCallStep
    | RetrievalResultStep
    | ProcessingCallStep
    | ProcessingResultStep
    | UnknownStep,
    Tolerant(),
]
"""A step of the timeline: one of the known types, or ``UnknownStep`` holding every field."""
