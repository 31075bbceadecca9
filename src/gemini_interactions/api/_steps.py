"""Steps: the typed timeline of an interaction.

Every field is optional: the server may omit what the SDK marks required, and a partial step seen
mid-stream must still validate. Unknown step types become ``UnknownStep`` with all fields kept.

A tool step's ``arguments`` and ``result`` stay exactly as the server sent them (they are echoed
back verbatim in stateless turns, and a shape the SDK does not know yet must survive); what the
SDK types inside them is read through properties (``queries``, ``places``, ``content`` ...),
which skip what does not fit instead of failing.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeAlias, TypeVar

from pydantic import TypeAdapter, ValidationError

from ._base import Tolerant, WireModel, lenient
from ._content import (
    AudioContent,
    Content,
    DocumentContent,
    ImageContent,
    ReviewSnippet,
    TextContent,
    UnknownContent,
    VideoContent,
)
from ._tools import FunctionDeclaration

_M = TypeVar("_M", bound=WireModel)

FunctionResultContent: TypeAlias = Annotated[
    TextContent
    | ImageContent
    | AudioContent
    | DocumentContent
    | VideoContent
    | FunctionDeclaration
    | UnknownContent,
    Tolerant(),
]
"""A block of a function (or MCP tool) result given as content: text, media, or a function
declaration (what a tool search loads)."""


def _strings(value: Any, key: str) -> list[str]:
    """``value[key]`` when ``value`` is an object and that is a list: its strings."""
    items = value.get(key) if isinstance(value, dict) else None
    return [i for i in items if isinstance(i, str)] if isinstance(items, list) else []


def _models(cls: type[_M], items: Any) -> list[_M]:
    """The objects of a list as ``cls``; anything else in it (or a non-list) is skipped."""
    out: list[_M] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            try:
                out.append(lenient(cls.model_validate, item))
            except ValidationError:
                continue
    return out


def _content_blocks(result: Any) -> list[Any] | None:
    """A result given as a list of typed content blocks, typed; None for any other result."""
    if not isinstance(result, list) or not result:
        return None
    known = ("text", "image", "audio", "document", "video", "function")
    if not all(isinstance(b, dict) and b.get("type") in known for b in result):
        return None
    blocks = []
    for block in result:
        try:
            blocks.append(lenient(_CONTENT_ADAPTER.validate_python, block))
        except ValidationError:
            continue
    return blocks


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
    """An object, a string, or a list of content blocks (text, images, ...)."""
    is_error: bool | None = None

    @property
    def content(self) -> list[FunctionResultContent] | None:
        """The result's content blocks, typed, when the result is given as content."""
        return _content_blocks(self.result)


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

    @property
    def code(self) -> str | None:
        code = self.arguments.get("code") if isinstance(self.arguments, dict) else None
        return code if isinstance(code, str) else None

    @property
    def language(self) -> str | None:
        value = self.arguments.get("language") if isinstance(self.arguments, dict) else None
        return value if isinstance(value, str) else None


class CodeExecutionResultStep(_ServerResult):
    type: Literal["code_execution_result"] = "code_execution_result"

    @property
    def content(self) -> list[FunctionResultContent] | None:
        """The output as content blocks (e.g. a plot), when it is not plain text."""
        return _content_blocks(self.result)


class UrlContextResult(WireModel):
    url: str | None = None
    status: str | None = None
    """``success``, ``error``, ``paywall``, ``unsafe``."""


class UrlContextCallStep(_ServerCall):
    type: Literal["url_context_call"] = "url_context_call"

    @property
    def urls(self) -> list[str]:
        return _strings(self.arguments, "urls")


class UrlContextResultStep(_ServerResult):
    type: Literal["url_context_result"] = "url_context_result"

    @property
    def results(self) -> list[UrlContextResult]:
        """Each URL fetched and how that went."""
        return _models(UrlContextResult, self.result)


class GoogleSearchCallStep(_ServerCall):
    type: Literal["google_search_call"] = "google_search_call"
    search_type: str | None = None
    """``web_search``, ``image_search``, ``enterprise_web_search``."""

    @property
    def queries(self) -> list[str]:
        """The searches run (real streams send them in a delta, after ``step.start``)."""
        return _strings(self.arguments, "queries")


class GoogleSearchResultStep(_ServerResult):
    type: Literal["google_search_result"] = "google_search_result"

    @property
    def search_suggestions(self) -> list[str]:
        """Google's rendered search-suggestion chips: HTML carrying its own ``<style>`` block,
        which Google's terms ask apps to show as provided (isolated from the page's styles)."""
        items = self.result if isinstance(self.result, list) else []
        return [
            item["search_suggestions"]
            for item in items
            if isinstance(item, dict) and isinstance(item.get("search_suggestions"), str)
        ]


class FileSearchCallStep(_ServerCall):
    """Its retrieved chunks come back as ``file_citation`` annotations on the answer."""

    type: Literal["file_search_call"] = "file_search_call"


class FileSearchResultStep(_ServerResult):
    type: Literal["file_search_result"] = "file_search_result"


class GoogleMapsPlace(WireModel):
    name: str | None = None
    place_id: str | None = None
    url: str | None = None
    review_snippets: list[ReviewSnippet] | None = None


class GoogleMapsResult(WireModel):
    places: list[GoogleMapsPlace] | None = None
    widget_context_token: str | None = None
    """For Google's Maps widget (with ``enable_widget``)."""


class GoogleMapsCallStep(_ServerCall):
    type: Literal["google_maps_call"] = "google_maps_call"

    @property
    def queries(self) -> list[str]:
        return _strings(self.arguments, "queries")


class GoogleMapsResultStep(_ServerResult):
    type: Literal["google_maps_result"] = "google_maps_result"

    @property
    def results(self) -> list[GoogleMapsResult]:
        return _models(GoogleMapsResult, self.result)

    @property
    def places(self) -> list[GoogleMapsPlace]:
        """Every place found, over all results."""
        return [place for result in self.results for place in result.places or []]


class McpServerToolCallStep(_ServerCall):
    type: Literal["mcp_server_tool_call"] = "mcp_server_tool_call"
    name: str | None = None
    """The tool called."""
    server_name: str | None = None


class McpServerToolResultStep(_ServerResult):
    type: Literal["mcp_server_tool_result"] = "mcp_server_tool_result"
    name: str | None = None
    server_name: str | None = None

    @property
    def content(self) -> list[FunctionResultContent] | None:
        """The result's content blocks, typed, when the result is given as content."""
        return _content_blocks(self.result)


class RetrievalCallStep(_ServerCall):
    type: Literal["retrieval_call"] = "retrieval_call"
    retrieval_type: str | None = None
    """``rag_store``, ``vertex_ai_search``, ``exa_ai_search``, ``parallel_ai_search``."""

    @property
    def queries(self) -> list[str]:
        return _strings(self.arguments, "queries")


class RetrievalResultStep(_ServerResult):
    type: Literal["retrieval_result"] = "retrieval_result"


class ToolSearchCallStep(_ServerCall):
    """The model searched the deferred tools (``defer_loading``) by name."""

    type: Literal["tool_search_call"] = "tool_search_call"

    @property
    def function_names(self) -> list[str]:
        return _strings(self.arguments, "function_names")


class ToolSearchResultStep(_ServerResult):
    """The function declarations a tool search loaded."""

    type: Literal["tool_search_result"] = "tool_search_result"

    @property
    def functions(self) -> list[FunctionDeclaration]:
        return _models(FunctionDeclaration, self.result)


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
    | ToolSearchCallStep
    | ToolSearchResultStep
    | UnknownStep,
    Tolerant(),
]
"""A step of the timeline: one of the known types, or ``UnknownStep`` holding every field."""

_CONTENT_ADAPTER: TypeAdapter[FunctionResultContent] = TypeAdapter(FunctionResultContent)
