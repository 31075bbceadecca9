"""The agentic half of the API through ``Chain``: MCP servers, file search, Google Maps, answer
formats, Deep Research plans and charts, sandbox environments and a deep-merged ``config``.

Every request is checked against the official SDK's own request types (google-genai's
``CreateModelInteraction`` / ``CreateAgentInteraction``): it must validate and carry no field the
SDK does not know, at any depth. Every offline run goes through the local server and shows what it
did.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from gemini_interactions.api import Client
from gemini_interactions.chain import Chain, ChainUsageError
from gemini_interactions.export import save_chains, to_notebook, to_script, write_notebook
from gemini_interactions.server import FakeClock, LocalServer
from sdk_check import sdk_check

from .conftest import posts

TOKEN = "Bearer mcp-secret-Zq8vW3xY7tK2pL9m"
SANDBOX_SECRET = "sandbox-credential-Hj4kL8nM2pQ6"


@pytest.fixture
def server(clock: FakeClock) -> LocalServer:
    return LocalServer(require_auth=False, clock=clock)


def annotations(turn: Any) -> list[Any]:
    return [
        note
        for step in turn.interaction.steps
        if step.type == "model_output"
        for block in step.content
        for note in getattr(block, "annotations", None) or []
    ]


class Spy(httpx.BaseTransport):
    """The bodies as sent on the wire, before the server's log redacts them."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.bodies: list[bytes] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(request.read())
        return self.inner.handle_request(request)


def test_mcp_file_search_and_maps_run_offline_with_citations(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MCP_TOKEN", TOKEN)
    spy = Spy(server.transport())
    chain = Chain(Client(transport=spy, max_retries=0))
    turn = chain.send(
        "Good cafes in Lisbon?",
        mcp_servers={
            "guide": {
                "url": "https://mcp.example.com/sse",
                "headers": {"Authorization": {"env": "MCP_TOKEN"}},
                "allowed_tools": ["find_cafes"],
            }
        },
        file_search="my-notes",
        maps={"latitude": 38.72, "longitude": -9.14},
    )
    kinds = [s.type for s in turn.interaction.steps]
    for kind in (
        "mcp_server_tool_call",
        "mcp_server_tool_result",
        "file_search_call",
        "file_search_result",
        "google_maps_call",
        "google_maps_result",
        "model_output",
    ):
        assert kind in kinds
    call = next(s for s in turn.interaction.steps if s.type == "mcp_server_tool_call")
    assert (call.server_name, call.name) == ("guide", "find_cafes")
    cited = {a.type for a in annotations(turn)}
    assert {"file_citation", "place_citation"} <= cited
    body = posts(server)[-1]
    tools = {t["type"]: t for t in body["tools"]}
    assert tools["mcp_server"]["allowed_tools"] == [{"mode": "auto", "tools": ["find_cafes"]}]
    assert tools["file_search"]["file_search_store_names"] == ["fileSearchStores/my-notes"]
    assert tools["google_maps"] == {"type": "google_maps", "latitude": 38.72, "longitude": -9.14}
    # The token went on the wire (the server's log masks it); the turn's own record only
    # names where it comes from.
    assert tools["mcp_server"]["headers"] == {"Authorization": "REDACTED"}
    assert json.loads(spy.bodies[-1])["tools"][0]["headers"] == {"Authorization": TOKEN}
    assert turn.request is not None
    assert turn.request["tools"][0]["headers"] == {"Authorization": {"env": "MCP_TOKEN"}}
    sdk_check(turn.request | {"tools": body["tools"]})


def test_an_mcp_token_is_never_saved_shown_or_logged(
    chain: Chain,
    server: LocalServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("MCP_TOKEN", TOKEN)
    monkeypatch.setenv("SANDBOX_KEY", SANDBOX_SECRET)
    spec = {"url": "https://mcp.example.com", "headers": {"X-Token": {"env": "MCP_TOKEN"}}}
    chain.send("Hello there, what is new?", mcp_servers={"s": spec})
    chain.send(
        "And now in a sandbox",
        agent="antigravity-preview-09-2026",
        environment={"env": {"KEY": {"env": "SANDBOX_KEY"}}},
    )
    dry = chain.build_request("again", mcp_servers={"s": spec})
    saved = save_chains(tmp_path / "chains.json", [chain])
    export = to_notebook(chain)
    written = write_notebook(tmp_path / "export.ipynb", export)
    script, _ = to_script(chain)
    # httpcore's DEBUG trace would print what a server echoes; the loggers scrub it.
    with caplog.at_level(logging.DEBUG, logger="httpx"):
        logging.getLogger("httpx").debug("echoed header: %s", TOKEN)
    texts = {
        "log": caplog.text,
        "dry run": json.dumps(dry),
        "options": json.dumps([t.options for t in chain.turns]),
        "requests": json.dumps([t.requests for t in chain.turns]),
        "provenance": json.dumps([t.provenance() for t in chain.turns], default=str),
        "chains file": saved.read_text(),
        "script": script,
        "server log": json.dumps([r.json for r in server.requests], default=str),
        **{p.name: p.read_text() for p in written},
    }
    for where, text in texts.items():
        for secret in (TOKEN, TOKEN[7:], SANDBOX_SECRET):
            assert secret not in text, f"a secret in the {where}"
            assert secret[:12] not in text, f"a piece of a secret in the {where}"


def test_a_secret_header_must_come_from_the_environment(chain: Chain, server: LocalServer) -> None:
    with pytest.raises(ChainUsageError, match="environment variable"):
        chain.send(
            "hi",
            mcp_servers={"s": {"url": "https://x.example", "headers": {"Authorization": TOKEN}}},
        )
    with pytest.raises(ChainUsageError, match="NOT_SET_ANYWHERE, which is not set"):
        chain.send(
            "hi",
            mcp_servers={
                "s": {
                    "url": "https://x.example",
                    "headers": {"Authorization": {"env": "NOT_SET_ANYWHERE"}},
                }
            },
        )
    with pytest.raises(ChainUsageError, match="http"):
        chain.send("hi", mcp_servers={"s": "ftp://x.example"})
    # A dry run shows the marker (never a value), so it needs no variable set.
    unset = {"Authorization": {"env": "NOT_SET_ANYWHERE"}}
    shown = chain.build_request(
        "hi", mcp_servers={"s": {"url": "https://x.example", "headers": unset}}
    )
    assert shown["json"]["tools"][0]["headers"] == unset
    assert chain.turns == [] and posts(server) == []


def test_config_is_deep_merged_and_a_conflict_fails_before_sending(
    chain: Chain, server: LocalServer
) -> None:
    turn = chain.send(
        "Name a colour.",
        temperature=0.4,
        config={
            "seed": 7,
            "top_p": 0.9,
            "stop_sequences": ["\n\n"],
            "tool_choice": "auto",
            "temperature": 0.4,
            "safety_settings": [{"type": "harassment", "threshold": "block_only_high"}],
            "labels": {"course": "intro"},
            "webhook_config": {"uris": ["https://hooks.example.com/done"]},
        },
    )
    body = posts(server)[-1]
    assert body["generation_config"] == {
        "temperature": 0.4,
        "seed": 7,
        "top_p": 0.9,
        "stop_sequences": ["\n\n"],
        "tool_choice": "auto",
    }
    assert body["labels"] == {"course": "intro"}
    assert turn.options["config"]["seed"] == 7
    assert turn.request is not None
    sdk_check(turn.request)
    with pytest.raises(ChainUsageError, match=r"generation_config\.temperature"):
        chain.send("again", temperature=0.4, config={"temperature": 0.9})
    with pytest.raises(ChainUsageError, match="Agents take no generation settings"):
        chain.send("again", agent="deep-research-preview-04-2026", config={"seed": 1})
    assert len(chain.turns) == 1 and len(posts(server)) == 1


def test_image_and_audio_answers(chain: Chain, server: LocalServer) -> None:
    image = chain.send("A picture of a lighthouse", format="image", new=True)
    assert image.interaction is not None and image.interaction.output_image is not None
    assert posts(server)[-1]["response_format"] == {"type": "image"}
    assert image.request is not None
    sdk_check(image.request)
    wide = chain.build_request(
        "wide", format="image", config={"response_format": {"aspect_ratio": "16:9"}}
    )
    assert wide["json"]["response_format"] == {"type": "image", "aspect_ratio": "16:9"}
    sdk_check(wide["json"])
    audio = chain.send("Say hello", format="audio", new=True)
    assert audio.interaction is not None and audio.interaction.output_audio is not None
    both = chain.build_request("x", format=["text", "image"])
    assert both["json"]["response_format"] == [{"type": "text"}, {"type": "image"}]
    with pytest.raises(ChainUsageError, match="Unknown answer format"):
        chain.send("x", format="hologram")


def test_deep_research_plan_then_go_ahead_runs_it_with_a_chart(
    chain: Chain, server: LocalServer, clock: FakeClock
) -> None:
    plan = chain.send("Research the history of TPUs", plan=True, visualize=True)
    body = posts(server)[-1]
    assert body["agent"] == "deep-research-preview-04-2026"
    assert body["agent_config"] == {
        "type": "deep-research",
        "collaborative_planning": True,
        "visualization": "auto",
    }
    assert plan.request is not None
    sdk_check(plan.request)
    clock.advance(60)
    chain.wait(plan)
    assert plan.status == "completed"
    assert plan.output_text.startswith("# Research plan: TPUs")
    assert "1. " in plan.output_text and "go ahead" in plan.output_text
    revised = chain.send("Also cover the TPU v1 paper", plan=True)
    clock.advance(60)
    chain.wait(revised)
    assert "Take in your edits" in revised.output_text
    report = chain.send("go ahead")
    body = posts(server)[-1]
    assert body["agent"] == "deep-research-preview-04-2026"
    assert body["agent_config"] == {"type": "deep-research", "visualization": "auto"}
    assert body["previous_interaction_id"] == revised.id
    clock.advance(60)
    chain.wait(report)
    assert report.status == "completed"
    assert "Followed the plan of the previous turn (5 steps)" in report.output_text
    assert report.interaction is not None and report.interaction.output_image is not None
    with pytest.raises(ChainUsageError, match="Deep Research agent"):
        chain.send("x", plan=True, model="gemini-3-flash-preview")
    with pytest.raises(ChainUsageError, match="are Deep Research's"):
        chain.send("x", plan=True, agent="antigravity-preview-09-2026")


def test_a_sandbox_is_kept_by_continue_and_branch(
    chain: Chain, server: LocalServer, clock: FakeClock
) -> None:
    agent = "antigravity-preview-09-2026"
    first = chain.send("Write a file", agent=agent, environment={"sources": []})
    assert posts(server)[-1]["environment"] == {"type": "remote", "sources": []}
    assert first.request is not None
    sdk_check(first.request)
    clock.advance(60)
    chain.wait(first)
    env = first.environment_id
    assert env and env.startswith("env_")
    assert first.provenance()["environment_id"] == env
    second = chain.send("Write another")
    assert posts(server)[-1]["environment"] == env
    assert posts(server)[-1]["agent"] == agent
    clock.advance(60)
    chain.wait(second)
    assert second.environment_id == env
    assert "turn-1-notes.md`, `turn-2-notes.md" in second.output_text
    branch = chain.send("From the start", from_turn=1)
    assert posts(server)[-1]["environment"] == env
    clock.advance(60)
    chain.wait(branch)
    # A fresh conversation has no sandbox until it asks for one; an unknown id is refused.
    fresh = chain.build_request("new", agent=agent, new=True)
    assert "environment" not in fresh["json"]
    with pytest.raises(Exception, match="not found"):
        chain.send("x", agent=agent, environment="env_nowhere", new=True)


def test_map_takes_the_same_options(chain: Chain, server: LocalServer) -> None:
    result = chain.map(
        "Where is {item}?",
        ["Porto", "Faro"],
        maps=True,
        file_search=["a", "b"],
        config={"seed": 3},
        store=":memory:",
    )
    assert len(result) == 2
    for body in posts(server):
        assert [t["type"] for t in body["tools"]] == ["file_search", "google_maps"]
        assert body["generation_config"] == {"seed": 3}
        sdk_check(body)
