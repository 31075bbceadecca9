"""What google-genai 3.6 added for interactions, as a user of our client meets it: tool-search
steps and deltas, media ``processing`` given as a string, deferred tools, function results that
hold content, and the typed views of server-side tool steps."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gemini_interactions.api import (
    AudioContent,
    Client,
    DocumentContent,
    FunctionDeclaration,
    FunctionResultStep,
    GoogleMapsResultStep,
    ImageContent,
    Interaction,
    McpServerTool,
    McpServerToolResultStep,
    StepDeltaEvent,
    TextContent,
    ToolSearchCallStep,
    ToolSearchResultStep,
    ToolSearchTool,
    UrlContextResultStep,
    UserInputStep,
    VideoContent,
)
from gemini_interactions.api.lowlevel import (
    DocumentProcessing,
    MediaProcessing,
    ToolSearchCallDelta,
)

from .helpers import KEY, Recorder, frame, sse_response


def user_content(*blocks: dict[str, Any]) -> Interaction:
    return Interaction.model_validate(
        {"id": "v1_x", "steps": [{"type": "user_input", "content": list(blocks)}]}
    )


@pytest.mark.parametrize("mode", ["static", "agentic"])
def test_a_video_processing_mode_given_as_a_string_is_kept(mode: str) -> None:
    block = {"type": "video", "uri": "gs://b/clip.mp4", "processing": mode}
    it = user_content(block)
    step = it.steps[0]
    assert isinstance(step, UserInputStep)
    video = step.content[0]
    assert isinstance(video, VideoContent)
    assert video.processing == mode
    assert it.to_dict()["steps"][0]["content"] == [block]


def test_processing_objects_are_typed_for_video_audio_and_document() -> None:
    video = {
        "type": "video",
        "processing": {"type": "static", "fps": 2.5, "content_layers": ["frames"]},
    }
    audio = {"type": "audio", "processing": "static"}
    document = {
        "type": "document",
        "processing": {"type": "static", "page_options": {"start_page": 2, "end_page": 4}},
    }
    it = user_content(video, audio, document)
    step = it.steps[0]
    assert isinstance(step, UserInputStep)
    v, a, d = step.content
    assert isinstance(v, VideoContent) and isinstance(v.processing, MediaProcessing)
    assert v.processing.fps == 2.5 and v.processing.content_layers == ["frames"]
    assert isinstance(a, AudioContent) and a.processing == "static"
    assert isinstance(d, DocumentContent) and isinstance(d.processing, DocumentProcessing)
    assert d.processing.page_options is not None and d.processing.page_options.end_page == 4
    assert it.to_dict()["steps"][0]["content"] == [video, audio, document]


def test_deferred_tools_and_a_tool_search_go_out_as_typed() -> None:
    client = Client(KEY)
    tools = [
        FunctionDeclaration(
            name="get_weather",
            short_description="Weather by city",
            parameters={"type": "object"},
            defer_loading=True,
        ),
        McpServerTool(name="docs", url="https://mcp.example/sse", defer_loading=True),
        ToolSearchTool(),
    ]
    body = client.interactions.build_request(model="m", input="x", tools=tools)["json"]
    assert body["tools"] == [
        {
            "type": "function",
            "name": "get_weather",
            "short_description": "Weather by city",
            "parameters": {"type": "object"},
            "defer_loading": True,
        },
        {
            "type": "mcp_server",
            "name": "docs",
            "url": "https://mcp.example/sse",
            "defer_loading": True,
        },
        {"type": "tool_search"},
    ]


def tool_search_stream() -> list[bytes]:
    events: list[dict[str, Any]] = [
        {
            "event_type": "interaction.created",
            "interaction": {"id": "v1_ts", "status": "in_progress", "model": "m"},
        },
        {"event_type": "step.start", "index": 0, "step": {"type": "tool_search_call", "id": "ts1"}},
        {
            "event_type": "step.delta",
            "index": 0,
            "delta": {"type": "tool_search_call", "arguments": {"function_names": ["get_weather"]}},
        },
        {"event_type": "step.stop", "index": 0},
        {
            "event_type": "step.start",
            "index": 1,
            "step": {"type": "tool_search_result", "call_id": "ts1"},
        },
        {
            "event_type": "step.delta",
            "index": 1,
            "delta": {
                "type": "tool_search_result",
                "result": [
                    {
                        "type": "function",
                        "name": "get_weather",
                        "description": "The weather in a city.",
                        "parameters": {
                            "type": "object",
                            "properties": {"city": {"type": "string"}},
                        },
                    }
                ],
            },
        },
        {"event_type": "step.stop", "index": 1},
        {"event_type": "interaction.completed", "interaction": {"id": "v1_ts", "status": "idle"}},
    ]
    return [frame(e) for e in events]


def test_a_streamed_tool_search_folds_into_typed_steps() -> None:
    rec = Recorder(sse_response(tool_search_stream()))
    client = Client(KEY, transport=rec.transport)
    with client.interactions.create(model="m", input="x", stream=True) as stream:
        events = list(stream)
    deltas = [e.delta for e in events if isinstance(e, StepDeltaEvent)]
    assert isinstance(deltas[0], ToolSearchCallDelta)
    it = stream.interaction
    assert it.status == "idle"
    call, result = it.steps
    assert isinstance(call, ToolSearchCallStep) and call.function_names == ["get_weather"]
    assert isinstance(result, ToolSearchResultStep)
    [loaded] = result.functions
    assert isinstance(loaded, FunctionDeclaration)
    assert loaded.name == "get_weather" and loaded.description == "The weather in a city."


def test_a_function_result_holding_content_is_typed_and_sent_back_unchanged() -> None:
    result = [
        {"type": "text", "text": "the chart:"},
        {"type": "image", "mime_type": "image/png", "data": "iVBORw0KGgo="},
    ]
    step = FunctionResultStep.model_validate(
        {"type": "function_result", "call_id": "c", "result": result}
    )
    assert step.content is not None
    text, image = step.content
    assert isinstance(text, TextContent) and text.text == "the chart:"
    assert isinstance(image, ImageContent) and image.mime_type == "image/png"
    assert step.to_dict()["result"] == result
    # results that are not content stay as they are, without a content view
    for plain in ({"temp": 21}, "sunny", [1, 2], [{"temp": 21}]):
        other = FunctionResultStep(result=plain)
        assert other.content is None and other.result == plain


def test_server_tool_results_read_through_typed_views() -> None:
    maps = GoogleMapsResultStep.model_validate(
        {
            "type": "google_maps_result",
            "call_id": "m1",
            "result": [
                {
                    "places": [
                        {
                            "name": "Sagrada Família",
                            "place_id": "p1",
                            "url": "https://maps.google.com/?cid=1",
                            "review_snippets": [{"title": "Stunning", "url": "https://r/1"}],
                        },
                        "not a place",
                    ],
                    "widget_context_token": "tok",
                }
            ],
        }
    )
    [place] = maps.places
    assert place.name == "Sagrada Família" and place.review_snippets is not None
    assert maps.results[0].widget_context_token == "tok"
    urls = UrlContextResultStep(result=[{"url": "https://a", "status": "success"}, 3])
    assert [(r.url, r.status) for r in urls.results] == [("https://a", "success")]
    mcp = McpServerToolResultStep(result=[{"type": "text", "text": "42"}], server_name="calc")
    assert mcp.content is not None and isinstance(mcp.content[0], TextContent)
    assert json.dumps(mcp.to_dict())  # still plain JSON data
