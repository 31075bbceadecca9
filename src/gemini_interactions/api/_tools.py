"""The ``tools[]`` entries of a create request, typed as google-genai 3.6 types them.

Requests accept them as models or plain dicts alike; an interaction's ``tools`` (when the server
echoes them) and a ``tool_search_result`` (the functions a search loaded) come back as these.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeAlias

from ._base import Tolerant, WireModel


class FunctionDeclaration(WireModel):
    """A function the client runs (``type: function``)."""

    type: Literal["function"] = "function"
    name: str | None = None
    description: str | None = None
    parameters: Any = None
    """A JSON schema object."""
    defer_loading: bool | None = None
    """Declared but not loaded into the model's context until a ``tool_search`` finds it."""
    short_description: str | None = None
    """What a ``tool_search`` sees of a deferred function before it is loaded."""


class AllowedTools(WireModel):
    mode: str | None = None
    tools: list[str] | None = None


class McpServerTool(WireModel):
    """A remote MCP server whose tools the service calls itself."""

    type: Literal["mcp_server"] = "mcp_server"
    name: str | None = None
    url: str | None = None
    headers: dict[str, str] | None = None
    allowed_tools: list[AllowedTools] | None = None
    defer_loading: bool | None = None
    """Its tools are loaded only when a ``tool_search`` finds them."""


class ToolSearchTool(WireModel):
    """Lets the model search the deferred tools (``defer_loading``) and load the ones it needs."""

    type: Literal["tool_search"] = "tool_search"
    name: str | None = None
    description: str | None = None
    parameters: Any = None
    execution: str | None = None
    """``server`` (the service searches) or ``client``."""


class GoogleSearchTool(WireModel):
    type: Literal["google_search"] = "google_search"
    search_types: list[str] | None = None


class GoogleMapsTool(WireModel):
    type: Literal["google_maps"] = "google_maps"
    enable_widget: bool | None = None
    latitude: float | None = None
    longitude: float | None = None


class FileSearchTool(WireModel):
    type: Literal["file_search"] = "file_search"
    file_search_store_names: list[str] | None = None
    metadata_filter: str | None = None
    top_k: int | None = None


class CodeExecutionTool(WireModel):
    type: Literal["code_execution"] = "code_execution"


class UrlContextTool(WireModel):
    type: Literal["url_context"] = "url_context"


class RetrievalTool(WireModel):
    type: Literal["retrieval"] = "retrieval"
    retrieval_types: list[str] | None = None
    rag_store_config: dict[str, Any] | None = None
    vertex_ai_search_config: dict[str, Any] | None = None
    exa_ai_search_config: dict[str, Any] | None = None
    parallel_ai_search_config: dict[str, Any] | None = None


class ComputerUseTool(WireModel):
    type: Literal["computer_use"] = "computer_use"
    environment: str | None = None
    excluded_predefined_functions: list[str] | None = None
    disabled_safety_policies: list[str] | None = None
    enable_prompt_injection_detection: bool | None = None


class UnknownTool(WireModel):
    type: str | None = None


Tool: TypeAlias = Annotated[
    FunctionDeclaration
    | McpServerTool
    | ToolSearchTool
    | GoogleSearchTool
    | GoogleMapsTool
    | FileSearchTool
    | CodeExecutionTool
    | UrlContextTool
    | RetrievalTool
    | ComputerUseTool
    | UnknownTool,
    Tolerant(),
]
"""A ``tools[]`` entry: one of the known types, or ``UnknownTool`` holding every field."""
