"""Function tools: declarations built with pydantic, the round trip, errors, async, limits."""

from __future__ import annotations

import asyncio
import enum
from typing import Literal

import pytest
from pydantic import BaseModel

from gemini_interactions.chain import Chain, ChainUsageError, TurnFailedError, function_tool

from .conftest import posts


class Unit(enum.Enum):
    C = "c"
    F = "f"


class Place(BaseModel):
    city: str
    country: str = "FR"


def get_weather(city: str, unit: Literal["c", "f"] = "c", days: int = 1) -> dict[str, object]:
    """Current weather in a city.

    Args:
        city: The city name,
            for example Paris.
        unit: Celsius or Fahrenheit.
        days: How many days.

    Returns:
        A dict.
    """
    return {"city": city, "temp": 21, "unit": unit}


def test_declaration_from_signature_hints_and_docstring() -> None:
    decl = function_tool(get_weather).declaration
    assert decl["type"] == "function" and decl["name"] == "get_weather"
    assert decl["description"] == "Current weather in a city."
    params = decl["parameters"]
    assert params["type"] == "object" and params["required"] == ["city"]
    assert params["properties"]["city"] == {
        "type": "string",
        "description": "The city name, for example Paris.",
    }
    assert params["properties"]["unit"]["enum"] == ["c", "f"]
    assert params["properties"]["unit"]["default"] == "c"
    assert params["properties"]["days"]["type"] == "integer"


def test_nested_models_and_enums_are_inlined() -> None:
    def book(place: Place, unit: Unit, tags: list[str] | None = None) -> str:
        """Book a place.

        :param place: where
        """
        return "ok"

    params = function_tool(book).declaration["parameters"]
    assert "$defs" not in params and "$ref" not in str(params)
    assert params["properties"]["place"]["properties"]["city"]["type"] == "string"
    assert params["properties"]["place"]["description"] == "where"
    assert params["properties"]["unit"]["enum"] == ["c", "f"]


def test_unannotated_parameters_and_varargs() -> None:
    def f(a, b=3, *args, **kwargs):  # type: ignore[no-untyped-def]
        return a

    params = function_tool(f).declaration["parameters"]
    assert params["properties"]["a"]["type"] == "string"
    assert params["properties"]["b"]["type"] == "integer"
    assert set(params["properties"]) == {"a", "b"}


def _positional_only(x: int, /) -> int:
    return x


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (3, "not a function"),
        (Place, "not a function"),
        (_positional_only, "positional-only"),
    ],
)
def test_bad_tools(value: object, match: str) -> None:
    with pytest.raises(ChainUsageError, match=match):
        function_tool(value)  # type: ignore[arg-type]


def test_round_trip_runs_the_call_and_sends_the_result(chain: Chain, server) -> None:
    turn = chain.send("Use get_weather for the weather in Paris", tools=[get_weather])
    assert turn.status == "completed" and len(turn.requests) == 2
    first, second = posts(server)
    assert first["tools"] == second["tools"] == [function_tool(get_weather).declaration]
    run = turn.tool_runs[0]
    assert run.name == "get_weather" and run.arguments["city"] == "Paris" and not run.is_error
    assert second["previous_interaction_id"] == turn.interactions[0].id
    assert second["input"] == [
        {
            "type": "function_result",
            "name": "get_weather",
            "call_id": run.call_id,
            "result": {"city": "Paris", "temp": 21, "unit": run.arguments.get("unit", "c")},
        }
    ]
    assert chain.head is turn and turn.id == turn.interactions[-1].id
    assert '"temp": 21' in turn.output_text


def test_async_tools_run_with_or_without_a_running_loop(chain: Chain, server) -> None:
    async def lookup(city: str) -> str:
        """Look a city up."""
        await asyncio.sleep(0)
        return f"{city} is lovely"

    turn = chain.send("Call lookup for Paris", tools=[lookup])
    assert turn.tool_runs[0].result == "Paris is lovely"

    async def inside_a_loop() -> None:  # like a Jupyter kernel, where a loop already runs
        t = chain.send("Call lookup for Rome", tools=[lookup], new=True)
        assert t.tool_runs[0].result == "Rome is lovely"

    asyncio.run(inside_a_loop())


def test_a_raising_tool_sends_is_error(chain: Chain, server) -> None:
    def explode(city: str) -> str:
        """Always fails."""
        raise RuntimeError(f"no data for {city}")

    turn = chain.send("Call explode for Paris", tools=[explode])
    result = posts(server)[1]["input"][0]
    assert result["is_error"] is True and result["result"] == "RuntimeError: no data for Paris"
    assert turn.tool_runs[0].is_error and turn.status == "completed"


def test_a_tool_calling_sys_exit_is_a_failed_tool_not_a_dead_turn(chain: Chain, server) -> None:
    import sys

    def leave(city: str) -> str:
        """Exits."""
        sys.exit(3)

    turn = chain.send("Call leave for Paris", tools=[leave])
    result = posts(server)[1]["input"][0]
    assert result["is_error"] is True and result["result"] == "SystemExit: 3"
    assert turn.status == "completed" and chain.head is turn


def test_invalid_arguments_are_an_error_result_not_a_crash(chain: Chain, server) -> None:
    def count(n: int) -> int:
        """Count."""
        return n

    from gemini_interactions.chain._tools import run_call

    class Call:
        id = "c1"
        name = "count"
        arguments = {"n": "not a number"}

    run = run_call(Call(), {"count": function_tool(count)}, 1)
    assert run.is_error and "Invalid arguments" in str(run.result)
    Call.name = "missing"
    run = run_call(Call(), {"count": function_tool(count)}, 1)
    assert run.is_error and "No tool named 'missing'" in str(run.result)


def test_scalar_and_list_results_are_wrapped(chain: Chain, server) -> None:
    def numbers(city: str) -> list[int]:
        """Numbers."""
        return [1, 2]

    chain.send("Call numbers for Paris", tools=[numbers])
    assert posts(server)[1]["input"][0]["result"] == {"result": [1, 2]}


def test_max_tool_rounds_stops_and_never_moves_the_head(chain: Chain, server) -> None:
    good = chain.send("hello")
    calls: list[int] = []

    def counter(n: int) -> int:
        """Count calls."""
        calls.append(n)
        return len(calls)

    with pytest.raises(TurnFailedError, match="max-tool-rounds"):
        chain.send("loop forever", tools=[counter], max_tool_rounds=2)
    turn = chain.turns[-1]
    assert turn.status == "requires_action" and len(calls) == 2 and len(turn.requests) == 3
    assert chain.head is good


def test_builtin_tools_and_raw_dicts(chain: Chain, server) -> None:
    chain.send(
        "search it",
        search=True,
        code_execution=True,
        url_context=True,
        tools=[{"type": "google_maps"}],
    )
    assert posts(server)[0]["tools"] == [
        {"type": "google_maps"},
        {"type": "google_search"},
        {"type": "code_execution"},
        {"type": "url_context"},
    ]


def test_no_store_tool_rounds_resend_the_history(chain: Chain, server) -> None:
    turn = chain.send("Use get_weather in Paris", tools=[get_weather], store=False)
    assert turn.status == "completed"
    second = posts(server)[1]
    assert second["store"] is False and "previous_interaction_id" not in second
    kinds = [step["type"] for step in second["input"]]
    assert kinds[0] == "user_input" and "function_call" in kinds and kinds[-1] == "function_result"


def test_tools_refused_in_background(chain: Chain) -> None:
    with pytest.raises(ChainUsageError, match="background"):
        chain.send("x", tools=[get_weather], background=True)


def test_duplicate_tool_names(chain: Chain) -> None:
    with pytest.raises(ChainUsageError, match="Two tools"):
        chain.send("x", tools=[get_weather, get_weather])


def test_a_parameter_named_title_survives_title_cleanup() -> None:
    def note(title: str, body: str = "") -> str:
        """Write a note."""
        return title

    params = function_tool(note).declaration["parameters"]
    assert set(params["properties"]) == {"title", "body"} and params["required"] == ["title"]
    assert "title" not in params["properties"]["title"]


def test_partial_and_callable_object_tools() -> None:
    import functools

    from gemini_interactions.chain import function_tool

    def mul(a: int, b: int) -> int:
        """Multiply two numbers."""
        return a * b

    class Adder:
        def __call__(self, x: int, y: int = 1) -> int:
            """Add y to x."""
            return x + y

    double = function_tool(functools.partial(mul, b=2))
    assert double.name == "mul" and double.description == "Multiply two numbers."
    assert double.parameters["properties"]["a"]["type"] == "integer"
    adder = function_tool(Adder(), name="adder")
    assert adder.parameters["required"] == ["x"] and adder.description == "Add y to x."


def test_the_offline_model_calls_a_real_tool_the_prompt_asks_about(chain: Chain) -> None:
    cities: list[str] = []

    def get_weather(city: str) -> str:
        """The current weather in a city."""
        cities.append(city)
        return f"sunny in {city}"

    chain.send("My name is Ada.")
    turn = chain.send(
        "What is my name, and what is the weather in Paris and Rome?",
        tools=[get_weather],
    )
    assert cities == ["Paris", "Rome"]
    assert "sunny in Paris" in turn.output_text and "sunny in Rome" in turn.output_text
    assert "Your name is **Ada**" in turn.output_text and "Offline demo" in turn.output_text
