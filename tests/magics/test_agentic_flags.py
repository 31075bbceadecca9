"""Issue 17's flags from a cell, in a real InteractiveShell against the offline server: each
one's dry run (checked against the official SDK's request types), each one's offline run showing
what it did, the mistakes a user makes (one paragraph, nothing changed), and an MCP token that
never appears in anything a notebook shows or saves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sdk_check import sdk_check

from .conftest import Kernel, saved

TOKEN = "Bearer mcp-secret-Vb7nQ2rT5wX9"
GUIDE = {
    "url": "https://mcp.example.com/sse",
    "headers": {"Authorization": {"env": "GUIDE_TOKEN"}},
    "allowed_tools": ["find_cafes"],
}


def dry(kernel: Kernel, line: str, prompt: str = "Good cafes near the river?") -> dict[str, Any]:
    out = kernel.cell(f"--dry-run {line}", prompt)
    assert TOKEN not in out.stdout + out.stderr
    body: dict[str, Any] = json.loads(out.stdout)["json"]
    return body


@pytest.fixture
def guide(kernel: Kernel, monkeypatch: pytest.MonkeyPatch) -> Kernel:
    monkeypatch.setenv("GUIDE_TOKEN", TOKEN)
    kernel.ns["guide"] = GUIDE
    return kernel


# --- one dry run per flag ---------------------------------------------------------------------


DRY_RUNS: list[tuple[str, dict[str, Any]]] = [
    (
        "--mcp weather=https://mcp.example.com/weather",
        {
            "tools": [
                {"type": "mcp_server", "name": "weather", "url": "https://mcp.example.com/weather"}
            ]
        },
    ),
    (
        "--mcp guide=guide",
        {
            "tools": [
                {
                    "type": "mcp_server",
                    "name": "guide",
                    "url": "https://mcp.example.com/sse",
                    "headers": {"Authorization": {"env": "GUIDE_TOKEN"}},
                    "allowed_tools": [{"mode": "auto", "tools": ["find_cafes"]}],
                }
            ]
        },
    ),
    (
        '--mcp \'docs={"url": "https://mcp.example.com/docs", "allowed_tools": ["grep"]}\'',
        {
            "tools": [
                {
                    "type": "mcp_server",
                    "name": "docs",
                    "url": "https://mcp.example.com/docs",
                    "allowed_tools": [{"mode": "auto", "tools": ["grep"]}],
                }
            ]
        },
    ),
    (
        "--file-search my-notes,papers",
        {
            "tools": [
                {
                    "type": "file_search",
                    "file_search_store_names": [
                        "fileSearchStores/my-notes",
                        "fileSearchStores/papers",
                    ],
                }
            ]
        },
    ),
    (
        "--file-search my-notes --config "
        '\'{"file_search": {"top_k": 3, "metadata_filter": "year > 2020"}}\'',
        {
            "tools": [
                {
                    "type": "file_search",
                    "file_search_store_names": ["fileSearchStores/my-notes"],
                    "top_k": 3,
                    "metadata_filter": "year > 2020",
                }
            ]
        },
    ),
    ("--maps", {"tools": [{"type": "google_maps"}]}),
    (
        '--maps --config \'{"maps": {"latitude": 38.72, "longitude": -9.14}}\'',
        {"tools": [{"type": "google_maps", "latitude": 38.72, "longitude": -9.14}]},
    ),
    (
        '--tool \'{"type": "computer_use", "environment": "browser"}\'',
        {"tools": [{"type": "computer_use", "environment": "browser"}]},
    ),
    (
        '--config \'{"seed": 7, "top_p": 0.5, "stop_sequences": ["END"], '
        '"tool_choice": "auto", "labels": {"course": "intro"}}\'',
        {
            "generation_config": {
                "seed": 7,
                "top_p": 0.5,
                "stop_sequences": ["END"],
                "tool_choice": "auto",
            },
            "labels": {"course": "intro"},
        },
    ),
    ("--format image", {"response_format": {"type": "image"}}),
    ("--format audio", {"response_format": {"type": "audio"}}),
    (
        '--format image --config \'{"response_format": {"aspect_ratio": "16:9"}}\'',
        {"response_format": {"type": "image", "aspect_ratio": "16:9"}},
    ),
    (
        "--plan",
        {
            "agent": "deep-research-preview-04-2026",
            "agent_config": {"type": "deep-research", "collaborative_planning": True},
            "background": True,
        },
    ),
    (
        "--visualize",
        {
            "agent": "deep-research-preview-04-2026",
            "agent_config": {"type": "deep-research", "visualization": "auto"},
        },
    ),
    (
        "--agent antigravity-preview-09-2026 --environment env_abc123",
        {"agent": "antigravity-preview-09-2026", "environment": "env_abc123"},
    ),
    (
        '--agent antigravity-preview-09-2026 --environment \'{"network": "disabled"}\'',
        {"environment": {"type": "remote", "network": "disabled"}},
    ),
]


@pytest.mark.parametrize(("line", "expected"), DRY_RUNS, ids=[d[0][:40] for d in DRY_RUNS])
def test_each_flag_shows_its_request_in_a_dry_run(
    guide: Kernel, line: str, expected: dict[str, Any]
) -> None:
    before = guide.state()
    body = dry(guide, line)
    for key, value in expected.items():
        assert body[key] == value, (key, body)
    sdk_check(body)
    assert guide.state() == before


def test_variables_hold_what_a_flag_takes(guide: Kernel) -> None:
    guide.ns.update(
        retrieval={
            "type": "retrieval",
            "retrieval_types": ["vertex_ai_search"],
            "vertex_ai_search_config": {"engine": "projects/p/locations/global/engines/e"},
        },
        settings={"seed": 11, "safety_settings": [{"type": "hate_speech", "threshold": "off"}]},
        stores={"stores": ["a"], "top_k": 2},
        sandbox={"sources": [], "env": {"TOKEN": {"env": "GUIDE_TOKEN"}}},
    )
    body = dry(guide, "--tool retrieval --config settings --file-search stores")
    assert body["tools"][0]["type"] == "file_search" and body["tools"][0]["top_k"] == 2
    assert body["tools"][1]["type"] == "retrieval"
    assert body["generation_config"] == {"seed": 11}
    assert body["safety_settings"] == [{"type": "hate_speech", "threshold": "off"}]
    sdk_check(body)
    body = dry(guide, "--agent antigravity-preview-09-2026 --environment sandbox")
    assert body["environment"]["env"] == {"TOKEN": {"env": "GUIDE_TOKEN"}}  # named, not read


def test_a_dry_run_needs_no_secret_set(guide: Kernel, monkeypatch: pytest.MonkeyPatch) -> None:
    """A dry run shows the variable's name, never its value, so it works before the token is
    set; sending then says which variable is missing."""
    monkeypatch.delenv("GUIDE_TOKEN")
    body = dry(guide, "--mcp guide=guide")
    assert body["tools"][0]["headers"] == {"Authorization": {"env": "GUIDE_TOKEN"}}
    out = guide.cell("--mcp guide=guide", "Hello", fails=True)
    assert "GUIDE_TOKEN" in str(out.error) and "not set" in str(out.error)
    assert guide.posts() == []


def test_config_defaults_apply_to_every_cell(guide: Kernel) -> None:
    guide.magics.mcp_servers = {"guide": GUIDE}
    guide.magics.file_search = "handbook"
    guide.magics.maps = True
    guide.magics.tool_objects = [{"type": "url_context"}]
    body = dry(guide, "")
    kinds = [t["type"] for t in body["tools"]]
    assert kinds == ["mcp_server", "file_search", "google_maps", "url_context"]
    # --mcp NAME=URL keeps the configured headers and allowed tools at the cell's address
    body = dry(guide, "--mcp guide=https://staging.example.com/sse")
    server = next(t for t in body["tools"] if t["type"] == "mcp_server")
    assert server["url"] == "https://staging.example.com/sse"
    assert server["headers"] == {"Authorization": {"env": "GUIDE_TOKEN"}}


def test_a_flag_and_config_for_one_field_agree_or_fail(guide: Kernel) -> None:
    body = dry(guide, "--temperature 0.5 --config '{\"temperature\": 0.5}'")
    assert body["generation_config"] == {"temperature": 0.5}
    before = guide.state()
    out = guide.cell("--temperature 0.5 --config '{\"temperature\": 0.9}'", "x", fails=True)
    assert "generation_config.temperature" in out.message
    assert guide.state() == before


# --- mistakes: one paragraph, nothing sent or changed -----------------------------------------


MISTAKES = [
    ("--config '{\"seed\": 7'", "not valid JSON"),
    ("--config nowhere", "Unknown variable 'nowhere' for --config"),
    ("--config number", "is a int; --config takes a dict"),
    ("--tool '[1, 2]'", "--tool takes a tool dict"),
    ('--tool \'{"name": "x"}\'', "each a dict with a 'type'"),
    ("--mcp weather", "names no server"),
    ("--mcp =https://x.example", "no usable name"),
    ("--mcp w=number", "an MCP server is a URL or a dict"),
    (
        '--mcp \'w={"url": "https://x.example", "headers": {"Authorization": "Bearer abc"}}\'',
        "credential in plain text",
    ),
    ("--format movie", "Bad value for --format"),
    ("--environment number", "--environment takes an environment id or a dict"),
    ('--config \'{"file_search": {"top_k": 2}}\'', "add --file-search STORE"),
    ("--plan -m gemini-3-flash-preview", "Deep Research agent"),
]


@pytest.mark.parametrize(("line", "says"), MISTAKES, ids=[m[0][:40] for m in MISTAKES])
def test_a_mistake_is_one_paragraph_and_changes_nothing(
    guide: Kernel, line: str, says: str
) -> None:
    guide.ns["number"] = 5
    guide.cell("", "first")
    before = guide.state()
    out = guide.cell(line, "Good cafes?", fails=True)
    assert says in out.message, out.message
    assert guide.state() == before


# --- offline runs -----------------------------------------------------------------------------


def test_mcp_file_search_and_maps_run_offline_and_show_it(guide: Kernel) -> None:
    out = guide.cell("--mcp guide=guide --file-search my-notes --maps", "Good cafes in Lisbon?")
    shown = saved(out).data["text/markdown"]
    assert "guide" in shown and "find_cafes" in shown
    html = saved(out).data["text/html"]
    assert "my-notes" in html  # the file citation
    turn = guide.magics.session.registry.current.head  # type: ignore[union-attr]
    kinds = [s.type for s in turn.interaction.steps]
    assert "mcp_server_tool_call" in kinds and "file_search_result" in kinds
    assert "google_maps_result" in kinds
    assert guide.posts()[-1]["tools"][0]["headers"] == {"Authorization": "REDACTED"}


def test_an_image_answer_shows_as_an_image(guide: Kernel) -> None:
    out = guide.cell("--format image", "A lighthouse at dusk")
    assert any("image/png" in o.data for o in out.outputs)
    # An image format is not a schema: the text is not turned into a JSON block at the end.
    assert "```" not in saved(out).data["text/markdown"]


def no_sleep(kernel: Kernel, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernel.magics.session.client().retry_policy, "sleep", lambda s: None)


def test_plan_then_go_ahead_runs_the_research_with_a_chart(
    guide: Kernel, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_sleep(guide, monkeypatch)
    guide.cell("--plan --visualize", "Research the history of TPUs")
    waited = guide.line("wait")
    plan = guide.magics.session.registry.current.head  # type: ignore[union-attr]
    assert plan.output_text.startswith("# Research plan:")
    card = waited.outputs[-1].data
    assert '<section class="gemini-plan"' in card["text/html"] and "<ol><li>" in card["text/html"]
    assert "4 steps, waiting for your go-ahead" in card["text/plain"]
    assert 'Next: %%gemini --continue with "go ahead" runs the research' in card["text/plain"]
    assert card["text/plain"].count("go ahead") == 1  # the hint replaces the agent's own line
    guide.cell("--continue", "go ahead")
    body = guide.posts()[-1]
    assert body["agent"] == "deep-research-preview-04-2026"
    assert body["agent_config"] == {"type": "deep-research", "visualization": "auto"}
    assert body["previous_interaction_id"] == plan.id
    waited = guide.line("wait")
    report = guide.magics.session.registry.current.head  # type: ignore[union-attr]
    assert "Followed the plan of the previous turn" in report.output_text
    assert "gemini-plan" not in waited.outputs[-1].data["text/html"]  # a report, not a plan
    assert report.interaction.output_image is not None


def test_a_sandbox_is_reused_by_continue_and_shown_in_history(
    guide: Kernel, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_sleep(guide, monkeypatch)
    guide.cell("--agent antigravity-preview-09-2026 --environment '{\"sources\": []}'", "Set up")
    guide.line("wait")
    first = guide.magics.session.registry.current.head  # type: ignore[union-attr]
    env = first.environment_id
    assert env
    guide.cell("-c", "Add a test")
    assert guide.posts()[-1]["environment"] == env
    assert guide.posts()[-1]["agent"] == "antigravity-preview-09-2026"
    guide.line("wait")
    second = guide.magics.session.registry.current.head  # type: ignore[union-attr]
    assert second.environment_id == env and "turn-1-notes.md" in second.output_text
    history = guide.line("history")
    shown = history.stdout + "".join(o.data.get("text/plain", "") for o in history.outputs)
    assert "environment" in shown and shown.count(env) == 2
    guide.cell("--from 1", "Start over from the setup")
    assert guide.posts()[-1]["environment"] == env  # a branch from turn 1's sandbox
    assert guide.posts()[-1]["agent"] == "antigravity-preview-09-2026"
    guide.line("wait")
    timeline = saved(guide.line("timeline")).data
    assert timeline["text/plain"].count(f"(environment {env})") == 3
    assert f"environment <code>{env}</code>" in timeline["text/html"]


def test_an_mcp_token_is_in_no_output_history_export_or_save(guide: Kernel, tmp_path: Path) -> None:
    out = guide.cell("--mcp guide=guide", "Good cafes?")
    texts = [out.stdout, out.stderr, json.dumps([o.data for o in out.outputs], default=str)]
    texts.append(json.dumps([o.metadata for o in out.outputs], default=str))
    history = guide.line("history")
    texts += [history.stdout, json.dumps([o.data for o in history.outputs])]
    shown = guide.line("show 1")
    texts += [shown.stdout, json.dumps([o.data for o in shown.outputs], default=str)]
    guide.line(f"export {tmp_path / 'chat.ipynb'} --cassette")
    guide.line(f"save {tmp_path / 'chains.json'}")
    for path in tmp_path.iterdir():
        texts.append(path.read_text(encoding="utf-8", errors="replace"))
    assert not [t for t in texts if TOKEN in t or "mcp-secret" in t]
    exported = (tmp_path / "chat.ipynb").read_text()
    assert "GUIDE_TOKEN" in exported  # the variable's name, so the export runs again


def test_a_follow_up_to_an_agents_report_goes_to_the_model_as_before(
    guide: Kernel, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_sleep(guide, monkeypatch)
    guide.cell("--agent deep-research-pro-preview-12-2025", "Research retrieval practice")
    guide.line("wait")
    guide.cell("-c", "Three tips, one sentence each")
    body = guide.posts()[-1]
    assert body["model"] == "gemini-3-flash-preview" and "agent" not in body


def test_map_cells_take_the_same_flags(guide: Kernel) -> None:
    guide.ns["cities"] = ["Porto", "Faro"]
    out = guide.cell(
        "--map cities --maps --file-search notes --config '{\"seed\": 3}'", "Cafés in {item}?"
    )
    assert "2/2 done" in out.stdout + "".join(o.data.get("text/plain", "") for o in out.outputs)
    for body in guide.posts()[-2:]:
        assert [t["type"] for t in body["tools"]] == ["file_search", "google_maps"]
        assert body["generation_config"] == {"seed": 3}


def test_help_lists_every_new_flag_and_setting(kernel: Kernel) -> None:
    from gemini_interactions.magics import GeminiMagics

    doc = GeminiMagics.gemini.__doc__ or ""
    for flag in ("--mcp", "--file-search", "--maps", "--tool", "--config", "--format", "--plan"):
        assert flag in doc, flag
    assert "--visualize" in doc and "--environment" in doc
    settings = GeminiMagics.class_traits(config=True)
    assert {"mcp_servers", "file_search", "maps", "tool_objects"} <= set(settings)


def test_wait_after_the_turn_already_ended_succeeds(
    guide: Kernel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run All (or a reader slower than the plan): `%gemini wait` finds the turn done."""
    no_sleep(guide, monkeypatch)
    guide.cell("--plan", "Research the history of TPUs")
    guide.line("wait")
    again = guide.line("wait")
    assert "has already ended (completed)" in again.stdout
    guide.cell("", "A foreground question")
    out = guide.line("wait", fails=True)  # nothing ran in the background since
    assert "No background turn is running" in out.message
