"""The pieces under ``gemini_interactions.api``, for code that works at the wire level.

- **SSE**: ``sse_payloads`` / ``asse_payloads`` turn a text/event-stream body (byte chunks) into
  JSON payloads, ``DONE`` marking ``[DONE]``; ``parse_event`` turns a payload into a typed event.
- **The legacy revision**: ``LegacyEventTranslator`` turns the old ``outputs`` revision's events
  into steps-revision ones.
- **The fold**: ``Fold`` (and ``fold_events``) builds an interaction snapshot from events, as
  ``Stream.interaction`` does; ``to_interaction`` reads a resource dict of either revision.
- **Types a user rarely names**: every delta of a ``StepDeltaEvent`` (``TextDelta`` and the
  ``Delta`` union stay in ``api``), media processing options, the parts of ``Usage`` and
  ``McpServerTool``, and ``WireModel``, the base of every wire type.

The main package keeps what most code needs; nothing here is needed to create, stream, wait
for or read an interaction.
"""

from __future__ import annotations

from .._public import public_home
from ._base import WireModel
from ._content import (
    AudioProcessing,
    DocumentProcessing,
    MediaProcessing,
    PageProcessingOptions,
    SpreadsheetProcessingOptions,
)
from ._events import (
    ArgumentsDelta,
    AudioDelta,
    CodeExecutionCallDelta,
    CodeExecutionResultDelta,
    DocumentDelta,
    FileSearchCallDelta,
    FileSearchResultDelta,
    FunctionCallDelta,
    FunctionResultDelta,
    GoogleMapsCallDelta,
    GoogleMapsResultDelta,
    GoogleSearchCallDelta,
    GoogleSearchResultDelta,
    ImageDelta,
    McpServerToolCallDelta,
    McpServerToolResultDelta,
    ProcessingCallDelta,
    ProcessingResultDelta,
    RetrievalCallDelta,
    RetrievalResultDelta,
    TextAnnotationDelta,
    ThoughtSignatureDelta,
    ThoughtSummaryDelta,
    ToolSearchCallDelta,
    ToolSearchResultDelta,
    UnknownDelta,
    UrlContextCallDelta,
    UrlContextResultDelta,
    VideoDelta,
    parse_event,
)
from ._fold import Fold, fold_events
from ._interaction import ModalityTokens, ToolCount
from ._resource import to_interaction
from ._sse import DONE, asse_payloads, sse_payloads
from ._tools import AllowedTools
from ._translate_legacy import LegacyEventTranslator

__all__ = [
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
]

public_home(__name__, __all__, globals())
