"""The offline demo model: deterministic, honest, and able to show every feature."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema
import pytest

from gemini_interactions.server import OFFLINE_MODEL, FakeClock, LocalServer

from .helpers import PREFIX, client_for, create

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather",
    "parameters": {
        "type": "object",
        "properties": {
            "location": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "minimum": 1, "maximum": 7},
        },
        "required": ["location"],
    },
}


def answer_text(body: dict[str, Any]) -> str:
    """The answer's words (a grounded answer's search steps come after it)."""
    answer = [s for s in body["steps"] if s["type"] == "model_output"][-1]
    return str(answer["content"][0]["text"])


def test_says_it_is_offline_in_text_and_model(http: httpx.Client) -> None:
    body = create(http, {"model": "gemini-3-flash-preview", "input": "Explain TPUs"}).json()
    assert body["model"] == f"{OFFLINE_MODEL}/gemini-3-flash-preview"
    text = answer_text(body)
    assert "Offline demo model" in text and "Explain TPUs" in text
    assert body["steps"][0]["type"] == "thought" and body["steps"][0]["summary"]


def test_is_deterministic_across_servers() -> None:
    def run() -> list[Any]:
        with client_for(LocalServer(clock=FakeClock(), seed=7)) as http:
            return [
                create(http, {"model": "m", "input": p, "stream": True}).text
                for p in ("What is 17*3?", "Summarise: cats are great")
            ]

    assert run() == run()


def test_arithmetic_and_markdown(http: httpx.Client) -> None:
    text = answer_text(create(http, {"model": "m", "input": "What is 17*3?"}).json())
    assert "**`17*3` = 51**" in text


def test_calls_a_named_tool_with_schema_arguments(http: httpx.Client) -> None:
    body = {"model": "m", "input": "Use get_weather for Boston, MA", "tools": [WEATHER]}
    posted = create(http, body).json()
    assert posted["status"] == "requires_action"
    call = posted["steps"][-1]
    assert call["type"] == "function_call" and call["name"] == "get_weather"
    jsonschema.validate(call["arguments"], WEATHER["parameters"])
    assert call["arguments"]["location"] == "Boston, MA"
    # Then the results come back and the answer uses them.
    result = {
        "type": "function_result",
        "call_id": call["id"],
        "name": "get_weather",
        "result": {"temp_c": 21, "sky": "sunny"},
    }
    follow = create(
        http,
        {
            "model": "m",
            "tools": [WEATHER],
            "input": [result],
            "previous_interaction_id": posted["id"],
        },
    ).json()
    assert follow["status"] == "completed"
    text = answer_text(follow)
    assert "get_weather" in text and '"sky": "sunny"' in text


def test_spoken_tool_names_also_trigger_calls(http: httpx.Client) -> None:
    tools = [WEATHER, {**WEATHER, "name": "get_time"}]
    posted = create(
        http, {"model": "m", "input": "get weather and get time in Oslo", "tools": tools}
    ).json()
    assert [s["name"] for s in posted["steps"] if s["type"] == "function_call"] == [
        "get_weather",
        "get_time",
    ]


def test_tools_not_named_are_mentioned_not_called(http: httpx.Client) -> None:
    posted = create(http, {"model": "m", "input": "Hello there friend", "tools": [WEATHER]}).json()
    assert posted["status"] == "completed"


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]},
        {
            "type": "object",
            "properties": {
                "recipes": {
                    "type": "array",
                    "minItems": 2,
                    "maxItems": 3,
                    "items": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string", "maxLength": 20},
                            "minutes": {"type": "integer", "minimum": 5},
                            "vegan": {"type": "boolean"},
                            "kind": {"enum": ["soup", "salad"]},
                            "rating": {"type": ["number", "null"]},
                        },
                        "required": ["name", "minutes"],
                        "additionalProperties": False,
                    },
                }
            },
            "required": ["recipes"],
        },
        {"type": "array", "items": {"type": "string", "format": "date"}},
    ],
)
def test_json_answers_are_valid_against_the_schema(http: httpx.Client, schema: Any) -> None:
    fmt = {"type": "text", "mime_type": "application/json", "schema": schema}
    posted = create(http, {"model": "m", "input": "Recipes about Paris", "response_format": fmt})
    value = json.loads(answer_text(posted.json()))
    jsonschema.validate(value, schema)
    # Legacy style: response_mime_type plus a raw schema.
    legacy = {
        "model": "m",
        "input": "x",
        "response_mime_type": "application/json",
        "response_format": schema,
    }
    jsonschema.validate(json.loads(answer_text(create(http, legacy).json())), schema)


def test_simulated_search_code_and_url_steps(http: httpx.Client) -> None:
    tools = [{"type": "google_search"}, {"type": "code_execution"}, {"type": "url_context"}]
    prompt = "Compute 2+2 and read https://example.org/a about Rome"
    steps = create(http, {"model": "m", "input": prompt, "tools": tools}).json()["steps"]
    kinds = [s["type"] for s in steps]
    # The grounded answer comes before its search steps, in the order Google's service sends.
    assert kinds == [
        "thought",
        "code_execution_call",
        "code_execution_result",
        "url_context_call",
        "url_context_result",
        "model_output",
        "google_search_call",
        "google_search_result",
    ]
    assert steps[7]["call_id"] == steps[6]["id"]
    assert steps[2]["result"] == "4\n"
    assert steps[4]["result"] == [{"url": "https://example.org/a", "status": "success"}]
    assert "Simulated search" in answer_text({"steps": steps})


def test_a_grounded_offline_answer_cites_its_sources_in_utf8_bytes(http: httpx.Client) -> None:
    prompt = "What is new about Zürich?"
    body = {"model": "m", "input": prompt, "tools": [{"type": "google_search"}]}
    steps = create(http, body).json()["steps"]
    (block,) = next(s for s in steps if s["type"] == "model_output")["content"]
    text, notes = block["text"], block["annotations"]
    assert len(notes) == 2 and {n["type"] for n in notes} == {"url_citation"}
    for note in notes:
        cited = text.encode()[note["start_index"] : note["end_index"]].decode()
        assert cited.startswith(("Offline finding about Zürich", "A second made-up claim"))
        assert cited.endswith(".") and note["url"].startswith("https://example.com/")
    # Like Google's: only a suggestions chip (with its own stylesheet) in the result.
    (result,) = steps[-1]["result"]
    assert set(result) == {"search_suggestions"} and "<style>" in result["search_suggestions"]


def test_image_and_audio_answers_are_real_png_and_wav(http: httpx.Client) -> None:
    import base64
    import io
    import wave

    drawn = create(http, {"model": "m", "input": "Draw a bar chart of 3, 5 and 2"}).json()
    text, image = drawn["steps"][-1]["content"]
    assert "3, 5, 2" in text["text"] and image["mime_type"] == "image/png"
    png = base64.b64decode(image["data"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) < 20_000
    asked = {"model": "m", "input": "Hello", "response_format": {"type": "image"}}
    assert create(http, asked).json()["steps"][-1]["content"][1]["type"] == "image"
    spoken = create(http, {"model": "m", "input": "Read this aloud: hello"}).json()
    audio = spoken["steps"][-1]["content"][1]
    assert audio["type"] == "audio" and audio["mime_type"] == "audio/wav"
    with wave.open(io.BytesIO(base64.b64decode(audio["data"]))) as wav:
        assert wav.getnframes() / wav.getframerate() == 1.0


def test_thinking_summaries_none_keeps_only_the_signature(http: httpx.Client) -> None:
    body = {"model": "m", "input": "x", "generation_config": {"thinking_summaries": "none"}}
    thought = create(http, body).json()["steps"][0]
    assert thought["type"] == "thought" and "summary" not in thought and thought["signature"]


def test_remembers_the_conversation(http: httpx.Client) -> None:
    first = create(http, {"model": "m", "input": "Hi, my name is Phil."}).json()
    second = create(
        http, {"model": "m", "input": "What is my name?", "previous_interaction_id": first["id"]}
    ).json()
    assert "Your name is **Phil**" in answer_text(second)
    assert "turn 2" in answer_text(second)
    got = http.get(f"{PREFIX}/{second['id']}").json()
    assert got["previous_interaction_id"] == first["id"]


def test_greetings_get_short_answers(http: httpx.Client) -> None:
    text = answer_text(create(http, {"model": "m", "input": "hello"}).json())
    assert len(text) < 80 and "offline" in text


PET = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
    },
    "required": ["name"],
}
# What pydantic writes for nested and recursive models: $defs and $ref.
REF_SCHEMAS: list[dict[str, Any]] = [
    {
        "$defs": {"Pet": PET},
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "pets": {"type": "array", "items": {"$ref": "#/$defs/Pet"}},
            "best": {"$ref": "#/$defs/Pet", "description": "sibling keywords are kept"},
        },
        "required": ["title", "pets", "best"],
    },
    {"$ref": "#/definitions/Pet", "definitions": {"Pet": PET}},
    {
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {
                    "label": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
                    "parent": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]},
                },
                "required": ["label", "children"],
            }
        },
        "$ref": "#/$defs/Node",
    },
]


@pytest.mark.parametrize("schema", REF_SCHEMAS)
def test_json_answers_follow_refs_and_recursion(http: httpx.Client, schema: Any) -> None:
    fmt = {"type": "text", "mime_type": "application/json", "schema": schema}
    posted = create(http, {"model": "m", "input": "Pets in Paris", "response_format": fmt})
    value = json.loads(answer_text(posted.json()))
    jsonschema.validate(value, schema)
    assert isinstance(value, dict)


def test_tool_arguments_follow_refs(http: httpx.Client) -> None:
    tool = {"type": "function", "name": "add_pet", "parameters": REF_SCHEMAS[0]}
    posted = create(http, {"model": "m", "input": "Please add_pet in Paris", "tools": [tool]})
    call = posted.json()["steps"][-1]
    assert call["type"] == "function_call"
    jsonschema.validate(call["arguments"], REF_SCHEMAS[0])


STATELESS = [
    {"type": "user_input", "content": [{"type": "text", "text": "Hi, my name is Phil."}]},
    {"type": "model_output", "content": [{"type": "text", "text": "Hi Phil! How can I help?"}]},
    {"type": "user_input", "content": [{"type": "text", "text": "What is my name?"}]},
]


def test_remembers_a_stateless_history_sent_in_the_input(http: httpx.Client) -> None:
    """Spec 3.2 shape 4 (``store: false`` + the whole history in ``input``)."""
    posted = create(http, {"model": "m", "store": False, "input": STATELESS}).json()
    assert "Your name is **Phil**" in answer_text(posted)
    assert "turn 2" in answer_text(posted)


def test_remembers_legacy_role_turns(http: httpx.Client) -> None:
    turns = [
        {"role": "user", "content": "My name is Ann."},
        {"role": "model", "content": "Hello Ann."},
        {"role": "user", "content": "What's my name?"},
    ]
    posted = create(http, {"model": "m", "input": turns}, **{"Api-Revision": "2026-05-07"})
    assert "Your name is **Ann**" in posted.json()["outputs"][-1]["text"]


def test_summaries_and_keywords_respond_to_the_prompt(http: httpx.Client) -> None:
    prompt = "Summarise: The fox jumps over the dog. It was not amused. Then it slept."
    text = answer_text(create(http, {"model": "m", "input": prompt}).json())
    assert "**Summary**" in text and "The fox jumps over the dog." in text
    assert "13 words" in text and "offline" in text.lower()
    text = answer_text(create(http, {"model": "m", "input": "Explain photosynthesis"}).json())
    assert "`photosynthesis`" in text and "`Explain`" not in text


def test_a_model_made_elsewhere_shares_the_servers_id_sequence() -> None:
    from gemini_interactions.server import OfflineModel

    server = LocalServer(clock=FakeClock(), seed=3, offline_model=OfflineModel(chunk_size=5))
    assert server.offline_model.ids is server.ids
    with client_for(server) as http:
        tools = [WEATHER]
        first = create(http, {"model": "m", "input": "get_weather for Paris", "tools": tools})
        second = create(http, {"model": "m", "input": "get_weather for Rome", "tools": tools})
    call_ids = [
        step["id"]
        for body in (first.json(), second.json())
        for step in body["steps"]
        if step["type"] == "function_call"
    ]
    assert len(call_ids) == 2 and len(set(call_ids)) == 2


CITY_WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}
LOCAL_TIME = {
    "type": "function",
    "name": "local_time",
    "description": "The local time in a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}
ADD = {
    "type": "function",
    "name": "add",
    "description": "Add two numbers.",
    "parameters": {
        "type": "object",
        "properties": {"a": {"type": "number"}, "b": {"type": "integer"}},
        "required": ["a", "b"],
    },
}


def calls_for(http: httpx.Client, prompt: str, tools: list[dict[str, Any]]) -> list[Any]:
    posted = create(http, {"model": "m", "input": prompt, "tools": tools}).json()
    return [(s["name"], s["arguments"]) for s in posted["steps"] if s["type"] == "function_call"]


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        # The README's example: the tool is not named, its subject is.
        (
            "What is my name, and what is the weather in Paris?",
            [("get_weather", {"city": "Paris"})],
        ),
        (
            "Weather for Paris and Rome, please",
            [("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Rome"})],
        ),
        (
            "What's the weather in New York and the time in Tokyo?",
            [("get_weather", {"city": "New York"}), ("local_time", {"city": "Tokyo"})],
        ),
        ("Please add 3.5 and 4", [("add", {"a": 3.5, "b": 4})]),
        ("Hello, how are you?", []),
    ],
)
def test_calls_the_tools_the_prompt_asks_for(
    http: httpx.Client, prompt: str, expected: list[Any]
) -> None:
    assert calls_for(http, prompt, [CITY_WEATHER, LOCAL_TIME, ADD]) == expected


def test_a_matched_call_is_answered_from_the_results_and_says_it_is_offline(
    http: httpx.Client,
) -> None:
    first = create(http, {"model": "m", "input": "My name is Ada."}).json()
    prompt = "What is my name, and what is the weather in Paris?"
    body = {"model": "m", "input": prompt, "tools": [CITY_WEATHER]}
    asked = create(http, {**body, "previous_interaction_id": first["id"]}).json()
    call = asked["steps"][-1]
    result = {"type": "function_result", "call_id": call["id"], "result": "sunny, 21 C"}
    follow = {"model": "m", "tools": [CITY_WEATHER], "input": [result]}
    answered = create(http, {**follow, "previous_interaction_id": asked["id"]}).json()
    text = answer_text(answered)
    assert "Offline demo model" in text and "sunny, 21 C" in text
    assert "Your name is **Ada**" in text


def _tool(parameters: dict[str, Any]) -> dict[str, Any]:
    return {"type": "function", "name": "tag_it", "parameters": parameters}


def _answer(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "text", "mime_type": "application/json", "schema": schema}


HUGE = [
    (
        {"tools": [_tool({"properties": {"tags": {"type": "array", "minItems": 100_000_000}}})]},
        "tools[0].parameters.properties.tags.minItems is 100000000",
    ),
    (
        {"response_format": _answer({"properties": {"note": {"minLength": 500_000_000}}})},
        "response_format.schema.properties.note.minLength is 500000000",
    ),
    (
        {
            "response_format": [
                _answer(
                    {
                        "type": "array",
                        "minItems": 1000,
                        "items": {"type": "array", "minItems": 1000, "items": {"type": "integer"}},
                    }
                )
            ]
        },
        "response_format[0].schema.items.items: an example of this schema would exceed",
    ),
    (
        {"tools": [_tool({"properties": {"n": {"type": "array", "minItems": "lots"}}})]},
        "tools[0].parameters.properties.n.minItems must be a non-negative integer",
    ),
    (
        {"tools": [_tool({"properties": {"n": {"type": "number", "minimum": "low"}}})]},
        "tools[0].parameters.properties.n.minimum must be a finite number",
    ),
]


@pytest.mark.parametrize(("extra", "message"), HUGE)
def test_schemas_asking_for_huge_values_are_refused_quickly(
    http: httpx.Client, extra: dict[str, Any], message: str
) -> None:
    import time

    started = time.monotonic()
    answered = create(http, {"model": "m", "input": "Please tag_it for Paris", **extra})
    assert time.monotonic() - started < 1.0
    assert answered.status_code == 400
    error = answered.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT" and message in error["message"]


def test_large_but_bounded_schemas_still_get_valid_examples(http: httpx.Client) -> None:
    schema = {"type": "array", "minItems": 500, "items": {"type": "string", "minLength": 50}}
    posted = create(http, {"model": "m", "input": "x", "response_format": _answer(schema)})
    value = json.loads(answer_text(posted.json()))
    jsonschema.validate(value, schema)


def _json_values() -> Any:
    from hypothesis import strategies as st

    keys = st.sampled_from(
        [
            "type",
            "properties",
            "items",
            "required",
            "enum",
            "const",
            "minItems",
            "maxItems",
            "minLength",
            "maxLength",
            "minimum",
            "maximum",
            "anyOf",
            "allOf",
            "$ref",
            "city",
            "n",
        ]
    )
    scalars = st.none() | st.booleans() | st.integers(-5, 10**9) | st.floats() | st.text(max_size=8)
    types = st.sampled_from(["object", "array", "string", "integer", "number", "boolean", "null"])
    return st.recursive(
        scalars | types | st.just("#") | st.just("#/properties/city"),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
        max_leaves=25,
    )


def test_any_schema_gives_a_value_or_a_clear_refusal() -> None:
    from hypothesis import given, settings

    from gemini_interactions.server._schema_values import SchemaRefused
    from gemini_interactions.server._tool_calls import plan_calls

    @settings(max_examples=300, deadline=None)
    @given(_json_values())
    def check(schema: Any) -> None:
        tool = {"type": "function", "name": "get_weather", "parameters": schema}
        try:
            plan_calls([tool], "weather in Paris and Rome for 3 days", lambda n, s: "x")
        except SchemaRefused as refused:
            assert str(refused).startswith("tools[0].parameters")

    check()


def test_an_infinite_count_in_a_schema_is_refused_clearly() -> None:
    from gemini_interactions.server._schema_values import SchemaRefused
    from gemini_interactions.server._tool_calls import plan_calls

    schema = {"minLength": float("inf")}  # found by the property test below
    tool = {"type": "function", "name": "get_weather", "parameters": schema}
    with pytest.raises(SchemaRefused, match=r"tools\[0\]\.parameters\.minLength"):
        plan_calls([tool], "weather in Paris and Rome for 3 days", lambda n, s: "x")


def test_the_readme_prompt_calls_get_weather_over_real_http() -> None:
    from gemini_interactions.api import Client
    from gemini_interactions.server import serve_in_thread

    with serve_in_thread(LocalServer()) as url:
        client = Client(api_key="any-key", base_url=url, max_retries=0)
        asked = client.interactions.create(
            model="m",
            input="What is my name, and what is the weather in Paris?",
            tools=[CITY_WEATHER],
        )
        assert asked.status == "requires_action"
        calls = [s for s in asked.steps if s.type == "function_call"]
        assert [(c.name, c.arguments) for c in calls] == [("get_weather", {"city": "Paris"})]


def _mixed_steps_are_checked(kinds: list[str], steps: list[dict[str, Any]]) -> None:
    assert kinds[0] == "thought" and kinds[-1] == "function_call"
    for kind in ("google_search_call", "code_execution_call", "url_context_call"):
        assert kind in kinds
    search = next(s for s in steps if s["type"] == "google_search_result")
    links = [item["url"] for item in search["result"]]
    assert len(links) == 2 and all(u.startswith("https://example.com/") for u in links)
    code = next(s for s in steps if s["type"] == "code_execution_result")
    assert code["result"] == "6\n"


MIXED_PROMPT = "Compute 2*3, read https://example.org/a and get_weather in Paris"
MIXED_TOOLS = [
    CITY_WEATHER,
    {"type": "google_search"},
    {"type": "code_execution"},
    {"type": "url_context"},
]


def test_built_in_tools_are_simulated_next_to_function_calls_in_process(
    http: httpx.Client,
) -> None:
    # `--tools f --search` used to show the function call only: no search step at all.
    body = {"model": "m", "input": MIXED_PROMPT, "tools": MIXED_TOOLS}
    posted = create(http, body).json()
    assert posted["status"] == "requires_action"
    steps = posted["steps"]
    _mixed_steps_are_checked([s["type"] for s in steps], steps)


def test_built_in_tools_are_simulated_next_to_function_calls_over_http() -> None:
    from gemini_interactions.api import Client
    from gemini_interactions.server import serve_in_thread

    with serve_in_thread(LocalServer()) as url:
        client = Client(api_key="any-key", base_url=url, max_retries=0)
        with client.interactions.create(
            model="m", input=MIXED_PROMPT, tools=MIXED_TOOLS, stream=True
        ) as stream:
            for _ in stream:
                pass
            streamed = stream.interaction
    steps = [s.model_dump(exclude_none=True) for s in streamed.steps]
    _mixed_steps_are_checked([s["type"] for s in steps], steps)
