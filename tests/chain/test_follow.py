"""A background turn followed by its event stream, and resumed after its last event id when it
comes back from a chains file (another kernel): every part of the answer once."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from gemini_interactions.api import APIError, Client
from gemini_interactions.chain import Chain, Turn
from gemini_interactions.export import load_chains, save_chains
from gemini_interactions.server import FakeClock, LocalServer


def _whole_stream(client: Client, interaction_id: str) -> list[dict[str, object]]:
    with client.interactions.get(interaction_id, stream=True) as stream:
        for _ in stream:
            pass
    return [step.to_dict() for step in stream.interaction.steps]


def _part(chain: Chain, turn: Turn) -> None:
    """Follow ``turn`` until its stream brought a step, then stop (as a killed kernel would)."""
    stop = threading.Event()

    def seen(t: Turn) -> None:
        if t.interaction is not None and t.interaction.steps:
            stop.set()

    chain.follow(turn, on_update=seen, stop=stop, every=0)


def _resumed_after(server: LocalServer) -> list[str]:
    return [
        v for r in server.requests if r.method == "GET" for k, v in r.query if k == "last_event_id"
    ]


def test_a_background_turn_is_followed_by_its_stream_to_its_end(
    chain: Chain, client: Client, server: LocalServer
) -> None:
    turn = chain.send("Research TPUs", background=True)
    assert turn.status == "running" and turn.last_event_id is None
    updates: list[str] = []
    chain.follow(turn, on_update=lambda t: updates.append(t.status))
    assert turn.status == "completed" and updates[-1] == "completed"
    assert chain.head is turn  # it joined the chain as a polled turn would
    assert turn.last_event_id is not None
    assert turn.output_text == client.interactions.get(turn.id or "").output_text


def test_a_saved_running_turn_resumes_after_its_last_event_id(
    chain: Chain, client: Client, server: LocalServer, tmp_path: Path
) -> None:
    turn = chain.send("Research TPUs", background=True)
    _part(chain, turn)
    assert turn.status == "running" and turn.last_event_id
    saved = save_chains(tmp_path / "chains.json", [chain])
    (loaded,), _ = load_chains(saved)
    again = loaded.turns[0]
    assert again.status == "running" and again.last_event_id == turn.last_event_id
    loaded.client = client  # a new kernel, the same server
    loaded.follow(again)
    assert _resumed_after(server) == [turn.last_event_id]
    assert again.status == "completed" and loaded.head is again
    # nothing lost, nothing twice: the same steps as one uninterrupted stream
    assert [s.to_dict() for s in again.interaction.steps] == _whole_stream(client, again.id or "")


def test_a_file_without_event_ids_loads_and_its_turn_streams_from_the_start(
    chain: Chain, client: Client, server: LocalServer, tmp_path: Path
) -> None:
    turn = chain.send("Research TPUs", background=True)
    saved = save_chains(tmp_path / "chains.json", [chain])
    data = json.loads(saved.read_text())  # as an older version wrote it: no event id
    for interaction in data["chains"][0]["turns"][0]["interactions"]:
        interaction.pop("last_event_id", None)
    saved.write_text(json.dumps(data))
    (loaded,), _ = load_chains(saved)
    assert loaded.turns[0].last_event_id is None
    loaded.client = client
    loaded.follow(loaded.turns[0])
    assert loaded.turns[0].status == "completed" and not _resumed_after(server)
    assert loaded.turns[0].output_text == client.interactions.get(turn.id or "").output_text


def test_a_stream_that_cannot_resume_fails_and_leaves_the_turn_to_polling(
    chain: Chain, server: LocalServer, clock: FakeClock
) -> None:
    turn = chain.send("Research TPUs", background=True)
    _part(chain, turn)
    assert turn.interaction is not None
    turn.interactions[-1] = turn.interaction.model_copy(update={"last_event_id": "ev_9999"})
    with pytest.raises(APIError):
        chain.follow(turn)  # the server does not know that event id
    assert turn.status == "running"
    clock.advance(120)
    chain.refresh(turn)  # polling still ends it
    assert turn.status == "completed"
