"""Deferred tools (google-genai 3.6): a Python function declared with ``defer_loading`` and a
``short_description``, found by a ``tool_search`` tool; typed api tools pass through a chain."""

from __future__ import annotations

from gemini_interactions.api import McpServerTool
from gemini_interactions.chain import Chain, function_tool


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"Sunny in {city}"


def test_deferred_python_tools_and_typed_tools_are_declared(chain: Chain) -> None:
    deferred = function_tool(get_weather, defer_loading=True, short_description="Weather")
    docs = McpServerTool(name="docs", url="https://mcp.example/sse", defer_loading=True)
    body = chain.build_request("Weather in Paris?", tools=[deferred, "tool_search", docs])["json"]
    assert body["tools"] == [
        {
            "type": "function",
            "name": "get_weather",
            "description": "The weather in a city.",
            "parameters": deferred.parameters,
            "defer_loading": True,
            "short_description": "Weather",
        },
        {"type": "tool_search"},
        {
            "type": "mcp_server",
            "name": "docs",
            "url": "https://mcp.example/sse",
            "defer_loading": True,
        },
    ]
    assert "defer_loading" not in function_tool(get_weather).declaration


def test_a_turn_with_a_typed_tool_is_sent_and_saved(chain: Chain) -> None:
    import json

    docs = McpServerTool(name="docs", url="https://mcp.example/sse")
    turn = chain.send("hello", tools=[docs])
    assert turn.status == "completed"
    assert turn.request is not None and turn.request["tools"][0]["type"] == "mcp_server"
    assert json.loads(json.dumps(turn.to_dict()))["requests"][0]["tools"][0]["name"] == "docs"
