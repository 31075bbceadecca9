"""The public surface is deliberate: pinned here so a change to it is a visible decision."""

from __future__ import annotations

import subprocess
import sys
import typing
from collections.abc import Iterator

import pytest
from pydantic import BaseModel

import gemini_interactions.api as api
from gemini_interactions.api import lowlevel

PINNED = {
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
}

LOWLEVEL = {
    "DONE",
    "AllowedTools",
    "ArgumentsDelta",
    "AudioDelta",
    "AudioProcessing",
    "CodeExecutionCallDelta",
    "CodeExecutionResultDelta",
    "DocumentDelta",
    "DocumentProcessing",
    "FileSearchCallDelta",
    "FileSearchResultDelta",
    "Fold",
    "FunctionCallDelta",
    "FunctionResultDelta",
    "GoogleMapsCallDelta",
    "GoogleMapsResultDelta",
    "GoogleSearchCallDelta",
    "GoogleSearchResultDelta",
    "ImageDelta",
    "LegacyEventTranslator",
    "McpServerToolCallDelta",
    "McpServerToolResultDelta",
    "MediaProcessing",
    "ModalityTokens",
    "PageProcessingOptions",
    "ProcessingCallDelta",
    "ProcessingResultDelta",
    "RetrievalCallDelta",
    "RetrievalResultDelta",
    "SpreadsheetProcessingOptions",
    "TextAnnotationDelta",
    "ThoughtSignatureDelta",
    "ThoughtSummaryDelta",
    "ToolCount",
    "ToolSearchCallDelta",
    "ToolSearchResultDelta",
    "UnknownDelta",
    "UrlContextCallDelta",
    "UrlContextResultDelta",
    "VideoDelta",
    "WireModel",
    "asse_payloads",
    "fold_events",
    "parse_event",
    "sse_payloads",
    "to_interaction",
}


def test_api_all_is_pinned() -> None:
    assert set(api.__all__) == PINNED
    for name in api.__all__:
        assert hasattr(api, name), name


def test_lowlevel_all_is_pinned_and_apart_from_api() -> None:
    assert set(lowlevel.__all__) == LOWLEVEL
    assert not PINNED & LOWLEVEL  # one home per name
    for name in lowlevel.__all__:
        assert hasattr(lowlevel, name), name


def test_a_name_that_moved_to_lowlevel_still_imports_from_api_with_a_warning() -> None:
    with pytest.warns(DeprecationWarning, match=r"api\.lowlevel\.Fold"):
        from gemini_interactions.api import Fold
    assert Fold is lowlevel.Fold
    assert set(api._MOVED) <= LOWLEVEL
    with pytest.raises(AttributeError):
        api.NoSuchName  # noqa: B018


def _models_in(annotation: object) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def test_every_model_a_user_meets_is_exported() -> None:
    """Walking every field of every exported model (a step's content, an annotation, usage's
    parts, a delta's payload) reaches only classes that ``api`` or ``api.lowlevel`` export."""
    exported = {getattr(api, n) for n in api.__all__} | {getattr(lowlevel, n) for n in LOWLEVEL}
    seen: set[type[BaseModel]] = set()
    todo = [m for v in exported for m in _models_in(v)]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for field in model.model_fields.values():
            todo.extend(_models_in(field.annotation))
    missing = sorted(m.__qualname__ for m in seen - exported)
    assert missing == []
    step_classes = {m for m in typing.get_args(typing.get_args(api.Step)[0])}
    assert step_classes <= exported and len(step_classes) > 20


def test_error_tree() -> None:
    assert issubclass(api.RateLimitError, api.APIStatusError)
    assert issubclass(api.APIStatusError, api.APIError)
    assert issubclass(api.StreamDroppedError, api.APIConnectionError)
    assert issubclass(api.APIError, api.GeminiError)
    assert issubclass(api.ConfigurationError, api.GeminiError)
    assert issubclass(api.MissingAPIKeyError, api.ConfigurationError)


def test_dead_code_stays_gone() -> None:
    # Unused and untested once; a second way to ask "is it over?" disagreed with the status sets.
    from gemini_interactions.api import _translate_legacy
    from gemini_interactions.chain._tools import FunctionTool

    assert not hasattr(api.Interaction, "is_terminal")
    assert not hasattr(_translate_legacy, "turn_to_step")
    assert not hasattr(FunctionTool, "is_async")


def test_the_api_layer_never_imports_ipython_or_the_server() -> None:
    code = (
        "import sys, gemini_interactions.api as a; a.Client('k');"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('IPython', 'ipywidgets', 'nbformat')"
        " or m.startswith('gemini_interactions.server')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
