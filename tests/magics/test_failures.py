"""API failures fail their cell: status and server message, a hint on what to do, head unmoved."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Kernel


@pytest.fixture
def no_retry_wait(kernel: Kernel, monkeypatch) -> Kernel:
    monkeypatch.setattr(kernel.magics.session.client().retry_policy, "sleep", lambda s: None)
    return kernel


def _head_stays(kernel: Kernel, prompt: str) -> tuple[Any, str]:
    kernel.cell("", "hello")
    chain = kernel.magics.session.registry.current
    assert chain is not None
    head = chain.head
    out = kernel.cell("-c", prompt, fails=True)
    assert chain.head is head and chain.turns[-1].status == "failed"
    text = out.message
    assert "\n" not in text and not out.stderr
    assert "the chain's head did not move" in text
    return out, text


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("wrong key", ["HTTP 401", "API key not valid", "Check GEMINI_API_KEY"]),
        ("too many requests", ["HTTP 429", "Quota exceeded", "wait a minute"]),
        ("please fail", ["HTTP 400", "too hot."]),
    ],
)
def test_status_message_and_hint(no_retry_wait: Kernel, prompt: str, expected: list[str]) -> None:
    _, text = _head_stays(no_retry_wait, prompt)
    for piece in expected:
        assert piece in text, text


def test_error_mid_stream_keeps_the_partial_answer(kernel: Kernel) -> None:
    out, text = _head_stays(kernel, "error after some text")
    assert "resource_exhausted" in text and "Resource has been exhausted" in text
    chain = kernel.magics.session.registry.current
    assert chain is not None and chain.turns[-1].text.startswith("Partial answer")
    from .conftest import saved as _saved

    saved = _saved(out)
    assert "Partial answer" in saved.data["text/markdown"]
    assert saved.metadata["gemini_interactions"]["status"] == "failed"


def test_server_gone_says_check_the_server(kernel: Kernel, monkeypatch) -> None:
    from gemini_interactions.server import LocalServer, serve_in_thread

    with serve_in_thread(LocalServer()) as url:
        kernel.line(f"backend {url}")
        kernel.cell("", "hello")
    monkeypatch.setattr(kernel.magics.session.client().retry_policy, "sleep", lambda s: None)
    chain = kernel.magics.session.registry.current
    assert chain is not None
    head = chain.head
    out = kernel.cell("-c", "still there?", fails=True)
    text = out.message
    assert f"Check that the server at {url} is running" in text and "backend offline" in text
    assert "refused. Check" in text or ". Check" in text  # one sentence ends before the hint
    assert chain.head is head and "\n" not in text
