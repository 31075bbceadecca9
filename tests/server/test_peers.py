"""Independent peers: the official google-genai SDK against our HTTP server, and our client
against aimock (a Node mock of the Interactions API). Both live in ``../shared/peers``."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gemini_interactions.api import Client
from gemini_interactions.server import LocalServer, serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
PEERS = ROOT.parent / "shared" / "peers"
pytestmark = pytest.mark.peer


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"peer file missing: {path} (the repo expects ../shared beside it)")
    return path


@pytest.mark.parametrize("extra", [[], ["--explicit-stream-false"]])
def test_sdk_probe_passes_against_the_http_server(extra: list[str]) -> None:
    if importlib.util.find_spec("google.genai") is None:
        pytest.fail("google-genai==3.3.0 (dev extra) is not installed in this venv")
    probe = _need(PEERS / "sdk-probe.py")
    with serve_in_thread(LocalServer()) as url:
        result = subprocess.run(
            [sys.executable, str(probe), url, "--api-version", "v1beta", "--quiet", *extra],
            capture_output=True,
            text=True,
            timeout=120,
        )
    verdict = json.loads(result.stdout.strip().splitlines()[-1])
    assert verdict["verdict"] == "pass", json.dumps(verdict, indent=1)[:3000]
    assert verdict["passed"] == ["create", "stream", "chain", "get"]
    assert result.returncode == 0


@pytest.fixture(scope="module")
def aimock() -> Iterator[str]:
    if shutil.which("node") is None or shutil.which("npm") is None:
        message = "NODE IS ABSENT: the aimock peer check did NOT run (install node >= 20.15)"
        print(f"\n*** {message} ***", file=sys.stderr)
        pytest.skip(message)
    script = _need(PEERS / "aimock-serve.sh")
    fixtures = _need(PEERS / "aimock-fixtures.json")
    process = subprocess.Popen(
        ["bash", str(script), "0", str(fixtures)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    try:
        if not url.startswith("http://127.0.0.1:"):
            err = process.stderr.read() if process.stderr else ""
            pytest.fail(f"aimock did not start: {url!r} {err[-2000:]}")
        yield url
    finally:
        process.terminate()  # the script forwards SIGTERM to aimock
        process.wait(timeout=15)


def streamed(url: str, prompt: str, **options: Any) -> Any:
    with (
        Client(api_key="test-key", base_url=url, max_retries=0) as client,
        client.interactions.create(
            model="gemini-2.5-flash", input=prompt, stream=True, **options
        ) as stream,
    ):
        events = [event.event_type for event in stream]
        return stream.interaction, events


def test_our_client_reads_aimock_text(aimock: str) -> None:
    interaction, events = streamed(aimock, "hello")
    assert interaction.output_text == "Hi there! How can I help you today?"
    assert interaction.status == "completed"
    assert events[0] == "interaction.created" and events[-1] == "interaction.completed"


def test_our_client_reads_aimock_tool_calls(aimock: str) -> None:
    tools = [{"type": "function", "name": "get_weather", "parameters": {"type": "object"}}]
    interaction, _ = streamed(aimock, "weather in Paris", tools=tools)
    assert interaction.status == "requires_action"
    call = interaction.steps[-1]
    assert (call.type, call.id, call.name) == ("function_call", "call_weather_1", "get_weather")
    assert call.arguments == {"city": "Paris", "unit": "celsius"}
    # Text then a tool call in one stream.
    interaction, _ = streamed(aimock, "book a table")
    assert interaction.output_text == "Let me check availability."
    assert interaction.steps[-1].arguments == {"people": 2}


def test_our_client_reads_aimock_chunked_slow_stream(aimock: str) -> None:
    interaction, events = streamed(aimock, "slow stream")
    assert interaction.output_text == "One two three four five six."
    assert events.count("step.delta") >= 5


def test_our_client_reads_aimock_non_streaming_create(aimock: str) -> None:
    # aimock streams even when "stream" is left out; the client folds that reply.
    with Client(api_key="test-key", base_url=aimock, max_retries=0) as client:
        interaction = client.interactions.create(model="gemini-2.5-flash", input="hello")
    assert interaction.output_text == "Hi there! How can I help you today?"
    assert interaction.status == "completed"
