"""A typed, streaming client for Gemini's Interactions API (both revisions).

What a user meets: the clients, the interaction with its steps, contents, annotations and
tools, the stream's events, the errors, the retry policy. The pieces underneath (the SSE
parser, the legacy-revision translator, the fold of events into an interaction, every delta
type and the media processing options) live in ``gemini_interactions.api.lowlevel``.

This package never imports IPython: use it from any script.
"""

from __future__ import annotations

import warnings

from .._public import public_home
from ._client import AsyncClient, Client
from ._content import (
    Annotation,
    AudioContent,
    Content,
    DocumentContent,
    FileCitation,
    ImageContent,
    PlaceCitation,
    ReviewSnippet,
    SpeechMetadata,
    TextContent,
    UnknownAnnotation,
    UnknownContent,
    UrlCitation,
    VideoContent,
    WordInfo,
)
from ._errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    GeminiError,
    InternalServerError,
    InvalidAPIKeyError,
    MissingAPIKeyError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    StreamDroppedError,
    UnprocessableEntityError,
    WaitTimeoutError,
)
from ._events import (
    Delta,
    ErrorEvent,
    Event,
    InteractionCompletedEvent,
    InteractionCreatedEvent,
    InteractionStatusUpdateEvent,
    StepDeltaEvent,
    StepStartEvent,
    StepStopEvent,
    TextDelta,
    UnknownEvent,
)
from ._interaction import ErrorInfo, Interaction, Usage
from ._resource import AsyncInteractions, Interactions
from ._retry import RetryNotice, RetryPolicy, retry_notices
from ._secret import Secret
from ._steps import (
    CodeExecutionCallStep,
    CodeExecutionResultStep,
    FileSearchCallStep,
    FileSearchResultStep,
    FunctionCallStep,
    FunctionResultContent,
    FunctionResultStep,
    GoogleMapsCallStep,
    GoogleMapsPlace,
    GoogleMapsResult,
    GoogleMapsResultStep,
    GoogleSearchCallStep,
    GoogleSearchResultStep,
    McpServerToolCallStep,
    McpServerToolResultStep,
    ModelOutputStep,
    ProcessingCallStep,
    ProcessingResultStep,
    RetrievalCallStep,
    RetrievalResultStep,
    Step,
    ThoughtStep,
    ToolSearchCallStep,
    ToolSearchResultStep,
    UnknownStep,
    UrlContextCallStep,
    UrlContextResult,
    UrlContextResultStep,
    UserInputStep,
)
from ._stream import AsyncStream, Stream
from ._tools import (
    CodeExecutionTool,
    ComputerUseTool,
    FileSearchTool,
    FunctionDeclaration,
    GoogleMapsTool,
    GoogleSearchTool,
    McpServerTool,
    RetrievalTool,
    Tool,
    ToolSearchTool,
    UnknownTool,
    UrlContextTool,
)
from ._wire import LEGACY_REVISION, STEPS_REVISION, CreateParams

__all__ = [
    "LEGACY_REVISION",
    "STEPS_REVISION",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "Annotation",
    "AsyncClient",
    "AsyncInteractions",
    "AsyncStream",
    "AudioContent",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "CodeExecutionCallStep",
    "CodeExecutionResultStep",
    "CodeExecutionTool",
    "ComputerUseTool",
    "ConfigurationError",
    "ConflictError",
    "Content",
    "CreateParams",
    "Delta",
    "DocumentContent",
    "ErrorEvent",
    "ErrorInfo",
    "Event",
    "FileCitation",
    "FileSearchCallStep",
    "FileSearchResultStep",
    "FileSearchTool",
    "FunctionCallStep",
    "FunctionDeclaration",
    "FunctionResultContent",
    "FunctionResultStep",
    "GeminiError",
    "GoogleMapsCallStep",
    "GoogleMapsPlace",
    "GoogleMapsResult",
    "GoogleMapsResultStep",
    "GoogleMapsTool",
    "GoogleSearchCallStep",
    "GoogleSearchResultStep",
    "GoogleSearchTool",
    "ImageContent",
    "Interaction",
    "InteractionCompletedEvent",
    "InteractionCreatedEvent",
    "InteractionStatusUpdateEvent",
    "Interactions",
    "InternalServerError",
    "InvalidAPIKeyError",
    "McpServerTool",
    "McpServerToolCallStep",
    "McpServerToolResultStep",
    "MissingAPIKeyError",
    "ModelOutputStep",
    "NotFoundError",
    "PermissionDeniedError",
    "PlaceCitation",
    "ProcessingCallStep",
    "ProcessingResultStep",
    "RateLimitError",
    "RetrievalCallStep",
    "RetrievalResultStep",
    "RetrievalTool",
    "RetryNotice",
    "RetryPolicy",
    "ReviewSnippet",
    "Secret",
    "SpeechMetadata",
    "Step",
    "StepDeltaEvent",
    "StepStartEvent",
    "StepStopEvent",
    "Stream",
    "StreamDroppedError",
    "TextContent",
    "TextDelta",
    "ThoughtStep",
    "Tool",
    "ToolSearchCallStep",
    "ToolSearchResultStep",
    "ToolSearchTool",
    "UnknownAnnotation",
    "UnknownContent",
    "UnknownEvent",
    "UnknownStep",
    "UnknownTool",
    "UnprocessableEntityError",
    "UrlCitation",
    "UrlContextCallStep",
    "UrlContextResult",
    "UrlContextResultStep",
    "UrlContextTool",
    "Usage",
    "UserInputStep",
    "VideoContent",
    "WaitTimeoutError",
    "WordInfo",
    "retry_notices",
]

public_home(__name__, __all__, globals())

# Names this package exported before the low-level ones moved to ``api.lowlevel``: still
# importable from here for a while, with a warning that says where they live now.
_MOVED = frozenset(
    {
        "ArgumentsDelta",
        "AudioDelta",
        "AudioProcessing",
        "DocumentDelta",
        "DocumentProcessing",
        "Fold",
        "ImageDelta",
        "LegacyEventTranslator",
        "MediaProcessing",
        "TextAnnotationDelta",
        "ThoughtSignatureDelta",
        "ThoughtSummaryDelta",
        "ToolSearchCallDelta",
        "ToolSearchResultDelta",
        "UnknownDelta",
        "VideoDelta",
        "WireModel",
        "fold_events",
        "parse_event",
        "to_interaction",
    }
)


def __getattr__(name: str) -> object:
    if name in _MOVED:
        from . import lowlevel

        warnings.warn(
            f"gemini_interactions.api.{name} moved to gemini_interactions.api.lowlevel.{name}",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(lowlevel, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
