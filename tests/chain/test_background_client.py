"""A background turn is polled, waited for and cancelled through the client it was sent with."""

from __future__ import annotations

from gemini_interactions.api import Client
from gemini_interactions.chain import Chain
from gemini_interactions.server import FakeClock, LocalServer


def test_switching_the_chains_client_keeps_the_turn_on_its_own_server(
    chain: Chain, clock: FakeClock
) -> None:
    turn = chain.send("Research TPUs", background=True)
    other = LocalServer(require_auth=False)
    chain.client = Client(transport=other.transport(), max_retries=0)  # a new backend
    later = chain.send("meanwhile", new=True)
    clock.advance(120)
    chain.refresh(turn)  # polled where it runs, not on the new server (which would say 404)
    assert turn.status == "completed" and turn.output_text
    assert later.status == "completed"
    assert not [r for r in other.requests if turn.id and turn.id in r.path]


def test_cancel_goes_to_the_turns_own_server(chain: Chain) -> None:
    turn = chain.send("Research TPUs", background=True)
    chain.client = Client(transport=LocalServer(require_auth=False).transport(), max_retries=0)
    chain.cancel(turn)
    assert turn.status == "cancelled"
