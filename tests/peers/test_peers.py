"""Independent peers, run by scripts this repository carries (nothing outside it is read):

- the official google-genai SDK (3.3.0, the dev extra) as a client of our HTTP server, on the
  SDK's own default path (``v1``, no ``Api-Revision`` header) and on ``v1beta``;
- aimock (npm, installed by ``make test`` or on first use) as a server for our client, which
  reaches it one setting away from its defaults (``api_version="v1beta"``).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gemini_interactions.api import (
    BadRequestError,
    Client,
    Interaction,
    NotFoundError,
    RateLimitError,
)
from gemini_interactions.server import LocalServer, serve_in_thread

from . import aimock as aimock_peer

HERE = Path(__file__).parent
KEY = "AIzaSy-PEER-TEST-KEY-0123456789"
MODEL = "gemini-2.5-flash"
pytestmark = pytest.mark.peer


def test_the_peers_are_the_repositorys_own() -> None:
    # A fresh clone has nothing beside it: every script and fixture lives in the repository,
    # and nothing reaches for the folder the peers once came from.
    for name in ("sdk_probe.py", "aimock.py", "aimock_fixtures.json"):
        assert (HERE / name).is_file(), name
    root = HERE.parents[1]
    outside = ("../" + "shared", "/work/" + "shared", '/ "' + 'shared"')
    files = [root / "Makefile", root / "pyproject.toml", *(root / ".ci").iterdir()]
    for folder in ("src", "tests", "benchmarks"):
        files += [p for p in (root / folder).rglob("*") if p.suffix in (".py", ".json", ".sh")]
    offenders = [
        str(path.relative_to(root)) for path in files if any(o in path.read_text() for o in outside)
    ]
    assert offenders == []


def test_docs_cite_no_spec_sections_outside_the_repository() -> None:
    # Section numbers of a spec pointed a reader at a file a clone does not have.
    root = HERE.parents[1]
    files = [root / "README.md", *(root / "src").rglob("*.py"), *(root / "tests").rglob("*.py")]
    cite = re.compile(r"\bspec(?:s)? \d+(?:\.\d+)*\b")
    offenders = [str(p.relative_to(root)) for p in files if cite.search(p.read_text())]
    assert offenders == []


@pytest.fixture(scope="module")
def http_server() -> Iterator[str]:
    with serve_in_thread(LocalServer()) as url:
        yield url


@pytest.mark.parametrize(
    "flags",
    [[], ["--api-version", "v1beta"], ["--explicit-stream-false"]],
    ids=["sdk-default-v1", "v1beta", "explicit-stream-false"],
)
def test_official_sdk_against_our_http_server(http_server: str, flags: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, str(HERE / "sdk_probe.py"), http_server, *flags],
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = result.stdout.strip().splitlines()
    assert lines, result.stderr[-3000:]
    verdict = json.loads(lines[-1])
    assert verdict["verdict"] == "pass", json.dumps(verdict, indent=1)[:3000]
    assert verdict["passed"] == ["create", "stream", "chain", "get"]
    # The SDK sends no Api-Revision header, and the server answers it in the steps revision.
    assert verdict["sent_api_revision"] == ["None"]
    assert result.returncode == 0


@pytest.fixture(scope="module")
def aimock() -> Iterator[str]:
    try:
        aimock_peer.check_node()
    except aimock_peer.AimockUnavailable as missing:
        message = f"THE AIMOCK PEER CHECK DID NOT RUN: {missing}"
        print(f"\n*** {message} ***", file=sys.stderr)
        pytest.skip(message)
    with aimock_peer.serving(HERE / "aimock_fixtures.json") as url:
        yield url


def client_for(url: str, **options: Any) -> Client:
    return Client(KEY, base_url=url, api_version="v1beta", max_retries=0, **options)


def streamed(url: str, prompt: str, **options: Any) -> tuple[Interaction, list[str]]:
    with (
        client_for(url) as client,
        client.interactions.create(model=MODEL, input=prompt, stream=True, **options) as stream,
    ):
        kinds = [event.event_type for event in stream]
        return stream.interaction, kinds


def test_our_client_reads_aimock_text(aimock: str) -> None:
    interaction, kinds = streamed(aimock, "hello")
    assert interaction.output_text == "Hi there! How can I help you today?"
    assert interaction.status == "completed"
    assert kinds[0] == "interaction.created" and kinds[-1] == "interaction.completed"


def test_our_client_reads_aimock_tool_calls_and_answers_them(aimock: str) -> None:
    tools = [{"type": "function", "name": "get_weather", "parameters": {"type": "object"}}]
    interaction, _ = streamed(aimock, "weather in Paris", tools=tools)
    assert interaction.status == "requires_action"
    (call,) = interaction.function_calls
    assert (call.id, call.name, call.arguments) == (
        "call_weather_1",
        "get_weather",
        {"city": "Paris", "unit": "celsius"},
    )
    result = {"type": "function_result", "call_id": call.id, "name": call.name, "result": "sunny"}
    with client_for(aimock) as client:
        answer = client.interactions.create(
            model=MODEL, input=[result], previous_interaction_id=interaction.id, tools=tools
        )
    assert answer.output_text == "Sunny in Paris, says the tool."
    # Text, then a tool call, in one stream.
    interaction, _ = streamed(aimock, "book a table")
    assert interaction.output_text == "Let me check availability."
    assert [c.arguments for c in interaction.function_calls] == [{"people": 2}]


def test_our_client_reads_aimock_chunked_slow_stream_and_usage(aimock: str) -> None:
    interaction, kinds = streamed(aimock, "slow stream")
    assert interaction.output_text == "One two three four five six."
    assert kinds.count("step.delta") >= 5
    interaction, _ = streamed(aimock, "with usage")
    assert interaction.usage is not None
    assert (interaction.usage.total_input_tokens, interaction.usage.total_output_tokens) == (11, 7)


def test_our_client_reads_aimock_non_streaming_create(aimock: str) -> None:
    # aimock streams even when "stream" is left out; the client folds that reply.
    with client_for(aimock) as client:
        interaction = client.interactions.create(model=MODEL, input="hello")
    assert interaction.output_text == "Hi there! How can I help you today?"
    assert interaction.status == "completed"


def test_aimock_errors_keep_their_status_message_and_retry_after(aimock: str) -> None:
    with client_for(aimock) as client:
        with pytest.raises(RateLimitError) as limited:
            client.interactions.create(model=MODEL, input="rate limit me")
        with pytest.raises(BadRequestError, match="Invalid value at 'model'"):
            client.interactions.create(model=MODEL, input="bad request")
    assert limited.value.status_code == 429
    assert "Resource has been exhausted" in str(limited.value)
    assert limited.value.headers.get("retry-after") == "2"


def test_aimock_is_on_v1beta_only_so_the_default_v1_path_misses(aimock: str) -> None:
    with (
        Client(KEY, base_url=aimock, max_retries=0) as client,
        pytest.raises(NotFoundError),
    ):
        client.interactions.create(model=MODEL, input="hello")
