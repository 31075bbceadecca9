"""Chain: head, continue, branch, failures that never move the head, interrupts, background."""

from __future__ import annotations

from typing import Any

import pytest

from gemini_interactions import chain as chain_pkg
from gemini_interactions.api import Client
from gemini_interactions.chain import (
    Chain,
    ChainRegistry,
    ChainUsageError,
    Turn,
    TurnFailedError,
    TurnObserver,
)
from gemini_interactions.server import FakeClock, LocalServer

from .conftest import posts


def test_public_api_is_pinned() -> None:
    assert chain_pkg.__all__ == [
        "DEFAULT_MODEL",
        "THINKING_LEVELS",
        "Chain",
        "ChainRegistry",
        "ChainUsageError",
        "FunctionTool",
        "MapBudgetReached",
        "ResponseSchema",
        "SendOptions",
        "StepTime",
        "ToolRun",
        "Turn",
        "TurnFailedError",
        "TurnObserver",
        "TurnTracer",
        "attachment_content",
        "function_tool",
        "response_schema",
        "set_prices",
    ]
    for name in chain_pkg.__all__:
        assert hasattr(chain_pkg, name)


def test_first_turn_keeps_exact_request_and_final_interaction(chain: Chain, server: LocalServer):
    turn = chain.send("Explain recursion", model="offline-demo")
    assert turn.status == "completed" and turn.joined
    assert chain.head is turn and chain.head_id == turn.id
    assert turn.request == {"model": "offline-demo", "input": "Explain recursion", "stream": True}
    assert posts(server) == [turn.request]
    assert turn.interaction is not None and turn.interaction.status == "completed"
    assert "Explain recursion" in turn.output_text
    assert turn.text and turn.output_text.startswith(turn.text[:20])
    assert turn.usage["total_tokens"] > 0
    assert turn.ended_at is not None and turn.duration is not None
    data = turn.to_dict()
    assert data["interaction_id"] == turn.id and data["requests"] == [turn.request]


def test_continue_sends_the_head_as_previous_id_and_resends_config(chain: Chain, server):
    first = chain.send("My name is Phil.", system="Be brief.", thinking="low")
    second = chain.send("What is my name?", system="Be brief.", thinking="low")
    assert second.previous_interaction_id == first.id and second.parent == 1
    body = posts(server)[1]
    assert body["previous_interaction_id"] == first.id
    assert body["system_instruction"] == "Be brief."
    assert body["generation_config"] == {"thinking_level": "low"}
    assert "Phil" in second.output_text
    assert chain.head is second
    assert [t.number for t in chain.path()] == [1, 2]


def test_branch_from_a_turn_keeps_the_old_branch(chain: Chain, server):
    t1 = chain.send("one")
    t2 = chain.send("two")
    t3 = chain.send("two, again", from_turn=1)
    assert t3.parent == 1 and t3.previous_interaction_id == t1.id
    assert chain.head is t3 and chain.turns == [t1, t2, t3]
    assert chain.path() == [t1, t3]
    t4 = chain.send("continue the first branch", from_turn=-3)  # -3 is turn 2 (of 3) ... from end
    assert t4.previous_interaction_id == t1.id
    t5 = chain.send("from two", from_turn=2)
    assert t5.previous_interaction_id == t2.id and chain.path() == [t1, t2, t5]


def test_new_starts_a_fresh_root(chain: Chain):
    chain.send("one")
    fresh = chain.send("fresh", new=True)
    assert fresh.parent is None and fresh.previous_interaction_id is None
    assert chain.head is fresh


@pytest.mark.parametrize("number", [0, 4, -4, 99])
def test_from_turn_out_of_range_changes_nothing(chain: Chain, server, number: int):
    for prompt in ("a", "b", "c"):
        chain.send(prompt)
    before = (list(chain.turns), chain.head, len(server.requests))
    with pytest.raises(ChainUsageError, match="no turn"):
        chain.send("x", from_turn=number)
    assert (list(chain.turns), chain.head, len(server.requests)) == before


def test_a_failed_turn_is_recorded_and_never_moves_the_head(chain: Chain):
    good = chain.send("fine")
    with pytest.raises(TurnFailedError) as info:
        chain.send("please fail")
    assert "HTTP 400" in info.value.message and "too hot" in info.value.message
    failed = info.value.turn
    assert failed.status == "failed" and not failed.joined
    assert chain.turns[-1] is failed and chain.head is good
    assert failed.request is not None and failed.request["input"] == "please fail"
    nxt = chain.send("go on")
    assert nxt.previous_interaction_id == good.id


def test_an_error_event_mid_stream_fails_the_turn_and_keeps_the_partial_answer(chain: Chain):
    good = chain.send("fine")
    with pytest.raises(TurnFailedError) as info:
        chain.send("break the stream")
    turn = info.value.turn
    assert turn.status == "failed" and chain.head is good
    assert turn.interaction is not None
    assert turn.error and "failed" in turn.error


class _InterruptAfter(TurnObserver):
    def __init__(self, events: int) -> None:
        self.left = events
        self.ended: list[str] = []

    def on_event(self, turn: Turn, event: Any) -> None:
        if turn.text:
            self.left -= 1
            if self.left <= 0:
                raise KeyboardInterrupt

    def on_end(self, turn: Turn) -> None:
        self.ended.append(turn.status)


def test_an_interrupt_keeps_the_partial_answer_marked_and_the_head(chain: Chain):
    good = chain.send("fine")
    observer = _InterruptAfter(2)
    with pytest.raises(KeyboardInterrupt):
        chain.send("Tell me a long story", observer=observer)
    turn = chain.turns[-1]
    assert turn.status == "interrupted" and observer.ended == ["interrupted"]
    assert turn.text.startswith("Once upon")
    assert "streamed." not in turn.text
    assert turn.interaction is not None  # the partial snapshot is kept
    assert chain.head is good
    assert chain.send("again").previous_interaction_id == good.id


def test_continuing_an_interrupted_or_failed_turn_by_number_is_refused(chain: Chain):
    chain.send("fine")
    with pytest.raises(TurnFailedError):
        chain.send("please fail")
    with pytest.raises(ChainUsageError, match="nothing to continue from"):
        chain.send("x", from_turn=2)


def test_no_store_turn_cannot_be_continued(chain: Chain, server):
    first = chain.send("keep me")
    unstored = chain.send("forget me", store=False)
    assert posts(server)[-1]["store"] is False
    assert chain.head is unstored and not unstored.continuable
    before = len(chain.turns)
    with pytest.raises(ChainUsageError) as caught:
        chain.send("and?")
    # A Python caller reads Python parameters, not the magics' flags.
    assert "sent with store=False" in str(caught.value) and "--" not in str(caught.value)
    assert "branch from an earlier turn with from_turn=1" in str(caught.value)
    assert len(chain.turns) == before
    assert chain.send("branch", from_turn=1).previous_interaction_id == first.id


def test_non_streaming_turn(chain: Chain, server):
    turn = chain.send("no stream please", stream=False)
    assert turn.status == "completed" and "stream" not in posts(server)[0]
    assert turn.output_text


def test_generation_options_make_the_config(chain: Chain, server):
    chain.send(
        "x",
        thinking="high",
        thoughts=True,
        temperature=0.5,
        max_output_tokens=300,
        model="m-1",
    )
    body = posts(server)[0]
    assert body["model"] == "m-1"
    assert body["generation_config"] == {
        "thinking_level": "high",
        "thinking_summaries": "auto",
        "temperature": 0.5,
        "max_output_tokens": 300,
    }


def test_thoughts_are_collected(chain: Chain):
    turn = chain.send("think about it", thoughts=True)
    assert turn.thoughts


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"model": "a", "agent": "b"}, "not both"),
        ({"thinking": "extreme"}, "thinking level"),
        ({"temperature": 3.0}, "Temperature"),
        ({"max_output_tokens": 0}, "at least 1"),
        ({"max_tool_rounds": -1}, "negative"),
        ({"store": False, "background": True}, "must be stored"),
        ({"agent": "deep-research", "thinking": "low"}, "Agents take no generation"),
        ({"colour": "blue"}, "Unknown option"),
    ],
)
def test_bad_options_change_nothing(chain: Chain, server, options: dict[str, Any], match: str):
    chain.send("first")
    before = (list(chain.turns), chain.head, len(server.requests))
    with pytest.raises(ChainUsageError, match=match):
        chain.send("x", **options)
    assert (list(chain.turns), chain.head, len(server.requests)) == before


def test_a_chain_without_client_says_so() -> None:
    with pytest.raises(ChainUsageError, match="no client"):
        Chain().send("x")


def test_defaults_apply_to_every_send(client: Client, server):
    chain = Chain(client, model="m-default", system="S")
    chain.send("a")
    chain.send("b", model="m-other")
    assert [p["model"] for p in posts(server)] == ["m-default", "m-other"]
    assert all(p["system_instruction"] == "S" for p in posts(server))


def test_build_request_sends_nothing(chain: Chain, server):
    chain.send("a")
    request = chain.build_request("b", temperature=0.1)
    assert request["json"]["previous_interaction_id"] == chain.head_id
    assert request["method"] == "POST" and request["url"].endswith("/interactions")
    assert len(chain.turns) == 1 and len(posts(server)) == 1


def test_background_turn_joins_when_it_completes(chain: Chain, server, clock: FakeClock):
    first = chain.send("hello")
    turn = chain.send("Research TPUs", background=True)
    assert turn.status == "running" and turn.id
    assert posts(server)[-1]["background"] is True
    assert chain.head is first  # not before it is done
    clock.advance(120)
    chain.refresh(turn)
    assert turn.status == "completed" and chain.head is turn
    assert turn.output_text and turn.ended_at is not None


def test_background_wait(chain: Chain, server, clock: FakeClock, monkeypatch):
    turn = chain.send("Research TPUs", background=True)
    assert chain.client is not None
    # wait() sleeps between polls; let each sleep move the server's clock instead.
    monkeypatch.setattr(chain.client.retry_policy, "sleep", clock.advance)
    seen: list[str] = []
    chain.wait(turn, on_progress=lambda i: seen.append(str(i.status)))
    assert turn.status == "completed" and seen[-1] == "completed"
    assert chain.head is turn


def test_agent_turn_runs_in_background(chain: Chain, server, clock: FakeClock):
    turn = chain.send("Research TPUs", agent="deep-research-preview-04-2026")
    body = posts(server)[-1]
    assert body["agent"] == "deep-research-preview-04-2026" and body["background"] is True
    assert "model" not in body and turn.status == "running"


def test_cancel_a_background_turn(chain: Chain, server):
    first = chain.send("hello")
    turn = chain.send("Research TPUs", background=True)
    chain.cancel(turn)
    assert turn.status == "cancelled" and chain.head is first
    with pytest.raises(ChainUsageError, match="not running"):
        chain.cancel(turn)


def test_background_finishing_late_does_not_yank_the_head(chain: Chain, clock: FakeClock):
    chain.send("hello")
    background = chain.send("Research TPUs", background=True)
    later = chain.send("meanwhile")
    clock.advance(120)
    chain.refresh(background)
    assert background.status == "completed" and chain.head is later


def test_usage_per_model(chain: Chain):
    chain.send("a", model="m1")
    chain.send("b", model="m2")
    chain.send("c", model="m1")
    usage = chain.usage()  # by the model that answered (the offline one names what was asked)
    assert usage["offline-demo/m1"]["turns"] == 2 and usage["offline-demo/m2"]["turns"] == 1
    assert usage["offline-demo/m1"]["total_tokens"] > 0


def test_reset_and_find(chain: Chain):
    turn = chain.send("a")
    assert turn.id is not None and chain.find(turn.id) is turn
    chain.reset()
    assert chain.turns == [] and chain.head is None


def test_registry(client: Client):
    registry = ChainRegistry(client)
    assert registry.next_name() == "chat1"
    a = registry.create()
    assert a.name == "chat1" and a.client is client and registry.next_name() == "chat2"
    b = registry.create("research")
    assert registry.current is None
    registry.use("research")
    assert registry.current is b
    with pytest.raises(ChainUsageError, match="no chain named"):
        registry.get("nope")
    with pytest.raises(ChainUsageError, match="exists already"):
        registry.create("research")
    with pytest.raises(ChainUsageError, match="not a usable chain name"):
        registry.create("bad name")
    turn = b.send("hi")
    assert turn.id is not None and registry.find(turn.id) == (b, turn)
    other = Client(transport=LocalServer(require_auth=False).transport())
    registry.client = other
    assert a.client is other and b.client is other
    registry.remove("research")
    assert registry.current is None and "research" not in registry
    registry.clear()
    assert len(registry) == 0


@pytest.mark.parametrize(
    ("kwargs", "python", "flags"),
    [
        (
            {"model": "m", "agent": "a"},
            "drop model= or agent=",
            "drop --model or --agent",
        ),
        (
            {"background": True, "store": False},
            "drop store=False or background=True",
            "drop --no-store or --background",
        ),
        (
            {"agent": "a", "temperature": 0.5},
            "drop thinking=, temperature= and max_output_tokens= when using agent=",
            "drop --thinking, --temperature and --max-output-tokens when using --agent",
        ),
        (
            {"new": True, "from_turn": 1},
            "a new conversation (new=True) or branch from a turn (from_turn=N)",
            "a new conversation (+new) or branch from a turn (--from N)",
        ),
    ],
)
def test_usage_errors_name_parameters_a_shell_can_respell(
    chain: Chain, kwargs: dict[str, Any], python: str, flags: str
) -> None:
    chain.send("fine")
    with pytest.raises(ChainUsageError) as caught:
        chain.send("x", **kwargs)
    assert python in str(caught.value) and "--" not in str(caught.value)

    def as_flag(name: str, value: str) -> str:
        flag = {"from_turn": "--from", "new": "+new"}.get(name, "--" + name.replace("_", "-"))
        if value == "False":
            return "--no-" + name
        return flag if value in ("", "True") else f"{flag} {value}"

    assert flags in caught.value.spelled(as_flag)
    assert len(chain.turns) == 1


def test_tool_rounds_exhausted_names_max_tool_rounds(chain: Chain) -> None:
    def counter(n: int) -> int:
        """Counts."""
        return n

    with pytest.raises(TurnFailedError) as caught:
        chain.send("Call counter for 1", tools=[counter], max_tool_rounds=0)
    assert "max_tool_rounds=N" in str(caught.value) and "--" not in str(caught.value)
    assert caught.value.turn.status == "requires_action" and chain.head is None
    assert "--max-tool-rounds N" in caught.value.spelled(
        lambda name, value: "--max-tool-rounds " + value
    )


def test_a_chain_holds_several_conversations_numbered_in_order(chain: Chain, server) -> None:
    one = chain.send("one")
    two = chain.send("two")
    root = chain.send("a new conversation", new=True)
    with pytest.raises(TurnFailedError):
        chain.send("please fail")  # takes number 4, never becomes the head
    back = chain.send("back to two", from_turn=2)
    onward = chain.send("onward")
    assert [t.number for t in chain.turns] == [1, 2, 3, 4, 5, 6]
    assert [t.parent for t in chain.turns] == [None, 1, None, 3, 2, 5]
    bodies = posts(server)
    assert "previous_interaction_id" not in bodies[2]  # a new root
    assert bodies[3]["previous_interaction_id"] == root.id and chain.turns[3].status == "failed"
    assert bodies[4]["previous_interaction_id"] == two.id
    assert bodies[5]["previous_interaction_id"] == back.id and chain.head is onward
    assert [t.number for t in chain.path(onward)] == [1, 2, 5, 6] and one.parent is None


def test_send_takes_one_send_options(chain: Chain, server) -> None:
    from gemini_interactions.chain import SendOptions

    options = SendOptions(model="gemini-x", temperature=0.5)
    chain.send("hello", options=options)
    chain.send("again", options=options, temperature=0.1)
    first, second = posts(server)
    assert first["model"] == "gemini-x" and first["generation_config"] == {"temperature": 0.5}
    assert second["generation_config"] == {"temperature": 0.1}
    assert options.temperature == 0.5  # the caller's options are not changed


def test_prepare_says_what_the_next_send_continues_and_changes_nothing(
    chain: Chain, server: LocalServer
) -> None:
    first = chain.send("One", model="offline-demo")
    sent = len(posts(server))
    out = chain.prepare(model="offline-demo")
    assert out.parent is first and out.previous_interaction_id == first.id
    assert out.prepared.options.model == "offline-demo"
    assert chain.prepare(new=True, model="offline-demo").parent is None
    with pytest.raises(ChainUsageError):
        chain.prepare(new=True, from_turn=1)
    assert len(posts(server)) == sent and len(chain.turns) == 1 and chain.head is first


def test_record_numbers_a_turn_without_moving_the_head(chain: Chain) -> None:
    first = chain.send("One", model="offline-demo")
    extra = chain.record(Turn(0, chain.name, "a map run", 1, first.id, status="completed"))
    assert extra.number == 2 and chain.turns[-1] is extra and chain.head is first


def test_restore_loads_turns_and_head_or_changes_nothing(chain: Chain) -> None:
    first = chain.send("One", model="offline-demo")
    second = chain.send("Two", model="offline-demo")
    other = Chain(name="copy")
    with pytest.raises(ValueError, match="head"):
        other.restore([first, second], head=3)
    with pytest.raises(ValueError, match="out of order"):
        other.restore([second], head=None)
    assert other.turns == [] and other.head is None
    other.restore([first, second], head=1)
    assert other.head is first and len(other) == 2
