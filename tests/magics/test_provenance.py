"""In a kernel: a real recording that reports another model than the cell asked for. The status
line, the saved output's metadata and ``%gemini history`` name the model that answered and the one
asked for."""

from __future__ import annotations

from real_recordings import served

from .conftest import Kernel, saved

LABEL = "gemini-2.5-flash (asked: gemini-flash-latest)"


def test_the_cell_and_history_name_the_model_that_answered(kernel: Kernel) -> None:
    with served("basic.chunks.txt") as url:
        kernel.line(f"backend {url}")
        out = kernel.cell("-m gemini-flash-latest", "How are you?")
        history = kernel.line("history")
    shown = saved(out)
    assert LABEL in shown.data["text/markdown"] and LABEL in shown.data["text/plain"]
    meta = shown.metadata["gemini_interactions"]
    assert meta["model"] == "gemini-2.5-flash" and meta["asked_model"] == "gemini-flash-latest"
    table = saved(history).data
    assert all(LABEL in text for text in table.values()) and table
