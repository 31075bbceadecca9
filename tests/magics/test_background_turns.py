"""Background turns: one display that ends as the answer, their own backend, their own names."""

from __future__ import annotations

from typing import Any

import pytest

from gemini_interactions.api import Interaction

from .conftest import Kernel, said


def display_ids(captured: Any) -> set[str]:
    return {o.transient.get("display_id") for o in captured.outputs}


def no_sleep(kernel: Kernel, monkeypatch) -> None:
    """`%gemini wait` polls without sleeping (the offline run takes ~3 s of wall time)."""
    monkeypatch.setattr(kernel.magics.session.client().retry_policy, "sleep", lambda s: None)


def test_a_background_cell_has_one_display_that_ends_as_the_answer(
    kernel: Kernel, monkeypatch
) -> None:
    no_sleep(kernel, monkeypatch)
    out = kernel.cell("--background", "Research TPUs")
    assert len(display_ids(out)) == 1, "one display: no stale '⏳ running · 0.0 s' above"
    assert "Background turn 1" in out.outputs[-1].data["text/plain"]
    waited = kernel.line("wait")
    # wait updated the cell's own display and showed no second copy of the report
    assert waited.outputs and all(o.update for o in waited.outputs)
    assert display_ids(waited) == display_ids(out)
    last = waited.outputs[-1].data
    assert "Offline report" in last["text/markdown"] and "⏳" not in last["text/markdown"]
    assert "running" not in last["text/plain"].split("\n")[0]
    assert "Offline report" not in waited.stdout
    assert "shown in the cell that started it" in waited.stdout and "_gemini" in waited.stdout


@pytest.mark.parametrize("switch", ["line", "config"])
def test_backend_switch_during_a_background_turn_and_a_later_cell(
    kernel: Kernel, monkeypatch, switch: str
) -> None:
    no_sleep(kernel, monkeypatch)
    kernel.cell("--background -o report", "Research TPUs")
    started_on = kernel.magics.session.server
    # a new in-process server, which never heard of the turn
    if switch == "line":
        kernel.line("backend offline")
    else:
        kernel.shell.run_line_magic("config", 'GeminiMagics.backend = "offline"')
    kernel.cell("", "meanwhile")
    assert kernel.magics.session.server is not started_on
    meanwhile = kernel.ns["_gemini"]
    assert meanwhile.status == "completed"
    waited = kernel.line("wait")
    assert not waited.stderr, waited.stderr  # no 404 from the new backend
    report = kernel.ns["report"]
    assert isinstance(report, Interaction) and report.status == "completed"
    assert "Offline report" in report.output_text
    assert kernel.ns["_gemini"] is meanwhile  # the later cell's result stays
    assert "its result is in report" in waited.stdout
    assert not kernel.magics.session.registry.running()


def test_the_poller_keeps_the_turns_backend_and_leaves_a_later_result(kernel: Kernel) -> None:
    kernel.magics.poll_interval = 0.05
    kernel.cell("--background -o report", "Research TPUs")
    kernel.line("backend offline")
    kernel.cell("", "meanwhile")
    meanwhile = kernel.ns["_gemini"]
    kernel.magics.session.background.pollers[0].thread.join(timeout=30)
    assert kernel.ns["report"].status == "completed"
    assert kernel.ns["_gemini"] is meanwhile


def test_cancel_after_a_backend_switch_reaches_the_turn(kernel: Kernel) -> None:
    kernel.cell("--background -o report", "Research TPUs")
    kernel.line("backend offline")
    out = kernel.line("cancel")
    assert "is cancelled" in out.stdout and not out.stderr


@pytest.mark.parametrize(
    ("where", "reset"), [("", "reset --all"), ("", "reset"), ("--chain bg", "reset bg")]
)
def test_a_turn_of_a_removed_chain_is_dropped(
    kernel: Kernel, monkeypatch, where: str, reset: str
) -> None:
    no_sleep(kernel, monkeypatch)
    kernel.magics.poll_interval = 0.05
    out = kernel.cell(f"{where} --background -o report", "Research TPUs")
    running = kernel.ns["report"]
    ((chain, turn),) = kernel.magics.session.registry.running()
    poller = kernel.magics.session.background.pollers[-1]
    done = kernel.line(reset)
    poller.thread.join(timeout=5)
    assert not poller.thread.is_alive(), "its poller stopped"
    kernel.ns["_gemini"] = "mine"
    chain.wait(turn)  # it does end on the server, and nothing is written
    kernel.magics.session.background.finished(turn)
    assert kernel.ns["report"] is running and kernel.ns["_gemini"] == "mine"
    assert not kernel.magics.session.background.watched
    shown = done.outputs[-1]  # the cell's display says it is no longer followed
    assert shown.transient["display_id"] in display_ids(out)
    assert "no longer followed" in shown.data["text/plain"]
    assert "No background turn is running" in said(kernel.shell, "%gemini wait")


def test_a_background_turn_saved_while_running_is_followed_again_after_load(
    kernel: Kernel, monkeypatch, tmp_path
) -> None:
    no_sleep(kernel, monkeypatch)
    kernel.cell("--background", "Research TPUs")
    saved = tmp_path / "chains.json"
    kernel.line(f"save {saved}")
    # as after a restart: nothing of the chain is left in the kernel, the server still runs it
    kernel.magics.session.background.stop()
    kernel.magics.session.registry.clear()
    kernel.magics.session.background.watched.clear()
    loaded = kernel.line(f"load {saved}")
    assert "following it again" in loaded.stdout
    assert any("Background turn 1" in o.data.get("text/plain", "") for o in loaded.outputs)
    waited = kernel.line("wait")
    turn = kernel.magics.session.registry.get("chat").turns[0]
    assert turn.status == "completed", waited.stdout
    assert "Offline report" in turn.output_text
    timeline = kernel.line("timeline 1").outputs[-1].data
    assert "completed Research TPUs" in timeline["text/plain"]
