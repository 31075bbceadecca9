"""Offline ids mean one thing in a kernel: re-selecting the offline backend (Run All twice) keeps
its server, a new server never repeats an id, and a turn whose server is gone is refused in one
paragraph instead of silently continuing another conversation."""

from __future__ import annotations

from pathlib import Path

from gemini_interactions.server import LocalServer
from gemini_interactions.server._ids import IdFactory

from .conftest import FIXTURES, Kernel


def _head_id(kernel: Kernel) -> str:
    head = kernel.magics.session.registry.current.head
    assert head is not None and head.id
    return head.id


def _answer(kernel: Kernel) -> str:
    head = kernel.magics.session.registry.current.head
    assert head is not None
    return head.text


def test_two_servers_never_hand_out_the_same_id() -> None:
    first, second = IdFactory(), IdFactory()
    assert {first.interaction() for _ in range(3)}.isdisjoint(
        second.interaction() for _ in range(3)
    )
    assert IdFactory(7).interaction() == IdFactory(7).interaction()  # a given seed repeats
    assert LocalServer().ids.seed != LocalServer().ids.seed


def test_selecting_the_backend_in_use_again_keeps_its_server(kernel: Kernel) -> None:
    server = kernel.magics.session.server
    kernel.cell("", "My name is Ada.")
    out = kernel.line(f"backend offline --fixtures {FIXTURES}")
    assert "already in use: kept" in out.stdout
    assert kernel.magics.session.server is server
    kernel.cell("", "My name is Bob.")
    first = kernel.magics.session.registry.current.turn(1)
    kernel.cell("--from 1", "What is my name?")
    assert kernel.posts()[-1]["previous_interaction_id"] == first.id
    assert "Your name is **Ada**" in _answer(kernel)


def test_run_all_twice_continues_the_right_conversation(kernel: Kernel) -> None:
    """A lesson's cells run twice in one kernel: each --continue names its own run's turn, and
    no two turns share an id."""
    for _ in range(2):
        kernel.line(f"backend offline --fixtures {FIXTURES}")
        kernel.cell("", "My name is Ada.")
        started = _head_id(kernel)
        kernel.cell("--continue", "What is my name?")
        assert kernel.posts()[-1]["previous_interaction_id"] == started
    ids = [t.id for t in kernel.magics.session.registry.current.turns]
    assert len(ids) == 4 and len(set(ids)) == 4


def test_a_turn_of_a_server_that_is_gone_is_refused(kernel: Kernel) -> None:
    kernel.cell("", "My name is Ada.")
    kernel.line("backend offline")  # another server: it holds none of the turns so far
    kernel.cell("", "My name is Bob.")
    before = kernel.state()
    out = kernel.cell("--from 1", "What is my name?", fails=True)
    assert "Turn 1 of chain 'chat' cannot be continued" in out.message
    assert "earlier offline server" in out.message and "Nothing was sent" in out.message
    assert kernel.state() == before
    kernel.ns["xs"] = ["apple"]
    out = kernel.cell("--from 1 --map xs", "Is {item} a fruit?", fails=True)
    assert "cannot be continued" in out.message
    # the head, turn 2, was made on this server: it continues as ever
    kernel.cell("--continue", "What is my name?")
    assert "Your name is **Bob**" in _answer(kernel)


def test_a_loaded_chain_does_not_continue_this_kernels_conversation(
    kernel: Kernel, tmp_path: Path
) -> None:
    """Saved in one session, loaded in another that already talked offline: the loaded turn's
    id is not this server's, so --continue fails in one paragraph (it used to answer with the
    other conversation's name, recorded as completed)."""
    kernel.cell("--chain saved", "My name is Ada.")
    path = tmp_path / "chains.json"
    kernel.line(f"save {path}")
    kernel.line("backend offline")  # as a new kernel would: a server that never saw Ada
    kernel.line("reset --all")
    kernel.cell("", "My name is Bob.")
    kernel.line(f"load {path}")
    before = kernel.state()
    out = kernel.cell("--chain saved --continue", "What is my name?", fails=True)
    assert "cannot be continued" in out.message
    assert kernel.state() == before


def test_a_loaded_background_turn_of_a_gone_server_is_not_followed(
    kernel: Kernel, tmp_path: Path
) -> None:
    """Loaded where its offline server is gone, a turn saved while running said "following it
    again", then `%gemini wait` failed with a raw 404."""
    kernel.line("backend offline")
    kernel.cell("--background", "Research TPUs")
    path = tmp_path / "chains.json"
    kernel.line(f"save {path}")
    kernel.line("reset --all")
    kernel.line(f"backend offline --fixtures {FIXTURES}")  # another server, as in a new kernel
    out = kernel.line(f"load {path}")
    assert "offline server that is gone" in out.stdout and "following it again" not in out.stdout
    before = kernel.state()
    for command in ("wait", "cancel"):
        refused = kernel.line(command, fails=True)
        assert f"`%gemini {command}` cannot reach it" in refused.message
    assert kernel.state() == before
