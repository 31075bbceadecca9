"""A turn's retries share one budget and reach the turn's observer as notices."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gemini_interactions.api import Client, RetryNotice, RetryPolicy
from gemini_interactions.chain import Chain, TurnFailedError, TurnObserver
from scripted_http import Exchange, scripted_server

LIMITED = {"error": {"code": 429, "message": "slow down", "status": "RESOURCE_EXHAUSTED"}}
CALL = {
    "id": "v1_call",
    "status": "requires_action",
    "steps": [{"type": "function_call", "id": "fc_1", "name": "ping", "arguments": {}}],
}
DONE = {
    "id": "v1_done",
    "status": "completed",
    "steps": [{"type": "model_output", "content": [{"type": "text", "text": "pong"}]}],
}


def ping() -> str:
    """Ping."""
    return "pong"


class Heard(TurnObserver):
    def __init__(self) -> None:
        self.notices: list[tuple[int, RetryNotice]] = []

    def on_retry(self, turn: Any, notice: RetryNotice) -> None:
        self.notices.append((turn.number, notice))


def _script(answers: list[str]) -> Any:
    def script(exchange: Exchange) -> None:
        kind = answers[exchange.number - 1]
        if kind == "429":
            headers = {"content-type": "application/json", "retry-after": "60"}
            exchange.send(429, headers, json.dumps(LIMITED).encode())
        else:
            body = json.dumps(CALL if kind == "call" else DONE).encode()
            exchange.send(200, {"content-type": "application/json"}, body)

    return script


def test_the_waits_of_all_a_turns_requests_share_one_budget() -> None:
    # the prompt's request waits 60 s, the tool round's 60 s: the budget (120 s) is spent, so
    # the tool round's second 429 fails the turn instead of waiting a third minute
    sleeps: list[float] = []
    answers = ["429", "call", "429", "429", "done"]
    with scripted_server(_script(answers)) as server:
        client = Client(
            "k" * 12, base_url=server.url, retry_policy=RetryPolicy(sleep=sleeps.append)
        )
        chain = Chain(client, name="b", stream=False)
        heard = Heard()
        with pytest.raises(TurnFailedError, match="429"):
            chain.send("Use ping", tools=[ping], observer=heard)
        assert len(server.seen) == 4
    assert sleeps == [60.0, 60.0]
    assert [(n, str(x).split(",")[0]) for n, x in heard.notices] == [
        (1, "rate limited (429)"),
        (1, "rate limited (429)"),
    ]
    assert chain.turns[-1].status == "failed"


def test_a_turn_within_its_budget_completes() -> None:
    sleeps: list[float] = []
    with scripted_server(_script(["429", "call", "done"])) as server:
        client = Client(
            "k" * 12, base_url=server.url, retry_policy=RetryPolicy(sleep=sleeps.append)
        )
        turn = Chain(client, name="b", stream=False).send("Use ping", tools=[ping])
    assert turn.status == "completed" and sleeps == [60.0]
