"""Content blocks and text annotations."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeAlias

from ._base import Tolerant, WireModel

# --- annotations (on text blocks; indices are UTF-8 byte offsets, end exclusive) ----------------


class UrlCitation(WireModel):
    type: Literal["url_citation"] = "url_citation"
    url: str | None = None
    title: str | None = None
    start_index: int | None = None
    end_index: int | None = None


class FileCitation(WireModel):
    type: Literal["file_citation"] = "file_citation"
    document_uri: str | None = None
    file_name: str | None = None
    source: str | None = None
    page_number: int | None = None
    media_id: str | None = None
    custom_metadata: dict[str, Any] | None = None
    start_index: int | None = None
    end_index: int | None = None


class ReviewSnippet(WireModel):
    review_id: str | None = None
    title: str | None = None
    url: str | None = None


class PlaceCitation(WireModel):
    type: Literal["place_citation"] = "place_citation"
    place_id: str | None = None
    name: str | None = None
    url: str | None = None
    review_snippets: list[ReviewSnippet] | None = None
    start_index: int | None = None
    end_index: int | None = None


class SpeechMetadata(WireModel):
    type: Literal["speech_metadata"] = "speech_metadata"
    speaker: str | None = None
    style: str | None = None
    start_index: int | None = None
    end_index: int | None = None


class WordInfo(WireModel):
    type: Literal["word_info"] = "word_info"
    text: str | None = None
    start_offset: str | None = None
    end_offset: str | None = None
    speaker: str | None = None
    start_index: int | None = None
    end_index: int | None = None


class UnknownAnnotation(WireModel):
    type: str | None = None


Annotation: TypeAlias = Annotated[
    UrlCitation | FileCitation | PlaceCitation | SpeechMetadata | WordInfo | UnknownAnnotation,
    Tolerant(),
]

# --- content blocks ---------------------------------------------------------------------------


class TextContent(WireModel):
    type: Literal["text"] = "text"
    text: str = ""
    annotations: list[Annotation] | None = None


class _Media(WireModel):
    data: str | None = None
    """Standard base64."""
    uri: str | None = None
    mime_type: str | None = None


# --- how the model processes a media input (an object, or a bare mode such as "static") -------


class MediaProcessing(WireModel):
    """How a video is processed for understanding: which layers, which span, how many frames."""

    type: str | None = None
    """``static`` (the only kind the SDK knows so far)."""
    content_layers: list[str] | None = None
    """``frames``, ``audio``, ``transcript``."""
    fps: float | None = None
    start_offset: str | None = None
    end_offset: str | None = None


class AudioProcessing(WireModel):
    """How an audio input is processed: the span listened to."""

    type: str | None = None
    start_offset: str | None = None
    end_offset: str | None = None


class PageProcessingOptions(WireModel):
    content_layers: list[str] | None = None
    """``page_image``, ``page_text``."""
    start_page: int | None = None
    end_page: int | None = None


class SpreadsheetProcessingOptions(WireModel):
    content_layers: list[str] | None = None
    """``visual``, ``data``, ``formulas``."""
    sheet_index: int | None = None
    visible_cells: str | None = None


class DocumentProcessing(WireModel):
    """How a document input is processed: which pages or which sheet, which layers."""

    type: str | None = None
    page_options: PageProcessingOptions | None = None
    spreadsheet_options: SpreadsheetProcessingOptions | None = None


class ImageContent(_Media):
    type: Literal["image"] = "image"
    resolution: str | None = None


class AudioContent(_Media):
    type: Literal["audio"] = "audio"
    sample_rate: int | None = None
    channels: int | None = None
    processing: AudioProcessing | str | None = None
    """An object, or a mode given as a bare string (``"static"``)."""


class DocumentContent(_Media):
    type: Literal["document"] = "document"
    resolution: str | None = None
    processing: DocumentProcessing | str | None = None
    """An object, or a mode given as a bare string (``"static"``)."""


class VideoContent(_Media):
    type: Literal["video"] = "video"
    resolution: str | None = None
    name: str | None = None
    processing: MediaProcessing | str | None = None
    """An object, or a mode given as a bare string (``"static"``, ``"agentic"``): real
    requests send both, and a string must survive (it once was dropped as a malformed object)."""


class UnknownContent(WireModel):
    type: str | None = None


Content: TypeAlias = Annotated[
    TextContent | ImageContent | AudioContent | DocumentContent | VideoContent | UnknownContent,
    Tolerant(),
]
"""A content block: one of the known types, or ``UnknownContent`` holding every field."""
