from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gemini_interactions.api import Client
from gemini_interactions.chain import Chain
from gemini_interactions.server import FakeClock, LocalServer

FIXTURES = Path(__file__).parent.parent / "magics" / "data" / "fixtures.json"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> LocalServer:
    return LocalServer(fixtures=[FIXTURES], require_auth=False, clock=clock)


@pytest.fixture
def client(server: LocalServer) -> Client:
    return Client(transport=server.transport(), max_retries=0)


@pytest.fixture
def chain(client: Client) -> Chain:
    return Chain(client, name="t")


def posts(server: LocalServer) -> list[dict[str, Any]]:
    """The bodies of every create request the server received."""
    return [
        r.json for r in server.requests if r.method == "POST" and r.path.endswith("/interactions")
    ]
