"""The model that answered is the one a person is shown: the real service may answer with another
model than the request named (a real capture did), and ``interaction.model`` says which. The
status line, ``history``, the export and the output metadata show it, and the one asked for too
when they differ. The stream is a real recording (tests/data/real) served on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from gemini_interactions.api import Client
from gemini_interactions.chain import Chain, Turn, TurnObserver
from gemini_interactions.export import to_notebook
from gemini_interactions.render._status import status_text, streaming_status
from real_recordings import served

ANSWERED = "gemini-2.5-flash"  # what the recorded interaction reports


@pytest.fixture
def chain() -> Iterator[Chain]:
    with served("basic.chunks.txt") as url, Client("k", base_url=url, max_retries=0) as client:
        yield Chain(client, name="p")


class Watch(TurnObserver):
    def __init__(self) -> None:
        self.seen: list[str | None] = []

    def on_event(self, turn: Turn, event: Any) -> None:
        self.seen.append(turn.model_label)


def test_a_turn_answered_by_another_model_names_both(chain: Chain) -> None:
    watch = Watch()
    turn = chain.send("hi", model="gemini-flash-latest", observer=watch)
    label = f"{ANSWERED} (asked: gemini-flash-latest)"
    assert turn.asked_model == "gemini-flash-latest"
    assert turn.answered_model == ANSWERED and turn.model == ANSWERED
    assert turn.model_label == label
    # live: known from interaction.created on, before the round's interaction is recorded
    assert watch.seen[0] == label
    assert label in status_text(turn)
    assert streaming_status(turn, 1.0).startswith(label)
    meta = turn.provenance()
    assert meta["model"] == ANSWERED and meta["asked_model"] == "gemini-flash-latest"
    assert list(chain.usage()) == [ANSWERED]


def test_the_export_names_the_answering_model_and_the_asked_one(chain: Chain) -> None:
    chain.send("hi", model="gemini-flash-latest")
    nb = to_notebook(chain).notebook
    text = "\n".join(str(c.source) for c in nb.cells if c.cell_type == "markdown")
    assert f"models / agents: {ANSWERED} (asked: gemini-flash-latest)" in text
    assert f"| {ANSWERED} (asked: gemini-flash-latest) |" in text
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    metas = [o["metadata"]["gemini_interactions"] for o in outputs if "metadata" in o]
    assert metas and metas[-1]["model"] == ANSWERED
    assert metas[-1]["asked_model"] == "gemini-flash-latest"
    assert json.dumps(nb)  # plain JSON, as saved


def test_a_turn_answered_by_the_model_asked_for_names_it_once(chain: Chain) -> None:
    turn = chain.send("hi", model=ANSWERED)
    assert turn.model_label == ANSWERED
    assert "asked" not in status_text(turn)
    assert "asked_model" not in turn.provenance()


def _turn(request: dict[str, Any], *reported: dict[str, Any]) -> Turn:
    from gemini_interactions.api import Interaction

    turn = Turn(number=1, chain="p", prompt="x", parent=None, previous_interaction_id=None)
    turn.requests.append(request)
    turn.interactions.extend(Interaction.model_validate(r) for r in reported)
    return turn


def test_agents_and_names_that_contain_the_one_asked() -> None:
    agent = _turn({"agent": "deep-research-pro"}, {"id": "a", "agent": "deep-research-pro"})
    assert agent.model_label == "deep-research-pro" and "asked_agent" not in agent.provenance()
    other = _turn({"agent": "deep-research-pro"}, {"id": "a", "agent": "deep-research-max"})
    assert other.model_label == "deep-research-max (asked: deep-research-pro)"
    assert other.provenance()["asked_agent"] == "deep-research-pro"
    # the offline model names itself after the one asked: shown once, still recorded as asked
    offline = _turn({"model": "m"}, {"id": "o", "model": "offline-demo/m"})
    assert offline.model_label == "offline-demo/m"
    assert offline.provenance()["asked_model"] == "m"
    # before the server said anything: the one asked for
    assert _turn({"model": "m"}).model_label == "m" and _turn({"model": "m"}).answered_model is None
