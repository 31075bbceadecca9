"""Text that cannot be sent is replaced with a one-line notice (or refused clearly), tool results
are strict JSON, and no exception anywhere in a turn leaves it "streaming"."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from gemini_interactions.api import Client, ConfigurationError
from gemini_interactions.chain import Chain, TurnFailedError, TurnObserver
from gemini_interactions.server import LocalServer

from .conftest import posts

CAFE = b"caf\xe9".decode("utf-8", "surrogateescape")  # 'caf\udce9'


class Notes(TurnObserver):
    def __init__(self) -> None:
        self.notices: list[str] = []

    def on_notice(self, turn: Any, notice: str) -> None:
        self.notices.append(notice)


def test_a_lone_surrogate_in_the_prompt_is_replaced_and_said(chain: Chain, server) -> None:
    notes = Notes()
    turn = chain.send(f"Tell me about the {CAFE} on the corner.", observer=notes)
    assert turn.status == "completed"
    assert posts(server)[0]["input"] == "Tell me about the caf\ufffd on the corner."
    assert len(notes.notices) == 1 and turn.notices == notes.notices
    assert "prompt" in notes.notices[0] and "replaced by \ufffd" in notes.notices[0]
    assert "\n" not in notes.notices[0]
    json.dumps(turn.to_dict(), ensure_ascii=False).encode()  # the record can be saved
    assert chain.send("And the next one?", from_turn=1).status == "completed"


def test_a_tool_returning_a_lone_surrogate_or_nan_sends_strict_json(chain: Chain, server) -> None:
    def get_reading(city: str) -> dict[str, object]:
        """A sensor reading."""
        return {"city": city, "label": "\ud800", "value": math.nan, "peak": math.inf}

    notes = Notes()
    turn = chain.send("Use get_reading for Paris", tools=[get_reading], observer=notes)
    assert turn.status == "completed"
    result = posts(server)[1]["input"][0]["result"]
    assert result == {"city": "Paris", "label": "\ufffd", "value": "NaN", "peak": "Infinity"}
    (notice,) = notes.notices
    assert "get_reading" in notice and "NaN" in notice and "\ufffd" in notice


def test_a_tool_returning_a_bare_surrogate_string(chain: Chain, server) -> None:
    def shout(word: str) -> str:
        """Shout a word."""
        return "\ud800"

    turn = chain.send("Use shout for hello", tools=[shout])
    assert turn.status == "completed"
    assert posts(server)[1]["input"][0]["result"] == "\ufffd"


def test_the_client_refuses_what_cannot_be_sent_with_the_place_named() -> None:
    client = Client(transport=LocalServer(require_auth=False).transport(), max_retries=0)
    with pytest.raises(ConfigurationError) as info:
        client.interactions.create(model="m", input=f"a {CAFE}")
    assert "body.input" in str(info.value) and "lone surrogate (U+DCE9)" in str(info.value)
    with pytest.raises(ConfigurationError, match="NaN, which JSON cannot carry"):
        client.interactions.create(
            model="m", input="x", generation_config={"temperature": math.nan}
        )


class Boom(TurnObserver):
    def on_event(self, turn: Any, event: Any) -> None:
        raise RuntimeError("the display broke")


def test_any_exception_inside_a_turn_ends_it_failed_not_streaming(chain: Chain) -> None:
    with pytest.raises(TurnFailedError) as info:
        chain.send("Hello there", observer=Boom())
    turn = info.value.turn
    assert turn.status == "failed" and turn.ended_at is not None
    assert "RuntimeError: the display broke" in str(info.value)
    assert isinstance(info.value.error, RuntimeError)
    assert chain.head is None
    # the next turn is not blocked by a turn "still streaming"
    assert chain.send("Hello again").status == "completed"


def test_an_option_the_client_refuses_fails_the_turn_with_one_clear_message(chain: Chain) -> None:
    with pytest.raises(TurnFailedError) as info:
        chain.send("Hi", generation_config={"seed": math.nan})
    assert "generation_config.seed is NaN, which JSON cannot carry" in str(info.value)
    assert chain.turns[-1].status == "failed" and chain.head is None
