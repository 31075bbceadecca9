"""ChainRegistry's rules for where a turn goes, as a script meets them (the magics use the same)."""

from __future__ import annotations

import pytest

from gemini_interactions.api import Client
from gemini_interactions.chain import ChainRegistry, ChainUsageError
from gemini_interactions.magics._failure import flag


def test_a_new_conversation_goes_to_chat_which_becomes_current_once_it_has_a_turn(
    client: Client,
) -> None:
    registry = ChainRegistry(client)
    chain = registry.target()
    assert chain.name == "chat" and "chat" not in registry  # nothing changed yet
    chain.send("Hello there")
    registry.keep(chain)
    assert registry.current is chain and registry.target(new=False) is chain
    side = registry.target("side")
    side.send("Hello there")
    registry.keep(side)
    assert registry.current_name == "chat" and registry.holds(side)


def test_continuing_needs_a_chain_with_a_turn_to_continue(client: Client) -> None:
    registry = ChainRegistry(client)
    with pytest.raises(ChainUsageError, match="Nothing to continue") as nothing:
        registry.target(new=False)
    assert "chain=NAME" in str(nothing.value)
    assert "--chain NAME" in nothing.value.spelled(flag)  # a cell says it with its flags
    with pytest.raises(ChainUsageError, match="no chain named 'side' to continue") as missing:
        registry.target("side", from_turn=1)
    assert "(--from)" in missing.value.spelled(flag)
    empty = registry.create("empty")
    with pytest.raises(ChainUsageError, match="no completed turn to continue from"):
        registry.target("empty", new=False)
    assert registry.target("empty") is empty


def test_merge_takes_loaded_chains_all_or_nothing(client: Client) -> None:
    here, there = ChainRegistry(client), ChainRegistry(client)
    mine = here.target()
    mine.send("Hello there")
    here.keep(mine)
    theirs = there.target()
    theirs.send("Something else")
    with pytest.raises(ChainUsageError, match="Nothing was loaded") as refused:
        here.merge([theirs], "chat", source="their.json")
    assert "--replace" in refused.value.spelled(flag) and here.get("chat") is mine
    assert here.merge([theirs], "chat", source="their.json", replace=True) == ["chat"]
    assert here.get("chat") is theirs and here.current_name == "chat"
