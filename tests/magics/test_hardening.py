"""Cells whose text cannot be sent, or whose requests are retried, say so and never hang a turn."""

from __future__ import annotations

import json

import pytest

from scripted_http import Exchange, scripted_server, sse

from .conftest import Kernel

CAFE = b"caf\xe9".decode("utf-8", "surrogateescape")


def _texts(captured: object) -> list[str]:
    return [o.data.get("text/plain", "") for o in captured.outputs]  # type: ignore[attr-defined]


def test_a_surrogate_in_an_interpolated_prompt_is_replaced_noticed_and_continuable(
    kernel: Kernel,
) -> None:
    kernel.ns["word"] = CAFE
    captured = kernel.cell("", "Tell me about the {word} on the corner.")
    assert "Traceback" not in captured.stderr and "Error" not in captured.stderr
    assert kernel.posts()[-1]["input"] == "Tell me about the caf\ufffd on the corner."
    final = _texts(captured)[-1]
    assert "replaced by \ufffd" in final  # the notice is part of the saved answer
    chain = kernel.magics.session.registry.current
    assert chain is not None and chain.turns[-1].status == "completed"
    follow = kernel.cell("--continue", "And the next one?")
    assert "still streaming" not in follow.stderr
    assert chain.turns[-1].status == "completed"


def test_a_tool_returning_a_lone_surrogate_answers_without_a_traceback(kernel: Kernel) -> None:
    def shout(word: str) -> str:
        """Shout a word."""
        return "\ud800"

    kernel.ns["shout"] = shout
    captured = kernel.cell("--tools shout", "Use shout for hello")
    assert "Traceback" not in captured.stderr
    assert kernel.posts()[-1]["input"][0]["result"] == "\ufffd"


def _limited_once(exchange: Exchange) -> None:
    if exchange.number == 1:
        error = {"error": {"code": 429, "message": "slow down", "status": "RESOURCE_EXHAUSTED"}}
        headers = {"content-type": "application/json", "retry-after": "1"}
        exchange.send(429, headers, json.dumps(error).encode())
        return
    events = [
        {
            "event_type": "interaction.created",
            "interaction": {"id": "v1_r", "status": "in_progress"},
        },
        {"event_type": "step.start", "index": 0, "step": {"type": "model_output"}},
        {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": "Done."}},
        {"event_type": "step.stop", "index": 0},
        {
            "event_type": "interaction.completed",
            "interaction": {"id": "v1_r", "status": "completed"},
        },
    ]
    body = b"".join(sse(e) for e in events)
    exchange.send(200, {"content-type": "text/event-stream"}, body)


def test_the_live_view_says_when_it_waits_to_retry(kernel: Kernel) -> None:
    with scripted_server(_limited_once) as server:
        kernel.line(f"backend {server.url}")
        captured = kernel.cell("", "Hello")
    texts = _texts(captured)
    waiting = [t for t in texts if "rate limited (429), retrying in 1.0 s, try 2 of 5" in t]
    assert waiting, texts
    assert "Done." in texts[-1] and "rate limited" not in texts[-1]  # gone once it answered


def test_the_terminal_says_when_it_waits_to_retry(kernel: Kernel, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from gemini_interactions.magics._session import Session

    monkeypatch.setattr(Session, "terminal", lambda self: True)
    with scripted_server(_limited_once) as server:
        kernel.line(f"backend {server.url}")
        captured = kernel.cell("", "Hello")
    assert "⏳ rate limited (429), retrying in 1.0 s, try 2 of 5" in captured.stderr
    assert "Done." in captured.stdout


def test_a_bad_key_is_one_clear_paragraph_that_never_shows_it(
    kernel: Kernel, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "AIzaSyQ7vTbXw3LmN9pRk2HsD5fJ8gUcZ1eYoAa\u200b"
    kernel.cell("", "hello")
    before = kernel.state()
    monkeypatch.setenv("GEMINI_API_KEY", key)
    out = kernel.line("backend live", fails=True)
    message = out.message.strip()
    assert "GEMINI_API_KEY contains an invisible" in message and "stays offline" in message
    assert "Traceback" not in message and "\n\n" not in message
    assert not any(key[i : i + 8] in message for i in range(len(key) - 8))
    assert kernel.state() == before
