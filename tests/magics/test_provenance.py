"""In a kernel: a real recording that reports another model than the cell asked for. The status
line, the saved output's metadata and ``%gemini history`` name the model that answered and the one
asked for."""

from __future__ import annotations

from pathlib import Path

from scripted_http import Exchange, scripted_server

from .conftest import Kernel, saved

REAL = Path(__file__).parent.parent / "data" / "real" / "vercel-ai" / "basic.chunks.txt"
LABEL = "gemini-2.5-flash (asked: gemini-flash-latest)"


def test_the_cell_and_history_name_the_model_that_answered(kernel: Kernel) -> None:
    lines = REAL.read_text("utf-8").splitlines()
    body = b"".join(b"data: " + line.encode() + b"\n\n" for line in lines if line)

    def answer(exchange: Exchange) -> None:
        exchange.send(200, {"content-type": "text/event-stream"}, body)

    with scripted_server(answer) as server:
        kernel.line(f"backend {server.url}")  # type: ignore[attr-defined]
        out = kernel.cell("-m gemini-flash-latest", "How are you?")
        history = kernel.line("history")
    shown = saved(out)
    assert LABEL in shown.data["text/markdown"] and LABEL in shown.data["text/plain"]
    meta = shown.metadata["gemini_interactions"]
    assert meta["model"] == "gemini-2.5-flash" and meta["asked_model"] == "gemini-flash-latest"
    table = saved(history).data
    assert all(LABEL in text for text in table.values()) and table
