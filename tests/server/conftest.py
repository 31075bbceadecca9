from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from gemini_interactions.server import FakeClock, LocalServer

from .helpers import client_for


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> LocalServer:
    return LocalServer(clock=clock)


@pytest.fixture
def http(server: LocalServer) -> Iterator[httpx.Client]:
    with client_for(server) as client:
        yield client
